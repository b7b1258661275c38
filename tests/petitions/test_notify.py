"""Who is told what on each workflow event (petitions/notify.py): the table, the outbox claimed once,
and a hook that can never break a committed action."""

from __future__ import annotations

import logging

import pytest

from notifications.models import Notification
from petitions import notify, workflow
from petitions.models import EventNotification, Petition, Satisfaction, Status
from tests.conftest import make_township, make_user
from tests.petitions.conftest import make_category

pytestmark = pytest.mark.django_db


def told(kind: str | None = None) -> dict[str, set[str]]:
    """kind → usernames with such a message in their inbox."""
    rows = Notification.objects.select_related("recipient")
    if kind:
        rows = rows.filter(kind=kind)
    result: dict[str, set[str]] = {}
    for row in rows:
        result.setdefault(row.kind, set()).add(row.recipient.username)
    return result


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run an action and its on-commit hook (tasks run eagerly, as without REDIS_URL)."""

    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


@pytest.fixture
def second_leader(db):
    return make_user("leader2", "leader", full_name="周明")


def test_routing_tells_the_lead_and_assisting_departments_staff(
    make_petition, committed, leader, handler_minzheng, handler_zigui, dept_zigui, dept_minzheng
):
    petition = make_petition(Status.AWAITING_INSTRUCTION)
    committed(
        workflow.petition_route,
        petition=petition,
        by=leader,
        instruction="请民政办牵头，自规所协助核实。",
        lead_department=dept_minzheng,
        assisting_departments=[dept_zigui],
    )
    assert told() == {"petition.routed": {"handler", "handler2"}}
    message = Notification.objects.filter(recipient=handler_minzheng).get()
    assert message.title == f"新交办诉求：{petition.tracking_number} {petition.summary}"
    assert "牵头单位：民政办；协办单位：自规所" in message.body
    assert "请民政办牵头" in message.body
    assert message.url == f"/petitions/{petition.pk}/"


def test_a_returned_case_tells_the_leader_who_routed_it(make_petition, committed, handler_minzheng, leader):
    petition = make_petition(Status.ASSIGNED)
    committed(workflow.petition_return, petition=petition, by=handler_minzheng, reason="不属本单位职责")
    assert told() == {"petition.returned": {"leader"}}
    assert "退回单位：民政办" in Notification.objects.get().body


def test_an_extension_request_tells_every_leader_of_the_township(
    make_petition, committed, handler_minzheng, leader, second_leader
):
    make_user("leader_hx", "leader", townships=[make_township("和兴镇", "HX", "MQHX")])  # another township's
    petition = make_petition(Status.IN_PROGRESS)
    committed(
        workflow.petition_request_extension, petition=petition, by=handler_minzheng, reason="需要上级核实", days=5
    )
    assert told() == {"petition.extension_requested": {"leader", "leader2"}}


@pytest.mark.parametrize(
    ("approve", "kind"), [(True, "petition.extension_approved"), (False, "petition.extension_denied")]
)
def test_an_extension_decision_tells_the_department(make_petition, committed, handler_minzheng, leader, approve, kind):
    petition = make_petition(Status.IN_PROGRESS)
    workflow.petition_request_extension(petition=petition, by=handler_minzheng, reason="需要上级核实", days=5)
    committed(workflow.petition_decide_extension, petition=petition, by=leader, approve=approve, note="同意")
    assert told() == {kind: {"handler"}}
    assert petition.reply_by.isoformat() in Notification.objects.get().body


def test_a_reply_tells_the_routing_leader_and_the_villages_liaisons(
    make_petition, committed, handler_minzheng, liaison_a, liaison_b
):
    petition = make_petition(Status.IN_PROGRESS)
    committed(
        workflow.petition_reply,
        petition=petition,
        by=handler_minzheng,
        facts="已核实",
        decision="support",
        delivery="in_person",
    )
    assert told() == {"petition.replied": {"leader", "liaison"}}  # not liaison2: another village


def test_supervision_tells_the_department_by_inbox_and_sms(make_petition, committed, handler_minzheng, leader, caplog):
    from visits.models import CadreProfile

    CadreProfile.objects.create(user=handler_minzheng, phone="13900001111")
    petition = make_petition(Status.IN_PROGRESS)
    with caplog.at_level(logging.INFO, logger="minqing.sms"):
        committed(workflow.petition_supervise, petition=petition, by=leader, note="请三日内办结")
    assert told() == {"petition.supervised": {"handler"}}
    assert "督办意见：请三日内办结" in Notification.objects.get().body
    sms = [r.getMessage() for r in caplog.records if r.name == "minqing.sms"]
    assert sms == [
        f"SMS to 13900001111: 【民情信息中心】督办通知：{petition.tracking_number} {petition.summary}，请登录系统查看。"
    ]


def test_an_unsatisfied_revisit_tells_the_department_the_case_is_reopened(
    make_petition, committed, reception, handler_minzheng
):
    petition = make_petition(Status.REPLIED)
    committed(
        workflow.petition_revisit,
        petition=petition,
        by=reception,
        solved=False,
        satisfaction=Satisfaction.UNSATISFIED,
        note="低保金额不对",
    )
    assert told() == {"petition.reopened": {"handler"}}
    assert "回访意见：低保金额不对" in Notification.objects.get().body


def test_a_satisfied_revisit_and_other_quiet_actions_tell_nobody(make_petition, committed, reception):
    petition = make_petition(Status.REGISTERED)
    committed(workflow.petition_submit, petition=petition, by=reception)
    replied = make_petition(Status.REPLIED)
    committed(
        workflow.petition_revisit, petition=replied, by=reception, solved=True, satisfaction=Satisfaction.SATISFIED
    )
    assert told() == {}
    assert not EventNotification.objects.exists()


def test_nobody_is_told_of_their_own_action(make_petition, committed, leader, dept_minzheng, handler_minzheng):
    dept_minzheng.staff.add(leader)  # a leader who also works in the department
    petition = make_petition(Status.IN_PROGRESS)
    committed(workflow.petition_supervise, petition=petition, by=leader, note="请加快")
    assert told() == {"petition.supervised": {"handler"}}


def test_an_accusation_is_named_only_by_its_number(
    make_petition, committed, accusation_category, handler_minzheng, leader, mailoutbox
):
    handler_minzheng.email = "zhangwei@example.cn"
    handler_minzheng.save()
    petition = make_petition(
        Status.AWAITING_INSTRUCTION, category=accusation_category, summary="举报村干部侵占补贴", petitioner_name="王五"
    )
    committed(
        workflow.petition_route,
        petition=petition,
        by=leader,
        instruction="请核查王五反映的问题",
        lead_department=handler_minzheng.departments.get(),
    )
    message = Notification.objects.get()
    assert message.title == f"新交办诉求：{petition.tracking_number}（检举控告）"
    assert message.body == notify.CONFIDENTIAL_NOTE
    (mail,) = mailoutbox
    for text in (mail.subject, mail.body):
        assert "王五" not in text and "侵占" not in text


def test_a_notification_task_delivered_twice_tells_everyone_once(make_petition, committed, handler_minzheng):
    petition = make_petition(Status.ASSIGNED)
    event = committed(workflow.petition_return, petition=petition, by=handler_minzheng, reason="不属本单位职责")
    assert notify.event_notify(event.pk) is False  # the eager task already sent it
    assert Notification.objects.count() == 1
    notice = EventNotification.objects.get(event=event)
    assert notice.sent_at is not None and notice.recipients == 1


def test_a_notification_that_could_not_be_queued_is_sent_by_the_sweep_once(
    make_petition, committed, handler_minzheng, monkeypatch
):
    from kombu.exceptions import OperationalError

    from petitions.tasks import notify_event

    def broker_down(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notify_event, "delay", broker_down)
    petition = make_petition(Status.ASSIGNED)
    event = committed(workflow.petition_return, petition=petition, by=handler_minzheng, reason="不属本单位职责")
    assert Petition.objects.get(pk=petition.pk).status == Status.AWAITING_INSTRUCTION  # saved all the same
    assert EventNotification.objects.get(event=event).sent_at is None
    assert told() == {}

    assert notify.pending_events_notify() == 1
    assert notify.pending_events_notify() == 0
    assert told() == {"petition.returned": {"leader"}}


def test_a_failing_notification_never_breaks_the_committed_action(
    make_petition, committed, handler_minzheng, monkeypatch, caplog
):
    def boom(event):
        raise RuntimeError("template bug")

    monkeypatch.setattr(notify, "event_message", boom)
    petition = make_petition(Status.ASSIGNED)
    with caplog.at_level(logging.ERROR, logger="petitions.notify"):
        committed(workflow.petition_sign, petition=petition, by=handler_minzheng)
        committed(workflow.petition_supervise, petition=petition, by=make_user("l3", "leader"), note="请加快")
    assert Petition.objects.get(pk=petition.pk).supervised is True
    assert "notification of petition event" in caplog.text
    assert EventNotification.objects.get().sent_at is None  # left for the sweep once the bug is fixed
    monkeypatch.undo()
    assert notify.pending_events_notify() == 1


def test_every_rule_names_real_audiences_and_actions():
    from petitions.choices import Action

    for action, rule in notify.RULES.items():
        assert action in Action.values
        assert rule.audiences and set(rule.audiences) <= set(notify.AUDIENCES)
        assert rule.kind.startswith("petition.") and len(rule.kind) <= 40


def test_a_case_without_a_village_is_told_to_no_liaison(make_petition, committed, handler_minzheng, liaison_a):
    category = make_category("道路", department=handler_minzheng.departments.get())
    petition = make_petition(Status.IN_PROGRESS, village=None, category=category)
    committed(
        workflow.petition_reply,
        petition=petition,
        by=handler_minzheng,
        facts="已核实",
        decision="support",
        delivery="in_person",
    )
    assert told() == {"petition.replied": {"leader"}}


# --- Messages that are done ----------------------------------------------------------------------------


def test_a_case_replied_again_asks_once_for_its_revisit(
    make_petition, committed, reception, handler_minzheng, liaison_a
):
    petition = make_petition(Status.IN_PROGRESS)
    reply = {"by": handler_minzheng, "facts": "已核实", "decision": "support", "delivery": "in_person"}
    committed(workflow.petition_reply, petition=petition, **reply)
    committed(
        workflow.petition_revisit, petition=petition, by=reception, solved=False, satisfaction=Satisfaction.UNSATISFIED
    )
    asked = Notification.objects.filter(kind="petition.replied")
    assert asked.count() == 2 and not asked.filter(read_at__isnull=True).exists()  # the revisit was done
    committed(workflow.petition_reply, petition=petition, **reply)
    assert sorted(asked.values_list("recipient__username", flat=True)) == ["leader", "liaison"]  # once each
    assert asked.filter(read_at__isnull=True).count() == 2  # and unread: a new revisit is asked for


def test_messages_about_a_case_are_done_once_it_is_closed(
    make_petition, committed, reception, leader, handler_minzheng, liaison_a
):
    petition = make_petition(Status.IN_PROGRESS)
    committed(workflow.petition_supervise, petition=petition, by=leader, note="请加快")
    reply = {"by": handler_minzheng, "facts": "已核实", "decision": "support", "delivery": "in_person"}
    committed(workflow.petition_reply, petition=petition, **reply)
    about_it = Notification.objects.filter(url=f"/petitions/{petition.pk}/")
    other = make_petition(Status.IN_PROGRESS)
    committed(workflow.petition_supervise, petition=other, by=leader, note="请加快")
    assert about_it.filter(read_at__isnull=True).count() == 3  # 督办 to the handler, 请安排回访 to two
    committed(
        workflow.petition_revisit, petition=petition, by=reception, solved=True, satisfaction=Satisfaction.SATISFIED
    )
    assert petition.status == Status.CLOSED
    assert not about_it.filter(read_at__isnull=True).exists()
    assert Notification.objects.get(url=f"/petitions/{other.pk}/").read_at is None  # another case: untouched


def test_a_side_exit_settles_the_case_too(make_petition, committed, leader, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    committed(workflow.petition_supervise, petition=petition, by=leader, note="请加快")
    committed(workflow.petition_withdraw, petition=petition, by=leader, reason="诉求人撤回")
    assert Notification.objects.get().read_at is not None


def test_settling_never_breaks_the_committed_action(make_petition, committed, handler_minzheng, monkeypatch, caplog):
    def broken(event):
        raise RuntimeError("inbox down")

    monkeypatch.setattr(notify, "settle_messages", broken)
    petition = make_petition(Status.IN_PROGRESS)
    with caplog.at_level(logging.ERROR, logger="petitions.notify"):
        committed(
            workflow.petition_reply,
            petition=petition,
            by=handler_minzheng,
            facts="已核实",
            decision="support",
            delivery="in_person",
        )
    assert Petition.objects.get(pk=petition.pk).status == Status.REPLIED
    assert told() == {"petition.replied": {"leader"}}  # the reply's own message still went out
    assert "could not be marked" in caplog.text
