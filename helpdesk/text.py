"""Text that people type and other people see."""

import re

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
# invisible direction marks (U+200E, U+200F, U+061C): in a name shown to someone
# else they can make "<U+202E>gnp.exe" read as "exe.png". No name needs them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)
