"""Answers a process keeps for a moment.

For questions asked on every message whose answers change rarely (is anyone
online, which webhooks want this event): a trip to the shared cache per message
cost more than the question (docs/benchmarks.md, "Message path"). Each process
asks again once its answer is ``seconds`` old, so a change elsewhere is seen
within that time.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    every: list["Memo"] = []

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.answers: dict[Hashable, tuple[float, Any]] = {}
        Memo.every.append(self)

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

    @classmethod
    def forget_all(cls) -> None:
        """For tests, which change what is asked between one question and the next."""
        for memo in cls.every:
            memo.forget()
