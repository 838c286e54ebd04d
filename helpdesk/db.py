"""Database calls from the WebSocket consumers, on connections that are kept.

Channels' ``database_sync_to_async`` runs the consumers' sync code on one thread
(the one Django's own views share under ASGI) and closes the database
connection around every call, because ``CONN_MAX_AGE`` is 0 (under ASGI each
HTTP request runs on a thread of its own, so Django advises against persistent
connections there, and a pool on PostgreSQL). For a socket that meant a new
connection per frame: on SQLite a new file handle and its PRAGMAs, on PostgreSQL
a trip through the pool; about a sixth of a message's CPU (docs/benchmarks.md).

Here the consumers' calls run on a few long-lived threads of their own
(``PARLEY["SOCKET_DATABASE_THREADS"]``), each keeping one connection: made from
the default database's settings, persistent and outside the pool. On PostgreSQL
a message waits on several round trips, and with one thread every socket of the
process waited in one line behind them, and behind any lock one of them waited
for; several threads overlap the waits (tests/chat/test_concurrency.py). A
socket's own frames still run one after another (the consumer awaits each),
and writers to one ticket queue on its row lock. Each call runs with its
thread's connection as ``connections["default"]`` and hands it back afterwards;
a connection that broke, or was left out of autocommit, is closed and the next
call opens a fresh one. HTTP requests are untouched: they keep Django's
per-request connections.
"""

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper

_kept = threading.local()
_all_kept: list[BaseDatabaseWrapper] = []
_all_kept_lock = threading.Lock()


def kept_connection() -> BaseDatabaseWrapper:
    """This thread's own connection to the default database."""
    connection = getattr(_kept, "connection", None)
    if connection is None:
        connection = connections.create_connection(DEFAULT_DB_ALIAS)
        options = dict(connection.settings_dict.get("OPTIONS", {}))
        options.pop("pool", None)  # a pool and a persistent connection exclude each other
        connection.settings_dict = {
            **connection.settings_dict,
            "CONN_MAX_AGE": None,
            "OPTIONS": options,
        }
        _kept.connection = connection
        with _all_kept_lock:
            _all_kept.append(connection)
    return connection


def run_on_kept_connection(func: Callable, /, *args, **kwargs):
    # A connection the caller's context already holds (one it inherited from the
    # code that started the consumer, as in tests) is closed as Channels would,
    # not left open on the side.
    close_old_connections()
    connection = kept_connection()
    connections[DEFAULT_DB_ALIAS] = connection
    try:
        return func(*args, **kwargs)
    finally:
        # Not left behind in the caller's context, where Channels' own wrapper
        # (CONN_MAX_AGE 0) would close it.
        del connections[DEFAULT_DB_ALIAS]
        connection.close_if_unusable_or_obsolete()


# The event loop awaiting the current call, seen by the code it runs on the sync
# thread: chat.events hands broadcasts to it without waiting for them.
calling_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar(
    "calling_loop", default=None
)


class KnownLoop:
    """ASGI middleware: what a request or a socket runs on a sync thread sees the
    event loop serving it as ``calling_loop`` (Django's and Channels' threads
    copy the context).

    Without it a view's broadcasts waited on the loop (``async_to_sync``): the
    answer was held for the channel layer's round trips, and a server stopped in
    between never ran them, leaving the thread waiting and the process unable to
    exit."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        calling_loop.set(asyncio.get_running_loop())
        return await self.app(scope, receive, send)


@functools.cache
def _socket_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.PARLEY["SOCKET_DATABASE_THREADS"], thread_name_prefix="parley-db"
    )


def database_sync_to_async(func: Callable) -> Callable[..., Awaitable]:
    """``channels.db.database_sync_to_async`` on the sockets' threads and their kept
    connections; a decorator for methods too."""
    # Not thread-sensitive: nothing here relies on running where Django's views
    # run, and the sockets' work must not queue behind theirs, or theirs behind it.
    call = SyncToAsync(
        functools.partial(run_on_kept_connection, func),
        thread_sensitive=False,
        executor=_socket_threads(),
    )

    @functools.wraps(func)
    async def run(*args, **kwargs):
        calling_loop.set(asyncio.get_running_loop())
        return await call(*args, **kwargs)

    return run


def kept_connections() -> list[BaseDatabaseWrapper]:
    """Every thread's kept connection so far."""
    with _all_kept_lock:
        return list(_all_kept)


def close_kept_connections() -> None:
    """Close every thread's kept connection, from any thread: for the end of a
    test session, whose database is dropped next."""
    for connection in kept_connections():
        connection.inc_thread_sharing()
        try:
            connection.close()
        finally:
            connection.dec_thread_sharing()
