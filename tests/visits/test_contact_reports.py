"""The contact households' monthly report (民情联系卡月报): drafted from the visits, submitted by the 3rd, reminded on
the 2nd and 3rd, compiled per township for the joint meeting on the 5th."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from meetings.kinds import ensure_default_kinds
from meetings.models import AgendaItem, MeetingKind
from notifications.models import Notification
from petitions.choices import OPEN_STATUSES
from tests.conftest import make_user
from tests.dashboards.conftest import at
from tests.meetings.conftest import plan
from tests.visits.conftest import local, make_household, make_visit
from visits.models import ContactQuota, ContactReport, ContactReportEdit, Visit
from visits.querysets import Month
from visits.reports import (
    UNCLASSIFIED,
    contact_report_submit,
    contact_reports_build,
    contact_reports_remind,
    special_report_add,
    township_compilation,
)
from visits.services import visit_link_petition

OCTOBER = Month(2026, 10)


@pytest.fixture
def october(village_a, village_b, liaison_a, liaison_b, leader, make_petition):
    """陈秀英 (liaison_a) keeps three contact households in 和平村, 刘强 (liaison_b) two in 大井村; their visits of
    October, some of September, and visits by others."""
    h1, h2, h3 = (make_household(village_a, f"HP-{n}", cadre=liaison_a) for n in (1, 2, 3))
    d1, d2 = (make_household(village_b, f"DJ-{n}", cadre=liaison_b) for n in (1, 2))
    make_visit(liaison_a, village_a, [h1], when=local(2026, 10, 3, 9), done_on_spot="当场解答低保政策")
    raising = make_visit(liaison_a, village_a, [h2], when=local(2026, 10, 12, 20), kind=Visit.Kind.NIGHT_VISIT)
    visit_link_petition(visit=raising, petition=make_petition(), by=liaison_a)
    visit_link_petition(visit=raising, petition=make_petition("closed"), by=liaison_a)
    make_visit(liaison_a, village_a, [h1], when=local(2026, 10, 20, 9), heard="  ")  # heard nothing
    make_visit(leader, village_a, [h3], when=local(2026, 10, 21, 9))  # not with the cadre
    make_visit(liaison_a, village_a, [h3], when=local(2026, 9, 30, 9))  # September
    make_visit(liaison_a, village_a, when=local(2026, 10, 25, 9), kind=Visit.Kind.FORUM, head_count=12)
    make_visit(liaison_b, village_b, [d1], when=local(2026, 10, 8, 9), done_on_spot="调解邻里纠纷")
    return {"a": liaison_a, "b": liaison_b}


def expected_figures(cadre, month: Month) -> dict:
    """The report's figures counted here in Python, visit by visit."""
    visits = [
        v
        for v in Visit.objects.prefetch_related("participants", "households", "petitions__category")
        if cadre in v.participants.all() and month.start <= v.visited_at < month.end
    ]
    from households.models import Household

    contacts = list(Household.objects.filter(contact_cadre=cadre))
    seen = {h.pk for v in visits for h in v.households.all() if h.contact_cadre_id == cadre.pk}
    opinions: dict[str, int] = {}
    cases = {}
    for v in visits:
        raised = list(v.petitions.all())
        for p in raised:
            opinions[p.category.subject] = opinions.get(p.category.subject, 0) + 1
            cases[p.pk] = p
        if not raised and v.heard.strip():
            opinions[UNCLASSIFIED] = opinions.get(UNCLASSIFIED, 0) + 1
    return {
        "households_total": len(contacts),
        "households_visited": len(seen),
        "visits_count": len(visits),
        "people_met": sum(v.head_count for v in visits),
        "opinions_count": sum(opinions.values()),
        "opinions_by_subject": opinions,
        "settled_count": sum(1 for v in visits if v.done_on_spot.strip()),
        "cases_raised": len(cases),
        "cases_finished": sum(1 for p in cases.values() if p.status not in OPEN_STATUSES),
    }


def test_a_cadres_draft_equals_the_counts_of_their_visits(october):
    assert contact_reports_build(OCTOBER) == 2
    for cadre in october.values():
        report = ContactReport.objects.get(cadre=cadre, month=dt.date(2026, 10, 1))
        expected = expected_figures(cadre, OCTOBER)
        assert {name: getattr(report, name) for name in expected} == expected
        assert report.status == ContactReport.Status.DRAFT
    a = ContactReport.objects.get(cadre=october["a"])
    # By name: three households, two visited; four visits, 1+1+1+12 people; two cases raised, one closed.
    assert (a.households_total, a.households_visited, a.visits_count, a.people_met) == (3, 2, 4, 15)
    assert (a.cases_raised, a.cases_finished, a.settled_count) == (2, 1, 1)
    assert a.opinions_by_subject == {"低保": 2, UNCLASSIFIED: 2}  # the visit of the 3rd and the forum
    assert a.unvisited == ["和平村 户主HP-3（HP-3）"]


