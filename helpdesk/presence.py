"""Who is connected now, kept in the cache so that every server process agrees.

Each server process that holds connections of a party (an agent's tabs, a
visitor's, every widget socket from one client address) keeps one entry for that
party in the cache, a *slot*, holding its own count of them: the first brings
the slot, closing the last deletes it. A party is online while any slot of
theirs is alive, and has as many connections as their live slots add up to.

A slot expires unless its process renews it (each ping of one of that party's
sockets there does): a process that dies takes its slots with it within
``slot_timeout()``, and the presence check, which runs every
``check_interval()`` while a dashboard is open anywhere (agents/consumers.py),
tells everyone. The two add up to PRESENCE_TTL, the documented bound on the
false presence a killed process leaves. A clean close is never held up by a
dead process's entry for longer than that either: a single shared counter,
which this replaced, kept the connections of a killed process counted for as
long as the party's other sockets pinged.
"""

import threading
import uuid

from django.conf import settings
from django.core.cache import cache

from helpdesk.cache import touch_many

# This server process, as the owner of the slots it takes.
PROCESS_ID = uuid.uuid4().hex
# Server processes that can hold one party's connections at the same time, each
# with a slot of its own; past that, processes share the last slot (a clean close
# on one of them may then read as offline until the others' next ping).
SLOTS = 8


def presence_ttl() -> int:
    return settings.PARLEY["PRESENCE_TTL"]


def check_interval() -> int:
    """Seconds between presence checks: a sixth of the TTL, 5 s at most."""
    return max(1, min(5, presence_ttl() // 6))


def slot_timeout() -> int:
    """A slot outlives its last renewal by this much, so that with the check's
    interval a dead process's presence ends within PRESENCE_TTL."""
    return presence_ttl() - check_interval()


class Presence:
    """Connection presence of one kind of party ("agent", "visitor")."""

    def __init__(self, kind: str, *, process: str = PROCESS_ID):
        self.kind = kind
        self.process = process
        # party id -> (slot, connections in this process)
        self.held: dict[object, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def _key(self, party_id: object, slot: int) -> str:
        return f"presence:{self.kind}:{party_id}:{slot}"

    def _keys(self, party_id: object) -> list[str]:
        return [self._key(party_id, slot) for slot in range(SLOTS)]

    def _claim(self, party_id: object, count: int) -> int:
        for slot in range(SLOTS):
            if cache.add(self._key(party_id, slot), (self.process, count), timeout=slot_timeout()):
                return slot
        slot = SLOTS - 1
        cache.set(self._key(party_id, slot), (self.process, count), timeout=slot_timeout())
        return slot

    def _renewed(self, party_id: object, slot: int | None, count: int) -> int:
        """``slot`` renewed, or a new one if it expired meanwhile (the cache was
        flushed or restarted, or this process's pings stopped for too long)."""
        if slot is not None and cache.touch(self._key(party_id, slot), timeout=slot_timeout()):
            return slot
        return self._claim(party_id, count)

    def _store(self, party_id: object, slot: int | None, count: int) -> int:
        """``slot`` (or a new one) holding ``count``."""
        if slot is None or cache.get(self._key(party_id, slot), (None,))[0] != self.process:
            return self._claim(party_id, count)
        cache.set(self._key(party_id, slot), (self.process, count), timeout=slot_timeout())
        return slot

    def connect(self, party_id: object) -> bool:
        """Count a new connection in this process; True when it brought the party
        online."""
        was_online = self.is_online(party_id)
        with self.lock:
            slot, count = self.held.get(party_id, (None, 0))
            self.held[party_id] = (self._store(party_id, slot, count + 1), count + 1)
        return not was_online

    def heartbeat(self, party_id: object) -> None:
        with self.lock:
            slot, count = self.held.get(party_id, (None, 0))
            count = max(count, 1)
            self.held[party_id] = (self._renewed(party_id, slot, count), count)

    def heartbeat_all(self) -> None:
        """Renew every slot this process holds, in one trip to the cache: for
        parties whose connections send no pings of their own (the sockets of a
        client address), where a timer per connection cost more than the rest of
        an idle socket (docs/benchmarks.md)."""
        with self.lock:
            held = {party_id: slot for party_id, (slot, _) in self.held.items()}
        keys = [self._key(party_id, slot) for party_id, slot in held.items()]
        renewed = touch_many(keys, slot_timeout())
        for party_id, alive in zip(held, renewed, strict=True):
            if alive:
                continue
            # Expired meanwhile (the cache was flushed or restarted): claimed anew,
            # unless the party's connections here closed or moved slot since.
            with self.lock:
                slot, count = self.held.get(party_id, (None, 0))
                if slot is not None and slot == held[party_id]:
                    self.held[party_id] = (self._claim(party_id, count), count)

    def disconnect(self, party_id: object) -> bool:
        """Count a closed connection; True when the party is now offline: this was
        their last connection here, and no other process holds one."""
        with self.lock:
            slot, count = self.held.pop(party_id, (None, 0))
            if count > 1:
                self.held[party_id] = (self._store(party_id, slot, count - 1), count - 1)
                return False
            if slot is not None:
                key = self._key(party_id, slot)
                if cache.get(key, (None,))[0] == self.process:
                    cache.delete(key)
        return not self.is_online(party_id)

    def online_ids(self, party_ids: list) -> set:
        keys = {party_id: self._keys(party_id) for party_id in party_ids}
        found = cache.get_many([key for slots in keys.values() for key in slots])
        return {party_id for party_id, slots in keys.items() if any(k in found for k in slots)}

    def is_online(self, party_id: object) -> bool:
        return bool(self.online_ids([party_id]))

    def connections(self, party_id: object) -> int:
        """The party's open connections in every process."""
        return sum(count for _, count in cache.get_many(self._keys(party_id)).values())


AGENTS = Presence("agent")
VISITORS = Presence("visitor")
