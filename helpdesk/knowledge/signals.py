"""An article saved or deleted (admin, seed_demo, shell) rebuilds its language's
index once the change is committed, so the worker reads what was saved. Many
changes in one transaction (seed_demo) enqueue one rebuild per language."""

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Article
from .tasks import rebuild_index


class Rebuild:
    """The on-commit hook for one language; it is found again by its language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self) -> None:
        rebuild_index.delay(self.language)


@receiver([post_save, post_delete], sender=Article)
def rebuild_after_article_change(sender, instance: Article, **kwargs):
    # Hooks of a transaction that rolls back go with it, so nothing is left pending.
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if any(
        isinstance(hook, Rebuild) and hook.language == instance.language
        for _sids, hook, _robust in pending
    ):
        return
    transaction.on_commit(Rebuild(instance.language), robust=True)
