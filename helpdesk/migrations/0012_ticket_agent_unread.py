from django.db import migrations, models
from django.db.models import Count, Q

BATCH = 500


def count_unread(apps, schema_editor):
    """Tickets from before the count was kept: what their agents have not read,
    less the system lines, from their messages."""
    Ticket = apps.get_model("helpdesk", "Ticket")
    Message = apps.get_model("chat", "Message")
    behind = Ticket.objects.filter(last_seq__gt=models.F("agent_seen_seq")).order_by("pk")
    changed = []
    for ticket in behind.only("pk", "agent_seen_seq").iterator(chunk_size=BATCH):
        ticket.agent_unread = Message.objects.filter(
            ticket_id=ticket.pk, seq__gt=ticket.agent_seen_seq
        ).aggregate(n=Count("pk", filter=~Q(sender_type="system")))["n"]
        changed.append(ticket)
        if len(changed) == BATCH:
            Ticket.objects.bulk_update(changed, ["agent_unread"])
            changed = []
    Ticket.objects.bulk_update(changed, ["agent_unread"])


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0011_verified_identity"),
        ("chat", "0006_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="agent_unread",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_unread, migrations.RunPython.noop),
    ]
