"""A year's holiday arrangement entered in one go (issue 15): reading the State Council's wording and the line
format, the checks, and the recomputation of the deadlines already stored on running cases (期限重算).

The recomputation tests use made-up years: "today" is late 2030, whose arrangement the fixture enters as rows,
and the cases' deadlines reach into 2031, which nobody has entered — until the test does.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import chinese_calendar
import pytest
from django.utils import timezone

from petitions import deadlines, holidays, reminders, workflow
from petitions.holidays import REST, WORK, Entry
from petitions.models import Action, DayVersion, Holiday, Petition, PetitionEvent, Reminder, Status

D = dt.date

#: The State Council's notice for 2026 (国办发明电〔2025〕7号), as pasted from its web page.
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
　　二、春节：2月15日（农历腊月二十八）至23日（农历正月初七）放假调休，共9天。2月14日（星期六）、2月28日（星期六）上班。
　　三、清明节：4月4日（周六）至6日（周一）放假，共3天。
　　四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
　　五、端午节：6月19日（周五）至21日（周日）放假，共3天。
　　六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
　　七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置。

国务院办公厅
2025年11月4日
"""

#: A made-up arrangement for 2031 in the State Council's words (2031 is nobody's real year yet).
NOTICE_2031 = """一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月22日（农历除夕、周三）至28日（周二）放假调休，共7天。1月11日（周六）、1月19日（周日）上班。
三、国庆节：10月1日（周三）至7日（周二）放假调休，共7天。9月28日（周日）、10月11日（周六）上班。
"""

#: The same arrangement in the line format of manage.py holidays_import.
LINES_2031 = """# 2031年（虚构的安排，供测试）
2031-01-01 休 元旦
2031-01-22..2031-01-28 休 春节
2031-01-11 班 春节
2031-01-19 班 春节
2031-10-01..2031-10-07 休 国庆节
2031-09-28 班 国庆节
2031-10-11 班 国庆节
"""


def every_day(year: int):
    day = D(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


# --- Reading the State Council's wording and the line format ------------------------------------------------


def test_the_2026_notice_gives_exactly_the_bundled_calendar():
    arrangement = holidays.read(2026, NOTICE_2026)
    assert arrangement.problems == []
    days = arrangement.days
    differ = [day for day in every_day(2026) if holidays.is_workday_in(day, days) != chinese_calendar.is_workday(day)]
    assert differ == []
    assert holidays.package_differences(2026, days) == []
    # Every rest day and make-up day of the package is a row, named as the notice names it.
    assert {d for d, (kind, _) in days.items() if kind == REST} == {
        d for d in chinese_calendar.holidays if d.year == 2026
    }
    assert {d for d, (kind, _) in days.items() if kind == WORK} == {
        d for d in chinese_calendar.workdays if d.year == 2026
    }
    assert days[D(2026, 2, 17)] == (REST, "春节")
    assert days[D(2026, 9, 20)] == (WORK, "国庆节")
    assert arrangement.count(REST) == 33 and arrangement.count(WORK) == 6


def test_the_notice_and_the_line_format_read_the_same():
    from_notice = holidays.read(2031, NOTICE_2031)
    from_lines = holidays.read(2031, LINES_2031)
    assert from_notice.problems == [] and from_lines.problems == []
    assert from_notice.days == from_lines.days
    assert from_lines.days[D(2031, 1, 19)] == (WORK, "春节")
    assert holidays.parse_text(LINES_2031, 2031)[0][1] == Entry(D(2031, 1, 22), D(2031, 1, 28), REST, "春节", 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031-01-01 休", {D(2031, 1, 1): (REST, "")}),
        ("2031-1-1 放假 元旦  # a comment", {D(2031, 1, 1): (REST, "元旦")}),
        ("2031-02-08 班", {D(2031, 2, 8): (WORK, "")}),
        ("2031-01-22 ~ 2031-01-23 休", {D(2031, 1, 22): (REST, ""), D(2031, 1, 23): (REST, "")}),
        # Months written out, a range across months, two make-up days with the month said once.
        ("春节：1月30日至2月1日放假，共3天。2月8日、9日上班。",
         {D(2031, 1, 30): (REST, "春节"), D(2031, 1, 31): (REST, "春节"), D(2031, 2, 1): (REST, "春节"),
          D(2031, 2, 8): (WORK, "春节"), D(2031, 2, 9): (WORK, "春节")}),
        # Full-width digits and a whole notice on one line: each 一、二、 starts a holiday.
        ("一、元旦：１月１日放假。二、劳动节：5月1日至3日放假，共3天。",
         {D(2031, 1, 1): (REST, "元旦"), D(2031, 5, 1): (REST, "劳动节"), D(2031, 5, 2): (REST, "劳动节"),
          D(2031, 5, 3): (REST, "劳动节")}),
    ],
)  # fmt: skip
def test_reading_variants(text, expected):
    arrangement = holidays.read(2031, text)
    assert arrangement.problems == []
    assert arrangement.days == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # Overlapping ranges.
        ("2031-01-22..2031-01-28 休\n2031-01-27..2031-01-30 休", "第2行：放假日期1月27日与第1行“1月22日至1月28日放假”重叠。"),  # noqa: E501
        # A make-up working day inside a holiday, either way round.
        ("2031-01-22..2031-01-28 休 春节\n2031-01-25 班", "第2行：调休上班日1月25日在第1行“春节：1月22日至1月28日放假”的放假期间内。"),  # noqa: E501
        ("2031-01-25 班\n2031-01-22..2031-01-28 休", "第2行：放假期间包含第1行的调休上班日1月25日。"),
        ("春节：1月22日至28日放假。1月25日上班。", "第1行：调休上班日1月25日在第1行“春节：1月22日至1月28日放假”的放假期间内。"),  # noqa: E501
        # Dates outside the year.
        ("2030-12-31 休", "第1行：2030年12月31日不在2031年内。"),
        ("2031-12-31..2032-01-01 休", "第1行：2032年1月1日不在2031年内。"),
        ("元旦：2030年12月31日至2031年1月1日放假。", "第1行：2030年12月31日不在2031年内。"),
        # A make-up working day on a weekday is a typo.
        ("2031-01-20 班", "第1行：1月20日（星期一）本来就是工作日，不是调休上班日，请核对日期。"),
        # The stated length is not the dates'.
        ("春节：1月22日至28日放假调休，共8天。", "第1行：“春节”写明共8天，但放假日期共7天，请核对。"),
        ("2031-13-01 休", "第1行：“2031-13-01 休”中有不存在的日期。"),
        ("2031-01-01 元旦", "第1行：无法识别“2031-01-01 元旦”（格式如：2027-01-01 休、2027-02-06..2027-02-12 休、2027-02-14 班）。"),  # noqa: E501
        ("元旦：1月1日。", "第1行：“1月1日”没有写明是放假还是上班。"),
        ("2月30日放假", "第1行：“2月30日”不是存在的日期。"),
        ("这里没有日期", "没有识别到任何放假或调休上班的日期。"),
    ],
)  # fmt: skip
def test_bad_arrangements_are_refused_with_the_reason_and_line(text, problem):
    arrangement = holidays.read(2031, text)
    assert not arrangement.ok
    assert problem in [str(p) for p in arrangement.problems]


