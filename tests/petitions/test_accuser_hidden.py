"""An accuser's identity from the outside (petitions/identity.py): walk every URL that can render a case, as every
persona, and look for the accuser next to their accusation.

The accuser, 欧阳秀兰, is the head of a household in 和平村, where the liaison (often the very cadre accused)
legitimately reads the ledger. So the name on a page is not a leak by itself; the name or phone *beside one of
her accusations* is, and so is any accusation found by her name, phone or household.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import get_resolver

from households.models import Household
from petitions import workflow
from petitions.models import Status
from petitions.views import ACTION_VIEWS, QUEUES
from tests.minqing.test_access_matrix import walk
from tests.petitions.conftest import intake_data
from tests.visits.conftest import make_visit
from visits.services import visit_link_petition

NAME, PHONE = "欧阳秀兰", "13812345678"
IDENTITY = (NAME, PHONE, "138****5678", "欧阳某")
CENTER = ("reception", "leader", "admin_user")
OUTSIDE = ("handler_minzheng", "handler_zigui", "liaison_a", "liaison_b")


@pytest.fixture
def accuser(village_a):
    return Household.objects.create(village=village_a, household_no="88", head_name=NAME, phone=PHONE)


@pytest.fixture
def accusations(
    make_petition, accusation_category, accuser, leader, liaison_a, handler_minzheng, django_capture_on_commit_callbacks
):
    """Three accusations by 欧阳秀兰: replied (in the revisit queue), in progress and supervised, and one raised on a
    liaison's home visit; every notification delivered (inbox and email)."""
    for user in (handler_minzheng, liaison_a):
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    who = {"petitioner_name": NAME, "petitioner_phone": PHONE, "household": accuser, "category": accusation_category}
    with django_capture_on_commit_callbacks(execute=True):
        replied = make_petition(Status.REPLIED, summary="反映村干部优亲厚友", content="低保评定不公。", **who)
        running = make_petition(Status.IN_PROGRESS, summary="反映村务不公开", content="账目不公开。", **who)
        workflow.petition_supervise(petition=running, by=leader, note="限期查清")
        visit = make_visit(liaison_a, accuser.village, households=[accuser])
        raised = make_petition(
            Status.REGISTERED, summary="反映惠民资金", content="补贴被截留。", channel="door_visit", **who
        )
        visit_link_petition(visit=visit, petition=raised, by=liaison_a)
    make_petition(Status.IN_PROGRESS)  # somebody else's case, so every list has a row that may show a name
    return {"cases": [replied, running, raised], "visit": visit}


def pages(accusations, accuser):
    """Every GET that can render a case, filled with the accusations' ids, and the identity-driven searches."""
    cases, visit = accusations["cases"], accusations["visit"]
    patterns = dict(walk(get_resolver().url_patterns))
    for name, pattern in patterns.items():
        if name == "admin" or not pattern.startswith(("petitions/", "visits/", "households/", "dashboards/", "inbox")):
            continue
        if "<" not in pattern:
            yield "/" + pattern
    for slug in QUEUES:
        yield f"/petitions/queue/{slug}/"
    for case in cases:
        yield f"/petitions/{case.pk}/"
        yield f"/petitions/{case.pk}/receipt/"
        yield f"/visits/revisits/{case.pk}/new/"
        for action in ACTION_VIEWS:
            yield f"/petitions/{case.pk}/act/{action}/"
    yield f"/households/{accuser.pk}/"
    yield f"/visits/{visit.pk}/"
    yield "/dashboards/supervision/print/"


def searches(accuser):
    """Lookups by who she is: whatever they return must not include an accusation."""
    yield f"/petitions/?q={NAME}"
    yield f"/petitions/?q={PHONE}"
    yield f"/petitions/?q={PHONE[-4:]}"
    yield f"/petitions/new/repeats/?household={accuser.pk}"
    yield f"/petitions/new/repeats/?petitioner_phone={PHONE}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", OUTSIDE)
def test_nobody_outside_the_center_sees_the_accuser_beside_an_accusation(
    persona, request, client, accusations, accuser, reception, leader, admin_user
):
    client.force_login(request.getfixturevalue(persona))
    numbers = [case.tracking_number for case in accusations["cases"]]
    leaks, seen = [], 0
    for path in pages(accusations, accuser):
        response = client.get(path)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        page = response.content.decode()
        if any(number in page for number in numbers):
            seen += 1
            leaks += [f"{path}: {value}" for value in IDENTITY if value in page]
    for path in searches(accuser):
        response = client.get(path)
        if response.status_code == 200:
            leaks += [f"{path}: found {number}" for number in numbers if number in response.content.decode()]
    assert leaks == []
    # The walk reached pages that show the accusations, where the persona may see them at all.
    assert (seen > 0) is (persona in ("handler_minzheng", "liaison_a"))


@pytest.mark.django_db
def test_the_crawl_finds_the_accuser_where_the_center_looks(client, accusations, accuser, reception):
    """The same walk as the center: the name is there, so the check above can fail."""
    client.force_login(reception)
    case = accusations["cases"][0]
    assert NAME in client.get(f"/petitions/{case.pk}/receipt/").content.decode()
    assert NAME in client.get(f"/petitions/{case.pk}/").content.decode()
    for path in searches(accuser):
        page = client.get(path).content.decode()
        assert any(c.tracking_number in page for c in accusations["cases"]), path


@pytest.mark.django_db
def test_a_liaisons_receipt_of_an_accusation_hides_the_accuser(client, accusations, liaison_a):
    case = accusations["cases"][2]
    client.force_login(liaison_a)
    page = client.get(f"/petitions/{case.pk}/receipt/").content.decode()
    assert case.tracking_number in page
    assert NAME not in page and "身份保密" in page


@pytest.mark.django_db
def test_the_intake_repeat_panel_does_not_offer_accusations_to_a_liaison(
    client, accusations, accuser, category, liaison_a, reception
):
    data = intake_data(category, accuser.village, petitioner_name=NAME, petitioner_phone=PHONE, household=accuser.pk)
    client.force_login(liaison_a)
    page = client.post("/petitions/new/", data).content.decode()
    assert not any(c.tracking_number in page for c in accusations["cases"])
    client.force_login(reception)
    page = client.post("/petitions/new/", data).content.decode()
    assert "可能是重复诉求" in page and all(c.tracking_number in page for c in accusations["cases"])


@pytest.mark.django_db
def test_no_message_or_email_names_the_accuser(accusations):
    assert mail.outbox, "the routing and supervision messages were mailed"
    for email in mail.outbox:
        assert not any(value in email.subject + email.body for value in IDENTITY)
