"""Bodies are refused by size before they are read, and deep JSON is a 400."""

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler

from helpdesk.abuse.body_limits import AttachmentSizeLimit, BoundedBodies, UploadTooLarge
from helpdesk.asgi import application

from ..conftest import http_scope

ORIGIN = "https://shop.example"


def body_headers(content_type: bytes, length: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", content_type), (b"content-length", str(length).encode())]


async def answer(communicator: ApplicationCommunicator) -> tuple[int, dict]:
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    return start["status"], json.loads(body["body"])


class Recorder:
    """An application that reads its whole body, recording what it got."""

    def __init__(self):
        self.called = False
        self.messages = []

    async def __call__(self, scope, receive, send):
        self.called = True
        while True:
            message = await receive()
            self.messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                return


async def test_a_body_declared_too_large_is_refused_before_the_app_reads_it(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    app = Recorder()
    communicator = ApplicationCommunicator(
        BoundedBodies(app),
        http_scope("/api/widget/session/", body_headers(b"application/json", 1001)),
    )
    status, body = await answer(communicator)
    assert (status, body["code"]) == (413, "request_too_large")
    assert not app.called


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(settings):
    settings.PARLEY = {**settings.PARLEY, "REQUEST_MAX_BYTES": 1000}
    app = Recorder()
    communicator = ApplicationCommunicator(
        BoundedBodies(app),
        http_scope("/x/", [(b"content-type", b"multipart/form-data; boundary=x")]),
    )
    for _ in range(3):
        await communicator.send_input(
            {"type": "http.request", "body": b"a" * 600, "more_body": True}
        )
    status, body = await answer(communicator)
    assert (status, body["code"]) == (413, "request_too_large")
    # The app saw the first chunk, then a client that went away.
    assert [message["type"] for message in app.messages] == ["http.request", "http.disconnect"]


async def test_an_upload_may_be_larger_than_other_bodies_up_to_its_own_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.PARLEY = {**settings.PARLEY, "REQUEST_MAX_BYTES": 5000}
    app = Recorder()
    communicator = ApplicationCommunicator(
        BoundedBodies(app),
        http_scope("/x/", body_headers(b"multipart/form-data; boundary=x", 3000)),
    )
    await communicator.send_input({"type": "http.request", "body": b"a" * 3000})
    await communicator.wait(5)
    assert app.messages == [{"type": "http.request", "body": b"a" * 3000}]


@pytest.mark.django_db(transaction=True)
async def test_a_too_large_json_body_to_the_real_application_gets_413(widget):
    communicator = ApplicationCommunicator(
        application,
        http_scope("/api/widget/session/", body_headers(b"application/json", 5_000_000)),
    )
    status, body = await answer(communicator)
    assert (status, body["code"]) == (413, "request_too_large")


def test_the_upload_handler_stops_a_file_as_soon_as_it_passes_the_attachment_limit(settings):
    settings.PARLEY = {**settings.PARLEY, "ATTACHMENT_MAX_BYTES": 100}
    handler = AttachmentSizeLimit()
    handler.new_file("file", "a.png", "image/png", 1000)
    assert handler.receive_data_chunk(b"a" * 64, 0) == b"a" * 64
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"a" * 64, 64)


def test_an_upload_over_the_limit_is_answered_attachment_too_large(
    ann_api, ticket_ann, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.PARLEY = {**settings.PARLEY, "ATTACHMENT_MAX_BYTES": 70_000}
    # Memory handler next: without the limit it would keep the whole file.
    settings.FILE_UPLOAD_HANDLERS = [
        "helpdesk.abuse.body_limits.AttachmentSizeLimit",
        f"{MemoryFileUploadHandler.__module__}.MemoryFileUploadHandler",
    ]
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000)
    response = ann_api.post(
        f"/api/widget/tickets/{ticket_ann.pk}/attachments/", {"file": big}, HTTP_ORIGIN=ORIGIN
    )
    assert (response.status_code, response.data["code"]) == (400, "attachment_too_large")
    assert not ticket_ann.messages.exists()


@pytest.mark.parametrize("depth", [1_500, 10_000, 100_000])
def test_deeply_nested_json_gets_400_not_500(ann_api, ticket_ann, depth):
    body = "[" * depth + "]" * depth
    response = ann_api.post(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/",
        body,
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 400
    assert response.data["code"] == "parse_error"
