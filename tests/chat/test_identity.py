"""Verified identity: a host site signs its user's id (chat.identity) and the
widget's session becomes the one visitor for that user, in every browser."""

import time

import pytest

from chat.identity import ATTRIBUTES_MAX_BYTES, identity_signature
from chat.models import Message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket, Visitor
from tests.factories import TicketFactory, VisitorFactory, WidgetFactory
from tests.identity_helpers import signed_identity

pytestmark = pytest.mark.django_db

SESSION = "/api/widget/session/"


def session(api, widget, *, token: str = "", **fields):
    return api.post(SESSION, {"key": widget.key, "token": token, **fields}, format="json")


def identify(api, widget, user_id: str, *, token: str = "", **extra):
    return session(api, widget, token=token, identity=signed_identity(widget, user_id, **extra))


def refused(response, code: str) -> None:
    assert response.status_code == 403, response.data
    assert response.data["code"] == code
    assert "token" not in response.data


# --- the signature ----------------------------------------------------------------


def test_a_signed_identity_makes_a_verified_visitor_with_what_the_site_says(api, widget):
    response = identify(
        api,
        widget,
        "user-42",
        name="Ann Archer",
        email="ann@shop.example",
        attributes={"plan": "pro", "seats": 12, "trial": False},
    )
    assert response.status_code == 200, response.data
    assert response.data["visitor"]["verified"] is True
    assert response.data["visitor"]["user_id"] == "user-42"
    person = Visitor.objects.get(pk=response.data["visitor"]["id"])
    assert (person.widget, person.external_id) == (widget, "user-42")
    assert person.is_verified
    assert (person.name, person.email) == ("Ann Archer", "ann@shop.example")
    assert person.attributes == {"plan": "pro", "seats": 12, "trial": False}


def test_the_signature_is_hex_hmac_sha256_of_user_id_colon_issued_at():
    """The format docs/identity.md gives the site's developers, pinned."""
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"user-42:1700000000", hashlib.sha256).hexdigest()
    assert identity_signature("s3cret", "user-42", 1700000000) == expected


def test_a_forged_signature_is_refused_and_makes_no_visitor(api, widget):
    claim = signed_identity(widget, "user-42")
    claim["signature"] = "0" * 64
    refused(session(api, widget, identity=claim), "identity_invalid")
    assert not Visitor.objects.exists()


def test_an_expired_signature_is_refused(api, widget, settings):
    settings.PARLEY = {**settings.PARLEY, "IDENTITY_MAX_AGE": 3600}
    old = int(time.time()) - 3601
    refused(identify(api, widget, "user-42", issued_at=old), "identity_expired")
    # Just inside the window it still works.
    assert identify(api, widget, "user-42", issued_at=old + 60).status_code == 200


def test_a_signature_dated_in_the_future_is_refused_beyond_a_little_skew(api, widget):
    now = int(time.time())
    refused(identify(api, widget, "user-42", issued_at=now + 3600), "identity_future")
    assert identify(api, widget, "user-42", issued_at=now + 60).status_code == 200


def test_a_signature_replayed_for_another_user_is_refused(api, widget):
    """Ann's page source leaked: her signature can't make anyone else."""
    claim = signed_identity(widget, "ann")
    refused(session(api, widget, identity={**claim, "user_id": "ben"}), "identity_invalid")
    # Nor another issue time, to stretch its life.
    later = {**claim, "issued_at": claim["issued_at"] + 3600}
    refused(session(api, widget, identity=later), "identity_invalid")


def test_a_signature_replayed_after_the_max_age_is_refused(api, widget, settings):
    settings.PARLEY = {**settings.PARLEY, "IDENTITY_MAX_AGE": 600}
    issued = int(time.time()) - 300
    claim = signed_identity(widget, "ann", issued_at=issued)
    first = session(api, widget, identity=claim)
    assert first.status_code == 200
    # Within the window it works again (every tab and page load sends it) ...
    assert session(api, widget, identity=claim).status_code == 200
    # ... and once the window has passed, the same bytes are refused.
    settings.PARLEY = {**settings.PARLEY, "IDENTITY_MAX_AGE": 299}
    refused(session(api, widget, identity=claim), "identity_expired")


def test_another_widgets_secret_does_not_sign_for_this_one(api, widget):
    other = WidgetFactory()
    claim = signed_identity(other, "user-42")
    refused(session(api, widget, identity=claim), "identity_invalid")


