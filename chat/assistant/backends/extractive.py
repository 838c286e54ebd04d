"""The built-in answerer: no model and no network. It answers with the passages
that matched best, word group by word group, so the widget shows the answer grow
as it would from a model."""

import asyncio
import re
from collections.abc import AsyncIterator

from helpdesk.knowledge.retrieval import Hit

# A second passage joins the answer when it scores at least this share of the best.
SECOND_PASSAGE_SHARE = 0.75
WORDS_PER_PIECE = 3


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, *, pace: float = 0.0) -> None:
        # Seconds between pieces: the text exists at once, but read at the pace of
        # a reply it is easier to follow (PARLEY_ASSISTANT_EXTRACTIVE_PACE).
        self.pace = pace

    async def stream(self, question: str, passages: list[Hit], language: str) -> AsyncIterator[str]:
        chosen = passages[:1] + [
            hit for hit in passages[1:2] if hit.score >= passages[0].score * SECOND_PASSAGE_SHARE
        ]
        text = "\n\n".join(hit.text for hit in chosen)
        words = re.findall(r"\S+\s*", text)
        for start in range(0, len(words), WORDS_PER_PIECE):
            yield "".join(words[start : start + WORDS_PER_PIECE])
            await asyncio.sleep(self.pace)
