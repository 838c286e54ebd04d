"""Background work of the knowledge base."""

from celery import shared_task

from . import retrieval


@shared_task(name="knowledge.rebuild_index", acks_late=True, time_limit=300)
def rebuild_index(language: str) -> None:
    """Rebuild one language's search index from the articles as they are now.
    Running it twice builds the same index twice: safe to retry."""
    retrieval.rebuild(language)
