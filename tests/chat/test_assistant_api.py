"""The assistant over HTTP: a question in, the answer streamed back as
server-sent events, stored through the one write path."""

import pytest
from asgiref.sync import sync_to_async

from chat.assistant.models import Answer
from chat.models import Message
from helpdesk import queue
from helpdesk.knowledge import retrieval
from helpdesk.models import Ticket
from tests.assistant_helpers import ask, open_question, visitor_api
from tests.factories import VisitorFactory
from tests.knowledge_helpers import demo_help_centre, make_article

pytestmark = pytest.mark.django_db(transaction=True)

PLAN_QUESTION = "How do I change my plan?"


@pytest.fixture(autouse=True)
def _instant_answers(settings):
    settings.PARLEY = {
        **settings.PARLEY,
        "ASSISTANT": {**settings.PARLEY["ASSISTANT"], "EXTRACTIVE_PACE": 0},
    }


@pytest.fixture
def help_centre(db):
    demo_help_centre()


@pytest.fixture
def visitor_amy(widget):
    widget.assistant = True
    widget.save()
    return VisitorFactory(name="Amy", widget=widget)


def types(frames: list[dict]) -> list[str]:
    """Event types with runs of tokens folded into one."""
    folded = []
    for frame in frames:
        if not (frame["type"] == "token" and folded and folded[-1] == "token"):
            folded.append(frame["type"])
    return folded


async def test_a_question_is_answered_in_tokens_then_sources_then_done(help_centre, visitor_amy):
    response, frames = await ask(visitor_amy, PLAN_QUESTION)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert types(frames) == ["question", "token", "sources", "done"]
    tokens = [frame["text"] for frame in frames if frame["type"] == "token"]
    assert len(tokens) > 2
    assert "Settings" in "".join(tokens)
    sources = frames[-2]["sources"]
    assert sources[0]["title"] == "How do I change my plan?"
    assert sources[0]["url"] == ("http://127.0.0.1:8000/help/acme/en/articles/change-your-plan/")
    question, done = frames[0], frames[-1]
    assert done["outcome"] == "answered"
    assert done["ticket"] == question["ticket"]
    assert (question["message"]["seq"], done["message"]["seq"]) == (1, 2)
    assert done["message"]["sender"]["type"] == "bot"


async def test_the_answer_is_stored_as_a_bot_line_with_its_sources(help_centre, visitor_amy):
    _, frames = await ask(visitor_amy, PLAN_QUESTION)
    done = frames[-1]

    @sync_to_async
    def stored():
        reply = Message.objects.get(pk=done["message"]["id"])
        return reply, Answer.objects.get(reply=reply), reply.ticket

    reply, answer, ticket = await stored()
    tokens = "".join(frame["text"] for frame in frames if frame["type"] == "token")
    assert reply.sender_type == Message.SenderType.BOT
    assert reply.body.startswith(tokens.strip())
    assert "Sources:\n- How do I change my plan?: http://127.0.0.1:8000/help/acme/" in reply.body
    assert answer.sources == frames[-2]["sources"]
    assert (answer.outcome, answer.backend) == ("answered", "extractive")
    # The assistant's chat waits for nobody: it is not in the queue.
    assert ticket.assistant == Ticket.Assistant.ACTIVE
    assert not queue.is_queued(ticket)
    assert ticket.waiting_since is None


async def test_a_second_question_continues_the_same_chat(help_centre, visitor_amy):
    _, first = await ask(visitor_amy, PLAN_QUESTION)
    ticket_id = first[0]["ticket"]
    _, second = await ask(visitor_amy, "How do I export my invoices as CSV?", ticket=ticket_id)
    assert second[0]["ticket"] == ticket_id
    assert second[-1]["message"]["seq"] == 4
    assert second[-2]["sources"][0]["title"] == "Export your data as CSV or PDF"


async def test_a_retried_question_replays_the_stored_answer_once(help_centre, visitor_amy):
    _, first = await ask(visitor_amy, PLAN_QUESTION, client_id="q-1")
    _, again = await ask(visitor_amy, PLAN_QUESTION, client_id="q-1")
    assert types(again) == ["question", "token", "sources", "done"]
    assert again[-1]["message"]["id"] == first[-1]["message"]["id"]
    assert await sync_to_async(Message.objects.count)() == 2


async def test_the_answer_is_in_the_language_the_widget_asks_in(help_centre, visitor_amy):
    _, frames = await ask(visitor_amy, "Wie wechsle ich meinen Tarif?", lang="de")
    assert frames[-2]["sources"][0]["url"].endswith("/help/acme/de/articles/tarif-wechseln/")
    assert frames[-1]["message"]["sender"]["name"] == "Assistent"
    assert "Quellen:" in frames[-1]["message"]["body"]


async def test_a_widget_without_the_assistant_refuses_questions(help_centre, widget):
    visitor = await sync_to_async(VisitorFactory)(widget=widget)
    response, _ = await ask(visitor, PLAN_QUESTION)
    assert response.status_code == 409
    assert response.json()["code"] == "assistant_off"


async def test_a_question_longer_than_the_message_limit_is_refused_and_stores_nothing(
    help_centre, visitor_amy, settings
):
    settings.PARLEY = {**settings.PARLEY, "MESSAGE_MAX_LENGTH": 50}
    response, _ = await ask(visitor_amy, "x" * 51)
    assert (response.status_code, response.json()["code"]) == (400, "body_too_long")
    assert not await sync_to_async(Ticket.objects.exists)()


