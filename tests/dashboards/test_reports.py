"""The monthly report (民情月报): the workbook as a plain function, its row's life, the task wiring, the
command, the pages — and one build through a real worker."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import exports, services
from dashboards.exports import SHEETS, build_monthly_workbook
from dashboards.models import MonthlyReport
from dashboards.periods import Period
from dashboards.tasks import build_monthly_report, build_previous_month_report
from minqing import jobs
from notifications.models import Notification
from petitions import identity
from petitions.models import Petition
from tests.conftest import make_township, real_worker, requires_redis
from tests.dashboards.conftest import TODAY, at, t
from tests.visits.conftest import make_household, make_visit

MARCH = Period.month(2026, 3)


def read(source) -> dict[str, list[tuple]]:
    wb = load_workbook(source, read_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.fixture
def march_visit(liaison_a, village_a):
    household = make_household(village_a, "HP-001", "张德明", cadre=liaison_a)
    make_household(village_a, "HP-002", "王五", cadre=liaison_a)
    return make_visit(liaison_a, village_a, [household], when=timezone.make_aware(t(3, 12)))


# --- The workbook, as a plain function --------------------------------------------------------------


@pytest.mark.django_db
def test_workbook_sheets_and_row_counts(march, march_visit):
    out = io.BytesIO()
    stats = build_monthly_workbook(MARCH, out, township=make_township(), today=TODAY)
    out.seek(0)
    sheets = read(out)
    assert list(sheets) == SHEETS
    # 诉求明细: a header and every case received in March (c1–c8 and c11; merged c9 counts in c8, by the rule).
    details = sheets["诉求明细"]
    assert details[0] == tuple(title for title, _ in exports.DETAIL_COLUMNS)
    assert len(details) - 1 == stats.rows["诉求明细"] == 9
    assert march["c9"].tracking_number not in {row[0] for row in details[1:]}
    # 汇总's 本月受理 is the same count, with the rule in words.
    received = [row for row in sheets["汇总"] if row and row[0] == "本月受理"][0]
    assert received[1] == 9 and exports.RECEIVED_RULE in received[2]
    # 超期事项: c2 (replied late), c5 (never signed), c10 (replied late in March), c13 (reopened, lapsed).
    overdue = sheets["超期事项"]
    assert len(overdue) - 1 == stats.rows["超期事项"] == 4
    assert {row[0] for row in overdue[1:]} == {march[c].tracking_number for c in ("c2", "c5", "c10", "c13")}
    # 回访满意度: 民政办, 自规所, 和平村委会, (未交办) and the total.
    assert stats.rows["回访满意度"] == 5
    total = [row for row in sheets["回访满意度"] if row[0] == "合计"][0]
    assert total[1:6] == (6, 4, 1, 1, 4)
    # 走访统计: 陈秀英 in 和平村, then both villages.
    assert stats.rows["走访统计"] == 3
    cadre_row = [row for row in sheets["走访统计"] if row and row[0] == "陈秀英"][0]
    assert cadre_row[:7] == ("陈秀英", "和平村", 1, 1, 2, 1, "50%")
    assert stats.rows["汇总"] == 7


@pytest.mark.django_db
def test_a_deadline_on_the_last_day_is_overdue_only_in_the_next_month(make_petition):
    """Overdue from the day after the deadline (petitions.querysets.overdue_on), as on the supervision board."""
    with at(t(3, 24)):
        due_on_the_31st = make_petition("in_progress")
    Petition.objects.filter(pk=due_on_the_31st.pk).update(reply_by=dt.date(2026, 3, 31))
    number = due_on_the_31st.tracking_number

    def overdue_numbers(period, today):
        out = io.BytesIO()
        build_monthly_workbook(period, out, township=make_township(), today=today)
        out.seek(0)
        return {row[0] for row in read(out)["超期事项"][1:]}

    assert number not in overdue_numbers(MARCH, dt.date(2026, 3, 31))
    assert number not in overdue_numbers(MARCH, dt.date(2026, 4, 15))  # March ended on its deadline day
    assert number not in overdue_numbers(Period.month(2026, 4), dt.date(2026, 3, 31))
    assert number in overdue_numbers(Period.month(2026, 4), dt.date(2026, 4, 1))


@pytest.mark.django_db
def test_summary_sets_the_month_beside_the_previous_one(march):
    out = io.BytesIO()
    build_monthly_workbook(MARCH, out, township=make_township(), today=TODAY)
    out.seek(0)
    summary = {row[0]: row for row in read(out)["汇总"] if row and row[0]}
    assert summary["响应率"][1:4] == ("57.1%", 4, 7)
    assert summary["按期办结率"][1:4] == ("42.9%", 3, 7)
    assert summary["满意率"][1:4] == ("83.3%", 5, 6)
    # February: c10 and c13 were routed; c10 signed next day, c13 the same day.
    assert summary["响应率"][4:7] == ("100.0%", 2, 2)


@pytest.mark.django_db
def test_petitioner_is_masked_in_the_file(march, accusation_category, make_petition):
    secret = make_petition(
        category=accusation_category, petitioner_name="李四", received_at=timezone.make_aware(t(3, 15))
    )
    out = io.BytesIO()
    build_monthly_workbook(MARCH, out, township=make_township(), today=TODAY)
    out.seek(0)
    rows = read(out)["诉求明细"]
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[march["c1"].tracking_number][4] == "张某"
    assert by_number[secret.tracking_number][4] == identity.HIDDEN
    text = repr(rows)
    assert "张1" not in text and "李四" not in text
    assert march["c1"].petitioner_phone not in text


def test_petitioner_in_a_file_is_masked_as_on_the_board():
    assert identity.for_file("张三丰", accusation=False) == "张某"
    assert identity.for_file("欧阳娜娜", accusation=False) == "欧阳某"
    assert identity.for_file("", accusation=False) == ""
    assert identity.for_file("王五", accusation=True) == identity.HIDDEN


@pytest.mark.django_db
def test_detail_row_says_on_time_and_satisfaction(march):
    out = io.BytesIO()
    build_monthly_workbook(MARCH, out, township=make_township(), today=TODAY)
    out.seek(0)
    by_number = {row[0]: row for row in read(out)["诉求明细"][1:]}
    c1, c2, c5 = (by_number[march[c].tracking_number] for c in ("c1", "c2", "c5"))
    assert c1[12:14] == ("是", "满意")
    assert c2[12:14] == ("否", "基本满意")
    assert c5[12] == "否（超期未答复）"
    assert c1[1] == dt.datetime(2026, 3, 2)  # a real date cell
    assert c1[10] == "已办结"


@pytest.mark.django_db
def test_progress_is_reported_upwards(march):
    seen = []
    build_monthly_workbook(MARCH, io.BytesIO(), township=make_township(), today=TODAY, progress=seen.append)
    assert seen == sorted(seen) and seen[0] >= 0 and seen[-1] == 99


def test_only_whole_months():
    with pytest.raises(ValueError):
        build_monthly_workbook(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 5)), io.BytesIO(), township=None)


# --- The stored report's life ---------------------------------------------------------------------


@pytest.mark.django_db
def test_request_builds_stores_and_notifies_leaders(leader, march, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, queued = services.monthly_report_request(township=make_township(), year=2026, month=3, by=leader)
    report.refresh_from_db()
    assert queued
    assert (report.status, report.progress, report.case_count) == ("ready", 100, 9)  # exports.received_in
    assert report.requested_by == leader and report.finished_at is not None
    assert Path(report.file.path).exists() and report.size == Path(report.file.path).stat().st_size
    assert list(read(report.file.path)) == SHEETS
    note = Notification.objects.get(recipient=leader, kind="report.ready")
    assert "2026年3月民情月报已生成" in note.title and note.url == reverse("dashboards:reports")


@pytest.mark.django_db
def test_building_again_replaces_the_file_of_the_same_row(leader, march, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = services.monthly_report_request(township=make_township(), year=2026, month=3, by=leader)
    first.refresh_from_db()
    old = Path(first.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        again, queued = services.monthly_report_request(township=make_township(), year=2026, month=3, by=leader)
    again.refresh_from_db()
    assert queued and again.pk == first.pk and again.status == "ready"
    assert MonthlyReport.objects.count() == 1
    assert not old.exists() and Path(again.file.path).exists()


@pytest.mark.django_db
def test_a_running_build_is_not_queued_again(leader):
    MonthlyReport.objects.create(
        township=make_township(), year=2026, month=3, status="running", started_at=dt.datetime.now(dt.UTC)
    )
    again, queued = services.monthly_report_request(township=make_township(), year=2026, month=3, by=leader)
    assert not queued and again.status == "running"


@pytest.mark.django_db
def test_a_task_delivered_twice_builds_once(march):
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    assert services.monthly_report_build(report_id=report.pk, today=TODAY).status == "ready"
    assert services.monthly_report_build(report_id=report.pk, today=TODAY) is None  # nothing left to claim


@pytest.mark.django_db
def test_a_build_abandoned_by_a_dead_worker_is_claimed_again(march):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    report = MonthlyReport.objects.create(
        township=make_township(), year=2026, month=3, status="running", started_at=long_ago
    )
    assert services.monthly_report_build(report_id=report.pk, today=TODAY).status == "ready"


@pytest.mark.django_db
def test_a_failure_is_recorded_with_its_reason(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("磁盘已满")

    monkeypatch.setattr(exports, "build_monthly_workbook", broken)
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    services.monthly_report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and "磁盘已满" in report.error and not report.file


@pytest.mark.django_db
def test_a_database_outage_goes_back_to_pending_for_the_retry(monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(exports, "build_monthly_workbook", outage)
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    with pytest.raises(OperationalError):
        services.monthly_report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "pending"


@pytest.mark.django_db
def test_an_unreachable_broker_marks_the_row_failed(monkeypatch, leader, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(build_monthly_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.monthly_report_request(township=make_township(), year=2026, month=3, by=leader)
    report.refresh_from_db()
    assert report.status == "failed" and "任务队列" in report.error


class WorkerKilled(BaseException):
    """SIGKILL, out of memory, a restart: the worker stops where it is and nothing after that line runs."""


@pytest.mark.django_db
def test_a_report_whose_worker_died_is_shown_failed_and_can_be_asked_again(
    client_as, leader, march, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_as(leader)
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    build = exports.build_monthly_workbook

    def killed_at_one_percent(period, out, *, township, today=None, progress=None):
        progress(1)
        raise WorkerKilled

    monkeypatch.setattr(exports, "build_monthly_workbook", killed_at_one_percent)
    with pytest.raises(WorkerKilled):
        services.monthly_report_build(report_id=report.pk, today=TODAY)
    report.refresh_from_db()
    assert (report.status, report.progress) == ("running", 1)  # what the dead worker leaves behind

    # Within minutes it may still be alive: shown running, not queued twice.
    assert "生成中 1%" in client.get(reverse("dashboards:reports")).content.decode()
    again = client.post(reverse("dashboards:reports"), {"month": "2026-03"}, follow=True).content.decode()
    assert "正在生成中" in again

    # No heartbeat for longer than the rule allows: the task is gone.
    gone = timezone.now() - jobs.LOST_AFTER - dt.timedelta(seconds=1)
    MonthlyReport.objects.filter(pk=report.pk).update(heartbeat_at=gone, started_at=gone)
    row = client.get(reverse("dashboards:report_status", args=[report.pk])).content.decode()
    assert "生成失败" in row and "后台任务已中断" in row and "生成中" not in row
    assert "hx-trigger" not in row  # the page stops polling

    monkeypatch.setattr(exports, "build_monthly_workbook", build)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("dashboards:reports"), {"month": "2026-03"}, follow=True).content.decode()
    assert "已提交鼎新乡2026年3月民情月报的生成任务" in asked
    report.refresh_from_db()
    assert report.status == "ready" and report.error == ""


@pytest.mark.django_db(transaction=True)
def test_asking_with_the_queue_down_says_so_instead_of_submitted(client_as, leader, broker_down):
    """Redis (the broker) is down: the page says the queue is unavailable; the row is failed, not pending for ever."""
    page = client_as(leader).post(reverse("dashboards:reports"), {"month": "2026-03"}, follow=True)
    text = page.content.decode()
    assert "已提交" not in text
    assert "2026年3月民情月报生成失败：后台任务队列暂时不可用" in text
    assert MonthlyReport.objects.get(year=2026, month=3).status == "failed"


@pytest.mark.django_db
def test_only_leaders_and_admins_may_ask(reception):
    with pytest.raises(services.PermissionDenied):
        services.monthly_report_request(township=make_township(), year=2026, month=3, by=reception)


# --- Task wiring ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_task_eager_wiring_builds_the_row(march):
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    assert build_monthly_report.delay(report.pk).get() == "ready"
    report.refresh_from_db()
    assert report.status == "ready"


@pytest.mark.django_db
def test_scheduled_task_builds_last_month(leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pks = build_previous_month_report.delay().get()
    today = dt.date.today()
    previous = Period.month(today.year, today.month).previous()
    reports = MonthlyReport.objects.filter(pk__in=pks)
    assert {(r.township, r.year, r.month, r.status) for r in reports} == {
        (place, previous.start.year, previous.start.month, "ready") for place in (make_township(), None)
    }
    assert all(r.requested_by is None for r in reports)
    assert Notification.objects.filter(recipient=leader, kind="report.ready").exists()


def test_beat_runs_the_report_at_one_on_the_first(settings):
    from minqing.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["monthly-report"]
    assert entry["task"] == build_previous_month_report.name
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert schedule.hour == {1} and schedule.minute == {0} and schedule.day_of_month == {1}


def test_report_task_retries_only_database_outages():
    assert build_monthly_report.autoretry_for == (OperationalError,)


# --- The command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_the_file_in_the_foreground(march, tmp_path):
    out = tmp_path / "民情月报.xlsx"
    buffer = io.StringIO()
    call_command("export_monthly_report", "2026-03", "--out", str(out), stdout=buffer)
    assert list(read(out)) == SHEETS
    assert "诉求明细 9 行" in buffer.getvalue()
    assert not MonthlyReport.objects.exists()


@pytest.mark.django_db
def test_command_without_out_rebuilds_the_stored_report(march):
    call_command("export_monthly_report", "2026-03", stdout=io.StringIO())
    assert MonthlyReport.objects.get(year=2026, month=3).status == "ready"


def test_command_refuses_a_bad_month():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("export_monthly_report", "2026-13", "--out", "/tmp/x.xlsx")


# --- The pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reports_page_requests_a_build_and_offers_the_download(
    client_as, leader, march, django_capture_on_commit_callbacks
):
    client = client_as(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:reports"), {"month": "2026-03"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(year=2026, month=3)
    assert report.status == "ready"  # no broker in tests: the task ran in-process
    page = client.get(reverse("dashboards:reports")).content.decode()
    assert reverse("dashboards:report_download", args=[report.pk]) in page
    download = client.get(reverse("dashboards:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    assert list(read(io.BytesIO(b"".join(download.streaming_content)))) == SHEETS


@pytest.mark.django_db
def test_reports_page_refuses_a_future_month(client_as, leader):
    response = client_as(leader).post(reverse("dashboards:reports"), {"month": "2099-01"})
    assert response.status_code == 200
    assert "尚未开始" in response.content.decode()
    assert not MonthlyReport.objects.exists()


@pytest.mark.django_db
def test_a_running_row_polls_every_two_seconds_and_a_ready_one_stops(client_as, leader):
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3, status="running", progress=40)
    client = client_as(leader)
    row = client.get(reverse("dashboards:report_status", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row and "40%" in row and "<script" not in row
    MonthlyReport.objects.filter(pk=report.pk).update(status="failed", error="生成失败：磁盘已满")
    row = client.get(reverse("dashboards:report_status", args=[report.pk])).content.decode()
    assert "hx-trigger" not in row and "磁盘已满" in row


@pytest.mark.django_db
def test_download_is_for_leaders_and_admins_only(client_as, reception, handler_minzheng, leader, march):
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3)
    services.monthly_report_build(report_id=report.pk, today=TODAY)
    url = reverse("dashboards:report_download", args=[report.pk])
    assert client_as(reception).get(url).status_code == 403
    assert client_as(handler_minzheng).get(url).status_code == 403
    report.refresh_from_db()
    # The file is not reachable under MEDIA_URL: only the view serves it.
    assert client_as(leader).get(f"/media/{report.file.name}").status_code == 404


@pytest.mark.django_db
def test_a_report_not_ready_has_no_download(client_as, leader):
    report = MonthlyReport.objects.create(township=make_township(), year=2026, month=3, status="pending")
    assert client_as(leader).get(reverse("dashboards:report_download", args=[report.pk])).status_code == 404


# --- A real worker --------------------------------------------------------------------------------


@pytest.mark.worker
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report(leader, make_petition):
    """The task goes through Redis to a solo worker, which builds the workbook; openpyxl reads it back.
    Delivered again, the task finds nothing to claim and the file stays."""
    for _ in range(3):
        make_petition("in_progress")
    today = dt.date.today()
    with real_worker(shutdown_timeout=30):
        report, queued = services.monthly_report_request(
            township=make_township(), year=today.year, month=today.month, by=leader
        )
        assert queued
        deadline = time.monotonic() + 60
        while report.status in ("pending", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
            report.refresh_from_db()
        assert report.status == "ready", report.error
        sheets = read(report.file.path)
        assert list(sheets) == SHEETS
        assert len(sheets["诉求明细"]) - 1 == 3 == report.case_count
        name = report.file.name
        # Delivered a second time (results kept for this call only, to wait for it): nothing to claim.
        assert build_monthly_report.apply_async((report.pk,), ignore_result=False).get(timeout=20) is None
        report.refresh_from_db()
        assert report.file.name == name and report.status == "ready"


# --- Text that looks like a formula -----------------------------------------------------------------

ATTACK = '=HYPERLINK("http://x/","y")'


@pytest.mark.django_db
def test_text_typed_as_a_formula_is_written_as_text_in_every_sheet(make_petition, village_a, dept_minzheng,
                                                                   category, liaison_a):  # fmt: skip
    from households.models import Village
    from petitions.models import Category, Department

    Village.objects.filter(pk=village_a.pk).update(name=ATTACK)
    Department.objects.filter(pk=dept_minzheng.pk).update(name=ATTACK)
    Category.objects.filter(pk=category.pk).update(subject=ATTACK)
    type(liaison_a).objects.filter(pk=liaison_a.pk).update(first_name=ATTACK)
    village_a.refresh_from_db()
    make_petition("in_progress", summary=ATTACK, petitioner_name=ATTACK)
    make_visit(liaison_a, village_a, [make_household(village_a, "001", ATTACK, cadre=liaison_a)])
    today = timezone.localdate()
    out = io.BytesIO()

    build_monthly_workbook(Period.month(today.year, today.month), out, township=village_a.township, today=today)

    out.seek(0)
    wb = load_workbook(out)
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    detail = [cell.value for cell in wb["诉求明细"][2]]
    assert [detail[i] for i in (3, 6, 7, 8)] == [ATTACK] * 4  # 村, 诉求事项, 诉求摘要, 承办单位
    assert detail[4] == "=某"  # the masked petitioner starts with "=" too
    visits = {cell.value for row in wb["走访统计"].iter_rows() for cell in row}
    assert ATTACK in visits  # the cadre's name and the village
    quoted = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert len(quoted) >= 7 and all(cell.quotePrefix for cell in quoted)
