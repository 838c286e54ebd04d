"""On PostgreSQL the search looks a rare term up by its ids and checks a common one
ticket by ticket in page order (chat/search.py). Either way it must find the same
tickets, and it reads a fixed number of queries."""

import pytest

from chat import search
from chat.services import Sender, post_message
from helpdesk.models import Ticket

from ..factories import TicketFactory, VisitorFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

RARE = 10**9  # no term reaches it: every term is looked up by its ids
COMMON = 1  # every term with a hit is checked ticket by ticket


def says(ticket, body, *, agent=None, internal=False):
    sender = Sender.for_agent(agent.user, "Bob") if agent else Sender.for_visitor(ticket.visitor)
    return post_message(ticket=ticket, sender=sender, body=body, internal=internal)


@pytest.fixture
def helpdesk(agent_bob):
    quist = TicketFactory(
        visitor=VisitorFactory(name="Annabel Quist", email="annabel@shop.test"),
        subject="Refund for the blue mugs",
    )
    says(quist, "I would like a refund, order 4411 please")
    says(quist, "Checked: refund approved", agent=agent_bob, internal=True)
    parcel = TicketFactory(visitor=VisitorFactory(name="Bert"), subject="Where is it")
    says(parcel, "The tracking number never worked")
    says(parcel, "Still no parcel, can I get a refund?")
    closed = TicketFactory(visitor=VisitorFactory(name="Cleo"), subject="")
    says(closed, "My order arrived broken")
    Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.RESOLVED)
    # Every subject is fixed: a random one matched "order" in one run.
    quiet = TicketFactory(
        visitor=VisitorFactory(name="Dino", email="dino@refund.test"), subject="Hello"
    )
    says(quiet, "Hello?")
    return {"quist": quist, "parcel": parcel, "closed": closed, "quiet": quiet}


QUERIES = {
    "refund": {"quist", "parcel", "quiet"},  # subject, message, the visitor's email
    "approved": {"quist"},  # an internal note
    "quist": {"quist"},
    "annabel@shop.test": {"quist"},
    '"tracking number"': {"parcel"},
    "number tracking": {"parcel"},
    "refund -parcel": {"quist", "quiet"},
    "order": {"quist", "closed"},
    "4411": {"quist"},
    "nothing-like-this": set(),
}


@pytest.mark.parametrize("common_hits", [RARE, COMMON], ids=["by ids", "in page order"])
@pytest.mark.parametrize("query", list(QUERIES))
def test_both_shapes_find_the_same_tickets(bob_api, helpdesk, monkeypatch, common_hits, query):
    monkeypatch.setattr(search, "COMMON_HITS", common_hits)
    response = bob_api.get("/api/agent/tickets/", {"q": query})
    assert response.status_code == 200
    names = {name for name, ticket in helpdesk.items() if ticket.pk in ids(response)}
    assert names == QUERIES[query]


@pytest.mark.parametrize("common_hits", [RARE, COMMON], ids=["by ids", "in page order"])
def test_both_shapes_keep_the_views_and_the_page_order(bob_api, helpdesk, monkeypatch, common_hits):
    monkeypatch.setattr(search, "COMMON_HITS", common_hits)
    response = bob_api.get("/api/agent/tickets/", {"q": "refund", "view": "all"})
    in_order = sorted(
        (helpdesk[name] for name in ("quist", "parcel", "quiet")),
        key=lambda ticket: (Ticket.objects.get(pk=ticket.pk).updated_at, ticket.pk),
        reverse=True,
    )
    assert ids(response) == [ticket.pk for ticket in in_order]
    response = bob_api.get("/api/agent/tickets/", {"q": "order", "view": "resolved"})
    assert ids(response) == [helpdesk["closed"].pk]


def test_a_search_page_reads_one_query_per_term_more_than_a_view(
    bob_api, helpdesk, django_assert_num_queries
):
    # the agent profile, the page, its tags, the matching snippets; and for each
    # term (wanted or not) the count that picks its shape
    with django_assert_num_queries(4 + 1):
        bob_api.get("/api/agent/tickets/", {"q": "refund"})
    with django_assert_num_queries(4 + 2):
        bob_api.get("/api/agent/tickets/", {"q": "refund -parcel"})


def ids(response) -> list[int]:
    return [ticket["id"] for ticket in response.data["results"]]
