"""Per-cadre reads: progress against the township's quotas (定额) and the cadres' files (干部民情工作档案).

A cadre's *visits* are the visits with the cadre among the people who went. Every figure is a grouped query over
all the cadres at once (never a query per cadre), so the pages' query counts do not grow with their rows.

A handler's rates reuse the leaders' measures (``dashboards.metrics.measure_parts``), restricted to the cases
whose history names the handler (``PetitionEvent.actor``): no second definition of a measure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards.metrics import Figure, basic_weight, in_townships, measure_parts
from dashboards.periods import Period
from households.models import Household
from minqing.access import Scope
from minqing.roles import Role
from petitions.models import Department, Petition, PetitionEvent
from visits.models import ContactQuota, ContactReport, VisitParticipant
from visits.querysets import Month

#: The handler's measures shown in a cadre's file.
HANDLER_MEASURES = ("response_rate", "on_time_rate", "satisfaction_rate")


@dataclass
class Cadre:
    pk: int
    name: str
    township_id: int | None
    township: str
    unit: str  # a county unit's name, or ""

    @property
    def county_unit(self) -> bool:
        return bool(self.unit)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def contact_cadres(scope: Scope) -> list[Cadre]:
    """The cadres keeping contact households the scope sees, each with the township of most of them and their
    county unit. Three queries."""
    rows = (
        Household.objects.visible_to(scope)
        .filter(contact_cadre__isnull=False)
        .values("contact_cadre_id", "village__township_id", "village__township__name")
        .annotate(n=Count("pk"))
        .order_by("contact_cadre_id", "-n")
    )
    home: dict[int, tuple] = {}
    for row in rows:
        home.setdefault(row["contact_cadre_id"], (row["village__township_id"], row["village__township__name"]))
    return _cadres(home)


def _cadres(home: dict[int, tuple]) -> list[Cadre]:
    users = get_user_model().objects.filter(pk__in=home).order_by("first_name", "username")
    units = dict(Department.objects.filter(kind=Department.Kind.COUNTY, staff__in=home).values_list("staff", "name"))
    return [Cadre(u.pk, _name(u), home[u.pk][0], home[u.pk][1] or "", units.get(u.pk, "")) for u in users]


def visits_between(user_ids, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """user id → their visits in [start, end). One query."""
    rows = (
        VisitParticipant.objects.filter(user_id__in=user_ids, visit__visited_at__gte=start, visit__visited_at__lt=end)
        .values("user_id")
        .annotate(n=Count("visit", distinct=True))
        .order_by()
    )
    return {row["user_id"]: row["n"] for row in rows}


def quotas(township_ids) -> dict[int, ContactQuota]:
    found = {q.township_id: q for q in ContactQuota.objects.filter(township_id__in=township_ids)}
    return {t: found.get(t) or ContactQuota(township_id=t) for t in township_ids}


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def quota_progress(scope: Scope, today: dt.date | None = None) -> list[dict]:
    """Each contact cadre's visits this month and this year against the township's quotas, behind first (the
    largest share still missing). Five queries."""
    today = today or timezone.localdate()
    cadres = contact_cadres(scope)
    ids = [c.pk for c in cadres]
    month = Month(today.year, today.month)
    this_month = visits_between(ids, month.start, month.end)
    this_year = visits_between(ids, _aware(dt.date(today.year, 1, 1)), _aware(dt.date(today.year + 1, 1, 1)))
    by_township = quotas({c.township_id for c in cadres})
    rows = []
    for c in cadres:
        quota = by_township[c.township_id]
        monthly, yearly = quota.monthly_visits, quota.yearly_visits(c.county_unit)
        m, y = this_month.get(c.pk, 0), this_year.get(c.pk, 0)
        rows.append(
            {
                "cadre": c,
                "month_visits": m,
                "month_quota": monthly,
                "month_short": max(monthly - m, 0),
                "month_percent": min(100, round(100 * m / monthly)),
                "year_visits": y,
                "year_quota": yearly,
                "year_short": max(yearly - y, 0),
                "year_percent": min(100, round(100 * y / yearly)),
                "frequency": quota.get_household_frequency_display(),
            }
        )
    rows.sort(key=lambda r: (r["month_visits"] / r["month_quota"], r["year_visits"] / r["year_quota"], r["cadre"].name))
    return rows


# --- The cadres' files (干部民情工作档案) --------------------------------------------------------------------------


def assessment_period(year: int, half: str | None) -> Period:
    """The year, or its first (``half="1"``) or second (``"2"``) half."""
    if half == "1":
        return Period(dt.date(year, 1, 1), dt.date(year, 6, 30), "custom")
    if half == "2":
        return Period(dt.date(year, 7, 1), dt.date(year, 12, 31), "custom")
    return Period.year(year)


def _months(period: Period, today: dt.date) -> list[dt.date]:
    """The first days of the period's months that have begun by ``today``."""
    months, day = [], period.start.replace(day=1)
    while day <= min(period.end, today):
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def handler_rates(user_ids, period: Period, today: dt.date, townships=None) -> dict[int, dict[str, Figure]]:
    """user id → the response, on-time and satisfaction rates (``dashboards.metrics`` definitions) over the cases
    whose events name the user. Four queries: one per measure over every named case, and the (user, case) pairs."""
    named = PetitionEvent.objects.filter(actor_id__in=user_ids)
    pairs = defaultdict(set)
    for actor, case in named.values_list("actor_id", "petition_id").distinct():
        pairs[actor].add(case)
    parts = measure_parts(period, today)
    k = basic_weight()
    out: dict[int, dict[str, Figure]] = {pk: {} for pk in user_ids}
    for key in HANDLER_MEASURES:
        p = parts[key]
        flags = {
            "num": Case(When(p.numerator, then=Value(1)), default=Value(0), output_field=IntegerField()),
        }
        if key == "satisfaction_rate":
            for extra in ("satisfied", "basic"):
                flags[extra] = Case(When(p.extra[extra], then=Value(1)), default=Value(0), output_field=IntegerField())
        cases = {
            row["pk"]: row
            for row in Petition.objects.filter(
                p.denominator, in_townships(townships), pk__in=named.values("petition_id")
            )
            .annotate(**flags)
            .values("pk", *flags)
        }
        for pk in user_ids:
            mine = [cases[c] for c in pairs.get(pk, ()) if c in cases]
            n = sum(r["num"] for r in mine)
            if key == "satisfaction_rate":
                satisfied, basic = sum(r["satisfied"] for r in mine), sum(r["basic"] for r in mine)
                weighted = satisfied + k * basic
                numerator = int(weighted) if float(weighted).is_integer() else round(weighted, 2)
                out[pk][key] = Figure(numerator, len(mine), {"numerator": n, "satisfied": satisfied, "basic": basic})
            else:
                out[pk][key] = Figure(n, len(mine), {"numerator": n})
    return out


