"""The visits app's part of the household timeline (households/timeline.py, MINQING_TIMELINE_PROVIDERS).

Visits to the household, and the revisits of its cases that did not reach the petitioner. A revisit
that reached them moved the case, so it is already on the timeline as the case's 回访 event
(petitions/timeline.py); it is not repeated here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.text import Truncator

from households.timeline import TimelineEntry
from petitions.identity import identity_visible
from visits.models import Revisit, Visit


def _names(users) -> str:
    names = [u.get_full_name() or u.get_username() for u in users]
    return "、".join(names[:3]) + (f"等{len(names)}人" if len(names) > 3 else "")


def household_entries(household, scope) -> Iterable[TimelineEntry]:
    """Visits and unreached revisits the scope may see (three queries)."""
    visits = (
        Visit.objects.visible_to(scope)
        .filter(households=household)
        .prefetch_related(Prefetch("participants", queryset=get_user_model().objects.order_by("pk")))
        .order_by("-visited_at", "-pk")
    )
    for visit in visits:
        yield TimelineEntry(
            when=visit.visited_at,
            kind="visit",
            title=f"{visit.get_kind_display()}（{_names(visit.participants.all())}）",
            url=reverse("visits:detail", args=[visit.pk]),
            body=Truncator(visit.heard).chars(120),
            badge="走访",
            badge_class="text-bg-info",
        )
    # An accusation's petitioner is known to the center only: its revisits are not tied to the household.
    revisits = Revisit.objects.visible_to(scope).filter(
        identity_visible(scope, prefix="petition__"), petition__household=household, reached=False
    )
    for revisit in revisits.select_related("petition", "by").order_by("-created_at", "-pk"):
        by = revisit.by.get_full_name() or revisit.by.get_username()
        yield TimelineEntry(
            when=revisit.created_at,
            kind="revisit",
            title=f"{revisit.get_method_display()}回访未联系上：{revisit.petition.summary}（{revisit.petition.tracking_number}）",
            url=reverse("visits:revisit_new", args=[revisit.petition_id]),
            body=f"{by} {revisit.comment}".strip(),
            badge="回访",
            badge_class="text-bg-secondary",
        )
