import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from chat import events
from chat.models import Message
from chat.openings import visitor_opening
from chat.services import Sender, mark_seen, post_message, start_conversation
from helpdesk.models import Ticket

from ..factories import TicketFactory


def visitor_says(ticket, body, client_id=None):
    return post_message(
        ticket=ticket, sender=Sender.for_visitor(ticket.visitor), body=body, client_id=client_id
    )


def agent_says(ticket, agent, body, *, internal=False, client_id=None):
    return post_message(
        ticket=ticket,
        sender=Sender.for_agent(agent.user, agent.display_name),
        body=body,
        internal=internal,
        client_id=client_id,
    )


def test_messages_are_numbered_from_one_without_gaps(ticket_ann, agent_bob):
    seqs = [visitor_says(ticket_ann, "hi").seq, agent_says(ticket_ann, agent_bob, "hello").seq]
    seqs.append(agent_says(ticket_ann, agent_bob, "note", internal=True).seq)
    assert seqs == [1, 2, 3]
    ticket_ann.refresh_from_db()
    assert ticket_ann.last_seq == 3


def test_each_ticket_has_its_own_sequence(ticket_ann, ticket_ben):
    visitor_says(ticket_ann, "one")
    visitor_says(ticket_ann, "two")
    assert visitor_says(ticket_ben, "first").seq == 1


