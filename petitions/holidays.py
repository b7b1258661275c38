"""A year's holiday arrangement (节假日安排), entered in one go (issue 15).

Reading, checking and showing are pure functions over text and dates:

- ``parse_text(text, year)`` reads the arrangement as the State Council words it — each holiday a range
  (``春节：2月15日（农历腊月二十八）至23日（农历正月初七）放假调休，共9天。``) and its make-up working days
  (``2月14日（星期六）、2月28日（星期六）上班。``) — and the line format of ``manage.py holidays_import``, one
  rest day or range or make-up working day a line, ``#`` starting a comment::

      2027-01-01 休 元旦
      2027-02-06..2027-02-12 休 春节
      2027-02-14 班 春节

  Both can be mixed in one text. Lines that name no date (the notice's title and closing words) are skipped.
- ``check(year, entries)`` refuses overlapping ranges, a make-up working day inside a holiday or on a weekday,
  dates outside the year, a holiday whose stated length (共N天) is not its dates', and, for a year the bundled
  chinese-calendar knows, any day that differs from it.
- ``year_grid(year, days)`` lays the year out as twelve month calendars for the preview.

``arrangement_save`` is the one write: the year's rows replaced in one transaction, and every running case
whose stored deadlines move recomputed through the workflow (``workflow.petition_recompute_deadlines``).
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import chinese_calendar
from django.db import transaction

from petitions import deadlines, workflow
from petitions.models import Holiday, Petition, PetitionEvent

REST, WORK = "holiday", "workday"  # the values of petitions.models.Holiday.Kind
KIND_LABELS = {REST: "放假", WORK: "调休上班"}
WEEKDAYS = "一二三四五六日"
#: The reason the history gives for a recomputation after a year is entered or changed.
ENTRY_REASON = "节假日安排录入"


def fmt(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def fmt_weekday(day: dt.date) -> str:
    return f"{fmt(day)}（星期{WEEKDAYS[day.weekday()]}）"


@dataclass(frozen=True)
class Entry:
    """One range of rest days or make-up working days, and where it was written: ``source`` is "text" (``line``
    is the line of the text) or "table" (``line`` is the row of the form's table)."""

    first: dt.date
    last: dt.date
    kind: str
    name: str = ""
    line: int = 0
    source: str = "text"

    def days(self) -> Iterator[dt.date]:
        day = self.first
        while day <= self.last:
            yield day
            day += dt.timedelta(days=1)

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def where(self) -> str:
        return _where(self.source, self.line)

    def describe(self) -> str:
        dates = fmt(self.first) if self.first == self.last else f"{fmt(self.first)}至{fmt(self.last)}"
        return f"{self.name + '：' if self.name else ''}{dates}{KIND_LABELS[self.kind]}"


def _where(source: str, line: int) -> str:
    if source == "table":
        return f"表格第{line}行"
    return f"第{line}行" if line else ""


@dataclass(frozen=True)
class Problem:
    """Why an arrangement is refused, and where: ``source`` "text" or "table" with its line, or "year"."""

    message: str
    source: str = "text"
    line: int = 0

    def __str__(self) -> str:
        where = _where(self.source, self.line) if self.source != "year" else ""
        return f"{where}：{self.message}" if where else self.message


@dataclass
class Arrangement:
    """A year's rest days and make-up working days as read, with the problems found (empty: it may be saved)."""

    year: int
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def days(self) -> dict[dt.date, tuple[str, str]]:
        """date → (kind, name), in date order. Meaningful once ``ok``."""
        days = {day: (entry.kind, entry.name) for entry in self.entries for day in entry.days()}
        return dict(sorted(days.items()))

    @property
    def workdays(self) -> dict[dt.date, bool]:
        """date → is a working day: the rows of the ``Holiday`` table (petitions.deadlines reads them so)."""
        return {day: kind == WORK for day, (kind, _) in self.days.items()}

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.days.values() if k == kind)

    @property
    def rest_count(self) -> int:
        return self.count(REST)

    @property
    def work_count(self) -> int:
        return self.count(WORK)


