"""Decisions (决定) act through the workflow in the same transaction (issue 17): a township joint meeting routes and
supervises its cases with one event each naming the meeting; a village meeting settles one matter and sends one
up; bad input and a case that changed since the agenda was built fail with a clear message and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings import services
from meetings.models import Decision, DecisionAction, Meeting
from meetings.services import MeetingError
from petitions import workflow
from petitions.models import Action, Petition, PetitionEvent, Status
from petitions.workflow import TransitionError
from tests.conftest import make_county_unit, make_user
from tests.meetings.conftest import plan

pytestmark = pytest.mark.django_db

A = DecisionAction


def item_of(meeting: Meeting, petition: Petition):
    return meeting.items.select_related("meeting", "petition").get(petition=petition)


def written() -> tuple[int, int]:
    return PetitionEvent.objects.count(), Decision.objects.count()


@pytest.fixture
def joint(make_petition, kinds, leader, village_a):
    """Today's 党政联席分析会 of 鼎新乡, with two cases waiting for instruction for a week and one in progress,
    supervised: all three are on its agenda."""
    week_ago = timezone.now() - dt.timedelta(days=7)
    with_waiting = [make_petition("awaiting_instruction"), make_petition("awaiting_instruction")]
    PetitionEvent.objects.filter(petition__in=with_waiting).update(created_at=week_ago)
    running = make_petition("in_progress")
    workflow.petition_supervise(petition=running, by=leader, note="请加快。")
    meeting = plan(leader, kinds["党政联席分析会"], timezone.localdate(), township=village_a.township)
    meeting.cases = {"route": with_waiting[0], "hand_up": with_waiting[1], "supervise": running}
    assert {i.petition_id for i in meeting.items.exclude(petition=None)} == {p.pk for p in meeting.cases.values()}
    return meeting


def test_recording_the_joint_meetings_decisions_routes_and_supervises_with_one_event_each(
    joint, leader, dept_zigui, client_as
):
    due = timezone.localdate() + dt.timedelta(days=10)
    route, hand_up, supervise = joint.cases["route"], joint.cases["hand_up"], joint.cases["supervise"]
    events_before = {p.pk: p.events.count() for p in joint.cases.values()}

    decision = services.decision_record(
        item=item_of(joint, route), by=leader, action=A.ROUTE, measure="由自规所牵头核实，十日内答复。",
        owner_department=dept_zigui, owner_name="赵磊", due_on=due,
    )  # fmt: skip
    route.refresh_from_db()
    assert (route.status, route.lead_department, route.reply_by) == (Status.ASSIGNED, dept_zigui, due)
    assert route.instruction == "由自规所牵头核实，十日内答复。"
    assert decision.event.action == Action.ROUTE
    assert decision.event.data["decided_in"] == {
        "kind": "meeting", "id": joint.pk, "title": joint.title, "url": f"/meetings/{joint.pk}/",
    }  # fmt: skip

    county = make_county_unit("县自然资源局")
    services.decision_record(
        item=item_of(joint, hand_up), by=leader, action=A.HAND_UP, measure="涉及跨乡镇林地，移交县自然资源局。",
        owner_department=county, due_on=due,
    )  # fmt: skip
    services.decision_record(
        item=item_of(joint, supervise), by=leader, action=A.SUPERVISE, measure="民政办一周内办结并报结果。",
        owner_name="民政办张伟", due_on=due,
    )  # fmt: skip
    hand_up.refresh_from_db()
    supervise.refresh_from_db()
    assert (hand_up.status, hand_up.lead_department) == (Status.ASSIGNED, county)
    assert supervise.supervision_notices.count() == 2  # the one before and the meeting's

    # One event each, each naming the meeting.
    for p in joint.cases.values():
        assert p.events.count() == events_before[p.pk] + 1
        assert p.events.latest("pk").data["decided_in"]["id"] == joint.pk
    # The case's history says 经…研究, with the link.
    page = client_as(leader).get(f"/petitions/{route.pk}/").content.decode()
    assert f'经<a href="/meetings/{joint.pk}/">{joint.title}</a>研究' in page


def test_a_concurrent_change_to_a_case_makes_its_decision_fail_cleanly(joint, leader, handler_minzheng, dept_zigui):
    supervised = joint.cases["supervise"]
    item = item_of(joint, supervised)
    # The department records progress on the case after the agenda was built.
    workflow.petition_add_progress(petition=Petition.objects.get(pk=supervised.pk), by=handler_minzheng, note="已入户")
    before = written()
    with pytest.raises(TransitionError, match="在列入议程后已有变化"):
        services.decision_record(
            item=item, by=leader, action=A.SUPERVISE, measure="督促", owner_name="民政办", due_on=timezone.localdate()
        )
    assert written() == before
    assert Meeting.objects.get(pk=joint.pk).updated_at == joint.updated_at  # not even the meeting's claim is left

    # Another leader routed a case while this one was looking at the old agenda: the same.
    route = joint.cases["route"]
    workflow.petition_route(
        petition=Petition.objects.get(pk=route.pk), by=leader, instruction="先交办", lead_department=dept_zigui
    )
    with pytest.raises(TransitionError):
        services.decision_record(
            item=item_of(joint, route), by=leader, action=A.ROUTE, measure="交办", owner_department=dept_zigui,
            due_on=timezone.localdate(),
        )  # fmt: skip
    # After 更新 (taking the case as it is now) a decision that still applies is recorded.
    services.item_reload(item=item, by=leader)
    services.decision_record(
        item=item_of(joint, supervised), by=leader, action=A.SUPERVISE, measure="督促", owner_name="民政办",
        due_on=timezone.localdate(),
    )  # fmt: skip
    assert Decision.objects.count() == 1


def test_the_workflows_own_compare_and_set_catches_a_change_between_the_check_and_the_write(
    joint, leader, handler_minzheng, monkeypatch
):
    """The case changes after the decision compared the item's version, before the workflow writes."""
    case = joint.cases["supervise"]
    item = item_of(joint, case)
    real = workflow.petition_supervise

    def meanwhile(*, petition, **kwargs):
        workflow.petition_add_progress(petition=Petition.objects.get(pk=petition.pk), by=handler_minzheng, note="进展")
        return real(petition=petition, **kwargs)

    monkeypatch.setattr(workflow, "petition_supervise", meanwhile)
    events = PetitionEvent.objects.count()
    with pytest.raises(TransitionError, match="已被他人处理"):
        services.decision_record(
            item=item, by=leader, action=A.SUPERVISE, measure="督促", owner_name="民政办", due_on=timezone.localdate()
        )
    assert PetitionEvent.objects.count() == events  # the progress note rolled back with it: one transaction
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"owner_name": "", "owner_department": None}, "owner_name", "请填写责任单位或责任人"),
        ({"due_on": None}, "due_on", "请填写完成期限"),
        ({"due_on": "yesterday"}, "due_on", "完成期限不能早于会议日期"),
        ({"measure": "  "}, "measure", "请填写方案"),
        ({"action": A.TRACK}, "action", "请选择对该诉求的决定事项"),
        ({"action": A.ROUTE, "owner_department": None}, "owner_department", "交办请选择责任单位"),
        ({"action": A.HAND_UP}, "owner_department", "请选择责任单位（县直单位）"),
    ],
)
def test_bad_decisions_are_refused_in_chinese_and_write_nothing(joint, leader, dept_zigui, kwargs, field, message):
    route = joint.cases["route"]
    data = {
        "action": A.ROUTE, "measure": "交自规所办理", "owner_department": dept_zigui, "owner_name": "",
        "due_on": timezone.localdate() + dt.timedelta(days=5),
    }  # fmt: skip
    data.update(kwargs)
    if data["due_on"] == "yesterday":
        data["due_on"] = timezone.localdate() - dt.timedelta(days=1)
    before, version = written(), Petition.objects.get(pk=route.pk).version
    with pytest.raises(ValidationError) as caught:
        services.decision_record(item=item_of(joint, route), by=leader, **data)
    assert message in caught.value.message_dict[field][0]
    assert written() == before
    assert Petition.objects.get(pk=route.pk).version == version


