"""The lists' pages read a constant number of queries whatever they hold: a sweep with 2 or 12 households visited,
the watch list with 1 or 10 signs, the sweeps page with 1 or 6 sweeps, a bulletin with 1 or 9 items behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.models import Tag
from lists import services
from lists.models import Sign, Sweep

from .conftest import make_household, make_visit

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    client.get(url)  # the session and the per-process caches, as on any second look
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def sweep_with(leader, liaison, village, households: int) -> Sweep:
    tag, _ = Tag.objects.get_or_create(name="五保户", kind=Tag.Kind.HOUSEHOLD, defaults={"sensitive": True})
    today = timezone.localdate()
    k = Sweep.objects.count()
    sweep = services.sweep_create(
        by=leader, township=village.township, kind=Sweep.Kind.FESTIVAL, name=f"排查{k}",
        starts_on=today - dt.timedelta(days=7), ends_on=today + dt.timedelta(days=7), villages=[village], tags=[tag],
    )  # fmt: skip
    for n in range(households):
        household = make_household(village, f"Q{k}-{n}")
        household.tags.add(tag)
        make_visit(liaison, village, [household], sweep=sweep, follow_ups=[f"第{n}户的事"])
    return sweep


def test_a_sweep_page_reads_as_many_queries_for_twelve_households_as_for_two(client_as, leader, liaison_a, village_a):
    client = client_as(leader)
    few = queries(client, reverse("lists:sweep_detail", args=[sweep_with(leader, liaison_a, village_a, 2).pk]))
    many = queries(client, reverse("lists:sweep_detail", args=[sweep_with(leader, liaison_a, village_a, 12).pk]))
    assert few == many


def test_the_sweeps_page_reads_as_many_queries_for_six_sweeps_as_for_one(client_as, leader, liaison_a, village_a):
    client = client_as(leader)
    sweep_with(leader, liaison_a, village_a, 1)
    few = queries(client, reverse("lists:sweeps"))
    for n in range(5):
        sweep_with(leader, liaison_a, village_a, n + 1)
    assert queries(client, reverse("lists:sweeps")) == few


def test_the_watch_list_reads_as_many_queries_for_ten_signs_as_for_one(client_as, liaison_a, village_a):
    def sign(n: int) -> Sign:
        households = [make_household(village_a, f"S{n}")]
        return services.sign_create(
            by=liaison_a, village=village_a, seen=f"第{n}处苗头", risk=Sign.Risk.MEDIUM,
            next_review=timezone.localdate() + dt.timedelta(days=n + 1), households=households,
        )  # fmt: skip

    client = client_as(liaison_a)
    sign(0)
    few = queries(client, reverse("lists:watch"))
    for n in range(1, 10):
        sign(n)
    assert queries(client, reverse("lists:watch")) == few
