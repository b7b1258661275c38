"""Trigram indexes for the ledger's one search box (households.querysets.HouseholdQuerySet.search), PostgreSQL only.

The search matches names by ``icontains`` (``UPPER(name) LIKE UPPER('%…%')``) and phones and ID numbers by
``contains`` (``LIKE '%…%'``): no B-tree serves a match in the middle of a value, so at county scale (250,000
households, 750,000 people; bench/county.py) every search read both tables, ~370 ms a query. GIN trigram
indexes (pg_trgm) on exactly those expressions let PostgreSQL find a term of three or more characters — a
three-character name, phone digits, part of an ID number — from the index (~3 ms a query once each table is
searched in its own branch; a two-character term still reads the tables: trigrams need three characters).

SQLite (development, tests) has no GIN: there the migration does nothing. The indexes are not in the models'
Meta because Django's Index cannot express them portably; ``makemigrations`` therefore never sees them.
"""

from django.db import migrations

INDEXES = [
    ("households_household", "household_head_name_trgm", 'UPPER("head_name"::text) gin_trgm_ops'),
    ("households_household", "household_phone_trgm", '"phone" gin_trgm_ops'),
    ("households_household", "household_head_id_trgm", '"head_id_number" gin_trgm_ops'),
    ("households_person", "person_name_trgm", 'UPPER("name"::text) gin_trgm_ops'),
    ("households_person", "person_phone_trgm", '"phone" gin_trgm_ops'),
    ("households_person", "person_id_number_trgm", '"id_number" gin_trgm_ops'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name, expression in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("households", "0002_events_access_log")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
