"""GIN indexes for the case list's search box (PetitionQuerySet.search, minqing.search), PostgreSQL only.

The search matched the summary, the tracking number and the petitioner's name by ``icontains`` and the phone by
``contains``: no B-tree serves a match in the middle of a value, so every search read every case (at 200,000
cases a parallel sequential scan, ~190 ms of SQL). Each searched column gets the index that answers its LIKE —
trigrams (pg_trgm, households 0003) for a term of three characters or more, n-grams (``minqing_ngrams``,
households 0004) for a term of one or two, where trigrams cannot help — so PostgreSQL ORs a few index scans.

SQLite (development, tests) has no GIN: there the migration does nothing. The indexes are not in the model's
Meta because Django's Index cannot express them portably; ``makemigrations`` therefore never sees them.
"""

from django.db import migrations

TABLE = "petitions_petition"
INDEXES = [
    ("petition_summary_trgm", 'UPPER("summary"::text) gin_trgm_ops'),
    ("petition_summary_ngrams", 'minqing_ngrams("summary"::text)'),
    ("petition_name_trgm", 'UPPER("petitioner_name"::text) gin_trgm_ops'),
    ("petition_name_ngrams", 'minqing_ngrams("petitioner_name"::text)'),
    ("petition_number_trgm", 'UPPER("tracking_number"::text) gin_trgm_ops'),
    # The phone is matched by ``contains`` (a case-sensitive LIKE on digits): trigrams of the column itself.
    ("petition_phone_trgm", '"petitioner_phone" gin_trgm_ops'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" USING gin ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0018_directory_public_answers"),
        ("households", "0004_search_ngrams"),  # minqing_ngrams() and pg_trgm
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
