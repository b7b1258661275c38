"""Celery tasks of the duty app: thin (style.md B7); duty.services does the work and keeps it idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="duty.remind_mailboxes", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_mailboxes() -> int:
    """Daily: tell whoever is responsible for a mailbox not opened on its day, once per box and day."""
    from duty.services import mailbox_reminders_send

    return mailbox_reminders_send()
