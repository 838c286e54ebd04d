"""Identities as a host site's server signs them (chat.identity), for tests."""

import time

from chat.identity import identity_signature
from helpdesk.models import Widget


def signed_identity(widget: Widget, user_id: str, *, issued_at: int | None = None, **extra) -> dict:
    """What ``Parley.identify`` is given by a page whose server signed ``user_id``."""
    issued_at = int(time.time()) if issued_at is None else issued_at
    return {
        "user_id": user_id,
        "issued_at": issued_at,
        "signature": identity_signature(widget.identity_secret, user_id, issued_at),
        **extra,
    }
