"""Agents' faces in the widget and the dashboard: the uploaded picture, or, until
there is one, a drawn circle with their initials."""

import zlib

from django.core.exceptions import ValidationError
from django.utils.html import escape

from chat.attachments import content_type_of

AVATAR_MAX_BYTES = 1024 * 1024
PALETTE = ["#4f46e5", "#0f766e", "#b45309", "#be185d", "#1d4ed8", "#15803d", "#7c3aed"]


def validate_avatar(upload) -> None:
    """A picture only (by its first bytes, as for attachments), at most 1 MB."""
    if upload.size > AVATAR_MAX_BYTES:
        raise ValidationError("An avatar can be at most 1 MB.", code="avatar_too_large")
    content_type = content_type_of(upload)
    if content_type is None or not content_type.startswith("image/"):
        raise ValidationError("Use a PNG, JPEG, GIF or WebP picture.", code="avatar_type")


def initials(name: str) -> str:
    letters = [part[0] for part in name.split() if part]
    return "".join(letters[:2]).upper() or "?"


def initials_svg(name: str, seed: int) -> str:
    colour = PALETTE[zlib.crc32(str(seed).encode()) % len(PALETTE)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<circle cx="32" cy="32" r="32" fill="{colour}"/>'
        '<text x="32" y="41" font-family="sans-serif" font-size="26" fill="#fff" '
        f'text-anchor="middle">{escape(initials(name))}</text></svg>'
    )
