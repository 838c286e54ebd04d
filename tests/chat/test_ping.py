"""A visitor's ``ping`` renews their presence in the cache off the consumers' one
database thread (helpdesk/db.py): it waits behind no socket's database work, and
it costs no query."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async as channels_database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from chat.visitor_auth import visitor_token
from helpdesk.db import database_sync_to_async
from helpdesk.presence import VISITORS

from ..conftest import receive_until, say, visitor_socket

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


async def test_a_ping_renews_presence_while_the_database_threads_are_busy(ticket_ann):
    """Every database thread held (a reconnect storm's hellos and replays): the
    visitor's presence is renewed at once, and the pong, which carries the last
    seq of the ticket from the database, follows when a thread is free."""
    await say(ticket_ann, "hello")
    socket, _ = await visitor_socket(await token_of(ticket_ann.visitor))
    expire_presence(ticket_ann.visitor)
    release = threading.Event()
    busy = asyncio.gather(
        *(
            database_sync_to_async(release.wait)(5)
            for _ in range(settings.PARLEY["SOCKET_DATABASE_THREADS"])
        )
    )
    try:
        await socket.send_json_to({"type": "ping"})
        for _ in range(100):
            if VISITORS.is_online(ticket_ann.visitor.pk):
                break
            await asyncio.sleep(0.01)
        assert VISITORS.is_online(ticket_ann.visitor.pk)
        assert await socket.receive_nothing(timeout=0.1)  # the pong waits for a thread
    finally:
        release.set()
        await busy
    pong = (await receive_until(socket, "pong"))[-1]
    assert pong["tickets"] == {str(ticket_ann.pk): 1}
    await socket.disconnect()
