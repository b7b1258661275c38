"""Meetings that decide, in Chromium over the demo township (issue 17), with a screenshot of each step
(artifacts/screenshots/meetings-*.png):

1. 和平村's secretary (the liaison) holds the Tuesday meeting on a phone, in a farmhouse: settles one matter in the
   village and sends one up to the township, then marks the meeting held;
2. the township leader finds the case sent up in 待批示 with the village's analysis, and its history names the
   meeting;
3. the leader holds the joint meeting (党政联席分析会): takes the case up, routes it with a due date, and prints the
   minutes on A4.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Decision, Meeting
from petitions.models import Petition, Status
from tests.demo import seed_demo
from tests.e2e.test_journeys import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tuesday_meeting(db):
    """The demo's 和平村 村两委分析会, brought to today (as if today were its Tuesday)."""
    seed_demo()
    meeting = Meeting.objects.get(village__name="和平村", status="planned")
    services.meeting_update(meeting=meeting, by=meeting.secretary, date=timezone.localdate())
    return meeting


def decide(page, item_pk: int, action: str, **fields):
    page.click(f"#item-{item_pk} .decision-form > summary")
    page.check(f"#item-{item_pk} input[name='item-{item_pk}-action'][value='{action}']")
    for name, value in fields.items():
        page.fill(f"#id_item-{item_pk}-{name}", value)


def test_a_village_meeting_on_a_phone_then_the_township(tuesday_meeting, live_server, browser, screenshot):
    base = live_server.url
    meeting = tuesday_meeting
    settle_item, send_item = list(meeting.items.order_by("position"))

    # 1. The secretary, on a phone: the month's meetings, the meeting, one decision each.
    phone = signed_in(browser, live_server, "liaison", phone=True)
    phone.goto(f"{base}/meetings/")
    assert phone.is_visible("#meeting-list") and phone.is_hidden("#meeting-calendar")
    phone.click(f"#meeting-list a:has-text('{meeting.title}')")
    phone.wait_for_selector("#agenda")
    assert phone.locator(".agenda-item").count() == 2
    screenshot(phone, "meetings-1-village-agenda-phone")

    decide(
        phone, settle_item.pk, "settle_in_village",
        analysis="两家宅基地界线不清引起争执，村两委可以调解。",
        measure="村主任、调解员到场丈量，按1998年确权图重新立界桩，双方签字认可。",
        owner_name="村主任王明、调解员李华",
    )  # fmt: skip
    screenshot(phone, "meetings-1-village-decision-phone")
    phone.click(f"#item-{settle_item.pk} .decision-submit")
    phone.wait_for_selector(f"#item-{settle_item.pk} .decision")
    decide(
        phone, send_item.pk, "send_up",
        analysis="主管道老化破裂，维修需乡里统筹资金，村里无力解决。",
        measure="上报乡党政联席会研究，村里先组织送水。",
        owner_name="村联络员陈秀英",
    )  # fmt: skip
    phone.click(f"#item-{send_item.pk} .decision-submit")
    phone.wait_for_selector(f"#item-{send_item.pk} .decision")
    phone.click("#meeting-hold")
    phone.wait_for_selector("#meeting-status:has-text('已召开')")
    screenshot(phone, "meetings-1-village-held-phone")

    settled, sent = settle_item.petition, send_item.petition
    settled.refresh_from_db()
    sent.refresh_from_db()
    assert (settled.status, settled.settled_in_village) == (Status.REPLIED, True)
    assert sent.status == Status.AWAITING_INSTRUCTION
    assert Decision.objects.filter(item__meeting=meeting).count() == 2

    # 2. The leader: 待批示 shows the case with the village's analysis; its history names the meeting.
    leader = signed_in(browser, live_server, "leader")
    leader.goto(f"{base}/petitions/queue/instruction/")
    row = leader.locator(f"tr:has-text('{sent.tracking_number}')")
    assert "村两委意见：主管道老化破裂" in row.inner_text()
    screenshot(leader, "meetings-2-instruction-queue")
    leader.click(f"text={sent.tracking_number}")
    leader.wait_for_selector("#village-analysis")
    assert "主管道老化破裂" in leader.inner_text("#village-analysis")
    assert leader.locator(f"#case-timeline .decided-in a[href='/meetings/{meeting.pk}/']").count() == 1
    screenshot(leader, "meetings-2-case-history")

    # 3. The joint meeting: planned today by the leader, the case added by its number, routed with a due date.
    leader.goto(f"{base}/meetings/new/")
    leader.select_option("#id_kind", label="党政联席分析会")
    leader.fill("#id_place", "乡政府三楼会议室")
    leader.select_option("#id_chair", label="李建国")
    leader.fill("#id_other_attendees", "党委副书记、纪委书记")
    leader.click("#meeting-save")
    leader.wait_for_selector("#agenda")
    joint = Meeting.objects.filter(kind__name="党政联席分析会").latest("pk")
    leader.fill("#id_number", sent.tracking_number)
    leader.click("#add-item button:has-text('增加诉求')")
    item = joint.items.get(petition=sent)
    leader.wait_for_selector(f"#item-{item.pk}")
    decide(leader, item.pk, "route", measure="请城建办牵头，会同村委会十日内完成管道抢修。", owner_name="城建办主任")
    leader.select_option(f"#id_item-{item.pk}-owner_department", label="城建办")
    leader.click(f"#item-{item.pk} .decision-submit")
    leader.wait_for_selector(f"#item-{item.pk} .decision")
    sent.refresh_from_db()
    assert (sent.status, sent.lead_department.name) == (Status.ASSIGNED, "城建办")
    assert sent.events.latest("pk").data["decided_in"]["id"] == joint.pk
    screenshot(leader, "meetings-3-joint-meeting")

    leader.click("#meeting-print")
    leader.wait_for_selector("#minutes-items")
    assert sent.tracking_number in leader.inner_text("#minutes-items")
    assert "城建办" in leader.inner_text("#minutes-items")
    leader.emulate_media(media="print")
    assert leader.is_hidden("nav.navbar") and leader.is_hidden("button[data-print]")
    screenshot(leader, "meetings-3-minutes-print")
    assert Petition.objects.filter(pk=sent.pk, supervised=False).exists()
