"""A cadre opens last month's report (民情联系卡月报) on a phone on the 2nd, adds a special report and submits it."""

import datetime as dt

import pytest

from households.models import Household
from tests.conftest import PASSWORD, make_user, make_village
from tests.dashboards.conftest import at
from tests.e2e.conftest import login
from tests.visits.conftest import local, make_visit
from visits.models import ContactReport
from visits.querysets import Month
from visits.reports import contact_reports_build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(db):
    village = make_village("和平村")
    user = make_user("liaison", "liaison", villages=[village], full_name="陈秀英")
    home = Household.objects.create(village=village, household_no="HP-001", head_name="张德明", contact_cadre=user)
    Household.objects.create(village=village, household_no="HP-002", head_name="张德华", contact_cadre=user)
    make_visit(user, village, [home], when=local(2026, 10, 12, 20), done_on_spot="当场解答")
    contact_reports_build(Month(2026, 10), now=local(2026, 11, 1, 0, 30))
    return ContactReport.objects.get(cadre=user)


def test_a_cadre_submits_the_draft_on_a_phone_on_the_second(phone_page, live_server, draft, screenshot):
    page = phone_page
    with at(dt.datetime(2026, 11, 2, 9, 30)):
        login(page, live_server, "liaison", PASSWORD)
        page.wait_for_selector("h1")
        page.goto(f"{live_server.url}/visits/reports/")
        page.click(f"a[href='/visits/reports/{draft.pk}/']")
        page.wait_for_selector("#report-figures")
        assert "2 户" in page.inner_text("#report-figures")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("#special-reports summary")
        page.fill("input[name=special-title]", "村道塌方")
        page.fill("textarea[name=special-content]", "三组村道约20米塌方，需乡里协调修复。")
        page.click("#special-form button[type=submit]")
        page.wait_for_selector("text=专题报告已添加")
        page.fill("textarea[name=summary]", "联系户总体稳定。")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("text=月报已报送")
        screenshot(page, "contact-report-phone")
    draft.refresh_from_db()
    assert draft.status == ContactReport.Status.SUBMITTED
    assert draft.summary == "联系户总体稳定。"
    assert list(draft.special_reports.values_list("title", flat=True)) == ["村道塌方"]
