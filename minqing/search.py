"""Text search that an index can answer on PostgreSQL: one home for "does this column contain the term".

``contains(field, term)`` is ``field__icontains=term`` (``UPPER(column) LIKE UPPER('%term%')``). No B-tree serves a
match in the middle of a value, so at county scale a plain LIKE reads the whole table on every search. Two GIN
indexes per searched column answer it instead (created by the migrations that name this module):

- a trigram index (pg_trgm) on ``UPPER(column)`` for a term of three characters or more;
- an n-gram index on ``minqing_ngrams(column)`` — the value's single characters and pairs of adjacent characters,
  upper-cased (households migration 0004 defines the function) — for a term of one or two characters: most
  Chinese names have two, and so has a common word like 路灯. A term of one or two characters occurs in a value
  exactly when it is one of those n-grams, so ``minqing_ngrams(column) @> ARRAY[term]`` gives the same answer
  as the LIKE.

SQLite (development, tests) keeps the plain LIKE; the answers are the same.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection, models
from django.db.models import Q, Value


class NGrams(models.Func):
    """``minqing_ngrams(column)``: a value's characters and pairs of adjacent characters (upper-cased)."""

    function = "minqing_ngrams"
    template = "%(function)s(%(expressions)s::text)"
    output_field = ArrayField(models.TextField())


def contains(field: str, term: str) -> Q:
    """``field__icontains=term``, written so that the column's n-gram index answers a term of one or two
    characters on PostgreSQL (its trigram index answers longer ones as written)."""
    if connection.vendor == "postgresql" and 0 < len(term) < 3:
        return Q(DataContains(NGrams(field), Value([term.upper()], output_field=ArrayField(models.TextField()))))
    return Q(**{f"{field}__icontains": term})
