"""Counting the queries of the consumers, which run on the kept connection of
their own thread (helpdesk/db.py), where ``django_assert_num_queries`` can't see."""

from helpdesk.db import database_sync_to_async, kept_connection


@database_sync_to_async
def kept_queries() -> list[str]:
    """Every query the consumers' kept connection has run so far."""
    kept = kept_connection()
    kept.force_debug_cursor = True
    return [query["sql"] for query in kept.queries_log]
