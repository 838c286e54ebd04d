"""Property tests of frame handling on both sockets: whatever text a client
sends after hello, the server answers with frames (an error frame at worst,
never ``server_error``), does not close the socket, and still answers a ping.

Bounded for CI: a few dozen examples per socket, derandomized, no deadline."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chat.visitor_auth import visitor_token

from ..conftest import agent_socket, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)

FRAME_TYPES = [
    "hello",
    "ping",
    "message.send",
    "typing",
    "seen",
    "subscribe",
    "unsubscribe",
    "presence.set",
]
BOUNDARY_INTS = [0, 1, -1, 2**31, 2**53, 2**63 - 1, 2**63, 10**20, -(10**20)]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BOUNDARY_INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ticket_ids = st.one_of(st.just("own"), values)
frames = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(FRAME_TYPES), st.text(max_size=20))},
    optional={
        "ticket": ticket_ids,
        "body": st.one_of(st.text(max_size=60), values),
        "client_id": st.one_of(st.text(max_size=40), values),
        "internal": values,
        "state": st.one_of(st.sampled_from(["start", "stop"]), values),
        "draft": values,
        "seq": values,
        "after": values,
        "status": st.one_of(st.sampled_from(["online", "away"]), values),
        "resume": st.one_of(st.dictionaries(st.text(max_size=25), values, max_size=3), values),
        "token": values,
    },
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


texts = st.one_of(
    frames,
    st.text(min_size=1, max_size=80),  # an empty frame is no frame
    st.integers(min_value=900, max_value=20_000).map(nested),
)

BOUNDED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def no_flood_limit(settings):
    # Each example is a few frames on a fresh socket; the flood limit is its own test.
    settings.PARLEY = {**settings.PARLEY, "FRAME_RATE": 1000}


def wire(sample: object, ticket_id: int) -> str:
    if isinstance(sample, dict):
        if sample.get("ticket") == "own":
            sample = {**sample, "ticket": ticket_id}
        return json.dumps(sample)
    return sample


async def answers_until_pong(socket) -> list[dict]:
    """Everything the server sends up to the pong for a ping sent now; fails if
    it closes the socket instead."""
    await socket.send_json_to({"type": "ping"})
    frames = []
    while True:
        output = await socket.receive_output(5)
        assert output["type"] == "websocket.send", f"the server closed the socket: {output}"
        frames.append(json.loads(output["text"]))
        if frames[-1]["type"] == "pong":
            return frames


def assert_handled(answers: list[dict]) -> None:
    errors = [frame for frame in answers if frame["type"] == "error"]
    assert not [error for error in errors if error["code"] == "server_error"], errors


# Found by this test: a state that is an object can't be looked up in a set.
UNHASHABLE_STATE = {"type": "typing", "ticket": "own", "state": {}}


@BOUNDED
@given(sample=texts)
@example(sample=UNHASHABLE_STATE)
async def test_any_frame_on_the_widget_socket_is_answered_without_a_server_error(
    ticket_ann, sample
):
    socket, _ = await visitor_socket(visitor_token(ticket_ann.visitor))
    await socket.send_to(text_data=wire(sample, ticket_ann.pk))
    assert_handled(await answers_until_pong(socket))
    await socket.disconnect()


@BOUNDED
@given(sample=texts)
@example(sample=UNHASHABLE_STATE)
@example(sample={"type": "presence.set", "status": {}})
async def test_any_frame_on_the_agent_socket_is_answered_without_a_server_error(
    agent_bob, ticket_ann, sample
):
    socket, _ = await agent_socket(agent_bob, first_tab=False)
    await socket.send_to(text_data=wire(sample, ticket_ann.pk))
    assert_handled(await answers_until_pong(socket))
    await socket.disconnect()
