import pytest
from django.core.management import CommandError, call_command

from agents.models import AgentProfile, CannedResponse
from chat.models import Message
from helpdesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    # pytest-django runs with DEBUG off; seeding is a development tool.
    settings.DEBUG = True


def counts():
    return (
        AgentProfile.objects.count(),
        Ticket.objects.count(),
        Message.objects.count(),
        CannedResponse.objects.count(),
    )


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[0] == 3
    assert "ada" in capsys.readouterr().out


def test_seeded_conversations_have_gap_free_seqs_and_an_internal_note():
    call_command("seed_demo")
    for ticket in Ticket.objects.all():
        seqs = list(ticket.messages.values_list("seq", flat=True))
        assert seqs == list(range(1, ticket.last_seq + 1))
    assert Message.objects.filter(internal=True).exists()


def test_seed_demo_refuses_known_passwords_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert counts() == (0, 0, 0, 0)
