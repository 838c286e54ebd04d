"""Django's Redis cache, with one client per connection pool.

Django's ``RedisCacheClient`` builds a new redis-py client for every operation,
and ``redis.Redis()`` sets up its table of response callbacks each time: about
0.1 ms of CPU of the 0.17 ms a GET cost here (docs/benchmarks.md). A client
only wraps its connection pool and may be shared between threads, so one per
pool is kept.
"""

from django.core.cache.backends import redis


class KeptClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
