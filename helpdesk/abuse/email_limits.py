"""Daily caps on the email Parley sends to one address.

Anyone can type a stranger's address into the widget, so without a cap the
server could be used to mail-bomb third parties, and a flood of offline
messages would flood the agents' inboxes. Counted per address and UTC day in
the shared cache.
"""

import logging

from django.conf import settings

from .throttling import Rate, hashed, take

logger = logging.getLogger("parley.abuse")

DAY = 24 * 60 * 60


def email_allowed(address: str) -> bool:
    """Count one email to ``address``; False once today's cap
    (``EMAILS_PER_ADDRESS_PER_DAY``) is reached, and the email must not go."""
    rate = Rate(settings.PARLEY["EMAILS_PER_ADDRESS_PER_DAY"], DAY)
    if take(f"email:{hashed(address.strip().lower())}", rate) is None:
        return True
    logger.warning("Not emailing an address that reached today's cap of %d emails.", rate.count)
    return False


def transcript_request_wait(address: str) -> float | None:
    """Count one transcript request for ``address``: None if it is within
    ``TRANSCRIPTS_PER_ADDRESS_PER_DAY``, else the seconds until the next day,
    when it may ask again."""
    rate = Rate(settings.PARLEY["TRANSCRIPTS_PER_ADDRESS_PER_DAY"], DAY)
    return take(f"transcript:{hashed(address.strip().lower())}", rate)
