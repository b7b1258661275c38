"""移交县直单位: a township hands a case up to a county-level unit, which signs, handles and replies like a township
department; the case stays the township's, which sees every step and the outcome."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from minqing.access import scope_for
from notifications.models import Notification
from petitions import public, workflow
from petitions.models import Action, Petition, Reply, Status
from tests.conftest import make_county_unit, make_township, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_unit():
    return make_county_unit("县自然资源局")


@pytest.fixture
def unit_handler(county_unit):
    return make_user("handler_xian", "handler", departments=[county_unit], full_name="钱立新")


def hand_up(petition, leader, unit):
    return workflow.petition_hand_up(
        petition=petition, by=leader, instruction="涉及跨乡镇林地，移交县自然资源局。", lead_department=unit
    )


def test_a_handed_up_case_is_signed_handled_and_replied_by_the_unit(
    make_petition, leader, county_unit, unit_handler, client_as, django_capture_on_commit_callbacks
):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        event = hand_up(petition, leader, county_unit)
    assert (event.action, event.to_status) == (Action.HAND_UP, Status.ASSIGNED)
    assert event.data["lead_department"]["name"] == "县自然资源局" and petition.sign_by and petition.reply_by
    assert Notification.objects.filter(recipient=unit_handler, kind="petition.handed_up").count() == 1

    # The unit's queue holds it; it is the township's case still.
    client = client_as(unit_handler)
    queue = client.get(reverse("petitions:queue", args=["to_sign"])).content.decode()
    assert petition.tracking_number in queue
    assert Petition.objects.visible_to(scope_for(unit_handler)).filter(pk=petition.pk).exists()
    workflow.petition_sign(petition=petition, by=unit_handler)
    workflow.petition_reply(
        petition=petition, by=unit_handler, facts="经实地勘界，林地属邻乡。", decision=Reply.Decision.EXPLAINED,
        delivery=Reply.Delivery.IN_PERSON,
    )  # fmt: skip
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED and petition.township.code == "DX"
    assert list(petition.events.order_by("pk").values_list("action", flat=True))[-3:] == [
        Action.HAND_UP, Action.SIGN, Action.REPLY,
    ]  # fmt: skip

    # The township sees the outcome: the case page and the petitioner's lookup.
    page = client_as(leader).get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "县自然资源局" in page and "经实地勘界，林地属邻乡。" in page
    progress = public.lookup_progress(petition.tracking_number, petition.petitioner_phone[-4:])
    assert "已移交县直单位办理" in [step["label"] for step in progress["steps"]]
    assert progress["reply"]["department"] == "县自然资源局"


def test_the_unit_returns_a_case_to_the_township(make_petition, leader, county_unit, unit_handler):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    hand_up(petition, leader, county_unit)
    workflow.petition_return(petition=petition, by=unit_handler, reason="不属本局职责。")
    assert petition.status == Status.AWAITING_INSTRUCTION and petition.township.code == "DX"


def test_handing_up_goes_to_county_units_and_routing_to_the_townships_own(
    make_petition, leader, county_unit, dept_minzheng
):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    with pytest.raises(ValidationError) as error:
        hand_up(petition, leader, dept_minzheng)
    assert "县直单位" in error.value.message_dict["lead_department"][0]
    with pytest.raises(ValidationError) as error:
        workflow.petition_route(petition=petition, by=leader, instruction="办理", lead_department=county_unit)
    assert "移交县直单位" in error.value.message_dict["lead_department"][0]
    assert Petition.objects.get(pk=petition.pk).status == Status.AWAITING_INSTRUCTION


def test_another_townships_leader_can_neither_route_nor_hand_up(make_petition, county_unit, dept_minzheng):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    other = make_user("leader_hx", "leader", townships=[make_township("和兴镇", "HX", "MQHX")])
    with pytest.raises(PermissionDenied):
        hand_up(petition, other, county_unit)
    with pytest.raises(PermissionDenied):
        workflow.petition_route(petition=petition, by=other, instruction="办理", lead_department=dept_minzheng)


def test_the_county_supervises_any_townships_case_and_does_nothing_else(make_petition, dept_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    county = make_user("county", "county")
    shown = {t.action for t in workflow.available_actions(petition, scope_for(county))}
    assert shown == {Action.SUPERVISE}
    workflow.petition_supervise(petition=petition, by=county, note="县民情中心督办：请本周内办结。")
    assert petition.supervised
    with pytest.raises(PermissionDenied):
        workflow.petition_withdraw(petition=petition, by=county, reason="试图撤回")


def test_a_township_sets_its_own_time_limit_for_a_county_wide_category(make_petition, leader, dept_minzheng, category):
    from petitions import deadlines
    from petitions.models import CategoryLimit

    hexing = make_township("和兴镇", "HX", "MQHX")
    CategoryLimit.objects.create(township=hexing, category=category, reply_working_days=2)  # another township's
    petition = make_petition(Status.ASSIGNED)
    expected, _ = deadlines.add_working_days(petition.routed_at, category.reply_working_days)
    assert petition.reply_by == expected  # 鼎新乡 keeps the county's limit
    CategoryLimit.objects.create(township=petition.township, category=category, reply_working_days=2)
    faster = make_petition(Status.ASSIGNED)
    expected, _ = deadlines.add_working_days(faster.routed_at, 2)
    assert faster.reply_by == expected and faster.reply_working_days == 2
