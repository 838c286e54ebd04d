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


def test_the_demo_has_a_help_centre_in_both_languages_and_the_assistant_on(
    django_capture_on_commit_callbacks,
):
    from helpdesk.knowledge import retrieval
    from helpdesk.knowledge.models import Article
    from helpdesk.models import Widget

    # The commit enqueues the index builds; Celery runs them here (eager).
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert Widget.objects.get(key="demo").assistant
    assert Article.objects.filter(language="en", published=True).count() >= 12
    assert Article.objects.filter(language="de", published=True).count() >= 12
    hits = retrieval.search("how do I change my plan?", "en")
    assert hits[0].title == "How do I change my plan?"
