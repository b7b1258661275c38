"""The county network's numbers and monthly reports (issue #16): two townships with March cases of their own,
made through the workflow — 鼎新乡's (``march``, tests/dashboards/conftest.py) and 和兴镇's (``hexing_march``).

Each township's figures are its own hand count; the county's are their sum for every measure; the 乡镇 rows of the
numbers page drill down to exactly the cases they count; a township's report holds its own cases only; the county
workbook's township rows add up to its 全县合计, which is the county's figures; a leader never reaches another
township's report; beat builds every township's report and the county's, once.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from dashboards import exports, metrics, services
from dashboards.exports import COUNTY_SHEETS, COUNTY_TOTAL, SHEETS, build_county_workbook, build_monthly_workbook
from dashboards.models import MonthlyReport
from dashboards.periods import Period
from dashboards.tasks import build_previous_month_report
from minqing import jobs
from notifications.models import Notification
from petitions.models import Petition
from tests.conftest import make_user
from tests.dashboards.conftest import TODAY, t
from tests.dashboards.test_metrics import BY_HAND
from tests.dashboards.test_reports import read
from tests.visits.conftest import make_household, make_visit

pytestmark = pytest.mark.django_db

P = Period.month(2026, 3)

#: 和兴镇's March, by hand from the second table in conftest.py: measure → (numerator cases, denominator cases).
HX_BY_HAND = {
    # routed in March: h1 h2 h3 h4 h6 (handed up to 县自然资源局); signed by the next working day: h1 h3 h6.
    "response_rate": ({"h1", "h3", "h6"}, {"h1", "h2", "h3", "h4", "h6"}),
    # replied in March: h1 h2 h3 h6; lapsed unreplied: h4 (3-23); on time: h1 h3 h6.
    "on_time_rate": ({"h1", "h3", "h6"}, {"h1", "h2", "h3", "h4", "h6"}),
    # revisited: h1 h2 h3; solved: h1 h3.
    "resolution_rate": ({"h1", "h3"}, {"h1", "h2", "h3"}),
    # 满意 h1 h3, 基本满意 h2.
    "satisfaction_rate": ({"h1", "h2", "h3"}, {"h1", "h2", "h3"}),
    # closed in March by a satisfied revisit, never reopened: h1 h2 h3.
    "first_time_resolution_rate": ({"h1", "h2", "h3"}, {"h1", "h2", "h3"}),
    # of those, led by 和兴村委会: h3.
    "village_resolution_rate": ({"h3"}, {"h1", "h2", "h3"}),
    # received in March: h1–h6; repeat: h5.
    "repeat_rate": ({"h5"}, {"h1", "h2", "h3", "h4", "h5", "h6"}),
}


@pytest.fixture
def county(march, hexing_march, hexing, township, liaison_a):
    """Both townships' March, a visit in each, their leaders and the county center (县级)."""
    liaison_hx = make_user("liaison_hx", "liaison", villages=[hexing.village_a], full_name="郑玉兰")
    for liaison, village, number in (
        (liaison_a, township.village_a, "HP-001"),
        (liaison_hx, hexing.village_a, "HX-001"),
    ):
        household = make_household(village, number, cadre=liaison)
        make_visit(liaison, village, [household], when=timezone.make_aware(t(3, 12)))
    return SimpleNamespace(
        dx=township.village_a.township,
        hx=hexing.place,
        cases={**march, **hexing_march},
        leader=township.leader,
        leader_hx=hexing.leader,
        user=make_user("county", "county", full_name="县民情中心"),
    )


def names(county, pks) -> set[str]:
    by_pk = {p.pk: name for name, p in county.cases.items()}
    return {by_pk[pk] for pk in pks}


def counts(figure: metrics.Figure) -> tuple:
    return figure.numerator, figure.denominator, figure.parts


# --- The numbers ----------------------------------------------------------------------------------


def test_each_townships_figures_are_its_own_hand_count(county):
    for place, by_hand in ((county.dx, BY_HAND), (county.hx, HX_BY_HAND)):
        figures = metrics.compute(P, today=TODAY, townships=[place.pk])
        for measure, (numerator, denominator) in by_hand.items():
            assert (figures[measure].numerator_cases, figures[measure].denominator) == (
                len(numerator),
                len(denominator),
            ), (place.name, measure)


