from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "helpdesk.abuse"
    label = "abuse"
    verbose_name = "Abuse protection"

    def ready(self):
        from . import addresses

        addresses.connect_signals()
