from django.contrib import admin

from .models import BlockedAddress


@admin.register(BlockedAddress)
class BlockedAddressAdmin(admin.ModelAdmin):
    list_display = ["network", "reason", "created_at"]
    search_fields = ["network", "reason"]
    readonly_fields = ["created_at"]
