"""Meetings by rhythm (issue 17): each kind's default rhythm, ``plan_meetings`` (what beat runs daily) planning the
coming meetings of every body once, reminders once, and the leader's desk showing a meeting not held by its date."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, MeetingKind, MeetingReminder
from meetings.rhythm import occurrences
from notifications.models import Notification
from petitions.models import Department
from tests.conftest import make_department, make_township, make_user, make_village
from tests.meetings.conftest import at, plan

pytestmark = pytest.mark.django_db

NOV_25 = dt.date(2026, 11, 25)  # a Wednesday


@pytest.fixture
def two_townships(db, village_a, village_b, dept_minzheng, dept_zigui, leader, liaison_a, handler_minzheng):
    """鼎新乡 (和平村 with its committee, 大井村; 民政办, 自规所) and 和兴镇 (和兴村; 民政办), with their people."""
    make_department("和平村委会", village=village_a)
    hexing = make_township("和兴镇", "HX", "MQHX")
    make_village("和兴村", township=hexing)
    make_department("民政办", township=hexing)
    make_user("leader_hx", "leader", townships=[hexing])
    return hexing


def test_the_default_rhythms(kinds):
    village, office, joint = kinds["村两委分析会"], kinds["职能办公室月度分析会"], kinds["党政联席分析会"]
    assert (village.level, village.rhythm_text) == ("village", "每周二")
    assert (office.level, office.rhythm_text) == ("office", "每月3日")
    assert (joint.level, joint.rhythm_text) == ("township", "每月5日")
    assert kinds["民情研判会"].rhythm_text == "不定期"
    assert occurrences(village, dt.date(2026, 11, 25), dt.date(2026, 12, 9)) == [
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 8),
    ]
    assert occurrences(joint, dt.date(2026, 11, 25), dt.date(2027, 1, 10)) == [
        dt.date(2026, 12, 5),
        dt.date(2027, 1, 5),
    ]
    assert occurrences(kinds["民情研判会"], NOV_25, dt.date(2027, 1, 1)) == []


def test_beat_plans_next_months_meetings_once(two_townships, kinds, settings, leader, liaison_a, handler_minzheng):
    from meetings.tasks import plan_meetings

    entry = settings.CELERY_BEAT_SCHEDULE["plan-meetings"]
    assert entry["task"] == "meetings.plan_meetings"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {30}

    with at(dt.datetime(2026, 11, 25, 6, 30)):
        assert plan_meetings.delay().get() == {"planned": 8, "reminded": 0}  # eager here: the wiring
    planned = list(Meeting.objects.select_related("kind"))
    offices = Department.objects.filter(kind=Department.Kind.OFFICE).count()
    # 5 December: each township's joint meeting; 3 December: each office's; Tuesday 1 December: each village's.
    joint = [m for m in planned if m.kind.name == "党政联席分析会"]
    assert sorted((m.title, m.date) for m in joint) == [
        ("和兴镇2026年12月党政联席分析会", dt.date(2026, 12, 5)),
        ("鼎新乡2026年12月党政联席分析会", dt.date(2026, 12, 5)),
    ]
    assert len([m for m in planned if m.kind.name == "职能办公室月度分析会"]) == offices == 3
    assert {m.title for m in planned if m.level == "village"} == {
        "和平村2026年12月1日村两委分析会", "大井村2026年12月1日村两委分析会", "和兴村2026年12月1日村两委分析会",
    }  # fmt: skip
    # Each with its agenda built, and its people: a village's liaison records, an office's staff member.
    hp = Meeting.objects.get(title="和平村2026年12月1日村两委分析会")
    assert hp.secretary == liaison_a and hp.department.name == "和平村委会" and hp.rhythm_date == hp.date
    assert Meeting.objects.get(department=handler_minzheng.departments.get()).secretary == handler_minzheng

    # Running it again, the same day or the next, plans nothing more.
    with at(dt.datetime(2026, 11, 25, 18, 0)):
        assert plan_meetings.delay().get() == {"planned": 0, "reminded": 0}
    assert services.meetings_plan_due(NOV_25 + dt.timedelta(days=1)) == []
    assert Meeting.objects.count() == 8


def test_the_command_plans_and_says_so(two_townships, kinds):
    out = StringIO()
    call_command("plan_meetings", "--date", "2026-11-25", stdout=out)
    assert "已安排 8 个会议" in out.getvalue()
    assert "已安排：鼎新乡2026年12月党政联席分析会" in out.getvalue()
    out = StringIO()
    call_command("plan_meetings", "--date", "2026-11-25", stdout=out)
    assert "已安排 0 个会议" in out.getvalue()


def test_a_moved_meeting_is_not_planned_again_and_the_next_copies_its_people(two_townships, kinds, leader, village_a):
    MeetingKind.objects.exclude(name="党政联席分析会").update(is_active=False)
    services.meetings_plan_due(NOV_25)
    meeting = Meeting.objects.get(township=village_a.township)
    chair = make_user("shuji", "leader", full_name="党委书记")
    services.meeting_update(meeting=meeting, by=leader, date=dt.date(2026, 12, 7), chair=chair, place="三楼会议室")
    assert services.meetings_plan_due(NOV_25) == []
    january = services.meetings_plan_due(dt.date(2026, 12, 25))
    mine = next(m for m in january if m.township_id == village_a.township_id)
    assert (mine.date, mine.chair, mine.place, mine.previous) == (dt.date(2027, 1, 5), chair, "三楼会议室", meeting)


def test_reminders_go_to_the_chair_and_secretary_once(two_townships, kinds, leader, liaison_a):
    MeetingKind.objects.exclude(name="村两委分析会").update(is_active=False)
    services.meetings_plan_due(NOV_25)
    meeting = Meeting.objects.get(village=liaison_a.liaison_villages.get())
    chair = make_user("cun_zhuren", "liaison", villages=[meeting.village], full_name="村主任")
    services.meeting_update(meeting=meeting, by=leader, chair=chair)
    assert services.meeting_reminders_send(NOV_25) == 0  # 1 December is not tomorrow yet
    assert services.meeting_reminders_send(dt.date(2026, 11, 30)) == 3  # the three villages' meetings
    assert services.meeting_reminders_send(dt.date(2026, 11, 30)) == 0
    assert services.meeting_reminders_send(dt.date(2026, 12, 1)) == 0
    notes = Notification.objects.filter(kind="meeting.upcoming", url=f"/meetings/{meeting.pk}/")
    assert sorted(n.recipient.username for n in notes) == ["cun_zhuren", "liaison"]
    assert notes.first().title == "会议提醒：和平村2026年12月1日村两委分析会"
    assert MeetingReminder.objects.filter(sent_at__isnull=False).count() == 3


def test_a_meeting_not_held_by_its_date_shows_on_the_leaders_desk(
    kinds, leader, village_a, client_as, village_secretary
):
    today = timezone.localdate()
    late = plan(village_secretary, kinds["村两委分析会"], today - dt.timedelta(days=2), village=village_a, today=today)
    held = plan(village_secretary, kinds["村两委分析会"], today - dt.timedelta(days=9), village=village_a, today=today)
    services.meeting_hold(meeting=held, by=village_secretary)
    page = client_as(leader).get("/").content.decode()
    section = page[page.index('id="leader-meetings-not-held"') :]
    assert late.title in section and held.title not in section


def test_a_meeting_planned_by_hand_on_its_rhythm_day_is_that_days_meeting(two_townships, kinds, leader, village_a):
    """The leader plans December's joint meeting by hand before beat does: beat then plans no second one; an
    extra meeting on the same day is allowed, by hand."""
    MeetingKind.objects.exclude(name="党政联席分析会").update(is_active=False)
    mine = plan(leader, kinds["党政联席分析会"], dt.date(2026, 12, 5), township=village_a.township, today=NOV_25)
    extra = plan(leader, kinds["党政联席分析会"], dt.date(2026, 12, 5), township=village_a.township, today=NOV_25)
    assert (mine.rhythm_date, extra.rhythm_date) == (dt.date(2026, 12, 5), None)
    planned = services.meetings_plan_due(NOV_25)
    assert [m.township.code for m in planned] == ["HX"]
