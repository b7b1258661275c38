"""Both clocks: working days over chinese-calendar and the admin's Holiday table, the Monday–Friday fallback,
the Civil Code counting rule and the badge state."""

from __future__ import annotations

import datetime as dt

import pytest

from petitions.deadlines import (
    add_calendar_days,
    add_working_days,
    count_working_days,
    deadline_state,
    due_soon_until,
    is_workday,
    statutory_extend,
    statutory_finish_by,
    statutory_notice_by,
    statutory_review_by,
)
from petitions.models import Holiday

D = dt.date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # National Day: 1–7 October 2026 off; the next working day after 30 September is 8 October.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 29), 5, D(2026, 10, 12)),  # 30 Sep, 8, 9, (10 Oct Saturday is a make-up day) 10, 12
        # Spring Festival 2026: 15–23 February off, Saturday 14 February a make-up working day.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 2, 12), 5, D(2026, 2, 26)),  # 13, 14, 24, 25, 26
        # Sunday 20 September 2026 is a make-up working day.
        (D(2026, 9, 18), 1, D(2026, 9, 20)),
        (D(2026, 9, 19), 1, D(2026, 9, 20)),
        # An ordinary week and a weekend.
        (D(2026, 11, 20), 1, D(2026, 11, 23)),
        (D(2026, 11, 16), 5, D(2026, 11, 23)),
        # 即办 (0 days): the same day, or the next working day when it came in on a rest day.
        (D(2026, 11, 18), 0, D(2026, 11, 18)),
        (D(2026, 11, 21), 0, D(2026, 11, 23)),
        (D(2026, 10, 1), 0, D(2026, 10, 8)),
    ],
)
def test_working_days_follow_the_official_calendar(start, days, expected):
    assert add_working_days(start, days) == (expected, False)


@pytest.mark.django_db
def test_sunday_20_september_2026_is_a_working_day_and_national_day_is_not():
    assert is_workday(D(2026, 9, 20)) == (True, False)
    assert is_workday(D(2026, 10, 1)) == (False, False)
    assert is_workday(D(2026, 2, 17)) == (False, False)


@pytest.mark.django_db
def test_unknown_year_falls_back_to_monday_to_friday_marked_provisional():
    # chinese-calendar 1.11.0 knows nothing after 2026: no crash, Monday–Friday, provisional.
    assert add_working_days(D(2027, 3, 5), 1) == (D(2027, 3, 8), True)  # Friday → Monday
    assert add_working_days(D(2027, 3, 1), 5) == (D(2027, 3, 8), True)
    assert is_workday(D(2027, 1, 1)) == (True, True)  # a Friday, probably a holiday: only provisional


@pytest.mark.django_db
def test_a_deadline_crossing_into_an_unknown_year_is_provisional():
    # 31 Dec 2026 is a Thursday; five working days later lies in 2027.
    date, provisional = add_working_days(D(2026, 12, 30), 5)
    assert (date, provisional) == (D(2027, 1, 6), True)
    # Staying inside 2026 is not provisional.
    assert add_working_days(D(2026, 12, 21), 5) == (D(2026, 12, 28), False)


@pytest.mark.django_db
def test_the_admin_entered_year_is_no_longer_provisional():
    Holiday.objects.create(date=D(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    Holiday.objects.create(date=D(2027, 1, 4), kind=Holiday.Kind.HOLIDAY, name="元旦（调休）")
    Holiday.objects.create(date=D(2027, 1, 9), kind=Holiday.Kind.WORKDAY, name="元旦调休上班")
    # 31 Dec → 1 Jan off → 4 Jan off → 5, 6, 7, 8 → Saturday 9 worked.
    assert add_working_days(D(2026, 12, 31), 5) == (D(2027, 1, 9), False)
    assert is_workday(D(2027, 3, 1)) == (True, False)  # other 2027 dates: Monday–Friday, entered year


@pytest.mark.django_db
def test_holiday_rows_override_chinese_calendar():
    Holiday.objects.create(date=D(2026, 11, 23), kind=Holiday.Kind.HOLIDAY, name="地方节日")
    Holiday.objects.create(date=D(2026, 11, 21), kind=Holiday.Kind.WORKDAY, name="补班")
    assert add_working_days(D(2026, 11, 20), 1) == (D(2026, 11, 21), False)
    assert add_working_days(D(2026, 11, 21), 1) == (D(2026, 11, 24), False)


@pytest.mark.django_db
def test_one_query_per_computation(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2026, 12, 20), 15)
    with django_assert_num_queries(1):
        statutory_finish_by(D(2026, 11, 23))


@pytest.mark.django_db
def test_negative_days_are_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 20), -1)