def test_a_year_the_package_knows_is_refused_when_a_day_differs():
    arrangement = holidays.read(2026, NOTICE_2026.replace("2月14日（星期六）、", ""))
    assert [str(p) for p in arrangement.problems] == [
        "2026年的节假日安排已内置（国务院已公布），录入的与其不一致：2月14日应为工作日。请核对后重新录入，内置年度无需录入。"
    ]
    assert arrangement.problems[0].source == "year"


def test_the_table_rows_are_read_and_checked_with_the_text():
    rows = [
        {"name": "春节", "first": D(2031, 1, 22), "last": D(2031, 1, 28), "kind": REST},
        {"name": "", "first": None, "last": None, "kind": ""},  # an empty row
        {"name": "春节", "first": D(2031, 1, 19), "last": None, "kind": WORK},
        {"name": "", "first": D(2031, 1, 1), "last": None, "kind": ""},
    ]
    arrangement = holidays.read(2031, "2031-01-01 休 元旦\n2031-01-25 班", rows)
    # The text comes first: the clash is told at the table's row.
    assert [str(p) for p in arrangement.problems] == [
        "表格第4行：请选择放假或调休上班。",
        "表格第1行：放假期间包含第2行的调休上班日1月25日。",
    ]
    assert holidays.read(2031, "2031-01-01 休 元旦", rows[:3]).days == {
        D(2031, 1, 1): (REST, "元旦"),
        D(2031, 1, 19): (WORK, "春节"),
        **{D(2031, 1, d): (REST, "春节") for d in range(22, 29)},
    }


def test_line_format_round_trip_and_the_bundled_year():
    days = holidays.read(2031, NOTICE_2031).days
    assert holidays.read(2031, holidays.to_lines(days)).days == days
    assert holidays.to_lines(days).splitlines()[:3] == [
        "2031-01-01 休 元旦",
        "2031-01-11 班 春节",
        "2031-01-19 班 春节",
    ]
    assert holidays.read(2026, holidays.to_lines(holidays.package_days(2026))).problems == []


def test_the_year_grid_shows_every_day_once_with_its_standing():
    days = holidays.read(2031, NOTICE_2031).days
    grid = holidays.year_grid(2031, days)
    cells = [cell for _, weeks in grid for week in weeks for cell in week if cell]
    assert [m for m, _ in grid] == list(range(1, 13))
    assert [c.day for c in cells] == list(every_day(2031))
    states = {c.day: c.state for c in cells}
    assert states[D(2031, 1, 1)] == "rest" and states[D(2031, 1, 19)] == "makeup"
    assert states[D(2031, 1, 18)] == "weekend" and states[D(2031, 1, 20)] == "workday"
    assert all(len(week) == 7 for _, weeks in grid for week in weeks)


# --- Recomputing the deadlines stored while 2031 was unknown (期限重算) ----------------------------------------


@pytest.fixture
def clock():
    """``timezone.now`` (and so ``localdate``, ``auto_now_add`` and the workflow's today) frozen at ``clock.now``,
    10:00 on Friday 20 December 2030 to begin with; ``clock.at(day)`` moves it."""

    class Clock:
        now = timezone.make_aware(dt.datetime(2030, 12, 20, 10))

        def at(self, day: dt.date, hour: int = 10):
            self.now = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: c.now):
        yield c


