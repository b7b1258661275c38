"""Celery tasks of the dashboards: thin (style.md B7). Arguments are ids and strings; the service is
imported inside the body; retries (database outages only) are the only logic here.

Results are not kept (``ignore_result``): the report's row is the record, and queuing a task that keeps its
result would also wait on the Redis result backend when Redis is down.
"""

from celery import Task, shared_task
from django.db import OperationalError


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an error the service let through): the row says so."""
        from dashboards.services import monthly_report_fail

        report_id = kwargs.get("report_id", args[0] if args else None)
        if report_id is not None:
            monthly_report_fail(report_id=report_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=ReportTask,
    name="dashboards.build_monthly_report",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def build_monthly_report(report_id: int) -> str | None:
    """Build one stored monthly report (dashboards.services.monthly_report_build)."""
    from dashboards.services import monthly_report_build

    report = monthly_report_build(report_id=report_id)
    return report.status if report is not None else None


@shared_task(
    name="dashboards.build_previous_month_report",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def build_previous_month_report(month: str | None = None) -> list[int]:
    """The scheduled build (01:00 on the 1st): last month's reports — every township's and the county's — or
    those of ``month`` ("YYYY-MM") when given. Each is built once (dashboards.services.monthly_report_schedule)."""
    from dashboards.periods import Period
    from dashboards.services import monthly_report_schedule, monthly_report_schedule_previous

    if month:
        period = Period.parse_month(month)
        reports = monthly_report_schedule(year=period.start.year, month=period.start.month)
    else:
        reports = monthly_report_schedule_previous()
    return [report.pk for report in reports]


@shared_task(
    name="dashboards.refresh_month_summaries",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_month_summaries() -> int:
    """Every ten minutes: count again the past months and days whose cases changed (dashboards.summaries)."""
    from dashboards.summaries import refresh

    return len(refresh())
