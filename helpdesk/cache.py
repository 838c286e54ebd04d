"""Django's Redis cache, with one connection pool and one client per process.

Django's ``RedisCacheClient`` builds a new redis-py client for every operation,
and ``redis.Redis()`` sets up its table of response callbacks each time: about
0.1 ms of CPU of the 0.17 ms a GET cost here (docs/benchmarks.md). A client
only wraps its connection pool and may be shared between threads, so one per
pool is kept.

Django's ``caches`` also gives each thread and each async context a backend of
its own, and every backend opened its own pool: under daphne each socket's
handlers ended up with their own Redis connection (205 sockets held 222 in the
soak, docs/benchmarks.md). Backends with the same server and options now share
one pool per process, and so its connections.
"""

import threading

from django.core.cache import caches
from django.core.cache.backends import redis

# (pool class, server URL, options) -> (pool, client), for the whole process.
_pools: dict[tuple, tuple] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(redis.RedisCacheClient):
    def _shared(self, write: bool) -> tuple:
        server = self._servers[self._get_connection_pool_index(write)]
        # The options are plain settings (numbers, strings, classes, the odd
        # dict), so their repr tells two configurations apart.
        key = (self._pool_class, server, repr(sorted(self._pool_options.items())))
        shared = _pools.get(key)
        if shared is None:
            with _pools_lock:
                shared = _pools.get(key)
                if shared is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    shared = _pools[key] = (pool, self._client(connection_pool=pool))
        return shared

    def _get_connection_pool(self, write):
        return self._shared(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared(write)[1]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient


def pipeline():
    """A pipeline on the default cache's Redis, through this process's shared
    pool, for work the cache API would spend a round trip per key on; None when
    the cache is not Redis. Keys go through ``cache.make_key``."""
    cache = caches["default"]
    if not isinstance(cache, redis.RedisCache):  # Django's own, or ours above
        return None
    return cache._cache.get_client(write=True).pipeline(transaction=False)


def touch_many(keys: list[str], timeout: int) -> list[bool]:
    """Renew ``keys`` in the default cache; whether each still existed. One round
    trip on Redis, where a renewal of every slot a process holds (presence) would
    otherwise cost one each."""
    cache = caches["default"]
    redis_pipeline = pipeline()
    if redis_pipeline is None:
        return [cache.touch(key, timeout=timeout) for key in keys]
    for key in keys:
        redis_pipeline.expire(cache.make_and_validate_key(key), timeout)
    return [bool(found) for found in redis_pipeline.execute()]
