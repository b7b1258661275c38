"""Hot spots (the rule, with its settings) and the supervision board (overdue and supervised, by department)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import boards
from petitions import workflow
from petitions.models import Category, Petition, Status
from tests.petitions.conftest import make_category

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def days_ago(n: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=n), dt.time(10)))


@pytest.fixture
def water(dept_minzheng):
    return make_category("饮水", Category.Kind.HELP, dept_minzheng)


def test_a_subject_rising_in_a_village_is_hot(make_petition, water, village_a, village_b):
    recent = [make_petition(category=water, received_at=days_ago(n)) for n in (0, 5, 29)]
    make_petition(category=water, received_at=days_ago(30))  # just before the 30 days: baseline
    make_petition(category=water, received_at=days_ago(3), village=village_b)  # another village
    spots = boards.hotspots(TODAY)
    assert [(s.village, s.subject, s.recent, s.baseline) for s in spots] == [("和平村", "饮水", 3, 1)]
    # 1 case in the 90 days before → 1/3 expected over 30 days; 3 ≥ 2 × 1/3.
    assert spots[0].expected == 0.3
    assert {p.pk for p in spots[0].cases} == {p.pk for p in recent}


def test_a_subject_as_common_as_before_is_not_hot(make_petition, water):
    for n in (1, 2, 3):
        make_petition(category=water, received_at=days_ago(n))
    for n in (35, 40, 50, 60, 70, 80):  # 6 in the 90 days before → 2 expected over 30 days; 3 < 2 × 2
        make_petition(category=water, received_at=days_ago(n))
    assert boards.hotspots(TODAY) == []


def test_too_few_cases_are_not_a_hot_spot(make_petition, water):
    make_petition(category=water, received_at=days_ago(1))
    make_petition(category=water, received_at=days_ago(2))
    assert boards.hotspots(TODAY) == []


def test_thresholds_are_settings(make_petition, water, settings):
    make_petition(category=water, received_at=days_ago(1))
    make_petition(category=water, received_at=days_ago(2))
    settings.MINQING_HOTSPOT_MIN_CASES = 2
    assert [s.recent for s in boards.hotspots(TODAY)] == [2]
    settings.MINQING_HOTSPOT_RECENT_DAYS = 1
    assert boards.hotspots(TODAY) == []


def test_merged_duplicates_do_not_make_a_hot_spot(make_petition, water, reception):
    cases = [make_petition(category=water, received_at=days_ago(n)) for n in (1, 2, 3)]
    workflow.petition_merge(petition=cases[2], by=reception, into=cases[0])
    assert boards.hotspots(TODAY) == []


def test_the_rule_is_stated_with_its_numbers(settings):
    settings.MINQING_HOTSPOT_RATIO = 1.5
    text = boards.HotspotRule.from_settings().text
    assert "近30天" in text and "1.5" in text and "90天" in text


def test_supervision_board_groups_overdue_and_supervised_by_department(make_petition, leader, dept_zigui):
    overdue = make_petition(Status.IN_PROGRESS)
    Petition.objects.filter(pk=overdue.pk).update(reply_by=TODAY - dt.timedelta(days=4))
    supervised = make_petition(Status.AWAITING_INSTRUCTION)
    workflow.petition_supervise(petition=supervised, by=leader, note="请尽快批示交办。")
    other = make_petition(Status.ASSIGNED, lead_department=dept_zigui)
    Petition.objects.filter(pk=other.pk).update(reply_by=TODAY - dt.timedelta(days=1))
    make_petition(Status.IN_PROGRESS)  # on time, not supervised: not on the board
    closed = make_petition(Status.REPLIED)
    Petition.objects.filter(pk=closed.pk).update(reply_by=TODAY - dt.timedelta(days=9))  # replied: not overdue
    groups = boards.supervision_board(TODAY)
    assert [(g.department, [c.pk for c in g.cases]) for g in groups] == [
        ("民政办", [overdue.pk]),
        ("自规所", [other.pk]),
        ("（未交办）", [supervised.pk]),
    ]
    case = groups[0].cases[0]
    assert case.days_overdue == 4
    assert case.age_days == (TODAY - timezone.localdate(case.received_at)).days
    note = groups[2].cases[0]
    assert note.supervision_note == "请尽快批示交办。" and note.days_overdue == 0
    assert (groups[0].overdue, groups[2].supervised) == (1, 1)