def _handlers_in(scope: Scope) -> dict[int, tuple]:
    """Handlers of the departments of the scope's townships (the county: every department), with a township."""
    departments = Department.objects.filter(scope.townships_q("township"))
    if scope.sees_every_township:
        departments = Department.objects.all()
    rows = (
        get_user_model()
        .objects.filter(groups__name=Role.HANDLER, is_active=True, departments__in=departments)
        .values("pk", "departments__township_id", "departments__township__name")
        .order_by("pk")
    )
    found: dict[int, tuple] = {}
    for row in rows:
        found.setdefault(row["pk"], (row["departments__township_id"], row["departments__township__name"]))
    return found


#: The file's columns: key → label (the page sorts by any of them, the export writes them in this order).
COLUMNS = {
    "name": "干部",
    "place": "乡镇/单位",
    "visits": "走访（户次）",
    "quota": "定额",
    "quota_percent": "完成定额",
    "coverage": "联系户覆盖率",
    "reports_on_time": "月报按时报送",
    "response_rate": "响应率",
    "on_time_rate": "按期办结率",
    "satisfaction_rate": "满意率",
}


def cadre_files(scope: Scope, period: Period, today: dt.date | None = None) -> list[dict]:
    """One row per cadre (contact cadres and handlers the scope sees) for ``period``: visits against the quota for
    the period (the yearly quota, halved for a half-year), contact coverage (household-months visited by the cadre
    ÷ household-months of the months begun), monthly reports submitted on time ÷ reports due, and for handlers
    the three rates. A fixed number of queries."""
    today = today or timezone.localdate()
    cadres = contact_cadres(scope)
    known = {c.pk for c in cadres}
    handlers = _handlers_in(scope)
    cadres += _cadres({pk: v for pk, v in handlers.items() if pk not in known})
    ids = [c.pk for c in cadres]
    visits = visits_between(ids, period.start_at, period.end_at)
    by_township = quotas({c.township_id for c in cadres if c.township_id})
    months = _months(period, today)
    # Household-months visited by their own cadre.
    households = dict(
        Household.objects.filter(contact_cadre_id__in=ids)
        .values("contact_cadre_id")
        .annotate(n=Count("pk"))
        .values_list("contact_cadre_id", "n")
        .order_by()
    )
    seen = (
        VisitParticipant.objects.filter(
            user_id__in=ids,
            visit__visited_at__gte=period.start_at,
            visit__visited_at__lt=period.end_at,
            visit__households__contact_cadre_id=F("user_id"),
        )
        .values("user_id", "visit__households", m=TruncMonth("visit__visited_at"))
        .distinct()
        .order_by()
    )
    visited_months: dict[int, int] = defaultdict(int)
    for row in seen:
        visited_months[row["user_id"]] += 1
    # Reports of the period's months already due (before this month).
    reports = {
        cadre_id: (due, on_time)
        for cadre_id, due, on_time in ContactReport.objects.filter(
            cadre_id__in=ids, month__gte=period.start, month__lte=period.end, month__lt=today.replace(day=1)
        )
        .values("cadre_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(status=ContactReport.Status.SUBMITTED)))
        .order_by()
        .values_list("cadre_id", "due", "on_time")
    }
    handler_ids = [pk for pk in ids if pk in handlers]
    rates = handler_rates(handler_ids, period, today, scope.counted_townships) if handler_ids else {}
    share = 0.5 if period.start.month != 1 or period.end.month != 12 else 1
    rows = []
    for c in cadres:
        quota = by_township.get(c.township_id) or ContactQuota()
        target = round(quota.yearly_visits(c.county_unit) * share)
        n = visits.get(c.pk, 0)
        kept = households.get(c.pk, 0)
        possible = kept * len(months)
        due, on_time = reports.get(c.pk, (0, 0))
        figures = rates.get(c.pk, {})
        rows.append(
            {
                "cadre": c,
                "name": c.name,
                "place": c.unit or c.township,
                "visits": n,
                "quota": target,
                "quota_percent": round(100 * n / target) if target else 0,
                "households": kept,
                "coverage": round(100 * visited_months.get(c.pk, 0) / possible) if possible else None,
                "reports_due": due,
                "reports_on_time_count": on_time,
                "reports_on_time": round(100 * on_time / due) if due else None,
                **{key: figures.get(key) for key in HANDLER_MEASURES},
            }
        )
    return rows


def sort_files(rows: list[dict], column: str, descending: bool) -> list[dict]:
    """Sort by any column; empty values (no reports due, not a handler) last whichever the direction."""
    if column not in COLUMNS:
        column = "quota_percent"

    def value(row):
        v = row[column]
        if isinstance(v, Figure):
            v = v.value
        return v

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), r["name"]), reverse=descending)
    return present + missing
