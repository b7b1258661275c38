"""Rotas in Chromium over the demo township (issue 18), with a screenshot of each step
(artifacts/screenshots/duty-*.png):

1. the leader plans next month's rota on /duty/: copies this month by weekday, changes a cell, saves; the grid
   scrolls sideways on a phone and prints on A4;
2. the front desk registers a walk-in: 接访领导 is pre-filled with today's 带班领导 and printed on the receipt.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from duty import rota
from duty.models import Post, RotaEntry
from households.models import Township
from petitions.models import Petition
from tests.demo import seed_demo
from tests.e2e.test_journeys import signed_in
from visits.querysets import Month

User = get_user_model()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    seed_demo()
    return Township.objects.get(code="DX")


def test_a_leader_plans_next_months_rota(demo, live_server, browser, screenshot):
    base = live_server.url
    following = Month.current().next()
    leader = signed_in(browser, live_server, "leader")
    leader.goto(f"{base}/duty/")
    leader.wait_for_selector("#rota-grid")
    screenshot(leader, "duty-1-this-month")
    leader.click("#month-next")
    leader.wait_for_selector("#rota-grid")
    leader.click("#rota-copy")
    leader.wait_for_selector("#rota-notice")
    assert not RotaEntry.objects.filter(date__year=following.year, date__month=following.month).exists()
    hotline = Post.objects.get(code=Post.HOTLINE)
    leader.select_option(f"select[name='c-1-{hotline.pk}']", label="李建国")
    screenshot(leader, "duty-1-next-month-copied")
    leader.click("#rota-save")
    leader.wait_for_selector(".alert-success")
    assert "值班表已保存" in leader.inner_text(".alert-success")

    first = timezone.localdate().replace(year=following.year, month=following.month, day=1)
    assert rota.leader_on_duty(demo, first).username == "leader"
    assert rota.hotline_attendant(demo, first).username == "leader"
    assert RotaEntry.objects.filter(date__year=following.year, date__month=following.month).count() > 28

    # On a phone the grid scrolls sideways, the day column stays in view.
    phone = signed_in(browser, live_server, "leader", phone=True)
    phone.goto(f"{base}/duty/?month={following}")
    phone.wait_for_selector("#rota-grid")
    widths = phone.eval_on_selector(".rota-scroll", "e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] > widths[1]
    assert phone.eval_on_selector("body", "b => b.scrollWidth") <= 360 + 1  # the page itself does not overflow
    screenshot(phone, "duty-1-grid-phone")

    # The A4 print.
    leader.goto(f"{base}/duty/print/?month={following}")
    leader.wait_for_selector("#rota-print-table")
    assert "李建国" in leader.inner_text("#rota-print-table")
    leader.emulate_media(media="print")
    assert leader.is_hidden("button[data-print]")
    screenshot(leader, "duty-1-print")
    pdf = leader.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")


def test_the_desk_registers_a_walk_in_with_the_leader_pre_filled(demo, live_server, browser, screenshot):
    base = live_server.url
    today = timezone.localdate()
    on_duty = rota.leader_on_duty(demo, today)
    assert on_duty is not None and on_duty.username == "leader"
    # The demo seats the desk on working days only; on a weekend run, put the clerk on today's desk as a planner would.
    clerk = User.objects.get(username="reception")
    desk_post = Post.objects.get(code=Post.DESK)
    RotaEntry.objects.get_or_create(township=demo, date=today, post=desk_post, slot=0, defaults={"user": clerk})
    assert rota.desk_attendant(demo, today) == clerk

    desk = signed_in(browser, live_server, "reception")
    desk.goto(f"{base}/")
    assert "李建国" in desk.inner_text("#desk-duty")
    screenshot(desk, "duty-2-desk")
    desk.goto(f"{base}/petitions/new/")
    assert desk.input_value("#id_received_by_leader") == str(on_duty.pk)
    desk.fill("#id_petitioner_name", "杨树林")
    desk.select_option("#id_village", label="和平村")
    desk.select_option("#id_channel", label="来访")
    desk.select_option("#id_category", label="宅基地")
    desk.fill("#id_summary", "邻居建房挡住排水沟")
    desk.fill("#id_content", "邻居新建房屋把村里排水沟堵住，雨天积水进院，请求协调。")
    screenshot(desk, "duty-2-intake")
    desk.click("#intake-submit")
    desk.wait_for_load_state()
    if desk.locator("#repeat-warning").count():
        desk.check("#repeat-new")
        desk.click("#intake-submit")
    desk.wait_for_selector("#receipt")
    number = desk.inner_text("#receipt-number").strip()
    petition = Petition.objects.get(tracking_number=number)
    assert petition.received_by_leader == on_duty
    assert petition.desk_attendant.username == "reception"
    assert "李建国" in desk.inner_text("#receipt-leader")
    screenshot(desk, "duty-2-receipt")

    # The leader on duty finds it on their desk, under 今日接访.
    leader = signed_in(browser, live_server, "leader")
    leader.goto(f"{base}/")
    assert number in leader.inner_text("#leader-received-today")
    screenshot(leader, "duty-2-leader-desk")