def test_a_rotated_secret_refuses_signatures_made_with_the_old_one(api, widget):
    from helpdesk.models import new_identity_secret

    claim = signed_identity(widget, "user-42")
    widget.identity_secret = new_identity_secret()
    widget.save()
    refused(session(api, widget, identity=claim), "identity_invalid")


def test_every_widget_gets_its_own_secret_and_the_widget_is_never_sent_it(api, widget):
    other = WidgetFactory()
    assert widget.identity_secret != other.identity_secret
    assert len(widget.identity_secret) > 40
    config = api.get(f"/api/widget/config/?key={widget.key}")
    started = session(api, widget)
    for response in (config, started):
        assert widget.identity_secret not in response.content.decode()


@pytest.mark.parametrize(
    "claim, field",
    [
        ({"user_id": "ann", "issued_at": 1}, "signature"),
        ({"user_id": "ann", "signature": "a" * 64}, "issued_at"),
        ({"user_id": "ann", "issued_at": 1, "signature": "not hex"}, "signature"),
        ({"user_id": "", "issued_at": 1, "signature": "a" * 64}, "user_id"),
        ({"user_id": "x" * 256, "issued_at": 1, "signature": "a" * 64}, "user_id"),
        ({"user_id": "ann", "issued_at": "soon", "signature": "a" * 64}, "issued_at"),
    ],
)
def test_a_malformed_identity_gets_a_field_error(api, widget, claim, field):
    response = session(api, widget, identity=claim)
    assert response.status_code == 400
    assert field in response.data["fields"]["identity"]
    assert not Visitor.objects.exists()


# --- claims to a verified id ----------------------------------------------------------


def test_an_unsigned_claim_to_a_verified_id_is_refused_as_one_to_an_unknown_id(api, widget):
    """Whether the id exists must not show: the answers are the same."""
    identify(api, widget, "ann")
    answers = []
    for user_id in ("ann", "nobody-has-this-id"):
        unsigned = session(api, widget, identity={"user_id": user_id, "issued_at": 1})
        forged = session(
            api, widget, identity={**signed_identity(widget, user_id), "signature": "f" * 64}
        )
        answers.append(
            (unsigned.status_code, unsigned.data, forged.status_code, forged.data["code"])
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and answers[0][2] == 403
    assert Visitor.objects.count() == 1


def test_a_name_and_email_without_an_id_stay_a_claimed_contact(api, widget):
    """The pre-chat form's way: an unverified visitor, never linked to a person."""
    person = Visitor.objects.get(
        pk=identify(api, widget, "ann", email="ann@shop.example").data["visitor"]["id"]
    )
    response = session(api, widget, name="Ann", email="ann@shop.example")
    assert response.data["visitor"]["id"] != str(person.pk)
    assert response.data["visitor"]["verified"] is False
    assert response.data["visitor"]["user_id"] is None
    claimed = Visitor.objects.get(pk=response.data["visitor"]["id"])
    assert not claimed.is_verified and claimed.external_id == ""


def test_a_pre_chat_claim_does_not_rename_a_verified_person(api, widget):
    first = identify(api, widget, "ann", name="Ann Archer", email="ann@shop.example")
    again = session(api, widget, token=first.data["token"], name="Mallory", email="m@evil.example")
    assert again.data["visitor"]["id"] == first.data["visitor"]["id"]
    person = Visitor.objects.get(pk=first.data["visitor"]["id"])
    assert (person.name, person.email) == ("Ann Archer", "ann@shop.example")


def test_the_same_user_id_on_another_widget_is_another_person(api, widget):
    other = WidgetFactory()
    a = identify(api, widget, "ann").data["visitor"]["id"]
    b = identify(api, other, "ann").data["visitor"]["id"]
    assert a != b


def test_a_blocked_person_gets_no_session_even_when_signed(api, widget):
    person_id = identify(api, widget, "ann").data["visitor"]["id"]
    Visitor.objects.filter(pk=person_id).update(is_blocked=True)
    response = identify(api, widget, "ann")
    assert response.status_code == 403
    assert response.data["code"] == "blocked"


# --- attributes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "attributes, says",
    [
        ({"plan": {"name": "pro"}}, "not a list, an object or null"),
        ({"tags": ["a", "b"]}, "not a list, an object or null"),
        ({"plan": None}, "not a list, an object or null"),
        ("pro", "must be an object"),
        ({"bad key!": 1}, "Attribute names"),
        ({"": 1}, "Attribute names"),
        ({"note": "x" * 501}, "longer than 500"),
        ({f"k{i}": i for i in range(31)}, "At most 30"),
        ({f"k{i}": "x" * 300 for i in range(20)}, f"more than {ATTRIBUTES_MAX_BYTES} bytes"),
        ({"big": 2**60}, "not a usable number"),
    ],
)
def test_junk_attributes_are_refused_with_a_clear_400(api, widget, attributes, says):
    response = identify(api, widget, "ann", attributes=attributes)
    assert response.status_code == 400
    assert says in str(response.data["fields"]["identity"]["attributes"])
    assert not Visitor.objects.exists()


