from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "chat.privacy"
    label = "privacy"
    verbose_name = "Privacy"
