"""Backups with pg_dump and a restore check: the dump, a manifest of row counts, and a restore into an empty
database that compares the row counts of every table (README "Backups")."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Connection parameters of a PostgreSQL database, as libpq tools take them."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> Target:
        if settings_dict["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError("备份与恢复需要 PostgreSQL（设置 DATABASE_URL=postgres://…）。")
        return cls(
            name=settings_dict["NAME"],
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
        )

    def args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args

    def env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None):
        return psycopg.connect(
            dbname=dbname or self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            autocommit=True,
        )


def table_counts(cursor) -> dict[str, int]:
    """Row counts of every table in the public schema."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # names come from the catalogue, not from input
        counts[table] = cursor.fetchone()[0]
    return counts


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".counts.json")


def backup(out: Path) -> dict[str, int]:
    """pg_dump -Fc the default database to ``out`` and write the row counts beside it.

    The counts and the dump read the same snapshot: a REPEATABLE READ transaction exports its snapshot,
    counts every table, and pg_dump runs with ``--snapshot`` while that transaction stays open, so the
    manifest matches the dump exactly even on a busy site.
    """
    target = Target.from_settings(connection.settings_dict)
    out = Path(out)
    with target.connect() as conn:
        conn.autocommit = False
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = table_counts(cursor)
            result = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(out),
                    *target.args(),
                    target.name,
                ],
                env=target.env(),
                capture_output=True,
                text=True,
            )
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    manifest_path(out).write_text(json.dumps(counts, ensure_ascii=False, indent=2), encoding="utf-8")
    return counts


def restore_and_compare(dump: Path, target: Target) -> list[str]:
    """Restore ``dump`` into the EMPTY database ``target`` and compare every table's row count with the
    manifest. Returns the differences (empty when the restore is complete); raises if the target is not empty."""
    dump = Path(dump)
    expected = json.loads(manifest_path(dump).read_text(encoding="utf-8"))
    with target.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        if cursor.fetchone()[0]:
            raise BackupError(f"目标数据库 {target.name} 不是空库，恢复前请先新建一个空数据库。")
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target.name, *target.args(), str(dump)],
        env=target.env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
    with target.connect() as conn, conn.cursor() as cursor:
        actual = table_counts(cursor)
    differences = []
    for table in sorted(set(expected) | set(actual)):
        if expected.get(table) != actual.get(table):
            differences.append(
                f"{table}: 备份 {expected.get(table, '无此表')} 行，恢复后 {actual.get(table, '无此表')} 行"
            )
    return differences