def test_building_twice_drafts_nothing_more_and_a_month_not_ended_is_refused(october):
    call_command("build_contact_reports", "2026-10", stdout=open("/dev/null", "w"))
    call_command("build_contact_reports", "2026-10", stdout=open("/dev/null", "w"))
    assert ContactReport.objects.count() == 2
    current = Month.current()
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("build_contact_reports", str(current), stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("build_contact_reports", "2026-13", stdout=open("/dev/null", "w"))


def texts(summary="本月联系户总体稳定"):
    return {"summary": summary, "settled_note": "", "suggestions": "建议修路"}


def test_submitted_by_the_third_is_on_time_a_second_time_is_an_edit_then_locked(october):
    contact_reports_build(OCTOBER, now=local(2026, 11, 1, 0, 30))
    report = ContactReport.objects.get(cadre=october["a"])
    contact_report_submit(report=report, by=october["a"], texts=texts(), now=local(2026, 11, 2, 10))
    assert report.status == ContactReport.Status.SUBMITTED
    first_at = report.submitted_at
    contact_report_submit(report=report, by=october["a"], texts=texts("改过"), now=local(2026, 11, 3, 23))
    assert (report.status, report.summary, report.submitted_at) == ("submitted", "改过", first_at)
    assert not ContactReportEdit.objects.exists()
    # The 4th: locked; a change needs a reason and is recorded.
    with pytest.raises(ValidationError, match="已锁定"):
        contact_report_submit(report=report, by=october["a"], texts=texts("再改"), now=local(2026, 11, 4, 9))
    contact_report_submit(
        report=report, by=october["a"], texts=texts("再改"), late_reason="补充夜访情况", now=local(2026, 11, 4, 9)
    )
    edit = ContactReportEdit.objects.get()
    assert (edit.reason, edit.changes["summary"]) == ("补充夜访情况", ["改过", "再改"])
    assert report.status == ContactReport.Status.SUBMITTED


def test_a_draft_submitted_on_the_fourth_is_late_and_only_its_cadre_submits(october):
    contact_reports_build(OCTOBER)
    report = ContactReport.objects.get(cadre=october["b"])
    with pytest.raises(PermissionDenied):
        contact_report_submit(report=report, by=october["a"], texts=texts(), now=local(2026, 11, 2, 10))
    contact_report_submit(report=report, by=october["b"], texts=texts(), now=local(2026, 11, 4, 8))
    assert report.status == ContactReport.Status.LATE


def test_a_report_for_a_month_not_yet_ended_is_refused(october, village_a):
    current = Month.current()
    report = ContactReport.objects.create(
        cadre=october["a"], township=village_a.township, month=dt.date(current.year, current.month, 1)
    )
    with pytest.raises(ValidationError, match="尚未结束"):
        contact_report_submit(report=report, by=october["a"], texts=texts())
    with pytest.raises(ValidationError, match="尚未结束"):
        contact_reports_build(current)


def test_special_reports_need_a_title_and_content(october):
    contact_reports_build(OCTOBER)
    report = ContactReport.objects.get(cadre=october["a"])
    with pytest.raises(ValidationError) as e:
        special_report_add(report=report, by=october["a"], title="", content="")
    assert e.value.message_dict == {"title": ["请填写专题报告标题。"], "content": ["请填写专题报告的情况。"]}
    special_report_add(report=report, by=october["a"], title="村道损毁", content="雨后塌方，需乡里协调")
    assert report.special_reports.count() == 1


def test_the_late_are_reminded_on_the_second_and_third_once_each(october):
    contact_reports_build(OCTOBER)
    on_time = ContactReport.objects.get(cadre=october["b"])
    contact_report_submit(report=on_time, by=october["b"], texts=texts(), now=local(2026, 11, 1, 10))
    with at(dt.datetime(2026, 11, 1, 9)):
        assert contact_reports_remind() == 0  # the 1st: no reminder
    with at(dt.datetime(2026, 11, 2, 9)):
        assert contact_reports_remind() == 1
        assert contact_reports_remind() == 0
    with at(dt.datetime(2026, 11, 3, 9)):
        assert contact_reports_remind() == 1
        assert contact_reports_remind() == 0
    with at(dt.datetime(2026, 11, 4, 9)):
        assert contact_reports_remind() == 0
    told = Notification.objects.filter(kind="contact_report_due")
    assert list(told.values_list("recipient__username", flat=True).distinct()) == ["liaison"]


def test_the_compilation_is_the_sum_of_its_cadres_reports_and_the_joint_meeting_lists_it(
    october, leader, village_a, village_b
):
    # Another cadre in 和平村 so that the township has three reports.
    third = make_user("third", "liaison", villages=[village_a], full_name="第三人")
    make_visit(third, village_a, [make_household(village_a, "HP-9", cadre=third)], when=local(2026, 10, 9, 9))
    contact_reports_build(OCTOBER)
    reports = list(ContactReport.objects.filter(township=village_a.township))
    assert len(reports) == 3
    compiled = township_compilation(village_a.township, OCTOBER)
    for name in ContactReport.SUMMED:
        assert compiled.totals[name] == sum(getattr(r, name) for r in reports), name
    assert compiled.opinions_by_subject[UNCLASSIFIED] == sum(
        r.opinions_by_subject.get(UNCLASSIFIED, 0) for r in reports
    )
    assert (compiled.submitted, compiled.late, compiled.missing) == (0, 0, 3)

    ensure_default_kinds(MeetingKind)
    kind = MeetingKind.objects.get(name="党政联席分析会")
    with at(dt.datetime(2026, 11, 5, 8)):
        meeting = plan(leader, kind, dt.date(2026, 11, 5), township=village_a.township)
    item = meeting.items.get(title="鼎新乡2026年10月民情联系卡月报汇总")
    assert item.source == AgendaItem.Source.CONTACT_REPORTS
    assert item.detail.startswith(
        f"应报3份，按时报送0份，逾期报送0份，未报送3份；联系户{compiled.totals['households_total']}户"
    )


def test_the_cadres_page_submits_on_a_phone_and_is_nobody_elses(october, client_as):
    contact_reports_build(OCTOBER)
    report = ContactReport.objects.get(cadre=october["a"])
    url = reverse("visits:report_edit", args=[report.pk])
    assert client_as(october["b"]).get(url).status_code == 404
    client = client_as(october["a"])
    assert client.get(url).status_code == 200
    with at(dt.datetime(2026, 11, 2, 10)):
        response = client.post(url, {"action": "special", "special-title": "", "special-content": ""})
        assert "请填写专题报告标题。" in response.content.decode()
        client.post(url, {"action": "special", "special-title": "山塘渗漏", "special-content": "需水利站处理"})
        response = client.post(url, {"summary": "总体稳定", "settled_note": "", "suggestions": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.special_reports.get().title) == ("submitted", "山塘渗漏")
    with at(dt.datetime(2026, 11, 5, 10)):
        client = client_as(october["a"])  # a new session: the last one has timed out since the 2nd
        response = client.post(url, {"summary": "再改", "settled_note": "", "suggestions": "", "late_reason": ""})
    assert "已锁定" in response.content.decode()


def test_the_board_shows_who_is_late_and_the_county_exports(october, client_as, leader, village_a):
    contact_reports_build(OCTOBER)
    report = ContactReport.objects.get(cadre=october["a"])
    contact_report_submit(report=report, by=october["a"], texts=texts(), now=local(2026, 11, 2, 10))
    response = client_as(leader).get(reverse("visits:reports"), {"month": "2026-10"})
    assert (response.context["submitted"], response.context["missing"]) == (1, 1)
    assert "逾期未报" in response.content.decode()
    assert client_as(leader).get(reverse("visits:reports"), {"month": "2026-10", "format": "xlsx"}).status_code == 403
    county = make_user("county", "county")
    response = client_as(county).get(reverse("visits:reports"), {"month": "2026-10", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client_as(county).get(
        reverse("visits:compilation"), {"month": "2026-10", "township": village_a.township_id, "format": "xlsx"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 5])
def test_the_board_reads_a_constant_number_of_queries(
    extra, october, client_as, leader, village_a, django_assert_max_num_queries
):
    for n in range(extra):
        cadre = make_user(f"more{n}", "liaison", villages=[village_a])
        make_household(village_a, f"M-{n}", cadre=cadre)
    contact_reports_build(OCTOBER)
    client = client_as(leader)
    client.get(reverse("visits:reports"))  # warm the session
    with django_assert_max_num_queries(15):
        client.get(reverse("visits:reports"), {"month": "2026-10"})
    with django_assert_max_num_queries(15):
        client.get(reverse("visits:compilation"), {"month": "2026-10", "township": village_a.township_id})


def test_a_quota_of_zero_or_below_is_refused_in_chinese(village_a):
    quota = ContactQuota(township=village_a.township, monthly_visits=0, deputy_yearly_contacts=-3)
    with pytest.raises(ValidationError) as e:
        quota.full_clean()
    assert e.value.message_dict["monthly_visits"] == ["定额必须是大于0的整数，不能为0或负数。"]
    assert "deputy_yearly_contacts" in e.value.message_dict
