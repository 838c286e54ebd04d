"""post_message under real concurrency: threads with their own PostgreSQL
connections racing on one ticket, and sockets that wait on one another's locks."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connections, transaction

from chat.models import Message
from chat.services import Sender, post_message
from chat.visitor_auth import visitor_token
from helpdesk.models import Ticket

from ..conftest import receive_until, visitor_socket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
MESSAGES_PER_THREAD = 15


def run_in_threads(target, count: int) -> list[BaseException]:
    """Start ``count`` threads together; returns what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_senders_get_unique_gap_free_seqs(visitor_ann):
    ticket = Ticket.objects.create(visitor=visitor_ann)
    sender = Sender.for_visitor(visitor_ann)

    def send_many(index: int) -> None:
        for n in range(MESSAGES_PER_THREAD):
            post_message(
                ticket=ticket, sender=sender, body=f"{index}-{n}", client_id=f"{index}-{n}"
            )

    assert run_in_threads(send_many, THREADS) == []
    total = THREADS * MESSAGES_PER_THREAD
    seqs = list(Message.objects.filter(ticket=ticket).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    ticket.refresh_from_db()
    assert ticket.last_seq == total


def test_the_same_client_id_sent_concurrently_is_stored_once(visitor_ann):
    ticket = Ticket.objects.create(visitor=visitor_ann)
    sender = Sender.for_visitor(visitor_ann)
    stored_ids = []

    def send_same(index: int) -> None:
        message = post_message(ticket=ticket, sender=sender, body="only once", client_id="dup")
        stored_ids.append(message.pk)

    assert run_in_threads(send_same, THREADS) == []
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert len(set(stored_ids)) == 1
    ticket.refresh_from_db()
    assert ticket.last_seq == 1


def test_one_user_signing_in_on_several_devices_at_once_is_one_visitor():
    """The partial unique constraint decides the race; the losers read the winner."""
    from chat.identity import Identity, visitor_identify
    from helpdesk.models import Visitor, Widget

    widget = Widget.objects.create(name="Acme", key="acme-race")
    people: list[str] = []

    def sign_in(index: int) -> None:
        person = visitor_identify(widget=widget, identity=Identity(user_id="ann"), current=None)
        people.append(str(person.pk))

    assert run_in_threads(sign_in, THREADS) == []
    assert len(set(people)) == 1 and len(people) == THREADS
    assert Visitor.objects.filter(widget=widget, external_id="ann").count() == 1


async def test_a_socket_waiting_on_a_locked_ticket_holds_up_no_other_socket(ticket_ann, ticket_ben):
    """Sockets' database work runs on several threads on PostgreSQL
    (helpdesk/db.py): with one, every socket of the process queued behind a write
    that waited, here on a row lock held elsewhere."""
    ann, _ = await visitor_socket(await database_sync_to_async(visitor_token)(ticket_ann.visitor))
    ben, _ = await visitor_socket(await database_sync_to_async(visitor_token)(ticket_ben.visitor))
    locked, release = threading.Event(), threading.Event()

    def hold_anns_ticket() -> None:
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket_ann.pk)
                locked.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_anns_ticket)
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 10)
        await ann.send_json_to(message_send(ticket_ann.pk, "waits for the lock"))
        await ben.send_json_to(message_send(ticket_ben.pk, "goes ahead"))
        assert (await receive_until(ben, "message.ack", timeout=5))[-1]["ticket"] == ticket_ben.pk
        assert await ann.receive_nothing(timeout=0.2)
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 20)
    assert (await receive_until(ann, "message.ack", timeout=5))[-1]["ticket"] == ticket_ann.pk
    await ann.disconnect()
    await ben.disconnect()


def message_send(ticket_id: int, body: str) -> dict:
    return {"type": "message.send", "ticket": ticket_id, "body": body, "client_id": body}
