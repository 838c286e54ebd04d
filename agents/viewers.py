"""Which agents have a ticket open, for the collision notice. Kept in the cache
(every process sees the same), per ticket: {user id: [name, tabs, expires]}.

The read-modify-write can lose an entry when two agents open a ticket at the same
instant on different processes; the next ping puts it back. An entry whose
socket died without a word expires after twice PRESENCE_TTL.
"""

import time

from django.conf import settings
from django.core.cache import cache


def _key(ticket_id: int) -> str:
    return f"viewers:ticket:{ticket_id}"


def _ttl() -> int:
    return settings.PARLEY["PRESENCE_TTL"] * 2


def _load(ticket_id: int) -> dict:
    now = time.time()
    return {
        user_id: entry
        for user_id, entry in (cache.get(_key(ticket_id)) or {}).items()
        if entry[2] > now
    }


def _store(ticket_id: int, viewers: dict) -> None:
    if viewers:
        cache.set(_key(ticket_id), viewers, timeout=_ttl())
    else:
        cache.delete(_key(ticket_id))


def viewer_join(ticket_id: int, *, user_id: int, name: str) -> list[dict]:
    viewers = _load(ticket_id)
    tabs = viewers[user_id][1] + 1 if user_id in viewers else 1
    viewers[user_id] = [name, tabs, time.time() + _ttl()]
    _store(ticket_id, viewers)
    return _listed(viewers)


def viewer_leave(ticket_id: int, *, user_id: int) -> list[dict]:
    viewers = _load(ticket_id)
    if user_id in viewers:
        name, tabs, expires = viewers[user_id]
        if tabs > 1:
            viewers[user_id] = [name, tabs - 1, expires]
        else:
            del viewers[user_id]
        _store(ticket_id, viewers)
    return _listed(viewers)


def viewer_refresh(ticket_id: int, *, user_id: int, name: str) -> bool:
    """Keep a viewer listed; True when they had expired and came back."""
    viewers = _load(ticket_id)
    back = user_id not in viewers
    tabs = 1 if back else viewers[user_id][1]
    viewers[user_id] = [name, tabs, time.time() + _ttl()]
    _store(ticket_id, viewers)
    return back


def ticket_viewers(ticket_id: int) -> list[dict]:
    return _listed(_load(ticket_id))


def _listed(viewers: dict) -> list[dict]:
    return sorted(
        ({"id": user_id, "name": name} for user_id, (name, _, _) in viewers.items()),
        key=lambda viewer: viewer["name"],
    )
