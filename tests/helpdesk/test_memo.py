"""A process's short-lived answers (helpdesk/memo.py)."""

from helpdesk import memo
from helpdesk.memo import Memo, Until


def test_an_answer_is_kept_for_its_seconds_then_asked_again(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    kept = Memo(10)
    asked = []

    def ask():
        asked.append(now[0])
        return len(asked)

    assert [kept.get("team", ask) for _ in range(3)] == [1, 1, 1]
    now[0] += 9
    assert kept.get("team", ask) == 1
    now[0] += 2
    assert kept.get("team", ask) == 2
    assert kept.get("other team", ask) == 3  # each key has its own answer
    assert asked == [100.0, 111.0, 111.0]


def test_forgetting_asks_again_at_once():
    kept = Memo(60)
    answers = iter([True, False])
    assert kept.get(None, lambda: next(answers)) is True
    memo.forget_all()
    assert kept.get(None, lambda: next(answers)) is False


def test_forgetting_all_forgets_what_holds_until_a_moment_too():
    """Tests start from a process that knows nothing: an address one test
    barred, or a check it queued, must not hold in the next."""
    barred = Until()
    barred.remember("203.0.113.7", 2**40)
    memo.forget_all()
    assert barred.left("203.0.113.7") is None


def test_until_tells_what_holds_and_for_how_long(monkeypatch):
    now = 1000.0
    monkeypatch.setattr(memo.time, "time", lambda: now)
    barred = Until()
    barred.remember("203.0.113.7", now + 10)
    assert barred.left("203.0.113.7") == 10
    assert barred.left("203.0.113.8") is None
    now += 10
    assert barred.left("203.0.113.7") is None


def test_until_keeps_at_most_its_size_dropping_the_lapsed_first(monkeypatch):
    now = 1000.0
    monkeypatch.setattr(memo.time, "time", lambda: now)
    barred = Until(most=3)
    barred.remember("lapsed", now + 1)
    barred.remember("a", now + 60)
    barred.remember("b", now + 60)
    now += 2
    barred.remember("c", now + 60)  # full: the lapsed one goes
    assert set(barred.moments) == {"a", "b", "c"}
    barred.remember("d", now + 60)  # full of live ones: all go, as the cache still has them
    assert set(barred.moments) == {"d"}
