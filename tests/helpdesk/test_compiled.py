"""A lookup compiled once (helpdesk.compiled.CompiledGet) reads what the ORM's own
``get`` reads: every field, and the related rows it selects, nulls included."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from chat.selectors import INBOX_RELATED
from helpdesk.compiled import CompiledGet
from helpdesk.models import Team, Ticket

from ..factories import TicketFactory, VisitorFactory

pytestmark = pytest.mark.django_db

LOCKED = Ticket.objects.select_for_update(of=("self",)).select_related(*INBOX_RELATED)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def as_the_orm_reads(ticket: Ticket) -> dict:
    return {
        "ticket": fields(ticket),
        "visitor": fields(ticket.visitor),
        "assignee": ticket.assignee and fields(ticket.assignee),
        "profile": ticket.assignee and fields(ticket.assignee.agent_profile),
        "team": ticket.team and fields(ticket.team),
    }


@transaction.atomic
def test_every_field_and_related_row_is_read_as_the_orm_reads_them(agent_cat):
    visitor = VisitorFactory(
        name="<b>Dora</b>", email="dora@example.com", attributes={"plan": "pro"}
    )
    full = TicketFactory(
        visitor=visitor, assignee=agent_cat.user, team=Team.objects.create(name="Billing")
    )
    bare = TicketFactory()  # no assignee, no team: the outer joins' nulls
    compiled = CompiledGet(LOCKED)

    for ticket in (full, bare, full):  # the second read of one ticket runs the same SQL
        with CaptureQueriesContext(connection) as queries:
            read = compiled.get(ticket.pk)
            assert read._state.adding is False and read._state.db == "default"
            got = as_the_orm_reads(read)  # and reading the related rows asks nothing more
        assert len(queries) == 1
        assert got == as_the_orm_reads(LOCKED.get(pk=ticket.pk))
    assert "ORDER BY" not in queries[0]["sql"]


@transaction.atomic
def test_a_missing_or_malformed_key_fails_as_get_does(ticket_ann):
    compiled = CompiledGet(LOCKED)
    with pytest.raises(Ticket.DoesNotExist):
        compiled.get(ticket_ann.pk + 1000)
    with pytest.raises(ValueError):
        compiled.get("1; DROP TABLE helpdesk_ticket")
    assert compiled.get(str(ticket_ann.pk)).pk == ticket_ann.pk


@pytest.mark.django_db(transaction=True)  # no test-wide transaction around it
def test_a_lock_outside_a_transaction_is_refused_where_the_database_locks(ticket_ann):
    compiled = CompiledGet(LOCKED)
    with transaction.atomic():
        compiled.get(ticket_ann.pk)  # compiled already: the check is not the compiler's
    if not connection.features.has_select_for_update:
        assert compiled.get(ticket_ann.pk).pk == ticket_ann.pk  # SQLite: no locks to hold
        return
    with pytest.raises(TransactionManagementError):
        compiled.get(ticket_ann.pk)


@transaction.atomic
def test_a_queryset_with_filters_of_its_own_is_refused(ticket_ann):
    with pytest.raises(ValueError, match="nothing but the key"):
        CompiledGet(Ticket.objects.filter(status="open")).get(ticket_ann.pk)
