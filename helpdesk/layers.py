"""Parley's channel layers, and sending one message's frames to several groups.

The embedded default's layer: Channels' in-memory layer, with its
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

With Redis: channels-redis's pub/sub layer, whose sends of one message (to the
ticket's agents, the visitor's tabs and every inbox) go in one round trip.
"""

import asyncio
import contextlib
import time
from copy import deepcopy

from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

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


class RedisLayer(RedisPubSubChannelLayer):
    async def group_send_many(self, sends: list[tuple[str, dict]]) -> None:
        """Publish each ``(group, message)``, in order, one pipeline per Redis
        shard. One PUBLISH per group cost a write and a read on the socket each:
        three per chat message, twice the CPU of the three in one trip
        (docs/benchmarks.md). Held under the shard's lock, as channels-redis's
        own publish is."""
        layer = self._get_layer()
        by_shard = {}
        for group, message in sends:
            channel = layer._get_group_channel_name(group)
            by_shard.setdefault(layer._get_shard(channel), []).append(
                (channel, self.serialize(message))
            )
        for shard, published in by_shard.items():
            async with shard._lock:
                shard._ensure_redis()
                async with shard._redis.pipeline(transaction=False) as pipe:
                    for channel, data in published:
                        pipe.publish(channel, data)
                    await pipe.execute()


async def group_send_all(layer, sends: list[tuple[str, dict]]) -> None:
    """Send each ``(group, message)`` in order: in one trip where the layer can
    (RedisLayer), else one by one (any other layer Channels can use)."""
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(sends)
        return
    for group, message in sends:
        await layer.group_send(group, message)
