from celery import shared_task

from . import services


@shared_task(name="chat.privacy.tasks.erase_expired_conversations", time_limit=3600)
def erase_expired_conversations() -> int:
    """Run by beat once a day; erasing twice erases nothing more (``erased_at``)."""
    return len(services.erase_expired())
