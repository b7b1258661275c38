"""The demo township for tests that start from it: ``seed_demo()`` runs the real command once per test process,
day and starting point, and after that, on SQLite, copies in the rows it wrote.

``seed_demo`` replays a year of township life through the workflow: about 45 s on a slow CI machine, and some
thirty browser journeys and page crawls start from it. Its result is the same every time on the same day, so the
first run's rows are kept (every table, read with plain SQL) and the tables that differ are written back in one
transaction the next time. That is only done when the database is exactly as it was before that first run (each
table's rows compared); otherwise, and on PostgreSQL (sequences), the real command runs. Tests of ``seed_demo``
itself call the command directly.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

#: (args, day) → [(the tables' rows before a run but RECREATED, every table's columns and rows after it)]: one
#: entry per starting point (a fresh test database; one a transactional test's flush left, without the rows of
#: the data migrations).
_KEPT: dict[tuple, list[tuple[dict, dict]]] = {}


def _tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if not t.startswith("sqlite_"))


def _contents() -> dict[str, tuple[list[str], list[tuple]]]:
    out = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            rows = [tuple(_stored(v) for v in row) for row in cursor.fetchall()]
            out[table] = ([c[0] for c in cursor.description], rows)
    return out


def _stored(value):
    """A value as SQLite stores it: Django's connection turns dates, times and decimals into Python objects on
    reading, and sqlite3 does not take all of them back; their text is what Django wrote."""
    if isinstance(value, dt.date | dt.time | Decimal):
        return str(value)
    return value


def _write(changed: dict[str, tuple[list[str], list[tuple]]]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in changed.items():
            cursor.execute(f'DELETE FROM "{table}"')
            if rows:
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _comparable(contents: dict) -> dict:
    """The contents that must match for the kept rows to apply: all but the content types and permissions, which
    a transactional test's flush recreates under new ids (the kept rows bring their own, with the groups'
    permissions that point at them)."""
    return {t: rows for t, rows in contents.items() if t not in RECREATED}


RECREATED = {"django_content_type", "auth_permission"}


def seed_demo(*args: str) -> None:
    """``manage.py seed_demo *args`` for a test: the real command, or its rows copied in (see above)."""
    if connection.vendor != "sqlite":
        call_command("seed_demo", *args, stdout=io.StringIO())
        return
    from django.contrib.contenttypes.models import ContentType

    key = (args, timezone.localdate())
    now = _contents()
    for before, after in _KEPT.setdefault(key, []):
        if before == _comparable(now):
            _write({t: rows for t, rows in after.items() if now.get(t) != rows})
            ContentType.objects.clear_cache()
            return
    call_command("seed_demo", *args, stdout=io.StringIO())
    _KEPT[key].append((_comparable(now), _contents()))
