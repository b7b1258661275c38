"""The product's journeys in Chromium, over the demo township, with a screenshot of each step
(artifacts/screenshots/journey-*.png):

1. the front desk logs a walk-in complaint for a household found by typing part of a name, and prints the receipt;
2. a leader instructs and routes it;
3. the department signs, asks for an extension the leader approves, and replies;
4. the leader publishes it; the public board shows it masked;
5. the petitioner looks it up by number and the last four digits of the phone;
6. a liaison on a phone-sized screen records a revisit 不满意: the case returns to the department; a second
   revisit 满意 closes it;
7. a liaison records a night visit offline; it is sent when the connection returns.
"""

from __future__ import annotations

import pytest

from households.models import Household
from minqing.demo import DEMO_PASSWORD
from petitions.models import Petition, Status
from tests.demo import seed_demo
from tests.e2e.conftest import login
from visits.models import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PETITIONER_PHONE = "13987654321"


@pytest.fixture
def township(db):
    seed_demo()


def signed_in(browser, live_server, username, *, phone=False):
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    if phone:
        options.update(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    else:
        options.update(viewport={"width": 1280, "height": 900})
    context = browser.new_context(**options)
    page = context.new_page()
    if username:
        login(page, live_server, username, DEMO_PASSWORD)
        page.wait_for_selector("h1")
    return page


def press(page, label: str):
    """Open an action from the case page's buttons, then submit its form."""
    page.click(f"#case-actions a:has-text('{label}')")
    page.wait_for_selector("#action-form")


def submit_action(page):
    page.click("#action-form input[type=submit], #action-form button[type=submit]")
    page.wait_for_selector("#case-timeline")


def test_a_walk_in_complaint_from_intake_to_closure(township, live_server, browser, screenshot):
    household = Household.objects.filter(village__name="和平村").order_by("pk").first()
    base = live_server.url

    # 1. Front desk: find the household by typing part of the head's name, log the complaint, print the receipt.
    desk = signed_in(browser, live_server, "reception")
    desk.goto(f"{base}/petitions/new/")
    desk.fill("#household-search", household.head_name[:2])
    desk.click(f".household-pick[data-household='{household.pk}']")
    assert desk.input_value("#id_petitioner_name") == household.head_name
    desk.fill("#id_petitioner_phone", PETITIONER_PHONE)
    desk.select_option("#id_channel", label="来访")
    desk.select_option("#id_category", label="宅基地")
    desk.fill("#id_summary", "宅基地边界被邻居侵占")
    desk.fill("#id_content", "邻居建房占用我家宅基地约两米，多次协商未果，请求乡里调处。")
    screenshot(desk, "journey-1-intake")
    desk.click("#intake-submit")
    desk.wait_for_load_state()
    if desk.locator("#repeat-warning").count():  # the household already has a recent case: not a repeat
        desk.check("#repeat-new")
        desk.click("#intake-submit")
    desk.wait_for_selector("#receipt")
    number = desk.inner_text("#receipt-number").strip()
    petition = Petition.objects.get(tracking_number=number)
    assert petition.status == Status.AWAITING_INSTRUCTION
    assert petition.household == household
    desk.emulate_media(media="print")
    assert desk.is_hidden("nav.navbar") and desk.is_visible("#receipt svg")
    screenshot(desk, "journey-1-receipt-print")
    case_url = f"{base}/petitions/{petition.pk}/"

    # 2. Leader: instruct and route to 民政办.
    leader = signed_in(browser, live_server, "leader")
    leader.goto(f"{base}/petitions/queue/instruction/")
    leader.click(f"text={number}")
    press(leader, "交办")
    leader.fill("#id_instruction", "请民政办会同村委会三日内现场核实，依法调处。")
    leader.select_option("#id_lead_department", label="民政办")
    screenshot(leader, "journey-2-route")
    submit_action(leader)
    petition.refresh_from_db()
    assert petition.status == Status.ASSIGNED and petition.reply_by is not None

    # 3. Department: sign, ask for more time (the leader approves), reply.
    handler = signed_in(browser, live_server, "handler")
    handler.goto(case_url)
    press(handler, "签收")
    submit_action(handler)
    press(handler, "申请延期")
    handler.fill("#id_reason", "需等待自规所测绘结果。")
    handler.fill("#id_days", "5")
    submit_action(handler)
    reply_by_before = Petition.objects.get(pk=petition.pk).reply_by
    leader.goto(case_url)
    press(leader, "批准延期")
    submit_action(leader)
    assert Petition.objects.get(pk=petition.pk).reply_by > reply_by_before
    handler.goto(case_url)
    press(handler, "答复")
    handler.fill("#id_facts", "经现场测量，邻居新建围墙越界1.8米。")
    handler.check("input[name=decision][value=support]")
    handler.fill("#id_basis", "《土地管理法》第六十二条")
    handler.fill("#id_content", "已督促邻居拆除越界部分，恢复原状。")
    handler.select_option("#id_delivery", label="当面")
    screenshot(handler, "journey-3-reply")
    submit_action(handler)
    assert Petition.objects.get(pk=petition.pk).status == Status.REPLIED
    screenshot(handler, "journey-3-replied")

    # 4. Leader publishes; the board shows the case with the petitioner masked.
    leader.goto(case_url)
    press(leader, "公示")
    leader.fill("#id_public_summary", "群众反映宅基地边界被邻户新建围墙侵占，经现场测量属实。")
    leader.fill("#id_result", "已督促邻户拆除越界部分，恢复原状。")
    submit_action(leader)
    public = signed_in(browser, live_server, None, phone=True)
    public.goto(f"{base}/public/")
    board = public.content()
    assert number in board
    assert household.head_name not in board and PETITIONER_PHONE not in board
    assert f"{household.head_name[0]}某" in board
    screenshot(public, "journey-4-public-board-phone")

    # 5. The petitioner looks it up with the number and the last four digits of the phone.
    public.goto(f"{base}/public/lookup/?number={number}")
    public.fill("input[name=phone4]", PETITIONER_PHONE[-4:])
    public.click("form button[type=submit], form input[type=submit]")
    public.wait_for_selector("#lookup-result")
    result = public.inner_text("#lookup-result")
    assert "已答复" in result and "越界1.8米" in result
    assert "三日内现场核实" not in result  # the instruction is internal
    screenshot(public, "journey-5-lookup-phone")

    # 6. Liaison on a phone: unsatisfied → back to the department; replied again; satisfied → closed.
    liaison = signed_in(browser, live_server, "liaison", phone=True)
    liaison.goto(f"{base}/visits/revisits/{petition.pk}/new/")
    liaison.click("label:has-text('电话')")
    liaison.click("label:has-text('联系上了')")
    liaison.click("label:has-text('未解决')")
    liaison.click("label:has-text('不满意')")
    liaison.fill("textarea[name=comment]", "围墙只拆了一半。")
    screenshot(liaison, "journey-6-revisit-unsatisfied-phone")
    liaison.click("button:has-text('保存回访记录')")
    liaison.wait_for_selector("text=群众不满意，已退回承办单位重办。")
    assert Petition.objects.get(pk=petition.pk).status == Status.IN_PROGRESS
    public.goto(f"{base}/public/")
    assert number not in public.content()  # the old result no longer stands on the board
    handler.goto(case_url)
    press(handler, "答复")
    handler.fill("#id_facts", "复查后已监督拆除全部越界围墙。")
    handler.check("input[name=decision][value=support]")
    handler.select_option("#id_delivery", label="当面")
    submit_action(handler)
    liaison.goto(f"{base}/visits/revisits/{petition.pk}/new/")
    liaison.click("label:has-text('上门')")
    liaison.click("label:has-text('联系上了')")
    liaison.click("label:has-text('已解决')")
    liaison.click("label:has-text('满意')")
    liaison.click("button:has-text('保存回访记录')")
    liaison.wait_for_load_state()
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    assert petition.reopen_count == 1
    liaison.goto(case_url)
    screenshot(liaison, "journey-6-closed-phone")
    actions = list(petition.events.order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == [
        "register", "submit", "route", "sign", "request_extension", "approve_extension", "reply", "publish",
        "revisit", "unpublish", "reply", "revisit",  # not satisfied: the notice leaves the board with the reopening
    ]  # fmt: skip


def test_a_night_visit_written_offline_is_sent_when_the_connection_returns(township, live_server, browser, screenshot):
    household = Household.objects.filter(village__name="新发村").order_by("pk").first()
    liaison = signed_in(browser, live_server, "liaison", phone=True)
    liaison.goto(f"{live_server.url}/visits/new/")
    liaison.wait_for_selector("#visit-form")
    before = Visit.objects.count()
    liaison.click("label:has-text('夜访')")
    liaison.fill(".hp-search", household.head_name)  # found while the farmhouse still had a signal
    liaison.click(f".hp-results .hp-pick:has-text('{household.head_name}')")
    liaison.context.set_offline(True)
    liaison.fill("textarea[name=heard]", "夜访：反映组里路灯坏了半个月。")
    liaison.click("button:has-text('保存走访记录')")
    liaison.wait_for_selector("#visit-outbox:not(.d-none)")
    screenshot(liaison, "journey-7-night-visit-offline-phone")
    assert Visit.objects.count() == before
    liaison.context.set_offline(False)
    liaison.wait_for_selector("#visit-outbox-done:not(.d-none)")
    visit = Visit.objects.latest("pk")
    assert Visit.objects.count() == before + 1
    assert visit.kind == Visit.Kind.NIGHT_VISIT
    assert list(visit.households.all()) == [household]
    screenshot(liaison, "journey-7-night-visit-sent-phone")
