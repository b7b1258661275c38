"""The numbers leaders are judged by (domain.md, dashboards): seven measures for a period.

Every measure is a pair of ``Q`` objects over ``Petition`` — the cases in its denominator and the cases
in its numerator (always a subset of the denominator). The drill-down ``cases(period, measure, part)``
filters ``Petition`` with exactly those ``Q`` objects. The counts come from the same definitions, in
grouped queries with conditional aggregates (never a loop per village or department):

* five measures count cases directly: one ``Petition`` query per grouping, ``Count("pk", filter=Q)`` for
  each part, the plain column conditions of the ``Q`` objects;
* the two revisit measures (解决率, 满意率) judge a case by its *last* revisit in the period. Inside a
  count over cases that needs an ``IN (subquery)`` per part, which PostgreSQL re-runs per row once the
  revisits of a year outgrow its memory for hashing (36 s for a county year). So they are counted over
  the events instead: one row per revisited case (its last revisit event in P), the verdict read from the
  event's data (``REVISIT_COUNTS``). A test checks every count against its drill-down list.

The counts of past months and of the past days of the last year are kept (``dashboards.summaries``): a long
period reads those spans from them and counts only the rest (today, a span whose cases just changed) from the
cases (``compute_many``, ``compute_by_many``), with the same figures.

A measure counts **cases**, each at most once per period. The states are those the case is in now (the
figures of a past month can still move while its cases do: a late reply lands in the month it was given).

The definitions (also shown on the numbers page, ``DEFINITIONS``) — period P = [from, to], whole days in
Asia/Shanghai; "today" is the day the figures are computed:

1. 响应率 ``response_rate`` = signed on time ÷ routed.
   Denominator: cases whose (latest) routing ``routed_at`` falls in P. Numerator: of those, signed for
   (``signed_at`` set) on or before the sign-for deadline ``sign_by``. A case returned by the department
   without signing stays in the denominator and out of the numerator.
2. 按期办结率 ``on_time_rate`` = replied by the deadline ÷ (replied + past the deadline unreplied).
   Denominator: routed cases (with a reply deadline ``reply_by``) that either were replied in P (status
   replied or closed and ``replied_at`` in P) or are still unreplied (assigned or in progress) with a
   ``reply_by`` inside P that is before today. Numerator: replied in P on or before ``reply_by``.
   Answers given at the desk (never routed, no deadline) are not counted.
3. 解决率 ``resolution_rate`` = revisited and solved ÷ revisited.
   Denominator: cases with a revisit (回访, reached: it wrote a ``revisit`` event) in P. Each case counts once,
   by its **last** revisit in P (the last one recorded). Numerator: that revisit says the matter was solved
   (``data.solved``).
4. 满意率 ``satisfaction_rate`` = (满意 + k × 基本满意) ÷ revisited, with the same denominator and the same
   last revisit as 3; k is ``settings.MINQING_SATISFACTION_BASIC_WEIGHT`` (1 by default, 0.9 in some
   counties). The numerator cases are those satisfied or basically satisfied; the numerator *number* is
   weighted. An unreached revisit writes no event and is not a valid revisit.
5. 一次性化解率 ``first_time_resolution_rate`` = closed first time ÷ closed.
   Denominator: cases closed (status closed) with ``closed_at`` in P. Numerator: of those, never reopened
   (``reopen_count`` = 0) and closed by a satisfied revisit — a case a leader closed with a written reason
   (``closed_without_satisfaction``) was not resolved and is not counted in the numerator.
6. 化解在村率 ``village_resolution_rate`` = resolved in the village ÷ closed.
   Denominator: as 5. Numerator: the village resolved it — settled in the village by its committee (在村化解,
   ``settled_in_village``, set by ``workflow.petition_settle_in_village`` and cleared when the village sends the
   case up) or routed to a village committee (the lead department is of ``Department.Kind.VILLAGE``) — and the
   case was closed by a satisfied revisit (not ``closed_without_satisfaction``).
7. 重复访率 ``repeat_rate`` = repeat cases ÷ cases.
   Denominator: cases received (``received_at``) in P, except those merged into another (a duplicate
   record of the same matter). Numerator: of those, marked repeat (``is_repeat``).

The value is numerator ÷ denominator (0–1, four decimals), ``None`` when the denominator is 0.

**Townships.** Every function takes ``townships``: the ids of the townships counted (the reader's, from
``minqing.access.Scope.township_filter``), or ``None`` for the whole county. The county's figures are the sums
of its townships' (every case belongs to one township), and ``township`` is a grouping like the others.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from dashboards import summaries
from dashboards.periods import Period
from petitions.choices import RUNNING_STATUSES, Action, Channel, Satisfaction, Status
from petitions.models import Department, Petition, PetitionEvent
from petitions.querysets import GROUP_VISIT, overdue_on

# --- The definitions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    numerator_label: str
    denominator_label: str
    definition: str  # for the page, in Chinese


MEASURES: list[Measure] = [
    Measure(
        "response_rate",
        "响应率",
        "按时签收",
        "交办",
        "统计期内交办的诉求（按最近一次交办时间）中，在签收期限当日或之前签收的件数 ÷ 统计期内交办的件数。"
        "被承办单位退回、未签收的诉求计入分母、不计入分子。",
    ),
    Measure(
        "on_time_rate",
        "按期办结率",
        "按期答复",
        "应答复",
        "按期答复件数 ÷（统计期内答复的诉求 + 答复期限在统计期内且已过、仍未答复的诉求）。"
        "答复的诉求指当前为已答复或已办结、最近一次答复时间在统计期内、交办时定有答复期限的诉求；"
        "按期指答复日期不晚于答复期限。前台当场答复（未交办、无答复期限）不计。",
    ),
    Measure(
        "resolution_rate",
        "解决率",
        "回访已解决",
        "回访",
        "统计期内有回访（联系上的回访）的诉求中，回访认为问题已解决的件数 ÷ 统计期内有回访的诉求件数。"
        "同一诉求在统计期内回访多次的，只按最后一次回访计一件。",
    ),
    Measure(
        "satisfaction_rate",
        "满意率",
        "满意 + k×基本满意",
        "有效回访",
        "（满意件数 + k × 基本满意件数）÷ 统计期内有有效回访的诉求件数；k 为基本满意的折算系数。"
        "有效回访指联系上并记录了满意度的回访；同一诉求只按统计期内最后一次回访计。",
    ),
    Measure(
        "first_time_resolution_rate",
        "一次性化解率",
        "一次化解",
        "办结",
        "统计期内办结的诉求中，从未因不满意退回重办、且经满意或基本满意回访办结的件数 ÷ 统计期内办结的件数。"
        "领导说明理由办结（未经满意回访）的计入分母、不计入分子。",
    ),
    Measure(
        "village_resolution_rate",
        "化解在村率",
        "在村化解",
        "办结",
        "统计期内办结的诉求中，由村里化解、且经满意或基本满意回访办结的件数 ÷ 统计期内办结的件数。"
        "由村里化解指：村两委分析后在村化解（待村处理的诉求经“在村化解”答复；村两委上报乡镇的不计），"
        "或交办村委会办理（牵头单位为村委会）。",
    ),
    Measure(
        "repeat_rate",
        "重复访率",
        "重复访",
        "受理",
        "统计期内受理的诉求中标记为重复访的件数 ÷ 统计期内受理的诉求件数（不含已合并的重复登记）。",
    ),
]
MEASURE_KEYS = [m.key for m in MEASURES]
MEASURES_BY_KEY = {m.key: m for m in MEASURES}

#: The parts of a measure a number can link to. "missed" is the denominator less the numerator.
PART_LABELS = {
    "numerator": "分子",
    "denominator": "分母",
    "missed": "未达标",
    "satisfied": "满意",
    "basic": "基本满意",
}
#: Extra parts counted for one measure (satisfaction's two verdicts).
EXTRA_PARTS = {"satisfaction_rate": ("satisfied", "basic")}


def basic_weight() -> float:
    """k, the weight of 基本满意 in 满意率 (setting ``MINQING_SATISFACTION_BASIC_WEIGHT``, 1 by default)."""
    return float(getattr(settings, "MINQING_SATISFACTION_BASIC_WEIGHT", 1))


# --- 集体访 and 越级访 ------------------------------------------------------------------------------


def visit_kinds(period: Period, townships: Townships = None) -> dict[str, int]:
    """The cases received in ``period`` that were group visits (集体访, querysets.GROUP_VISIT) and skip-level visits
    (越级访): one query; the case list's filters of the same names list exactly these."""
    return Petition.objects.filter(_in(period, "received_at"), in_townships(townships)).aggregate(
        group_visits=Count("pk", filter=GROUP_VISIT), skip_level=Count("pk", filter=Q(is_skip_level=True))
    )