async def test_html_in_a_question_is_stored_and_echoed_as_text(help_centre, visitor_amy):
    body = '<img src=x onerror="alert(1)"> how do I change my plan?'
    _, frames = await ask(visitor_amy, body)
    assert frames[0]["message"]["body"] == body  # text, for the widget's textContent
    assert frames[-1]["outcome"] == "answered"


async def test_an_article_with_html_answers_as_plain_text(visitor_amy, settings):
    # One article alone scores low (BM25 weighs words by how rare they are).
    settings.PARLEY = {
        **settings.PARLEY,
        "ASSISTANT": {**settings.PARLEY["ASSISTANT"], "MIN_SCORE": 0.1},
    }

    @sync_to_async
    def setup():
        make_article("Webhooks", "Set up <b>webhooks</b><script>steal()</script> under Settings.")
        from helpdesk.knowledge import retrieval

        retrieval.rebuild("en")

    await setup()
    _, frames = await ask(visitor_amy, "How do I set up webhooks?")
    answer = "".join(frame["text"] for frame in frames if frame["type"] == "token")
    assert answer.strip() == "Set up webhooks under Settings."


async def test_questions_are_rate_limited_per_visitor(help_centre, visitor_amy, settings):
    limits = settings.PARLEY["RATE_LIMITS"]
    settings.PARLEY = {
        **settings.PARLEY,
        "RATE_LIMITS": {**limits, "assistant": {**limits["assistant"], "visitor": "2/min"}},
    }
    for _ in range(2):
        response, _frames = await ask(visitor_amy, PLAN_QUESTION)
        assert response.status_code == 200
    response, _ = await ask(visitor_amy, PLAN_QUESTION)
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    other = await sync_to_async(VisitorFactory)(widget=visitor_amy.widget)
    response, _ = await ask(other, PLAN_QUESTION)
    assert response.status_code == 200


async def test_another_visitors_ticket_answers_404(help_centre, visitor_amy, ticket_ben):
    response, _ = await ask(visitor_amy, PLAN_QUESTION, ticket=ticket_ben.pk)
    assert response.status_code == 404


async def test_a_foreign_origin_is_refused(help_centre, visitor_amy):
    response, _ = await ask(visitor_amy, PLAN_QUESTION, origin="https://evil.example")
    assert response.status_code == 403


async def test_no_token_is_refused(help_centre, visitor_amy):
    from django.test import AsyncClient

    response = await AsyncClient().post(
        "/api/widget/assistant/questions/", {"body": "hi"}, content_type="application/json"
    )
    assert response.status_code in {401, 403}


async def test_a_stop_request_ends_the_answer_and_keeps_what_was_written(
    help_centre, visitor_amy, settings
):
    settings.PARLEY = {
        **settings.PARLEY,
        "ASSISTANT": {**settings.PARLEY["ASSISTANT"], "EXTRACTIVE_PACE": 0.05},
    }
    stream = await open_question(visitor_amy, PLAN_QUESTION)
    question = await stream.next_event()
    first = await stream.next_event()
    assert first["type"] == "token"
    response = await sync_to_async(visitor_api(visitor_amy).post)(
        f"/api/widget/assistant/questions/{question['message']['id']}/stop/",
        HTTP_ORIGIN="https://shop.example",
    )
    assert response.status_code == 202
    frames = [frame async for frame in stream.rest()]
    done = frames[-1]
    assert done["outcome"] == "stopped"
    written = first["text"] + "".join(f["text"] for f in frames if f["type"] == "token")
    assert done["message"]["sender"]["type"] == "bot"
    full = await sync_to_async(lambda: retrieval.search(PLAN_QUESTION, "en")[0].text)()
    assert len(written) < len(full)
    assert done["message"]["body"].startswith(written.strip())


async def test_the_stop_endpoint_takes_only_your_own_questions(help_centre, visitor_amy, ann_api):
    _, frames = await ask(visitor_amy, PLAN_QUESTION)
    question_id = frames[0]["message"]["id"]
    response = await sync_to_async(ann_api.post)(
        f"/api/widget/assistant/questions/{question_id}/stop/",
        HTTP_ORIGIN="https://shop.example",
    )
    assert response.status_code == 404

    response = await sync_to_async(visitor_api(visitor_amy).post)(
        f"/api/widget/assistant/questions/{question_id}/stop/",
        HTTP_ORIGIN="https://shop.example",
    )
    assert response.status_code == 202


async def test_a_visitor_who_leaves_mid_answer_still_gets_it_stored_for_the_replay(
    help_centre, visitor_amy, settings
):
    from chat.assistant import answering

    settings.PARLEY = {
        **settings.PARLEY,
        "ASSISTANT": {**settings.PARLEY["ASSISTANT"], "EXTRACTIVE_PACE": 0.02},
    }
    stream = await open_question(visitor_amy, PLAN_QUESTION)
    question = await stream.next_event()
    assert (await stream.next_event())["type"] == "token"
    await stream.chunks.aclose()  # the connection drops, as Django closes the body
    for task in list(answering._running):
        await task

    @sync_to_async
    def stored():
        return list(
            Message.objects.filter(ticket_id=question["ticket"]).values_list("sender_type", "body")
        )

    lines = await stored()
    assert [kind for kind, _ in lines] == ["visitor", "bot"]
    assert "Settings, then Billing" in lines[1][1]
