"""Celery tasks of the meetings: thin (style.md B7); the services do the work and keep it idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="meetings.plan_meetings", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True)
def plan_meetings() -> dict[str, int]:
    """Daily: plan the coming meetings of every body with a rhythm, with their agendas, and remind the chairs and
    secretaries of tomorrow's meetings (meetings.services); a second run plans and reminds nothing more."""
    from meetings.services import meeting_reminders_send, meetings_plan_due

    return {"planned": len(meetings_plan_due()), "reminded": meeting_reminders_send()}
