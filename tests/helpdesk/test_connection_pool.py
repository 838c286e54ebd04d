"""Every connection a test's sockets take from the PostgreSQL pool goes back to it.

A connection left checked out by a thread that has ended is lost to the pool for
good; ten of them and every later request waits 10 s and fails with PoolTimeout
(which is how this showed: a test far from the leak failed, and only when the
machine was busy enough to shift which tests leaked)."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection

from helpdesk.asgi import application

from ..conftest import ORIGIN

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def checked_out() -> int:
    stats = connection.pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]


def test_a_handshake_on_an_event_loop_that_ends_gives_its_connection_back():
    """The widget socket's address check reads the blocked ranges from the
    database on a thread of the event loop (RefuseBlockedAddresses); that thread
    ends with the loop, as a test's loop ends with the test."""
    connection.close()  # this thread's own, so that only the handshake's is counted
    before = checked_out()

    async def handshake():
        communicator = WebsocketCommunicator(
            application, "/ws/widget/", headers=[(b"origin", ORIGIN)]
        )
        communicator.scope["client"] = ("198.51.100.9", 50000)
        connected, _ = await communicator.connect()
        assert connected
        await communicator.disconnect()

    asyncio.run(handshake())
    assert checked_out() == before
