"""Signals of the conversation layer, for the layers above it (which chat may not
import)."""

from django.dispatch import Signal

# Sent once a message is committed, with ``message``. The offline notifications
# (agents/offline_notifications.py) and routing (agents/routing.py) listen.
message_posted = Signal()

# Sent once the visitor's ending of a chat, or its resolving after a quiet while,
# is committed, with ``ticket``: routing listens, as the chat may have been an
# agent's or in the queue.
ticket_ended = Signal()
