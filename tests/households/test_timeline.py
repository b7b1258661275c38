import datetime as dt

import pytest
from django.utils import timezone

from households.models import HouseholdEvent
from households.timeline import TimelineEntry, household_timeline, ledger_entries
from minqing.access import scope_for
from tests.conftest import make_village
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


def other_app_entries(household, scope):
    """A stand-in for the petitions/visits providers the other apps register."""
    yield TimelineEntry(when=NOW - dt.timedelta(days=1), kind="petition", title="来访：宅基地纠纷", url="/p/1/")
    yield TimelineEntry(when=NOW + dt.timedelta(days=1), kind="visit", title="入户走访")


def test_timeline_merges_every_registered_provider_newest_first(settings, leader):
    settings.MINQING_TIMELINE_PROVIDERS = [
        "households.timeline.ledger_entries",
        "tests.households.test_timeline.other_app_entries",
    ]
    household = make_household(make_village(), "001")
    HouseholdEvent.objects.create(household=household, action=HouseholdEvent.Action.CREATED, created_at=NOW)

    entries = household_timeline(household, scope_for(leader))

    assert [e.kind for e in entries] == ["visit", "household", "petition"]
    assert entries[1].title == "建档"


def test_ledger_provider_runs_one_query_however_many_events(leader, django_assert_num_queries):
    household = make_household(make_village(), "001")
    HouseholdEvent.objects.bulk_create(
        HouseholdEvent(household=household, action=HouseholdEvent.Action.UPDATED, note=f"修改：{n}") for n in range(30)
    )
    scope = scope_for(leader)
    with django_assert_num_queries(1):
        entries = list(ledger_entries(household, scope))
    assert len(entries) == 30


def test_timeline_entry_is_immutable():
    entry = TimelineEntry(when=NOW, kind="household", title="建档")
    with pytest.raises(AttributeError):
        entry.title = "x"