def is_workday_in(day: dt.date, days: dict[dt.date, tuple[str, str]]) -> bool:
    """Whether ``day`` is worked under an arrangement: its own row, else Monday to Friday."""
    if day in days:
        return days[day][0] == WORK
    return day.weekday() < 5


# --- Reading ----------------------------------------------------------------------------------------

_TO_ASCII = str.maketrans("０１２３４５６７８９：（）～－", "0123456789:()~-")
_PARENS = re.compile(r"\([^()]*\)")
_COMMENT = re.compile(r"#.*$")
#: ``2027-02-06..2027-02-12 休 春节``: an ISO date or range, 休 or 班 (放假 / 上班 too), an optional name.
_ISO = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_LINE = re.compile(
    rf"^{_ISO}(?:\s*(?:\.\.|~|至|到|—)\s*{_ISO})?\s*(休息|休|放假|班|上班|holiday|workday)(?:\s+(.*?))?\s*$"
)
_LINE_KINDS = {"休": REST, "休息": REST, "放假": REST, "holiday": REST, "班": WORK, "上班": WORK, "workday": WORK}
_STARTS_ISO = re.compile(r"^\d{4}[-/.]\d{1,2}")
#: A date as the State Council writes it: ``2027年1月1日``, ``1月1日``, or ``3日`` after a month (至3日).
_DATE = re.compile(r"(?<!\d)(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*[日号]")
_RANGE_SEP = re.compile(r"^\s*(?:至|到|—|–|~|-)+\s*$")
_SECTION = re.compile(r"(?<=[。；;])\s*(?=[一二三四五六七八九十]{1,3}、)")
_NAME = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|\d{1,2}[、.．])?\s*([^:：,，。;；\d]{1,12}?)\s*[:：]")
_CLAUSES = re.compile(r"[。；;，,]")
_LENGTH = re.compile(r"(?:共|放假)\s*(\d{1,2})\s*天")
LINE_FORMAT_HELP = "格式如：2027-01-01 休、2027-02-06..2027-02-12 休、2027-02-14 班"


