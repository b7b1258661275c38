"""The Celery wiring of the case pipeline (petitions/tasks.py): each task under eager mode, the beat
schedule, and what happens when Redis is down — saving a case never waits on the broker, and what
could not be sent then goes out with the next periodic run after it returns."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from minqing.celery import app
from notifications.models import Notification
from petitions import workflow
from petitions.models import EventNotification, Petition, Reminder, Status
from petitions.tasks import BROKER_ERRORS, enqueue, notify_event, notify_pending_events, send_deadline_reminders

NOTHING = dict.fromkeys(Reminder.Level.values, 0)
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def _drop_connections():
    """Forget pooled broker connections, so the next publish connects to ``broker_url`` as it is now."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """Tasks really go to a broker (eager off), and the broker is not there."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = DEAD_BROKER, False
    _drop_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _drop_connections()


def overdue_case(make_petition) -> Petition:
    petition = make_petition(Status.IN_PROGRESS)
    Petition.objects.filter(pk=petition.pk).update(reply_by=timezone.localdate() - dt.timedelta(days=1))
    return petition


# --- Eager wiring ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_task_runs_one_scan(make_petition):
    overdue_case(make_petition)
    assert send_deadline_reminders.delay().get() == {**NOTHING, "overdue": 1}
    assert send_deadline_reminders.delay().get() == NOTHING


@pytest.mark.django_db
def test_the_notify_task_sends_one_events_notification(make_petition, handler_minzheng):
    petition = make_petition(Status.ASSIGNED)
    event = workflow.petition_return(petition=petition, by=handler_minzheng, reason="不属本单位职责")
    EventNotification.objects.create(event=event)  # what the on-commit hook writes
    notify_event.delay(event.pk)
    notify_event.delay(event.pk)  # delivered twice
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("leader", "petition.returned")]


@pytest.mark.django_db
def test_the_sweep_task_sends_notifications_never_queued(make_petition, handler_minzheng):
    petition = make_petition(Status.ASSIGNED)
    event = workflow.petition_return(petition=petition, by=handler_minzheng, reason="不属本单位职责")
    EventNotification.objects.create(event=event)
    notify_pending_events.delay()
    assert EventNotification.objects.get().sent_at is not None
    assert Notification.objects.count() == 1


def test_beat_runs_the_reminder_scan_every_15_minutes_and_the_sweep():
    schedule = settings.CELERY_BEAT_SCHEDULE
    reminders = schedule["deadline-reminders"]
    assert reminders["task"] == send_deadline_reminders.name
    assert reminders["schedule"].minute == {0, 15, 30, 45}
    assert schedule["pending-case-notifications"]["task"] == notify_pending_events.name
    for entry in schedule.values():
        if entry["task"].startswith("petitions."):
            assert entry["task"] in app.tasks, entry


# --- enqueue ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
)
def test_enqueue_logs_and_swallows_broker_errors(monkeypatch, caplog, error):
    def down(*args):
        raise error

    monkeypatch.setattr(notify_event, "delay", down)
    with caplog.at_level(logging.WARNING, logger="petitions.tasks"):
        assert enqueue(notify_event, 42) is False
    assert "broker unavailable, petitions.notify_event(42,) not queued" in caplog.text
    assert isinstance(error, BROKER_ERRORS)


def test_enqueue_does_not_hide_other_errors(monkeypatch):
    def bug(*args):
        raise TypeError("wrong arguments")

    monkeypatch.setattr(notify_event, "delay", bug)
    with pytest.raises(TypeError):
        enqueue(notify_event, 42)


# --- When Redis is down ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_case_with_redis_down_does_not_wait_and_the_sweep_sends_it_later(
    make_petition, leader, client_as, django_capture_on_commit_callbacks, caplog
):
    petition = make_petition(Status.IN_PROGRESS)
    client = client_as(leader)
    url = reverse("petitions:act", args=[petition.pk, "supervise"])

    with broker_down(), caplog.at_level(logging.WARNING, logger="petitions.tasks"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(url, {"note": "请三日内办结"})
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert len(callbacks) == 1  # the workflow's hook ran, and tried the broker
        assert elapsed < 5, f"the request waited {elapsed:.1f} s on a dead broker"
        assert "broker unavailable" in caplog.text
        assert Petition.objects.get(pk=petition.pk).supervised is True  # the case is saved
        assert EventNotification.objects.get().sent_at is None
        assert not Notification.objects.exists()

    # Redis is back: the periodic sweep sends what the request could not queue, once.
    notify_pending_events.delay()
    notify_pending_events.delay()
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("handler", "petition.supervised")]


@pytest.mark.django_db
def test_a_reminder_due_while_redis_was_down_goes_out_with_the_next_scan(make_petition):
    overdue_case(make_petition)
    with broker_down():
        started = time.monotonic()
        with pytest.raises(BROKER_ERRORS):  # what beat meets every 15 minutes while Redis is down
            send_deadline_reminders.delay()
        assert time.monotonic() - started < 5
        assert not Reminder.objects.exists() and not Notification.objects.exists()

    assert send_deadline_reminders.delay().get() == {**NOTHING, "overdue": 1}
    assert Notification.objects.filter(kind="reminder.overdue").count() == 2
    assert send_deadline_reminders.delay().get() == NOTHING
