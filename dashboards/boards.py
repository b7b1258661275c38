"""Reads of the leaders' boards: hot spots (热点) and supervision (督办). Each is a constant number of queries.

**Hot spots** are read in ``petitions/hotspots.py`` (re-exported here), which the meetings' agenda reads too.

**Supervision board**: the open cases that are overdue (routed, not replied, the reply deadline passed) or
under a leader's supervision notice (督办), by lead department, each with its age (days since it was
received) and how many days it is overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from petitions.choices import OPEN_STATUSES, RUNNING_STATUSES
from petitions.hotspots import Hotspot, HotspotRule, hotspot_windows, hotspots  # noqa: F401 — the board's reads
from petitions.models import Petition, SupervisionNotice
from petitions.querysets import overdue_on

# --- Supervision -----------------------------------------------------------------------------------


@dataclass
class SupervisionGroup:
    department: str
    cases: list

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.cases if c.days_overdue)

    @property
    def supervised(self) -> int:
        return sum(1 for c in self.cases if c.supervised)


def supervision_cases(today: dt.date | None = None, cases=None):
    """Open cases overdue or under supervision, with ``supervised_at`` / ``supervision_note`` (the latest
    notice), ordered by lead department then deadline. One query. ``cases``: those the reader may see."""
    today = today or timezone.localdate()
    latest = SupervisionNotice.objects.filter(petition=OuterRef("pk")).order_by("-created_at", "-pk")
    cases = Petition.objects.all() if cases is None else cases
    return (
        cases.filter(
            (Q(status__in=RUNNING_STATUSES) & overdue_on(today)) | Q(supervised=True, status__in=OPEN_STATUSES)
        )
        .select_related("village", "category", "lead_department")
        .annotate(
            supervised_at=Subquery(latest.values("created_at")[:1]),
            supervision_note=Subquery(latest.values("note")[:1]),
        )
        .order_by("lead_department__kind", "lead_department__sort_order", "lead_department__name", "reply_by", "pk")
    )


def supervision_board(today: dt.date | None = None, cases=None) -> list[SupervisionGroup]:
    """The supervision board: one group per lead department (cases not routed last), each case with
    ``age_days`` and ``days_overdue`` set. One query. ``cases``: those the reader may see."""
    today = today or timezone.localdate()
    cases = list(supervision_cases(today, cases))
    for case in cases:
        case.age_days = (today - timezone.localdate(case.received_at)).days
        running = case.status in RUNNING_STATUSES
        case.days_overdue = (today - case.reply_by).days if running and case.reply_by and case.reply_by < today else 0
    cases.sort(key=lambda c: c.lead_department is None)  # stable: keeps the query's order otherwise
    return [
        SupervisionGroup(name, list(group))
        for name, group in groupby(cases, key=lambda c: c.lead_department.name if c.lead_department else "（未交办）")
    ]
