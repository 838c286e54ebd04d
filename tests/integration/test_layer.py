"""The Redis channel layer sends one message's frames in one round trip
(helpdesk.layers.RedisLayer), to the same members and in the same order as one
group_send each would."""

import uuid

import pytest
import redis

from helpdesk.layers import RedisLayer, group_send_all

from ..conftest import skip_or_fail
from .conftest import REDIS_URL

pytestmark = pytest.mark.integration


@pytest.fixture
async def layer():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    layer = RedisLayer(hosts=[REDIS_URL], prefix=f"parley-test-{uuid.uuid4().hex[:8]}")
    yield layer
    await layer.flush()


async def test_each_group_gets_its_frames_in_order_and_no_other(layer):
    agent, visitor, bystander = [await layer.new_channel() for _ in range(3)]
    await layer.group_add("ticket-1", agent)
    await layer.group_add("agents", agent)
    await layer.group_add("visitor-1", visitor)
    await layer.group_add("ticket-2", bystander)

    await group_send_all(
        layer,
        [
            ("ticket-1", {"type": "parley.event", "n": 1}),
            ("visitor-1", {"type": "parley.event", "n": 2}),
            ("agents", {"type": "parley.event", "n": 3}),
            ("ticket-1", {"type": "parley.event", "n": 4}),
        ],
    )

    assert [(await layer.receive(agent))["n"] for _ in range(3)] == [1, 3, 4]
    assert (await layer.receive(visitor))["n"] == 2
    await group_send_all(layer, [("ticket-2", {"type": "parley.event", "n": 5})])
    assert (await layer.receive(bystander))["n"] == 5  # and nothing of the first four


async def test_html_in_a_frame_arrives_as_it_was_sent(layer):
    channel = await layer.new_channel()
    await layer.group_add("ticket-1", channel)
    body = "<script>alert('x')</script> & <b>bold</b>"
    await group_send_all(layer, [("ticket-1", {"type": "parley.event", "body": body})])
    assert (await layer.receive(channel))["body"] == body
