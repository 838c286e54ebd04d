"""The inbox views page by latest change, ``-updated_at, -id``, and on PostgreSQL an
index holds that order for every view, so a page never sorts the whole table
(bench/history.py measures it at 10^5 tickets)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.models import Ticket

from ..factories import TicketFactory

pytestmark = pytest.mark.django_db

VIEWS = ["unassigned", "mine", "all", "resolved", None]


@pytest.fixture
def mixed_inbox(agent_bob):
    """Tickets of every status, half of them Bob's, changed one minute apart in an
    order that interleaves the statuses; two share a change time."""
    now = timezone.now()
    statuses = ["resolved", "new", "closed", "open", "pending", "resolved", "closed", "open"]
    tickets = []
    for n, status in enumerate(statuses * 2):
        ticket = TicketFactory(status=status, assignee=agent_bob.user if n % 2 else None)
        tickets.append(ticket)
        changed = now - timedelta(minutes=n if n != 5 else 4)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=changed)
    return Ticket.objects.filter(pk__in=[t.pk for t in tickets])


def pages(api, view):
    """Every ticket id of a view, paged two at a time by the cursor."""
    url = "/api/agent/tickets/?limit=2" + (f"&view={view}" if view else "")
    seen = []
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += [ticket["id"] for ticket in response.data["results"]]
        url = response.data["next"]
    return seen


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_pages_by_latest_change_then_id_without_gaps_or_repeats(
    bob_api, agent_bob, mixed_inbox, view
):
    expected = {
        "unassigned": mixed_inbox.filter(status__in=["new", "open", "pending"], assignee=None),
        "mine": mixed_inbox.filter(status__in=["new", "open", "pending"], assignee=agent_bob.user),
        "all": mixed_inbox.filter(status__in=["new", "open", "pending"]),
        "resolved": mixed_inbox.filter(status__in=["resolved", "closed"]),
        None: mixed_inbox,
    }[view]
    in_order = sorted(expected, key=lambda t: (t.updated_at, t.pk), reverse=True)
    assert pages(bob_api, view) == [ticket.pk for ticket in in_order]


@pytest.mark.postgres
@pytest.mark.parametrize("view", VIEWS)
def test_postgres_reads_each_view_page_in_index_order_without_sorting(bob_api, mixed_inbox, view):
    with CaptureQueriesContext(connection) as captured:
        bob_api.get("/api/agent/tickets/" + (f"?view={view}" if view else ""))
    [page_query] = [
        q["sql"] for q in captured if 'ORDER BY "helpdesk_ticket"."updated_at"' in q["sql"]
    ]
    with connection.cursor() as cursor:
        # A handful of rows would be read by a scan and a sort; forbid both, and
        # the plan shows whether an index serves this exact query.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {page_query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan
    assert "ticket_recent_change" in plan or "ticket_open_recent_change" in plan, plan
