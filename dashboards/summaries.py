"""Kept month counts (``MonthSummary``): the leaders' numbers of a long period without reading every case.

A county has 500,000 cases; a year of them is 170,000, and counting them takes seconds on every look. But
the seven measures of a period are sums over its months (each measure counts a case in the month of one of
its dates), so a past month's counts can be kept and added up. Two things make that exact:

* **Currency.** A measure counts the cases as they are now, so a month's counts change whenever one of its
  cases does. ``petitions.workflow`` bumps the month's ``MonthVersion`` in the same transaction as the
  change; ``build_month`` writes the counts with the version it read *before* counting, and ``plan`` uses
  them only while that is still the month's version. A change committed during a build leaves the version
  ahead of the build, so the month is counted from the cases until it is built again (every ten minutes by
  beat, ``refresh``). Only months wholly before today's month are kept: today's month changes by the minute,
  and its unreplied cases lapse day by day.
* **Revisits.** The two revisit measures count each case once, by its last revisit in the period, which a
  sum of months would count once per month. Each kept revisit count is therefore split by the day of the
  case's next revisit (``next_revisit_on``): a period counts a kept month's revisit only when the next one
  falls after the period's end, and the part of the period counted from the events counts a revisit only
  when no later one of its case falls anywhere in the period.

``metrics.compute_many`` and ``metrics.compute_by_many`` read a period as ``plan`` splits it: kept months from
these rows, the rest (the edges of a custom period, today's month, a month whose version moved) from the
cases. ``tests/dashboards/test_summaries.py`` checks that the two readings agree, figure by figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dashboards.models import MonthSummary, MonthSummaryBuild
from dashboards.periods import Period, next_month
from petitions.choices import Action
from petitions.models import MonthVersion, Petition, PetitionEvent

PLACE = MonthSummary.Grain.PLACE
TOPIC = MonthSummary.Grain.TOPIC
#: The columns each grain groups by, as ``metrics.DIMENSIONS`` names them (the revisit events reach them
#: through their case).
GRAIN_KEYS = {PLACE: ["village_id", "lead_department_id"], TOPIC: ["category_id", "channel"]}


def count_fields() -> dict[str, str]:
    """``<measure>__<part>`` (as metrics names its counts) → the ``MonthSummary`` field that keeps it."""
    from dashboards import metrics

    names = {}
    for key in metrics.MEASURE_KEYS:
        for part in ("d", "n", *metrics.EXTRA_PARTS.get(key, ())):
            names[f"{key}__{part}"] = f"{key}_{part}"
    return names


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def whole_months(period: Period, before: dt.date) -> list[dt.date]:
    """The first days of the calendar months wholly inside ``period`` that begin before ``before``."""
    month = period.start if period.start.day == 1 else next_month(period.start)
    months = []
    while next_month(month) - dt.timedelta(days=1) <= period.end and month < before:
        months.append(month)
        month = next_month(month)
    return months


# --- Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How one period is read: ``months`` from their kept counts, ``ranges`` (the rest of the period, in
    order, not overlapping) from the cases."""

    period: Period
    months: tuple[dt.date, ...]
    ranges: tuple[Period, ...]


def current_months(months: list[dt.date]) -> set[dt.date]:
    """Those of ``months`` whose kept counts were built at the month's current version: one query."""
    if not months:
        return set()
    version = MonthVersion.objects.filter(month=OuterRef("month")).values("version")
    return set(
        MonthSummaryBuild.objects.filter(month__in=months)
        .annotate(current=Coalesce(Subquery(version, output_field=IntegerField()), Value(0)))
        .filter(version=F("current"))
        .values_list("month", flat=True)
    )


def plan(periods: list[Period], today: dt.date) -> list[Plan]:
    """Each period's plan: the whole months before today's month whose kept counts are current (one query
    for all the periods, none when no period holds such a month), and the days around them."""
    candidates = [whole_months(p, _month_start(today)) for p in periods]
    kept = current_months(sorted({m for months in candidates for m in months}))
    plans = []
    for period, months in zip(periods, candidates, strict=True):
        months = [m for m in months if m in kept]
        ranges, cursor = [], period.start
        for month in months:
            if cursor < month:
                ranges.append(Period(cursor, month - dt.timedelta(days=1)))
            cursor = next_month(month)
        if cursor <= period.end:
            ranges.append(Period(cursor, period.end))
        plans.append(Plan(period, tuple(months), tuple(ranges)))
    return plans


