"""Reads: who sees which visits, list data, and the contact-household figures (民情联系户).

A contact household counts as *visited* in a month when a visit in that month lists the household
and has its contact cadre (联系干部) among the people who went. Every figure here is one grouped
query or a correlated subquery, never a query per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from minqing.access import Scope


def contact_quota(population: int | None) -> int:
    """How many contact households a cadre keeps in a village of ``population`` people (domain.md):
    10 under 500 people, 15 for 500–1000, 20 above."""
    population = population or 0
    if population < 500:
        return 10
    if population <= 1000:
        return 15
    return 20


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def current(cls) -> Month:
        today = timezone.localdate()
        return cls(today.year, today.month)

    @classmethod
    def parse(cls, value: str | None) -> Month:
        """'2026-05' → Month(2026, 5); anything else → the current month."""
        try:
            year, month = (int(part) for part in (value or "").split("-"))
            dt.date(year, month, 1)
        except ValueError:
            return cls.current()
        return cls(year, month)

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime(self.year, self.month, 1))

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


class VisitQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Center roles see every visit of their townships (the county: all); a liaison the visits in their
        villages; others none."""
        if scope.reads_townships:
            return self.filter(scope.townships_q("village__township"))
        if scope.is_liaison:
            return self.filter(village_id__in=scope.village_ids)
        return self.none()

    def with_list_data(self):
        Household = apps.get_model("households", "Household")
        Item = apps.get_model("lists", "Item")
        pending = (
            Item.objects.filter(visit=models.OuterRef("pk"), status__in=Item.PENDING)
            .values("visit")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return (
            self.select_related("village", "created_by")
            .annotate(pending_items=Coalesce(models.Subquery(pending), 0))
            .prefetch_related(
                models.Prefetch("households", queryset=Household.objects.only("pk", "household_no", "head_name")),
                models.Prefetch("participants", queryset=get_user_model().objects.order_by("pk")),
            )
        )

    def with_detail_data(self):
        Household = apps.get_model("households", "Household")
        return self.select_related("village", "created_by", "sweep").prefetch_related(
            "items",
            models.Prefetch("households", queryset=Household.objects.select_related("village", "group")),
            models.Prefetch("participants", queryset=get_user_model().objects.order_by("pk")),
            # The people with their roles (1+2+N), leader first.
            models.Prefetch(
                "team",
                queryset=apps.get_model("visits", "VisitParticipant")
                .objects.select_related("user")
                .order_by(
                    models.Case(
                        *(models.When(role=r, then=models.Value(i)) for i, r in enumerate(("lead", "duty", "village"))),
                        default=models.Value(9),
                    ),
                    "pk",
                ),
            ),
            models.Prefetch(
                "petitions", queryset=apps.get_model("petitions", "Petition").objects.select_related("category")
            ),
        )

    def in_month(self, month: Month):
        return self.filter(visited_at__gte=month.start, visited_at__lt=month.end)

    def by_contact_cadre(self, household_ref: str = "pk", cadre_ref: str = "contact_cadre_id"):
        """Visits of the outer household made with its contact cadre (for correlated subqueries)."""
        return self.filter(households=OuterRef(household_ref), participants=OuterRef(cadre_ref))


class RevisitQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Center roles see every revisit of their townships (the county: all); a liaison those of their villages'
        cases; others none."""
        if scope.reads_townships:
            return self.filter(scope.townships_q("petition__township"))
        if scope.is_liaison:
            return self.filter(petition__village_id__in=scope.village_ids)
        return self.none()

    def since_reply(self, petition_ref="pk"):
        """Revisits of the outer case made after its (latest) reply."""
        return self.filter(petition=OuterRef(petition_ref), created_at__gte=OuterRef("replied_at"))

    def unreached_since_reply(self, petition):
        return self.filter(petition=petition, reached=False, created_at__gte=petition.replied_at)


def revisit_after_days() -> int:
    """A revisit falls due this many days after the reply (setting MINQING_REVISIT_AFTER_DAYS)."""
    return getattr(settings, "MINQING_REVISIT_AFTER_DAYS", 7)


def revisitable_petitions(scope: Scope):
    """The cases whose revisits ``scope`` sees: every case of the center's townships, a liaison's villages' cases."""
    Petition = apps.get_model("petitions", "Petition")
    if scope.reads_townships:
        return Petition.objects.filter(scope.townships_q("township"))
    if scope.is_liaison:
        return Petition.objects.filter(village_id__in=scope.village_ids)
    return Petition.objects.none()


def revisit_queue(scope: Scope, now: dt.datetime | None = None):
    """Replied cases waiting for their revisit, oldest reply first, each with ``due_at`` (reply + N days),
    ``is_due``, ``unreached`` (unreached revisits since the reply) and ``last_attempt_at``."""
    Revisit = apps.get_model("visits", "Revisit")
    now = now or timezone.now()
    after = dt.timedelta(days=revisit_after_days())
    since = Revisit.objects.since_reply()
    unreached = since.filter(reached=False).order_by().values("petition").annotate(n=Count("pk")).values("n")
    return (
        revisitable_petitions(scope)
        .filter(status="replied", replied_at__isnull=False)
        .select_related("village", "category", "lead_department", "household")
        .annotate(
            due_at=ExpressionWrapper(F("replied_at") + after, output_field=models.DateTimeField()),
            is_due=Case(When(replied_at__lte=now - after, then=Value(True)), default=Value(False)),
            unreached=Coalesce(Subquery(unreached), 0),
            last_attempt_at=Subquery(since.order_by("-created_at").values("created_at")[:1]),
        )
        .order_by("replied_at", "pk")
    )


def _visits():
    return apps.get_model("visits", "Visit").objects


def contact_households(scope: Scope, month: Month | None = None):
    """The contact households the scope may see, each with ``last_visit_at`` (by its contact cadre)
    and ``visited_in_month`` (this month unless ``month`` is given)."""
    Household = apps.get_model("households", "Household")
    month = month or Month.current()
    by_cadre = _visits().by_contact_cadre()
    return (
        Household.objects.visible_to(scope)
        .filter(contact_cadre__isnull=False)
        .select_related("village", "group", "contact_cadre")
        .annotate(
            last_visit_at=Subquery(by_cadre.order_by("-visited_at").values("visited_at")[:1]),
            visited_in_month=Exists(by_cadre.in_month(month)),
        )
        .order_by("contact_cadre__first_name", "contact_cadre_id", "village__sort_order", "household_no")
    )


def village_populations(village_ids=None) -> dict[int, int]:
    """Village id → people in the ledger (the sum of household sizes), one grouped query."""
    Household = apps.get_model("households", "Household")
    rows = Household.objects.all()
    if village_ids is not None:
        rows = rows.filter(village_id__in=village_ids)
    rows = rows.values("village_id").annotate(people=Coalesce(Sum("size"), 0)).order_by()
    return {row["village_id"]: row["people"] for row in rows}


def coverage_by_cadre(scope: Scope, month: Month) -> list[dict]:
    """One row per (contact cadre, village): households kept, visited in ``month``, the quota for
    the village's size and the coverage in percent. Two queries."""
    Household = apps.get_model("households", "Household")
    visited = Exists(_visits().by_contact_cadre().in_month(month))
    rows = list(
        Household.objects.visible_to(scope)
        .filter(contact_cadre__isnull=False)
        .values(
            "contact_cadre_id",
            "contact_cadre__first_name",
            "contact_cadre__username",
            "village_id",
            "village__name",
        )
        .annotate(households=Count("pk"), visited=Count("pk", filter=Q(visited)))
        .order_by("contact_cadre__first_name", "contact_cadre_id", "village__sort_order")
    )
    populations = village_populations({row["village_id"] for row in rows})
    for row in rows:
        row["cadre_name"] = row["contact_cadre__first_name"] or row["contact_cadre__username"]
        row["population"] = populations.get(row["village_id"], 0)
        row["quota"] = contact_quota(row["population"])
        row["short"] = max(row["quota"] - row["households"], 0)
        row["unvisited"] = row["households"] - row["visited"]
        row["percent"] = round(100 * row["visited"] / row["households"]) if row["households"] else 0
    return rows


def coverage_by_village(scope: Scope, month: Month):
    """The villages the scope may see, each annotated with ``population``, ``cadres``,
    ``contact_total``, ``contact_visited`` (in ``month``) and ``percent``. One query."""
    Household = apps.get_model("households", "Household")
    Village = apps.get_model("households", "Village")
    in_village = Household.objects.filter(village=OuterRef("pk")).order_by().values("village")
    contacts = in_village.filter(contact_cadre__isnull=False)
    visited = Exists(_visits().by_contact_cadre().in_month(month))
    villages = Village.objects.visible_to(scope) if scope.is_center or scope.is_liaison else Village.objects.none()
    villages = villages.annotate(
        population=Coalesce(Subquery(in_village.annotate(n=Sum("size")).values("n")), 0),
        cadres=Coalesce(Subquery(contacts.annotate(n=Count("contact_cadre", distinct=True)).values("n")), 0),
        contact_total=Coalesce(Subquery(contacts.annotate(n=Count("pk")).values("n")), 0),
        contact_visited=Coalesce(Subquery(contacts.filter(visited).annotate(n=Count("pk")).values("n")), 0),
    ).order_by("sort_order", "name")
    for village in villages:
        village.quota = contact_quota(village.population)
        village.unvisited = village.contact_total - village.contact_visited
        village.percent = round(100 * village.contact_visited / village.contact_total) if village.contact_total else 0
    return villages


def deputy_counts(year: int, scope: Scope):
    """Deputies (users whose cadre profile says 人大代表) with ``contacts``: the person-contacts (人次, the sum of the
    head counts) of their visits of a deputy's kinds (代表联系选民, 座谈会, 民情恳谈会) in ``year``, and ``visits``:
    how many such visits. Center roles see every deputy; anyone else only themselves."""
    Visit = apps.get_model("visits", "Visit")
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    theirs = (
        Visit.objects.filter(
            participants=OuterRef("pk"),
            kind__in=Visit.DEPUTY_KINDS,
            visited_at__gte=start,
            visited_at__lt=end,
        )
        .order_by()
        .values("participants")
    )
    users = get_user_model().objects.filter(cadre_profile__is_deputy=True, is_active=True)
    if not scope.is_center:
        users = users.filter(pk=scope.user_id)
    return (
        users.select_related("cadre_profile")
        .annotate(
            contacts=Coalesce(Subquery(theirs.annotate(n=Sum("head_count")).values("n")), 0),
            contact_visits=Coalesce(Subquery(theirs.annotate(n=Count("pk")).values("n")), 0),
        )
        .order_by("first_name", "username")
    )
