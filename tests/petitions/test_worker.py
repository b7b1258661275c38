"""The one real-worker test (style.md B7): reminder scans go through Redis to a Celery worker (solo pool)
and each reminder is still sent once. Run in CI against Redis and PostgreSQL:

    DATABASE_URL=postgres://… REDIS_URL=redis://… pytest -m worker
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery.result import EagerResult
from django.utils import timezone

from minqing.celery import app
from notifications.models import Notification
from petitions import workflow
from petitions.models import Petition, Reminder, Status
from petitions.tasks import send_deadline_reminders
from tests.conftest import real_worker, requires_redis


@requires_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_reminder_scans_through_a_real_worker_send_each_reminder_once(make_petition, leader):
    cases = [make_petition(Status.IN_PROGRESS) for _ in range(3)]
    workflow.petition_supervise(petition=cases[0], by=leader, note="请加快")
    Petition.objects.filter(pk__in=[c.pk for c in cases]).update(reply_by=timezone.localdate() - dt.timedelta(days=1))
    assert not Reminder.objects.exists()

    app.control.purge()  # nothing left over from an earlier, interrupted run
    with real_worker():
        scans = [send_deadline_reminders.delay(), send_deadline_reminders.delay()]  # queued at once
        assert not any(isinstance(scan, EagerResult) for scan in scans)  # really through Redis
        results = [scan.get(timeout=10) for scan in scans]

    # Between them the two scans sent each reminder once; which scan sent what is up to the worker.
    assert [sum(result[level] for result in results) for level in ("overdue", "supervised")] == [3, 1]
    assert min(sum(result.values()) for result in results) == 0  # the later scan found nothing left
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 4
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    # Each reminder to its two recipients (the department's handler and the routing leader), once each.
    assert Notification.objects.filter(kind="reminder.overdue").count() == 6
    assert Notification.objects.filter(kind="reminder.supervised").count() == 2
