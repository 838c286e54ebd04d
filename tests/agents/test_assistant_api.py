"""The assistant from the agent side: a suggested reply for the composer, a
thumbs up or down on the bot's answers, and deflection per day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.assistant import services
from chat.assistant.models import Answer
from chat.models import Message
from chat.services import Sender, post_message, start_conversation
from chat.ticket_actions import Actor, end_conversation, ticket_change
from helpdesk.models import Ticket
from tests.knowledge_helpers import demo_help_centre

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _paced(settings):
    # Paced for visitors; a draft for an agent comes whole regardless.
    settings.PARLEY = {
        **settings.PARLEY,
        "ASSISTANT": {**settings.PARLEY["ASSISTANT"], "EXTRACTIVE_PACE": 0.5},
    }


def assistant_chat(visitor, question: str, reply: str = "") -> tuple[Ticket, Answer | None]:
    message = start_conversation(visitor=visitor, body=question, assistant=True)
    ticket = Ticket.objects.get(pk=message.ticket_id)
    if not reply:
        return ticket, None
    asked = services.Question(message=message, ticket=ticket, language="en", answer=None)
    answer = services.store_reply(
        question=asked, body=reply, outcome=Answer.Outcome.ANSWERED, backend="extractive"
    )
    return Ticket.objects.get(pk=ticket.pk), answer


def test_an_agent_gets_a_reply_drafted_from_the_articles(bob_api, visitor_ann):
    demo_help_centre()
    ticket, _ = assistant_chat(visitor_ann, "hello")
    post_message(
        ticket=ticket, sender=Sender.for_visitor(visitor_ann), body="How do I change my plan?"
    )
    response = bob_api.get(f"/api/agent/tickets/{ticket.pk}/suggestion/")
    assert response.status_code == 200
    assert "Settings, then Billing" in response.data["body"]
    assert response.data["sources"][0]["title"] == "How do I change my plan?"
    assert response.data["language"] == "en"
    # A draft: nothing was sent.
    assert not Message.objects.filter(ticket=ticket, sender_type="bot").exists()


def test_no_good_article_means_no_draft(bob_api, visitor_ann):
    demo_help_centre()
    ticket, _ = assistant_chat(visitor_ann, "my dog ate my laptop")
    response = bob_api.get(f"/api/agent/tickets/{ticket.pk}/suggestion/")
    assert response.data == {"body": None, "sources": [], "language": None}


def test_the_draft_is_in_the_visitors_language(bob_api, visitor_ann):
    demo_help_centre()
    visitor_ann.metadata = {"locale": "de-DE"}
    visitor_ann.save()
    ticket, _ = assistant_chat(visitor_ann, "Wie wechsle ich meinen Tarif?")
    response = bob_api.get(f"/api/agent/tickets/{ticket.pk}/suggestion/")
    assert response.data["language"] == "de"
    assert "/help/acme/de/articles/tarif-wechseln/" in response.data["sources"][0]["url"]


def test_only_agents_get_drafts_and_unknown_tickets_answer_404(api, bob_api, visitor_ann):
    ticket, _ = assistant_chat(visitor_ann, "hello")
    assert api.get(f"/api/agent/tickets/{ticket.pk}/suggestion/").status_code in {401, 403}
    assert bob_api.get("/api/agent/tickets/999999/suggestion/").status_code == 404


def test_an_agent_rates_the_bots_answer_and_it_is_kept(bob_api, agent_bob, visitor_ann):
    _, answer = assistant_chat(visitor_ann, "How do I change my plan?", reply="Settings.")
    url = f"/api/agent/assistant/answers/{answer.reply_id}/rating/"
    assert bob_api.post(url, {"helpful": False}, format="json").status_code == 200
    answer.refresh_from_db()
    assert (answer.agent_helpful, answer.agent_rated_by) == (False, agent_bob.user)
    listed = bob_api.get(f"/api/agent/tickets/{answer.ticket_id}/assistant/")
    assert listed.data["results"][0]["agent_helpful"] is False


def test_rating_a_line_that_is_not_the_bots_answers_404(bob_api, ticket_ann):
    line = post_message(ticket=ticket_ann, sender=Sender.for_visitor(ticket_ann.visitor), body="x")
    url = f"/api/agent/assistant/answers/{line.pk}/rating/"
    assert bob_api.post(url, {"helpful": True}, format="json").status_code == 404
    response = bob_api.post("/api/agent/assistant/answers/1/rating/", {"helpful": "maybe"})
    assert response.status_code in {400, 404}


def test_a_visitor_rates_only_the_bots_answers_to_them(api, visitor_ann, visitor_ben):
    from tests.conftest import as_visitor

    _, answer = assistant_chat(visitor_ann, "How do I change my plan?", reply="Settings.")
    url = f"/api/widget/assistant/answers/{answer.reply_id}/rating/"
    ben = as_visitor(api, visitor_ben)
    assert ben.post(url, {"helpful": True}, format="json").status_code == 404
    ann = as_visitor(api, visitor_ann)
    response = ann.post(url, {"helpful": True}, format="json", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.visitor_helpful is True


def test_deflection_counts_chats_the_assistant_closed_without_a_person(bob_api, agent_bob, widget):
    from tests.factories import VisitorFactory

    def ended(question: str, *, agent_wrote: bool = False, handed_off: bool = False):
        visitor = VisitorFactory(widget=widget)
        ticket, _ = assistant_chat(visitor, question, reply="From the articles.")
        if handed_off:
            Ticket.objects.filter(pk=ticket.pk).update(assistant=Ticket.Assistant.HANDED_OFF)
        if agent_wrote:
            post_message(ticket=ticket, sender=Sender.for_agent(agent_bob.user, "Bob"), body="Hi")
        end_conversation(ticket=Ticket.objects.get(pk=ticket.pk))

    ended("one")
    ended("two")
    ended("three", handed_off=True)
    ended("four", agent_wrote=True)
    start_conversation(visitor=VisitorFactory(widget=widget), body="no assistant")
    response = bob_api.get("/api/agent/assistant/deflection/", {"days": 7})
    today = timezone.now().date().isoformat()
    assert response.data["results"] == [
        {"day": today, "assistant_chats": 4, "deflected": 2, "handed_off": 1}
    ]
    too_many = bob_api.get("/api/agent/assistant/deflection/", {"days": 5000})
    assert too_many.status_code == 400
    earlier = timezone.now() - timedelta(days=10)
    Ticket.objects.update(resolved_at=earlier)
    days = [row["day"] for row in bob_api.get("/api/agent/assistant/deflection/").data["results"]]
    assert days == [earlier.date().isoformat()]
    assert bob_api.get("/api/agent/assistant/deflection/", {"days": 5}).data["results"] == []


def test_a_chat_the_assistant_answers_is_not_in_the_unassigned_view_until_handed_over(
    bob_api, visitor_ann, visitor_ben
):
    helped, _ = assistant_chat(visitor_ann, "How do I change my plan?", reply="Settings.")
    plain = start_conversation(visitor=visitor_ben, body="Hello?").ticket
    ids = [
        t["id"] for t in bob_api.get("/api/agent/tickets/", {"view": "unassigned"}).data["results"]
    ]
    assert ids == [plain.pk]
    everything = bob_api.get("/api/agent/tickets/", {"view": "all"}).data["results"]
    assert {t["id"]: t["assistant"] for t in everything} == {helped.pk: "active", plain.pk: ""}
    assert bob_api.get("/api/agent/tickets/counts/").data["unassigned"] == 1

    ticket_change(ticket_id=helped.pk, by=Actor.assistant(), assistant="handed_off")
    ids = [
        t["id"] for t in bob_api.get("/api/agent/tickets/", {"view": "unassigned"}).data["results"]
    ]
    assert sorted(ids) == sorted([plain.pk, helped.pk])
    assert bob_api.get("/api/agent/tickets/counts/").data["unassigned"] == 2


def test_a_quiet_chat_the_assistant_answered_is_resolved_and_counts_as_deflected(
    bob_api, visitor_ann, settings
):
    from agents import tasks

    settings.PARLEY = {**settings.PARLEY, "AUTO_RESOLVE_AFTER": 60}
    ticket, _ = assistant_chat(visitor_ann, "How do I change my plan?", reply="Settings.")
    assert ticket.status == Ticket.Status.NEW and ticket.waiting_since is None
    Ticket.objects.filter(pk=ticket.pk).update(
        last_message_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.resolve_idle_tickets() == 1
    rows = bob_api.get("/api/agent/assistant/deflection/").data["results"]
    assert [(row["deflected"], row["handed_off"]) for row in rows] == [(1, 0)]