@pytest.mark.django_db
def test_datetimes_count_from_their_local_date():
    from django.utils import timezone

    # 23:30 UTC on 19 November is 20 November (Friday) in Asia/Shanghai.
    when = dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.UTC)
    assert timezone.localdate(when) == D(2026, 11, 20)
    assert add_working_days(when, 1) == (D(2026, 11, 23), False)


@pytest.mark.django_db
def test_count_working_days():
    assert count_working_days(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert count_working_days(D(2026, 11, 20), D(2026, 11, 23)) == 1
    assert count_working_days(D(2026, 11, 23), D(2026, 11, 20)) == -1
    assert count_working_days(D(2026, 11, 20), D(2026, 11, 20)) == 0


# --- The statutory clock (Civil Code Art. 201–203) ---------------------------------------------


@pytest.mark.django_db
def test_day_of_receipt_is_not_counted():
    # Received Monday 2 November: the 15th day after is Tuesday 17 November.
    assert statutory_notice_by(D(2026, 11, 2)) == (D(2026, 11, 17), False)
    assert add_calendar_days(D(2026, 11, 2), 1) == (D(2026, 11, 3), False)


@pytest.mark.django_db
def test_a_period_ending_on_a_rest_day_ends_on_the_next_working_day():
    # 16 Sep + 15 = 1 October (National Day) → 8 October.
    assert statutory_notice_by(D(2026, 9, 16)) == (D(2026, 10, 8), False)
    # 6 Nov + 15 = Saturday 21 November → Monday 23 November.
    assert statutory_notice_by(D(2026, 11, 6)) == (D(2026, 11, 23), False)
    # 5 Sep + 15 = Sunday 20 September, a make-up working day: it stays.
    assert statutory_notice_by(D(2026, 9, 5)) == (D(2026, 9, 20), False)


@pytest.mark.django_db
def test_sixty_days_to_finish_and_the_thirty_day_extension():
    # 1 Sep + 60 = Saturday 31 October → Monday 2 November.
    assert statutory_finish_by(D(2026, 9, 1)) == (D(2026, 11, 2), False)
    assert statutory_extend(D(2026, 11, 2), 30) == (D(2026, 12, 2), False)
    with pytest.raises(ValueError):
        statutory_extend(D(2026, 11, 2), 31)
    with pytest.raises(ValueError):
        statutory_extend(D(2026, 11, 2), 0)


@pytest.mark.django_db
def test_review_window_and_a_statutory_date_in_an_unknown_year():
    assert statutory_review_by(D(2026, 11, 2)) == (D(2026, 12, 2), False)
    # 15 Dec + 30 = 14 January 2027, a Thursday in a year nobody entered: provisional.
    assert statutory_review_by(D(2026, 12, 15)) == (D(2027, 1, 14), True)
    # 60 days from 1 November 2026 end on 31 December, a Thursday inside the known year.
    assert statutory_finish_by(D(2026, 11, 1)) == (D(2026, 12, 31), False)


@pytest.mark.django_db
def test_statutory_numbers_are_settings(settings):
    settings.MINQING = {**settings.MINQING, "STATUTORY_FINISH_DAYS": 30}
    assert statutory_finish_by(D(2026, 11, 2)) == (D(2026, 12, 2), False)


# --- The badge ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deadline", "today", "state"),
    [
        (D(2026, 11, 19), D(2026, 11, 20), "overdue"),
        (D(2026, 11, 20), D(2026, 11, 20), "due_soon"),  # the last working day
        (D(2026, 11, 23), D(2026, 11, 20), "ok"),  # Friday, deadline Monday: one more working day
        (D(2026, 11, 23), D(2026, 11, 21), "due_soon"),  # Saturday: Monday is the last working day left
        (D(2026, 10, 8), D(2026, 9, 30), "ok"),
        (D(2026, 10, 8), D(2026, 10, 3), "due_soon"),  # over National Day, 8 Oct is the next working day
        (None, D(2026, 11, 20), ""),
    ],
)
def test_deadline_state(deadline, today, state):
    assert deadline_state(deadline, today) == state


@pytest.mark.django_db
def test_due_soon_window_is_a_setting(settings):
    settings.MINQING = {**settings.MINQING, "DUE_SOON_WORKING_DAYS": 2}
    assert due_soon_until(D(2026, 11, 19)) == D(2026, 11, 22)  # Thursday: Thu, Fri (and the weekend)
    assert deadline_state(D(2026, 11, 20), D(2026, 11, 19)) == "due_soon"
    assert deadline_state(D(2026, 11, 23), D(2026, 11, 19)) == "ok"


def test_deadline_state_is_pure_with_a_given_window():
    # No database: the caller computed the window once for a whole list.
    assert deadline_state(D(2026, 11, 23), D(2026, 11, 20), soon_until=D(2026, 11, 23)) == "due_soon"
    assert deadline_state(D(2026, 11, 19), D(2026, 11, 20), soon_until=D(2026, 11, 23)) == "overdue"
