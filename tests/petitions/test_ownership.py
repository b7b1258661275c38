"""领导包案 (issue 18): a leader owns a hard case to the end — the actions 包案 and 移交包案, who may own and work on a
case, the owner's queue, and the reminders and supervision notices that reach the owner."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from petitions import reminders, workflow
from petitions.choices import Action
from petitions.models import Petition, PetitionEvent, Status
from tests.conftest import make_township, make_user, requires_postgres

pytestmark = pytest.mark.django_db


def in_a_month() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def second_leader(db):
    return make_user("leader2", "leader", full_name="周明")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


def own(petition, by, owner, **kwargs):
    return workflow.petition_assign_owner(
        petition=petition,
        by=by,
        owner=owner,
        plan=kwargs.pop("plan", "先查明事实，再约谈双方，月底前调处到位。"),
        due=kwargs.pop("due", in_a_month()),
        **kwargs,
    )


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_leader_takes_a_case_with_plan_team_and_date_and_it_is_in_their_queue(
    make_petition, leader, handler_minzheng, liaison_a, client_as
):
    petition = make_petition(Status.IN_PROGRESS)
    event = own(petition, leader, leader, team=[handler_minzheng, liaison_a])

    petition.refresh_from_db()
    assert (petition.owner, petition.owner_due, petition.status) == (leader, in_a_month(), Status.IN_PROGRESS)
    assert set(petition.owner_team.all()) == {handler_minzheng, liaison_a}
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        Action.ASSIGN_OWNER,
        Status.IN_PROGRESS,
        Status.IN_PROGRESS,
        leader,
    )
    assert event.data["owner"] == {"id": leader.pk, "name": "李建国"}
    assert [m["name"] for m in event.data["team"]] == ["张伟", "陈秀英"]

    client = client_as(leader)
    queue = client.get(reverse("petitions:queue", args=["owned"]))
    assert list(queue.context["page_obj"].object_list) == [petition]
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "包案领导" in page and "先查明事实" in page and "陈秀英" in page
    home = client.get("/")
    assert home.context["desks"]["leader"]["counts"]["owned"] == 1


def test_a_leader_gives_a_case_to_another_leader_of_the_township(make_petition, leader, second_leader, client_as):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    own(petition, leader, second_leader)
    assert Petition.objects.get(pk=petition.pk).owner == second_leader
    mine = client_as(leader).get(reverse("petitions:queue", args=["owned"])).context["page_obj"].object_list
    assert list(mine) == []
    theirs = client_as(second_leader).get(reverse("petitions:queue", args=["owned"])).context["page_obj"].object_list
    assert list(theirs) == [petition]


def test_only_a_leader_of_the_cases_township_may_own_it(make_petition, leader, reception, handler_minzheng):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    other = make_user("leader_hx", "leader", townships=[make_township("和兴乡", "HX", "MQHX")])
    for owner in (handler_minzheng, reception, other):
        with pytest.raises(ValidationError) as error:
            own(petition, leader, owner)
        assert error.value.message_dict["owner"] == ["包案领导须为本乡镇的领导。"]
    assert not PetitionEvent.objects.filter(petition=petition, action=Action.ASSIGN_OWNER).exists()


def test_only_the_townships_leaders_assign_an_owner(make_petition, leader, reception, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    county = make_user("county", "county")
    for by in (reception, handler_minzheng, county):
        with pytest.raises(PermissionDenied):
            own(petition, by, leader)
    other = make_user("leader_hx", "leader", townships=[make_township("和兴乡", "HX", "MQHX")])
    with pytest.raises(PermissionDenied):
        own(petition, other, other)
    assert Petition.objects.get(pk=petition.pk).owner is None


def test_bad_plan_date_and_team_are_refused_field_by_field(make_petition, leader):
    petition = make_petition(Status.IN_PROGRESS)
    stranger = make_user("outsider", "handler", townships=[make_township("和兴乡", "HX", "MQHX")], full_name="吴刚")
    with pytest.raises(ValidationError) as error:
        own(petition, leader, leader, plan=" ", due=timezone.localdate() - dt.timedelta(days=1), team=[stranger])
    assert error.value.message_dict == {
        "plan": ["请填写包案方案。"],
        "due": ["目标日期不能早于今天。"],
        "team": ["吴刚不在本乡镇工作，不能加入工作专班。"],
    }
    petition.refresh_from_db()
    assert petition.owner is None and petition.version == Petition.objects.get(pk=petition.pk).version


def test_a_case_already_owned_is_handed_on_not_taken_again(make_petition, leader, second_leader):
    petition = make_petition(Status.IN_PROGRESS)
    own(petition, leader, leader)
    with pytest.raises(workflow.TransitionError, match="已有包案领导"):
        own(petition, second_leader, second_leader)
    assert not workflow.can(workflow.scope_for(leader), Action.ASSIGN_OWNER, petition)
    assert workflow.can(workflow.scope_for(leader), Action.TRANSFER_OWNER, petition)


def test_handing_a_case_to_another_leader_tells_both(make_petition, leader, second_leader, committed):
    petition = make_petition(Status.IN_PROGRESS)
    own(petition, leader, leader)
    with pytest.raises(ValidationError) as error:
        workflow.petition_transfer_owner(
            petition=petition, by=leader, owner=leader, reason="", plan="同上", due=in_a_month()
        )
    assert set(error.value.message_dict) == {"owner", "reason"}

    event = committed(
        workflow.petition_transfer_owner,
        petition=petition,
        by=leader,
        owner=second_leader,
        reason="工作调整",
        plan="继续推进调处。",
        due=in_a_month(),
    )
    assert event.action == Action.TRANSFER_OWNER
    assert event.data["previous_owner"]["name"] == "李建国"
    assert Petition.objects.get(pk=petition.pk).owner == second_leader
    # The actor (the previous owner) is not told of their own action; the new owner and the department are.
    assert told("petition.owner_transferred") == ["handler", "leader2"]


def test_a_case_with_no_owner_cannot_be_handed_on(make_petition, leader, second_leader):
    petition = make_petition(Status.IN_PROGRESS)
    with pytest.raises(workflow.TransitionError, match="还没有包案领导"):
        workflow.petition_transfer_owner(
            petition=petition, by=leader, owner=second_leader, reason="调整", plan="方案", due=in_a_month()
        )


def test_a_stale_copy_cannot_assign_an_owner_twice(make_petition, leader, second_leader):
    petition = make_petition(Status.IN_PROGRESS)
    first, second = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
    own(first, leader, leader)
    with pytest.raises(workflow.TransitionError):
        own(second, second_leader, second_leader)
    assert Petition.objects.get(pk=petition.pk).owner == leader
    assert PetitionEvent.objects.filter(petition=petition, action=Action.ASSIGN_OWNER).count() == 1


def test_the_owner_gets_each_reminder_once_besides_the_department(make_petition, second_leader):
    petition = make_petition(Status.IN_PROGRESS)  # routed by ``leader``
    own(petition, second_leader, second_leader)
    overdue = petition.reply_by + dt.timedelta(days=1)
    reminders.reminders_scan(today=overdue)
    reminders.reminders_scan(today=overdue)
    reminders.reminders_scan(today=overdue + dt.timedelta(days=2))
    assert told("reminder.overdue") == ["handler", "leader", "leader2"]


def test_an_owner_who_also_routed_the_case_is_reminded_once(make_petition, leader):
    petition = make_petition(Status.IN_PROGRESS)
    own(petition, leader, leader)
    reminders.reminders_scan(today=petition.reply_by + dt.timedelta(days=1))
    assert told("reminder.overdue") == ["handler", "leader"]


def test_a_supervision_notice_reaches_the_owner(make_petition, leader, second_leader, committed):
    petition = make_petition(Status.IN_PROGRESS)
    own(petition, leader, second_leader)
    committed(workflow.petition_supervise, petition=petition, by=leader, note="请加快办理。")
    assert told("petition.supervised") == ["handler", "leader2"]


def test_the_action_pages_offer_only_the_townships_leaders_and_people(
    make_petition, leader, second_leader, handler_minzheng, client_as
):
    petition = make_petition(Status.IN_PROGRESS)
    make_user("leader_hx", "leader", townships=[make_township("和兴乡", "HX", "MQHX")])
    make_user("sysadmin", "admin", full_name="管理员甲")
    client = client_as(leader)
    url = reverse("petitions:act", args=[petition.pk, Action.ASSIGN_OWNER])
    form = client.get(url).context["form"]
    assert {u.username for u in form.fields["owner"].queryset} == {"leader", "leader2"}
    assert form.initial["owner"] == leader.pk  # the acting leader by default
    team = {u.username for u in form.fields["team"].queryset}
    assert {"leader", "leader2", "handler", "reception"} <= team and not {"leader_hx", "sysadmin"} & team

    response = client.post(url, {"owner": leader.pk, "plan": "约谈双方", "team": [handler_minzheng.pk], "due": ""})
    assert response.status_code == 200 and "due" in response.context["form"].errors
    response = client.post(
        url, {"owner": second_leader.pk, "plan": "约谈双方", "team": [handler_minzheng.pk], "due": in_a_month()}
    )
    assert response.status_code == 302
    assert Petition.objects.get(pk=petition.pk).owner == second_leader

    transfer = client.get(reverse("petitions:act", args=[petition.pk, Action.TRANSFER_OWNER])).context["form"]
    assert {u.username for u in transfer.fields["owner"].queryset} == {"leader"}
    assert transfer.initial["plan"] == "约谈双方"


def test_the_owners_queue_is_a_leaders_only(make_petition, client_as, handler_minzheng, reception):
    for user in (handler_minzheng, reception):
        assert client_as(user).get(reverse("petitions:queue", args=["owned"])).status_code == 404


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_leaders_taking_the_same_case_at_once_leave_one_owner(make_petition, leader, second_leader):
    petition = make_petition(Status.IN_PROGRESS)
    barrier, outcomes = threading.Barrier(2), []

    def take(user):
        copy = Petition.objects.get(pk=petition.pk)
        barrier.wait()
        try:
            own(copy, user, user)
            outcomes.append("owned")
        except workflow.TransitionError:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (leader, second_leader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["owned", "stale"]
    assert PetitionEvent.objects.filter(petition=petition, action=Action.ASSIGN_OWNER).count() == 1