@pytest.fixture
def year_2030(db):
    """2030 is entered (made up): of the years the cases reach, only 2031 is unknown."""
    Holiday.objects.bulk_create(
        Holiday(date=D(2030, 10, day), kind=Holiday.Kind.HOLIDAY, name="国庆节") for day in range(1, 8)
    )


@pytest.fixture
def complex_category(dept_minzheng):
    from tests.petitions.conftest import make_category

    return make_category("宅基地", department=dept_minzheng, reply_working_days=15)


def routed(make_petition, clock, day: dt.date, state=Status.IN_PROGRESS, **fields) -> Petition:
    clock.at(day)
    return make_petition(state, **fields)


def enter_2031(by=None, text=NOTICE_2031):
    arrangement = holidays.read(2031, text)
    assert arrangement.problems == []
    return holidays.arrangement_save(arrangement, by=by)


def recomputed_events():
    return PetitionEvent.objects.filter(action=Action.RECOMPUTE_DEADLINES)


def versions() -> dict[dt.date, int]:
    return dict(DayVersion.objects.values_list("day", "version"))


@pytest.mark.django_db
def test_entering_2031_moves_each_provisional_deadline_to_the_right_day(
    clock, year_2030, make_petition, complex_category, admin_user
):
    # Monday 30 December, 5 working days: Monday to Friday gave 31 Dec, 1, 2, 3, 6 Jan → 6 January.
    later = routed(make_petition, clock, D(2030, 12, 30))
    # Tuesday 31 December, 15 working days (复杂), not yet signed for: 21 January by the guess; the real 2031
    # has 1 January off but Saturday 11 and Sunday 19 January worked → 20 January, a day earlier.
    earlier = routed(make_petition, clock, D(2030, 12, 31), Status.ASSIGNED, category=complex_category)
    # Friday 20 December: every deadline but the 15-day notice (6 January either way) lies in 2030.
    unchanged = routed(make_petition, clock, D(2030, 12, 20))
    assert (later.reply_by, later.sign_by, later.deadline_provisional) == (D(2031, 1, 6), D(2030, 12, 31), True)
    assert (earlier.reply_by, earlier.sign_by) == (D(2031, 1, 21), D(2031, 1, 1))
    assert (unchanged.reply_by, unchanged.notice_by, unchanged.deadline_provisional) == (
        D(2030, 12, 27), D(2031, 1, 6), True,
    )  # fmt: skip
    assert deadlines.provisional_years(later) == [2031]

    clock.at(D(2030, 12, 31), hour=16)
    before, case_versions = versions(), {p.pk: p.version for p in (later, earlier, unchanged)}
    rows, report = enter_2031(by=admin_user)

    assert (len(rows.added), len(rows.removed)) == (19, 0)
    later.refresh_from_db(), earlier.refresh_from_db(), unchanged.refresh_from_db()
    assert (later.reply_by, later.sign_by, later.notice_by, later.finish_by) == (
        D(2031, 1, 7), D(2030, 12, 31), D(2031, 1, 14), D(2031, 2, 28),
    )  # fmt: skip
    assert (earlier.reply_by, earlier.sign_by) == (D(2031, 1, 20), D(2031, 1, 2))
    assert (unchanged.reply_by, unchanged.notice_by) == (D(2030, 12, 27), D(2031, 1, 6))
    assert [p.deadline_provisional for p in (later, earlier, unchanged)] == [False, False, False]
    assert deadlines.provisional_years(later) == []

    # One event per changed case, with old → new and the reason; none for the case whose dates stood.
    events = {e.petition_id: e for e in recomputed_events()}
    assert set(events) == {later.pk, earlier.pk}
    event = events[earlier.pk]
    assert (event.from_status, event.to_status, event.actor) == (Status.ASSIGNED, Status.ASSIGNED, admin_user)
    assert event.data["changes"] == {"sign_by": ["2031-01-01", "2031-01-02"], "reply_by": ["2031-01-21", "2031-01-20"]}
    assert (event.data["reason"], event.data["years"], event.data["earlier"]) == ("节假日安排录入", [2031], True)
    assert event.note == (
        "2031年节假日安排录入，期限重新计算：签收期限 2031-01-01 → 2031-01-02；答复期限 2031-01-21 → 2031-01-20"
    )
    assert events[later.pk].data["earlier"] is False
    assert (len(report.changes), report.earlier, report.confirmed, report.unexplained) == (2, 1, 1, [])

    # The days the leaders' kept counts hold these cases on moved: received and routed, the reply deadline before
    # and after, and today (as for any change through the workflow); no other day.
    after = versions()
    moved = {day for day in after if after[day] != before.get(day, 0)}
    assert moved == {D(2030, 12, 30), D(2030, 12, 31), D(2031, 1, 6), D(2031, 1, 7), D(2031, 1, 20), D(2031, 1, 21)}
    assert [p.version - case_versions[p.pk] for p in (later, earlier, unchanged)] == [1, 1, 0]

    # Entering the same arrangement again (or in the line format) changes nothing and writes no event.
    rows, report = enter_2031(by=admin_user, text=LINES_2031)
    assert not rows and report.changed_days == [] and report.changes == []
    assert recomputed_events().count() == 2
    assert versions() == after


