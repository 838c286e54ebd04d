"""Writes of the agent side."""

from chat import events

from .models import AgentProfile
from .presence import agents_online, agents_with_presence


def agent_set_status(*, profile: AgentProfile, status: str) -> AgentProfile:
    profile.status = AgentProfile.Status(status)
    profile.save(update_fields=["status"])
    broadcast_presence()
    return profile


def broadcast_presence() -> None:
    """Tell agents who is around, and visitors only whether anyone is."""
    online = agents_online()
    events.broadcast(
        [events.AGENTS_GROUP],
        events.presence(agents_online=online, agents=agents_with_presence()),
    )
    events.broadcast([events.VISITORS_GROUP], events.presence(agents_online=online))