def test_a_workflow_refusal_is_the_decision_forms_error(joint, leader, make_petition):
    """A department of another township: the workflow's message, on the decision's own field."""
    from tests.conftest import make_department, make_township

    other = make_department("民政办", township=make_township("和兴镇", "HX", "MQHX"))
    with pytest.raises(ValidationError) as caught:
        services.decision_record(
            item=item_of(joint, joint.cases["route"]), by=leader, action=A.ROUTE, measure="交办",
            owner_department=other, due_on=timezone.localdate(),
        )  # fmt: skip
    assert "牵头单位须为本乡镇的单位" in caught.value.message_dict["owner_department"][0]
    assert not Decision.objects.exists()


def test_a_village_meeting_settles_one_matter_and_sends_one_up(make_petition, kinds, village_secretary, village_a):
    settle, send = make_petition("village_triage"), make_petition("village_triage")
    meeting = plan(village_secretary, kinds["村两委分析会"], timezone.localdate(), village=village_a)
    offered = services.decision_actions(item_of(meeting, settle), _scope(village_secretary))
    assert offered == [A.MEETING_DECISION, A.SETTLE_IN_VILLAGE, A.SEND_UP]
    due = timezone.localdate() + dt.timedelta(days=3)
    services.decision_record(
        item=item_of(meeting, settle), by=village_secretary, action=A.SETTLE_IN_VILLAGE,
        analysis="邻里误会，村里可以调解。", measure="村主任当场调解，双方握手言和。", owner_name="村主任王明",
        due_on=due,
    )  # fmt: skip
    services.decision_record(
        item=item_of(meeting, send), by=village_secretary, action=A.SEND_UP,
        analysis="涉及低保认定，村里无权决定。", measure="报乡里研究。", owner_name="王村秘", due_on=due,
    )  # fmt: skip
    settle.refresh_from_db()
    send.refresh_from_db()
    assert (settle.status, settle.settled_in_village) == (Status.REPLIED, True)
    assert "和平村委会" in settle.replies.get().department.name
    assert (send.status, send.village_analysis) == (Status.AWAITING_INSTRUCTION, "涉及低保认定，村里无权决定。")
    for p in (settle, send):
        assert p.events.latest("pk").data["decided_in"]["id"] == meeting.pk
    # A liaison cannot route: the table says so, and forcing it is refused with nothing written.
    other = make_petition("village_triage")
    item = services.item_add_case(meeting=meeting, by=village_secretary, number=other.tracking_number)
    with pytest.raises(PermissionDenied):
        services.decision_record(
            item=item, by=village_secretary, action=A.SUPERVISE, measure="督办", owner_name="王", due_on=due
        )
    assert not Decision.objects.filter(item=item).exists()


