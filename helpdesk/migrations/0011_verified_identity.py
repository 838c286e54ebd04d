import django.db.models
from django.db import migrations, models

import helpdesk.models


def give_each_widget_its_secret(apps, schema_editor):
    """AddField evaluates a callable default once: without this every existing
    widget would share one secret."""
    Widget = apps.get_model("helpdesk", "Widget")
    for widget in Widget.objects.only("pk"):
        widget.identity_secret = helpdesk.models.new_identity_secret()
        widget.save(update_fields=["identity_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0010_reporting_times"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitor",
            name="attributes",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="visitor",
            name="verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="widget",
            name="identity_secret",
            field=models.CharField(
                default=helpdesk.models.new_identity_secret,
                editable=False,
                max_length=80,
                verbose_name="identity secret",
            ),
        ),
        migrations.RunPython(give_each_widget_its_secret, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="visitor",
            constraint=models.UniqueConstraint(
                condition=django.db.models.Q(("external_id", ""), _negated=True),
                fields=("widget", "external_id"),
                name="visitor_one_per_external_id",
            ),
        ),
    ]
