"""Signals of the conversation layer, for the layers above it (which chat may not
import)."""

from django.dispatch import Signal

# Sent once a message is committed, with ``message``. The offline notifications
# (agents/offline_notifications.py) listen.
message_posted = Signal()

# Sent once a change to a ticket is committed, with ``ticket``, ``changed`` (the
# names of the fields that changed, "created" for a new ticket) and ``by`` (the
# chat.ticket_actions.Actor who changed it; None for a change a message made, such
# as an agent's first reply opening the chat). Every way a ticket changes sends
# it, through chat.notify. Routing listens: a chat may have joined or left the
# queue, or an agent may have room.
ticket_changed = Signal()
