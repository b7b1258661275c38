"""Celery tasks of the case pipeline: thin (style.md B7). Arguments are ids only; the service is imported
inside the body; retries on a database outage are the only logic.

``enqueue`` is how a request queues work: a dead broker is logged and swallowed, never waited on, and
the periodic tasks find the work again (unsent ``Reminder`` and ``EventNotification`` rows).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError

from minqing.celery import BROKER_ERRORS

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """``task.delay(*args)``, or False (logged) when the broker cannot be reached.

    Only for tasks with ``ignore_result=True``: queuing a task that keeps its result also talks to the
    Redis result backend, which retries for about 19 s before giving up.
    """
    try:
        task.delay(*args)
    except BROKER_ERRORS as e:
        logger.warning(
            "broker unavailable, %s%r not queued (the periodic scan will pick it up): %s", task.name, args, e
        )
        return False
    return True


@shared_task(
    name="petitions.notify_event",
    ignore_result=True,
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_event(event_id: int) -> None:
    """Tell who needs to know about one workflow event (queued on commit by the workflow)."""
    from petitions.notify import event_notify

    event_notify(event_id)


@shared_task(
    name="petitions.notify_pending_events",
    ignore_result=True,
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def notify_pending_events() -> None:
    """Periodic: send the event notifications whose task was never queued (the broker was down)."""
    from petitions.notify import pending_events_notify

    pending_events_notify()


@shared_task(
    name="petitions.send_deadline_reminders",
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_deadline_reminders() -> dict[str, int]:
    """Periodic: one reminder scan (petitions.reminders.reminders_scan); returns {level: sent}."""
    from petitions.reminders import reminders_scan

    return reminders_scan()
