"""Listeners of the conversation layer's signals: each event an endpoint wants
becomes one task per endpoint. No new broadcast path: chat.notify sends
``ticket_changed`` and ``message_posted`` once a change commits, and this only
listens."""

import logging
import uuid

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from chat import signals
from chat.models import Message
from helpdesk.models import Ticket

from . import events
from .models import Endpoint
from .subscriptions import forget, subscribers
from .tasks import deliver_webhook

logger = logging.getLogger("parley.webhooks")


def connect() -> None:
    signals.message_posted.connect(on_message_posted, dispatch_uid="webhooks-message")
    signals.ticket_changed.connect(on_ticket_changed, dispatch_uid="webhooks-ticket")
    post_save.connect(on_endpoint_saved, sender=Endpoint, dispatch_uid="webhooks-endpoint-saved")
    post_delete.connect(on_endpoint_saved, sender=Endpoint, dispatch_uid="webhooks-endpoint-gone")


def on_message_posted(sender: object, message: Message, **kwargs: object) -> None:
    # System lines record changes, which have events of their own.
    if message.sender_type == Message.SenderType.SYSTEM:
        return
    enqueue(events.MESSAGE_CREATED, lambda: events.message_event(message))


def on_ticket_changed(
    sender: object, ticket: Ticket, changed: frozenset[str], by: object = None, **kwargs: object
) -> None:
    for field, event in events.EVENT_OF_CHANGE.items():
        if field in changed:
            enqueue(event, lambda: events.conversation_event(ticket, by=by))


def on_endpoint_saved(sender: object, **kwargs: object) -> None:
    forget()


def enqueue(event: str, build) -> None:
    """One task per subscribed endpoint; the payload is built only if one is.
    Never raises: the signal's other listeners (routing, the offline emails) run
    after this one, and a broker that is down must not cost them their turn."""
    try:
        _enqueue(event, build)
    except Exception:
        logger.exception("Webhook %s not queued", event)


def _enqueue(event: str, build) -> None:
    endpoint_ids = subscribers(event)
    if not endpoint_ids:
        return
    envelope = {
        "id": str(uuid.uuid4()),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "data": build(),
    }
    for endpoint_id in endpoint_ids:
        deliver_webhook.apply_async(args=[endpoint_id, envelope])
