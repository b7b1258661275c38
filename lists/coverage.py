"""A sweep's coverage (排查覆盖率): households visited under the sweep ÷ households to visit, per village (every
household of the sweep's villages) and per tag (六应访: every household of the villages carrying the tag must be
visited), with who is left. A household counts as visited when a visit recorded under the sweep visited it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q

from households.models import Household
from lists.models import Sweep

#: Below this share a village is named as behind in the bulletins.
LOW_COVERAGE = 0.8


@dataclass
class Coverage:
    label: str
    total: int
    visited: int
    left: list = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.visited / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return round(100 * self.ratio)


def _households(sweep: Sweep):
    from visits.models import Visit

    visited = Visit.objects.filter(sweep=sweep, households=OuterRef("pk"))
    return Household.objects.filter(village__in=sweep.villages.all()).annotate(swept=Exists(visited))


def by_village(sweep: Sweep, *, left_limit: int = 50) -> list[Coverage]:
    """Per village, lowest coverage first: one grouped query for the counts, one for who is left."""
    rows = (
        _households(sweep)
        .values("village_id", "village__name")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(swept=True)))
        .order_by()
    )
    out = {r["village_id"]: Coverage(r["village__name"], r["total"], r["visited"]) for r in rows}
    for village in sweep.villages.all():
        out.setdefault(village.pk, Coverage(village.name, 0, 0))
    left = _households(sweep).filter(swept=False).order_by("village_id", "household_no")
    for h in left.only("pk", "village_id", "household_no", "head_name"):
        cov = out[h.village_id]
        if len(cov.left) < left_limit:
            cov.left.append(h)
    return sorted(out.values(), key=lambda c: (c.ratio, c.label))


def by_tag(sweep: Sweep) -> list[Coverage]:
    """六应访: per tag of the sweep, the tagged households of its villages and how many were visited."""
    out = []
    households = _households(sweep)
    for tag in sweep.tags.all().order_by("sort_order", "name"):
        tagged = households.filter(tags=tag).distinct()
        counts = tagged.aggregate(
            total=Count("pk", distinct=True), visited=Count("pk", filter=Q(swept=True), distinct=True)
        )
        left = list(tagged.filter(swept=False).select_related("village").order_by("village__name", "household_no")[:50])
        out.append(Coverage(tag.name, counts["total"], counts["visited"], left))
    return out
