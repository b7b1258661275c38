"""The dashboards in Chromium over the demo township, at desktop and 360-px phone sizes, with screenshots
(artifacts/screenshots/dashboards-*.png): each role's desk, the leaders' numbers with the trend chart and a
drill-down, hot spots, the supervision board and its A4 print version, and the monthly report page."""

from __future__ import annotations

import re

import pytest

from minqing.demo import DEMO_PASSWORD
from tests.demo import seed_demo
from tests.e2e.conftest import SCREENSHOT_DIR, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKS = {
    "reception": ("前台接待工作台", "#desk-reception"),
    "leader": ("领导工作台", "#desk-leader"),
    "handler": ("承办人工作台", "#desk-handler"),
    "liaison": ("村联络员工作台", "#desk-liaison"),
}


@pytest.fixture
def township(db):
    seed_demo()


def signed_in(browser, live_server, username, *, phone=False):
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    if phone:
        options.update(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    else:
        options.update(viewport={"width": 1280, "height": 900})
    page = browser.new_context(**options).new_page()
    login(page, live_server, username, DEMO_PASSWORD)
    page.wait_for_selector("h1")
    return page


def fits(page, width=360) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("username", list(DESKS))
def test_each_desk_at_desktop_and_phone_size(township, live_server, browser, screenshot, username):
    heading, selector = DESKS[username]
    page = signed_in(browser, live_server, username)
    assert heading in page.inner_text(selector)
    counts = page.locator(f"{selector} .desk-count")
    assert counts.count() >= 3
    screenshot(page, f"dashboards-desk-{username}")
    # Every count is a link to a list that opens.
    href = counts.first.get_attribute("href")
    page.goto(f"{live_server.url}{href}")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text()
    phone = signed_in(browser, live_server, username, phone=True)
    assert heading in phone.inner_text(selector)
    assert fits(phone)
    screenshot(phone, f"dashboards-desk-{username}-phone")


def test_leader_reads_the_numbers_and_drills_down(township, live_server, browser, screenshot):
    page = signed_in(browser, live_server, "leader")
    page.click("nav >> text=统计分析")
    page.wait_for_selector("#overall")
    chart = page.locator("#trend .chart svg")
    box = chart.bounding_box()
    assert box and box["width"] > 600 and box["height"] > 200
    assert page.locator("#trend .chart svg .series").count() >= 1
    assert page.locator("#by-village table tbody tr").count() >= 1
    screenshot(page, "dashboards-metrics")
    page.locator("#trend").screenshot(path=str(SCREENSHOT_DIR / "dashboards-metrics-chart.png"))
    # The response rate's numerator: the list has exactly as many cases as the number says.
    card = page.locator("#metric-response_rate")
    numerator = int(card.locator(".metric-nd a").first.inner_text())
    card.locator(".metric-nd a").first.click()
    page.wait_for_selector("#metric-cases")
    assert f"共 {numerator} 件" in page.inner_text("main")
    rows = page.locator("#metric-cases tbody tr")
    assert rows.count() == max(numerator, 1)  # the empty list shows one "没有诉求" row
    screenshot(page, "dashboards-metric-cases")
    phone = signed_in(browser, live_server, "leader", phone=True)
    phone.goto(f"{live_server.url}/dashboards/metrics/")
    phone.wait_for_selector("#overall")
    assert fits(phone)
    screenshot(phone, "dashboards-metrics-phone")
    phone.screenshot(path=str(SCREENSHOT_DIR / "dashboards-metrics-phone-top.png"))  # the first screen only
    phone.locator("#trend").screenshot(path=str(SCREENSHOT_DIR / "dashboards-metrics-phone-chart.png"))


def test_the_period_chooser_switches_to_a_quarter(township, live_server, browser):
    page = signed_in(browser, live_server, "leader")
    page.goto(f"{live_server.url}/dashboards/metrics/")
    page.click("text=按季度")
    page.wait_for_selector("select[name=quarter]")
    page.select_option("select[name=quarter]", "1")
    page.click("input[type=submit][value=查看]")
    page.wait_for_selector("#overall")
    assert re.search(r"\d{4}年第1季度", page.inner_text("h1"))


def test_hot_spots_and_supervision_board(township, live_server, browser, screenshot):
    page = signed_in(browser, live_server, "leader")
    page.goto(f"{live_server.url}/dashboards/hotspots/")
    assert "判定规则" in page.inner_text("#hotspot-rule")
    screenshot(page, "dashboards-hotspots")
    page.goto(f"{live_server.url}/dashboards/supervision/")
    page.wait_for_selector("h1")
    screenshot(page, "dashboards-supervision")
    page.click("text=民情分析会打印版")
    page.wait_for_selector("header h1")
    assert "民情分析会" in page.inner_text("header")
    screenshot(page, "dashboards-supervision-print-screen")
    page.emulate_media(media="print")
    assert not page.locator("button[data-print]").is_visible()
    screenshot(page, "dashboards-supervision-print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    phone = signed_in(browser, live_server, "leader", phone=True)
    phone.goto(f"{live_server.url}/dashboards/supervision/")
    assert fits(phone)
    screenshot(phone, "dashboards-supervision-phone")


def test_leader_builds_the_monthly_report(township, live_server, browser, screenshot):
    from minqing.celery import app

    page = signed_in(browser, live_server, "leader")
    page.goto(f"{live_server.url}/dashboards/reports/")
    page.click("input[type=submit][value=生成月报]")
    page.wait_for_selector("#reports tbody tr[id^=report-]")
    if app.conf.task_always_eager:  # no broker: the build ran in the request
        assert "已生成" in page.inner_text("#reports")
        with page.expect_download() as download:
            page.click("#reports a:has-text('下载')")
        assert download.value.suggested_filename.startswith("民情月报-")
    screenshot(page, "dashboards-reports")
    phone = signed_in(browser, live_server, "leader", phone=True)
    phone.goto(f"{live_server.url}/dashboards/reports/")
    assert fits(phone)
    screenshot(phone, "dashboards-reports-phone")