def parse_text(text: str, year: int) -> tuple[list[Entry], list[Problem]]:
    """Read ``text`` (the State Council's wording, the line format, or both) for ``year``: the entries in the
    order written, and what could not be read. Dates without a year are in ``year``."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _COMMENT.sub("", raw).translate(_TO_ASCII).strip()
        if not line:
            continue
        if _STARTS_ISO.match(line):
            _read_line(line, number, entries, problems)
        else:
            for section in _SECTION.split(line):
                _read_section(section, number, year, entries, problems)
    return entries, problems


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _read_line(line: str, number: int, entries: list[Entry], problems: list[Problem]) -> None:
    match = _LINE.match(line)
    if not match:
        problems.append(Problem(f"无法识别“{line}”（{LINE_FORMAT_HELP}）。", "text", number))
        return
    groups = match.groups()
    first = _date(*map(int, groups[0:3]))
    last = _date(*map(int, groups[3:6])) if groups[3] else first
    if first is None or last is None:
        problems.append(Problem(f"“{line}”中有不存在的日期。", "text", number))
        return
    entries.append(Entry(first, last, _LINE_KINDS[groups[6]], (groups[7] or "").strip()[:30], number))


def _read_section(section: str, number: int, year: int, entries: list[Entry], problems: list[Problem]) -> None:
    """One holiday of the notice (``春节：…放假调休，共9天。2月14日、2月28日上班。``)."""
    text = _PARENS.sub("", section)  # （农历腊月二十八）, （星期六）
    name_match = _NAME.match(text)
    name = name_match.group(1).strip() if name_match else ""
    body = text[name_match.end() :] if name_match else text
    found: list[Entry] = []
    month = None  # the month of the date before, for 至23日 and 2月14日、28日
    for clause in _CLAUSES.split(body):
        matches = list(_DATE.finditer(clause))
        if not matches:
            continue
        words = _DATE.sub("", clause)
        kind = WORK if "班" in words else REST if ("休" in words or "放假" in words) else None
        if kind is None:
            # The notice's own date (国务院办公厅 2026年11月4日) or its number (…7号) says nothing of the year.
            explicit = [m for m in matches if m.group("y")]
            if all(not m.group("m") for m in matches) or any(int(m.group("y")) != year for m in explicit):
                continue
            problems.append(Problem(f"“{clause.strip()}”没有写明是放假还是上班。", "text", number))
            continue
        dates: list[tuple[dt.date, re.Match]] = []
        for match in matches:
            if match.group("m"):
                month = int(match.group("m"))
            if month is None:
                problems.append(Problem(f"“{match.group(0)}”缺少月份。", "text", number))
                return
            when = int(match.group("y")) if match.group("y") else None
            if when is None and dates and _RANGE_SEP.match(clause[dates[-1][1].end() : match.start()]):
                # 12月31日至1月2日: the end of a range without a year follows its start, into the next year.
                before = dates[-1][0]
                when = before.year + (1 if (month, int(match.group("d"))) < (before.month, before.day) else 0)
            day = _date(when or year, month, int(match.group("d")))
            if day is None:
                problems.append(Problem(f"“{match.group(0)}”不是存在的日期。", "text", number))
                return
            dates.append((day, match))
        i = 0
        while i < len(dates):
            first, match = dates[i]
            last = first
            if i + 1 < len(dates) and _RANGE_SEP.match(clause[match.end() : dates[i + 1][1].start()]):
                last = dates[i + 1][0]
                i += 1
            found.append(Entry(first, last, kind, name[:30], number))
            i += 1
    length = _LENGTH.search(body)
    rest = [e for e in found if e.kind == REST]
    if length and rest and all(e.last >= e.first for e in rest):
        stated, counted = int(length.group(1)), sum(e.length for e in rest)
        if stated != counted:
            label = f"“{name}”" if name else "该假期"
            problems.append(Problem(f"{label}写明共{stated}天，但放假日期共{counted}天，请核对。", "text", number))
    entries.extend(found)


def table_entries(rows: Iterable[dict]) -> tuple[list[Entry], list[Problem]]:
    """The form's table of ranges (``name``, ``first``, ``last``, ``kind`` per row, rows numbered from 1;
    empty rows skipped): entries, and rows that name a date but lack something."""
    entries, problems = [], []
    for number, row in enumerate(rows, start=1):
        first, last, kind = row.get("first"), row.get("last"), row.get("kind")
        if not (first or last or kind or row.get("name")):
            continue
        if not first:
            problems.append(Problem("请填写开始日期。", "table", number))
        elif kind not in (REST, WORK):
            problems.append(Problem("请选择放假或调休上班。", "table", number))
        else:
            entries.append(Entry(first, last or first, kind, (row.get("name") or "").strip()[:30], number, "table"))
    return entries, problems


# --- Checking ---------------------------------------------------------------------------------------


def check(year: int, entries: list[Entry]) -> list[Problem]:
    """What makes ``entries`` no arrangement of ``year`` (each problem at the entry that has it)."""
    problems: list[Problem] = []
    if not entries:
        return [Problem("没有识别到任何放假或调休上班的日期。", "year")]
    taken: dict[dt.date, Entry] = {}
    for entry in entries:
        at = {"source": entry.source, "line": entry.line}
        found = len(problems)
        if entry.last < entry.first:
            problems.append(Problem(f"结束日期{fmt(entry.last)}早于开始日期{fmt(entry.first)}。", **at))
            continue
        outside = [day for day in (entry.first, entry.last) if day.year != year]
        if outside:
            problems.append(Problem(f"{outside[0].year}年{fmt(outside[0])}不在{year}年内。", **at))
            continue
        for day in entry.days():
            other = taken.setdefault(day, entry)
            if other is entry:
                continue
            if entry.kind == REST and other.kind == REST:
                message = f"放假日期{fmt(day)}与{other.where}“{other.describe()}”重叠。"
            elif entry.kind == WORK and other.kind == REST:
                message = f"调休上班日{fmt(day)}在{other.where}“{other.describe()}”的放假期间内。"
            elif entry.kind == REST:
                message = f"放假期间包含{other.where}的调休上班日{fmt(day)}。"
            else:
                message = f"调休上班日{fmt(day)}与{other.where}重复。"
            problems.append(Problem(message, **at))
            break
        if entry.kind == WORK and len(problems) == found:
            weekday = next((day for day in entry.days() if day.weekday() < 5), None)
            if weekday:
                problems.append(Problem(f"{fmt_weekday(weekday)}本来就是工作日，不是调休上班日，请核对日期。", **at))
    return problems


def package_differences(year: int, days: dict[dt.date, tuple[str, str]]) -> list[dt.date] | None:
    """The days of ``year`` where ``days`` differ from the bundled chinese-calendar; None if it does not know
    the year."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return None
    differences, day = [], dt.date(year, 1, 1)
    while day.year == year:
        if is_workday_in(day, days) != chinese_calendar.is_workday(day):
            differences.append(day)
        day += dt.timedelta(days=1)
    return differences


