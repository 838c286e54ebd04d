"""The inbox pages by latest change, ``-updated_at, -id`` (agents/api.py), in
every view. The index on ``(status, -updated_at)`` could serve that order for one
status only, so the resolved view (two statuses) and the open views (three) sorted
every matching ticket for each page: 0.3 s at 10^5 tickets (docs/benchmarks.md,
"History and inbox at scale"). These two indexes hold the page's order itself."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0006_assistant")]

    operations = [
        migrations.RemoveIndex(model_name="ticket", name="helpdesk_ti_status_054357_idx"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["-updated_at", "-id"], name="ticket_recent_change"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(status__in=["new", "open", "pending"]),
                fields=["-updated_at", "-id"],
                name="ticket_open_recent_change",
            ),
        ),
    ]
