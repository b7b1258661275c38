"""Kept counts (``Summary``): the leaders' numbers of a long period without reading every case.

A county has 500,000 cases; a year of them is 170,000, and counting them takes seconds on every look. But
the seven measures of a period are sums over its days (each measure counts a case on the day of one of its
dates), so the counts of a past span can be kept and added up. The spans kept are the past calendar months
and, for the last year, the past days: a year is a dozen months, the days at its ends and today. Two things
make the sum exact:

* **Currency.** A measure counts the cases as they are now, so a span's counts change whenever one of its
  cases does. ``petitions.workflow`` bumps the ``DayVersion`` of each day the case counts on, before and
  after the change, in the same transaction; ``build`` writes a span's counts with the sum of its days'
  versions read *before* counting, and ``plan`` uses them only while that sum has not moved. A change
  committed during a build leaves the sum ahead of the build, so the span is counted from the cases until
  it is built again (every ten minutes by beat, ``refresh``). Today is never kept: it changes by the
  minute, and its unreplied cases lapse at midnight.
* **Revisits.** The two revisit measures count each case once, by its last revisit in the period, which a
  sum of spans would count once per span. Each kept revisit count is therefore split by the day of the
  case's next revisit (``next_revisit_on``): a period counts a kept revisit only when the next one falls
  after the period's end, and the part of the period counted from the events counts a revisit only when no
  later one of its case falls anywhere in the period.

``metrics.compute_many`` and ``metrics.compute_by_many`` read a period as ``plan`` splits it: kept spans from
these rows, the rest (today, the cut ends of a custom period, a span whose days moved) from the cases.
``tests/dashboards/test_summaries.py`` checks that the two readings agree, figure by figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dashboards.models import Summary, SummaryBuild
from dashboards.periods import Period, next_month
from petitions.models import DayVersion, Petition

PLACE = Summary.Grain.PLACE
TOPIC = Summary.Grain.TOPIC
#: The columns each grain groups by, as ``metrics.DIMENSIONS`` names them (the revisit events reach them
#: through their case).
GRAIN_KEYS = {
    PLACE: ["township_id", "village_id", "lead_department_id", "owner_id"],
    TOPIC: ["township_id", "category_id", "channel"],
}
DAY = dt.timedelta(days=1)


def count_fields() -> dict[str, str]:
    """``<measure>__<part>`` (as metrics names its counts) → the ``Summary`` field that keeps it."""
    from dashboards import metrics

    names = {}
    for key in metrics.MEASURE_KEYS:
        for part in ("d", "n", *metrics.EXTRA_PARTS.get(key, ())):
            names[f"{key}__{part}"] = f"{key}_{part}"
    return names


def days_kept_from(today: dt.date) -> dt.date:
    """The first day kept on its own: the first of the month a year before today's (a custom period of a
    year or less then has its cut ends kept too)."""
    first = today.replace(day=1)
    return first.replace(year=first.year - 1)


def spans_in(period: Period, today: dt.date) -> list[Period]:
    """The spans of ``period`` that can be kept, in order: its whole calendar months before today's month,
    and each of its other days before today (the cut ends, today's month) since ``days_kept_from``."""
    this_month, days_from = today.replace(day=1), days_kept_from(today)
    spans, day = [], period.start
    while day <= period.end:
        month_end = next_month(day) - DAY
        if day.day == 1 and month_end <= period.end and day < this_month:
            spans.append(Period.month(day.year, day.month))
            day = month_end + DAY
            continue
        if days_from <= day < today:
            spans.append(Period(day, day))
        day += DAY
    return spans


# --- Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one period is read: ``kept`` spans from their counts, ``ranges`` (the rest of the period, in
    order, not overlapping) from the cases."""

    period: Period
    kept: tuple[Period, ...]
    ranges: tuple[Period, ...]


def _versions(start, end) -> Subquery:
    """The sum of the versions of the days from ``start`` to ``end`` (0 when none has changed yet)."""
    days = DayVersion.objects.filter(day__gte=start, day__lte=end).order_by()
    return Coalesce(
        Subquery(days.values(total=Func(F("version"), function="SUM")), output_field=IntegerField()), Value(0)
    )


def versions_total(first: dt.date, last: dt.date) -> int:
    """The sum of the versions of the days from ``first`` to ``last``: it moves with every change to a case
    that counts on one of them (one query). Remembered figures carry it in their key (``metrics.remembered``)."""
    total = DayVersion.objects.filter(day__gte=first, day__lte=last).aggregate(total=Sum("version"))["total"]
    return int(total or 0)


def current_spans(spans: list[Period]) -> set[tuple[dt.date, dt.date]]:
    """(start, end) of those ``spans`` whose kept counts are current: one query."""
    if not spans:
        return set()
    wanted = {(s.start, s.end) for s in spans}
    builds = (
        SummaryBuild.objects.filter(start__in={start for start, _ in wanted})
        .annotate(current=_versions(OuterRef("start"), OuterRef("end")))
        .filter(versions=F("current"))
        .values_list("start", "end")
    )
    return {span for span in builds if span in wanted}


def plan(periods: list[Period], today: dt.date) -> list[Plan]:
    """Each period's plan: its spans that can be kept and are current, and the days around them. A month
    whose counts moved (a case of one of its days changed since it was counted) is read from its days that
    have not, when it is within the last year. One query for all the periods, none when no period holds a
    span that can be kept."""
    days_from = days_kept_from(today)
    candidates = [spans_in(p, today) for p in periods]
    days_of = {
        s: [Period(s.start + DAY * n, s.start + DAY * n) for n in range((s.end - s.start).days + 1)]
        for spans in candidates
        for s in spans
        if s.end > s.start and s.start >= days_from
    }
    current = current_spans([s for spans in candidates for s in spans] + [d for ds in days_of.values() for d in ds])
    plans = []
    for period, spans in zip(periods, candidates, strict=True):
        kept = []
        for span in spans:
            if (span.start, span.end) in current:
                kept.append(span)
            else:
                kept += [day for day in days_of.get(span, ()) if (day.start, day.end) in current]
        ranges, cursor = [], period.start
        for span in kept:
            if cursor < span.start:
                ranges.append(Period(cursor, span.start - DAY))
            cursor = span.end + DAY
        if cursor <= period.end:
            ranges.append(Period(cursor, period.end))
        plans.append(Plan(period, tuple(kept), tuple(ranges)))
    return plans


def _of_spans(spans) -> Q:
    """The ``Summary`` rows of exactly these spans (a month and its first day share their start)."""
    months = [s.start for s in spans if s.end > s.start]
    days = [s.start for s in spans if s.end == s.start]
    return Q(start__in=months, end__gt=F("start")) | Q(start__in=days, end=F("start"))


def kept_rows(plans: list[Plan], grain: str, keys=(), *, townships=None) -> list[dict]:
    """The plans' kept spans of ``grain``, added up and grouped by ``keys``; plan i's counts are named
    ``p<i>_<measure>__<part>``, as ``metrics`` names the counts it reads from the cases. A kept revisit
    counts only when its case's next revisit falls after the plan's period. One query for a plan (none for
    a plan that keeps nothing); one for all the plans when each is a single kept span (a trend of months)."""
    from dashboards import metrics

    kept = [(i, p) for i, p in enumerate(plans) if p.kept]
    fields = count_fields()
    revisit = {name for name in fields if name.split("__")[0] in metrics.REVISIT_COUNTS}

    def rows_of(spans):
        return Summary.objects.filter(_of_spans(spans), metrics.in_townships(townships), grain=grain)

    # A span's next revisits all fall after the span: a period that is exactly one kept span counts them all.
    if len(kept) > 1 and all(len(p.kept) == 1 and p.period.end == p.kept[0].end for _, p in kept):
        plan_of = {(p.kept[0].start, p.kept[0].end): i for i, p in kept}
        summed = {name: Sum(field) for name, field in fields.items()}
        out = []
        for row in metrics.grouped(rows_of([p.kept[0] for _, p in kept]), keys, summed, extra=("start", "end")):
            i = plan_of[(_date(row.pop("start")), _date(row.pop("end")))]
            out.append({(f"p{i}_{name}" if name in fields else name): count for name, count in row.items()})
        return out
    # Otherwise a query per plan: one over several periods' spans, split by whether each revisit is still its
    # case's last in its own period, was sorted on disk (70 ms for a year beside the year before).
    out = []
    for i, p in kept:
        still_last = Q(next_revisit_on__isnull=True) | Q(next_revisit_on__gt=p.period.end)
        aggregates = {
            f"p{i}_{name}": Sum(field, filter=still_last) if name in revisit else Sum(field)
            for name, field in fields.items()
        }
        out += metrics.grouped(rows_of(p.kept), keys, aggregates)
    return out


def _date(value) -> dt.date | None:
    """A date column as a plain cursor gives it: a date (PostgreSQL), an ISO string (SQLite) or None."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- Building ----------------------------------------------------------------------------------------


