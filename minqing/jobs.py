"""Background jobs whose worker can die: one rule for every row a Celery task works on.

A *job row* is a model row that a task builds in the background and a page shows with its progress: the
monthly report (``dashboards.MonthlyReport``), the ledger import next. It has

- ``status``: ``pending`` (queued) → ``running`` (a task claimed it) → ``ready`` or ``failed``;
- ``progress`` (0–100), ``started_at``, and ``heartbeat_at``: the last moment its task showed it was alive.

**The rule.** A *running* row whose heartbeat (``started_at`` while it has none) is older than ``LOST_AFTER`` has
lost its task: the worker was killed (out of memory, a restart or deploy, the power) and nothing else will ever
say so — the row would show 生成中 until someone noticed. Such a row is failed, and can be asked for again at
once. A live task writes its heartbeat far more often than that (``Heartbeat`` below).

**Applying it to a job model** (as ``dashboards/services.py`` does for the monthly report):

1. Give the model ``heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)`` (and the
   status values above, ``progress``, ``started_at``), and make the migration.
2. The task claims its row with ``token = jobs.claim(Model.objects.filter(pk=pk), **fields)``: a
   compare-and-set from pending (or from a lost running row, when the broker delivers a task again) to running
   that stamps ``started_at`` and ``heartbeat_at``. ``None``: someone else has it, do nothing.
3. While it works it calls ``beat = jobs.Heartbeat(Model.objects.filter(pk=pk), token)`` with its progress —
   ``beat(percent)`` — between steps, **at least once a minute**; it writes progress and heartbeat at most
   every ``Heartbeat.EVERY`` seconds, or when the percentage moved 5 points. Its final write (ready / failed)
   filters on ``jobs.owned(queryset, token)`` too, so a task that was wrongly taken for lost changes nothing.
4. Every place that shows such rows or queues one again first calls
   ``jobs.fail_lost(Model.objects.all(), error=…, finished_at=…)`` (one UPDATE): lost rows become failed with
   your fields, so the page shows 失败 and its button works at once.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Q, QuerySet
from django.utils import timezone

PENDING, RUNNING, READY, FAILED = "pending", "running", "ready", "failed"

#: No heartbeat for this long and a running job's task is gone. A live task beats at least once a minute.
LOST_AFTER = dt.timedelta(minutes=5)


def lost(queryset: QuerySet, *, now: dt.datetime | None = None) -> QuerySet:
    """The running rows of ``queryset`` whose task is gone."""
    cutoff = (now or timezone.now()) - LOST_AFTER
    return queryset.filter(status=RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def is_lost(job, *, now: dt.datetime | None = None) -> bool:
    """The rule for one row already read."""
    last_sign = job.heartbeat_at or job.started_at
    return job.status == RUNNING and last_sign is not None and last_sign < (now or timezone.now()) - LOST_AFTER


def fail_lost(queryset: QuerySet, **fields) -> int:
    """Mark the lost rows of ``queryset`` failed, setting ``fields`` too (the reason, the time); one UPDATE, which
    leaves a row alone if its heartbeat came in meanwhile. Returns how many."""
    return lost(queryset).update(status=FAILED, **fields)


def claim(queryset: QuerySet, **fields) -> dt.datetime | None:
    """Claim the one row of ``queryset`` for this task: pending → running, or a lost running row (a task delivered
    again after its worker died). Sets ``fields`` too. Returns the claim's token (its ``started_at``), or None when
    there is nothing to claim (another task has it, or it is done)."""
    now = timezone.now()
    for candidates in (queryset.filter(status=PENDING), lost(queryset, now=now)):
        if candidates.update(status=RUNNING, started_at=now, heartbeat_at=now, **fields) == 1:
            return now
    return None


def owned(queryset: QuerySet, token: dt.datetime) -> QuerySet:
    """The row while it is still running under this task's claim."""
    return queryset.filter(status=RUNNING, started_at=token)


class Heartbeat:
    """``beat(percent)``: the task is alive and this far; writes progress (0–99) and ``heartbeat_at``."""

    EVERY = 15  # seconds between writes while the percentage stands still

    def __init__(self, queryset: QuerySet, token: dt.datetime):
        self.row = owned(queryset, token)
        self.percent, self.written_at = -5, time.monotonic()

    def __call__(self, percent: int) -> None:
        percent = max(0, min(int(percent), 99))
        if percent >= self.percent + 5 or time.monotonic() - self.written_at >= self.EVERY:
            self.percent, self.written_at = max(percent, self.percent), time.monotonic()
            self.row.update(progress=percent, heartbeat_at=timezone.now())
