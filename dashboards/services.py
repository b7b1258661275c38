"""Writes of the dashboards app: the monthly report's life (style.md B7).

A month has one report per township and one county workbook (``MonthlyReport.township`` empty).
``monthly_report_request`` (a leader asks for one of their townships', the county for any; or the beat task on
the 1st, for all of them: ``monthly_report_schedule``) puts that one row back to *pending* and enqueues the
build through ``transaction.on_commit``; ``monthly_report_build`` (the task) claims it pending → running by
compare-and-set, writes the workbook (dashboards.exports) into the row's file, and marks it ready — or
failed with the reason. A task delivered twice finds nothing to claim. The row is a job row
(``minqing.jobs``): the build writes a heartbeat with its progress, and a worker that died mid-build leaves a
*running* row whose heartbeat stops; after ``jobs.LOST_AFTER`` the reports page shows it failed
(``monthly_report_fail_lost``, every township's row and the county's alike) and it can be asked for again
at once.
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

from dashboards.models import MonthlyReport
from dashboards.periods import Period
from households.models import Township
from minqing import jobs
from minqing.access import Scope, scope_for
from minqing.celery import BROKER_ERRORS
from minqing.roles import Role

logger = logging.getLogger(__name__)

S = MonthlyReport.Status


def may_see_report(scope: Scope, township_id: int | None) -> bool:
    """May ``scope`` see (and ask for) the report of ``township_id`` — None: the county workbook, which only a
    reader of every township sees? The rule of ``MonthlyReport.objects.visible_to`` for one report."""
    if not scope.may_see_reports:
        return False
    return scope.sees_every_township if township_id is None else scope.in_township(township_id)


def report_places(scope: Scope) -> list[Township | None]:
    """The reports ``scope`` may ask for, in the reports page's order: None (the county workbook) for a reader of
    every township, then its townships."""
    if not scope.may_see_reports:
        return []
    townships = Township.objects.order_by("sort_order", "name")
    if scope.sees_every_township:
        return [None, *townships]
    return list(townships.filter(pk__in=scope.township_ids))


#: What a report whose worker died says (minqing.jobs).
LOST_ERROR = "生成失败：后台任务已中断（长时间没有进展，可能是服务重启或内存不足），请重新生成。"


def monthly_report_fail_lost() -> int:
    """Mark failed the reports whose build lost its worker (minqing.jobs); before showing or re-queuing them."""
    return jobs.fail_lost(MonthlyReport.objects.all(), error=LOST_ERROR, finished_at=timezone.now())


def _row(township: Township | None, year: int, month: int) -> tuple[MonthlyReport, bool]:
    """The month's row of ``township`` (None: the county's), and whether it was made now."""
    try:
        with transaction.atomic():
            return MonthlyReport.objects.get_or_create(township=township, year=year, month=month)
    except IntegrityError:  # two requests for a new month at once: the other one created it
        return MonthlyReport.objects.get(township=township, year=year, month=month), False


def monthly_report_request(
    *,
    township: Township | None,
    year: int,
    month: int,
    by=None,
    enqueue: bool = True,
    again: bool = True,
) -> tuple[MonthlyReport, bool]:
    """Ask for the month's report of ``township`` (None: the county workbook) to be (re)built; returns
    ``(report, queued)``.

    ``by`` is the leader, admin or county user asking (None for the scheduled build); they must see that
    report (``may_see_report``). Nothing is queued while a build runs (``queued`` is False); a pending, ready
    or failed row goes back to pending and a build task is enqueued once the transaction commits (unless
    ``enqueue`` is False: the caller builds it in the foreground). With ``again`` False (the scheduled build)
    only a new or failed row is queued: a report already built, queued or being built is left alone. A broker
    that cannot be reached marks the row failed (the returned row says so).
    """
    if by is not None:
        scope = scope_for(by)
        if not scope.may_see_reports:
            raise PermissionDenied("只有领导和管理员可以生成民情月报。")
        if not may_see_report(scope, township.pk if township else None):
            raise PermissionDenied("只能生成本乡镇的民情月报。")
    Period.month(year, month)  # validates
    report, created = _row(township, year, month)
    monthly_report_fail_lost()
    now = timezone.now()
    with transaction.atomic():
        claimable = MonthlyReport.objects.filter(pk=report.pk)
        if again:
            claimable = claimable.exclude(status=S.RUNNING)
        elif not created:
            claimable = claimable.filter(status=S.FAILED)
        queued = (
            claimable.update(
                status=S.PENDING, progress=0, error="", requested_by=by, requested_at=now, finished_at=None
            )
            == 1
        )
        if queued and enqueue:
            transaction.on_commit(lambda: _enqueue(report.pk))
    report = MonthlyReport.objects.select_related("township").get(pk=report.pk)
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
    from dashboards import exports

    row = MonthlyReport.objects.filter(pk=report_id)
    token = jobs.claim(row, progress=0, error="", finished_at=None)
    if token is None:
        logger.debug("monthly report %s: nothing to claim", report_id)
        return None
    report = MonthlyReport.objects.select_related("township").get(pk=report_id)
    old_name = report.file.name
    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
            stats = exports.build_workbook(
                Period.month(report.year, report.month),
                tmp,
                township=report.township,
                today=today,
                progress=jobs.Heartbeat(row, token),
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
    report = MonthlyReport.objects.select_related("township").get(pk=report_id)
    _announce(report)
    return report


def monthly_report_fail(*, report_id: int, reason: str) -> int:
    """Mark a pending or running row failed with ``reason`` (shown to the leaders)."""
    return MonthlyReport.objects.filter(pk=report_id, status__in=[S.PENDING, S.RUNNING]).update(
        status=S.FAILED, error=f"生成失败：{reason}"[:2000], finished_at=timezone.now()
    )


def report_recipients(report: MonthlyReport):
    """Who is told a report is ready: the leaders of its township (its staff, ``Township.staff``, as the center's
    leaders are), the county's users (县级) of the county workbook."""
    users = get_user_model().objects.filter(is_active=True)
    if report.is_county:
        return users.filter(groups__name=Role.COUNTY).distinct()
    return users.filter(groups__name=Role.LEADER, townships=report.township_id).distinct()


def _announce(report: MonthlyReport) -> None:
    from notifications.services import notification_send

    notification_send(
        recipients=report_recipients(report),
        kind="report.ready",
        title=f"{report.title}已生成",
        body=f"{report.title}（{report.case_count}件诉求）已生成，可在“民情月报”页面下载。",
        url=reverse("dashboards:reports"),
    )


def monthly_report_schedule(*, year: int, month: int) -> list[MonthlyReport]:
    """The scheduled build of a month: every township's report and the county workbook, each queued once — a
    report already built, queued or being built is left alone (a failed one is queued again), so running it
    twice builds nothing more."""
    places: list[Township | None] = [*Township.objects.order_by("sort_order", "name"), None]
    return [monthly_report_request(township=township, year=year, month=month, again=False)[0] for township in places]


def monthly_report_schedule_previous(*, today: dt.date | None = None) -> list[MonthlyReport]:
    """The beat task's service: last month's reports (01:00 on the 1st)."""
    today = today or timezone.localdate()
    previous = Period.month(today.year, today.month).previous()
    return monthly_report_schedule(year=previous.start.year, month=previous.start.month)
