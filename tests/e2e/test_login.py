"""Each demo role logs in with Chromium and sees its Chinese home page."""

import pytest

from minqing.demo import DEMO_PASSWORD
from tests.demo import seed_demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKS = {
    "reception": "前台接待工作台",
    "leader": "领导工作台",
    "handler": "承办人工作台",
    "liaison": "村联络员工作台",
    "admin": "系统管理",
}


@pytest.fixture
def demo_accounts(db):
    seed_demo("--no-sample-data")


@pytest.mark.parametrize("username", list(DESKS))
def test_demo_role_logs_in_and_sees_its_desk(demo_accounts, live_server, page, screenshot, username):
    login(page, live_server, username, DEMO_PASSWORD)
    page.wait_for_selector("h1")
    assert page.url.rstrip("/") == live_server.url
    assert DESKS[username] in page.content()
    screenshot(page, f"foundation-home-{username}")


def test_wrong_password_is_refused_in_chinese(demo_accounts, live_server, page, screenshot):
    login(page, live_server, "leader", "wrong-password")
    assert "/accounts/login/" in page.url
    assert "请输入一个正确的" in page.content()
    screenshot(page, "foundation-login-refused")


def test_login_page_fits_a_phone(demo_accounts, live_server, phone_page, screenshot):
    phone_page.goto(f"{live_server.url}/accounts/login/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(phone_page, "foundation-login-phone")
