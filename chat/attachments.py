"""Files sent in a conversation: which are accepted, where they are stored, and
the unguessable links they are served from."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from helpdesk.text import strip_bidi_controls

LINK_SALT = "parley.attachment"
# The type is read from the file's first bytes, never from its name or the
# browser's claim: a page renamed to .png must not be served as anything.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
NAME_MAX_LENGTH = 100


def sniff(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def content_type_of(upload: UploadedFile) -> str | None:
    """What the upload's first bytes say it is; the file is left rewound."""
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    return content_type


def check_upload(upload: UploadedFile) -> str:
    """The upload's real content type, if it is an image or a PDF within the size
    limit; otherwise a ValidationError the client can show."""
    limit = settings.PARLEY["ATTACHMENT_MAX_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            _("Files can be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
            code="attachment_too_large",
        )
    content_type = content_type_of(upload)
    if content_type is None:
        raise ValidationError(
            _("Send an image (PNG, JPEG, GIF, WebP) or a PDF."), code="attachment_type"
        )
    return content_type


def display_name(upload: UploadedFile) -> str:
    """The name shown to people: the last path part only, trimmed."""
    name = PurePath((upload.name or "file").replace("\\", "/")).name
    # No direction tricks: "<U+202E>gnp.exe" must not show as "exe.png".
    name = strip_bidi_controls(name).strip()
    return (name or "file")[-NAME_MAX_LENGTH:]


def storage_path(instance, filename: str) -> str:
    """Stored under a random name: nothing a visitor typed reaches the disk."""
    extension = EXTENSIONS.get(instance.attachment_type, "bin")
    return f"attachments/{uuid.uuid4().hex}.{extension}"


def link(message_id: int) -> str:
    return reverse("attachment", args=[signing.dumps(message_id, salt=LINK_SALT)])


def message_id_from_link(token: str) -> int:
    """Raises ``signing.BadSignature`` for anything the server did not sign."""
    return int(signing.loads(token, salt=LINK_SALT))


def for_other_sites(response: HttpResponse, *, cache_control: str) -> HttpResponse:
    """Headers for a file the widget shows on customers' sites: other origins may
    load it, and nothing in it may ever run as a page of ours."""
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = cache_control
    return response
