from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "helpdesk.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the index rebuild
