"""我的清单 on a 360-px phone: a liaison ticks off two items and turns a third into a case (Chromium)."""

import pytest

from lists.models import Item
from minqing.demo import DEMO_PASSWORD
from petitions.models import Petition
from tests.demo import seed_demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def township(db):
    seed_demo()


def test_a_liaison_ticks_off_two_items_and_turns_one_into_a_case(township, live_server, phone_page, screenshot):
    page = phone_page
    login(page, live_server, "liaison", DEMO_PASSWORD)
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/lists/items/")
    page.wait_for_selector("#item-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "lists-my-items-phone")
    mine = list(Item.objects.filter(owner__username="liaison", status__in=Item.PENDING).order_by("due_date", "pk"))
    assert len(mine) >= 3
    first, second, third = mine[:3]
    for item in (first, second):
        page.click(f"#item-{item.pk} button.tick-off")
        page.wait_for_selector(f"text=已销号：{item.text[:20]}")
        assert page.locator(f"#item-{item.pk}").count() == 0  # gone from the pending list
    assert {Item.objects.get(pk=i.pk).status for i in (first, second)} == {Item.Status.DONE}

    page.click(f"#item-{third.pk} a.to-case")
    page.wait_for_selector("#intake-submit")
    assert page.input_value("#id_content") == third.text
    if not page.input_value("#id_petitioner_name"):
        page.fill("#id_petitioner_name", "张德明")
    if not page.input_value("#id_petitioner_phone"):
        page.fill("#id_petitioner_phone", "13812345678")
    page.select_option("#id_category", label="宅基地")
    page.fill("#id_summary", "清单事项转诉求")
    page.click("#intake-submit")
    page.wait_for_load_state()
    if page.locator("#repeat-warning").count():
        page.check("#repeat-new")
        page.click("#intake-submit")
    page.wait_for_selector("#receipt")
    number = page.inner_text("#receipt-number").strip()
    petition = Petition.objects.get(tracking_number=number)
    third.refresh_from_db()
    assert third.status == Item.Status.CASE
    assert third.petition == petition and petition.checklist_item == third
    screenshot(page, "lists-item-to-case-phone")
