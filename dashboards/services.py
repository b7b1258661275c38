"""Writes of the dashboards app: the monthly report's life (style.md B7).

``monthly_report_request`` (a leader asks, or the beat task on the 1st) puts the month's one row back to
*pending* and enqueues the build through ``transaction.on_commit``; ``monthly_report_build`` (the task)
claims it pending → running by compare-and-set, writes the workbook (dashboards.exports) into the row's
file, and marks it ready — or failed with the reason. A task delivered twice finds nothing to claim. The row
is a job row (``minqing.jobs``): the build writes a heartbeat with its progress, and a worker that died
mid-build leaves a *running* row whose heartbeat stops; after ``jobs.LOST_AFTER`` the reports page shows it
failed (``monthly_report_fail_lost``) and it can be asked for again at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from dashboards.models import MonthlyReport
from dashboards.periods import Period
from minqing import jobs
from minqing.access import Scope, scope_for
from minqing.roles import Role

logger = logging.getLogger(__name__)

S = MonthlyReport.Status

#: What a dead or unreachable broker raises from ``delay``.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, TimeoutError)


def may_see_reports(scope: Scope) -> bool:
    """Leaders and admins read the numbers, the boards and the reports of their townships; the county (县级)
    those of every township."""
    return scope.is_superuser or scope.has_role(Role.LEADER, Role.ADMIN, Role.COUNTY)


#: What a report whose worker died says (minqing.jobs).
LOST_ERROR = "生成失败：后台任务已中断（长时间没有进展，可能是服务重启或内存不足），请重新生成。"


def monthly_report_fail_lost() -> int:
    """Mark failed the reports whose build lost its worker (minqing.jobs); before showing or re-queuing them."""
    return jobs.fail_lost(MonthlyReport.objects.all(), error=LOST_ERROR, finished_at=timezone.now())


def _row(year: int, month: int) -> MonthlyReport:
    try:
        with transaction.atomic():
            return MonthlyReport.objects.get_or_create(year=year, month=month)[0]
    except IntegrityError:  # two requests for a new month at once: the other one created it
        return MonthlyReport.objects.get(year=year, month=month)


def monthly_report_request(*, year: int, month: int, by=None, enqueue: bool = True) -> tuple[MonthlyReport, bool]:
    """Ask for the month's report to be (re)built; returns ``(report, queued)``.

    ``by`` is the leader or admin asking (None for the scheduled build). Nothing is queued while a build
    runs (``queued`` is False); a pending, ready or failed row goes back to pending and a build task is
    enqueued once the transaction commits (unless ``enqueue`` is False: the caller builds it in the
    foreground). A broker that cannot be reached marks the row failed (the returned row says so).
    """
    if by is not None and not may_see_reports(scope_for(by)):
        raise PermissionDenied("只有领导和管理员可以生成民情月报。")
    Period.month(year, month)  # validates
    report = _row(year, month)
    monthly_report_fail_lost()
    now = timezone.now()
    with transaction.atomic():
        claimable = MonthlyReport.objects.filter(pk=report.pk).exclude(status=S.RUNNING)
        queued = (
            claimable.update(
                status=S.PENDING, progress=0, error="", requested_by=by, requested_at=now, finished_at=None
            )
            == 1
        )
        if queued and enqueue:
            transaction.on_commit(lambda: _enqueue(report.pk))
    report.refresh_from_db()
    return report, queued


def _enqueue(report_id: int) -> None:
    from dashboards.tasks import build_monthly_report

    try:
        build_monthly_report.delay(report_id)
    except BROKER_ERRORS as e:  # the broker is down: say so on the row, never hang the request
        logger.warning("broker unavailable, monthly report %s not queued: %s", report_id, e)
        MonthlyReport.objects.filter(pk=report_id, status=S.PENDING).update(
            status=S.FAILED,
            error=f"生成失败：后台任务队列暂时不可用，请稍后重新生成。（{type(e).__name__}）",
            finished_at=timezone.now(),
        )


def monthly_report_build(*, report_id: int, today: dt.date | None = None) -> MonthlyReport | None:
    """Build the report of row ``report_id`` if it can be claimed; returns the row, or None when another
    run has it (or it is already built). Database outages propagate (the task retries them, with the row
    back to pending); any other error marks the row failed with the reason."""
    from dashboards.exports import build_monthly_workbook

    row = MonthlyReport.objects.filter(pk=report_id)
    token = jobs.claim(row, progress=0, error="", finished_at=None)
    if token is None:
        logger.debug("monthly report %s: nothing to claim", report_id)
        return None
    report = MonthlyReport.objects.get(pk=report_id)
    old_name = report.file.name
    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
            stats = build_monthly_workbook(
                Period.month(report.year, report.month), tmp, today=today, progress=jobs.Heartbeat(row, token)
            )
            tmp.seek(0, 2)
            size = tmp.tell()
            tmp.seek(0)
            report.file.save(f"{report.key}.xlsx", File(tmp, name=f"{report.key}.xlsx"), save=False)
    except OperationalError:
        jobs.owned(row, token).update(status=S.PENDING, progress=0)
        raise
    except Exception as e:  # noqa: BLE001 — any other failure is the row's, with its reason
        logger.exception("monthly report %s failed", report_id)
        monthly_report_fail(report_id=report_id, reason=f"{type(e).__name__}: {e}")
        return MonthlyReport.objects.get(pk=report_id)
    done = jobs.owned(row, token).update(
        status=S.READY,
        progress=100,
        file=report.file.name,
        size=size,
        case_count=stats.cases,
        finished_at=timezone.now(),
    )
    if done != 1:  # someone took the row over meanwhile: keep theirs, drop ours
        report.file.storage.delete(report.file.name)
        return None
    if old_name and old_name != report.file.name:
        report.file.storage.delete(old_name)  # building again replaces the file
    report.refresh_from_db()
    _announce(report)
    return report


def monthly_report_fail(*, report_id: int, reason: str) -> int:
    """Mark a pending or running row failed with ``reason`` (shown to the leaders)."""
    return MonthlyReport.objects.filter(pk=report_id, status__in=[S.PENDING, S.RUNNING]).update(
        status=S.FAILED, error=f"生成失败：{reason}"[:2000], finished_at=timezone.now()
    )


def _announce(report: MonthlyReport) -> None:
    from notifications.services import notification_send

    leaders = get_user_model().objects.filter(groups__name=Role.LEADER, is_active=True).distinct()
    notification_send(
        recipients=leaders,
        kind="report.ready",
        title=f"{report.label}民情月报已生成",
        body=f"{report.label}民情月报（{report.case_count}件诉求）已生成，可在“民情月报”页面下载。",
        url=reverse("dashboards:reports"),
    )


def monthly_report_schedule_previous(*, today: dt.date | None = None) -> MonthlyReport:
    """The beat task's service: ask for last month's report (01:00 on the 1st)."""
    today = today or timezone.localdate()
    previous = Period.month(today.year, today.month).previous()
    report, _ = monthly_report_request(year=previous.start.year, month=previous.start.month)
    return report