def read(year: int, text: str = "", rows: Iterable[dict] = ()) -> Arrangement:
    """Read and check an arrangement of ``year`` from text and table rows."""
    if not 1900 < year < 2200:
        return Arrangement(year, problems=[Problem("请填写正确的年份。", "year")])
    entries, problems = parse_text(text, year)
    more, table_problems = table_entries(rows)
    entries += more
    problems += table_problems
    problems += check(year, entries)
    arrangement = Arrangement(year, entries, problems)
    if not problems:
        differences = package_differences(year, arrangement.days)
        if differences:
            shown = "、".join(
                f"{fmt(day)}应为{'工作日' if chinese_calendar.is_workday(day) else '休息日'}" for day in differences[:6]
            )
            more_text = f"等{len(differences)}处" if len(differences) > 6 else ""
            arrangement.problems.append(
                Problem(
                    f"{year}年的节假日安排已内置（国务院已公布），录入的与其不一致：{shown}{more_text}。"
                    "请核对后重新录入，内置年度无需录入。",
                    "year",
                )
            )
    return arrangement


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """The bundled chinese-calendar's rest days and make-up working days of ``year`` (empty if unknown)."""
    days = {}
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    for table, kind in ((chinese_calendar.holidays, REST), (chinese_calendar.workdays, WORK)):
        for day, name in table.items():
            if day.year == year:
                days[day] = (kind, names.get(name, ""))
    return dict(sorted(days.items()))


def to_lines(days: dict[dt.date, tuple[str, str]]) -> str:
    """The line format of ``days`` (date → (kind, name)), consecutive days of one kind and name as a range."""
    lines, run = [], []
    for day in sorted(days):
        if run and day - run[-1] == dt.timedelta(days=1) and days[day] == days[run[-1]]:
            run.append(day)
            continue
        if run:
            lines.append(_line(run, *days[run[0]]))
        run = [day]
    if run:
        lines.append(_line(run, *days[run[0]]))
    return "\n".join(lines)


def _line(run: list[dt.date], kind: str, name: str) -> str:
    dates = run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()}..{run[-1].isoformat()}"
    return f"{dates} {'休' if kind == REST else '班'}{' ' + name if name else ''}"


# --- Showing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    state: str  # "rest" (a holiday), "makeup" (调休上班), "weekend", "workday"
    name: str = ""


