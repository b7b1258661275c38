"""The household page's single timeline (一户一档): everything that happened to a household, newest first.

Each app contributes through a *provider*, a function ``(household, scope) -> Iterable[TimelineEntry]``
named by its dotted path in the setting ``MINQING_TIMELINE_PROVIDERS``. The ledger never imports the apps
that depend on it (households ← petitions ← visits): they append their provider to the setting. A provider
runs a constant number of queries (one, as a rule) and returns only what ``scope`` may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # "household", "petition", "visit", "revisit" …: one per provider, usable as a CSS hook
    title: str
    url: str = ""
    body: str = ""
    badge: str = ""
    badge_class: str = ""  # a Bootstrap class such as "text-bg-secondary"


def household_timeline(household, scope) -> list[TimelineEntry]:
    """Every provider's entries for ``household``, newest first."""
    entries: list[TimelineEntry] = []
    for path in settings.MINQING_TIMELINE_PROVIDERS:
        provider = import_string(path)
        entries.extend(provider(household, scope))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def ledger_entries(household, scope) -> Iterable[TimelineEntry]:
    """The ledger's own history: created, updated, members added or changed (one query)."""
    from households.models import HouseholdEvent

    for event in HouseholdEvent.objects.filter(household=household).order_by("-created_at", "-pk"):
        by = f"（{event.actor_name}）" if event.actor_name else ""
        yield TimelineEntry(
            when=event.created_at,
            kind="household",
            title=f"{event.get_action_display()}{by}",
            body=event.note,
            badge="台账",
            badge_class="text-bg-secondary",
        )
