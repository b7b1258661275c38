"""Hot spots (热点, 从解决一件事到解决一类事): a read over the cases that the leaders' board (dashboards.boards)
and the township's analysis meeting's agenda (meetings.agenda) both ask, so it lives below both.

**Hot spots** (从解决一件事到解决一类事): a subject in a village is hot when, over the last
``MINQING_HOTSPOT_RECENT_DAYS`` days (30, today included), it has at least ``MINQING_HOTSPOT_MIN_CASES``
cases (3) and at least ``MINQING_HOTSPOT_RATIO`` (2) times what its rate over the
``MINQING_HOTSPOT_BASELINE_DAYS`` days before (90) would give for a span of that length:

    recent ≥ MIN_CASES  and  recent ≥ RATIO × baseline × RECENT_DAYS ÷ BASELINE_DAYS

Cases merged into another are not counted; cases without a village are not placed anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from petitions.choices import Status
from petitions.models import Petition


@dataclass(frozen=True)
class HotspotRule:
    recent_days: int
    baseline_days: int
    ratio: float
    min_cases: int

    @classmethod
    def from_settings(cls) -> HotspotRule:
        return cls(
            recent_days=int(getattr(settings, "MINQING_HOTSPOT_RECENT_DAYS", 30)),
            baseline_days=int(getattr(settings, "MINQING_HOTSPOT_BASELINE_DAYS", 90)),
            ratio=float(getattr(settings, "MINQING_HOTSPOT_RATIO", 2.0)),
            min_cases=int(getattr(settings, "MINQING_HOTSPOT_MIN_CASES", 3)),
        )

    def expected(self, baseline: int) -> float:
        """What the baseline rate gives over the recent span."""
        return baseline * self.recent_days / self.baseline_days

    def is_hot(self, recent: int, baseline: int) -> bool:
        return recent >= self.min_cases and recent >= self.ratio * self.expected(baseline)

    @property
    def text(self) -> str:
        ratio = f"{self.ratio:g}"
        return (
            f"某村某类诉求事项近{self.recent_days}天（含今天）受理不少于{self.min_cases}件，"
            f"且不少于此前{self.baseline_days}天按同样天数折算的件数的{ratio}倍，即："
            f"近{self.recent_days}天件数 ≥ {ratio} × 此前{self.baseline_days}天件数"
            f" × {self.recent_days}/{self.baseline_days}。"
            "已合并的重复登记不计。"
        )


@dataclass
class Hotspot:
    village_id: int
    village: str
    subject: str
    recent: int
    baseline: int
    expected: float
    cases: list = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return round(self.recent / self.expected, 1) if self.expected else None


def hotspot_windows(rule: HotspotRule, today: dt.date) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(baseline start, recent start, end): [baseline start, recent start) and [recent start, end)."""
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    recent_start = end - dt.timedelta(days=rule.recent_days)
    return recent_start - dt.timedelta(days=rule.baseline_days), recent_start, end


def hotspots(today: dt.date | None = None, rule: HotspotRule | None = None, cases=None) -> list[Hotspot]:
    """The hot (village, subject) pairs, hottest first, each with its recent cases. Two queries. ``cases`` are
    those the reader may see (``Petition.objects.visible_to(scope)``: a township's; all by default)."""
    today = today or timezone.localdate()
    rule = rule or HotspotRule.from_settings()
    base_start, recent_start, end = hotspot_windows(rule, today)
    recent = Q(received_at__gte=recent_start, received_at__lt=end)
    cases = Petition.objects.all() if cases is None else cases
    counted = cases.filter(received_at__gte=base_start, received_at__lt=end, village__isnull=False).exclude(
        status=Status.MERGED
    )
    rows = (
        counted.values("village_id", "village__name", "category__subject")
        .annotate(recent=Count("pk", filter=recent), baseline=Count("pk", filter=Q(received_at__lt=recent_start)))
        .filter(recent__gte=rule.min_cases)
        .order_by()
    )
    spots = {
        (r["village_id"], r["category__subject"]): Hotspot(
            r["village_id"],
            r["village__name"],
            r["category__subject"],
            r["recent"],
            r["baseline"],
            round(rule.expected(r["baseline"]), 1),
        )
        for r in rows
        if rule.is_hot(r["recent"], r["baseline"])
    }
    if spots:
        recent_cases = (
            counted.filter(recent)
            .filter(village_id__in={v for v, _ in spots}, category__subject__in={s for _, s in spots})
            .select_related("village", "category", "lead_department")
            .order_by("-received_at", "-pk")
        )
        for case in recent_cases:
            spot = spots.get((case.village_id, case.category.subject))
            if spot is not None:
                spot.cases.append(case)
    return sorted(spots.values(), key=lambda s: (-(s.recent - s.expected), -s.recent, s.village, s.subject))
