"""Backup with pg_dump and restore into an empty database with a row-count comparison (PostgreSQL only)."""

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from households.models import Household
from minqing.backups import Target, manifest_path
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def empty_database():
    """A fresh empty database next to the test database, dropped afterwards."""
    source = Target.from_settings(connection.settings_dict)
    name = f"minqing_restore_{uuid.uuid4().hex[:8]}"
    with source.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = Target(name=name, user=source.user, password=source.password, host=source.host, port=source.port)
    yield target
    with source.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of(target: Target) -> str:
    auth = target.user + (f":{target.password}" if target.password else "")
    return f"postgres://{auth}@{target.host or '127.0.0.1'}:{target.port or 5432}/{target.name}"


def test_backup_then_restore_into_an_empty_database_matches_every_table(tmp_path, empty_database, village_a, capsys):
    Household.objects.create(village=village_a, household_no="001", head_name="张三")
    Household.objects.create(village=village_a, household_no="002", head_name="李四")
    dump = tmp_path / "minqing.dump"
    call_command("backup_db", "--out", str(dump))
    assert dump.stat().st_size > 0
    counts = manifest_path(dump).read_text(encoding="utf-8")
    assert '"households_household": 2' in counts
    call_command("restore_check", str(dump), "--into", url_of(empty_database))
    assert "各表行数与备份一致" in capsys.readouterr().out


def test_a_restore_that_misses_rows_is_reported(tmp_path, empty_database, village_a):
    Household.objects.create(village=village_a, household_no="001", head_name="张三")
    dump = tmp_path / "minqing.dump"
    call_command("backup_db", "--out", str(dump))
    manifest = manifest_path(dump)
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"households_household": 1', '"households_household": 5')
    )
    with pytest.raises(CommandError, match="行数不一致"):
        call_command("restore_check", str(dump), "--into", url_of(empty_database))


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, village_a):
    dump = tmp_path / "minqing.dump"
    call_command("backup_db", "--out", str(dump))
    source = Target.from_settings(connection.settings_dict)
    with pytest.raises(CommandError, match="不是空库"):
        call_command("restore_check", str(dump), "--into", url_of(source))
