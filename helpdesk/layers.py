"""The embedded default's channel layer: Channels' in-memory layer, with its
housekeeping done once a second instead of on every send and receive.

``InMemoryChannelLayer`` walks every channel and every group membership on each
``group_send`` and ``receive`` to drop expired messages and memberships. Every
open socket waits on a channel and belongs to groups, so that walk grows with
the number of sockets and ran several times per chat message (docs/benchmarks.md).
Expiry is measured in seconds (a message waits up to ``expiry``, 60 s; a
membership lasts ``group_expiry``), so doing it once a second changes nothing a
client can see.

A group send also puts one copy of the message in every member's queue rather
than a copy and a task per member: receivers only read it.
"""

import asyncio
import contextlib
import time
from copy import deepcopy

from channels.layers import InMemoryChannelLayer

CLEAN_EVERY = 1.0  # seconds


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()

    async def group_send(self, group, message):
        if not isinstance(message, dict):
            raise TypeError("message is not a dict")
        self.require_valid_group_name(group)
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        expires = time.time() + self.expiry
        item = (expires, deepcopy(message))
        for channel in list(members):
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel))
            )
            # As in Channels: a full channel misses group messages.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(item)
