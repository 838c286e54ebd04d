"""The Redis cache keeps one connection pool and one client per process for
backends with the same settings (helpdesk/cache.py)."""

import asyncio
import os
import threading
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from django.core.cache import CacheHandler

from helpdesk.cache import RedisCache

from ..conftest import skip_or_fail
from .conftest import REDIS_URL

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"parley-test-{uuid.uuid4().hex[:8]}"})
    yield cache
    cache.clear()


def test_every_operation_uses_the_same_client_and_works_across_threads(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    redis_cache.set("greeting", {"text": "hello"}, timeout=30)
    assert redis_cache.add("counter", 0, timeout=30)
    results = []

    def work():
        results.append((redis_cache.get("greeting"), redis_cache.incr("counter")))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    greetings, counts = zip(*results, strict=True)
    assert set(map(str, greetings)) == {"{'text': 'hello'}"}
    assert sorted(counts) == [1, 2, 3, 4]
    assert redis_cache._cache.get_client() is client


def named_cache_settings(name: str) -> dict:
    """The cache setting as settings.py writes it, its connections named ``name``
    (redis-py's ``client_name``) so Redis's CLIENT LIST can count them."""
    return {
        "BACKEND": "helpdesk.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": name,
        "OPTIONS": {"client_name": name},
    }


def connections_named(name: str) -> int:
    return sum(client["name"] == name for client in redis.Redis.from_url(REDIS_URL).client_list())


def test_backends_of_every_socket_share_one_pool_and_its_connections(redis_cache):
    """Django's ``caches`` gives each async context (each socket's handlers under
    daphne) a backend of its own; with the same settings they share the process's
    one pool, so Redis sees a few connections, not one per socket."""
    name = f"parley-test-{uuid.uuid4().hex[:8]}"
    handler = CacheHandler({"default": named_cache_settings(name)})

    async def socket(number: int):
        backend = handler["default"]
        # Off the event loop as the consumers' cache calls are (sockets.in_thread).
        await sync_to_async(backend.set, thread_sensitive=False)(f"socket-{number}", number, 30)
        return backend

    async def sockets():
        return await asyncio.gather(*(asyncio.create_task(socket(n)) for n in range(50)))

    backends = asyncio.run(sockets())
    pools = {id(backend._cache._get_connection_pool(True)) for backend in backends}
    try:
        assert len({id(backend) for backend in backends}) == 50
        # At most one per thread that used the pool at once (asyncio's default
        # executor has min(32, CPUs + 4) threads).
        assert 1 <= connections_named(name) <= min(32, (os.cpu_count() or 1) + 4)
        assert len(pools) == 1
        assert backends[0].get("socket-49") == 49
    finally:
        backends[0].clear()
        backends[0]._cache._get_connection_pool(True).disconnect()


def test_backends_with_other_settings_keep_pools_of_their_own(redis_cache):
    first, second = (f"parley-test-{uuid.uuid4().hex[:8]}" for _ in range(2))
    one = CacheHandler({"default": named_cache_settings(first)})["default"]
    other = CacheHandler({"default": named_cache_settings(second)})["default"]
    one.set("who", "first", 30)
    other.set("who", "second", 30)
    try:
        assert one._cache._get_connection_pool(True) is not other._cache._get_connection_pool(True)
        assert (connections_named(first), connections_named(second)) == (1, 1)
        assert (one.get("who"), other.get("who")) == ("first", "second")
    finally:
        for backend in (one, other):
            backend.clear()
            backend._cache._get_connection_pool(True).disconnect()
