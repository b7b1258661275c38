"""The petitions' part of a household's timeline (households/timeline.py, ``MINQING_TIMELINE_PROVIDERS``).

One entry when a case came in and one for each step that matters to the household (replies, revisits,
closing and the side exits), from one query over the cases' events. An accusation (检举控告) appears
only to those who may see its petitioner (petitions/identity.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse

from households.timeline import TimelineEntry
from petitions.choices import Action, Satisfaction, Status
from petitions.models import PetitionEvent

#: The steps shown on a household's page besides the case coming in.
SHOWN = {
    Action.REGISTER,
    Action.ANSWER_AT_DESK,
    Action.SETTLE_IN_VILLAGE,
    Action.REPLY,
    Action.REVISIT,
    Action.CLOSE_WITH_REASON,
    Action.NOT_ACCEPT,
    Action.MERGE,
    Action.WITHDRAW,
}


def _url(petition_id: int) -> str:
    try:
        return reverse("petitions:detail", args=[petition_id])
    except NoReverseMatch:
        return ""


def petition_entries(household, scope) -> Iterable[TimelineEntry]:
    """(household, scope) → entries, one query."""
    from petitions.models import Petition

    petitions = Petition.objects.linkable_to_person(scope).filter(household=household)
    events = (
        PetitionEvent.objects.filter(petition__in=petitions, action__in=SHOWN)
        .select_related("petition", "petition__category")
        .order_by("-created_at", "-pk")
    )
    for event in events:
        petition = event.petition
        url = _url(petition.pk)
        if event.action == Action.REGISTER:
            yield TimelineEntry(
                when=petition.received_at,
                kind="petition",
                title=f"{petition.get_channel_display()}：{petition.summary}（{petition.tracking_number}）",
                url=url,
                body=str(petition.category),
                badge=petition.get_status_display(),
                badge_class=f"text-bg-{Status.colour(petition.status)}",
            )
            continue
        title = f"{event.get_action_display()}：{petition.summary}（{petition.tracking_number}）"
        body = event.note
        if event.action == Action.REVISIT:
            label = dict(Satisfaction.choices).get(event.data.get("satisfaction"), "")
            body = f"{label} {event.note}".strip()
        yield TimelineEntry(
            when=event.created_at,
            kind="petition",
            title=title,
            url=url,
            body=body,
            badge=Status(event.to_status).label,
            badge_class=f"text-bg-{Status.colour(event.to_status)}",
        )
