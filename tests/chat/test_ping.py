"""A ``ping`` renews presence in the cache off the consumers' database threads
(helpdesk/db.py): it waits behind no socket's database work, and a visitor's
costs no query."""

import asyncio
import contextlib
import threading

import pytest
from channels.db import database_sync_to_async as channels_database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from chat.visitor_auth import visitor_token
from helpdesk.db import database_sync_to_async
from helpdesk.presence import AGENTS, VISITORS

from ..conftest import agent_socket, receive_until, say, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def ping(socket) -> dict:
    await socket.send_json_to({"type": "ping"})
    return (await receive_until(socket, "pong"))[-1]


@channels_database_sync_to_async
def token_of(visitor) -> str:
    return visitor_token(visitor)


def expire_presence(visitor) -> None:
    """As if this process's presence entry for ``visitor`` had timed out."""
    cache.delete_many(VISITORS._keys(visitor.pk))
    assert not VISITORS.is_online(visitor.pk)


async def test_a_ping_renews_presence_with_no_database_query(visitor_ann, kept_queries):
    socket, _ = await visitor_socket(await token_of(visitor_ann))
    expire_presence(visitor_ann)
    before = len(kept_queries())

    assert await ping(socket) == {"type": "pong"}

    assert (kept_queries())[before:] == []
    assert VISITORS.is_online(visitor_ann.pk)
    await socket.disconnect()


@contextlib.asynccontextmanager
async def database_threads_held():
    """Every one of the consumers' database threads busy until the block ends, as
    in a reconnect storm's hellos and replays."""
    release = threading.Event()
    busy = asyncio.gather(
        *(
            database_sync_to_async(release.wait)(5)
            for _ in range(settings.PARLEY["SOCKET_DATABASE_THREADS"])
        )
    )
    try:
        yield
    finally:
        release.set()
        await busy


async def comes_online(presence, party_id) -> bool:
    for _ in range(100):
        if presence.is_online(party_id):
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_ping_renews_presence_while_the_database_threads_are_busy(ticket_ann):
    """The visitor's presence is renewed at once, and the pong, which carries the
    last seq of the ticket from the database, follows when a thread is free."""
    await say(ticket_ann, "hello")
    socket, _ = await visitor_socket(await token_of(ticket_ann.visitor))
    expire_presence(ticket_ann.visitor)
    async with database_threads_held():
        await socket.send_json_to({"type": "ping"})
        assert await comes_online(VISITORS, ticket_ann.visitor.pk)
        assert await socket.receive_nothing(timeout=0.1)  # the pong waits for a thread
    pong = (await receive_until(socket, "pong"))[-1]
    assert pong["tickets"] == {str(ticket_ann.pk): 1}
    await socket.disconnect()


async def test_an_agents_ping_renews_presence_while_the_database_threads_are_busy(
    agent_bob, ticket_ann
):
    """As a visitor's: with the tickets the agent follows, whose viewer entries the
    ping renews too (a cache round trip each), and whose last seqs the pong
    carries."""
    await say(ticket_ann, "hello")
    socket, _ = await agent_socket(agent_bob)
    await socket.send_json_to({"type": "subscribe", "ticket": ticket_ann.pk, "after": 1})
    await receive_until(socket, "ticket.viewers")
    cache.delete_many(AGENTS._keys(agent_bob.user_id))
    assert not AGENTS.is_online(agent_bob.user_id)
    async with database_threads_held():
        await socket.send_json_to({"type": "ping"})
        assert await comes_online(AGENTS, agent_bob.user_id)
        assert await socket.receive_nothing(timeout=0.1)  # the pong waits for a thread
    pong = (await receive_until(socket, "pong"))[-1]
    await channels_database_sync_to_async(ticket_ann.refresh_from_db)()
    assert pong["tickets"] == {str(ticket_ann.pk): ticket_ann.last_seq}
    await socket.disconnect()
