"""Offline notifications from a real Celery worker on Redis to a real SMTP server:
what arrives, to whom, and only once."""

import time
from email.message import Message

import pytest

from ..processes import post_json
from .conftest import Inbox, mailing_settings, services_stack, smtp_server

pytestmark = pytest.mark.integration


def text_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    with smtp_server(inbox) as port:
        yield inbox, port


@pytest.fixture(scope="module")
def mailing_stack(tmp_path_factory, smtp):
    _, port = smtp
    settings = mailing_settings(port, PARLEY_VISITOR_EMAIL_DELAY="2")
    with services_stack(tmp_path_factory.mktemp("mailing"), **settings) as stack:
        stack.start_server("web")
        stack.start_celery()
        yield stack


def test_the_team_hears_of_a_waiting_visitor_and_the_visitor_of_the_reply(mailing_stack, smtp):
    inbox, _ = smtp
    web = mailing_stack.http("web")
    session = post_json(
        f"{web}/api/widget/session/",
        {"key": "demo", "name": "Lena", "email": "lena@example.com", "locale": "de-DE",
         "page_url": "https://shop.example/cart"},
    )  # fmt: skip
    auth = {"Authorization": f"Visitor {session['token']}"}
    first = post_json(f"{web}/api/widget/tickets/", {"body": "Is the <b>blue</b> one back?"}, auth)
    post_json(f"{web}/api/widget/tickets/{first['ticket']}/messages/", {"body": "Hello?"}, auth)

    [to_team] = inbox.about(lambda message: "Lena" in message["Subject"])
    recipients = {address.strip() for address in to_team["To"].split(",")}
    assert recipients == {"admin@example.com", "ada@example.com", "grace@example.com"}
    body = text_of(to_team)
    assert "Is the <b>blue</b> one back?" in body and "Hello?" in body
    assert f"/agent/#ticket-{first['ticket']}" in body

    token = {"Authorization": f"Token {mailing_stack.agent_token('ada')}"}
    for reply in ("Yes, since Monday.", "Shall I reserve one?"):
        post_json(f"{web}/api/agent/tickets/{first['ticket']}/messages/", {"body": reply}, token)

    inbox.about(lambda message: message["To"] == "lena@example.com")
    time.sleep(4)  # the first reply's check has run too, and sent nothing
    [to_visitor] = inbox.about(lambda message: message["To"] == "lena@example.com")
    assert [to_team] == inbox.about(lambda message: "Lena" in message["Subject"])
    body = text_of(to_visitor)
    assert body.startswith("Hallo Lena,")
    assert "Yes, since Monday." in body and "Shall I reserve one?" in body
    assert "https://shop.example/cart#parley-reopen=" in body
