"""The embedded default's channel layer keeps Channels' in-memory semantics."""

import asyncio

import pytest

from helpdesk import layers
from helpdesk.layers import LocalChannelLayer


async def test_a_group_send_reaches_every_member_once():
    layer = LocalChannelLayer()
    one, two = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", one)
    await layer.group_add("room", two)
    await layer.group_send("room", {"type": "parley.event", "event": {"n": 1}})
    assert await layer.receive(one) == {"type": "parley.event", "event": {"n": 1}}
    assert await layer.receive(two) == {"type": "parley.event", "event": {"n": 1}}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(one), 0.05)


async def test_what_was_sent_does_not_change_with_the_senders_dict():
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    message = {"type": "parley.event", "event": {"body": "first"}}
    await layer.group_send("room", message)
    message["event"]["body"] = "changed"
    assert (await layer.receive(channel))["event"] == {"body": "first"}


async def test_a_full_channel_misses_the_message_and_the_others_still_get_it():
    layer = LocalChannelLayer(capacity=1)
    full, other = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", full)
    await layer.group_add("room", other)
    await layer.group_send("room", {"type": "a"})
    await layer.group_send("room", {"type": "b"})
    assert (await layer.receive(full))["type"] == "a"
    assert (await layer.receive(other))["type"] == "a"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(full), 0.05)


async def test_an_expired_message_still_drops_its_channel_from_groups(monkeypatch):
    layer = LocalChannelLayer(expiry=10)
    gone, alive = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", gone)
    await layer.group_send("room", {"type": "unread"})
    now = layers.time.time()
    later = layers.time.monotonic() + layers.CLEAN_EVERY
    monkeypatch.setattr(layers.time, "time", lambda: now + 11)
    monkeypatch.setattr(layers.time, "monotonic", lambda: later)
    await layer.group_add("room", alive)
    await layer.group_send("room", {"type": "fresh"})
    assert gone not in layer.groups["room"]
    assert (await layer.receive(alive))["type"] == "fresh"


async def test_expiry_is_walked_at_most_once_a_second(monkeypatch):
    layer = LocalChannelLayer()
    walks = []
    monkeypatch.setattr(layers.InMemoryChannelLayer, "_clean_expired", lambda self: walks.append(1))
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    for _ in range(100):
        await layer.group_send("room", {"type": "x"})
        await layer.receive(channel)
    assert len(walks) == 1
