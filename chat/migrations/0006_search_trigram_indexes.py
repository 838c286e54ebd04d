"""Trigram indexes for the agents' search on PostgreSQL (chat/search.py): a term is
looked for as a substring (``icontains``) in the ticket's subject and the
visitor's name and email, which without them reads every ticket and every
visitor for each search: 0.3 s for a rare word at 10^5 tickets
(docs/benchmarks.md, "History and inbox at scale"). The expressions are what
``icontains`` compares, ``UPPER(column::text)``; change both together. pg_trgm ships
with PostgreSQL and is a trusted extension: the database's owner may create it.
SQLite searches by scanning and gets none of this."""

from django.db import migrations

INDEXES = [
    ("helpdesk_ticket", "subject", "ticket_subject_trgm"),
    ("helpdesk_visitor", "name", "visitor_name_trgm"),
    ("helpdesk_visitor", "email", "visitor_email_trgm"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, name in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_transcript_request_on_end"),
        ("helpdesk", "0007_ticket_recent_change_indexes"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
