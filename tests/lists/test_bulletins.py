"""Bulletins (通报): a quarterly bulletin names the units with overdue answers, the cadres with overdue items and the
villages with low sweep coverage, as counted here by hand; once issued it is fixed."""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from lists import bulletins, services
from lists.models import Bulletin, LedgerRequest
from lists.services import ListConflict
from tests.conftest import make_department, make_user
from tests.dashboards.conftest import TODAY

from .conftest import make_household, make_visit

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def on(day: dt.date):
    when = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 10))
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def days(first: dt.date, last: dt.date):
    while first <= last:
        yield first
        first += dt.timedelta(days=1)


def item(by, village, text, due, heard=dt.date(2026, 1, 10)):
    return services.item_create(by=by, text=text, village=village, heard_on=heard, due_date=due)


@pytest.fixture
def seeded(leader, liaison_a, liaison_b, handler_minzheng, dept_minzheng, village_a, village_b):
    zigui = make_department("自规所")
    make_user("zg", "handler", departments=[zigui])
    # 民政办 answers each weekly ask the day it comes; 自规所 never answers its monthly dispatches (1 Feb, 1 Mar).
    services.ledger_put_on(by=leader, title="低保复核积压", unit=dept_minzheng, due_date=dt.date(2026, 6, 30),
                           started_on=dt.date(2026, 1, 5), halfmonth_check=False, monthly_dispatch=False)  # fmt: skip
    services.ledger_put_on(by=leader, title="宅基地纠纷", unit=zigui, due_date=dt.date(2026, 6, 30),
                           started_on=dt.date(2026, 1, 5), weekly_ask=False, halfmonth_check=False)  # fmt: skip
    for day in days(dt.date(2026, 1, 5), dt.date(2026, 3, 31)):
        with on(day):
            services.ledger_run(day)
            for req in LedgerRequest.objects.filter(item__unit=dept_minzheng, answered_at=None):
                services.ledger_answer(request=req, by=handler_minzheng, progress="按周推进")
    # Items: 陈秀英 has two overdue at 31 March (one still open, one done only in April); 刘强 one; the leader's is
    # due after the quarter; 陈秀英's third was done in time.
    item(liaison_a, village_a, "修复水渠", dt.date(2026, 2, 1))
    late = item(liaison_a, village_a, "调解邻里纠纷", dt.date(2026, 3, 20))
    in_time = item(liaison_a, village_a, "送慰问金", dt.date(2026, 3, 10))
    item(liaison_b, village_b, "清理垃圾点", dt.date(2026, 3, 15))
    item(leader, village_a, "规划村道", dt.date(2026, 4, 15))
    with on(dt.date(2026, 3, 5)):
        services.item_tick(item=in_time, by=liaison_a)
    with on(dt.date(2026, 4, 10)):
        services.item_tick(item=late, by=liaison_a)
    # A sweep in the quarter: 和平村 1 of 2 households visited (50%), 大井村 1 of 1.
    homes = [make_household(village_a, "HP-1"), make_household(village_a, "HP-2")]
    dj = make_household(village_b, "DJ-1")
    sweep = services.sweep_create(by=leader, township=village_a.township, kind="monthly", name="三月月排查",
                                  starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31),
                                  villages=[village_a, village_b])  # fmt: skip
    make_visit(liaison_a, village_a, [homes[0]], sweep=sweep)
    make_visit(liaison_b, village_b, [dj], sweep=sweep)


def test_a_quarterly_bulletin_names_who_is_behind(seeded, leader, village_a):
    bulletin = bulletins.bulletin_build(township=village_a.township, kind="quarterly", on=dt.date(2026, 2, 15))
    assert (bulletin.period_start, bulletin.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    c = bulletin.content
    assert c["units"] == [{"name": "自规所", "count": 2}]
    assert c["cadres"] == [{"name": "陈秀英", "count": 2}, {"name": "刘强", "count": 1}]
    assert c["villages"] == [{"sweep": "三月月排查", "name": "和平村", "visited": 1, "total": 2, "percent": 50}]


def test_an_issued_bulletin_is_fixed_and_prints_and_exports(seeded, client_as, leader, village_a, liaison_a):
    bulletin = bulletins.bulletin_build(township=village_a.township, kind="quarterly", on=dt.date(2026, 2, 15))
    bulletins.bulletin_issue(bulletin=bulletin, by=leader)
    item(liaison_a, village_a, "又一件逾期的事", dt.date(2026, 1, 20))
    with pytest.raises(ListConflict):
        bulletins.bulletin_build(township=village_a.township, kind="quarterly", on=dt.date(2026, 3, 1))
    bulletin.refresh_from_db()
    assert bulletin.content["cadres"][0] == {"name": "陈秀英", "count": 2}
    assert Bulletin.objects.count() == 1
    client = client_as(leader)
    page = client.get(reverse("lists:bulletin_detail", args=[bulletin.pk]) + "?print=1").content.decode()
    assert "@page" in page and "自规所" in page and "陈秀英" in page
    response = client.get(reverse("lists:bulletin_xlsx", args=[bulletin.pk]))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_the_bulletins_page_builds_a_draft_for_a_leader_only(client_as, leader, liaison_a, village_a):
    assert client_as(liaison_a).get(reverse("lists:bulletins")).status_code == 403
    response = client_as(leader).post(reverse("lists:bulletins"), {"kind": "monthly", "on": "2026-03-05"})
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302
    assert (bulletin.kind, bulletin.period_start, bulletin.period_end) == ("monthly", dt.date(2026, 3, 1),
                                                                          dt.date(2026, 3, 31))  # fmt: skip


def test_a_monthly_bulletin_carries_the_measures_and_names_the_departments_behind(march, township):
    """March 2026 of the dashboards' table (tests/dashboards/conftest.py), built on 10 April: 民政办 led c1, c2, c5,
    c10 and c13 with a reply due; only c1 was replied on time (c2 and c10 late, c5 and c13 lapsed unreplied).
    自规所 (c3) and 和平村委会 (c4) replied on time and are not named."""
    with on(TODAY):
        bulletin = bulletins.bulletin_build(
            township=township.village_a.township, kind="monthly", on=dt.date(2026, 3, 9)
        )
    c = bulletin.content
    assert c["on_time"] == {
        "by": "牵头单位",
        "rows": [{"name": "民政办", "missed": 4, "denominator": 5, "percent": "20.0%"}],
    }
    by_key = {m["key"]: (m["numerator"], m["denominator"]) for m in c["measures"]}
    assert by_key["on_time_rate"] == (3, 7)  # as in tests/dashboards/test_metrics.py, counted by hand
    assert by_key["response_rate"] == (4, 7)
    assert by_key["repeat_rate"] == (1, 9)


def test_the_county_bulletin_names_townships_behind(march, township):
    with on(TODAY):
        bulletin = bulletins.bulletin_build(township=None, kind="monthly", on=dt.date(2026, 3, 9))
    assert bulletin.content["on_time"]["by"] == "乡镇"
    assert bulletin.content["on_time"]["rows"] == [
        {"name": "鼎新乡", "missed": 4, "denominator": 7, "percent": "42.9%"}
    ]
