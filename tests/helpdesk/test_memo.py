"""A process's short-lived answers (helpdesk/memo.py)."""

from helpdesk import memo
from helpdesk.memo import Memo


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
    Memo.forget_all()
    assert kept.get(None, lambda: next(answers)) is False
