"""The ledger in Chromium: a leader searches, opens a household (desktop and phone); screenshots for review."""

import pytest

from households.models import Household
from minqing.demo import DEMO_PASSWORD
from tests.demo import seed_demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_ledger(db):
    seed_demo()


def sensitive_household():
    return Household.objects.filter(tags__sensitive=True, members__isnull=False).order_by("pk").first()


def test_leader_searches_the_ledger_and_opens_a_household(demo_ledger, live_server, page, screenshot):
    household = sensitive_household()
    login(page, live_server, "leader", DEMO_PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/households/")
    assert page.locator("table tbody tr").count() == 25
    screenshot(page, "households-list")

    page.fill("input[name=q]", household.head_name)
    page.click("form.no-print button[type=submit], form.no-print input[type=submit]")
    page.wait_for_url("**/households/?*q=*")
    assert page.locator(f"table tbody a:text('{household.head_name}')").count() >= 1
    screenshot(page, "households-search")

    page.goto(f"{live_server.url}{household.get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith(household.head_name)
    assert page.locator(".timeline li").count() >= 1
    assert page.locator(".badge.text-bg-warning").count() >= 1  # sensitive tags, shown to a leader
    screenshot(page, "households-detail")

    page.goto(f"{live_server.url}/households/{household.pk}/edit/")
    screenshot(page, "households-edit")
    page.goto(f"{live_server.url}/households/contacts/")
    screenshot(page, "households-contacts")


def test_the_ledger_and_a_household_fit_a_phone(demo_ledger, live_server, phone_page, screenshot):
    household = sensitive_household()
    login(phone_page, live_server, "leader", DEMO_PASSWORD)
    phone_page.wait_for_selector("h1")
    for name, url in [
        ("households-list-phone", "/households/"),
        ("households-detail-phone", household.get_absolute_url()),
    ]:
        phone_page.goto(f"{live_server.url}{url}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
        path = screenshot(phone_page, name)
        phone_page.screenshot(path=str(path.with_name(f"{name}-top.png")))  # the first screen, for review


def test_a_liaison_sees_their_contact_households_on_a_phone(demo_ledger, live_server, phone_page, screenshot):
    login(phone_page, live_server, "liaison", DEMO_PASSWORD)
    phone_page.wait_for_selector("h1")
    phone_page.goto(f"{live_server.url}/households/contacts/")
    assert "我的联系户（15户）" in phone_page.content()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "households-contacts-liaison-phone")


def test_leader_uploads_a_ledger_and_sees_each_bad_row_before_anything_is_written(
    demo_ledger, live_server, page, screenshot, tmp_path
):
    from tests.households.xlsx import household_row, write_ledger_file

    path = write_ledger_file(
        tmp_path / "台账.xlsx",
        [
            household_row(no="901", head="新户甲", phone="138 1234 5678", size="3人"),
            household_row(no="902", head="新户乙", id_number="110105194912310021"),
            household_row(village="幸福村", no="903", head="新户丙"),
        ],
    )
    login(page, live_server, "leader", DEMO_PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/households/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("main input[type=submit]")
    page.wait_for_selector("#import-problems")
    problems = page.locator("#import-problems li").all_inner_texts()
    assert problems == [
        "第6行：户主身份证号“110105194912310021”有误：身份证号校验位不正确，请核对。",
        "第7行：村“幸福村”不存在",
    ]
    assert page.locator("text=确认导入").count() == 0
    screenshot(page, "households-import-preview")
    assert not Household.objects.filter(household_no="901").exists()
