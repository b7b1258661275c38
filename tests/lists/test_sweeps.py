"""Sweeps (排查): coverage per village and per tag (六应访) equals counts written here; bad periods are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from households.models import Tag
from lists import coverage, services
from lists.models import Sweep
from tests.conftest import make_village

from .conftest import make_household, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(leader, liaison_a, liaison_b, village_a, village_b):
    wubao = Tag.objects.create(name="五保户", kind=Tag.Kind.HOUSEHOLD, sensitive=True)
    dibao = Tag.objects.create(name="低保户", kind=Tag.Kind.HOUSEHOLD, sensitive=True)
    a = [make_household(village_a, f"HP-{n}") for n in range(5)]
    b = [make_household(village_b, f"DJ-{n}") for n in range(4)]
    a[0].tags.add(wubao)
    a[1].tags.add(wubao, dibao)
    b[0].tags.add(dibao)
    b[1].tags.add(dibao)
    other = make_village("新发村")
    make_household(other, "XF-1")  # not in the sweep
    sweep = services.sweep_create(
        by=leader, township=village_a.township, kind=Sweep.Kind.FESTIVAL, name="春节前矛盾纠纷排查",
        starts_on=dt.date(2026, 1, 20), ends_on=dt.date(2026, 2, 10), villages=[village_a, village_b],
        tags=[wubao, dibao],
    )  # fmt: skip
    # under the sweep: 和平村 a0, a1, a2 (a1 twice); 大井村 b0. Not under it: a3 visited outside the sweep.
    make_visit(liaison_a, village_a, [a[0], a[1]], sweep=sweep)
    make_visit(liaison_a, village_a, [a[1], a[2]], sweep=sweep, follow_ups=["a2户房屋漏雨"])
    make_visit(liaison_b, village_b, [b[0]], sweep=sweep)
    make_visit(liaison_a, village_a, [a[3]])
    return sweep, a, b


def test_coverage_by_village_and_by_tag(setup):
    sweep, a, b = setup
    by_village = {
        c.label: (c.visited, c.total, sorted(h.household_no for h in c.left)) for c in coverage.by_village(sweep)
    }
    assert by_village == {
        "和平村": (3, 5, ["HP-3", "HP-4"]),
        "大井村": (1, 4, ["DJ-1", "DJ-2", "DJ-3"]),
    }
    by_tag = {c.label: (c.visited, c.total, sorted(h.household_no for h in c.left)) for c in coverage.by_tag(sweep)}
    assert by_tag == {"五保户": (2, 2, []), "低保户": (2, 3, ["DJ-1"])}
    # the finding recorded on a sweep visit is the sweep's item
    assert list(sweep.items.values_list("text", flat=True)) == ["a2户房屋漏雨"]


def test_the_sweep_page_shows_coverage_and_closes_with_a_summary(client_as, leader, setup):
    sweep, *_ = setup
    body = client_as(leader).get(reverse("lists:sweep_detail", args=[sweep.pk])).content.decode()
    assert "coverage-villages" in body and "60%" in body and "25%" in body
    with pytest.raises(ValidationError):
        services.sweep_close(sweep=sweep, by=leader, summary="")
    services.sweep_close(sweep=sweep, by=leader, summary="排查5户，化解2件")
    assert sweep.status == Sweep.Status.CLOSED


def test_a_period_ending_before_it_starts_is_refused(leader, liaison_a, village_a):
    with pytest.raises(ValidationError) as e:
        services.sweep_create(
            by=leader, township=village_a.township, kind="monthly", name="月排查",
            starts_on=dt.date(2026, 3, 10), ends_on=dt.date(2026, 3, 1), villages=[village_a],
        )  # fmt: skip
    assert e.value.message_dict == {"ends_on": ["排查结束日期不能早于开始日期。"]}
    with pytest.raises(PermissionDenied):
        services.sweep_create(
            by=liaison_a, township=village_a.township, kind="monthly", name="月排查",
            starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 10), villages=[village_a],
        )  # fmt: skip
    assert not Sweep.objects.exists()
