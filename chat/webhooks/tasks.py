"""Sending webhooks, on their own queue: receivers can be slow or stall, and
that must never hold up email or anything else."""

from celery import shared_task
from django.conf import settings

from helpdesk.celery import EMAIL_RETRY

from . import services

# Attempt n waits RETRY_BASE * 2**(n-1) seconds before attempt n+1, at most this:
# a countdown longer than the broker's visibility timeout would run twice.
RETRY_MAX_WAIT = 900


@shared_task(
    name="chat.webhooks.tasks.deliver_webhook",
    bind=True,
    max_retries=None,  # counted against PARLEY["WEBHOOKS"]["MAX_ATTEMPTS"] instead
    soft_time_limit=60,
    time_limit=90,
)
def deliver_webhook(self, endpoint_id: int, envelope: dict) -> None:
    """POST ``envelope`` to the endpoint once; retried with exponential backoff
    while it fails and attempts remain."""
    outcome = services.delivery_attempt(endpoint_id=endpoint_id, envelope=envelope)
    if outcome.switched_off:
        notify_endpoint_disabled.delay(endpoint_id, outcome.switched_off.isoformat())
    if outcome.retry_after:
        wait = settings.PARLEY["WEBHOOKS"]["RETRY_BASE"] * 2 ** (outcome.retry_after - 1)
        raise self.retry(countdown=min(wait, RETRY_MAX_WAIT))


@shared_task(name="chat.webhooks.tasks.notify_endpoint_disabled", **EMAIL_RETRY)
def notify_endpoint_disabled(endpoint_id: int, disabled_at: str) -> None:
    services.endpoint_disabled_notify(endpoint_id=endpoint_id, disabled_at=disabled_at)
