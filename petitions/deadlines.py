"""The two clocks of domain.md (time limits).

**The township clock** counts working days. ``add_working_days(start, days)`` is its one entry point:
the admin's ``Holiday`` rows first, ``chinese-calendar`` under them, and for a year neither knows,
Monday to Friday with the result marked *provisional* (暂按周一至周五计算) — never a crash. A year with any
``Holiday`` row counts as entered by the admin: its other dates follow chinese-calendar when the package
knows the year, Monday to Friday otherwise, and nothing computed in it is provisional.

**The statutory clock** (《信访工作条例》) is written in calendar days and counted by the Civil Code
(民法典 Art. 201–203): the day of receipt is not counted, and a period whose last day is a rest day ends
on the first working day after it.

Every call reads the Holiday rows it needs with one query (two if a computation runs past the next
year), so an admin's edit is seen at once and there is no cache to clear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from django.conf import settings
from django.utils import timezone

#: Defaults of the numbers domain.md calls configuration; override any in ``settings.MINQING``.
DEFAULTS = {
    # A case is due soon (yellow) inside its last N working days.
    "DUE_SOON_WORKING_DAYS": 1,
    # 《信访工作条例》: tell the petitioner within 15 days; finish within 60 days of acceptance,
    # extendable once by at most 30; the petitioner may ask for a review within 30 days of the reply.
    "STATUTORY_NOTICE_DAYS": 15,
    "STATUTORY_FINISH_DAYS": 60,
    "STATUTORY_EXTENSION_MAX_DAYS": 30,
    "STATUTORY_REVIEW_DAYS": 30,
}

PROVISIONAL_NOTE = "暂按周一至周五计算（该年度节假日安排尚未录入）"


def setting(name: str) -> int:
    """A clock setting, read at call time (tests may change settings.MINQING)."""
    return int(getattr(settings, "MINQING", {}).get(name, DEFAULTS[name]))


@dataclass
class WorkingCalendar:
    """Working days over a span of years, with the admin's rows loaded once.

    Build it with ``WorkingCalendar.around(date)``; ``is_workday(d)`` returns (is a working day, provisional).
    """

    overrides: dict[dt.date, bool] = field(default_factory=dict)
    admin_years: set[int] = field(default_factory=set)
    loaded_years: set[int] = field(default_factory=set)

    @classmethod
    def around(cls, start: dt.date, years: int = 2) -> WorkingCalendar:
        calendar = cls()
        calendar._load(start.year, start.year + years - 1)
        return calendar

    def _load(self, first: int, last: int) -> None:
        from petitions.models import Holiday

        rows = Holiday.objects.filter(date__gte=dt.date(first, 1, 1), date__lte=dt.date(last, 12, 31))
        for day, kind in rows.values_list("date", "kind"):
            self.overrides[day] = kind == Holiday.Kind.WORKDAY
            self.admin_years.add(day.year)
        self.loaded_years.update(range(first, last + 1))

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        if day.year not in self.loaded_years:
            self._load(day.year, day.year + 1)
        if day in self.overrides:
            return self.overrides[day], False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, day.year not in self.admin_years

    def add_working_days(self, start: dt.date, days: int) -> tuple[dt.date, bool]:
        if days < 0:
            raise ValueError("days must not be negative")
        day, provisional = start, False
        if days == 0:
            # 即办: the same day, or the next working day when received on a rest day.
            workday, prov = self.is_workday(day)
            provisional |= prov
            while not workday:
                day += dt.timedelta(days=1)
                workday, prov = self.is_workday(day)
                provisional |= prov
            return day, provisional
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            workday, prov = self.is_workday(day)
            provisional |= prov
            counted += workday
        return day, provisional

    def add_calendar_days(self, start: dt.date, days: int) -> tuple[dt.date, bool]:
        """The Civil Code rule: start + days, moved on to the next working day if that is a rest day."""
        day = start + dt.timedelta(days=days)
        workday, provisional = self.is_workday(day)
        while not workday:
            day += dt.timedelta(days=1)
            workday, prov = self.is_workday(day)
            provisional |= prov
        return day, provisional

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.count_working_days(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)[0]
        return count


def as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


# --- The township clock ----------------------------------------------------------------------


def add_working_days(start: dt.date | dt.datetime, days: int) -> tuple[dt.date, bool]:
    """The date ``days`` working days after ``start`` (``start`` itself not counted; 0 = the same day, or
    the next working day if ``start`` is a rest day), and whether it is provisional (a year nobody entered)."""
    start = as_date(start)
    return WorkingCalendar.around(start).add_working_days(start, days)


def is_workday(day: dt.date) -> tuple[bool, bool]:
    return WorkingCalendar.around(day, years=1).is_workday(day)


def count_working_days(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (the "还剩 N 个工作日" of a badge)."""
    return WorkingCalendar.around(min(start, end)).count_working_days(start, end)


def due_soon_until(today: dt.date) -> dt.date:
    """The last date a deadline may fall on to count as due soon today: the deadline lies inside the last
    ``DUE_SOON_WORKING_DAYS`` working days, counting today when it is a working day."""
    calendar = WorkingCalendar.around(today)
    n = setting("DUE_SOON_WORKING_DAYS")
    today_counts = calendar.is_workday(today)[0]
    nth_after, _ = calendar.add_working_days(today, n if today_counts else n + 1)
    return nth_after - dt.timedelta(days=1)


def deadline_state(deadline: dt.date | None, today: dt.date, *, soon_until: dt.date | None = None) -> str:
    """ "overdue" (red), "due_soon" (yellow), "ok", or "" without a deadline.

    Pure when ``soon_until`` (from ``due_soon_until(today)``) is given, so a list computes it once.
    """
    if deadline is None:
        return ""
    if deadline < today:
        return "overdue"
    if soon_until is None:
        soon_until = due_soon_until(today)
    return "due_soon" if deadline <= soon_until else "ok"


# --- The statutory clock ---------------------------------------------------------------------


def add_calendar_days(start: dt.date | dt.datetime, days: int) -> tuple[dt.date, bool]:
    """A period of ``days`` calendar days by the Civil Code rule (day of ``start`` not counted; a last
    day on a rest day moves to the next working day), and whether that move is provisional."""
    start = as_date(start)
    return WorkingCalendar.around(start).add_calendar_days(start, days)


def statutory_notice_by(received: dt.date | dt.datetime) -> tuple[dt.date, bool]:
    """告知期限: whether and how the case is taken up, 15 days from receipt."""
    return add_calendar_days(received, setting("STATUTORY_NOTICE_DAYS"))


def statutory_finish_by(accepted: dt.date | dt.datetime) -> tuple[dt.date, bool]:
    """办结期限: 60 days from acceptance; here acceptance is the day of routing (交办)."""
    return add_calendar_days(accepted, setting("STATUTORY_FINISH_DAYS"))


def statutory_extend(finish_by: dt.date, days: int) -> tuple[dt.date, bool]:
    """Once, by at most 30 days, counted from the current finishing date."""
    limit = setting("STATUTORY_EXTENSION_MAX_DAYS")
    if not 0 < days <= limit:
        raise ValueError(f"statutory extension must be 1..{limit} days")
    return add_calendar_days(finish_by, days)


def statutory_review_by(replied: dt.date | dt.datetime) -> tuple[dt.date, bool]:
    """复查: the petitioner may ask for a review within 30 days of the written reply."""
    return add_calendar_days(replied, setting("STATUTORY_REVIEW_DAYS"))