def test_repeated_client_id_returns_the_stored_message(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = visitor_says(ticket_ann, "hello", client_id="c-1")
    with django_capture_on_commit_callbacks(execute=True):
        again = visitor_says(ticket_ann, "hello (resent)", client_id="c-1")
    assert again.pk == first.pk
    assert again.body == "hello"
    assert Message.objects.filter(ticket=ticket_ann).count() == 1
    # To the ticket's watchers and Ann, then the inbox; the resend tells nobody.
    assert [event["type"] for _, event in broadcasts] == [
        "message.new",
        "message.new",
        "ticket.activity",
    ]


def test_a_resend_takes_no_seq(ticket_ann):
    visitor_says(ticket_ann, "one", client_id="c-1")
    visitor_says(ticket_ann, "one (resent)", client_id="c-1")
    assert visitor_says(ticket_ann, "two", client_id="c-2").seq == 2
    ticket_ann.refresh_from_db()
    assert (ticket_ann.last_seq, ticket_ann.agent_unread) == (2, 2)


def test_a_resend_to_a_ticket_closed_since_gets_its_first_copy(ticket_ann):
    first = visitor_says(ticket_ann, "bye", client_id="c-1")
    Ticket.objects.filter(pk=ticket_ann.pk).update(status=Ticket.Status.CLOSED)
    # The ack was lost as the chat closed: the resend is answered, not refused.
    assert visitor_says(ticket_ann, "bye", client_id="c-1").pk == first.pk
    with pytest.raises(ValidationError) as caught:
        visitor_says(ticket_ann, "one more", client_id="c-2")
    assert caught.value.code == "ticket_closed"


def test_a_resend_inside_a_larger_change_leaves_the_rest_of_it(ticket_ann, agent_bob):
    first = agent_says(ticket_ann, agent_bob, "on it", client_id="a-1")
    with transaction.atomic():
        again = agent_says(ticket_ann, agent_bob, "on it", client_id="a-1")
        Ticket.objects.filter(pk=ticket_ann.pk).update(priority=Ticket.Priority.HIGH)
    assert again.pk == first.pk
    ticket_ann.refresh_from_db()
    assert (ticket_ann.priority, ticket_ann.last_seq) == (Ticket.Priority.HIGH, 1)


def test_a_message_that_changes_nothing_else_tells_inboxes_only_what_it_moves(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = visitor_says(ticket_ann, "still there?")
    inbox = [event for groups, event in broadcasts if groups == [events.AGENTS_GROUP]]
    ticket_ann.refresh_from_db()
    assert inbox == [
        {
            "type": "ticket.activity",
            "ticket": ticket_ann.pk,
            "last_seq": message.seq,
            "last_message_at": ticket_ann.last_message_at.isoformat(),
            "waiting_since": ticket_ann.waiting_since.isoformat(),
            "agent_unread": ticket_ann.agent_unread,
        }
    ]


def test_a_message_that_changes_the_ticket_tells_inboxes_the_whole_row(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    ticket_ann.tags.create(name="billing")
    Ticket.objects.filter(pk=ticket_ann.pk).update(status=Ticket.Status.RESOLVED)
    with django_capture_on_commit_callbacks(execute=True):
        visitor_says(ticket_ann, "one more thing")
    inbox = [event for groups, event in broadcasts if groups == [events.AGENTS_GROUP]]
    assert [event["type"] for event in inbox] == ["ticket.updated"]
    assert inbox[0]["ticket"]["status"] == Ticket.Status.OPEN
    assert inbox[0]["ticket"]["tags"] == ["billing"]


def test_same_client_id_on_two_tickets_is_two_messages(ticket_ann, visitor_ann):
    other = Ticket.objects.create(visitor=visitor_ann)
    visitor_says(ticket_ann, "a", client_id="same")
    visitor_says(other, "b", client_id="same")
    assert Message.objects.filter(client_id="same").count() == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_body"),
        ("   \n\t ", "empty_body"),
        ("x" * 5001, "body_too_long"),
        (None, "invalid_body"),
        (["list"], "invalid_body"),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(ticket_ann, body, code):
    with pytest.raises(ValidationError) as caught:
        visitor_says(ticket_ann, body)
    assert caught.value.code == code
    ticket_ann.refresh_from_db()
    assert ticket_ann.last_seq == 0
    assert not Message.objects.exists()


@pytest.mark.parametrize("client_id", ["", "x" * 65, 42])
def test_bad_client_ids_are_refused(ticket_ann, client_id):
    with pytest.raises(ValidationError) as caught:
        visitor_says(ticket_ann, "hi", client_id=client_id)
    assert caught.value.code == "invalid_client_id"


def test_body_is_stored_as_given_text_with_edges_trimmed(ticket_ann):
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert visitor_says(ticket_ann, f"  {hostile}\n").body == hostile


def test_visitors_cannot_write_internal_notes(ticket_ann):
    with pytest.raises(ValidationError) as caught:
        post_message(
            ticket=ticket_ann,
            sender=Sender.for_visitor(ticket_ann.visitor),
            body="sneaky",
            internal=True,
        )
    assert caught.value.code == "forbidden_internal"


def test_a_closed_ticket_refuses_messages(ticket_ann):
    Ticket.objects.filter(pk=ticket_ann.pk).update(status=Ticket.Status.CLOSED)
    with pytest.raises(ValidationError) as caught:
        visitor_says(ticket_ann, "anyone?")
    assert caught.value.code == "ticket_closed"


def test_internal_notes_are_broadcast_to_agents_only(
    ticket_ann, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agent_says(ticket_ann, agent_bob, "careful with this one", internal=True)
    sent = [(event["type"], groups) for groups, event in broadcasts]
    assert ("message.new", [events.ticket_group(ticket_ann.pk)]) in sent
    assert ("ticket.activity", [events.AGENTS_GROUP]) in sent
    # Ann hears nothing of the note.
    assert not [
        groups for _, groups in sent if groups == [events.visitor_group(ticket_ann.visitor_id)]
    ]


def test_public_messages_reach_the_visitor_and_the_ticket_watchers(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = visitor_says(ticket_ann, "hello")
    payload = events.message_payload(message)
    frame = {"type": "message.new", "ticket": ticket_ann.pk, "prev_seq": 0, "message": payload}
    assert broadcasts[:2] == [
        ([events.ticket_group(ticket_ann.pk)], frame),
        ([events.visitor_group(ticket_ann.visitor_id)], frame),
    ]


def test_visitors_are_told_the_previous_message_they_can_see(
    ticket_ann, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visitor_says(ticket_ann, "one")
        agent_says(ticket_ann, agent_bob, "note", internal=True)
        agent_says(ticket_ann, agent_bob, "note again", internal=True)
        agent_says(ticket_ann, agent_bob, "four")
    prev_seqs = {
        (groups[0].split("-")[0], event["message"]["seq"]): event["prev_seq"]
        for groups, event in broadcasts
        if event["type"] == "message.new"
    }
    assert prev_seqs == {
        ("ticket", 1): 0,
        ("visitor", 1): 0,
        ("ticket", 2): 1,
        ("ticket", 3): 2,
        ("ticket", 4): 3,
        ("visitor", 4): 1,  # the notes in between are not the visitor's to miss
    }
    ticket_ann.refresh_from_db()
    assert (ticket_ann.last_seq, ticket_ann.last_public_seq) == (4, 4)


def test_nothing_is_broadcast_when_the_transaction_rolls_back(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        visitor_says(ticket_ann, "lost")
        raise RuntimeError
    assert broadcasts == []
    assert not Message.objects.exists()


def test_first_agent_reply_opens_the_ticket_and_records_first_response(ticket_ann, agent_bob):
    visitor_says(ticket_ann, "help")
    agent_says(ticket_ann, agent_bob, "note first", internal=True)
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.NEW
    assert ticket_ann.first_response_at is None

    agent_says(ticket_ann, agent_bob, "on it")
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.OPEN
    assert ticket_ann.first_response_at is not None


def test_a_visitor_writing_again_reopens_a_resolved_ticket(ticket_ann):
    Ticket.objects.filter(pk=ticket_ann.pk).update(status=Ticket.Status.RESOLVED)
    visitor_says(ticket_ann, "actually, one more thing")
    ticket_ann.refresh_from_db()
    assert ticket_ann.status == Ticket.Status.OPEN


def test_start_conversation_retried_opens_one_ticket(visitor_ann):
    first = start_conversation(visitor=visitor_ann, body="Where is my order?", client_id="c-1")
    again = start_conversation(visitor=visitor_ann, body="Where is my order?", client_id="c-1")
    assert again.pk == first.pk
    assert Ticket.objects.filter(visitor=visitor_ann).count() == 1
    assert first.ticket.subject == "Where is my order?"
    assert first.ticket.channel == Ticket.Channel.CHAT


def test_start_conversation_refuses_a_bad_body_without_opening_a_ticket(visitor_ann):
    with pytest.raises(ValidationError):
        start_conversation(visitor=visitor_ann, body=" ")
    assert not Ticket.objects.exists()


def test_read_receipts_never_move_backwards_or_past_the_end(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    for body in ["a", "b", "c"]:
        visitor_says(ticket_ann, body)
    ticket_ann.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_seen(ticket=ticket_ann, side="agent", seq=2) == 2
        assert mark_seen(ticket=ticket_ann, side="agent", seq=1) == 2
        assert mark_seen(ticket=ticket_ann, side="agent", seq=99) == 3
    to_agents = [event for groups, event in broadcasts if groups == [events.AGENTS_GROUP]]
    assert to_agents[-1] == {
        "type": "seen",
        "ticket": ticket_ann.pk,
        "side": "agent",
        "seq": 3,
        "unread": 0,
    }


def system_says(ticket, body):
    return post_message(ticket=ticket, sender=Sender.system(), body=body, internal=True)


def unread(ticket):
    ticket.refresh_from_db()
    return events.ticket_payload(ticket)["agent_unread"]


def test_unread_counts_what_people_wrote_not_the_threads_system_lines(ticket_ann, agent_bob):
    """One visitor message and "Assigned automatically" is one unread, not two."""
    first = visitor_says(ticket_ann, "Is anyone there?")
    system_says(ticket_ann, "Assigned to Bob automatically")
    assert unread(ticket_ann) == 1
    # A colleague's note is something to read; a status line is not.
    agent_says(ticket_ann, agent_bob, "Checking the order", internal=True)
    system_says(ticket_ann, "Bob set the status to open")
    assert unread(ticket_ann) == 2
    # Reading counts again from where the agent got to.
    mark_seen(ticket=ticket_ann, side="agent", seq=first.seq)
    assert unread(ticket_ann) == 1
    mark_seen(ticket=ticket_ann, side="agent", seq=ticket_ann.last_seq)
    assert unread(ticket_ann) == 0
    system_says(ticket_ann, "Transferred to Cat")
    assert unread(ticket_ann) == 0
    visitor_says(ticket_ann, "Hello?")
    assert unread(ticket_ann) == 1


def test_tickets_from_before_the_count_get_it_from_their_messages(
    ticket_ann, ticket_ben, agent_bob
):
    from importlib import import_module

    from django.apps import apps

    count_unread = import_module("helpdesk.migrations.0012_ticket_agent_unread").count_unread
    first = visitor_says(ticket_ann, "a")
    system_says(ticket_ann, "Assigned to Bob automatically")
    agent_says(ticket_ann, agent_bob, "a note", internal=True)
    visitor_says(ticket_ben, "b")
    mark_seen(ticket=ticket_ben, side="agent", seq=1)
    mark_seen(ticket=ticket_ann, side="agent", seq=first.seq - 1)
    Ticket.objects.update(agent_unread=0)
    count_unread(apps, None)
    assert (unread(ticket_ann), unread(ticket_ben)) == (2, 0)


def test_the_agents_seen_frame_carries_the_new_unread_count(
    ticket_ann, broadcasts, django_capture_on_commit_callbacks
):
    first = visitor_says(ticket_ann, "a")
    visitor_says(ticket_ann, "b")
    system_says(ticket_ann, "Assigned to Bob automatically")
    with django_capture_on_commit_callbacks(execute=True):
        mark_seen(ticket=ticket_ann, side="agent", seq=first.seq)
    seen = {tuple(groups): event for groups, event in broadcasts if event["type"] == "seen"}
    assert seen[(events.AGENTS_GROUP,)] == {
        "type": "seen",
        "ticket": ticket_ann.pk,
        "side": "agent",
        "seq": first.seq,
        "unread": 1,
    }
    # The visitor hears only how far the agent read.
    assert "unread" not in seen[(events.visitor_group(ticket_ann.visitor_id),)]


def test_an_agent_reading_internal_notes_does_not_reveal_them_to_the_visitor(
    ticket_ann, agent_bob, broadcasts, django_capture_on_commit_callbacks
):
    visitor_says(ticket_ann, "a")
    agent_says(ticket_ann, agent_bob, "note", internal=True)
    ticket_ann.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_seen(ticket=ticket_ann, side="agent", seq=2) == 2
    sent = {tuple(groups): event["seq"] for groups, event in broadcasts if event["type"] == "seen"}
    assert sent == {
        (events.AGENTS_GROUP,): 2,
        (events.visitor_group(ticket_ann.visitor_id),): 1,
    }
    ticket_ann.refresh_from_db()
    assert events.visitor_ticket_payload(ticket_ann)["agent_seen_seq"] == 1


def test_a_resume_reads_each_ticket_once(visitor_ann, django_assert_num_queries):
    tickets = [TicketFactory(visitor=visitor_ann) for _ in range(3)]
    for ticket in tickets:
        visitor_says(ticket, "hi")
    resume = {ticket.pk: 0 for ticket in tickets}
    # touch the visitor, list their tickets, then per ticket its place in the queue
    # (none has an agent yet) and one history read
    with django_assert_num_queries(2 + 2 * len(tickets)):
        frames = visitor_opening(visitor_ann, resume, agents_online=False)
    assert [frame["type"] for frame in frames] == ["welcome"] + ["message.new"] * 3


@pytest.mark.parametrize(
    ("body", "client_id", "code"),
    [("a\0b", "c-1", "invalid_body"), ("hello", "c\0", "invalid_client_id")],
)
def test_a_nul_character_is_refused_not_stored(ticket_ann, body, client_id, code):
    # PostgreSQL can't store U+0000 in text: it was a server error there.
    with pytest.raises(ValidationError) as caught:
        visitor_says(ticket_ann, body, client_id=client_id)
    assert caught.value.code == code
    assert not Message.objects.filter(ticket=ticket_ann).exists()
