"""Widget installations: the key in the embed tag, the config it fetches, the sites
allowed to embed it, the pre-chat form and the offline form."""

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError

from chat.models import Message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket, Visitor, Widget

from ..conftest import as_visitor, connect
from ..factories import VisitorFactory, WidgetFactory

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example"
EVIL = "https://evil.example"


# --- config ---------------------------------------------------------------------------


def test_config_is_what_the_widget_needs_to_draw_itself(api, widget):
    response = api.get("/api/widget/config/", {"key": "acme"}, HTTP_ORIGIN=SHOP)
    assert response.status_code == 200
    words = response.data.pop("words")
    assert response.data == {
        "key": "acme",
        "name": "Acme",
        "greeting": "Hi! How can we help you today?",
        "accent_color": "#4f46e5",
        "position": "right",
        "prechat": "off",
        "offline_form": True,
        "typing_preview": False,
        "assistant": False,
        "agents_online": False,
        "language": "en",
        "limits": {"message_length": 5000, "attachment_bytes": 10 * 1024 * 1024},
    }
    assert words["chatWith"] == "Chat with {name}"
    assert words["fileSize"] == "Files can be at most 10 MB."
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not Visitor.objects.exists()


@pytest.mark.parametrize("key", ["nope", "", "x" * 41, "acme'; --"])
def test_an_unknown_key_is_not_found(api, widget, key):
    response = api.get("/api/widget/config/", {"key": key}, HTTP_ORIGIN=SHOP)
    assert response.status_code in {400, 404}
    assert response.data["code"] in {"invalid", "not_found"}