@pytest.mark.django_db
def test_replied_and_closed_cases_are_not_touched(clock, year_2030, make_petition, complex_category):
    replied = routed(make_petition, clock, D(2030, 12, 31), Status.REPLIED, category=complex_category)
    closed = routed(make_petition, clock, D(2030, 12, 31), Status.CLOSED, category=complex_category)
    withdrawn = routed(make_petition, clock, D(2030, 12, 31), Status.WITHDRAWN, category=complex_category)
    registered = routed(make_petition, clock, D(2030, 12, 31), Status.REGISTERED)
    snapshot = {p.pk: (p.version, p.reply_by, p.sign_by, p.review_by) for p in (replied, closed, withdrawn)}
    assert replied.reply_by == D(2031, 1, 21)  # provisional, and would be 20 January now

    enter_2031()

    assert {p.pk: (p.version, p.reply_by, p.sign_by, p.review_by) for p in Petition.objects.filter(
        pk__in=snapshot)} == snapshot  # fmt: skip
    assert recomputed_events().count() == 0
    # Their pages lose the mark all the same: 2031 is entered.
    assert deadlines.provisional_years(replied) == []
    registered.refresh_from_db()
    assert (registered.notice_by, registered.deadline_provisional) == (D(2031, 1, 15), False)


@pytest.mark.django_db
def test_a_deadline_moved_into_the_past_is_overdue_at_once_and_reminded_once(
    clock, year_2030, make_petition, complex_category, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    case = routed(make_petition, clock, D(2030, 12, 31), category=complex_category)
    assert case.reply_by == D(2031, 1, 21)
    # The admin is late: 21 January, the case's last day by the guess.
    today = D(2031, 1, 21)
    clock.at(today)
    assert reminders.reminders_scan(today=today)["due_soon"] == 1
    assert not Petition.objects.overdue(today).exists()

    with django_capture_on_commit_callbacks(execute=True):
        enter_2031()

    case.refresh_from_db()
    assert case.reply_by == D(2031, 1, 20)
    assert list(Petition.objects.overdue(today)) == [case]
    assert deadlines.deadline_state(case.reply_by, today) == "overdue"
    assert reminders.reminders_scan(today=today) == {**dict.fromkeys(Reminder.Level.values, 0), "overdue": 1}
    assert reminders.reminders_scan(today=today)["overdue"] == 0
    assert Reminder.objects.filter(petition=case, level=Reminder.Level.OVERDUE).count() == 1
    # The handling department and the routing leader were told the deadline moved earlier.
    told = Notification.objects.filter(kind="petition.deadline_earlier")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["handler", "leader"]
    assert "答复期限 2031-01-21 → 2031-01-20" in told[0].body


@pytest.mark.django_db
def test_a_deadline_moved_later_tells_nobody(clock, year_2030, make_petition, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    routed(make_petition, clock, D(2030, 12, 30))
    with django_capture_on_commit_callbacks(execute=True):
        enter_2031()
    assert recomputed_events().count() == 1
    assert not Notification.objects.filter(kind="petition.deadline_earlier").exists()


@pytest.mark.django_db
def test_extensions_reopenings_fixed_dates_and_the_statutory_days_follow_their_basis(
    clock, year_2030, make_petition, leader, handler_minzheng, reception, dept_minzheng
):
    # An approved extension counts from the deadline it extends: 27 Dec + 10 working days → 10 Jan by the guess,
    # 11 Jan (a Saturday worked) in the real 2031. The statutory extension (60 + 30 days) ends on 20 March either way.
    extended = routed(make_petition, clock, D(2030, 12, 20))
    clock.at(D(2030, 12, 23))
    workflow.petition_request_extension(
        petition=extended, by=handler_minzheng, reason="需核查。", days=10, statutory_days=30
    )
    workflow.petition_decide_extension(petition=extended, by=leader, approve=True)
    assert (extended.reply_by, extended.finish_by) == (D(2031, 1, 10), D(2031, 3, 20))
    # Reopened by an unsatisfied revisit on 31 December: 5 working days from that day (not from the routing).
    reopened = routed(make_petition, clock, D(2030, 12, 20), Status.REPLIED)
    clock.at(D(2030, 12, 31))
    workflow.petition_revisit(petition=reopened, by=reception, solved=False, satisfaction="unsatisfied")
    assert reopened.reply_by == D(2031, 1, 7)
    # A date the leader fixed is the leader's: 1 January stays, though it is a holiday now; sign-for moves.
    fixed = routed(make_petition, clock, D(2030, 12, 31), Status.AWAITING_INSTRUCTION)
    workflow.petition_route(
        petition=fixed, by=leader, instruction="请办理。", lead_department=dept_minzheng, reply_by=D(2031, 1, 1)
    )
    # The statutory 60 days from Saturday 23 November end on Wednesday 22 January: in the Spring Festival now.
    statutory = routed(make_petition, clock, D(2030, 11, 23), Status.ASSIGNED)
    assert statutory.finish_by == D(2031, 1, 22)

    clock.at(D(2030, 12, 31), hour=16)
    enter_2031()

    changes = {e.petition_id: e.data["changes"] for e in recomputed_events()}
    assert changes == {
        extended.pk: {"reply_by": ["2031-01-10", "2031-01-11"]},
        reopened.pk: {"reply_by": ["2031-01-07", "2031-01-08"]},
        fixed.pk: {"sign_by": ["2031-01-01", "2031-01-02"]},
        statutory.pk: {"finish_by": ["2031-01-22", "2031-01-29"]},
    }
    fixed.refresh_from_db()
    assert fixed.reply_by == D(2031, 1, 1)


@pytest.mark.django_db
def test_a_limit_edited_since_is_read_back_from_the_stored_date(clock, year_2030, make_petition, category):
    case = routed(make_petition, clock, D(2030, 12, 31), Status.ASSIGNED)
    assert case.sign_by == D(2031, 1, 1)
    category.sign_working_days = 3  # edited in the admin after the routing: the case was given 1 working day
    category.save()
    enter_2031()
    case.refresh_from_db()
    assert case.sign_by == D(2031, 1, 2)


@pytest.mark.django_db
def test_a_case_computed_before_any_2031_row_is_recomputed_after_a_partial_entry(
    clock, year_2030, make_petition, complex_category
):
    """Rows for 2031 added one by one without recomputation (as before issue 15): the stored dates are still the
    Monday-to-Friday guess's, which is taken as their calendar."""
    case = routed(make_petition, clock, D(2030, 12, 31), category=complex_category)
    Holiday.objects.create(date=D(2031, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    enter_2031()
    case.refresh_from_db()
    assert case.reply_by == D(2031, 1, 20)


@pytest.mark.django_db
def test_a_deadline_no_basis_explains_is_reported_and_left_alone(clock, year_2030, make_petition, admin_user):
    case = routed(make_petition, clock, D(2030, 12, 27))  # 30, 31 Dec, 1, 2, 3 Jan → 3 January by the guess
    assert case.reply_by == D(2031, 1, 3)
    # 30 December made a rest day behind the workflow's back: no basis gives back 3 January (nor the sign-for
    # deadline, 30 December itself) any more.
    Holiday.objects.create(date=D(2030, 12, 30), kind=Holiday.Kind.HOLIDAY, name="（直接写入）")
    version = case.version

    preview = holidays.arrangement_preview(holidays.read(2031, NOTICE_2031))
    assert [(p.pk, fields) for p, fields in preview.recompute.unexplained] == [(case.pk, ["sign_by", "reply_by"])]
    _, report = enter_2031(by=admin_user)

    case.refresh_from_db()
    assert (case.reply_by, case.version) == (D(2031, 1, 3), version)
    assert recomputed_events().count() == 0
    assert [(p.pk, fields) for p, fields in report.unexplained] == [(case.pk, ["sign_by", "reply_by"])]
    assert f"1件无法核对原计算依据、未重算，请人工核对：{case.tracking_number}" in report.summary()


@pytest.mark.django_db
def test_the_preview_says_what_saving_would_do_and_writes_nothing(clock, year_2030, make_petition, complex_category):
    later = routed(make_petition, clock, D(2030, 12, 30))
    earlier = routed(make_petition, clock, D(2030, 12, 31), Status.ASSIGNED, category=complex_category)
    arrangement = holidays.read(2031, NOTICE_2031)

    preview = holidays.arrangement_preview(arrangement)

    assert [(c.petition.pk, c.changes, c.earlier) for c in preview.recompute.changes] == [
        (later.pk, {"reply_by": (D(2031, 1, 6), D(2031, 1, 7))}, False),
        (earlier.pk, {"sign_by": (D(2031, 1, 1), D(2031, 1, 2)), "reply_by": (D(2031, 1, 21), D(2031, 1, 20))}, True),
    ]
    assert len(preview.rows.added) == 19
    assert not Holiday.objects.filter(date__year=2031).exists()
    assert recomputed_events().count() == 0
    # Saving does what the preview said.
    _, report = holidays.arrangement_save(arrangement)
    assert [(c.petition.pk, c.changes) for c in report.changes] == [
        (c.petition.pk, c.changes) for c in preview.recompute.changes
    ]


@pytest.mark.django_db
def test_a_case_changed_meanwhile_is_read_again_and_recomputed(clock, year_2030, make_petition, handler_minzheng):
    case = routed(make_petition, clock, D(2030, 12, 30))
    stale = Petition.objects.select_related("category").get(pk=case.pk)
    workflow.petition_add_progress(petition=case, by=handler_minzheng, note="已入户。")  # the version moves on
    change = deadlines.CalendarChange(
        deadlines.WorkingCalendar.around(D(2030, 1, 1), years=3),
        deadlines.WorkingCalendar.with_year(2031, holidays.read(2031, NOTICE_2031).workdays),
        (2031,),
    )
    with pytest.raises(workflow.TransitionError):
        workflow.petition_recompute_deadlines(petition=stale, change=change, reason=holidays.ENTRY_REASON)
    report = holidays.RecomputeReport()
    events = holidays._basis_events([case.pk])[case.pk]
    holidays._recompute_one(stale, events, change, report, by=None, reason=holidays.ENTRY_REASON)
    assert [c.petition.pk for c in report.changes] == [case.pk] and report.stale == []
    assert Petition.objects.get(pk=case.pk).reply_by == D(2031, 1, 7)


@pytest.mark.django_db
def test_only_the_system_or_an_admin_recomputes(clock, year_2030, make_petition, leader, admin_user):
    from django.core.exceptions import PermissionDenied

    case = routed(make_petition, clock, D(2030, 12, 30))
    change = deadlines.CalendarChange(
        deadlines.WorkingCalendar.around(D(2030, 1, 1), years=3),
        deadlines.WorkingCalendar.with_year(2031, holidays.read(2031, NOTICE_2031).workdays),
        (2031,),
    )
    with pytest.raises(PermissionDenied):
        workflow.petition_recompute_deadlines(petition=case, by=leader, change=change, reason="节假日安排录入")
    assert recomputed_events().count() == 0
    event = workflow.petition_recompute_deadlines(petition=case, by=None, change=change, reason="节假日安排录入")
    assert (event.actor, event.actor_name) == (None, "")
    # No button anywhere: the action is the system's.
    from minqing.access import scope_for

    assert Action.RECOMPUTE_DEADLINES not in [t.action for t in workflow.available_actions(case, scope_for(admin_user))]


@pytest.mark.django_db
@pytest.mark.parametrize("state", Status.values)
def test_every_state_of_the_recompute_action(state, clock, year_2030, make_petition, complex_category):
    """The running states are recomputed (one event, the state kept); every other state is refused, writing nothing."""
    case = routed(make_petition, clock, D(2030, 12, 31), state, category=complex_category)
    case = Petition.objects.select_related("category").get(pk=case.pk)
    change = deadlines.CalendarChange(
        deadlines.WorkingCalendar.around(D(2030, 1, 1), years=3),
        deadlines.WorkingCalendar.with_year(2031, holidays.read(2031, NOTICE_2031).workdays),
        (2031,),
    )
    events_before, version = PetitionEvent.objects.count(), case.version
    if state in workflow.TRANSITIONS[Action.RECOMPUTE_DEADLINES].sources:
        event = workflow.petition_recompute_deadlines(petition=case, change=change, reason="节假日安排录入")
        case.refresh_from_db()
        if state in (Status.ASSIGNED, Status.IN_PROGRESS):  # the reply deadline moved
            assert (event.from_status, event.to_status, case.version) == (state, state, version + 1)
            assert case.reply_by == D(2031, 1, 20)
        else:  # registered or awaiting instruction: the notice date, 15 January, stands
            assert event is None and case.version == version
        assert case.status == state
    else:
        with pytest.raises(workflow.TransitionError):
            workflow.petition_recompute_deadlines(petition=case, change=change, reason="节假日安排录入")
        assert (PetitionEvent.objects.count(), Petition.objects.get(pk=case.pk).version) == (events_before, version)


# --- 系统配置 → 节假日安排 → 录入全年安排 (the admin's form) --------------------------------------------------


def year_form_data(year=2031, text=NOTICE_2031, rows=(), **extra) -> dict:
    data = {"year": year, "text": text, "range-TOTAL_FORMS": 8, "range-INITIAL_FORMS": 0, **extra}
    for n, row in enumerate(rows):
        data.update({f"range-{n}-{key}": value for key, value in row.items()})
    return data


@pytest.mark.django_db
def test_the_admin_previews_the_year_then_saves_it(clock, year_2030, make_petition, admin_user, client_as):
    from django.urls import reverse

    case = routed(make_petition, clock, D(2030, 12, 30))
    clock.at(D(2030, 12, 31), hour=16)
    client = client_as(admin_user)
    url = reverse("admin:petitions_holiday_year")
    assert f'href="{url}"' in client.get(reverse("admin:petitions_holiday_changelist")).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["year"].value() == 2031  # the year not entered

    rows = [{"name": "清明节", "first": "2031-04-05", "last": "2031-04-07", "kind": "holiday"}]
    preview = client.post(url, year_form_data(rows=rows, _preview="1"))
    assert preview.status_code == 200 and preview.context["preview"] is not None
    html = preview.content.decode()
    # The whole year as a calendar: 15 rest days of the text and 3 of the table, 4 make-up days.
    assert html.count('<td class="rest"') == 15 + 3 and html.count('<td class="makeup"') == 4
    assert html.count('class="holiday-month"') == 12
    assert 'data-date="2031-01-19"' in html and "确认保存" in html
    assert f"{case.tracking_number}</a>" in html and "答复期限 2031-01-06 → 2031-01-07" in html
    assert not Holiday.objects.filter(date__year=2031).exists() and recomputed_events().count() == 0

    # The preview carries the same input back: confirming saves exactly it.
    saved = client.post(url, year_form_data(rows=rows, _confirm="1"))
    assert saved.status_code == 302 and saved.url.endswith("?date__year=2031")
    assert Holiday.objects.filter(date__year=2031).count() == 22
    assert Holiday.objects.get(date=D(2031, 4, 6)).name == "清明节"
    case.refresh_from_db()
    assert case.reply_by == D(2031, 1, 7)
    assert recomputed_events().get().actor == admin_user
    message = [str(m) for m in saved.wsgi_request._messages]
    assert message and message[0].startswith("已保存2031年节假日安排：放假18天，调休上班4天")

    # The form offers the saved year back in the line format; saving it again writes nothing.
    again = client.get(url + "?year=2031").context["form"]["text"].value()
    assert holidays.read(2031, again).days == holidays.read(2031, NOTICE_2031, [
        {"name": "清明节", "first": D(2031, 4, 5), "last": D(2031, 4, 7), "kind": REST}]).days  # fmt: skip
    client.post(url, year_form_data(text=again, _confirm="1"))
    assert recomputed_events().count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": NOTICE_2031 + "1月25日（周六）上班。"}, "text",
         "第4行：调休上班日1月25日在第2行“春节：1月22日至1月28日放假”的放假期间内。"),
        ({"text": "2031-01-22..2031-01-28 休\n2031-01-27..2031-01-30 休"}, "text",
         "第2行：放假日期1月27日与第1行“1月22日至1月28日放假”重叠。"),
        ({"year": 2032, "text": LINES_2031}, "text", "第2行：2031年1月1日不在2032年内。"),  # 2031's file as 2032
        ({"year": 2026, "text": NOTICE_2026.replace("9月20日（周日）、", "")}, "year",
         "2026年的节假日安排已内置（国务院已公布），录入的与其不一致：9月20日应为工作日。请核对后重新录入，内置年度无需录入。"),
    ],
)  # fmt: skip
def test_the_admin_form_refuses_a_bad_arrangement_next_to_the_field(data, field, message, admin_user, client_as):
    from django.urls import reverse

    client = client_as(admin_user)
    url = reverse("admin:petitions_holiday_year")
    for step in ("_preview", "_confirm"):  # a forged confirmation is read and refused the same way
        page = client.post(url, year_form_data(**{**data, step: "1"}))
        assert page.status_code == 200 and page.context["preview"] is None
        assert message in page.context["form"].errors[field]
        assert message in page.content.decode()
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_a_bad_table_row_is_told_at_its_row(admin_user, client_as):
    from django.urls import reverse

    rows = [{}, {"name": "春节", "first": "2031-01-25", "kind": "workday"}]
    page = client_as(admin_user).post(reverse("admin:petitions_holiday_year"), year_form_data(rows=rows, _preview="1"))
    formset = page.context["formset"]
    assert formset.forms[1].non_field_errors() == ["调休上班日1月25日在第2行“春节：1月22日至1月28日放假”的放假期间内。"]
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_only_who_may_add_and_delete_holidays_enters_a_year(leader, client_as):
    from django.urls import reverse

    leader.is_staff = True
    leader.save()
    assert client_as(leader).get(reverse("admin:petitions_holiday_year")).status_code == 403


@pytest.mark.django_db
def test_editing_a_single_row_recomputes_too(clock, year_2030, make_petition, admin_user, client_as):
    from django.urls import reverse

    case = routed(make_petition, clock, D(2030, 12, 30))  # 5 working days → 6 January by the guess
    client = client_as(admin_user)
    row = {"date": "2031-01-02", "kind": "holiday", "name": "元旦"}
    response = client.post(reverse("admin:petitions_holiday_add"), row)
    assert response.status_code == 302
    case.refresh_from_db()
    # 2031 counts as entered with this one row (Monday to Friday otherwise): 31 Dec, 1, 3, 6, 7 January.
    assert case.reply_by == D(2031, 1, 7)
    event = recomputed_events().get()
    assert event.data["reason"] == "节假日安排调整" and event.actor == admin_user
    holiday = Holiday.objects.get(date=D(2031, 1, 2))
    client.post(reverse("admin:petitions_holiday_delete", args=[holiday.pk]), {"post": "yes"})
    case.refresh_from_db()
    assert case.reply_by == D(2031, 1, 6) and recomputed_events().count() == 2


# --- manage.py holidays_import YEAR FILE ----------------------------------------------------------------------


@pytest.mark.django_db
def test_holidays_import_enters_the_year_once(clock, year_2030, make_petition, tmp_path):
    import io

    from django.core.management import call_command

    case = routed(make_petition, clock, D(2030, 12, 30))
    path = tmp_path / "2031.txt"
    path.write_text(LINES_2031, encoding="utf-8")
    out = io.StringIO()
    call_command("holidays_import", "2031", str(path), stdout=out)
    assert "2031年：放假15天，调休上班4天。" in out.getvalue()
    assert f"{case.tracking_number}：答复期限 2031-01-06 → 2031-01-07" in out.getvalue()
    assert Holiday.objects.filter(date__year=2031).count() == 19
    event = recomputed_events().get()
    assert event.actor is None and event.actor_name == ""

    out = io.StringIO()
    call_command("holidays_import", "2031", str(path), stdout=out)
    assert recomputed_events().count() == 1
    assert "已保存：新增0条、删除0条、修改0条记录。" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LINES_2031 + "2031-01-25 班\n", "第9行：调休上班日1月25日在第3行“春节：1月22日至1月28日放假”的放假期间内。"),
        (
            LINES_2031 + "2031-10-06..2031-10-09 休\n",
            "第9行：放假日期10月6日与第6行“国庆节：10月1日至10月7日放假”重叠。",
        ),  # noqa: E501
        (LINES_2031 + "2032-01-01 休\n", "第9行：2032年1月1日不在2031年内。"),
    ],
)
def test_holidays_import_refuses_a_bad_file_writing_nothing(text, expected, tmp_path, clock, year_2030, make_petition):
    import subprocess
    import sys

    from django.core.management import CommandError, call_command

    routed(make_petition, clock, D(2030, 12, 30))
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("holidays_import", "2031", str(path))
    assert expected in str(refused.value)
    assert not Holiday.objects.filter(date__year=2031).exists() and recomputed_events().count() == 0
    # From the shell: a non-zero exit status and the problem on stderr.
    result = subprocess.run(
        [sys.executable, "manage.py", "holidays_import", "2031", str(path), "--dry-run"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and expected in result.stderr


@pytest.mark.django_db
def test_holidays_import_dry_run_writes_nothing(clock, year_2030, make_petition, tmp_path):
    import io

    from django.core.management import call_command

    case = routed(make_petition, clock, D(2030, 12, 30))
    path = tmp_path / "2031.txt"
    path.write_text(NOTICE_2031, encoding="utf-8")  # the State Council's wording is read as well
    out = io.StringIO()
    call_command("holidays_import", "2031", str(path), "--dry-run", stdout=out)
    assert f"{case.tracking_number}：答复期限 2031-01-06 → 2031-01-07" in out.getvalue()
    assert "（预览）1件诉求的期限将重新计算" in out.getvalue()
    assert not Holiday.objects.exists() or not Holiday.objects.filter(date__year=2031).exists()
    assert recomputed_events().count() == 0


# --- The provisional mark and the warning ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_page_loses_the_mark_once_the_year_is_entered(clock, year_2030, make_petition, leader, client_as):
    from django.urls import reverse

    case = routed(make_petition, clock, D(2030, 12, 30), Status.REPLIED)  # replied: never recomputed
    client = client_as(leader)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "部分期限暂按周一至周五计算：2031年节假日安排尚未录入。" in page
    enter_2031()
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "暂按周一至周五计算" not in page and 'id="provisional-mark"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2030, 10, 31), ""),  # 2030 entered; 2031 not asked for yet
        (D(2030, 11, 1), "2031年节假日安排尚未录入"),
        (D(2031, 3, 1), "2031年节假日安排尚未录入"),  # and all year long if nobody did
        (D(2026, 11, 1), "2027年节假日安排尚未录入"),  # the bundled calendar stops at 2026
        (D(2026, 10, 1), ""),
    ],
)
def test_the_warning_from_1_november(today, expected, year_2030):
    warning = deadlines.calendar_warning(today)
    assert (expected in warning) if expected else warning == ""
    if expected:
        assert "录入全年安排" in warning


