"""What an answer backend is: given the question and the passages retrieval
found, it yields the answer's text in pieces as it is written."""

from collections.abc import AsyncIterator
from typing import Protocol

from helpdesk.knowledge.retrieval import Hit


class BackendError(Exception):
    """The backend failed: unreachable, an error status, a stall, garbage, a
    stream cut short. The chat is handed to a person."""


class Refused(Exception):
    """The backend said the passages do not answer the question."""


class Backend(Protocol):
    name: str

    def stream(self, question: str, passages: list[Hit], language: str) -> AsyncIterator[str]: ...