@pytest.mark.parametrize("measure", metrics.MEASURE_KEYS)
def test_the_countys_figures_are_the_sum_of_the_townships(county, measure):
    whole = metrics.compute(P, today=TODAY)[measure]
    dx = metrics.compute(P, today=TODAY, townships=[county.dx.pk])[measure]
    hx = metrics.compute(P, today=TODAY, townships=[county.hx.pk])[measure]
    assert dx.denominator and hx.denominator  # both townships count in every measure
    assert whole.denominator == dx.denominator + hx.denominator
    assert whole.numerator == dx.numerator + hx.numerator
    assert whole.parts == {part: dx.parts[part] + hx.parts[part] for part in whole.parts}
    rows = {row.id: row.figures[measure] for row in metrics.compute_by(P, "township", today=TODAY)}
    assert {place: counts(f) for place, f in rows.items()} == {county.dx.pk: counts(dx), county.hx.pk: counts(hx)}


def test_the_county_reads_the_townships_side_by_side_and_each_number_lists_exactly_its_cases(client_as, county):
    client = client_as(county.user)
    response = client.get(reverse("dashboards:metrics") + "?kind=month&month=2026-03&by=township")
    assert response.status_code == 200
    assert "按乡镇" in response.content.decode()
    group = response.context["group"]
    assert group["dimension"].key == "township"
    rows = {item["row"].label: item for item in group["rows"]}
    assert list(rows) == ["鼎新乡", "和兴镇"]
    # The county's overall figures are the sum of the townships' rows, for every measure.
    for cell in response.context["overall"]:
        key = cell["measure"].key
        assert cell["figure"].denominator == sum(item["row"].figures[key].denominator for item in rows.values())
        assert cell["figure"].numerator == sum(item["row"].figures[key].numerator for item in rows.values())
    for label, by_hand, prefix in (("鼎新乡", BY_HAND, "c"), ("和兴镇", HX_BY_HAND, "h")):
        for cell in rows[label]["cells"]:
            numerator, denominator = by_hand[cell["measure"].key]
            for url, expected in (
                (cell["numerator_url"], numerator),
                (cell["denominator_url"], denominator),
                (cell["missed_url"], denominator - numerator),
            ):
                assert "dim=township" in url and f"key={rows[label]['row'].key}" in url
                listed = client.get(url)
                assert listed.status_code == 200
                assert f"乡镇：{label}" in listed.content.decode()
                assert names(county, [p.pk for p in listed.context["page_obj"]]) == expected, (label, url)
                assert all(name.startswith(prefix) for name in expected)


def test_a_township_leader_has_no_township_tab_and_counts_only_their_own(client_as, county):
    client = client_as(county.leader)
    page = client.get(reverse("dashboards:metrics") + "?kind=month&month=2026-03")
    assert "按乡镇" not in page.content.decode()
    overall = {cell["measure"].key: cell["figure"] for cell in page.context["overall"]}
    assert {key: overall[key].denominator for key in BY_HAND} == {key: len(d) for key, (_, d) in BY_HAND.items()}
    # Another township's key, guessed: nothing of it is listed.
    url = (
        reverse("dashboards:metric_cases")
        + f"?measure=repeat_rate&part=denominator&from=2026-03-01&to=2026-03-31&dim=township&key={county.hx.pk}"
    )
    assert client.get(url).context["page_obj"].paginator.count == 0


# --- A township's report ---------------------------------------------------------------------------


def numbers_in(sheets: dict) -> set[str]:
    found = set()
    for rows in sheets.values():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    found.update(re.findall(r"MQ[A-Z]*\d{6}-\d{4}", value))
    return found


