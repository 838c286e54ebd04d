"""Answers a process keeps for a moment.

For questions asked on every message whose answers change rarely (is anyone
online, which webhooks want this event): a trip to the shared cache per message
cost more than the question (docs/benchmarks.md, "Message path"). Each process
asks again once its answer is ``seconds`` old, so a change elsewhere is seen
within that time. ``Until`` keeps what holds until a moment (an address barred
after a flood or over a rate limit, as the shared cache said; a check this
process queued), so the next attempt need not ask the cache again.

Tests forget all of them at once (``forget_all``): each registers itself.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

# Every Memo and Until of the process, for forget_all.
_every: list["Memo | Until"] = []


def forget_all() -> None:
    """For tests, which change what is asked between one question and the next,
    and must not inherit what an earlier test's process learned."""
    for kept in _every:
        kept.forget()


class Memo:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.answers: dict[Hashable, tuple[float, Any]] = {}
        _every.append(self)

    def get(self, key: Hashable, ask: Callable[[], Any]) -> Any:
        """The answer kept for ``key``, or ``ask()``'s, kept from now."""
        now = time.monotonic()
        kept = self.answers.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        answer = ask()
        self.answers[key] = (now + self.seconds, answer)
        return answer

    def forget(self) -> None:
        self.answers.clear()


class Until:
    """Keys this process knows to hold until a moment (``time.time()``). At most
    ``most`` are kept: past that the lapsed ones go, and if none has lapsed, all
    do (they are only ever a shortcut to what the cache says). Threads share
    it: each step is one dict operation."""

    def __init__(self, most: int = 10_000):
        self.most = most
        self.moments: dict[Hashable, float] = {}
        _every.append(self)

    def left(self, key: Hashable) -> float | None:
        """Seconds ``key`` still holds for, if it does."""
        left = self.moments.get(key, 0) - time.time()
        return left if left > 0 else None

    def remember(self, key: Hashable, until: float) -> None:
        if len(self.moments) >= self.most:
            now = time.time()
            for known, moment in list(self.moments.items()):
                if moment <= now:
                    self.moments.pop(known, None)
            if len(self.moments) >= self.most:
                self.moments.clear()
        self.moments[key] = until

    def forget(self) -> None:
        self.moments.clear()
