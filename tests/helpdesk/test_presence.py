"""Connection presence in the cache: counted per connection in each process,
gone with the last one, and gone by itself when the process that held it died."""

import pytest
from django.core.cache import cache

from helpdesk.presence import SLOTS, Presence, check_interval, slot_timeout

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents():
    return Presence("test-agent", process="process-a")


@pytest.fixture
def elsewhere():
    """The same kind of presence, kept by another server process."""
    return Presence("test-agent", process="process-b")


def test_the_first_connection_brings_online_and_the_last_takes_offline(agents):
    assert agents.connect(7) is True
    assert agents.connect(7) is False  # a second tab
    assert agents.online_ids([7, 8]) == {7}
    assert agents.disconnect(7) is False
    assert agents.is_online(7)
    assert agents.disconnect(7) is True
    assert not agents.is_online(7)


def test_a_died_process_costs_at_most_its_slot_and_a_clean_close_elsewhere_is_not_held_up(
    agents, elsewhere
):
    """The bug: a killed process's count stayed in one shared counter, so the
    agent who moved to another process and closed it cleanly stayed online as
    long as that process had pinged."""
    agents.connect(7)  # this process is killed: it never disconnects
    elsewhere.connect(7)
    elsewhere.heartbeat(7)
    assert elsewhere.disconnect(7) is False  # the dead process's slot is still alive
    cache.delete_many(agents._keys(7))  # what the slot's timeout does: nobody renews it
    assert not elsewhere.is_online(7)


def test_pings_in_another_process_do_not_keep_a_dead_process_slot_alive(agents, elsewhere):
    agents.connect(7)  # killed
    elsewhere.connect(7)
    for _ in range(3):
        elsewhere.heartbeat(7)
    assert cache.get_many(agents._keys(7)) == {
        agents._key(7, 0): ("process-a", 1),
        agents._key(7, 1): ("process-b", 1),
    }
    cache.delete(agents._key(7, 0))  # the dead one's slot runs out
    assert elsewhere.is_online(7)
    assert elsewhere.disconnect(7) is True


def test_a_slot_lost_from_the_cache_is_taken_again_on_the_next_ping(agents):
    agents.connect(7)
    cache.clear()  # Redis restarted empty
    assert not agents.is_online(7)
    agents.heartbeat(7)
    assert agents.is_online(7)


def test_a_disconnect_after_everything_expired_is_harmless(agents):
    agents.connect(7)
    cache.delete_many(agents._keys(7))
    assert agents.disconnect(7) is True
    assert agents.connect(7) is True


def test_a_process_never_deletes_a_slot_another_took_over(agents, elsewhere):
    agents.connect(7)
    cache.delete_many(agents._keys(7))  # this process's slot ran out…
    elsewhere.connect(7)  # …and another took the same slot
    assert agents.disconnect(7) is False
    assert elsewhere.is_online(7)


def test_more_processes_than_slots_share_the_last(agents):
    processes = [Presence("test-agent", process=f"p{n}") for n in range(SLOTS + 2)]
    for process in processes:
        process.connect(7)
    assert agents.is_online(7)
    assert len(cache.get_many(agents._keys(7))) == SLOTS


def test_a_dead_process_is_told_within_the_ttl(settings):
    settings.PARLEY = {**settings.PARLEY, "PRESENCE_TTL": 60}
    assert slot_timeout() + check_interval() == 60
    assert check_interval() == 5
    settings.PARLEY = {**settings.PARLEY, "PRESENCE_TTL": 6}
    assert (slot_timeout(), check_interval()) == (5, 1)


def test_kinds_do_not_mix(agents):
    agents.connect(7)
    assert not Presence("test-visitor").is_online(7)


def test_the_embedded_cache_keeps_everyone_present(settings, agents):
    """Locmem's default of 300 entries forgot everyone past the 150th person."""
    from helpdesk.settings import LOCAL_CACHE

    settings.CACHES = {"default": LOCAL_CACHE}
    cache.clear()
    people = range(1, 1001)
    for person in people:
        agents.connect(person)
    assert agents.online_ids(list(people)) == set(people)


def test_connections_add_up_across_processes_and_a_dead_process_stops_counting(agents, elsewhere):
    for _ in range(3):
        agents.connect("10.0.0.1")
    elsewhere.connect("10.0.0.1")
    assert agents.connections("10.0.0.1") == 4
    agents.disconnect("10.0.0.1")
    assert elsewhere.connections("10.0.0.1") == 3
    cache.delete(agents._key("10.0.0.1", 0))  # this process died; its slot ran out
    assert elsewhere.connections("10.0.0.1") == 1


def test_one_heartbeat_renews_every_slot_the_process_holds(agents, elsewhere):
    for party in (1, 2, 3):
        agents.connect(party)
    elsewhere.connect(3)
    cache.delete(agents._key(2, 0))  # ran out: a flushed cache, or a stall past its timeout
    agents.heartbeat_all()
    assert agents.online_ids([1, 2, 3]) == {1, 2, 3}
    # Claimed again with its count, in a slot of its own; the other process's is kept.
    assert cache.get(agents._key(2, 0)) == ("process-a", 1)
    assert agents.connections(3) == 2


def test_a_heartbeat_brings_back_no_party_whose_last_connection_closed(agents):
    agents.connect(1)
    agents.connect(2)
    agents.disconnect(2)
    agents.heartbeat_all()
    assert agents.online_ids([1, 2]) == {1}
    assert 2 not in agents.held
