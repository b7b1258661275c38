"""A household's cases on its timeline (一户一档), for those who may see them."""

from __future__ import annotations

import pytest

from households.models import Household
from minqing.access import scope_for
from petitions import workflow
from petitions.models import Status
from petitions.timeline import petition_entries


@pytest.fixture
def household(village_a):
    return Household.objects.create(village=village_a, household_no="HP-1", head_name="王五")


@pytest.mark.django_db
def test_household_timeline_shows_its_cases_and_their_replies(make_petition, household, leader, liaison_a, reception):
    petition = make_petition(Status.REPLIED, household=household, summary="申请低保")
    workflow.petition_revisit(petition=petition, by=reception, solved=True, satisfaction="satisfied", note="已落实")
    make_petition(summary="别人家的事")
    entries = list(petition_entries(household, scope_for(leader)))
    titles = [e.title for e in entries]
    assert titles[0].startswith("回访：申请低保") and entries[0].body == "满意 已落实"
    assert titles[1].startswith("答复：申请低保")
    assert titles[-1] == f"来访：申请低保（{petition.tracking_number}）"
    assert entries[-1].when == petition.received_at and entries[-1].badge == "已办结"
    assert not any("别人家" in t for t in titles)
    # The village's liaison sees it too.
    assert len(list(petition_entries(household, scope_for(liaison_a)))) == len(entries)


@pytest.mark.django_db
def test_an_accusation_stays_off_the_liaisons_timeline(
    make_petition, household, accusation_category, leader, liaison_a
):
    make_petition(household=household, category=accusation_category, summary="举报村干部")
    assert len(list(petition_entries(household, scope_for(leader)))) == 1
    assert list(petition_entries(household, scope_for(liaison_a))) == []


@pytest.mark.django_db
def test_one_query(make_petition, household, leader, django_assert_num_queries):
    for _ in range(3):
        make_petition(Status.CLOSED, household=household)
    scope = scope_for(leader)
    with django_assert_num_queries(1):
        assert len(list(petition_entries(household, scope))) == 3 * 3  # came in, reply, revisit
