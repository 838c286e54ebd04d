"""Connection presence in the cache: counted per connection, gone with the last
one, and gone by itself when the process that held it died."""

import pytest
from django.core.cache import cache

from helpdesk.presence import Presence

pytestmark = pytest.mark.django_db

AGENTS = Presence("test-agent")


def test_the_first_connection_brings_online_and_the_last_takes_offline():
    assert AGENTS.connect(7) is True
    assert AGENTS.connect(7) is False  # a second tab
    assert AGENTS.online_ids([7, 8]) == {7}
    assert AGENTS.disconnect(7) is False
    assert AGENTS.is_online(7)
    assert AGENTS.disconnect(7) is True
    assert not AGENTS.is_online(7)


def test_a_died_process_costs_at_most_the_heartbeat_ttl(settings):
    AGENTS.connect(7)
    AGENTS.connect(7)  # this tab's process dies: it never disconnects
    AGENTS.disconnect(7)
    assert AGENTS.is_online(7)  # the count still says one
    alive, _ = AGENTS._keys(7)
    cache.delete(alive)  # what the TTL does when nobody pings any more
    assert not AGENTS.is_online(7)


def test_a_disconnect_after_everything_expired_is_harmless():
    AGENTS.connect(7)
    cache.delete_many(list(AGENTS._keys(7)))
    assert AGENTS.disconnect(7) is True
    assert AGENTS.connect(7) is True


def test_kinds_do_not_mix():
    AGENTS.connect(7)
    assert not Presence("test-visitor").is_online(7)


def test_the_embedded_cache_keeps_everyone_present(settings):
    """Locmem's default of 300 entries forgot everyone past the 150th person."""
    from helpdesk.settings import LOCAL_CACHE

    settings.CACHES = {"default": LOCAL_CACHE}
    cache.clear()
    people = range(1, 1001)
    for person in people:
        AGENTS.connect(person)
    assert AGENTS.online_ids(list(people)) == set(people)