def _rows_of(span: Period, grain: str, today: dt.date) -> list[Summary]:
    """The span's counts in ``grain``, from the cases and revisit events as they are now: two queries."""
    from dashboards import metrics

    keys = GRAIN_KEYS[grain]
    parts = metrics.measure_parts(span, today)
    last = metrics._last_revisits_in(span).annotate(next_revisit_on=TruncDate(metrics.next_revisit_at()))
    rows = metrics.grouped(Petition.objects.filter(metrics.relevant(parts)), keys, metrics._case_aggregates(parts))
    rows += metrics.grouped(last, keys, metrics._revisit_aggregates(), prefix="petition__", extra=("next_revisit_on",))
    fields = count_fields()
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = (*(row[k] for k in keys), _date(row.get("next_revisit_on")))
        into = merged.setdefault(key, {})
        for name, field in fields.items():
            into[field] = into.get(field, 0) + (row.get(name) or 0)
    return [
        Summary(
            start=span.start,
            end=span.end,
            grain=grain,
            next_revisit_on=key[-1],
            **dict(zip(keys, key[:-1], strict=True)),
            **counts,
        )
        for key, counts in merged.items()
        if any(counts.values())
    ]


def build(span: Period, *, today: dt.date | None = None) -> SummaryBuild:
    """Count one past span again and keep the counts, with the sum of its days' versions read before counting.

    The counting runs outside any lock; writing the rows locks the span's build row, so two builders of the
    same span take turns and the rows of one build never mix with another's."""
    today = today or timezone.localdate()
    if span.end >= today:
        raise ValueError(f"{span.start}–{span.end} is not over yet: only past days are kept")
    versions = DayVersion.objects.filter(day__gte=span.start, day__lte=span.end).aggregate(v=Sum("version"))["v"] or 0
    rows = [row for grain in (PLACE, TOPIC) for row in _rows_of(span, grain, today)]
    with transaction.atomic():
        kept, _ = SummaryBuild.objects.select_for_update().get_or_create(
            start=span.start, end=span.end, defaults={"versions": versions, "built_at": timezone.now()}
        )
        Summary.objects.filter(start=span.start, end=span.end).delete()
        Summary.objects.bulk_create(rows, batch_size=2000)
        kept.versions, kept.built_at, kept.rows = versions, timezone.now(), len(rows)
        kept.save()
    return kept


