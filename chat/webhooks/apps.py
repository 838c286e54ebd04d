from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "chat.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
