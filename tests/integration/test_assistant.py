"""The knowledge base and the assistant across real processes: the index is built
by a real worker and read by every server, an edit reaches a server that had
loaded the old index, and an answer streamed by one server is stopped through
another (the stop flag is in the shared Redis cache)."""

import json
import time

import httpx
import pytest

from ..processes import post_json
from .conftest import services_stack

pytestmark = pytest.mark.integration

PLAN_QUESTION = "How do I change my plan?"


@pytest.fixture(scope="module")
def assistant_stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assistant")
    # Slow pieces, so a stop sent through the other server lands mid-answer.
    with services_stack(tmp, PARLEY_ASSISTANT_EXTRACTIVE_PACE="0.2") as stack:
        stack.start_celery()
        stack.start_servers("a", "b")
        yield stack


def search(stack, server: str, query: str) -> list[dict]:
    response = httpx.get(
        stack.http(server, "/api/widget/articles/"), params={"key": "demo", "q": query}, timeout=10
    )
    response.raise_for_status()
    return response.json()["results"]


def eventually(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def visitor_token(stack, server: str) -> str:
    return post_json(stack.http(server, "/api/widget/session/"), {"key": "demo"})["token"]


def test_the_worker_builds_the_index_and_every_server_reads_it(assistant_stack):
    stack = assistant_stack
    for server in ("a", "b"):
        found = eventually(lambda server=server: search(stack, server, "change my plan"))
        assert found[0]["title"] == "How do I change my plan?"

    # An edit, saved as admin would: the worker rebuilds, and a server that had
    # loaded the old index notices the new version.
    stack.manage(
        "shell",
        "-c",
        "from helpdesk.knowledge.models import Article; "
        "a = Article.objects.get(language='en', slug='export-your-data'); "
        "a.body += '\\n\\n## Zebra exports\\n\\nZebra stripes come as a spreadsheet.'; a.save()",
    )
    found = eventually(lambda: search(stack, "a", "zebra stripes"))
    assert found and found[0]["title"] == "Export your data as CSV or PDF"


def test_an_answer_streamed_by_one_server_is_stopped_through_the_other(assistant_stack):
    stack = assistant_stack
    eventually(lambda: search(stack, "b", "change my plan"))
    token = visitor_token(stack, "b")
    headers = {"Authorization": f"Visitor {token}"}
    events = []
    with httpx.stream(
        "POST",
        stack.http("b", "/api/widget/assistant/questions/"),
        json={"body": PLAN_QUESTION},
        headers=headers,
        timeout=30,
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            events.append(event)
            if event["type"] == "token" and len([e for e in events if e["type"] == "token"]) == 2:
                stopped = post_json(
                    stack.http(
                        "a", f"/api/widget/assistant/questions/{events[0]['message']['id']}/stop/"
                    ),
                    {},
                    headers,
                )
                assert stopped["stopping"] is True
            if event["type"] == "done":
                break
    done = events[-1]
    assert done["outcome"] == "stopped"
    history = httpx.get(
        stack.http("a", f"/api/widget/tickets/{done['ticket']}/messages/"),
        headers=headers,
        timeout=10,
    ).json()
    bodies = [(m["sender"]["type"], m["body"]) for m in history["messages"]]
    assert bodies[0] == ("visitor", PLAN_QUESTION)
    # What was written before the stop, stored as the bot's line.
    written = "".join(e["text"] for e in events if e["type"] == "token").strip()
    assert bodies[1][0] == "bot"
    assert bodies[1][1].startswith(written + "\n\nSources:")