def year_grid(year: int, days: dict[dt.date, tuple[str, str]]) -> list[tuple[int, list[list[DayCell | None]]]]:
    """(month, weeks Monday to Sunday) for the twelve months of ``year``; days of other months are None."""
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar_module.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[DayCell | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                elif day in days:
                    kind, name = days[day]
                    cells.append(DayCell(day, "rest" if kind == REST else "makeup", name))
                else:
                    cells.append(DayCell(day, "workday" if day.weekday() < 5 else "weekend"))
            weeks.append(cells)
        months.append((month, weeks))
    return months


# --- Saving: the one write ------------------------------------------------------------------------------

#: The reason the history gives when single rows are edited in the admin's list of holidays.
EDIT_REASON = "节假日安排调整"


@dataclass
class RowChanges:
    """How a year's ``Holiday`` rows change: dates added, removed, and changed (kind or name)."""

    added: list[dt.date] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)
    changed: list[dt.date] = field(default_factory=list)
    before: dict[dt.date, tuple[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class CaseChange:
    petition: Petition
    changes: dict[str, tuple[dt.date, dt.date]]
    earlier: bool
    event: PetitionEvent | None = None  # None in a preview

    def describe(self) -> str:
        return deadlines.describe_changes(self.changes)


@dataclass
class RecomputeReport:
    """What a change of the calendar did (or, in a preview, would do) to the running cases."""

    changed_days: list[dt.date] = field(default_factory=list)
    changes: list[CaseChange] = field(default_factory=list)
    confirmed: int = 0  # no date moved, and they are no longer provisional
    unexplained: list[tuple[Petition, list[str]]] = field(default_factory=list)
    stale: list[Petition] = field(default_factory=list)  # changed by someone else twice meanwhile: left alone
    dry_run: bool = False  # a preview: nothing was written

    @property
    def earlier(self) -> int:
        return sum(1 for change in self.changes if change.earlier)

    def summary(self) -> str:
        if not self.changed_days:
            return "没有日期的放假或上班安排发生变化，诉求期限无需重算。"
        will = "将" if self.dry_run else ""
        parts = [f"{len(self.changes)}件诉求的期限{will}重新计算"]
        if self.earlier:
            told = "保存后将通知承办单位和交办领导" if self.dry_run else "已通知承办单位和交办领导"
            parts.append(f"其中{self.earlier}件期限提前（{told}）")
        if self.confirmed:
            parts.append(f"{self.confirmed}件期限不变、{will}不再暂按周一至周五计算")
        if self.unexplained:
            numbers = "、".join(p.tracking_number for p, _ in self.unexplained[:10])
            left = "将不重算" if self.dry_run else "未重算"
            parts.append(f"{len(self.unexplained)}件无法核对原计算依据、{left}，请人工核对：{numbers}")
        if self.stale:
            numbers = "、".join(p.tracking_number for p in self.stale[:10])
            parts.append(f"{len(self.stale)}件正在被他人办理、未重算：{numbers}")
        return "；".join(parts) + "。"


@dataclass
class Preview:
    arrangement: Arrangement
    rows: RowChanges
    recompute: RecomputeReport

    @property
    def grid(self):
        return year_grid(self.arrangement.year, self.arrangement.days)


def year_rows(year: int) -> dict[dt.date, tuple[str, str]]:
    """The ``Holiday`` rows of ``year``: date → (kind, name)."""
    rows = Holiday.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    return {day: (kind, name) for day, kind, name in rows.order_by("date").values_list("date", "kind", "name")}


def row_changes(year: int, days: dict[dt.date, tuple[str, str]]) -> RowChanges:
    before = year_rows(year)
    return RowChanges(
        added=[day for day in days if day not in before],
        removed=[day for day in before if day not in days],
        changed=[day for day in days if day in before and before[day] != days[day]],
        before=before,
    )


def _calendar(years: Iterable[int]) -> deadlines.WorkingCalendar:
    """The calendar with the years around ``years`` read now (a later change of their rows is not seen)."""
    return deadlines.WorkingCalendar.around(dt.date(min(years) - 1, 1, 1), years=max(years) - min(years) + 3)


def arrangement_preview(arrangement: Arrangement) -> Preview:
    """What saving ``arrangement`` would change: the year's rows and the running cases' deadlines. Writes nothing."""
    year = arrangement.year
    after = deadlines.WorkingCalendar.with_year(year, arrangement.workdays)
    report = recompute_after_change(deadlines.CalendarChange(_calendar([year]), after, (year,)), dry_run=True)
    return Preview(arrangement, row_changes(year, arrangement.days), report)


def arrangement_save(arrangement: Arrangement, *, by=None) -> tuple[RowChanges, RecomputeReport]:
    """Replace the year's ``Holiday`` rows by ``arrangement`` and recompute every running case whose deadlines
    move, in one transaction: all of it is saved, or nothing. ``by`` is the admin (None: the system).
    Saving the same arrangement again changes nothing and writes no event."""
    if not arrangement.ok:
        raise ValueError("an arrangement with problems cannot be saved")
    year, days = arrangement.year, arrangement.days
    with transaction.atomic():
        before = _calendar([year])
        rows = row_changes(year, days)
        Holiday.objects.filter(date__in=rows.removed + rows.changed).delete()
        Holiday.objects.bulk_create(
            Holiday(date=day, kind=days[day][0], name=days[day][1]) for day in sorted(rows.added + rows.changed)
        )
        report = recompute_after_change(deadlines.CalendarChange(before, _calendar([year]), (year,)), by=by)
    return rows, report


def holidays_edit(days: Iterable[dt.date], edit, *, by=None) -> RecomputeReport:
    """Run ``edit()`` — a change of single ``Holiday`` rows on ``days`` (the admin's list) — and recompute the
    running cases it moves, in one transaction."""
    years = sorted({day.year for day in days})
    with transaction.atomic():
        before = _calendar(years)
        edit()
        change = deadlines.CalendarChange(before, _calendar(years), tuple(years))
        return recompute_after_change(change, by=by, reason=EDIT_REASON)


def _basis_events(petition_ids: list[int]) -> dict[int, list[PetitionEvent]]:
    events: dict[int, list[PetitionEvent]] = {pk: [] for pk in petition_ids}
    rows = PetitionEvent.objects.filter(petition_id__in=petition_ids, action__in=deadlines.BASIS_ACTIONS)
    for event in rows.order_by("created_at", "pk"):
        events[event.petition_id].append(event)
    return events


def recompute_after_change(
    change: deadlines.CalendarChange, *, by=None, reason: str = ENTRY_REASON, dry_run: bool = False
) -> RecomputeReport:
    """Recompute, through the workflow, every running case whose stored deadlines reach a day whose standing
    ``change`` changed. With ``dry_run``, only say what would change."""
    report = RecomputeReport(changed_days=change.changed_days(), dry_run=dry_run)
    if not report.changed_days:
        return report
    candidates = deadlines.recompute_candidates(report.changed_days[0])
    ids = list(candidates.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        events = _basis_events(batch)
        for petition in candidates.filter(pk__in=batch):
            if dry_run:
                _preview_one(petition, events[petition.pk], change, report)
            else:
                _recompute_one(petition, events[petition.pk], change, report, by=by, reason=reason)
    return report


def _preview_one(petition, events, change, report: RecomputeReport) -> None:
    result = deadlines.recompute(petition, events, change)
    if result.unexplained:
        report.unexplained.append((petition, result.unexplained))
    elif result.changes:
        report.changes.append(CaseChange(petition, result.changes, result.earlier))
    elif petition.deadline_provisional and not result.provisional:
        report.confirmed += 1


def _recompute_one(petition, events, change, report: RecomputeReport, *, by, reason) -> None:
    for attempt in range(2):
        provisional_before = petition.deadline_provisional
        try:
            event = workflow.petition_recompute_deadlines(
                petition=petition, by=by, change=change, reason=reason, events=events
            )
        except deadlines.UnexplainedDeadlines as e:
            report.unexplained.append((petition, e.fields))
            return
        except workflow.TransitionError:
            # Someone acted on the case meanwhile: read it again (its basis may have changed) and try once more.
            petition = (
                Petition.objects.select_related("category")
                .filter(pk=petition.pk, status__in=deadlines.RECOMPUTED_STATUSES)
                .first()
            )
            if petition is None:  # no longer running: nothing to recompute
                return
            if attempt:
                report.stale.append(petition)
                return
            events = _basis_events([petition.pk])[petition.pk]
            continue
        if event is not None:
            changes = {name: tuple(map(dt.date.fromisoformat, pair)) for name, pair in event.data["changes"].items()}
            report.changes.append(CaseChange(petition, changes, bool(event.data["earlier"]), event))
        elif provisional_before and not petition.deadline_provisional:
            report.confirmed += 1
        return
