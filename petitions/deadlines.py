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

**Recomputing stored deadlines** (issue 15). When a year's arrangement is entered or changed
(``petitions/holidays.py``), the deadlines already stored on cases still running are computed again by
``recompute``. The case does not store how each deadline was computed, so the basis (the day counted from and
the limits) is read back from the case and its events — see ``deadline_bases`` for each deadline — and is
accepted only if it gives back the stored date under the calendar as it was before the change: a deadline no
basis explains (a limit changed since, a calendar changed without a recomputation) is reported, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from petitions.choices import ROUTING_ACTIONS, Action, Status

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
    # Years counted Monday to Friday, provisionally, whatever is known of them: the calendar as it was before
    # they were entered (``CalendarChange``).
    guessed_years: frozenset[int] = frozenset()

    @classmethod
    def around(cls, start: dt.date, years: int = 2) -> WorkingCalendar:
        calendar = cls()
        calendar._load(start.year, start.year + years - 1)
        return calendar

    @classmethod
    def with_year(cls, year: int, workdays: dict[dt.date, bool]) -> WorkingCalendar:
        """The calendar as it will be once ``year``'s rows are ``workdays`` (date → is a working day) and the
        other years' rows stay as they are: the preview of an arrangement before it is saved."""
        calendar = cls()
        calendar.overrides.update(workdays)
        if workdays:
            calendar.admin_years.add(year)
        calendar.loaded_years.add(year)
        return calendar

    def _load(self, first: int, last: int) -> None:
        """Read the rows of the years from ``first`` to ``last`` not read yet (a year read once is kept, so a
        calendar taken before a change still answers as before once the rows have changed)."""
        from petitions.models import Holiday

        missing = [year for year in range(first, last + 1) if year not in self.loaded_years]
        if not missing:
            return
        rows = Holiday.objects.filter(date__gte=dt.date(missing[0], 1, 1), date__lte=dt.date(missing[-1], 12, 31))
        for day, kind in rows.values_list("date", "kind"):
            if day.year in self.loaded_years:
                continue
            self.overrides[day] = kind == Holiday.Kind.WORKDAY
            self.admin_years.add(day.year)
        self.loaded_years.update(missing)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        if day.year in self.guessed_years:
            return day.weekday() < 5, True
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


# --- Which years are known ---------------------------------------------------------------------


def package_knows(year: int) -> bool:
    """Whether the bundled chinese-calendar carries ``year``'s official arrangement."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def unknown_years(years: Iterable[int]) -> list[int]:
    """The years among ``years`` that neither chinese-calendar nor the admin's rows know, whose dates are counted
    Monday to Friday and marked provisional. One query, none when the package knows them all."""
    from petitions.models import Holiday

    wanted = sorted({year for year in years if not package_knows(year)})
    if not wanted:
        return []
    rows = Holiday.objects.filter(date__gte=dt.date(wanted[0], 1, 1), date__lte=dt.date(wanted[-1], 12, 31))
    entered = {day.year for day in rows.dates("date", "year")}
    return [year for year in wanted if year not in entered]


def provisional_years(petition) -> list[int]:
    """The years not entered yet that a case's stored deadlines reach into: every year from its receipt to its
    latest stored deadline. The case page's mark (暂按周一至周五计算) is shown while this is not empty, so it goes
    away on every case once its years are entered — running cases have had their dates recomputed by then."""
    dates = [getattr(petition, name) for name in (*DEADLINE_FIELDS, "review_by")]
    dates = [d for d in dates if d is not None]
    if not dates:
        return []
    first = as_date(petition.received_at).year if petition.received_at else min(dates).year
    return unknown_years(range(min(first, min(dates).year), max(dates).year + 1))


def calendar_warning(today: dt.date | None = None) -> str:
    """The warning on the admin's and the leaders' home pages: this year's arrangement not entered (any time), or
    next year's (from 1 November: the State Council publishes it late in the year). Empty when both are known."""
    today = today or timezone.localdate()
    years = [today.year, today.year + 1] if today.month >= 11 else [today.year]
    missing = unknown_years(years)
    if not missing:
        return ""
    names = "、".join(f"{year}年" for year in missing)
    return (
        f"{names}节假日安排尚未录入：落在该年度的期限暂按周一至周五计算。国务院公布后，请在"
        f"“系统配置 → 节假日安排 → 录入全年安排”中录入，已有诉求的期限将自动重新计算。"
    )