# --- The Q objects ---------------------------------------------------------------------------------


def _in(span: Period | Sequence[Period], field_name: str) -> Q:
    """A datetime column inside the period (or inside any of several)."""
    periods = [span] if isinstance(span, Period) else span
    return reduce(or_, (Q(**{f"{field_name}__gte": p.start_at, f"{field_name}__lt": p.end_at}) for p in periods))


def _on(span: Sequence[Period], field_name: str) -> Q:
    """A date column inside any of the periods."""
    return reduce(or_, (Q(**{f"{field_name}__gte": p.start, f"{field_name}__lte": p.end}) for p in span))


def _revisits_in(span: Period | Sequence[Period]) -> QuerySet:
    """The revisit events (one per reached revisit, written by petitions.workflow.petition_revisit) in P."""
    return PetitionEvent.objects.filter(_in(span, "created_at"), action=Action.REVISIT)


def _last_revisits_in(period: Period, counted: Sequence[Period] | None = None) -> QuerySet:
    """Each case's last revisit event in P: one with no later revisit of the same case in P (only those in
    ``counted``, parts of P, when given). A case's events are written one after the other (the workflow's
    compare-and-set serialises them), so its last revisit is the one with the highest id. PostgreSQL runs
    the NOT EXISTS as one hash anti-join over the period's revisits (a MAX(id) per case, then each event
    fetched by id, took seconds for a county year)."""
    later = _revisits_in(period).filter(petition_id=OuterRef("petition_id"), pk__gt=OuterRef("pk"))
    return _revisits_in(counted or period).filter(~Exists(later))


