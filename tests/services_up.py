"""Exit 0 if PostgreSQL and Redis answer at the given URLs, 1 (saying which) if not.

Used by ``make test`` to decide whether to run the PostgreSQL + Redis pass.
"""

import sys

import psycopg
import redis


def main(database_url: str, redis_url: str) -> int:
    problems = []
    try:
        psycopg.connect(database_url, connect_timeout=3).close()
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL at {database_url}: {exc}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {redis_url}: {exc}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
