"""The Redis cache keeps one client per connection pool (helpdesk/cache.py)."""

import threading
import uuid

import pytest
import redis

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
