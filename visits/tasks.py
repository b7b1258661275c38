"""Celery tasks of the visits app: thin (style.md B7); the services in visits/reports.py do the work and are
idempotent (a report per cadre and month; a reminder column claimed by compare-and-set)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError


@shared_task(
    name="visits.build_contact_reports",
    ignore_result=True,
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def build_contact_reports() -> int:
    """On the 1st: draft last month's contact-household reports."""
    from visits.querysets import Month
    from visits.reports import contact_reports_build

    return contact_reports_build(Month.current().previous())


@shared_task(
    name="visits.remind_contact_reports",
    ignore_result=True,
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def remind_contact_reports() -> int:
    """On the 2nd and the 3rd: remind the cadres whose report is still a draft, once each day."""
    from visits.reports import contact_reports_remind

    return contact_reports_remind()
