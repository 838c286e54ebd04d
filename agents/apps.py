from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