def _cases_of(events: QuerySet) -> Q:
    return Q(pk__in=events.values("petition_id"))


@dataclass(frozen=True)
class Parts:
    denominator: Q
    numerator: Q  # only ever cases of the denominator
    extra: dict[str, Q] = field(default_factory=dict)

    def part(self, name: str) -> Q:
        if name == "denominator":
            return self.denominator
        if name == "numerator":
            return self.numerator
        if name == "missed":
            return self.denominator & ~self.numerator
        return self.extra[name]


def measure_parts(
    period: Period, today: dt.date | None = None, *, counted: Sequence[Period] | None = None
) -> dict[str, Parts]:
    """measure key → its ``Parts`` for ``period``. The one place the definitions above become queries.

    With ``counted`` (parts of ``period`` that do not overlap), only the cases counted in those parts: the
    measures of a period are the sums of those of its parts, except that a revisit counts only when it is
    its case's last in the whole ``period`` (``dashboards.summaries`` reads the other parts)."""
    today = today or timezone.localdate()
    span = counted or [period]
    closed_in = Q(status=Status.CLOSED) & _in(span, "closed_at")
    resolved = Q(closed_without_satisfaction=False)

    routed = _in(span, "routed_at")
    signed_on_time = Q(signed_at__isnull=False, sign_by__isnull=False, signed_at__date__lte=F("sign_by"))

    replied = Q(reply_by__isnull=False, replied_at__isnull=False, status__in=[Status.REPLIED, Status.CLOSED]) & _in(
        span, "replied_at"
    )
    lapsed = Q(status__in=RUNNING_STATUSES, reply_by__isnull=False) & _on(span, "reply_by") & overdue_on(today)
    replied_on_time = replied & Q(replied_at__date__lte=F("reply_by"))

    last = _last_revisits_in(period, counted)
    revisited = _cases_of(last)
    solved, satisfied_or_basic, satisfied, basic = (
        _cases_of(last.filter(REVISIT_COUNTS[measure][part]))
        for measure, part in (
            ("resolution_rate", "numerator"),
            ("satisfaction_rate", "numerator"),
            ("satisfaction_rate", "satisfied"),
            ("satisfaction_rate", "basic"),
        )
    )

    received = _in(span, "received_at") & ~Q(status=Status.MERGED)
    in_the_village = Q(settled_in_village=True) | Q(lead_department__kind=Department.Kind.VILLAGE)

    return {
        "response_rate": Parts(routed, routed & signed_on_time),
        "on_time_rate": Parts(replied | lapsed, replied_on_time),
        # The revisit subqueries below only ever name cases revisited in P: they are subsets of ``revisited``.
        "resolution_rate": Parts(revisited, solved),
        "satisfaction_rate": Parts(revisited, satisfied_or_basic, {"satisfied": satisfied, "basic": basic}),
        "first_time_resolution_rate": Parts(closed_in, closed_in & resolved & Q(reopen_count=0)),
        "village_resolution_rate": Parts(closed_in, closed_in & resolved & in_the_village),
        "repeat_rate": Parts(received, received & Q(is_repeat=True)),
    }


