"""Whether a visitor has the widget open (a socket or an event stream), told to
agents as it changes, for the dashboard's "online now"."""

from helpdesk.presence import VISITORS

from . import events


def visitor_connected(visitor_id: object) -> None:
    if VISITORS.connect(visitor_id):
        events.broadcast(
            [events.AGENTS_GROUP], events.visitor_presence(visitor_id=visitor_id, online=True)
        )


def visitor_disconnected(visitor_id: object) -> None:
    if VISITORS.disconnect(visitor_id):
        events.broadcast(
            [events.AGENTS_GROUP], events.visitor_presence(visitor_id=visitor_id, online=False)
        )


def visitor_heartbeat(visitor_id: object) -> None:
    VISITORS.heartbeat(visitor_id)
