"""The ID-number trigram indexes on ``UPPER(…)``, as the name indexes, PostgreSQL only.

The ledger's search finds part of an ID number with ``icontains`` (``UPPER(id_number) LIKE UPPER('%…%')``), which
these indexes serve. On the bare column (0003) a trigram index also answers ``=``, and on a township-sized
ledger the planner preferred it to the unique B-tree for the importer's exact lookups (``exact_in``): a bitmap
scan of about 6 ms per ID number, two and a half minutes to import 10,000 households of 63 MB of data. On
``UPPER(…)`` it no longer matches ``id_number = …``, and the exact lookups read the B-tree.
"""

from django.db import migrations

OLD = [
    ("households_household", "household_head_id_trgm", '"head_id_number" gin_trgm_ops'),
    ("households_person", "person_id_number_trgm", '"id_number" gin_trgm_ops'),
]
NEW = [
    ("households_household", "household_head_id_upper_trgm", 'UPPER("head_id_number"::text) gin_trgm_ops'),
    ("households_person", "person_id_number_upper_trgm", 'UPPER("id_number"::text) gin_trgm_ops'),
]


def swap(drop, create):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _, name, _ in drop:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        for table, name, expression in create:
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression})')

    return run


class Migration(migrations.Migration):
    dependencies = [("households", "0008_import_township")]

    operations = [migrations.RunPython(swap(OLD, NEW), swap(NEW, OLD), elidable=False)]