#: The two revisit measures, as conditions on each revisited case's last revisit event in P (its
#: denominator is every such event). ``measure_parts`` builds their drill-down from the same conditions.
REVISIT_COUNTS: dict[str, dict[str, Q]] = {
    "resolution_rate": {"numerator": Q(data__solved=True)},
    "satisfaction_rate": {
        "numerator": Q(data__satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]),
        "satisfied": Q(data__satisfaction=Satisfaction.SATISFIED),
        "basic": Q(data__satisfaction=Satisfaction.BASICALLY_SATISFIED),
    },
}
CASE_MEASURES = [key for key in MEASURE_KEYS if key not in REVISIT_COUNTS]


def relevant(parts: dict[str, Parts]) -> Q:
    """The union of the case-counted denominators: no other case counts in the ``Petition`` queries."""
    return reduce(or_, (parts[key].denominator for key in CASE_MEASURES))


# --- The figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    numerator: float | int
    denominator: int
    parts: dict[str, int] = field(default_factory=dict)  # counts of the numerator's cases, extra parts

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator, 4)

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    @property
    def numerator_cases(self) -> int:
        return self.parts.get("numerator", int(self.numerator))

    @property
    def missed(self) -> int:
        return self.denominator - self.numerator_cases

    def as_json(self) -> dict:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


def _case_aggregates(parts: dict[str, Parts], prefix: str = "") -> dict:
    aggs = {}
    for key in CASE_MEASURES:
        p = parts[key]
        aggs[f"{prefix}{key}__d"] = Count("pk", filter=p.denominator)
        aggs[f"{prefix}{key}__n"] = Count("pk", filter=p.numerator)
    return aggs


def _revisit_aggregates(prefix: str = "") -> dict:
    """Counted over the last revisit events (one per revisited case)."""
    aggs = {}
    for key, conditions in REVISIT_COUNTS.items():
        aggs[f"{prefix}{key}__d"] = Count("pk")
        for part, q in conditions.items():
            aggs[f"{prefix}{key}__{'n' if part == 'numerator' else part}"] = Count("pk", filter=q)
    return aggs


def _figures(row: dict, k: float, prefix: str = "") -> dict[str, Figure]:
    """A group with no case of one kind (only revisits, say) has no counts for it: those are 0."""
    out = {}
    for key in MEASURE_KEYS:
        d, n = row.get(f"{prefix}{key}__d") or 0, row.get(f"{prefix}{key}__n") or 0
        extra = {name: row.get(f"{prefix}{key}__{name}") or 0 for name in EXTRA_PARTS.get(key, ())}
        numerator: float | int = n
        if key == "satisfaction_rate":
            weighted = extra["satisfied"] + k * extra["basic"]
            numerator = int(weighted) if float(weighted).is_integer() else round(weighted, 2)
        out[key] = Figure(numerator, d, {"numerator": n, **extra})
    return out


Townships = Collection[int] | None


def in_townships(townships: Townships, prefix: str = "") -> Q:
    """The filter that keeps the cases (or rows) of ``townships``; nothing to filter for the whole county."""
    return Q() if townships is None else Q(**{f"{prefix}township_id__in": list(townships)})


def compute(
    period: Period, *, today: dt.date | None = None, k: float | None = None, townships: Townships = None
) -> dict[str, Figure]:
    """The seven measures over ``townships`` (the whole county: None) for ``period``."""
    return compute_many([period], today=today, k=k, townships=townships)[0]


