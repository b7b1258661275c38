"""The liaison's visit form on a 360-px phone, online and offline, in Chromium.

Offline: the visit is kept in the browser and sent when the connection comes back; a draft whose
answer was lost on the way back is sent again and still makes one visit (its client key).
"""

import json

import pytest

from households.models import Household
from minqing.demo import DEMO_PASSWORD
from tests.conftest import PASSWORD, make_user, make_village
from tests.demo import seed_demo
from tests.e2e.conftest import login
from visits.models import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_HEIGHT = 740


@pytest.fixture
def liaison(db):
    village = make_village("和平村")
    user = make_user("liaison", "liaison", villages=[village], full_name="陈秀英")
    Household.objects.create(village=village, household_no="HP-001", head_name="张德明", contact_cadre=user)
    Household.objects.create(village=village, household_no="HP-002", head_name="张德华", contact_cadre=user)
    Household.objects.create(village=village, household_no="HP-003", head_name="李春花")
    return user


def open_form(page, live_server):
    login(page, live_server, "liaison", PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/visits/new/")
    page.wait_for_selector("#visit-form")


def pick_by_typing(page, text: str, name: str):
    page.fill(".hp-search", text)
    page.click(f".hp-results .hp-pick:has-text('{name}')")
    page.wait_for_selector(f".hp-chip:has-text('{name}')")


def outbox(page) -> list:
    return json.loads(page.evaluate("localStorage.getItem('minqing.visits.outbox') || '[]'"))


def test_liaison_records_a_night_visit_on_a_phone_in_three_screens(liaison, live_server, phone_page, screenshot):
    page = phone_page
    open_form(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("label:has-text('夜访')")
    pick_by_typing(page, "李春", "李春花")
    page.click(".hp-quick .hp-pick:has-text('张德明')")  # one tap on a contact household
    assert page.input_value("select[name=village]") == str(liaison.liaison_villages.get().pk)
    page.fill("textarea[name=heard]", "反映通组路雨后积水，出行不便。")
    page.fill("textarea[name=follow_ups]", "联系城建办查看积水路段")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 3 * PHONE_HEIGHT, f"the form is {height}px tall, more than three screens"
    # every control a thumb touches is at least 44 px high
    small = page.evaluate(
        """[...document.querySelectorAll('#visit-form .form-check-label, #visit-form .btn, #visit-form .form-control,'
            + '#visit-form .form-select')].filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == []
    screenshot(page, "visits-form-phone")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("text=走访记录已保存。")
    visit = Visit.objects.get()
    assert visit.kind == Visit.Kind.NIGHT_VISIT
    assert sorted(visit.households.values_list("head_name", flat=True)) == ["张德明", "李春花"]
    assert list(visit.items.values_list("text", "owner", "status")) == [("联系城建办查看积水路段", liaison.pk, "open")]
    assert page.url.endswith(f"/visits/{visit.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "visits-detail-phone")


def test_errors_show_beside_the_fields_without_leaving_the_page(liaison, live_server, phone_page, screenshot):
    page = phone_page
    open_form(page, live_server)
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("text=请填写听到的情况。")
    assert page.is_visible("text=入户走访请至少选择一户。")
    assert page.url.endswith("/visits/new/")
    assert not Visit.objects.exists()
    screenshot(page, "visits-form-errors-phone")


def test_visit_written_offline_is_sent_when_the_connection_returns(liaison, live_server, phone_page, screenshot):
    page = phone_page
    open_form(page, live_server)
    pick_by_typing(page, "张德华", "张德华")
    key = page.input_value("input[name=client_key]")

    page.context.set_offline(True)
    page.fill("textarea[name=heard]", "在山上信号不好：反映自来水压力小。")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("#visit-outbox:not(.d-none)")
    assert page.inner_text("[data-outbox-count]") == "1"
    assert [item["key"] for item in outbox(page)] == [key]
    assert not Visit.objects.exists()
    assert page.input_value("textarea[name=heard]") == ""  # the form is ready for the next household
    assert page.input_value("input[name=client_key]") != key
    screenshot(page, "visits-offline-kept-phone")

    page.context.set_offline(False)
    page.wait_for_selector("#visit-outbox-done:not(.d-none)")
    page.wait_for_selector("#visit-outbox.d-none", state="attached")
    visit = Visit.objects.get()
    assert str(visit.client_key) == key
    assert visit.heard == "在山上信号不好：反映自来水压力小。"
    assert list(visit.households.values_list("head_name", flat=True)) == ["张德华"]
    assert outbox(page) == []
    screenshot(page, "visits-offline-sent-phone")


def test_draft_sent_twice_after_a_lost_answer_makes_one_visit(liaison, live_server, phone_page, screenshot):
    page = phone_page
    open_form(page, live_server)
    pick_by_typing(page, "张德明", "张德明")
    page.context.set_offline(True)
    page.fill("textarea[name=heard]", "答复在路上丢了。")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("#visit-outbox:not(.d-none)")

    lost = []

    def lose_the_answer(route):
        route.fetch()  # the server receives the draft and saves the visit …
        lost.append(True)
        route.abort("connectionreset")  # … but the answer never reaches the phone

    page.route("**/visits/sync/", lose_the_answer)
    page.context.set_offline(False)
    # Only a failed send writes this message; the offline notice also mentions 网络, so wait for this one.
    page.wait_for_function("() => document.querySelector('[data-outbox-status]').textContent.includes('网络未连接')")
    assert lost == [True]
    assert Visit.objects.count() == 1
    assert len(outbox(page)) == 1  # the phone still holds it

    page.unroute("**/visits/sync/")
    page.click("[data-outbox-send]")
    page.wait_for_selector("#visit-outbox-done:not(.d-none)")
    assert Visit.objects.count() == 1
    assert outbox(page) == []
    screenshot(page, "visits-offline-resent-phone")


@pytest.fixture
def demo(db):
    seed_demo()


def test_visits_pages_fit_a_phone_and_a_desktop(demo, live_server, browser, screenshot):
    village = Household.objects.filter(village__name="和平村").values_list("village_id", flat=True).first()
    pages = {
        "list": "/visits/",
        "contacts": "/visits/contacts/",
        "coverage": "/visits/contacts/coverage/",
        "cards": f"/visits/contacts/cards/?village={village}&contacts=1",
        "deputies": "/visits/deputies/",
        "revisits": "/visits/revisits/?due=",
        "detail": f"/visits/{Visit.objects.filter(village__name='和平村').order_by('pk').first().pk}/",
    }
    for size, viewport in (
        ("phone", {"width": 360, "height": PHONE_HEIGHT}),
        ("desktop", {"width": 1280, "height": 900}),
    ):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        login(page, live_server, "liaison", DEMO_PASSWORD)
        page.wait_for_selector("h1")
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector("h1")
            if size == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, f"{name} is {width}px wide on a phone"
            screenshot(page, f"visits-{name}-{size}")
        if size == "desktop":
            page.goto(f"{live_server.url}{pages['cards']}")
            page.emulate_media(media="print")
            screenshot(page, "visits-cards-print")
            assert page.is_hidden("nav.navbar")
        context.close()


def test_liaison_revisits_on_a_phone_and_an_unsatisfied_petitioner_reopens_the_case(
    demo, live_server, phone_page, screenshot
):
    from petitions.models import Petition, Status

    petition = Petition.objects.filter(status=Status.REPLIED, village__name="和平村", revisits__isnull=True).first()
    page = phone_page
    login(page, live_server, "liaison", DEMO_PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/visits/revisits/{petition.pk}/new/")
    assert page.is_hidden(".revisit-verdict")  # no verdict until the petitioner is reached
    page.click("label:has-text('上门')")
    page.click("label:has-text('联系上了')")
    assert page.is_visible(".revisit-verdict")
    page.click("label:has-text('未解决')")
    page.click("label:has-text('不满意')")
    page.fill("textarea[name=comment]", "补助金额不对，要求重新核算。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "visits-revisit-phone")
    page.click("button:has-text('保存回访记录')")
    page.wait_for_selector("text=群众不满意，已退回承办单位重办。")
    petition.refresh_from_db()
    assert petition.status == Status.IN_PROGRESS
    assert petition.events.filter(action="revisit", note="补助金额不对，要求重新核算。").exists()