def refresh(*, today: dt.date | None = None) -> list[Period]:
    """Count again every span that can be kept and whose counts are missing or out of date: each month from
    the first case's to last month, and each day from ``days_kept_from`` to yesterday; and forget the days
    before that. Returns the spans counted (beat runs this every ten minutes; ``build_month_summaries``)."""
    today = today or timezone.localdate()
    days_from = days_kept_from(today)
    with transaction.atomic():
        Summary.objects.filter(start=F("end"), start__lt=days_from).delete()
        SummaryBuild.objects.filter(start=F("end"), start__lt=days_from).delete()
    first = Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
    if first is None:
        return []
    first = timezone.localdate(first)
    months = []
    if first.replace(day=1) < today.replace(day=1):
        months = [s for s in spans_in(Period(first.replace(day=1), today - DAY), today) if s.end > s.start]
    day, days = max(first, days_from), []
    while day < today:
        days.append(Period(day, day))
        day += DAY
    current = current_spans(months + days)
    built = [span for span in months + days if (span.start, span.end) not in current]
    for span in built:
        build(span, today=today)
    return built


def recount_all(*, today: dt.date | None = None) -> list[Period]:
    """Count everything again after cases were loaded or changed by other means than the workflow (a bulk
    load, an SQL UPDATE), which bump no day's version: first every day from the first case's to today moves on
    (so no kept count and no remembered figure is used again), then every span is counted. Returns the spans
    counted (``build_month_summaries``)."""
    from petitions.workflow import all_days_changed

    today = today or timezone.localdate()
    first = Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
    if first is None:
        forget()
        return []
    with transaction.atomic():
        all_days_changed(min(timezone.localdate(first), today), today)
    return refresh(today=today)


def forget() -> None:
    """Drop every kept count: each period is counted from the cases until its spans are built again."""
    with transaction.atomic():
        Summary.objects.all().delete()
        SummaryBuild.objects.all().delete()
