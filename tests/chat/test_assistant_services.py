"""The assistant's writes and rules, without HTTP."""

import pytest

from chat.assistant import services
from chat.assistant.models import Answer
from chat.models import Message
from chat.services import start_conversation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a person?",
        "speak with a human please",
        "connect me to an agent",
        "agent!",
        "I want a real person",
        "Kann ich mit einem Menschen sprechen?",
        "Ich möchte mit einer Mitarbeiterin reden",
        "Mitarbeiter bitte",
    ],
)
def test_asking_for_a_person_is_recognised_in_english_and_german(text):
    assert services.wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do I change my plan?",
        "How do I invite a person to my team?",
        "Can an agent user export invoices?",
        "Wie lade ich eine Person in mein Team ein?",
    ],
)
def test_questions_that_mention_people_are_not_requests_for_one(text):
    assert not services.wants_person(text)


def test_an_answer_is_stored_once_however_often_it_is_stored(visitor_ann):
    message = start_conversation(
        visitor=visitor_ann, body="How do I change my plan?", assistant=True
    )
    question = services.Question(message=message, ticket=message.ticket, language="en", answer=None)
    first = services.store_reply(question=question, body="One.", outcome=Answer.Outcome.ANSWERED)
    second = services.store_reply(question=question, body="Two.", outcome=Answer.Outcome.ANSWERED)
    assert first.pk == second.pk
    assert list(Message.objects.filter(sender_type="bot").values_list("body", flat=True)) == [
        "One."
    ]


def test_the_stored_line_keeps_its_sources_within_the_message_limit():
    sources = [{"title": "Plans", "url": "http://x/help/a/en/articles/plans/"}]
    body = services.reply_body("word " * 100, sources, "en", limit=120)
    assert len(body) <= 120
    assert body.endswith("Sources:\n- Plans: http://x/help/a/en/articles/plans/")
    assert services.reply_body("Short.", [], "en", limit=120) == "Short."
