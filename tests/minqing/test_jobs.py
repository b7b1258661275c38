"""The job-row rule (minqing/jobs.py), on the monthly report's row: claim, heartbeat, lost, failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.models import MonthlyReport
from minqing import jobs


@pytest.fixture
def row(db):
    report = MonthlyReport.objects.create(year=2026, month=3)
    return MonthlyReport.objects.filter(pk=report.pk)


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def test_claim_takes_a_pending_row_once(row):
    token = jobs.claim(row, progress=0)
    assert token is not None
    report = row.get()
    assert report.status == "running" and report.started_at == token and report.heartbeat_at == token
    assert jobs.claim(row) is None  # a task delivered twice finds nothing to claim


def test_a_running_row_is_lost_only_after_its_heartbeat_stopped_for_longer_than_the_rule(row):
    row.update(status="running", started_at=ago(hours=1), heartbeat_at=ago(seconds=30))
    assert not jobs.lost(row).exists() and not jobs.is_lost(row.get())
    row.update(heartbeat_at=timezone.now() - jobs.LOST_AFTER - dt.timedelta(seconds=1))
    assert jobs.lost(row).exists() and jobs.is_lost(row.get())


def test_without_a_heartbeat_the_start_counts(row):
    row.update(status="running", started_at=ago(minutes=1), heartbeat_at=None)
    assert not jobs.lost(row).exists()
    row.update(started_at=ago(hours=1))
    assert jobs.lost(row).exists() and jobs.is_lost(row.get())
    row.update(started_at=None)  # nothing known: never declared lost
    assert not jobs.lost(row).exists() and not jobs.is_lost(row.get())


@pytest.mark.parametrize("status", ["pending", "ready", "failed"])
def test_only_running_rows_can_be_lost(row, status):
    row.update(status=status, started_at=ago(hours=1), heartbeat_at=ago(hours=1))
    assert not jobs.lost(row).exists() and not jobs.is_lost(row.get())


def test_fail_lost_marks_the_lost_rows_failed_with_the_callers_fields(row):
    alive = MonthlyReport.objects.create(year=2026, month=4, status="running", heartbeat_at=ago(seconds=10))
    row.update(status="running", heartbeat_at=ago(hours=1))
    assert jobs.fail_lost(MonthlyReport.objects.all(), error="中断") == 1
    assert (row.get().status, row.get().error) == ("failed", "中断")
    alive.refresh_from_db()
    assert alive.status == "running"


def test_the_heartbeat_writes_progress_and_time_and_stays_quiet_in_between(row, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock[0])
    token = jobs.claim(row)
    beat = jobs.Heartbeat(row, token)
    beat(1)
    first = row.get()
    assert first.progress == 1 and first.heartbeat_at >= token
    row.update(heartbeat_at=ago(minutes=1))
    beat(2)  # less than 5 points, a moment later: no write
    assert row.get().progress == 1
    clock[0] += jobs.Heartbeat.EVERY
    beat(2)  # standing still for EVERY seconds: the heartbeat is written anyway
    assert row.get().progress == 2 and row.get().heartbeat_at > ago(seconds=5)
    beat(150)
    assert row.get().progress == 99  # 100 is for the finished row


def test_a_lost_row_claimed_again_ignores_the_old_task(row):
    """A task wrongly taken for lost (its step ran very long) writes nothing once another claimed the row."""
    old_token = jobs.claim(row)
    row.update(heartbeat_at=ago(hours=1))
    new_token = jobs.claim(row)  # the broker delivered the task again
    assert new_token is not None and new_token != old_token
    jobs.Heartbeat(row, old_token)(50)
    assert row.get().progress == 0
    assert jobs.owned(row, old_token).update(status="ready") == 0
    assert jobs.owned(row, new_token).update(status="ready") == 1