def test_tampered_attributes_without_a_good_signature_change_nothing(api, widget):
    """The visitor edits the page's call to claim a better plan: with the
    signature broken (or absent) nothing of the person changes."""
    first = identify(api, widget, "ann", attributes={"plan": "free"})
    tampered = {**signed_identity(widget, "ann"), "attributes": {"plan": "enterprise"}}
    tampered["signature"] = tampered["signature"][::-1]
    refused(session(api, widget, token=first.data["token"], identity=tampered), "identity_invalid")
    person = Visitor.objects.get(pk=first.data["visitor"]["id"])
    assert person.attributes == {"plan": "free"}
    # A new signed call from the site replaces them; leaving them out keeps them.
    identify(api, widget, "ann", attributes={"plan": "team"})
    identify(api, widget, "ann")
    person.refresh_from_db()
    assert person.attributes == {"plan": "team"}


# --- the same person in two browsers ------------------------------------------------


def test_two_browsers_signed_in_as_one_user_are_one_visitor_with_one_history(api, widget):
    laptop = identify(api, widget, "ann")
    ticket = TicketFactory(visitor_id=laptop.data["visitor"]["id"])
    phone = identify(api, widget, "ann")  # no token: another device
    assert phone.data["visitor"]["id"] == laptop.data["visitor"]["id"]
    assert [t["id"] for t in phone.data["tickets"]] == [ticket.pk]
    history = api.get(
        f"/api/widget/tickets/{ticket.pk}/messages/",
        HTTP_AUTHORIZATION=f"Visitor {phone.data['token']}",
    )
    assert history.status_code == 200


def test_signing_in_brings_the_chat_going_and_leaves_ended_ones(
    api, widget, broadcasts, django_capture_on_commit_callbacks
):
    anonymous = VisitorFactory(widget=widget, name="")
    going = TicketFactory(visitor=anonymous, status=Ticket.Status.OPEN)
    ended = TicketFactory(visitor=anonymous, status=Ticket.Status.RESOLVED)
    laptop = identify(api, widget, "ann")  # the person exists already, elsewhere
    broadcasts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = identify(api, widget, "ann", token=visitor_token(anonymous))
    assert response.data["visitor"]["id"] == laptop.data["visitor"]["id"]
    assert {t["id"] for t in response.data["tickets"]} == {going.pk}
    going.refresh_from_db()
    ended.refresh_from_db()
    assert str(going.visitor_id) == laptop.data["visitor"]["id"]
    assert ended.visitor_id == anonymous.pk
    line = Message.objects.filter(ticket=going).last()
    assert line.internal and "verified as ann" in line.body
    # The person's other devices hear of the conversation at once.
    person_group = f"visitor-{laptop.data['visitor']['id']}"
    assert any(
        person_group in groups
        and event["type"] == "ticket.updated"
        and event["ticket"]["id"] == going.pk
        for groups, event in broadcasts
    )


def test_signing_in_as_another_user_leaves_the_first_persons_chats_alone(api, widget):
    ann = identify(api, widget, "ann")
    ticket = TicketFactory(visitor_id=ann.data["visitor"]["id"])
    ben = identify(api, widget, "ben", token=ann.data["token"])
    assert ben.data["visitor"]["id"] != ann.data["visitor"]["id"]
    assert ben.data["tickets"] == []
    ticket.refresh_from_db()
    assert str(ticket.visitor_id) == ann.data["visitor"]["id"]


def test_a_verified_token_keeps_its_person_without_signing_again(api, widget):
    """Between sign-ins the token is the proof, as for anyone."""
    first = identify(api, widget, "ann")
    again = session(api, widget, token=first.data["token"])
    assert again.data["visitor"]["id"] == first.data["visitor"]["id"]
    assert again.data["visitor"]["verified"] is True


# --- agents -------------------------------------------------------------------------


