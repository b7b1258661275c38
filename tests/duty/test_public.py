"""The public board shows today's and this week's 带班领导: name and post only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from duty import rota
from tests.conftest import make_township
from tests.duty.conftest import plan
from visits.models import CadreProfile


def _plan_week(leader, leader2, posts):
    from duty.services import month_days

    township = make_township()
    today = timezone.localdate()
    monday, sunday = rota.week_of(today)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    cells = {(day, posts["leader_on_duty"]): (leader if day == today else leader2) for day in days}
    for first in {d.replace(day=1) for d in days}:  # the week may span two months
        month = month_days(first.year, first.month)
        plan(township, leader, {k: v for k, v in cells.items() if k[0] in month}, month)
    return township


def test_the_board_shows_todays_leader_by_name_and_post_and_nothing_else(client, leader, leader2, posts):
    leader.email = "li@example.cn"
    leader.save()
    CadreProfile.objects.create(user=leader, post="乡党委副书记", phone="13912345678")
    _plan_week(leader, leader2, posts)
    page = client.get("/public/DX/").content.decode()
    block = page[page.index('id="duty-heads"') :].split("</section>")[0]
    today_line = block.split('id="duty-heads-week"')[0]
    assert "今日带班领导" in today_line and "李建国" in today_line and "乡党委副书记" in today_line
    assert "王强" not in today_line
    assert "本周带班领导" in block and "王强（带班领导）" in block.replace('<span class="text-muted">', "").replace(
        "</span>", ""
    )
    for secret in ("13912345678", "139 1234 5678", "li@example.cn", '"leader"', "leader2"):
        assert secret not in page


def test_the_county_board_shows_each_townships_leader_today(client, leader, leader2, posts):
    _plan_week(leader, leader2, posts)
    page = client.get("/public/").content.decode()
    block = page[page.index('id="duty-heads"') :].split("</section>")[0]
    assert "带班领导" in block and "鼎新乡 李建国" in block
    assert "本周带班领导" not in block


def test_the_board_says_so_when_nobody_is_on_duty(client, posts):
    make_township()
    page = client.get("/public/DX/").content.decode()
    assert "今日带班领导" in page and "暂无安排" in page


def test_public_leaders_hold_only_name_and_post(leader, leader2, posts):
    township = _plan_week(leader, leader2, posts)
    today = timezone.localdate()
    [entry] = rota.public_leaders([township.pk], today, today)
    assert set(entry) == {"township", "date", "name", "post"}
    assert (entry["name"], entry["post"]) == ("李建国", "带班领导")