# --- Recomputing stored deadlines (issue 15) ----------------------------------------------------

#: The stored deadlines a recomputation maintains, with the names the case page and the history use.
DEADLINE_FIELDS = ("notice_by", "sign_by", "reply_by", "finish_by")
DEADLINE_LABELS = {
    "notice_by": "告知期限",
    "sign_by": "签收期限",
    "reply_by": "答复期限",
    "finish_by": "法定办结期限",
}
#: Cases whose deadlines still run. Replied and closed cases (and the side exits) are never recomputed: their
#: township deadlines are history the leaders' numbers are judged by.
RECOMPUTED_STATUSES = frozenset(
    {Status.REGISTERED, Status.VILLAGE_TRIAGE, Status.AWAITING_INSTRUCTION, Status.ASSIGNED, Status.IN_PROGRESS}
)
#: The events a basis is read from.
BASIS_ACTIONS = (*ROUTING_ACTIONS, Action.APPROVE_EXTENSION, Action.REVISIT)


class UnexplainedDeadlines(Exception):
    """No known basis gives back a stored deadline under the calendar it was computed with; nothing is changed."""

    def __init__(self, petition, fields: list[str]):
        self.petition, self.fields = petition, fields
        labels = "、".join(DEADLINE_LABELS[f] for f in fields)
        super().__init__(f"{petition.tracking_number}：无法核对{labels}的原计算依据，未重算")


@dataclass
class CalendarChange:
    """The calendar before and after a change of ``years``' rows. Build ``before`` (``WorkingCalendar.around``)
    before the rows change: it keeps the rows it read.

    A stored deadline was computed under ``before`` — or, if it was stored before its year was entered at all and
    nobody recomputed it since (an arrangement entered row by row before issue 15, a package upgrade), under the
    Monday-to-Friday guess for those of ``years`` the package does not know: ``befores`` are both."""

    before: WorkingCalendar
    after: WorkingCalendar
    years: tuple[int, ...]
    guess: WorkingCalendar = field(init=False)

    def __post_init__(self):
        self.years = tuple(sorted(set(self.years)))
        # Only a year the package does not know was ever guessed.
        self.guess = WorkingCalendar(guessed_years=frozenset(y for y in self.years if not package_knows(y)))

    @property
    def befores(self) -> tuple[WorkingCalendar, ...]:
        return (self.before, self.guess) if self.guess.guessed_years else (self.before,)

    def changed_days(self) -> list[dt.date]:
        """The days of ``years`` whose standing differs: working or not, or provisional or not (a year entered for
        the first time changes every day's standing, even where the guess was right)."""
        days = []
        for year in self.years:
            day = dt.date(year, 1, 1)
            while day.year == year:
                if self.before.is_workday(day) != self.after.is_workday(day):
                    days.append(day)
                day += dt.timedelta(days=1)
        return days


@dataclass(frozen=True)
class Step:
    days: int
    working: bool  # working days (the township clock), or calendar days by the Civil Code rule

    def apply(self, calendar: WorkingCalendar, day: dt.date) -> tuple[dt.date, bool]:
        if self.working:
            return calendar.add_working_days(day, self.days)
        return calendar.add_calendar_days(day, self.days)


@dataclass(frozen=True)
class Basis:
    """How one stored deadline is computed: from ``start`` (not counted) through ``steps``, in order — or from a
    date a leader fixed (``fixed``), which no calendar moves, through the extensions approved since."""

    start: dt.date | None
    steps: tuple[Step, ...]
    fixed: dt.date | None = None

    def compute(self, calendar: WorkingCalendar) -> tuple[dt.date, bool]:
        day, provisional = self.fixed or self.start, False
        for step in self.steps:
            day, prov = step.apply(calendar, day)
            provisional |= prov
        return day, provisional


@dataclass
class Recomputation:
    """One case's deadlines under a changed calendar: ``changes`` maps each deadline that moves to (old, new);
    ``provisional`` is whether any of them still reaches into a year nobody entered; ``unexplained`` lists the
    deadlines no basis explains (the case is then left alone); ``earlier`` is whether a deadline the handling
    department works to (sign-for while assigned, reply while running, the statutory 60 days) moved earlier."""

    changes: dict[str, tuple[dt.date, dt.date]]
    provisional: bool
    unexplained: list[str]
    earlier: bool

    def describe(self) -> str:
        return describe_changes(self.changes)


