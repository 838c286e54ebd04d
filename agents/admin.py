from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from helpdesk.models import Team

from . import accounts
from .models import AGENT, ROLES, AgentProfile, CannedResponse


class InviteForm(forms.Form):
    # A username is at most 150 characters, and the address is the username.
    email = forms.EmailField(
        max_length=150, help_text="The invitation goes here; it is their username too."
    )
    display_name = forms.CharField(
        max_length=120, help_text="Shown to visitors and colleagues; they can change it."
    )
    role = forms.ChoiceField(
        choices=ROLES,
        initial=AGENT,
        help_text="Administrators also manage Parley in this admin (webhooks, privacy, "
        "inviting agents).",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "user",
        "role",
        "invite_pending",
        "status",
        "max_concurrent_chats",
        "last_assigned_at",
    ]
    list_filter = ["status", "teams"]
    search_fields = ["display_name", "user__username", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["teams"]
    readonly_fields = ["last_assigned_at"]
    list_select_related = ["user"]
    actions = ["send_invite_again"]

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add" is "Invite agent": one screen with the email, name, role and
        teams; the invitee chooses their own password through the emailed link."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                profile = accounts.agent_invite(invited_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                self.message_user(
                    request,
                    f"Invited {profile.display_name}: the link to set a password is on its "
                    f"way to {profile.user.email}.",
                    messages.SUCCESS,
                )
                return redirect("admin:agents_agentprofile_changelist")
        fieldsets = [(None, {"fields": ["email", "display_name", "role", "teams"]})]
        context = {
            **self.admin_site.each_context(request),
            "title": "Invite agent",
            "adminform": AdminForm(form, fieldsets, {}),
            "form": form,
            "opts": self.model._meta,
            "add": True,
            "change": False,
            "has_view_permission": True,
            "has_add_permission": True,
            "has_change_permission": False,
            "has_delete_permission": False,
            "has_editable_inline_admin_formsets": False,
            "save_as": False,
            "show_save": True,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "errors": form.errors,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/agents/invite.html", context)

    @admin.display(description="Role")
    def role(self, profile: AgentProfile) -> str:
        return dict(ROLES)[profile.role]

    @admin.display(description="Invite pending", boolean=True)
    def invite_pending(self, profile: AgentProfile) -> bool:
        return accounts.invite_pending(profile.user)

    @admin.action(description="Send the invitation again (those who have not set a password)")
    def send_invite_again(self, request, queryset):
        pending = [profile for profile in queryset if accounts.invite_pending(profile.user)]
        for profile in pending:
            accounts.invite_send(profile=profile)
        self.message_user(request, f"Sent {len(pending)} invitation(s) again.", messages.SUCCESS)


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["shortcut", "owner"]
    list_filter = ["owner"]
    search_fields = ["shortcut", "body"]