@pytest.mark.django_db
def test_the_warning_shows_on_the_admin_home_and_the_leader_desk(
    clock, year_2030, admin_user, leader, reception, client_as
):
    from django.urls import reverse

    clock.at(D(2030, 11, 2))
    admin_home = client_as(admin_user).get(reverse("admin:index")).content.decode()
    assert "2031年节假日安排尚未录入" in admin_home and reverse("admin:petitions_holiday_year") in admin_home
    assert "2031年节假日安排尚未录入" in client_as(leader).get(reverse("dashboards:home")).content.decode()
    assert "2031年节假日安排尚未录入" in client_as(admin_user).get(reverse("dashboards:home")).content.decode()
    assert "节假日安排尚未录入" not in client_as(reception).get(reverse("dashboards:home")).content.decode()
    enter_2031()
    assert "节假日安排尚未录入" not in client_as(leader).get(reverse("dashboards:home")).content.decode()
    assert "节假日安排尚未录入" not in client_as(admin_user).get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_correcting_an_entered_year_recomputes_from_the_first_entry(clock, year_2030, make_petition):
    case = routed(make_petition, clock, D(2030, 12, 30))  # 5 working days
    enter_2031()
    assert Petition.objects.get(pk=case.pk).reply_by == D(2031, 1, 7)  # 31 Dec, 2, 3, 6, 7 January
    # The notice is corrected: 元旦 is 1–3 January, Saturday 4 January worked.
    corrected = NOTICE_2031.replace(
        "一、元旦：1月1日（周三）放假1天，不调休。", "一、元旦：1月1日至3日放假，共3天。1月4日（周六）上班。"
    )
    rows, report = enter_2031(text=corrected)
    assert (sorted(rows.added), rows.removed, rows.changed) == ([D(2031, 1, 2), D(2031, 1, 3), D(2031, 1, 4)], [], [])
    case.refresh_from_db()
    assert case.reply_by == D(2031, 1, 8)  # 31 Dec, 4, 6, 7, 8 January
    assert [e.data["changes"] for e in recomputed_events().order_by("pk")] == [
        {"reply_by": ["2031-01-06", "2031-01-07"]},
        {"reply_by": ["2031-01-07", "2031-01-08"]},
    ]


@pytest.mark.django_db
def test_a_local_holiday_in_a_year_the_package_knows_moves_the_deadlines_across_it(
    clock, make_petition, admin_user, client_as
):
    from django.urls import reverse

    case = routed(make_petition, clock, D(2026, 11, 20))  # Friday: 23, 24, 25, 26, 27 November
    assert (case.reply_by, case.finish_by) == (D(2026, 11, 27), D(2027, 1, 19))
    client_as(admin_user).post(
        reverse("admin:petitions_holiday_add"), {"date": "2026-11-24", "kind": "holiday", "name": "地方节日"}
    )
    case.refresh_from_db()
    assert (case.reply_by, case.finish_by) == (D(2026, 11, 30), D(2027, 1, 19))  # 60 days: counted raw
    assert recomputed_events().get().note == "2026年节假日安排调整，期限重新计算：答复期限 2026-11-27 → 2026-11-30"