def compute_many(
    periods: list[Period], *, today: dt.date | None = None, k: float | None = None, townships: Townships = None
) -> list[dict]:
    """The seven measures for several periods that do not overlap (a trend, a month beside the one before),
    each counted as ``summaries.plan`` says: its kept spans from their ``Summary`` rows
    (``summaries.kept_rows``), the rest from the cases and the revisit events (two queries for all the
    periods), after one query that finds the kept spans. None of them runs when it has nothing to read."""
    k = basic_weight() if k is None else k
    ordered = sorted(periods, key=lambda p: p.start)
    if any(a.end >= b.start for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError("compute_many takes periods that do not overlap")
    today = today or timezone.localdate()
    plans = summaries.plan(periods, today)
    row: dict = {}
    counted = _counted_rows(plans, today, townships=townships)
    for group in counted + summaries.kept_rows(plans, summaries.PLACE, townships=townships):
        for name, count in group.items():
            row[name] = row.get(name, 0) + (count or 0)
    return [_figures(row, k, prefix=f"p{i}_") for i in range(len(periods))]


def grouped(queryset: QuerySet, keys, aggregates: dict, *, prefix: str = "", extra=()) -> list[dict]:
    """``queryset``'s rows grouped by the columns ``keys`` (reached through ``prefix``) and the annotations
    ``extra``, with ``aggregates``; the rows name their columns without ``prefix``. With nothing to group
    by, the one row of the aggregates. The groups' names are read apart (``_labels``): joining the
    names into a grouped count of a county's cases made it half as slow again."""
    if not keys and not extra:
        return [queryset.aggregate(**aggregates)]
    queryset = queryset.values(*extra, *(f"{prefix}{c}" for c in keys)).annotate(**aggregates).order_by()
    # Read with a plain cursor: Django's per-value conversions of a county's counts (ids, strings and
    # whole numbers, which need none) cost as much as the counting.
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0].removeprefix(prefix) for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _counted_rows(plans: list[summaries.Plan], today: dt.date, keys=(), *, townships: Townships = None) -> list[dict]:
    """The counts of the parts of the plans that are not kept (``Plan.ranges``), from the cases and their
    revisit events, grouped by ``keys``; plan i's counts are named ``p<i>_<measure>__<part>``. Two queries
    for any number of plans (none when every plan is kept)."""
    counted = [(i, plan) for i, plan in enumerate(plans) if plan.ranges]
    if not counted:
        return []
    aggs, base = {}, []
    for i, plan in counted:
        parts = measure_parts(plan.period, today, counted=plan.ranges)
        aggs.update(_case_aggregates(parts, prefix=f"p{i}_"))
        base.append(relevant(parts))
    rows = grouped(Petition.objects.filter(reduce(or_, base), in_townships(townships)), keys, aggs)
    events = _last_revisits_by_period([plan for _, plan in counted]).filter(in_townships(townships, "petition__"))
    for group in grouped(events, keys, _revisit_aggregates(), prefix="petition__", extra=("period",)):
        i = counted[group.pop("period")][0]
        rows.append({name if name in keys else f"p{i}_{name}": count for name, count in group.items()})
    return rows


def _last_revisits_by_period(plans: list[summaries.Plan]) -> QuerySet:
    """Each case's last revisit event in each plan's period (the periods do not overlap), of those in the
    plan's ``ranges``, annotated with the index of its plan as ``period``: ``_last_revisits_in`` for many
    periods at once. A counted revisit is its case's last in the period when the case's next revisit (the
    next higher id) comes after the period ends: only the ranges' events are read, and the next revisit is
    looked up per event by its case (a hash of every revisit of a year took longer for the cut ends of a
    custom period)."""
    counted = PetitionEvent.objects.filter(
        reduce(or_, (_in(p.ranges, "created_at") for p in plans)), action=Action.REVISIT
    ).annotate(period=Case(*(When(_in(p.ranges, "created_at"), then=Value(i)) for i, p in enumerate(plans))))
    period_end = Case(*(When(period=i, then=Value(p.period.end_at)) for i, p in enumerate(plans)))
    return (
        counted.annotate(next_at=next_revisit_at())
        .filter(Q(next_at__isnull=True) | Q(next_at__gte=period_end))
        .order_by()
    )


