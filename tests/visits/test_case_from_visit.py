"""Open a case from a visit: the intake link carries the visit, and visit ↔ case are linked both ways."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from petitions import workflow
from petitions.intake import petition_intake
from petitions.models import Channel, Petition
from tests.petitions.conftest import intake_data
from visits.services import visit_link_petition

from .conftest import make_visit

pytestmark = pytest.mark.django_db


def register_from(visit, by, category, household):
    return workflow.petition_register(
        by=by,
        channel=Channel.DOOR_VISIT,
        petitioner_name=household.head_name,
        category=category,
        summary="走访中反映：低保停发",
        content="走访时户主反映低保从上月起停发。",
        household=household,
    )


def test_link_goes_both_ways_and_twice_changes_nothing(liaison_a, village_a, household_a, category):
    visit = make_visit(liaison_a, village_a, [household_a])
    petition = register_from(visit, liaison_a, category, household_a)
    visit_link_petition(visit=visit, petition=petition, by=liaison_a)
    visit_link_petition(visit=visit, petition=petition, by=liaison_a)
    assert list(visit.petitions.all()) == [petition]
    assert list(petition.visits.all()) == [visit]


def test_liaison_cannot_link_a_visit_of_another_village(liaison_a, liaison_b, village_b, household_b, category):
    visit = make_visit(liaison_b, village_b, [household_b])
    petition = register_from(visit, liaison_b, category, household_b)
    with pytest.raises(PermissionDenied):
        visit_link_petition(visit=visit, petition=petition, by=liaison_a)
    assert not visit.petitions.exists()


def test_intake_with_after_register_links_the_new_case_in_one_transaction(liaison_a, village_a, household_a, category):
    """What the intake view does for ?visit=<id>: register, then link, in the same transaction."""
    visit = make_visit(liaison_a, village_a, [household_a])
    data = {
        "channel": Channel.DOOR_VISIT,
        "petitioner_name": household_a.head_name,
        "petitioner_phone": household_a.phone,
        "petitioner_id_number": "",
        "household": household_a,
        "village": village_a,
        "category": category,
        "summary": "走访中反映：路灯不亮",
        "content": "村口路灯坏了三个月。",
    }
    petition = petition_intake(
        by=liaison_a,
        data=data,
        after_register=lambda p: visit_link_petition(visit=visit, petition=p, by=liaison_a),
    )
    assert petition.channel == Channel.DOOR_VISIT
    assert list(petition.visits.all()) == [visit]


def test_failed_link_rolls_the_registration_back(liaison_a, liaison_b, village_b, household_b, category):
    other_visit = make_visit(liaison_b, village_b, [household_b])
    data = {
        "channel": Channel.DOOR_VISIT,
        "petitioner_name": "张德明",
        "petitioner_phone": "",
        "petitioner_id_number": "",
        "household": None,
        "village": liaison_a.liaison_villages.get(),
        "category": category,
        "summary": "走访中反映",
        "content": "内容",
    }
    with pytest.raises(PermissionDenied):
        petition_intake(
            by=liaison_a,
            data=data,
            after_register=lambda p: visit_link_petition(visit=other_visit, petition=p, by=liaison_a),
        )
    assert not Petition.objects.exists()


def test_visit_page_offers_intake_prefilled_from_the_visit(client_as, liaison_a, village_a, household_a):
    visit = make_visit(liaison_a, village_a, [household_a])
    client = client_as(liaison_a)
    body = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    button = body.index("为张德明登记诉求")
    start = body.rindex('href="', 0, button) + len('href="')
    url = urlparse(body[start : body.index('"', start)].replace("&amp;", "&"))
    assert url.path == reverse("visits:open_case", args=[visit.pk])
    assert parse_qs(url.query) == {"household": [str(household_a.pk)]}
    form = client.get(f"{url.path}?{url.query}").context["form"]
    assert form.initial["channel"] == Channel.DOOR_VISIT
    assert form.initial["household"] == household_a.pk
    assert form.initial["village"] == village_a.pk
    assert form.initial["petitioner_name"] == "张德明"
    assert form.initial["content"] == visit.heard


def test_a_case_opened_from_a_visit_is_linked_both_ways(client_as, liaison_a, village_a, household_a, category):
    visit = make_visit(liaison_a, village_a, [household_a])
    data = intake_data(
        category,
        village_a,
        household=household_a.pk,
        petitioner_name="张德明",
        petitioner_phone="13800000001",
        channel=Channel.DOOR_VISIT,
        summary="走访中反映：路灯不亮",
        content="村口路灯坏了三个月。",
    )
    response = client_as(liaison_a).post(reverse("visits:open_case", args=[visit.pk]), data)
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert petition.channel == Channel.DOOR_VISIT
    assert list(petition.visits.all()) == [visit]
    assert list(visit.petitions.all()) == [petition]


def test_a_visit_of_another_village_cannot_open_a_case(client_as, liaison_a, liaison_b, village_b, household_b):
    visit = make_visit(liaison_b, village_b, [household_b])
    assert client_as(liaison_a).get(reverse("visits:open_case", args=[visit.pk])).status_code == 404


def test_leader_who_cannot_register_sees_no_intake_link(client_as, leader, liaison_a, village_a, household_a):
    visit = make_visit(liaison_a, village_a, [household_a])
    assert "登记诉求" not in client_as(leader).get(reverse("visits:detail", args=[visit.pk])).content.decode()


def test_visit_page_lists_the_cases_raised_on_it(client_as, liaison_a, village_a, household_a, category):
    visit = make_visit(liaison_a, village_a, [household_a])
    petition = register_from(visit, liaison_a, category, household_a)
    visit_link_petition(visit=visit, petition=petition, by=liaison_a)
    body = client_as(liaison_a).get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert petition.tracking_number in body
    assert reverse("petitions:detail", args=[petition.pk]) in body
