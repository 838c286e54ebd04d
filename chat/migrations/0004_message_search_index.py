"""A full-text index over message bodies for the agents' search, on PostgreSQL
only: it is an expression only PostgreSQL understands, and SQLite's search scans
instead (chat/search.py). The expression is chat.search.message_document's."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def index():
    return GinIndex(SearchVector("body", config="simple"), name="chat_message_body_search")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("chat", "Message"), index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("chat", "Message"), index())


class Migration(migrations.Migration):
    dependencies = [("chat", "0003_message_attachment")]

    operations = [migrations.RunPython(add_index, remove_index)]
