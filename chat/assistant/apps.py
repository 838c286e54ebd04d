from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "chat.assistant"
    label = "assistant"
    verbose_name = "Assistant"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - hands over chats visitors write in directly