def next_revisit_at() -> Subquery:
    """For a revisit event, the time of its case's next revisit (the next higher id), or null."""
    following = PetitionEvent.objects.filter(
        action=Action.REVISIT, petition_id=OuterRef("petition_id"), pk__gt=OuterRef("pk")
    ).order_by("pk")
    return Subquery(following.values("created_at")[:1])


# --- Groupings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    field: str  # the column grouped on (and filtered on by the drill-down)
    name_field: str | None  # the label's column, when it is another table's
    order: tuple[str, ...]
    grain: str  # the Summary rows it is read from (summaries.PLACE or summaries.TOPIC)


DIMENSIONS = {
    "township": Dimension(
        "township", "乡镇", "township_id", "township__name", ("township__sort_order", "township__name"), summaries.PLACE
    ),
    "village": Dimension(
        "village", "村", "village_id", "village__name", ("village__sort_order", "village__name"), summaries.PLACE
    ),
    "department": Dimension(
        "department",
        "牵头单位",
        "lead_department_id",
        "lead_department__name",
        ("lead_department__kind", "lead_department__sort_order", "lead_department__name"),
        summaries.PLACE,
    ),
    # 领导包案: the cases each leader owns (包案), by their current owner; the cases no leader owns last.
    "owner": Dimension(
        "owner", "包案领导", "owner_id", "owner__first_name", ("owner__first_name", "owner__username"), summaries.PLACE
    ),
    "subject": Dimension("subject", "诉求事项", "category__subject", None, ("category__subject",), summaries.TOPIC),
    "channel": Dimension("channel", "来源渠道", "channel", None, ("channel",), summaries.TOPIC),
}
KEY_COLUMNS = {dim.field for dim in DIMENSIONS.values()}  # the rest of a grouped row are counts
NONE_KEY = "none"  # the group of cases with no village / no lead department
NONE_LABELS = {"village": "（未指定村）", "department": "（未交办）", "owner": "（无包案领导）"}


@dataclass(frozen=True)
class Row:
    key: str  # as used in the drill-down's ``key`` parameter
    id: int | str | None
    label: str
    figures: dict[str, Figure]


def _sort_key(values: tuple) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in values)


def compute_by(
    period: Period,
    dimension: str,
    *,
    today: dt.date | None = None,
    k: float | None = None,
    townships: Townships = None,
) -> list[Row]:
    """The seven measures per township / village / lead department / subject / channel: two grouped queries."""
    return compute_by_many(period, [dimension], today=today, k=k, townships=townships)[dimension]


def compute_by_many(
    period: Period,
    dimensions: list[str],
    *,
    today: dt.date | None = None,
    k: float | None = None,
    townships: Townships = None,
) -> dict[str, list[Row]]:
    """The seven measures per group of each of ``dimensions``: the part of the period that is not kept,
    from the cases and the revisit events (two queries, each grouped by every dimension's column at once),
    and the kept spans from their ``Summary`` rows (one query per grain), added up per dimension here;
    after one query that finds the kept spans. None runs when it has nothing to read."""
    dims = [DIMENSIONS[d] for d in dimensions]
    k = basic_weight() if k is None else k
    today = today or timezone.localdate()
    plans = summaries.plan([period], today)

    def keys_of(of_dims) -> list[str]:
        return list(dict.fromkeys(dim.field for dim in of_dims))

    keys = keys_of(dims)
    counted = _counted_rows(plans, today, keys, townships=townships)
    kept = {
        grain: summaries.kept_rows(plans, grain, keys_of([d for d in dims if d.grain == grain]), townships=townships)
        for grain in dict.fromkeys(dim.grain for dim in dims)
    }
    out = {}
    for grain, rows in kept.items():
        of_grain = [dim for dim in dims if dim.grain == grain]
        rows = _merged(counted + rows, keys_of(of_grain))
        for dim in of_grain:
            out[dim.key] = _fold(rows, dim, _labels(dim, {row[dim.field] for row in rows}), k)
    return {dim.key: out[dim.key] for dim in dims}