def test_a_township_leaders_report_holds_none_of_the_other_townships_cases(
    client_as, county, django_capture_on_commit_callbacks
):
    client = client_as(county.leader)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("dashboards:reports"), {"month": "2026-03"}).status_code == 302
    report = MonthlyReport.objects.get(township=county.dx, year=2026, month=3)
    assert report.status == "ready" and report.case_count == 9
    download = client.get(reverse("dashboards:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert "%E9%BC%8E%E6%96%B0%E4%B9%A1" in download["Content-Disposition"]  # 鼎新乡 in the file's name
    sheets = read(io.BytesIO(b"".join(download.streaming_content)))
    assert list(sheets) == SHEETS
    assert sheets["汇总"][0][0] == "鼎新乡民情信息中心 2026年3月民情月报"
    dx = {county.cases[c].tracking_number for c in ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c11")}
    hx = {p.tracking_number for name, p in county.cases.items() if name.startswith("h")}
    assert {row[0] for row in sheets["诉求明细"][1:]} == dx
    assert {row[0] for row in sheets["超期事项"][1:]} == {
        county.cases[c].tracking_number for c in ("c2", "c5", "c10", "c13")
    }
    assert numbers_in(sheets) & hx == set()
    text = repr(sheets)
    for other in ("和兴村", "新民村", "郑玉兰", "和兴村委会", "县自然资源局"):
        assert other not in text
    summary = {row[0]: row for row in sheets["汇总"] if row and row[0]}
    assert summary["响应率"][2:4] == (4, 7) and summary["本月受理"][1] == 9
    assert [row for row in sheets["回访满意度"] if row[0] == "合计"][0][1:6] == (6, 4, 1, 1, 4)


def test_the_other_townships_report_is_its_own(county):
    out = io.BytesIO()
    stats = build_monthly_workbook(P, out, township=county.hx, today=TODAY)
    out.seek(0)
    sheets = read(out)
    assert sheets["汇总"][0][0] == "和兴镇民情信息中心 2026年3月民情月报"
    hx = {p.tracking_number for name, p in county.cases.items() if name.startswith("h")}
    assert {row[0] for row in sheets["诉求明细"][1:]} == hx and stats.cases == 6
    assert {row[0] for row in sheets["超期事项"][1:]} == {county.cases[c].tracking_number for c in ("h2", "h4")}
    # The case handed up to 县自然资源局 stays 和兴镇's.
    assert [row[8] for row in sheets["诉求明细"][1:] if row[0] == county.cases["h6"].tracking_number] == [
        "县自然资源局"
    ]
    visits = {row[0] for row in sheets["走访统计"] if row and row[0]}
    assert "郑玉兰" in visits and "陈秀英" not in visits and "和平村" not in visits
    assert [row for row in sheets["回访满意度"] if row[0] == "合计"][0][1:6] == (3, 2, 1, 0, 2)
    assert numbers_in(sheets) == hx


# --- The county workbook ----------------------------------------------------------------------------


def township_sheet(sheets) -> tuple[tuple, dict[str, tuple]]:
    rows = sheets["乡镇汇总"]
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "乡镇")
    return rows[header_at], {row[0]: row for row in rows[header_at + 1 :] if row and row[0]}


def test_the_county_workbooks_township_rows_add_up_to_its_total_and_the_county_figures(county):
    out = io.BytesIO()
    stats = build_county_workbook(P, out, today=TODAY)
    out.seek(0)
    sheets = read(out)
    assert list(sheets) == COUNTY_SHEETS
    header, rows = township_sheet(sheets)
    assert list(rows) == ["鼎新乡", "和兴镇", COUNTY_TOTAL]
    dx, hx, total = rows["鼎新乡"], rows["和兴镇"], rows[COUNTY_TOTAL]
    for i, title in enumerate(header[1:], start=1):
        if isinstance(total[i], str):  # a rate: the total's is computed from its summed counts
            continue
        assert dx[i] + hx[i] == total[i], title
    column = {title: i for i, title in enumerate(header)}
    # 本月受理, 超期事项, 走访: each township's own, and the county's by its own count.
    assert (dx[1], hx[1], total[1]) == (9, 6, exports.received_in(P).count()) == (9, 6, 15)
    assert (dx[2], hx[2], total[2]) == (4, 2, Petition.objects.filter(exports.overdue_in(P, TODAY)).count())
    assert (dx[3], hx[3], total[3]) == (1, 1, 2)
    assert stats.cases == 15
    # The total's measures are the county's figures, computed from the cases; each township's its own.
    whole = metrics.compute(P, today=TODAY)
    for i, measure in enumerate(metrics.MEASURES):
        at = len(exports.TOWNSHIP_COLUMNS) + 3 * i
        assert header[at] == measure.label
        figure = whole[measure.key]
        assert total[at : at + 3] == (figure.percent, figure.numerator, figure.denominator), measure.key
        for row, by_hand in ((dx, BY_HAND), (hx, HX_BY_HAND)):
            numerator, denominator = by_hand[measure.key]
            assert row[at + 2] == len(denominator)
    assert column["响应率"] == len(exports.TOWNSHIP_COLUMNS)
    # 汇总: the county's figures beside February's.
    summary = {row[0]: row for row in sheets["汇总"] if row and row[0]}
    assert summary["全县2026年3月民情月报（县级汇总）"]
    assert summary["响应率"][1:4] == (whole["response_rate"].percent, 7, 12)
    assert summary["本月受理"][1] == 15


def test_a_township_with_nothing_this_month_has_a_row_of_zeros(county):
    from tests.conftest import make_township

    quiet = make_township("清水乡", "QS", "MQQS")
    quiet.sort_order = 9
    quiet.save(update_fields=["sort_order"])
    out = io.BytesIO()
    build_county_workbook(P, out, today=TODAY)
    out.seek(0)
    _, rows = township_sheet(read(out))
    assert list(rows) == ["鼎新乡", "和兴镇", "清水乡", COUNTY_TOTAL]
    assert rows["清水乡"][1:5] == (0, 0, 0, 0) and rows["清水乡"][5:8] == ("—", 0, 0)


# --- Who sees which report ---------------------------------------------------------------------------


@pytest.fixture
def built(county):
    """March's reports of both townships and the county, built."""
    reports = {}
    for key, place in (("dx", county.dx), ("hx", county.hx), ("county", None)):
        row = MonthlyReport.objects.create(township=place, year=2026, month=3)
        reports[key] = services.monthly_report_build(report_id=row.pk, today=TODAY)
        assert reports[key].status == "ready"
    return reports


def test_a_leader_can_neither_see_nor_download_another_townships_report(client_as, county, built):
    client = client_as(county.leader)
    for key in ("hx", "county"):
        assert client.get(reverse("dashboards:report_status", args=[built[key].pk])).status_code == 404
        assert client.get(reverse("dashboards:report_download", args=[built[key].pk])).status_code == 404
    assert client.get(reverse("dashboards:report_download", args=[built["dx"].pk])).status_code == 200
    page = client.get(reverse("dashboards:reports"))
    assert [r.pk for r in page.context["reports"]] == [built["dx"].pk]
    assert page.context["places"] == []  # one township: nothing to choose
    text = page.content.decode()
    assert "和兴镇" not in text and "<strong>全县汇总</strong>" not in text


def test_a_leader_cannot_ask_for_another_townships_report(client_as, county, built):
    client = client_as(county.leader)
    before = MonthlyReport.objects.get(pk=built["hx"].pk).finished_at
    response = client.post(reverse("dashboards:reports"), {"month": "2026-03", "place": str(county.hx.pk)})
    assert response.status_code == 200 and response.context["form"].errors["place"]
    assert MonthlyReport.objects.get(pk=built["hx"].pk).finished_at == before
    for place in (county.hx, None):
        with pytest.raises(PermissionDenied):
            services.monthly_report_request(township=place, year=2026, month=3, by=county.leader)
    with pytest.raises(PermissionDenied):
        services.monthly_report_request(township=county.dx, year=2026, month=3, by=county.leader_hx)


def test_the_county_sees_and_downloads_every_townships_report_and_its_own(client_as, county, built):
    client = client_as(county.user)
    page = client.get(reverse("dashboards:reports"))
    assert [r.pk for r in page.context["reports"]] == [built["county"].pk, built["dx"].pk, built["hx"].pk]
    assert [label for _, label in page.context["places"]] == ["全县汇总（县级）", "鼎新乡", "和兴镇"]
    for report in built.values():
        download = client.get(reverse("dashboards:report_download", args=[report.pk]))
        assert download.status_code == 200
    only_hx = client.get(reverse("dashboards:reports") + f"?place={county.hx.pk}")
    assert [r.pk for r in only_hx.context["reports"]] == [built["hx"].pk]
    only_county = client.get(reverse("dashboards:reports") + "?place=county")
    assert [r.pk for r in only_county.context["reports"]] == [built["county"].pk]
    assert list(read(built["county"].file.path)) == COUNTY_SHEETS


def test_the_visible_reports_and_the_rule_for_one_agree(county, built, admin_user):
    from minqing.access import scope_for

    for user in (county.leader, county.leader_hx, county.user, admin_user):
        scope = scope_for(user)
        visible = set(MonthlyReport.objects.visible_to(scope).values_list("pk", flat=True))
        assert visible == {r.pk for r in built.values() if services.may_see_report(scope, r.township_id)}
    assert services.report_places(scope_for(county.leader)) == [county.dx]


def test_the_county_asks_for_its_workbook(client_as, county, django_capture_on_commit_callbacks):
    client = client_as(county.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:reports"), {"month": "2026-03", "place": "county"}, follow=True)
    assert "已提交全县2026年3月民情月报（县级汇总）的生成任务" in response.content.decode()
    report = MonthlyReport.objects.get(township__isnull=True, year=2026, month=3)
    assert report.status == "ready" and report.case_count == 15
    assert report.download_name == "民情月报-全县汇总-2026年03月.xlsx"


def test_a_lost_build_of_any_row_is_shown_failed(client_as, county):
    gone = timezone.now() - jobs.LOST_AFTER - timezone.timedelta(seconds=1)
    rows = [
        MonthlyReport.objects.create(township=place, year=2026, month=3, status="running", started_at=gone)
        for place in (county.dx, county.hx, None)
    ]
    page = client_as(county.user).get(reverse("dashboards:reports")).content.decode()
    assert page.count("后台任务已中断") == 3
    assert all(MonthlyReport.objects.get(pk=r.pk).status == "failed" for r in rows)


# --- Beat: every township's and the county's, once ------------------------------------------------------


def test_beat_builds_one_report_per_township_and_the_countys_once(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = build_previous_month_report.delay("2026-03").get()
    reports = MonthlyReport.objects.filter(year=2026, month=3)
    assert sorted(first) == sorted(reports.values_list("pk", flat=True))
    assert {(r.township_id, r.status) for r in reports} == {
        (county.dx.pk, "ready"),
        (county.hx.pk, "ready"),
        (None, "ready"),
    }
    assert {r.township_id: r.case_count for r in reports} == {county.dx.pk: 9, county.hx.pk: 6, None: 15}
    # Each township's leaders are told of theirs, the county of the county's.
    told = {
        user.username: list(
            Notification.objects.filter(recipient=user, kind="report.ready").values_list("title", flat=True)
        )
        for user in (county.leader, county.leader_hx, county.user)
    }
    assert told == {
        "leader": ["鼎新乡2026年3月民情月报已生成"],
        "leader_hx": ["和兴镇2026年3月民情月报已生成"],
        "county": ["全县2026年3月民情月报（县级汇总）已生成"],
    }
    built = {r.pk: (r.file.name, r.finished_at) for r in reports}
    notified = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = build_previous_month_report.delay("2026-03").get()
    assert sorted(again) == sorted(first) and callbacks == []  # nothing queued
    assert {r.pk: (r.file.name, r.finished_at) for r in MonthlyReport.objects.all()} == built
    assert Notification.objects.count() == notified


def test_beat_builds_a_failed_report_again(county, django_capture_on_commit_callbacks):
    MonthlyReport.objects.create(township=county.hx, year=2026, month=3, status="failed", error="生成失败：磁盘已满")
    with django_capture_on_commit_callbacks(execute=True):
        services.monthly_report_schedule(year=2026, month=3)
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"ready"}
    assert MonthlyReport.objects.count() == 3


# --- The command --------------------------------------------------------------------------------------


def test_command_builds_one_townships_report_by_its_code(county, tmp_path):
    out = tmp_path / "hx.xlsx"
    buffer = io.StringIO()
    call_command("export_monthly_report", "2026-03", "--township", "HX", "--out", str(out), stdout=buffer)
    sheets = read(out)
    assert list(sheets) == SHEETS
    assert {row[0] for row in sheets["诉求明细"][1:]} == {
        p.tracking_number for name, p in county.cases.items() if name.startswith("h")
    }
    assert "和兴镇2026年3月民情月报已写入" in buffer.getvalue() and "诉求明细 6 行" in buffer.getvalue()


def test_command_without_a_township_builds_the_county_workbook_when_there_are_several(county, tmp_path):
    out = tmp_path / "county.xlsx"
    call_command("export_monthly_report", "2026-03", "--out", str(out), stdout=io.StringIO())
    assert list(read(out)) == COUNTY_SHEETS
    call_command("export_monthly_report", "2026-03", stdout=io.StringIO())
    stored = MonthlyReport.objects.get()
    assert stored.township is None and stored.status == "ready"


def test_command_refuses_an_unknown_township(county):
    with pytest.raises(CommandError, match="没有简码为 ZZ 的乡镇.*DX（鼎新乡）"):
        call_command("export_monthly_report", "2026-03", "--township", "ZZ", "--out", "/tmp/x.xlsx")
