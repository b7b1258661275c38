"""The public board and the progress lookup in Chromium: a 360-px phone, the printed board (A4 landscape),
and a strict Content-Security-Policy (this site's files only) that the pages must work under."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from petitions import public_views
from petitions.models import Petition, Publication, Status
from tests.demo import seed_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
LOOKUP_KEY = "minqing:public-lookup:127.0.0.1"


@pytest.fixture
def demo(db):
    seed_demo()
    cache.delete(LOOKUP_KEY)
    yield
    cache.delete(LOOKUP_KEY)


def with_strict_csp(page) -> list[str]:
    """Serve every page with a strict CSP header and collect the browser's complaints about it."""
    complaints: list[str] = []
    page.on("console", lambda m: complaints.append(m.text) if "Content Security Policy" in m.text else None)

    def add_header(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/public/**", add_header)
    return complaints


def test_board_on_a_phone(demo, live_server, phone_page, screenshot):
    complaints = with_strict_csp(phone_page)
    phone_page.goto(f"{live_server.url}/public/")
    entries = phone_page.locator("tr.board-entry")
    published = Publication.objects.filter(is_published=True).count()  # a year of notices: the first page of 25
    assert entries.count() == min(published, public_views.BOARD_PAGE_SIZE) and published >= 5
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not phone_page.locator("#board thead").is_visible()  # each notice is a card on a phone
    first = entries.first.inner_text()
    assert "某" in first and "MQ" in first  # the labels are CSS (data-label), not text
    assert "退出登录" not in phone_page.content()
    screenshot(phone_page, "public-board-phone")

    phone_page.select_option("select[name=village]", label="大井村")
    phone_page.click("#submit-id-submit, form button[type=submit], form input[type=submit]")
    phone_page.wait_for_url("**/public/?*village=*")
    assert all("大井村" in t for t in phone_page.locator("tr.board-entry").all_inner_texts())
    screenshot(phone_page, "public-board-phone-filtered")
    assert not complaints, complaints


def test_board_prints_on_a4_landscape(demo, live_server, page, screenshot):
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.goto(f"{live_server.url}/public/")
    page.emulate_media(media="print")
    assert page.locator(".board-print-title").is_visible()
    assert not page.locator("form").first.is_visible()  # no filters, buttons or pagination on paper
    assert page.locator("#board thead").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1123
    screenshot(page, "public-board-print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")


def test_lookup_from_the_receipts_qr_code_on_a_phone(demo, live_server, phone_page, screenshot):
    complaints = with_strict_csp(phone_page)
    petition = Petition.objects.filter(status=Status.CLOSED).exclude(petitioner_phone="").order_by("pk").first()
    phone_page.goto(f"{live_server.url}/public/lookup/?number={petition.tracking_number}")
    assert phone_page.input_value("input[name=number]") == petition.tracking_number
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "public-lookup-phone-form")

    phone_page.fill("input[name=phone4]", "0000" if not petition.petitioner_phone.endswith("0000") else "1111")
    phone_page.click("#lookup-form [type=submit]")
    phone_page.wait_for_selector("#lookup-none")
    assert "未查到" in phone_page.inner_text("#lookup-none")
    screenshot(phone_page, "public-lookup-phone-wrong")

    phone_page.fill("input[name=phone4]", petition.petitioner_phone[-4:])
    phone_page.click("#lookup-form [type=submit]")
    phone_page.wait_for_selector("#lookup-result")
    result = phone_page.inner_text("#lookup-result")
    assert "已办结" in result and "已答复" in result and "答复意见" in result
    assert petition.petitioner_name not in result and petition.instruction not in result
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "public-lookup-phone-result")
    assert not complaints, complaints


def test_leader_publishes_a_case_from_its_page(demo, live_server, page, screenshot):
    from minqing.demo import DEMO_PASSWORD
    from tests.e2e.conftest import login

    petition = Petition.objects.filter(status=Status.REPLIED, publication__isnull=True).order_by("pk").first()
    login(page, live_server, "leader", DEMO_PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/petitions/{petition.pk}/")
    page.click("#case-actions >> text=公示")
    page.wait_for_selector("#publish-warning")
    assert "请改写后再公示" in page.inner_text("#publish-warning")
    screenshot(page, "public-publish-form")

    page.fill("textarea[name=public_summary]", petition.content)  # the petitioner's own words
    page.click("#action-form [type=submit]")
    page.wait_for_selector(".invalid-feedback, .text-danger, .alert-danger")
    assert "不得照录诉求人原话" in page.content()
    screenshot(page, "public-publish-refused")

    page.fill("textarea[name=public_summary]", "反映有关问题。经承办单位核实，已按政策办理并答复。")
    page.click("#action-form [type=submit]")
    page.wait_for_url(f"**/petitions/{petition.pk}/")
    assert "撤下公示" in page.inner_text("#case-actions")
    page.goto(f"{live_server.url}/public/")
    assert petition.tracking_number in page.inner_text("#board")