def describe_changes(changes: dict[str, tuple[dt.date, dt.date]]) -> str:
    """``答复期限 2031-01-01 → 2031-01-02；…``: how the history and the messages say what moved."""
    return "；".join(f"{DEADLINE_LABELS[name]} {old:%Y-%m-%d} → {new:%Y-%m-%d}" for name, (old, new) in changes.items())


def _working_counts(start: dt.date, stored: dt.date, calendars: Iterable[WorkingCalendar]) -> list[int]:
    """The working-day limits that give ``stored`` from ``start`` under one of ``calendars`` (0 and 1 both do
    when ``start`` is a rest day and ``stored`` the next working day)."""
    counts: list[int] = []
    for calendar in calendars:
        n = calendar.count_working_days(start, stored)
        counts += [k for k in ([0, 1] if n <= 1 else [n]) if k >= 0 and k not in counts]
    return counts


def _calendar_counts(start: dt.date, stored: dt.date, calendars: Iterable[WorkingCalendar]) -> list[int]:
    """The calendar-day limits that give ``stored`` from ``start`` by the Civil Code rule under one of
    ``calendars``: the raw last day is ``stored`` itself or one of the rest days just before it."""
    counts: list[int] = []
    for calendar in calendars:
        k, day = (stored - start).days, stored
        while k >= 1:
            if k not in counts:
                counts.append(k)
            day -= dt.timedelta(days=1)
            k -= 1
            if calendar.is_workday(day)[0]:
                break
    return counts


def _event_date(event) -> dt.date:
    return as_date(event.created_at)


def deadline_bases(petition, events: list, befores: Iterable[WorkingCalendar] = ()) -> dict[str, list[Basis]]:
    """The candidate bases of each stored deadline of a running case; the first is the one its records name.

    Where each comes from (the case stores dates, not how they were computed):

    - ``notice_by`` (告知, Art. 22): the local date of ``received_at`` + ``STATUTORY_NOTICE_DAYS`` calendar days.
    - ``sign_by``: the local date of ``routed_at`` (the latest routing; a return clears it) + the category's
      ``sign_working_days`` working days.
    - ``reply_by``: from the latest routing or reopening revisit (不满意, 重办), whichever is later, then every
      extension approved since, in order, by its ``days`` (from the event). A routing counts its
      ``reply_working_days`` (recorded in its event) from ``routed_at``, or keeps the date the leader fixed; a
      reopening counts the case's ``reply_working_days`` (else the category's) from the revisit's day.
    - ``finish_by`` (the statutory 60 days): from the first routing's day + ``STATUTORY_FINISH_DAYS`` calendar
      days, then the approved statutory extension, if any (once, its ``statutory_days`` from the event).

    Where the limit is a setting or the category's (not recorded with the case: it may have been edited since),
    the limits that give the stored date under one of ``befores`` are candidates too; a limit recorded in an event
    is the only one. Not recomputed: ``review_by`` (written at the reply; replied cases are left alone) and a
    revisit's due time (``replied_at`` + N days as a plain span, no calendar involved).
    """
    befores = list(befores)
    status = petition.status
    bases: dict[str, list[Basis]] = {}
    events = sorted(events, key=lambda e: (e.created_at, e.pk))
    routes = [e for e in events if e.action in ROUTING_ACTIONS]

    if petition.notice_by and petition.received_at:
        start = as_date(petition.received_at)
        limits = [setting("STATUTORY_NOTICE_DAYS"), *_calendar_counts(start, petition.notice_by, befores)]
        bases["notice_by"] = [Basis(start, (Step(k, False),)) for k in limits]

    if petition.sign_by and status in (Status.ASSIGNED, Status.IN_PROGRESS):
        if routes and petition.routed_at:
            start = as_date(petition.routed_at)
            limits = [petition.category.sign_working_days, *_working_counts(start, petition.sign_by, befores)]
            bases["sign_by"] = [Basis(start, (Step(k, True),)) for k in limits]
        else:
            bases["sign_by"] = []

    if petition.reply_by and status in (Status.ASSIGNED, Status.IN_PROGRESS):
        bases["reply_by"] = _reply_bases(petition, events, befores)

    if petition.finish_by:
        bases["finish_by"] = _finish_bases(petition, events, routes)
    return bases


