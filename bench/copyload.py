"""Bulk loading for the benchmark: PostgreSQL ``COPY … FROM STDIN`` through psycopg, model-aware.

``Loader.add(model, **values)`` queues one row; every ``flush()`` copies the queued rows table by table.
Columns the generator does not give are filled with the model field's Python default, so a field another
app adds later (with a default) does not break the load; a new required field without a default stops it
with a clear message instead of writing a wrong row. Primary keys are given by the generator (it needs
them for references between rows); ``reset_sequences()`` moves each table's identity past them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


@dataclass
class _Table:
    name: str
    columns: list[str]  # database columns, in order
    attnames: list[str]  # model attribute names, same order
    defaults: dict  # attname -> default value for columns the caller may leave out
    required: set  # attnames that must be given
    json_fields: set


class Loader:
    def __init__(self, batch_rows: int = 50_000):
        self.batch_rows = batch_rows
        self._tables: dict[type[models.Model], _Table] = {}
        self._rows: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self._queued = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.touched: set[type[models.Model]] = set()

    def _table(self, model: type[models.Model]) -> _Table:
        table = self._tables.get(model)
        if table is not None:
            return table
        columns, attnames, defaults, required, json_fields = [], [], {}, set(), set()
        for field in model._meta.concrete_fields:
            columns.append(field.column)
            attnames.append(field.attname)
            if isinstance(field, models.JSONField):
                json_fields.add(field.attname)
            if field.has_default():
                defaults[field.attname] = field.get_default()
            elif field.null:
                defaults[field.attname] = None
            elif getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                raise RuntimeError(f"{model._meta.label}.{field.name}: db_default columns are not supported here")
            elif isinstance(field, models.CharField | models.TextField) and field.blank:
                defaults[field.attname] = ""
            else:
                required.add(field.attname)
        table = _Table(model._meta.db_table, columns, attnames, defaults, required, json_fields)
        self._tables[model] = table
        return table

    def add(self, model: type[models.Model], **values) -> None:
        table = self._table(model)
        missing = table.required - values.keys()
        if missing:
            raise RuntimeError(
                f"bench generator: {model._meta.label} needs {sorted(missing)} (a new required field? "
                "teach bench/generate.py to fill it)"
            )
        row = []
        for attname in table.attnames:
            value = values[attname] if attname in values else table.defaults[attname]
            if attname in table.json_fields and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            row.append(value)
        self._rows[model].append(tuple(row))
        self._queued += 1
        if self._queued >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self._queued:
            return
        with connection.cursor() as cursor:
            for model, rows in self._rows.items():
                if not rows:
                    continue
                table = self._tables[model]
                columns = ", ".join(f'"{c}"' for c in table.columns)
                with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                self.counts[table.name] += len(rows)
                self.touched.add(model)
                rows.clear()
        self._queued = 0

    def reset_sequences(self) -> None:
        """Move the identity of every loaded table past the largest id written."""
        with connection.cursor() as cursor:
            for model in self.touched:
                pk = model._meta.pk
                if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
                    continue
                table = model._meta.db_table
                cursor.execute(
                    f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX("{pk.column}") '
                    f'FROM "{table}"), 1))',
                    [table, pk.column],
                )
