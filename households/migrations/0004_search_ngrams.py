"""One- and two-character name searches from an index, PostgreSQL only (minqing.search.contains).

Trigram indexes (0003) need a term of three characters; most Chinese names have two, and a clerk types a
surname and one character. ``minqing_ngrams(text)`` gives a name's single characters and pairs of adjacent
characters (upper-cased): "王国强" → {王, 国, 强, 王国, 国强}. A term of one or two characters occurs in a name
exactly when it is one of them, so ``minqing_ngrams(name) @> ARRAY[term]`` is the same test as
``UPPER(name) LIKE '%TERM%'``, answered from a GIN index on the function (~2 ms instead of ~270 ms for
250,000 households and 750,000 people; bench/county.py). SQLite keeps the plain LIKE.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION minqing_ngrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(upper(value), i, n)), '{}')
    FROM generate_series(1, 2) AS n, generate_series(1, char_length(value)) AS i
    WHERE i + n - 1 <= char_length(value)
$$
"""

INDEXES = [
    ("households_household", "household_head_name_ngrams", "head_name"),
    ("households_person", "person_name_ngrams", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (minqing_ngrams("{column}"::text))'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS minqing_ngrams(text)")


class Migration(migrations.Migration):
    dependencies = [("households", "0003_search_trigram")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