def _reply_bases(petition, events: list, befores: list[WorkingCalendar]) -> list[Basis]:
    origins = [
        i
        for i, e in enumerate(events)
        if e.action in ROUTING_ACTIONS or (e.action == Action.REVISIT and (e.data or {}).get("reopened"))
    ]
    if not origins:
        return []
    origin = events[origins[-1]]
    try:
        extensions = tuple(
            Step(int(e.data["days"]), True) for e in events[origins[-1] + 1 :] if e.action == Action.APPROVE_EXTENSION
        )
        if origin.action in ROUTING_ACTIONS:
            days = origin.data.get("reply_working_days")
            if days is None:  # the leader fixed the date
                return [Basis(None, extensions, fixed=dt.date.fromisoformat(origin.data["reply_by"]))]
            start, limits, recorded = as_date(petition.routed_at or origin.created_at), [int(days)], True
        else:
            days = petition.reply_working_days
            start, recorded = _event_date(origin), days is not None
            limits = [days if recorded else petition.category.reply_working_days]
    except (KeyError, TypeError, ValueError):  # an event without the data the workflow writes
        return []
    if not recorded and not extensions:  # the category's limit, maybe edited since: what gives the date counts
        limits += _working_counts(start, petition.reply_by, befores)
    return [Basis(start, (Step(k, True), *extensions)) for k in limits]


def _finish_bases(petition, events: list, routes: list) -> list[Basis]:
    steps: tuple[Step, ...] = (Step(setting("STATUTORY_FINISH_DAYS"), False),)
    if petition.finish_extended:
        extension = next(
            (e for e in events if e.action == Action.APPROVE_EXTENSION and (e.data or {}).get("finish_by")), None
        )
        try:
            steps += (Step(int(extension.data["statutory_days"]), False),)
        except (AttributeError, KeyError, TypeError, ValueError):
            return []
    # Set by the first routing of a statutory category; a later routing's day is a candidate too.
    starts = list(dict.fromkeys(_event_date(e) for e in routes))
    return [Basis(start, steps) for start in starts]


def _explain(candidates: list[Basis], stored: dt.date, change: CalendarChange) -> Basis | None:
    """The basis to recompute with: the recorded one if it gives back ``stored`` under a calendar of before the
    change; otherwise the other candidates that do, if they all agree after the change; otherwise none."""
    if not candidates:
        return None

    def fits(basis: Basis) -> bool:
        return any(basis.compute(calendar)[0] == stored for calendar in change.befores)

    recorded, *others = candidates
    if fits(recorded):
        return recorded
    fitting = [basis for basis in others if fits(basis)]
    if fitting and len({basis.compute(change.after)[0] for basis in fitting}) == 1:
        return fitting[0]
    return None


def recompute(petition, events: list, change: CalendarChange) -> Recomputation:
    """A running case's deadlines after ``change``, each from the basis that gives its stored date before it.
    ``events`` are the case's events of ``BASIS_ACTIONS``. Reads nothing of the case beyond what is passed."""
    changes: dict[str, tuple[dt.date, dt.date]] = {}
    unexplained: list[str] = []
    provisional = False
    for name, candidates in deadline_bases(petition, events, change.befores).items():
        stored = getattr(petition, name)
        basis = _explain(candidates, stored, change)
        if basis is None:
            unexplained.append(name)
            continue
        value, prov = basis.compute(change.after)
        provisional |= prov
        if value != stored:
            changes[name] = (stored, value)
    running = {"finish_by"}
    if petition.status in (Status.ASSIGNED, Status.IN_PROGRESS):
        running.add("reply_by")
    if petition.status == Status.ASSIGNED:
        running.add("sign_by")
    earlier = any(new_date < old_date for name, (old_date, new_date) in changes.items() if name in running)
    return Recomputation(changes=changes, provisional=provisional, unexplained=unexplained, earlier=earlier)


def recompute_candidates(first_changed: dt.date):
    """The running cases with a stored deadline on or after ``first_changed``: a deadline before the first
    changed day was counted over unchanged days only and cannot move. Oldest first."""
    from django.db.models import Q

    from petitions.models import Petition

    reaches = Q()
    for name in DEADLINE_FIELDS:
        reaches |= Q(**{f"{name}__gte": first_changed})
    return (
        Petition.objects.filter(status__in=RECOMPUTED_STATUSES)
        .filter(reaches)
        .select_related("category")
        .order_by("pk")
    )
