"""The state machine: every (state, action) pair, persona × action, the stale-copy race, side effects on commit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from minqing.access import scope_for
from petitions import workflow
from petitions.models import (
    Action,
    Attachment,
    ExtensionRequest,
    Petition,
    PetitionEvent,
    Publication,
    Reply,
    Representative,
    Satisfaction,
    Status,
    SupervisionNotice,
)
from petitions.workflow import TRANSITIONS, TransitionError, available_actions
from tests.conftest import make_county_unit, make_user

# 期限重算 is the system's, after a change of the holiday calendar, and writes an event only when a date moves:
# its (state, action) pairs and its actors are tested in tests/petitions/test_holidays.py.
# 会议研究 is the meetings app's, never a button: tested in tests/petitions/test_village_triage.py and tests/meetings/.
ACTIONS = [a for a, t in TRANSITIONS.items() if t.sources and t.button and a != Action.RECOMPUTE_DEADLINES]


@pytest.fixture
def people(reception, leader, handler_minzheng, handler_zigui, liaison_a, liaison_b, admin_user):
    return {
        "reception": reception,
        "leader": leader,
        "handler_minzheng": handler_minzheng,
        "handler_zigui": handler_zigui,
        "liaison_a": liaison_a,
        "liaison_b": liaison_b,
        "admin_user": admin_user,
    }


def call(action: str, petition: Petition, by, *, ctx: dict):
    """Take ``action`` with plausible input (the persona is the caller's choice)."""
    w = workflow
    if action == Action.ANSWER_AT_DESK:
        return w.petition_answer_at_desk(
            petition=petition, by=by, facts="政策已当面解释。", decision=Reply.Decision.EXPLAINED
        )
    if action == Action.SUBMIT:
        return w.petition_submit(petition=petition, by=by)
    if action == Action.REFER_TO_VILLAGE:
        return w.petition_refer_to_village(petition=petition, by=by)
    if action == Action.SETTLE_IN_VILLAGE:
        return w.petition_settle_in_village(
            petition=petition,
            by=by,
            analysis="邻里间误会，村两委可以调解。",
            measures="村主任上门调解，双方达成一致。",
            settled_by="村主任王明",
            settled_on=timezone.localdate(),
        )
    if action == Action.SEND_UP:
        return w.petition_send_up(petition=petition, by=by, analysis="涉及低保政策，村里无权决定，报乡里研究。")
    if action == Action.ROUTE:
        return w.petition_route(
            petition=petition, by=by, instruction="请核实办理。", lead_department=ctx["dept_minzheng"]
        )
    if action == Action.HAND_UP:
        return w.petition_hand_up(
            petition=petition, by=by, instruction="请县直单位核处。", lead_department=ctx["county_unit"]
        )
    if action == Action.SIGN:
        return w.petition_sign(petition=petition, by=by)
    if action == Action.RETURN_CASE:
        return w.petition_return(petition=petition, by=by, reason="不属本单位职责。")
    if action in (Action.PROGRESS, Action.ASSIST_NOTE):
        return w.petition_add_progress(petition=petition, by=by, note="已入户了解情况。")
    if action == Action.REQUEST_EXTENSION:
        return w.petition_request_extension(petition=petition, by=by, reason="需等待县级部门核查。", days=5)
    if action == Action.APPROVE_EXTENSION:
        return w.petition_decide_extension(petition=petition, by=by, approve=True, note="同意。")
    if action == Action.DENY_EXTENSION:
        return w.petition_decide_extension(petition=petition, by=by, approve=False, note="请按期办结。")
    if action == Action.REPLY:
        return w.petition_reply(
            petition=petition,
            by=by,
            facts="经核实属实。",
            decision=Reply.Decision.SUPPORT,
            delivery=Reply.Delivery.PHONE,
        )
    if action == Action.REVISIT:
        return w.petition_revisit(
            petition=petition, by=by, solved=True, satisfaction=Satisfaction.SATISFIED, method="电话"
        )
    if action == Action.CLOSE_WITH_REASON:
        return w.petition_close_with_reason(petition=petition, by=by, reason="三次联系不上诉求人。")
    if action == Action.SUPERVISE:
        return w.petition_supervise(petition=petition, by=by, note="请三日内办结。")
    if action == Action.NOT_ACCEPT:
        return w.petition_not_accept(petition=petition, by=by, reason="已进入诉讼程序。", directed_to="人民法院")
    if action == Action.MERGE:
        return w.petition_merge(petition=petition, by=by, into=ctx["other"])
    if action == Action.WITHDRAW:
        return w.petition_withdraw(petition=petition, by=by, reason="诉求人撤回。")
    if action == Action.PUBLISH:
        return w.petition_publish(
            petition=petition, by=by, public_summary="反映家庭生活困难，经核实已按政策办理。", result="已办理。"
        )
    if action == Action.UNPUBLISH:
        return w.petition_unpublish(petition=petition, by=by, reason="摘要需修改。")
    if action == Action.ASSIGN_OWNER:
        return w.petition_assign_owner(petition=petition, by=by, owner=by, plan="包案化解。", due=in_a_month())
    if action == Action.TRANSFER_OWNER:
        return w.petition_transfer_owner(
            petition=petition,
            by=by,
            owner=ctx["second_leader"],
            reason="工作调整。",
            plan="继续化解。",
            due=in_a_month(),
        )
    raise AssertionError(action)


def in_a_month():
    return timezone.localdate() + dt.timedelta(days=30)


#: The persona that may take each action whenever the state allows it.
ACTOR = {
    Action.ANSWER_AT_DESK: "reception",
    Action.SUBMIT: "reception",
    Action.REFER_TO_VILLAGE: "reception",
    Action.SETTLE_IN_VILLAGE: "liaison_a",
    Action.SEND_UP: "liaison_a",
    Action.ROUTE: "leader",
    Action.HAND_UP: "leader",
    Action.SIGN: "handler_minzheng",
    Action.RETURN_CASE: "handler_minzheng",
    Action.PROGRESS: "handler_minzheng",
    Action.ASSIST_NOTE: "handler_zigui",
    Action.REQUEST_EXTENSION: "handler_minzheng",
    Action.APPROVE_EXTENSION: "leader",
    Action.DENY_EXTENSION: "leader",
    Action.REPLY: "handler_minzheng",
    Action.REVISIT: "reception",
    Action.CLOSE_WITH_REASON: "leader",
    Action.SUPERVISE: "leader",
    Action.NOT_ACCEPT: "leader",
    Action.MERGE: "leader",
    Action.WITHDRAW: "leader",
    Action.PUBLISH: "leader",
    Action.UNPUBLISH: "leader",
    Action.ASSIGN_OWNER: "leader",
    Action.TRANSFER_OWNER: "leader",
}


def snapshot(petition: Petition) -> dict:
    fresh = Petition.objects.get(pk=petition.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "events": PetitionEvent.objects.count(),
        "replies": Reply.objects.count(),
        "extensions": list(ExtensionRequest.objects.values_list("pk", "status")),
        "notices": SupervisionNotice.objects.count(),
        "assisting": sorted(fresh.assisting_departments.values_list("pk", flat=True)),
    }


def on_the_board(petition: Petition) -> Publication:
    return Publication.objects.create(
        petition=petition,
        public_summary="公示摘要",
        result="办理结果",
        subject=petition.category.subject,
        received_on=petition.received_at.date(),
        is_published=True,
    )


@pytest.fixture
def ctx(make_petition, people, dept_minzheng, dept_zigui):
    return {
        "dept_minzheng": dept_minzheng,
        "dept_zigui": dept_zigui,
        "county_unit": make_county_unit(),
        "other": make_petition(),
        "second_leader": make_user("leader2", "leader", full_name="周明"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", Status.values)
def test_every_state_action_pair(state, action, make_petition, people, ctx, dept_zigui):
    petition = make_petition(state, assisting_departments=[dept_zigui])
    t = TRANSITIONS[action]
    by = people[ACTOR[action]]
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and state == Status.IN_PROGRESS:
        workflow.petition_request_extension(
            petition=petition, by=people["handler_minzheng"], reason="需县里核查。", days=3
        )
    if action == Action.UNPUBLISH and state in t.sources:
        on_the_board(petition)  # in_progress too: a published case reopened by an unsatisfied revisit
    if action == Action.TRANSFER_OWNER and state in t.sources:
        workflow.petition_assign_owner(petition=petition, by=by, owner=by, plan="包案化解。", due=in_a_month())
    petition = Petition.objects.get(pk=petition.pk)
    before = snapshot(petition)

    if state in t.sources:
        event = call(action, petition, by, ctx=ctx)
        expected = t.target or state
        petition.refresh_from_db()
        assert petition.status == expected
        assert PetitionEvent.objects.count() == before["events"] + 1
        assert event == petition.events.latest("pk")
        assert (event.action, event.from_status, event.to_status) == (action, state, expected)
        assert event.actor == by
        assert event.actor_name == by.get_full_name()
        assert petition.version == before["version"] + 1
    else:
        with pytest.raises(TransitionError):
            call(action, petition, by, ctx=ctx)
        assert snapshot(petition) == before


@pytest.mark.django_db
def test_the_table_has_a_rule_and_a_label_for_every_action_of_the_issue():
    labels = {t.label for t in TRANSITIONS.values()}
    assert {
        "登记", "提交批示", "交办", "签收", "退回", "申请延期", "批准延期", "驳回延期",
        "答复", "督办", "不予受理", "合并", "撤回", "办结", "当场答复", "回访", "记录进展", "协办意见",
    } <= labels  # fmt: skip
    assert all(Action(a).label == t.label for a, t in TRANSITIONS.items())


# --- Persona × action --------------------------------------------------------------------------

PERSONA_CASES = [
    # (action, state, persona, allowed)
    (Action.SUBMIT, Status.REGISTERED, "liaison_a", True),
    (Action.SUBMIT, Status.REGISTERED, "liaison_b", False),  # another village
    (Action.SUBMIT, Status.REGISTERED, "handler_minzheng", False),
    (Action.ANSWER_AT_DESK, Status.REGISTERED, "leader", False),
    (Action.ROUTE, Status.AWAITING_INSTRUCTION, "reception", False),
    (Action.ROUTE, Status.AWAITING_INSTRUCTION, "handler_minzheng", False),
    (Action.ROUTE, Status.AWAITING_INSTRUCTION, "admin_user", False),  # a superuser acts in no role
    (Action.SIGN, Status.ASSIGNED, "handler_zigui", False),  # assisting, not lead
    (Action.SIGN, Status.ASSIGNED, "leader", False),
    (Action.RETURN_CASE, Status.ASSIGNED, "handler_zigui", False),
    (Action.ASSIST_NOTE, Status.IN_PROGRESS, "handler_zigui", True),
    (Action.REQUEST_EXTENSION, Status.IN_PROGRESS, "handler_zigui", False),
    (Action.REPLY, Status.IN_PROGRESS, "handler_zigui", False),  # the lead department replies
    (Action.REPLY, Status.IN_PROGRESS, "leader", False),
    (Action.REVISIT, Status.REPLIED, "liaison_a", True),
    (Action.REVISIT, Status.REPLIED, "liaison_b", False),  # outside the village
    (Action.REVISIT, Status.REPLIED, "handler_minzheng", False),
    (Action.CLOSE_WITH_REASON, Status.REPLIED, "reception", False),
    (Action.SUPERVISE, Status.IN_PROGRESS, "reception", False),
    (Action.NOT_ACCEPT, Status.AWAITING_INSTRUCTION, "reception", False),
    (Action.MERGE, Status.REGISTERED, "reception", True),
    (Action.MERGE, Status.REGISTERED, "liaison_a", False),
    (Action.WITHDRAW, Status.IN_PROGRESS, "handler_minzheng", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state", "persona", "allowed"), PERSONA_CASES)
def test_persona_action(action, state, persona, allowed, make_petition, people, ctx, dept_zigui):
    petition = make_petition(state, assisting_departments=[dept_zigui])
    before = snapshot(petition)
    if allowed:
        call(action, petition, people[persona], ctx=ctx)
        assert snapshot(petition)["events"] == before["events"] + 1
    else:
        with pytest.raises(PermissionDenied):
            call(action, petition, people[persona], ctx=ctx)
        assert snapshot(petition) == before


@pytest.mark.django_db
def test_handler_of_another_department_cannot_add_a_note(make_petition, handler_zigui):
    petition = make_petition(Status.IN_PROGRESS)  # no assisting department
    with pytest.raises(PermissionDenied):
        workflow.petition_add_progress(petition=petition, by=handler_zigui, note="我来看看")


@pytest.mark.django_db
def test_village_committee_handler_acts_on_a_case_routed_to_the_village(make_petition, dept_village):
    village_handler = make_user("cunwei", "handler", departments=[dept_village])
    petition = make_petition(Status.ASSIGNED, lead_department=dept_village)
    workflow.petition_sign(petition=petition, by=village_handler)
    assert petition.status == Status.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("state", Status.values)
@pytest.mark.parametrize(
    "persona", ["reception", "leader", "handler_minzheng", "handler_zigui", "liaison_a", "liaison_b", "admin_user"]
)
def test_buttons_are_exactly_the_actions_the_functions_accept(state, persona, make_petition, people, ctx, dept_zigui):
    """available_actions and the action functions read one table: a button shows iff its action succeeds."""
    petition = make_petition(state, assisting_departments=[dept_zigui])
    if state == Status.IN_PROGRESS:
        workflow.petition_request_extension(petition=petition, by=people["handler_minzheng"], reason="核查", days=3)
    by = people[persona]
    shown = {t.action for t in available_actions(Petition.objects.get(pk=petition.pk), scope_for(by))}
    accepted = set()
    for action in ACTIONS:
        fresh = Petition.objects.get(pk=petition.pk)
        try:
            with transaction.atomic():
                accepted.add(call(action, fresh, by, ctx=ctx).action)
                raise _Rollback
        except (_Rollback, PermissionDenied, TransitionError):
            pass
    assert shown == accepted


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_handler_sees_progress_extension_and_reply_on_their_case(make_petition, handler_minzheng, leader):
    petition = make_petition(Status.IN_PROGRESS)
    assert [t.label for t in available_actions(petition, scope_for(handler_minzheng))] == [
        "记录进展",
        "申请延期",
        "答复",
    ]
    assert [t.label for t in available_actions(petition, scope_for(leader))] == ["督办", "撤回", "包案"]


# --- The stale copy -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_stale_copy_loses_and_writes_nothing(make_petition, handler_minzheng):
    petition = make_petition(Status.ASSIGNED)
    first, second = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
    workflow.petition_sign(petition=first, by=handler_minzheng)
    with pytest.raises(TransitionError, match="已被他人处理"):
        workflow.petition_sign(petition=second, by=handler_minzheng)
    assert petition.events.filter(action=Action.SIGN).count() == 1


@pytest.mark.django_db
def test_stale_copy_loses_even_when_the_status_is_the_same_again(make_petition, leader, handler_minzheng, dept_zigui):
    """Routed, returned, and back in awaiting_instruction: a copy loaded before all that must not route."""
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    stale = Petition.objects.get(pk=petition.pk)
    workflow.petition_route(
        petition=petition, by=leader, instruction="民政办办理", lead_department=petition.category.default_department
    )
    workflow.petition_return(petition=petition, by=handler_minzheng, reason="应由自规所办理")
    assert Petition.objects.get(pk=petition.pk).status == stale.status == Status.AWAITING_INSTRUCTION
    with pytest.raises(TransitionError):
        workflow.petition_route(petition=stale, by=leader, instruction="再次交办", lead_department=dept_zigui)
    assert petition.events.filter(action=Action.ROUTE).count() == 1
    assert Petition.objects.get(pk=petition.pk).lead_department is None


@pytest.mark.django_db
def test_two_supervision_notices_from_one_stale_page_write_one(make_petition, leader):
    petition = make_petition(Status.IN_PROGRESS)
    a, b = Petition.objects.get(pk=petition.pk), Petition.objects.get(pk=petition.pk)
    workflow.petition_supervise(petition=a, by=leader, note="请加快")
    with pytest.raises(TransitionError):
        workflow.petition_supervise(petition=b, by=leader, note="请加快")
    assert SupervisionNotice.objects.count() == 1


# --- Side effects on commit ---------------------------------------------------------------------


@pytest.fixture
def after_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(workflow, "_after", calls.append)
    return calls


@pytest.mark.django_db
def test_side_effect_hook_runs_only_after_commit(
    make_petition, reception, after_calls, django_capture_on_commit_callbacks
):
    petition = make_petition()
    after_calls.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        event = workflow.petition_submit(petition=petition, by=reception)
        assert after_calls == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert after_calls == [event]


@pytest.mark.django_db
def test_a_failed_action_enqueues_nothing(make_petition, reception, after_calls, django_capture_on_commit_callbacks):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    stale = Petition.objects.get(pk=petition.pk)
    workflow.petition_withdraw(petition=petition, by=make_user("leader2", "leader"), reason="撤回")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TransitionError):
            workflow.petition_not_accept(petition=stale, by=make_user("leader3", "leader"), reason="不受理")
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_rolled_back_action_never_runs_the_hook(village_a, dept_minzheng, after_calls):
    from tests.petitions.conftest import make_category

    reception = make_user("reception", "reception")
    category = make_category(department=dept_minzheng)
    petition = workflow.petition_register(
        by=reception, channel="phone", petitioner_name="李四", category=category, summary="路灯坏了",
        content="村口路灯坏了一个月。", village=village_a,
    )  # fmt: skip
    assert [e.action for e in after_calls] == [Action.REGISTER]  # committed: the hook ran
    with pytest.raises(_Rollback), transaction.atomic():
        workflow.petition_submit(petition=petition, by=reception)
        raise _Rollback
    assert [e.action for e in after_calls] == [Action.REGISTER]
    assert Petition.objects.get(pk=petition.pk).status == Status.REGISTERED


# --- Individual actions -------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_gives_a_tracking_number_and_stores_normalised_contacts(reception, category, village_a):
    petition = workflow.petition_register(
        by=reception,
        channel="visit",
        petitioner_name=" 王五 ",
        petitioner_phone="139 0000 1111",
        petitioner_id_number="11010519491231002x",
        category=category,
        summary="申请低保",
        content="生活困难",
        village=village_a,
        head_count=6,
        representatives=[{"name": "王五", "phone": "13900001111"}, {"name": "赵六"}, {"name": ""}],
    )
    assert petition.tracking_number.startswith("MQ") and petition.status == Status.REGISTERED
    assert (petition.petitioner_name, petition.petitioner_phone) == ("王五", "13900001111")
    assert petition.petitioner_id_number == "11010519491231002X"
    assert petition.is_group_visit
    assert list(petition.representatives.values_list("name", flat=True)) == ["王五", "赵六"]
    assert petition.notice_by is not None
    event = petition.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("register", "", "registered", reception)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": "  "}, "content"),
        ({"petitioner_phone": "12345"}, "petitioner_phone"),
        ({"petitioner_id_number": "110105194912310021"}, "petitioner_id_number"),
        ({"representatives": [{"name": f"代表{n}"} for n in range(6)]}, "representatives"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_register_rejects_bad_input_and_saves_nothing(fields, field, reception, category, village_a):
    data = {
        "by": reception, "channel": "visit", "petitioner_name": "王五", "category": category,
        "summary": "申请低保", "content": "生活困难", "village": village_a,
    }  # fmt: skip
    data.update(fields)
    with pytest.raises(ValidationError) as excinfo:
        workflow.petition_register(**data)
    assert field in excinfo.value.message_dict
    assert not Petition.objects.exists() and not Representative.objects.exists()


@pytest.mark.django_db
def test_liaison_registers_only_in_their_villages(liaison_a, category, village_a, village_b):
    fields = {
        "channel": "door_visit",
        "petitioner_name": "刘大",
        "category": category,
        "summary": "饮水",
        "content": "水管破裂",
    }
    assert workflow.petition_register(by=liaison_a, village=village_a, **fields).village == village_a
    with pytest.raises(PermissionDenied):
        workflow.petition_register(by=liaison_a, village=village_b, **fields)
    with pytest.raises(PermissionDenied):
        workflow.petition_register(by=liaison_a, village=None, **fields)


@pytest.mark.django_db
def test_handler_cannot_register(handler_minzheng, category, village_a):
    with pytest.raises(PermissionDenied):
        workflow.petition_register(
            by=handler_minzheng, channel="visit", petitioner_name="甲", category=category, summary="s", content="c",
            village=village_a,
        )  # fmt: skip


@pytest.mark.django_db
def test_register_takes_the_village_of_the_household_and_attachments(reception, category, village_a):
    from households.models import Household

    household = Household.objects.create(village=village_a, household_no="001", head_name="王五")
    upload = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    petition = workflow.petition_register(
        by=reception, channel="letter", petitioner_name="王五", category=category, summary="s", content="c",
        household=household, attachments=[upload],
    )  # fmt: skip
    assert petition.village == village_a
    attachment = petition.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("证明.pdf", "application/pdf", 13)
    assert attachment.kind == Attachment.Kind.MATERIAL and attachment.uploaded_by == reception
    attachment.file.delete(save=False)


@pytest.mark.django_db
def test_register_links_a_repeat(make_petition):
    first = make_petition()
    repeat = make_petition(repeat_of=first)
    assert repeat.is_repeat and repeat.repeat_of == first
    assert repeat.events.get().data["repeat_of"] == first.tracking_number


@pytest.mark.django_db
def test_answer_at_desk_records_the_reply(make_petition, reception):
    petition = make_petition()
    workflow.petition_answer_at_desk(petition=petition, by=reception, facts="当场解释政策", decision="explained")
    assert petition.status == Status.REPLIED and petition.replied_at and petition.review_by
    reply = petition.replies.get()
    assert (reply.decision, reply.delivery, reply.replied_by) == ("explained", "in_person", reception)


@pytest.mark.django_db
def test_route_sets_departments_and_both_clocks(make_petition, leader, dept_minzheng, dept_zigui):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    event = workflow.petition_route(
        petition=petition,
        by=leader,
        instruction="请民政办牵头，自规所协助。",
        lead_department=dept_minzheng,
        assisting_departments=[dept_zigui, dept_minzheng],
    )
    petition.refresh_from_db()
    assert petition.lead_department == dept_minzheng
    assert list(petition.assisting_departments.all()) == [dept_zigui]
    assert petition.instruction == "请民政办牵头，自规所协助。" and petition.routed_by == leader
    assert petition.sign_by and petition.reply_by and petition.finish_by
    assert petition.sign_by <= petition.reply_by
    assert petition.reply_working_days == 5
    assert event.data["lead_department"] == {"id": dept_minzheng.pk, "name": "民政办"}
    assert event.data["reply_by"] == petition.reply_by.isoformat()


@pytest.mark.django_db
def test_route_with_an_edited_deadline(make_petition, leader, dept_minzheng):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    workflow.petition_route(
        petition=petition, by=leader, instruction="急办", lead_department=dept_minzheng, reply_by=dt.date(2026, 12, 1)
    )
    assert petition.reply_by == dt.date(2026, 12, 1) and petition.reply_working_days is None


@pytest.mark.django_db
def test_route_needs_an_instruction_and_a_department(make_petition, leader, dept_minzheng):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    with pytest.raises(ValidationError):
        workflow.petition_route(petition=petition, by=leader, instruction=" ", lead_department=dept_minzheng)
    with pytest.raises(ValidationError):
        workflow.petition_route(petition=petition, by=leader, instruction="办", lead_department=None)
    assert Petition.objects.get(pk=petition.pk).status == Status.AWAITING_INSTRUCTION


@pytest.mark.django_db
def test_return_sends_the_case_back_without_its_routing(make_petition, handler_minzheng, dept_zigui):
    petition = make_petition(Status.ASSIGNED, assisting_departments=[dept_zigui])
    event = workflow.petition_return(petition=petition, by=handler_minzheng, reason="应由自规所办理")
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_INSTRUCTION
    assert petition.lead_department is None and petition.reply_by is None
    assert not petition.assisting_departments.exists()
    assert event.note == "应由自规所办理" and event.data["department"]["name"] == "民政办"


@pytest.mark.django_db
def test_return_needs_a_reason(make_petition, handler_minzheng):
    with pytest.raises(ValidationError):
        workflow.petition_return(petition=make_petition(Status.ASSIGNED), by=handler_minzheng, reason="")


@pytest.mark.django_db
def test_assisting_department_note_is_recorded_as_such(make_petition, handler_zigui, dept_zigui):
    petition = make_petition(Status.IN_PROGRESS, assisting_departments=[dept_zigui])
    event = workflow.petition_add_progress(petition=petition, by=handler_zigui, note="宅基地界址已核实。")
    assert event.action == Action.ASSIST_NOTE and event.data["department"]["name"] == "自规所"


@pytest.mark.django_db
def test_progress_note_can_carry_a_mediation_agreement(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    upload = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    event = workflow.petition_add_progress(
        petition=petition, by=handler_minzheng, note="双方达成调解协议", attachments=[upload],
        kind=Attachment.Kind.MEDIATION_AGREEMENT,
    )  # fmt: skip
    attachment = petition.attachments.get()
    assert attachment.kind == Attachment.Kind.MEDIATION_AGREEMENT
    assert event.data["attachments"] == [attachment.pk]
    attachment.file.delete(save=False)


@pytest.mark.django_db
def test_approved_extension_moves_both_deadlines_once(make_petition, handler_minzheng, leader):
    petition = make_petition(Status.IN_PROGRESS)
    reply_by, finish_by = petition.reply_by, petition.finish_by
    workflow.petition_request_extension(
        petition=petition, by=handler_minzheng, reason="需县里核查", days=3, statutory_days=30
    )
    event = workflow.petition_decide_extension(petition=petition, by=leader, approve=True, note="同意")
    petition.refresh_from_db()
    assert petition.reply_by > reply_by
    assert (petition.finish_by - finish_by).days >= 30 and petition.finish_extended
    request = petition.extension_requests.get()
    assert (request.status, request.decided_by) == (ExtensionRequest.Status.APPROVED, leader)
    assert event.data["reply_by_before"] == reply_by.isoformat()
    # The statutory clock is extended only once.
    with pytest.raises(ValidationError, match="只能延长一次"):
        workflow.petition_request_extension(
            petition=petition, by=handler_minzheng, reason="再延", days=2, statutory_days=10
        )
    with pytest.raises(ValidationError):
        workflow.petition_request_extension(
            petition=petition, by=handler_minzheng, reason="x", days=1, statutory_days=31
        )


@pytest.mark.django_db
def test_statutory_extension_over_thirty_days_is_refused(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="不得超过30日"):
        workflow.petition_request_extension(
            petition=petition, by=handler_minzheng, reason="x", days=1, statutory_days=31
        )
    assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_denied_extension_keeps_the_deadline(make_petition, handler_minzheng, leader):
    petition = make_petition(Status.IN_PROGRESS)
    reply_by = petition.reply_by
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="x", days=3)
    workflow.petition_decide_extension(petition=petition, by=leader, approve=False, note="请按期办结")
    petition.refresh_from_db()
    assert petition.reply_by == reply_by
    assert petition.extension_requests.get().status == ExtensionRequest.Status.DENIED


@pytest.mark.django_db
def test_second_request_while_one_is_pending_is_refused(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="x", days=3)
    with pytest.raises(TransitionError, match="待审批"):
        workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="y", days=3)


@pytest.mark.django_db
def test_reply_lapses_a_pending_extension(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="x", days=3)
    workflow.petition_reply(petition=petition, by=handler_minzheng, facts="f", decision="support", delivery="sms")
    assert petition.extension_requests.get().status == ExtensionRequest.Status.LAPSED
    reply = petition.replies.get()
    assert reply.department == petition.lead_department and reply.delivery == "sms"
    assert petition.review_by and petition.replied_at


@pytest.mark.django_db
def test_reply_rejects_an_unknown_decision(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        workflow.petition_reply(petition=petition, by=handler_minzheng, facts="f", decision="maybe", delivery="sms")
    assert Petition.objects.get(pk=petition.pk).status == Status.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
def test_satisfied_revisit_closes(make_petition, liaison_a, satisfaction):
    petition = make_petition(Status.REPLIED)
    event = workflow.petition_revisit(
        petition=petition, by=liaison_a, solved=True, satisfaction=satisfaction, method="上门"
    )
    assert petition.status == Status.CLOSED and petition.closed_at and not petition.closed_without_satisfaction
    assert event.data == {"solved": True, "satisfaction": satisfaction, "method": "上门", "reopened": False}


@pytest.mark.django_db
def test_unsatisfied_revisit_reopens_with_a_new_deadline(make_petition, reception, handler_minzheng):
    petition = make_petition(Status.REPLIED)
    event = workflow.petition_revisit(petition=petition, by=reception, solved=False, satisfaction="unsatisfied")
    petition.refresh_from_db()
    assert (petition.status, petition.reopen_count) == (Status.IN_PROGRESS, 1)
    assert event.to_status == Status.IN_PROGRESS and event.data["reopened"] is True
    assert petition.reply_by >= dt.date.today() - dt.timedelta(days=1)
    # 重办: the lead department replies again.
    workflow.petition_reply(
        petition=petition, by=handler_minzheng, facts="再次核实", decision="support", delivery="phone"
    )
    assert petition.replies.count() == 2


@pytest.mark.django_db
def test_revisit_needs_a_known_satisfaction(make_petition, reception):
    with pytest.raises(ValidationError):
        workflow.petition_revisit(petition=make_petition(Status.REPLIED), by=reception, solved=True, satisfaction="ok")


@pytest.mark.django_db
def test_close_with_reason_is_flagged(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    with pytest.raises(ValidationError):
        workflow.petition_close_with_reason(petition=petition, by=leader, reason="")
    workflow.petition_close_with_reason(petition=petition, by=leader, reason="三次电话均无人接听")
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED and petition.closed_without_satisfaction
    assert petition.closure_reason == "三次电话均无人接听"
    assert Petition.objects.closed_without_satisfaction().get() == petition


@pytest.mark.django_db
def test_supervise_marks_the_case_and_keeps_a_notice(make_petition, leader):
    petition = make_petition(Status.REPLIED)
    event = workflow.petition_supervise(petition=petition, by=leader, note="请尽快回访")
    assert petition.supervised and event.from_status == event.to_status == Status.REPLIED
    assert petition.supervision_notices.get().created_by == leader


@pytest.mark.django_db
def test_not_accept_keeps_reason_and_direction(make_petition):
    petition = make_petition(Status.NOT_ACCEPTED)
    assert (petition.closure_reason, petition.directed_to) == ("属司法程序", "人民法院")


@pytest.mark.django_db
def test_merge_rejects_itself_and_merged_cases(make_petition, leader):
    petition, merged = make_petition(), make_petition(Status.MERGED)
    with pytest.raises(ValidationError):
        workflow.petition_merge(petition=petition, by=leader, into=petition)
    with pytest.raises(ValidationError):
        workflow.petition_merge(petition=petition, by=leader, into=merged)
    workflow.petition_merge(petition=petition, by=leader, into=merged.merged_into)
    assert petition.merged_into == merged.merged_into
    assert set(merged.merged_into.merged_cases.all()) == {petition, merged}


@pytest.mark.django_db
def test_whole_life_of_a_case_reads_as_its_history(make_petition):
    petition = make_petition(Status.CLOSED)
    steps = [(e.action, e.from_status, e.to_status) for e in petition.events.order_by("pk")]
    assert steps == [
        ("register", "", "registered"),
        ("submit", "registered", "awaiting_instruction"),
        ("route", "awaiting_instruction", "assigned"),
        ("sign", "assigned", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("revisit", "replied", "closed"),
    ]


# --- The days a change touches (the leaders' kept counts, dashboards/summaries.py) ---------------------


def _versions() -> dict:
    from petitions.models import DayVersion

    return {v.day: v.version for v in DayVersion.objects.all()}


@pytest.mark.django_db
def test_each_change_bumps_every_day_the_case_counts_on_before_and_after(
    reception, leader, handler_minzheng, category, village_a, dept_minzheng
):
    from functools import partial
    from unittest import mock

    from django.utils import timezone

    def bumped(day: dt.date, step) -> set[dt.date]:
        """The days whose version one step moved (each by one), the step run at 10:00 on ``day``."""
        before = _versions()
        with mock.patch(
            "django.utils.timezone.now", return_value=timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        ):
            step()
        after = _versions()
        assert all(after[d] - before.get(d, 0) in (0, 1) for d in after)
        return {d for d in after if after[d] != before.get(d, 0)}

    sep28, sep29, nov3, dec1 = dt.date(2026, 9, 28), dt.date(2026, 9, 29), dt.date(2026, 11, 3), dt.date(2026, 12, 1)
    made = {}

    def register():
        made["p"] = workflow.petition_register(
            by=reception, channel="letter", petitioner_name="张三", category=category, summary="低保", content="申请。",
            village=village_a,
        )  # fmt: skip

    assert bumped(sep28, register) == {sep28}  # received
    p = made["p"]
    assert bumped(sep29, partial(workflow.petition_submit, petition=p, by=reception)) == {sep28, sep29}
    route = partial(
        workflow.petition_route, petition=p, by=leader, instruction="请办理。", lead_department=dept_minzheng
    )
    assert bumped(sep29, route) == {sep28, sep29, p.reply_by}  # … routed, and the reply deadline
    first_deadline = p.reply_by
    sign = partial(workflow.petition_sign, petition=p, by=handler_minzheng)
    assert bumped(nov3, sign) == {sep28, sep29, first_deadline, nov3}
    reply = partial(
        workflow.petition_reply, petition=p, by=handler_minzheng, facts="核实。", decision=Reply.Decision.SUPPORT,
        delivery=Reply.Delivery.PHONE,
    )  # fmt: skip
    assert bumped(nov3, reply) == {sep28, sep29, first_deadline, nov3}
    revisit = partial(workflow.petition_revisit, petition=p, by=reception)
    # 不满意: the case is re-handled with a new deadline; the old deadline's day loses a case too.
    unsatisfied = partial(revisit, solved=False, satisfaction=Satisfaction.UNSATISFIED)
    assert bumped(nov3, unsatisfied) == {sep28, sep29, first_deadline, p.reply_by, nov3}
    # A second reply and revisit in December: November's revisit is no longer the case's last.
    assert bumped(dec1, reply) == {sep28, sep29, p.reply_by, nov3, dec1}
    satisfied = partial(revisit, solved=True, satisfaction=Satisfaction.SATISFIED)
    assert bumped(dec1, satisfied) == {sep28, sep29, p.reply_by, nov3, dec1}


@pytest.mark.django_db
def test_a_refused_change_bumps_no_day(make_petition, handler_minzheng):
    p = make_petition(Status.IN_PROGRESS)
    stale = Petition.objects.get(pk=p.pk)
    workflow.petition_add_progress(petition=p, by=handler_minzheng, note="已入户。")
    before = _versions()
    with pytest.raises(TransitionError):
        workflow.petition_add_progress(petition=stale, by=handler_minzheng, note="重复提交。")
    assert _versions() == before