def _merged(rows: list[dict], keys: list[str]) -> list[dict]:
    """The rows added up per value of ``keys`` (the counts of the cases, of the revisits and of the kept
    months of the same group become one row)."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        into = merged.get(key)
        if into is None:
            into = merged[key] = dict(zip(keys, key, strict=True))
        get = into.get
        for name, count in row.items():
            if count and name not in KEY_COLUMNS:
                into[name] = get(name, 0) + count
    return list(merged.values())


def _labels(dim: Dimension, ids: set) -> dict:
    """id → the name and sort keys of each group of a dimension that names its groups from another table
    (a village, a department): one small query; none for the others (a subject, a channel)."""
    if not dim.name_field:
        return {}
    relation = dim.field.removesuffix("_id")
    model = Petition._meta.get_field(relation).related_model
    columns = list(dict.fromkeys((dim.name_field, *dim.order)))
    fields = [column.removeprefix(f"{relation}__") for column in columns]
    # All of them: a county has a few hundred, and an IN list of hundreds of ids took Django longer to write
    # than the database to read the whole table.
    found = model.objects.order_by().values("pk", *fields)
    return {row["pk"]: {c: row[f] for c, f in zip(columns, fields, strict=True)} for row in found if row["pk"] in ids}


def _fold(rows: list[dict], dim: Dimension, labels: dict, k: float) -> list[Row]:
    """Add up the finely grouped rows into one row per group of ``dim``, in the dimension's order, the
    group of cases without a village / lead department last."""
    merged: dict = {}
    for row in rows:
        into = merged.setdefault(row[dim.field], {})
        for name, count in row.items():
            if count and name not in KEY_COLUMNS:
                into[name] = into.get(name, 0) + count
    out, missing = [], []
    for ident, row in merged.items():
        described = labels.get(ident, {dim.field: ident})
        if dim.key == "channel":
            label = Channel(ident).label if ident in Channel.values else ident
        elif dim.name_field:
            label = described[dim.name_field] if ident is not None else NONE_LABELS[dim.key]
        else:
            label = ident
        key = NONE_KEY if ident is None else str(ident)
        target = missing if ident is None else out
        order = _sort_key((*(described.get(o, ident) for o in dim.order), ident))
        target.append((order, Row(key, ident, label, _figures(row, k, prefix="p0_"))))
    out.sort(key=lambda pair: pair[0])
    rows_out = [row for _, row in out]
    if dim.key == "channel":
        position = {value: i for i, value in enumerate(Channel.values)}
        rows_out.sort(key=lambda r: position.get(r.id, 99))
    return rows_out + [row for _, row in missing]


def total(rows: list[Row], k: float | None = None) -> dict[str, Figure]:
    """The township's figures as the sum of one grouping's rows (every case is in exactly one group, the
    "none" group included), so the overall figures cost no query of their own."""
    k = basic_weight() if k is None else k
    row: dict = {}
    for r in rows:
        for key, figure in r.figures.items():
            counts = {"d": figure.denominator, "n": figure.numerator_cases}
            counts.update({name: figure.parts.get(name, 0) for name in EXTRA_PARTS.get(key, ())})
            for part, count in counts.items():
                row[f"{key}__{part}"] = row.get(f"{key}__{part}", 0) + count
    return _figures(row, k)


def group_filter(dimension: str, key: str) -> Q:
    """The drill-down's filter for one row of ``compute_by`` (raises ValueError for a bad key)."""
    dim = DIMENSIONS[dimension]
    if key == NONE_KEY and dim.name_field:
        return Q(**{f"{dim.field.removesuffix('_id')}__isnull": True})
    if dimension in ("township", "village", "department", "owner"):
        return Q(**{dim.field: int(key)})
    if dimension == "channel" and key not in Channel.values:
        raise ValueError(key)
    return Q(**{dim.field: key})


# --- The cases behind a number ---------------------------------------------------------------------


def cases(
    period: Period,
    measure: str,
    part: str,
    *,
    dimension: str | None = None,
    key: str | None = None,
    today: dt.date | None = None,
    townships: Townships = None,
) -> QuerySet:
    """Exactly the cases counted in ``part`` ("numerator", "denominator", "missed", or for 满意率 also
    "satisfied" / "basic") of ``measure`` for ``period``, optionally in one group. Raises KeyError /
    ValueError for an unknown measure, part, dimension or key."""
    q = measure_parts(period, today)[measure].part(part) & in_townships(townships)
    if dimension:
        q &= group_filter(dimension, key or "")
    return Petition.objects.filter(q)