@pytest.mark.parametrize(
    "origin", [EVIL, "http://shop.example", "https://shop.example.evil.example", "null"]
)
def test_a_site_not_on_the_list_may_not_use_the_widget(api, widget, origin):
    response = api.get("/api/widget/config/", {"key": "acme"}, HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert response.data["code"] == "origin_not_allowed"
    session = api.post("/api/widget/session/", {"key": "acme"}, format="json", HTTP_ORIGIN=origin)
    assert session.status_code == 403
    assert not Visitor.objects.exists()


@pytest.mark.parametrize("origin", [SHOP, "https://SHOP.example:443", None])
def test_listed_origins_match_as_browsers_send_them(api, widget, origin):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    assert api.get("/api/widget/config/", {"key": "acme"}, **headers).status_code == 200


def test_an_unknown_key_says_which_key_in_the_error(api, widget):
    response = api.get("/api/widget/config/", {"key": "nope"}, HTTP_ORIGIN=SHOP)
    assert response.status_code == 404
    assert response.data == {"code": "not_found", "message": "No widget has the key 'nope'."}


def test_a_widget_with_no_list_may_be_embedded_anywhere(api):
    WidgetFactory(key="open")
    assert api.get("/api/widget/config/", {"key": "open"}, HTTP_ORIGIN=EVIL).status_code == 200


# --- sessions and the visitor API ------------------------------------------------------


def test_a_token_from_another_widget_starts_a_new_visitor_here(api, widget):
    elsewhere = VisitorFactory()  # a visitor of another installation
    response = api.post(
        "/api/widget/session/",
        {"key": "acme", "token": visitor_token(elsewhere)},
        format="json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200
    assert response.data["visitor"]["id"] != str(elsewhere.pk)
    assert Visitor.objects.get(pk=response.data["visitor"]["id"]).widget == widget


def test_a_session_refresh_stores_the_pre_chat_answers(api, visitor_ann):
    response = api.post(
        "/api/widget/session/",
        {
            "key": "acme",
            "token": visitor_token(visitor_ann),
            "name": "<b>Ann</b>",
            "email": "ann@example.com",
        },
        format="json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.data["visitor"] == {
        "id": str(visitor_ann.pk),
        "name": "<b>Ann</b>",
        "email": "ann@example.com",
        "verified": False,
        "user_id": None,
    }


def test_a_visitor_token_is_refused_from_a_foreign_site(api, ticket_ann):
    client = as_visitor(api, ticket_ann.visitor)
    assert client.get("/api/widget/tickets/", HTTP_ORIGIN=SHOP).status_code == 200
    response = client.post(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/",
        {"body": "from evil", "client_id": "e-1"},
        format="json",
        HTTP_ORIGIN=EVIL,
    )
    assert response.status_code == 403
    assert response.data["code"] == "origin_not_allowed"
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_the_widget_socket_is_closed_for_a_foreign_site(visitor_ann):
    token = await sync_to_async(visitor_token)(visitor_ann)
    socket = await connect("/ws/widget/", [(b"origin", EVIL.encode())])
    await socket.send_json_to({"type": "hello", "token": token})
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


# --- pre-chat form ------------------------------------------------------------------------


@pytest.fixture
def strict_widget(widget):
    widget.prechat = Widget.Prechat.REQUIRED
    widget.save()
    return widget


def test_a_required_pre_chat_form_must_be_answered_before_chatting(api, strict_widget):
    visitor = VisitorFactory(widget=strict_widget, name="", email="")
    client = as_visitor(api, visitor)
    first = {"body": "Hello?", "client_id": "c-1"}
    refused = client.post("/api/widget/tickets/", first, format="json", HTTP_ORIGIN=SHOP)
    assert refused.status_code == 400
    assert refused.data["code"] == "prechat_required"
    assert not Ticket.objects.exists()

    Visitor.objects.filter(pk=visitor.pk).update(name="Ann", email="ann@example.com")
    accepted = client.post("/api/widget/tickets/", first, format="json", HTTP_ORIGIN=SHOP)
    assert accepted.status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_the_socket_enforces_the_pre_chat_form_too(strict_widget):
    visitor = await sync_to_async(VisitorFactory)(widget=strict_widget, name="", email="")
    token = await sync_to_async(visitor_token)(visitor)
    socket = await connect("/ws/widget/", [(b"origin", SHOP.encode())])
    await socket.send_json_to({"type": "hello", "token": token})
    assert (await socket.receive_json_from())["type"] == "welcome"
    await socket.send_json_to({"type": "message.send", "client_id": "c-1", "body": "hi"})
    error = await socket.receive_json_from()
    assert (error["type"], error["code"], error["client_id"]) == (
        "error",
        "prechat_required",
        "c-1",
    )
    await socket.disconnect()


def test_an_optional_pre_chat_form_does_not_block_chatting(api, widget):
    widget.prechat = Widget.Prechat.OPTIONAL
    widget.save()
    visitor = VisitorFactory(widget=widget, name="", email="")
    response = as_visitor(api, visitor).post(
        "/api/widget/tickets/", {"body": "hi"}, format="json", HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 201


# --- offline form -----------------------------------------------------------------------


def leave(api, visitor, **payload):
    return as_visitor(api, visitor).post(
        "/api/widget/offline/", payload, format="json", HTTP_ORIGIN=SHOP
    )


def test_an_offline_message_opens_a_ticket_with_the_email_to_answer(api, strict_widget):
    visitor = VisitorFactory(widget=strict_widget, name="", email="")
    payload = {
        "email": "ann@example.com",
        "body": "<script>alert(1)</script> Call me back",
        "client_id": "o-1",
    }
    response = leave(api, visitor, **payload)
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.data["ticket"])
    assert ticket.channel == Ticket.Channel.OFFLINE_FORM
    assert ticket.visitor.email == "ann@example.com"
    assert response.data["message"]["body"] == "<script>alert(1)</script> Call me back"

    again = leave(api, visitor, **payload)
    assert again.data["message"]["id"] == response.data["message"]["id"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": "hi"}, "invalid"),
        ({"email": "not-an-email", "body": "hi"}, "invalid"),
        ({"email": "ann@example.com", "body": "   "}, "empty_body"),
        ({"email": "ann@example.com", "body": "x" * 5001}, "body_too_long"),
        ({"email": "ann@example.com", "body": "hi", "name": "x" * 121}, "invalid"),
    ],
)
def test_a_bad_offline_message_is_refused_and_changes_nothing(api, widget, payload, code):
    visitor = VisitorFactory(widget=widget, email="")
    response = leave(api, visitor, **payload)
    assert response.status_code == 400
    assert response.data["code"] == code
    assert not Ticket.objects.exists()
    visitor.refresh_from_db()
    assert visitor.email == ""


def test_field_errors_come_in_the_browsers_language(api, widget):
    visitor = VisitorFactory(widget=widget)
    response = as_visitor(api, visitor).post(
        "/api/widget/offline/",
        {"email": "not-an-email", "body": "hi"},
        format="json",
        HTTP_ORIGIN=SHOP,
        HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9",
    )
    assert response.status_code == 400
    assert response.data["fields"]["email"] == ["Gib eine gültige E-Mail Adresse an."]


def test_a_widget_can_turn_the_offline_form_off(api, widget):
    widget.offline_form = False
    widget.save()
    response = leave(api, VisitorFactory(widget=widget), email="a@example.com", body="hi")
    assert response.status_code == 400
    assert response.data["code"] == "offline_form_disabled"
    assert not Ticket.objects.exists()


# --- admin-entered settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "origins",
    [
        "shop.example",
        "javascript:alert(1)",
        "https://shop.example/path",
        "https://user@shop.example",
        "https://shop.example\nftp://files.example",
    ],
)
def test_allowed_origins_must_be_origins(origins):
    widget = WidgetFactory.build(allowed_origins=origins)
    with pytest.raises(ValidationError) as error:
        widget.full_clean()
    assert "allowed_origins" in error.value.message_dict


@pytest.mark.parametrize("colour", ["red", "#12345", "#123456; background: url(x)", "#GGGGGG"])
def test_the_accent_colour_must_be_a_hex_colour(colour):
    widget = WidgetFactory.build(accent_color=colour)
    with pytest.raises(ValidationError) as error:
        widget.full_clean()
    assert "accent_color" in error.value.message_dict
