"""Fuzzing the widget and agent APIs from the schema they serve (/api/schema/):
no request schemathesis can make gets a 500, and every documented answer
matches its schema.

Bounded for CI: a few examples per operation, derandomized so a run is the
same every time, no deadline (the first request of a test also pays for
Django's warm-up)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from chat.visitor_auth import visitor_token

from ..factories import AgentFactory, TicketFactory, VisitorFactory

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    # One address makes every request here: the limits would answer most with 429.
    settings.PARLEY = {
        **settings.PARLEY,
        "RATE_LIMITS": {
            scope: {"ip": "", "visitor": ""} for scope in settings.PARLEY["RATE_LIMITS"]
        },
    }


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    # The requests go to the WSGI handler itself, which closes the database
    # connection after each one: inside the test's transaction that would leave
    # the next request without a connection (on PostgreSQL; SQLite's in-memory
    # database is never closed). Django's test client keeps it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def people(widget, db):
    """A visitor with a ticket, and an agent with an API token, for the calls to
    be made as."""
    ticket = TicketFactory(visitor=VisitorFactory(widget=widget, email="ann@example.com"))
    agent = AgentFactory(display_name="Bob")
    return {
        "ticket": ticket,
        "widget": {"Authorization": f"Visitor {visitor_token(ticket.visitor)}"},
        "agent": {"Authorization": f"Token {Token.objects.create(user=agent.user).key}"},
    }


# Read through Django as a client would read it. (schemathesis' lazy loading
# from a fixture relies on a pytest internal that pytest 9 removed.)
# Random fuzzing only: the coverage phase tries every boundary case of every
# field, minutes of requests per run.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", get_wsgi_application(), config=CONFIG
).include(path_regex=r"^/api/(widget|agent)/")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_500_and_answers_match_the_schema(case, people):
    ticket_id = case.path_parameters.get("ticket_id")
    if isinstance(ticket_id, int) and ticket_id % 2:
        # Half the cases name their own ticket, to get past the 404; the other
        # half keep the generated id (huge ones found a 500 that way).
        case.path_parameters["ticket_id"] = people["ticket"].pk
    if isinstance(case.query, dict) and "wait" in case.query:
        case.query["wait"] = 0  # a long poll would hold each example for seconds
    side = "widget" if case.path.startswith("/api/widget/") else "agent"
    case.call_and_validate(headers=people[side], checks=CHECKS)