def kept_rows(plans: list[Plan], grain: str, keys=()) -> list[dict]:
    """The plans' kept months of ``grain``, added up and grouped by ``keys``; plan i's counts are named
    ``p<i>_<measure>__<part>``, as ``metrics`` names the counts it reads from the cases. A kept revisit
    counts only when its case's next revisit falls after the plan's period. One query, none when no plan
    keeps a month."""
    from dashboards import metrics

    kept = [(i, p) for i, p in enumerate(plans) if p.months]
    if not kept:
        return []
    fields = count_fields()
    revisit = {name for name in fields if name.split("__")[0] in metrics.REVISIT_COUNTS}
    months = sorted({m for _, p in kept for m in p.months})
    rows = MonthSummary.objects.filter(grain=grain, month__in=months)
    if len(kept) == 1:
        ((i, p),) = kept
        still_last = Q(next_revisit_on__isnull=True) | Q(next_revisit_on__gt=p.period.end)
        aggregates = {
            f"p{i}_{name}": Sum(field, filter=still_last) if name in revisit else Sum(field)
            for name, field in fields.items()
        }
        return metrics.grouped(rows, keys, aggregates)
    # Several periods (a trend): the months apart, each given to its period here; filtering each count by
    # each period's months in the query made twelve months cost as much as counting the cases. A month's
    # next revisits all fall after the month: a period that ends with its only kept month needs no split.
    plan_of = {m: (i, p) for i, p in kept for m in p.months}
    split = any(p.period.end >= next_month(p.months[-1]) or len(p.months) > 1 for _, p in kept)
    out = []
    summed = {name: Sum(field) for name, field in fields.items()}
    for row in metrics.grouped(rows, keys, summed, extra=("month", "next_revisit_on") if split else ("month",)):
        month, next_on = _date(row.pop("month")), _date(row.pop("next_revisit_on", None))
        i, p = plan_of[month]
        still_last = next_on is None or next_on > p.period.end
        out.append(
            {
                (f"p{i}_{name}" if name in fields else name): count
                for name, count in row.items()
                if name not in revisit or still_last
            }
        )
    return out


def _date(value) -> dt.date | None:
    """A date column as a plain cursor gives it: a date (PostgreSQL), an ISO string (SQLite) or None."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- Building ----------------------------------------------------------------------------------------


def _rows_of_month(month: dt.date, grain: str, today: dt.date) -> list[MonthSummary]:
    """The month's counts in ``grain``, from the cases and revisit events as they are now: two queries."""
    from dashboards import metrics

    period = Period.month(month.year, month.month)
    keys = GRAIN_KEYS[grain]
    parts = metrics.measure_parts(period, today)
    later = PetitionEvent.objects.filter(
        action=Action.REVISIT, petition_id=OuterRef("petition_id"), pk__gt=OuterRef("pk")
    )
    last = metrics._last_revisits_in(period).annotate(
        next_revisit_on=TruncDate(Subquery(later.order_by("pk").values("created_at")[:1]))
    )
    rows = metrics.grouped(Petition.objects.filter(metrics.relevant(parts)), keys, metrics._case_aggregates(parts))
    rows += metrics.grouped(last, keys, metrics._revisit_aggregates(), prefix="petition__", extra=("next_revisit_on",))
    fields = count_fields()
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = (*(row[k] for k in keys), row.get("next_revisit_on"))
        into = merged.setdefault(key, {})
        for name, field in fields.items():
            into[field] = into.get(field, 0) + (row.get(name) or 0)
    return [
        MonthSummary(month=month, grain=grain, next_revisit_on=key[-1], **dict(zip(keys, key, strict=False)), **counts)
        for key, counts in merged.items()
        if any(counts.values())
    ]


def build_month(month: dt.date, *, today: dt.date | None = None) -> MonthSummaryBuild:
    """Count one past month again and keep the counts, with the month's version as it was before counting.

    The counting runs outside any lock; writing the rows locks the month's build row, so two builders of
    the same month take turns and the rows of one build never mix with another's."""
    today = today or timezone.localdate()
    month = _month_start(month)
    if month >= _month_start(today):
        raise ValueError(f"{month:%Y-%m} is not over yet: only past months are kept")
    MonthVersion.objects.bulk_create([MonthVersion(month=month)], ignore_conflicts=True)
    version = MonthVersion.objects.get(month=month).version
    rows = [row for grain in (PLACE, TOPIC) for row in _rows_of_month(month, grain, today)]
    with transaction.atomic():
        build, _ = MonthSummaryBuild.objects.select_for_update().get_or_create(
            month=month, defaults={"version": version, "built_at": timezone.now()}
        )
        MonthSummary.objects.filter(month=month).delete()
        MonthSummary.objects.bulk_create(rows, batch_size=2000)
        build.version, build.built_at, build.rows = version, timezone.now(), len(rows)
        build.save()
    return build


def refresh(*, today: dt.date | None = None) -> list[dt.date]:
    """Build every past month whose kept counts are missing or out of date, from the month of the first case
    to last month. Returns the months built (beat runs this every ten minutes; ``build_month_summaries``)."""
    today = today or timezone.localdate()
    first = Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
    if first is None:
        return []
    month, last = _month_start(timezone.localdate(first)), _month_start(today)
    months = []
    while month < last:
        months.append(month)
        month = next_month(month)
    current = current_months(months)
    stale = [m for m in months if m not in current]
    for month in stale:
        build_month(month, today=today)
    return stale


def forget() -> None:
    """Drop every kept count: each month is counted from the cases until it is built again."""
    with transaction.atomic():
        MonthSummary.objects.all().delete()
        MonthSummaryBuild.objects.all().delete()