def part_count(figure: Figure, part: str) -> int:
    """How many cases ``part`` of ``figure`` holds (the length of its drill-down list)."""
    if part == "denominator":
        return figure.denominator
    if part == "missed":
        return figure.missed
    return figure.parts[part] if part in figure.parts else figure.numerator_cases


# --- metrics.json ----------------------------------------------------------------------------------


def as_json(period: Period, *, today: dt.date | None = None, townships: Townships = None) -> dict:
    """The shape of ``/dashboards/metrics.json`` (other tools rely on it)::

        {
          "from": "2026-10-01", "to": "2026-10-31", "satisfaction_basic_weight": 1.0,
          "response_rate": {"value": 0.8, "numerator": 4, "denominator": 5},   # … the seven measures, overall
          "by_township":   [{"id": 1, "name": "鼎新乡", "response_rate": {…}, …}, …],
          "by_village":    [{"id": 1, "name": "和平村", "response_rate": {…}, …}, …],
          "by_department": [{"id": 2, "name": "民政办", "response_rate": {…}, …}, …]
        }

    ``value`` is numerator ÷ denominator (0–1, four decimals) or null when the denominator is 0; the
    numerator of satisfaction_rate is weighted (满意 + k × 基本满意). A group of cases without a village
    (or not routed to any department) has ``id`` null. Over ``townships`` (the reader's), or the county.
    """
    groups = compute_by_many(period, ["township", "village", "department"], today=today, townships=townships)
    overall = total(groups["village"])
    data: dict = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "satisfaction_basic_weight": basic_weight(),
    }
    data.update({key: figure.as_json() for key, figure in overall.items()})
    for dimension in ("township", "village", "department"):
        data[f"by_{dimension}"] = [
            {"id": row.id, "name": row.label, **{key: f.as_json() for key, f in row.figures.items()}}
            for row in groups[dimension]
        ]
    return data


# --- Slow figures are remembered --------------------------------------------------------------------

T = TypeVar("T")


def remembered(key: str, compute: Callable[[], T], periods: Sequence[Period]) -> tuple[T, dt.datetime, bool]:
    """``compute()``, or its result from the cache (Redis in production).

    Figures are fresh whenever they are cheap. Those that took longer than
    ``MINQING_METRICS_CACHE_AFTER_MS`` (300) to compute — a county's custom period whose cut months are
    counted from the cases — are kept for ``MINQING_METRICS_CACHE_SECONDS`` (600; 0 keeps nothing), so the
    leaders of twenty townships looking at the same period do not each wait. Returns the figures, when they
    were computed and whether they came from the cache (the pages say so). ``key`` names the figures: the
    period, the day and the weight k belong in it (``figures_key``).

    Remembered figures are never out of date: the cache key also carries the sum of the versions of every
    day from the first to the last of ``periods`` (``summaries.versions_total``, one query). Every workflow
    change bumps the version of each day the case counts on, in its own transaction (as the kept counts
    rely on), so after a revisit, a close or a reopen the key changes and the figures are computed again."""
    seconds = int(getattr(settings, "MINQING_METRICS_CACHE_SECONDS", 600))
    if seconds <= 0:
        return compute(), timezone.now(), False
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    cache_key = f"minqing:metrics:{key}:v{summaries.versions_total(first, last)}"
    kept = cache.get(cache_key)
    if kept is not None:
        value, computed_at = kept
        return value, computed_at, True
    computed_at, started = timezone.now(), time.monotonic()
    value = compute()
    if (time.monotonic() - started) * 1000 >= float(getattr(settings, "MINQING_METRICS_CACHE_AFTER_MS", 300)):
        cache.set(cache_key, (value, computed_at), seconds)
    return value, computed_at, False


def figures_key(period: Period, today: dt.date, townships: Townships = None, *parts) -> str:
    place = "county" if townships is None else ",".join(str(t) for t in sorted(townships))
    return ":".join(str(p) for p in (period.start, period.end, today, basic_weight(), place, *parts))
