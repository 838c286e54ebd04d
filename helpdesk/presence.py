"""Who is connected now, kept in the cache so that every server process agrees.

Each open socket (or event stream) counts once: the first brings someone online,
and closing the last takes them offline at once. A count can't see a process that
died with sockets open, so a heartbeat key backs it: every ping refreshes it, and
it expires PRESENCE_TTL seconds after the last one. Online means counted and
heard from lately, so a crash costs at most PRESENCE_TTL of false presence.
"""

from django.conf import settings
from django.core.cache import cache


class Presence:
    """Connection presence of one kind of party ("agent", "visitor")."""

    def __init__(self, kind: str):
        self.kind = kind

    def _keys(self, party_id: object) -> tuple[str, str]:
        base = f"presence:{self.kind}:{party_id}"
        return base, f"{base}:connections"

    @staticmethod
    def _ttl() -> int:
        return settings.PARLEY["PRESENCE_TTL"]

    def connect(self, party_id: object) -> bool:
        """Count a new connection; True when it brought the party online."""
        was_online = self.is_online(party_id)
        alive, connections = self._keys(party_id)
        if not cache.add(connections, 1, timeout=self._ttl()):
            try:
                cache.incr(connections)
            except ValueError:  # expired between add and incr
                cache.set(connections, 1, timeout=self._ttl())
        cache.set(alive, 1, timeout=self._ttl())
        return not was_online

    def heartbeat(self, party_id: object) -> None:
        alive, connections = self._keys(party_id)
        cache.set(alive, 1, timeout=self._ttl())
        cache.touch(connections, timeout=self._ttl())

    def disconnect(self, party_id: object) -> bool:
        """Count a closed connection; True when it was the party's last."""
        alive, connections = self._keys(party_id)
        try:
            left = cache.decr(connections)
        except ValueError:  # already expired
            left = 0
        if left > 0:
            return False
        cache.delete_many([alive, connections])
        return True

    def online_ids(self, party_ids: list) -> set:
        keys = {party_id: self._keys(party_id) for party_id in party_ids}
        found = cache.get_many([key for pair in keys.values() for key in pair])
        return {
            party_id
            for party_id, (alive, connections) in keys.items()
            if alive in found and found.get(connections, 0) > 0
        }

    def is_online(self, party_id: object) -> bool:
        return bool(self.online_ids([party_id]))


AGENTS = Presence("agent")
VISITORS = Presence("visitor")