def _scope(user):
    from minqing.access import scope_for

    return scope_for(user)


def test_a_topic_is_a_tracked_decision_ticked_off_when_done(kinds, leader, village_a):
    meeting = plan(leader, kinds["民情研判会"], timezone.localdate(), township=village_a.township)
    topic = services.item_add_topic(meeting=meeting, by=leader, title="研判春节前矛盾纠纷排查", detail="各村报送")
    with pytest.raises(ValidationError, match="只能“限期落实”"):
        services.decision_record(
            item=topic, by=leader, action=A.ROUTE, measure="排查", owner_name="党政办", due_on=timezone.localdate()
        )
    decision = services.decision_record(
        item=topic, by=leader, action=A.TRACK, measure="各村一周内完成排查", owner_name="党政办",
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )  # fmt: skip
    assert decision.event is None and decision.owner == "党政办"
    services.decision_complete(decision=decision, by=leader, completed_on=timezone.localdate(), note="已完成")
    with pytest.raises(MeetingError, match="已销号"):
        services.decision_complete(decision=decision, by=leader, completed_on=timezone.localdate())


def test_decisions_wait_for_the_meetings_day_and_the_minutes_fix_everything(
    make_petition, kinds, leader, village_a, reception
):
    chair = make_user("chair", "leader", full_name="党委书记")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = plan(leader, kinds["民情研判会"], tomorrow, township=village_a.township, today=timezone.localdate())
    topic = services.item_add_topic(meeting=later, by=leader, title="议题")
    with pytest.raises(MeetingError, match="开会时再记录决定"):
        services.decision_record(item=topic, by=leader, action=A.TRACK, measure="x", owner_name="y", due_on=tomorrow)
    with pytest.raises(MeetingError, match="尚未到期"):
        services.meeting_hold(meeting=later, by=leader)

    meeting = plan(leader, kinds["民情研判会"], timezone.localdate(), township=village_a.township, chair=chair)
    topic = services.item_add_topic(meeting=meeting, by=leader, title="议题")
    services.meeting_hold(meeting=meeting, by=leader)
    with pytest.raises(PermissionDenied):
        services.meeting_approve(meeting=meeting, by=leader)  # the chair approves
    with pytest.raises(MeetingError, match="还有1项议题未作决定"):
        services.meeting_approve(meeting=meeting, by=chair)
    services.decision_record(
        item=topic, by=leader, action=A.TRACK, measure="落实", owner_name="党政办", due_on=timezone.localdate()
    )
    services.meeting_approve(meeting=meeting, by=chair)
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.APPROVED
    for change in (
        lambda: services.item_add_topic(meeting=meeting, by=leader, title="再加一项"),
        lambda: services.agenda_refresh(meeting=meeting, by=leader),
        lambda: services.meeting_update(meeting=meeting, by=leader, place="会议室"),
    ):
        with pytest.raises(MeetingError, match="纪要已审定"):
            change()
    assert meeting.items.count() == 1
