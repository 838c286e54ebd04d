"""The answer backend named in settings (PARLEY["ASSISTANT"]["BACKEND"])."""

from django.conf import settings

from .base import Backend, BackendError, Refused
from .extractive import ExtractiveBackend
from .openai_compatible import OpenAICompatibleBackend

__all__ = ["Backend", "BackendError", "Refused", "configured_backend"]


def configured_backend(*, paced: bool = True) -> Backend:
    """``paced``: the built-in answerer spaces its pieces for a reader; a draft
    for an agent (chat/assistant/suggestions.py) is wanted whole, at once."""
    config = settings.PARLEY["ASSISTANT"]
    if config["BACKEND"] == "openai":
        return OpenAICompatibleBackend(
            base_url=config["BASE_URL"],
            model=config["MODEL"],
            api_key=config["API_KEY"],
            connect_timeout=config["CONNECT_TIMEOUT"],
            read_timeout=config["READ_TIMEOUT"],
        )
    return ExtractiveBackend(pace=config["EXTRACTIVE_PACE"] if paced else 0)
