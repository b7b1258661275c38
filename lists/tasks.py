"""Celery tasks of the lists app: thin (style.md B7); lists.services does the work and keeps it idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="lists.run_ledger", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True)
def run_ledger() -> dict:
    """Daily: each cadence step's request once, the unit told once, each missed answer escalated once."""
    from lists.services import ledger_run

    return ledger_run()


@shared_task(name="lists.remind_signs", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_signs() -> int:
    """Daily: remind each watcher of an early sign whose review has come due, once per review date."""
    from lists.services import signs_remind

    return signs_remind()