def test_agents_see_verified_and_the_attributes_in_the_sidebar_and_inbox(api, widget, bob_api):
    response = identify(
        api, widget, "ann", name="Ann", attributes={"plan": "<img src=x onerror=alert(1)>"}
    )
    ticket = TicketFactory(visitor_id=response.data["visitor"]["id"])
    details = bob_api.get(f"/api/agent/tickets/{ticket.pk}/visitor/").data
    assert details["verified"] is True
    assert details["user_id"] == "ann"
    # Stored and sent as the text it is; the dashboard draws it with textContent.
    assert details["attributes"] == {"plan": "<img src=x onerror=alert(1)>"}
    row = next(
        t for t in bob_api.get("/api/agent/tickets/").data["results"] if t["id"] == ticket.pk
    )
    assert row["visitor"]["verified"] is True


def test_agents_see_an_unverified_visitor_as_such(bob_api, ticket_ann):
    details = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/visitor/").data
    assert details["verified"] is False
    assert details["user_id"] == "" and details["attributes"] == {}


def test_an_erased_person_keeps_no_identity_and_a_new_sign_in_starts_afresh(api, widget):
    from chat.privacy.services import visitor_erase

    first = identify(api, widget, "ann", attributes={"plan": "pro"})
    person = Visitor.objects.get(pk=first.data["visitor"]["id"])
    TicketFactory(visitor=person, status=Ticket.Status.RESOLVED)
    visitor_erase(visitor=person, by=None)
    person.refresh_from_db()
    assert (person.external_id, person.attributes, person.verified_at) == ("", {}, None)
    again = identify(api, widget, "ann")
    assert again.status_code == 200
    assert again.data["visitor"]["id"] != str(person.pk)
    assert again.data["tickets"] == []


def test_the_widget_admin_shows_the_secret_to_administrators_and_rotates_it(client, widget):
    from django.contrib.auth.models import User

    boss = User.objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    client.force_login(boss)
    page = client.get(f"/admin/helpdesk/widget/{widget.pk}/change/")
    assert widget.identity_secret in page.content.decode()
    old = widget.identity_secret
    response = client.post(
        "/admin/helpdesk/widget/",
        {"action": "rotate_identity_secret", "_selected_action": [widget.pk]},
    )
    assert response.status_code == 302
    widget.refresh_from_db()
    assert widget.identity_secret != old and widget.identity_secret.startswith("idsec_")


def test_refusals_and_attribute_errors_speak_the_browsers_language(api, widget):
    claim = {**signed_identity(widget, "ann"), "signature": "0" * 64}
    refused_de = api.post(
        SESSION, {"key": widget.key, "identity": claim}, format="json", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Signatur der Identität stimmt nicht" in refused_de.data["message"]
    junk = api.post(
        SESSION,
        {"key": widget.key, "identity": signed_identity(widget, "ann", attributes={"a": [1]})},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "keine Liste" in str(junk.data["fields"]["identity"]["attributes"])


def test_webhooks_name_the_sites_own_user_id_for_a_verified_visitor(api, widget, ticket_ann):
    from chat.webhooks.events import conversation

    person_id = identify(api, widget, "crm-7").data["visitor"]["id"]
    signed_in = TicketFactory(visitor_id=person_id)
    assert conversation(signed_in)["visitor"]["user_id"] == "crm-7"
    assert conversation(ticket_ann)["visitor"]["user_id"] is None


def test_a_required_pre_chat_form_can_fill_in_what_the_site_left_out(api, widget):
    """Else a verified person without an email could never start a chat there."""
    widget.prechat = widget.Prechat.REQUIRED
    widget.save()
    first = identify(api, widget, "ann", name="Ann Archer")  # no email from the site
    token = first.data["token"]
    refused_start = api.post(
        "/api/widget/tickets/",
        {"body": "Hello", "client_id": "c-1"},
        format="json",
        HTTP_AUTHORIZATION=f"Visitor {token}",
    )
    assert refused_start.data["code"] == "prechat_required"
    answered = session(api, widget, token=token, name="Mallory", email="ann@home.example")
    assert (answered.data["visitor"]["name"], answered.data["visitor"]["email"]) == (
        "Ann Archer",
        "ann@home.example",
    )
    started = api.post(
        "/api/widget/tickets/",
        {"body": "Hello", "client_id": "c-1"},
        format="json",
        HTTP_AUTHORIZATION=f"Visitor {token}",
    )
    assert started.status_code == 201
