"""Request bodies are refused by size before they are read into memory.

Two limits: a multipart body (an upload) may be up to ``REQUEST_MAX_BYTES``, any
other body up to Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``. They are applied in
three places, because each server reads bodies differently:

- daphne reads a whole body (to a temporary file) before the application is
  called, then hands all of it to the application's queue at once: a refused
  50 MB upload took daphne from 106 MB to 724 MB. So under daphne the limit is
  applied where daphne reads the body (``guard_daphne``): by Content-Length as
  soon as the headers are in, and by counting for a chunked body, with the
  connection closed after a 413.
- servers that stream bodies to the application as they arrive (uvicorn) get
  ``BoundedBodies``, an ASGI middleware that refuses by Content-Length and stops
  reading a chunked body past the limit.
- inside Django, ``AttachmentSizeLimit`` stops an upload as soon as one file
  passes ``ATTACHMENT_MAX_BYTES``, before the rest is written anywhere.
"""

import json

from daphne.http_protocol import HTTPFactory, WebRequest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

TOO_LARGE_CODE = "request_too_large"


def body_limit(content_type: bytes | str | None) -> int:
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    if (content_type or "").strip().lower().startswith("multipart/form-data"):
        return settings.PARLEY["REQUEST_MAX_BYTES"]
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_body() -> bytes:
    return json.dumps(
        {"code": TOO_LARGE_CODE, "message": "The request is larger than the server accepts."}
    ).encode()


def declared_length(value: bytes | str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class BoundedBodies:
    """ASGI middleware: 413 for a body over its limit, by Content-Length before a
    byte of it is read, or as soon as a chunked one passes the limit."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        limit = body_limit(headers.get(b"content-type"))
        length = declared_length(headers.get(b"content-length"))
        if length is not None and length > limit:
            return await self.refuse(send)
        received = 0
        exceeded = False
        responded = False

        async def bounded_receive():
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # To Django this is a client that went away: it stops reading
                    # and answers nothing, and the 413 is sent from here.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal responded
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        await self.app(scope, bounded_receive, tracking_send)
        if exceeded and not responded:
            await self.refuse(send)

    @staticmethod
    async def refuse(send) -> None:
        body = too_large_body()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BoundedWebRequest(WebRequest):
    """daphne's request, refusing a body over its limit while reading it."""

    refused = False
    received = 0
    limit = 0

    def gotLength(self, length):
        super().gotLength(length)
        self.limit = body_limit(self.requestHeaders.getRawHeaders(b"content-type", [b""])[0])
        if length is not None and length > self.limit:
            self.refuse()

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.received += len(data)
        if self.received > self.limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def process(self):
        # The rest of a refused body may already have been in the buffer: Twisted
        # then finishes the request, and it must not reach the application.
        if not self.refused:
            return super().process()
        return None

    def refuse(self) -> None:
        self.refused = True
        body = too_large_body()
        self.channel.transport.write(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        self.channel.transport.loseConnection()


def guard_daphne() -> None:
    """Make daphne refuse oversized bodies while it reads them (see the module's
    docstring). daphne has no setting for this and builds its requests from a
    fixed class, so its factory is told to build ``BoundedWebRequest`` instead."""
    if getattr(HTTPFactory, "parley_bounded", False):
        return
    build_protocol = HTTPFactory.buildProtocol

    def bounded_build_protocol(self, addr):
        protocol = build_protocol(self, addr)
        if protocol is not None:
            protocol.requestFactory = BoundedWebRequest
        return protocol

    HTTPFactory.buildProtocol = bounded_build_protocol
    HTTPFactory.parley_bounded = True


class UploadTooLarge(RequestDataTooBig):
    pass


class AttachmentSizeLimit(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: stops an upload as soon as a file is
    larger than ``ATTACHMENT_MAX_BYTES``, before the handlers after it keep the
    rest in memory or on disk. The API answers it as ``attachment_too_large``."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        if self.file_bytes > settings.PARLEY["ATTACHMENT_MAX_BYTES"]:
            raise UploadTooLarge("The file is larger than the server accepts.")
        return raw_data

    def file_complete(self, file_size):
        return None
