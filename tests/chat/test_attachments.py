"""Images and PDFs in a conversation: checked by content, stored under random
names, served only by unguessable links and never as a page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from chat.models import Message
from helpdesk.models import Ticket, Widget
from tests.conftest import as_visitor

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(api, ticket, name, content, **fields):
    return api.post(
        f"/api/widget/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content, "image/png"), **fields},
        format="multipart",
    )


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("shot.png", PNG, "image/png"), ("invoice.pdf", PDF, "application/pdf"),
     ("cat.webp", WEBP, "image/webp")],
)  # fmt: skip
def test_an_image_or_pdf_is_sent_and_served_by_its_link(
    ann_api, ticket_ann, media_root, name, content, content_type
):
    response = upload(ann_api, ticket_ann, name, content, client_id="f-1", body="see attached")
    assert response.status_code == 201
    message = response.data["message"]
    assert message["body"] == "see attached"
    attachment = message["attachment"]
    assert (attachment["name"], attachment["content_type"]) == (name, content_type)
    assert attachment["size"] == len(content)

    served = APIClient().get(attachment["url"])  # no token: the link is the key
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert b"".join(served.streaming_content) == content
    assert "sandbox" in served["Content-Security-Policy"]
    assert served["X-Content-Type-Options"] == "nosniff"
    [path] = stored_files(media_root)
    assert name not in path.name


def test_a_repeated_upload_is_stored_once(ann_api, ticket_ann, media_root):
    first = upload(ann_api, ticket_ann, "a.png", PNG, client_id="f-1")
    again = upload(ann_api, ticket_ann, "a.png", PNG, client_id="f-1")
    assert again.data["message"]["id"] == first.data["message"]["id"]
    assert Message.objects.count() == 1
    # The resend is found before its file is written, not by the insert's conflict.
    assert len([path for path in media_root.rglob("*") if path.is_file()]) == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("page.png", b"<html><script>alert(1)</script></html>", "attachment_type"),
        ("logo.svg", b'<svg onload="alert(1)"/>', "attachment_type"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "attachment_type"),
        ("big.png", PNG + b"\x00" * 2048, "attachment_too_large"),
        ("empty.png", b"", "invalid"),
    ],
)  # fmt: skip
def test_other_files_are_refused_and_nothing_is_kept(
    ann_api, ticket_ann, media_root, settings, name, content, code
):
    settings.PARLEY = {**settings.PARLEY, "ATTACHMENT_MAX_BYTES": 1024}
    response = upload(ann_api, ticket_ann, name, content)
    assert response.status_code == 400
    assert response.data["code"] == code
    assert not Message.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_name_is_shown_as_given_but_never_used_as_a_path(ann_api, ticket_ann, media_root):
    response = upload(ann_api, ticket_ann, "../../<img src=x onerror=alert(1)>.png", PNG)
    assert response.data["message"]["attachment"]["name"] == "<img src=x onerror=alert(1)>.png"
    [path] = stored_files(media_root)
    assert path.is_relative_to(media_root / "attachments")


def test_another_visitors_ticket_takes_no_upload(ann_api, ticket_ben, media_root):
    assert upload(ann_api, ticket_ben, "a.png", PNG).status_code == 404
    assert stored_files(media_root) == []


@pytest.mark.parametrize("token", ["1", "forged:abc", "MQ:1abc:xyz"])
def test_a_link_the_server_did_not_make_is_not_found(ann_api, ticket_ann, token):
    upload(ann_api, ticket_ann, "a.png", PNG)
    assert APIClient().get(f"/api/attachments/{token}/").status_code == 404


def start_with_file(api, name, content, **fields):
    return api.post(
        "/api/widget/tickets/",
        {"file": SimpleUploadedFile(name, content, "image/png"), **fields},
        format="multipart",
    )


def test_a_conversation_can_start_with_a_file(api, visitor_ann, media_root):
    as_visitor(api, visitor_ann)
    response = start_with_file(api, "error.png", PNG, client_id="f-1")
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.data["ticket"])
    assert (ticket.visitor, ticket.subject) == (visitor_ann, "error.png")
    assert response.data["message"]["attachment"]["name"] == "error.png"
    # Sent again after a lost answer: still one conversation, one file.
    again = start_with_file(api, "error.png", PNG, client_id="f-1")
    assert again.data["message"]["id"] == response.data["message"]["id"]
    assert Ticket.objects.count() == 1
    assert len(stored_files(media_root)) == 1


def test_a_caption_names_a_conversation_that_starts_with_a_file(api, visitor_ann, media_root):
    response = start_with_file(as_visitor(api, visitor_ann), "a.pdf", PDF, body="My invoice")
    assert Ticket.objects.get(pk=response.data["ticket"]).subject == "My invoice"


def test_a_bad_first_file_opens_no_conversation(api, visitor_ann, media_root):
    response = start_with_file(as_visitor(api, visitor_ann), "page.png", b"<html></html>")
    assert response.status_code == 400
    assert response.data["code"] == "attachment_type"
    assert not Ticket.objects.exists()
    assert stored_files(media_root) == []


def test_a_first_file_waits_for_a_required_prechat_form(api, visitor_ann, media_root):
    visitor_ann.widget.prechat = Widget.Prechat.REQUIRED
    visitor_ann.widget.save()
    response = start_with_file(as_visitor(api, visitor_ann), "a.png", PNG)
    assert response.data["code"] == "prechat_required"
    assert not Ticket.objects.exists()
    assert stored_files(media_root) == []
