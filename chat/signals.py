"""Signals of the conversation layer, for the layers above it (which chat may not
import)."""

from django.dispatch import Signal

# Sent once a message is committed, with ``message``. The offline notifications
# (agents/offline_notifications.py) listen.
message_posted = Signal()
