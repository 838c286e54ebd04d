"""Signals of the conversation layer, for the layers above it (which chat may not
import)."""

from django.dispatch import Signal

# Sent once a message is committed, with ``message``. The offline notifications
# (agents/offline_notifications.py) and routing (agents/routing.py) listen.
message_posted = Signal()

# Sent, with ``ticket``, once chat.closing has ended a chat and it is committed:
# the visitor ended it, or it was resolved after a quiet while. (Ends that agents
# make go through agents.ticket_actions, which acts on them itself.) Routing
# listens: the chat may have been an agent's, or in the queue.
ticket_ended = Signal()
