"""Every screen as its user expects (issue 21), measured in Chromium over the demo township at a desk's
1366 px and a phone's 360 px: desks and case lists use the whole width, no name or village wraps inside
its cell, a phone's filters fold behind 筛选, the intake lists the kinds in the domain's order and shows the
当场答复 fields only when chosen, and a printed receipt carries no banner. Screenshots: screens-*.png."""

from __future__ import annotations

import pytest

from minqing.demo import DEMO_PASSWORD
from tests.demo import seed_demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 780}
KINDS = ["咨询", "意见建议", "投诉", "求助", "矛盾纠纷", "检举控告"]

#: For each name and village cell of the case table: its text and how many lines the text takes.
LINES_OF_CELLS = """() => Array.from(document.querySelectorAll('td.case-name, td.case-village')).map(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
  return {text: td.textContent.trim(), lines: tops.size};
})"""


@pytest.fixture
def township(db):
    seed_demo()


def signed_in(browser, live_server, username, viewport, **options):
    phone = viewport["width"] < 600
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN", timezone_id="Asia/Shanghai", **options
    )
    page = context.new_page()
    login(page, live_server, username, DEMO_PASSWORD)
    page.wait_for_selector("h1")
    return page


def width_of(page, selector: str) -> float:
    return page.locator(selector).bounding_box()["width"]


@pytest.mark.parametrize("username", ["leader", "reception", "handler", "liaison"])
def test_the_desk_fills_the_width_of_a_desk_screen(township, live_server, browser, screenshot, username):
    page = signed_in(browser, live_server, username, DESK)
    assert width_of(page, "main#main") > 0.9 * DESK["width"]
    assert width_of(page, f"#desk-{username}") > 0.9 * DESK["width"] - 48  # the card, inside the page's margins
    screenshot(page, f"screens-desk-{username}-1366")


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366", "360"])
def test_no_name_or_village_wraps_in_the_case_list(township, live_server, browser, screenshot, viewport):
    page = signed_in(browser, live_server, "leader", viewport)
    page.goto(f"{live_server.url}/petitions/")
    page.wait_for_selector("#petition-list")
    cells = page.evaluate(LINES_OF_CELLS)
    assert len(cells) >= 40  # 25 rows, a name and a village each (a case without a village shows —)
    assert [c for c in cells if c["lines"] != 1] == []
    if viewport is DESK:
        assert width_of(page, "main#main") > 0.9 * DESK["width"]
        assert page.evaluate("document.querySelector('.table-responsive').scrollWidth") <= width_of(
            page, ".table-responsive"
        )  # the whole table is seen without scrolling sideways
    screenshot(page, f"screens-case-list-{viewport['width']}")


def test_a_phones_case_list_folds_its_filters_behind_one_button(township, live_server, browser, screenshot):
    page = signed_in(browser, live_server, "leader", PHONE)
    page.goto(f"{live_server.url}/petitions/")
    page.wait_for_selector("#petition-list")
    button = page.locator("button[data-bs-target='#petition-filters']")
    assert button.is_visible() and "筛选" in button.inner_text()
    assert page.locator("#petition-filters").is_hidden()
    assert page.locator("#petition-list").bounding_box()["y"] < PHONE["height"]  # the cases begin on the first screen
    screenshot(page, "screens-case-list-filters-folded-360")
    button.click()
    page.wait_for_selector("#petition-filters select[name=status]", state="visible")
    page.select_option("#petition-filters select[name=status]", "awaiting_instruction")
    with page.expect_navigation():  # the old list is on screen until the new page arrives
        page.click("#petition-filters [type=submit]")
    page.wait_for_selector("#petition-list")
    assert "status=awaiting_instruction" in page.url
    assert page.locator("#petition-filters").is_visible()  # a filter is set: shown, with what was chosen
    assert "已设条件" in page.locator("button[data-bs-target='#petition-filters']").inner_text()
    # From a tablet up the form is always there.
    desk = signed_in(browser, live_server, "leader", DESK)
    desk.goto(f"{live_server.url}/petitions/")
    assert desk.locator("#petition-filters").is_visible()
    assert desk.locator("button[data-bs-target='#petition-filters']").is_hidden()


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366", "360"])
def test_intake_lists_the_kinds_in_order_and_shows_the_answer_only_when_chosen(
    township, live_server, browser, screenshot, viewport
):
    page = signed_in(browser, live_server, "reception", viewport)
    page.goto(f"{live_server.url}/petitions/new/")
    page.wait_for_selector("#intake-form")
    groups = page.eval_on_selector_all("#id_category optgroup", "gs => gs.map(g => g.label)")
    assert groups == KINDS
    answer = page.locator("#answer-fields")
    assert answer.is_hidden()
    screenshot(page, f"screens-intake-{viewport['width']}")
    page.check("input[name=disposition][value=answer]")
    assert answer.is_visible() and page.locator("#id_reply_facts").is_visible()
    screenshot(page, f"screens-intake-answer-{viewport['width']}")
    page.check("input[name=disposition][value=register]")
    assert answer.is_hidden()


def test_without_javascript_the_answer_fields_show(township, live_server, browser):
    page = signed_in(browser, live_server, "reception", DESK, java_script_enabled=False)
    page.goto(f"{live_server.url}/petitions/new/")
    assert page.locator("#answer-fields").is_visible()


def test_the_printed_receipt_carries_no_banner(township, live_server, browser, screenshot):
    page = signed_in(browser, live_server, "reception", DESK)
    page.goto(f"{live_server.url}/petitions/new/")
    page.fill("#id_petitioner_name", "宋春来")
    page.select_option("#id_village", label="和平村")
    page.select_option("#id_category", label="道路")
    page.fill("#id_summary", "村道路灯不亮")
    page.fill("#id_content", "村口两盏路灯坏了一个多月，晚上出行不便。")
    page.click("#intake-submit")
    page.wait_for_selector("#receipt")
    banner = page.locator(".alert", has_text="已登记")
    assert banner.is_visible()
    page.emulate_media(media="print")
    assert banner.is_hidden()
    assert page.locator("[data-print]").is_hidden() and page.locator("#receipt").is_visible()
    screenshot(page, "screens-receipt-print")
