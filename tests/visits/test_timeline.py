"""Visits appear on the household page's timeline, for those who may see them."""

import pytest

from households.timeline import household_timeline
from minqing.access import scope_for
from visits.models import Visit
from visits.timeline import household_entries

from .conftest import local, make_household, make_visit

pytestmark = pytest.mark.django_db


def test_household_timeline_lists_its_visits_newest_first(leader, liaison_a, village_a, household_a):
    make_visit(liaison_a, village_a, [household_a], when=local(2026, 3, 1, 9), heard="三月走访")
    make_visit(liaison_a, village_a, [household_a], when=local(2026, 5, 1, 20), kind=Visit.Kind.NIGHT_VISIT,
               participants=[liaison_a, leader], heard="五月夜访", follow_ups=["跟进五月夜访的事"])  # fmt: skip
    make_visit(liaison_a, village_a, [make_household(village_a, "HP-2")], heard="别户的走访")

    entries = list(household_entries(household_a, scope_for(leader)))

    # participants in the order of their accounts (the leader's was made first)

    assert [e.body for e in entries] == ["五月夜访", "三月走访"]
    assert entries[0].title == "夜访（李建国、陈秀英）"
    assert entries[0].badge == "走访"  # what needs following up is an item on the household's page (lists.Item)
    assert entries[1].url.startswith("/visits/")


def test_visit_provider_is_registered_in_settings(leader, liaison_a, village_a, household_a):
    make_visit(liaison_a, village_a, [household_a], heard="登记在时间线上")
    assert "登记在时间线上" in [e.body for e in household_timeline(household_a, scope_for(leader))]


def test_handler_sees_no_visit_on_the_timeline(handler_minzheng, liaison_a, village_a, household_a):
    make_visit(liaison_a, village_a, [household_a])
    assert list(household_entries(household_a, scope_for(handler_minzheng))) == []


def test_visit_provider_query_count_is_constant(leader, liaison_a, village_a, household_a, django_assert_num_queries):
    for day in range(1, 21):
        make_visit(liaison_a, village_a, [household_a], when=local(2026, 4, day, 10))
    scope = scope_for(leader)
    with django_assert_num_queries(3):  # the visits, their participants, unreached revisits
        entries = list(household_entries(household_a, scope))
    assert len(entries) == 20
