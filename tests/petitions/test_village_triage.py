"""Village triage (待村处理, issue 17): a matter first heard in a village waits for the village committee, which
settles it there (在村化解 → replied, then revisited) or sends it up (上报乡镇 → 待批示) with its analysis.

Who: the village's liaisons and the staff of its committee (村委会, the lead department while the case waits);
nobody of another village or department, and no township role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minqing.access import scope_for
from petitions import public, workflow
from petitions.models import Action, Petition, PetitionEvent, Reply, Satisfaction, Status
from petitions.workflow import TransitionError, available_actions
from tests.conftest import make_user
from tests.petitions.conftest import intake_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_handler(dept_village):
    return make_user("cunwei", "handler", departments=[dept_village], full_name="村委会干部")


def settle(petition, by, **overrides):
    kwargs = {
        "analysis": "邻里之间的误会，村里可以调解。",
        "measures": "村主任上门调解，双方签订协议。",
        "settled_by": "村主任王明",
        "settled_on": timezone.localdate(),
        **overrides,
    }
    return workflow.petition_settle_in_village(petition=petition, by=by, **kwargs)


def test_a_liaisons_case_settled_in_the_village_reaches_revisit_and_closes(
    client_as, liaison_a, category, village_a, dept_village, reception
):
    # The liaison registers what was heard on a visit; 先由村处理 is their default.
    form = client_as(liaison_a).get("/petitions/new/").context["form"]
    assert form["disposition"].value() == "village"
    data = intake_data(category, village_a, disposition="village", channel="door_visit")
    assert client_as(liaison_a).post("/petitions/new/", data).status_code == 302
    petition = Petition.objects.get()
    assert petition.status == Status.VILLAGE_TRIAGE
    assert petition.lead_department == dept_village  # the committee holds it while it waits

    event = settle(petition, liaison_a)
    petition.refresh_from_db()
    assert (event.action, event.from_status, event.to_status) == (Action.SETTLE_IN_VILLAGE, "village_triage", "replied")
    assert petition.settled_in_village and petition.replied_at and petition.review_by
    assert petition.village_analysis == "邻里之间的误会，村里可以调解。"
    reply = petition.replies.get()
    assert (reply.department, reply.decision) == (dept_village, Reply.Decision.SUPPORT)
    # The reply, which the public lookup shows, is what was done; the analysis and who settled it stay internal.
    assert reply.facts == "村主任上门调解，双方签订协议。"
    assert "村主任王明" not in f"{reply.facts}{reply.content}" and petition.village_analysis not in reply.facts
    assert event.data["settled_by"] == "村主任王明"
    # Revisited like any replied case.
    from visits.querysets import revisit_queue

    assert petition in revisit_queue(scope_for(liaison_a))
    workflow.petition_revisit(petition=petition, by=reception, solved=True, satisfaction=Satisfaction.SATISFIED)
    assert petition.status == Status.CLOSED and petition.settled_in_village
    assert list(petition.events.order_by("pk").values_list("action", flat=True)) == [
        "register",
        "refer_to_village",
        "settle_in_village",
        "revisit",
    ]


def test_a_case_sent_up_waits_for_instruction_with_the_villages_analysis(
    make_petition, liaison_a, leader, client_as, dept_village
):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    workflow.petition_send_up(petition=petition, by=liaison_a, analysis="涉及低保认定，村里无权决定，报乡里研究。")
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_INSTRUCTION
    assert petition.lead_department is None and not petition.settled_in_village
    page = client_as(leader).get("/petitions/queue/instruction/").content.decode()
    assert petition.tracking_number in page and "涉及低保认定，村里无权决定" in page
    detail = client_as(leader).get(f"/petitions/{petition.pk}/").content.decode()
    assert 'id="village-analysis"' in detail and "已上报乡镇" in detail


def test_an_unsatisfied_revisit_of_a_settlement_goes_back_to_the_village(make_petition, liaison_a, reception):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    settle(petition, liaison_a)
    event = workflow.petition_revisit(
        petition=petition, by=reception, solved=False, satisfaction=Satisfaction.UNSATISFIED
    )
    petition.refresh_from_db()
    assert (event.to_status, petition.status, petition.reopen_count) == ("village_triage", "village_triage", 1)
    assert petition.reply_by is None and event.data["back_to_village"]
    # Settled again, or sent up: a sending up clears the settlement.
    workflow.petition_send_up(petition=petition, by=liaison_a, analysis="反复调解未果，报乡里。")
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_INSTRUCTION and not petition.settled_in_village


# --- Who may, and where ---------------------------------------------------------------------------------

TRIAGE_ACTIONS = {
    Action.SETTLE_IN_VILLAGE: lambda p, by: settle(p, by),
    Action.SEND_UP: lambda p, by: workflow.petition_send_up(petition=p, by=by, analysis="报乡里。"),
}


@pytest.mark.parametrize("action", list(TRIAGE_ACTIONS))
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("liaison_a", True),  # the village's liaison
        ("committee_handler", True),  # the village committee's staff
        ("liaison_b", False),  # another village's liaison
        ("handler_minzheng", False),  # another department
        ("reception", False),
        ("leader", False),  # the township acts once it is sent up
        ("admin_user", False),
        ("county", False),
    ],
)
def test_who_may_settle_or_send_up(action, persona, allowed, request, make_petition, committee_handler):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    by = make_user("county_user", "county") if persona == "county" else request.getfixturevalue(persona)
    events = PetitionEvent.objects.count()
    shown = action in {t.action for t in available_actions(petition, scope_for(by))}
    assert shown == allowed
    if allowed:
        TRIAGE_ACTIONS[action](petition, by)
        assert PetitionEvent.objects.count() == events + 1
    else:
        with pytest.raises(PermissionDenied):
            TRIAGE_ACTIONS[action](petition, by)
        assert PetitionEvent.objects.count() == events
        assert Petition.objects.get(pk=petition.pk).status == Status.VILLAGE_TRIAGE


def test_the_committee_and_the_villages_liaisons_see_the_waiting_case_and_nobody_else_outside_the_township(
    make_petition, liaison_a, liaison_b, committee_handler, handler_minzheng, leader, client_as
):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    for user, sees in [
        (liaison_a, True),
        (committee_handler, True),
        (leader, True),
        (liaison_b, False),
        (handler_minzheng, False),
    ]:
        assert Petition.objects.visible_to(scope_for(user)).filter(pk=petition.pk).exists() == sees
    page = client_as(committee_handler).get("/petitions/queue/village_triage/").content.decode()
    assert petition.tracking_number in page
    assert client_as(liaison_b).get("/petitions/queue/village_triage/").status_code == 200
    assert petition.tracking_number not in client_as(liaison_b).get("/petitions/queue/village_triage/").content.decode()
    assert client_as(liaison_b).get(f"/petitions/{petition.pk}/act/settle_in_village/").status_code == 404


def test_a_case_with_no_village_cannot_wait_for_a_village(make_petition, reception, client_as, category, village_a):
    petition = make_petition(Status.REGISTERED, village=None)
    with pytest.raises(TransitionError, match="未填写所属村"):
        workflow.petition_refer_to_village(petition=petition, by=reception)
    data = {**intake_data(category, village_a, disposition="village"), "village": ""}
    response = client_as(reception).post("/petitions/new/", data)
    assert response.status_code == 200
    assert "先由村处理的诉求须选择所属村" in response.context["form"].errors["village"][0]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"analysis": " "}, "analysis", "请填写"),
        ({"settled_by": ""}, "settled_by", "请填写"),
        ({"settled_on": None}, "settled_on", "请填写化解日期"),
        ({"settled_on": dt.date(2099, 1, 1)}, "settled_on", "不能晚于今天"),
        ({"settled_on": dt.date(2000, 1, 1)}, "settled_on", "不能早于受理日期"),
        ({"decision": "maybe"}, "decision", "请选择答复结论"),
    ],
)
def test_bad_settlements_are_refused_and_write_nothing(make_petition, liaison_a, overrides, field, message):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    events = PetitionEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        settle(petition, liaison_a, **overrides)
    assert message in caught.value.message_dict[field][0]
    assert PetitionEvent.objects.count() == events and not Reply.objects.exists()
    assert Petition.objects.get(pk=petition.pk).status == Status.VILLAGE_TRIAGE


def test_the_settle_page_settles_and_the_public_lookup_says_so(make_petition, liaison_a, client_as, dept_village):
    petition = make_petition(Status.VILLAGE_TRIAGE)
    response = client_as(liaison_a).post(
        f"/petitions/{petition.pk}/act/settle_in_village/",
        {
            "analysis": "村里可以协调。",
            "measures": "协调自来水公司抢修。",
            "settled_by": "村主任王明",
            "settled_on": timezone.localdate().isoformat(),
            "decision": "support",
            "delivery": "in_person",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED
    progress = public.lookup_progress(petition.tracking_number, petition.petitioner_phone[-4:])
    labels = [step["label"] for step in progress["steps"]]
    assert labels == ["已登记受理", "已转村两委分析处理", "已在村化解并答复"]
    assert progress["reply"]["department"] == "和平村委会"
