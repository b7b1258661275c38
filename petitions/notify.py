"""Who is told what when a case moves (issue 7, notifications), and the one way a message goes out.

``RULES`` is the whole policy: for each workflow action that tells anyone, the notification kind, the
title, the audiences and whether an SMS goes too. Everything else here is plumbing:

- ``event_committed(event)`` is called by ``workflow._after`` (on commit). It writes the event's
  ``EventNotification`` row (the outbox) and queues ``petitions.tasks.notify_event`` without ever
  raising and without waiting on a dead broker (``petitions.tasks.enqueue``).
- ``event_notify(event_id)`` (the task) claims the row by compare-and-set on ``sent_at IS NULL`` and
  sends only when it won, so a task delivered twice (late acks) tells everyone once.
- ``pending_events_notify()`` (a periodic task) sends rows whose task never ran, e.g. because Redis was
  down when the case was saved.
- ``settle_messages(event)``, also on commit: messages whose request the event fulfils are marked read for
  everyone (a revisit settles 请安排回访; a finished case settles everything about it). With
  ``notification_send`` keeping one message per recipient, kind and case, an inbox never asks twice.

The actor is never told about their own action. For an accusation (检举控告) no message carries the
summary or notes, only the tracking number: messages are also emailed, and the handling department
does not see who the petitioner is (petitions/identity.py). No message names the petitioner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from minqing.access import leaders_of
from petitions.choices import FINISHED_STATUSES, Action, Status
from petitions.models import EventNotification, Petition, PetitionEvent, Reminder

logger = logging.getLogger(__name__)

# --- Audiences: who, for one case ------------------------------------------------------------------


def _active(users: Iterable) -> list:
    return [user for user in users if user is not None and user.is_active]


def department_staff(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The lead (handling) department's staff."""
    return _active(petition.lead_department.staff.all()) if petition.lead_department_id else []


def assisting_staff(petition: Petition, event: PetitionEvent | None = None) -> list:
    return _active(user for department in petition.assisting_departments.all() for user in department.staff.all())


def routing_leader(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The leader who routed (交办) the case."""
    return _active([petition.routed_by])


def registered_by(petition: Petition, event: PetitionEvent | None = None) -> list:
    """Whoever registered the case (the front desk, or the liaison who found it on a visit)."""
    return _active([petition.created_by])


def leaders(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The leaders of the case's township (a leader of another township is never told)."""
    return list(leaders_of(petition.township_id))


def owner(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The leader who owns the case (包案领导), besides the department."""
    return _active([petition.owner]) if petition.owner_id else []


def owner_team(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The owned case's working team (工作专班)."""
    return _active(petition.owner_team.all()) if petition.owner_id else []


def previous_owner(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The leader who handed the case on (移交包案)."""
    previous = (event.data.get("previous_owner") or {}).get("id") if event is not None else None
    return _active(get_user_model().objects.filter(pk=previous)) if previous else []


def publisher(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The leader who approved the case's public notice (公示)."""
    try:
        return _active([petition.publication.published_by])
    except Petition.publication.RelatedObjectDoesNotExist:
        return []


def village_liaisons(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The liaisons (村联络员) of the case's village, who do its revisit."""
    return _active(petition.village.liaisons.all()) if petition.village_id else []


def village_back(petition: Petition, event: PetitionEvent | None = None) -> list:
    """The village's liaisons when the event sent the case back to the village (待村处理)."""
    return village_liaisons(petition) if event is not None and event.to_status == Status.VILLAGE_TRIAGE else []


AUDIENCES: dict[str, Callable[[Petition, PetitionEvent | None], list]] = {
    "department": department_staff,
    "assisting": assisting_staff,
    "routing_leader": routing_leader,
    "leaders": leaders,
    "registered_by": registered_by,
    "liaisons": village_liaisons,
    "village_back": village_back,
    "publisher": publisher,
    "owner": owner,
    "owner_team": owner_team,
    "previous_owner": previous_owner,
}


# --- The table ---------------------------------------------------------------------------------------


def _date(value) -> str:
    return value.isoformat() if value else "未定"


@dataclass(frozen=True)
class Rule:
    kind: str  # Notification.kind
    title: str  # "{case}" is the tracking number and summary (only the number for an accusation)
    audiences: tuple[str, ...]  # keys of AUDIENCES
    body: Callable[[Petition, PetitionEvent], str] = field(default=lambda p, e: "")
    # Only events for which this holds are announced (e.g. a revisit that reopened the case).
    when: Callable[[PetitionEvent], bool] | None = None
    sms: bool = False


def _note(label: str) -> Callable[[Petition, PetitionEvent], str]:
    return lambda p, e: f"{label}：{e.note}" if e.note else ""


def _departments_line(p: Petition, e: PetitionEvent) -> str:
    lead = (e.data.get("lead_department") or {}).get("name", "")
    assisting = "、".join(d["name"] for d in e.data.get("assisting_departments") or [])
    line = f"牵头单位：{lead}" + (f"；协办单位：{assisting}" if assisting else "")
    return f"{line}\n签收期限：{_date(p.sign_by)}；答复期限：{_date(p.reply_by)}\n领导批示：{e.note}"


def _owner_line(p: Petition, e: PetitionEvent) -> str:
    team = "、".join(m["name"] for m in e.data.get("team") or [])
    line = f"包案领导：{(e.data.get('owner') or {}).get('name', '')}；目标日期：{_date(p.owner_due)}"
    return line + (f"；工作专班：{team}" if team else "") + f"\n包案方案：{e.data.get('plan', '')}"


#: action → who is told what. Actions not listed tell nobody.
RULES: dict[str, Rule] = {
    # Village triage (待村处理): the village committee's staff and the village's liaisons analyse it first.
    Action.REFER_TO_VILLAGE: Rule(
        "petition.to_village",
        "待村处理：{case}",
        ("department", "liaisons"),
        body=lambda p, e: (
            "请村两委分析研究：能在村化解的在村化解，不能化解的上报乡镇。" + (f"\n说明：{e.note}" if e.note else "")
        ),
    ),
    Action.SEND_UP: Rule(
        "petition.sent_up",
        "村两委上报，待批示：{case}",
        ("leaders",),
        body=lambda p, e: f"村两委分析意见：{e.note}",
    ),
    # A meeting's decision that does not move the case: the lead department learns the measure and its date.
    Action.MEETING_DECISION: Rule(
        "petition.meeting_decision",
        "会议研究决定：{case}",
        ("department",),
        body=lambda p, e: (
            f"{(e.data.get('decided_in') or {}).get('title', '会议')}研究：{e.note}\n"
            f"责任：{e.data.get('owner', '')}；完成期限：{e.data.get('due_on', '')}"
        ),
    ),
    Action.ROUTE: Rule(
        "petition.routed",
        "新交办诉求：{case}",
        ("department", "assisting"),
        body=_departments_line,
    ),
    Action.HAND_UP: Rule(
        "petition.handed_up",
        "乡镇移交诉求：{case}",
        ("department", "assisting"),
        body=_departments_line,
    ),
    Action.RETURN_CASE: Rule(
        "petition.returned",
        "诉求被退回，请重新批示：{case}",
        ("routing_leader",),
        body=lambda p, e: f"退回单位：{(e.data.get('department') or {}).get('name', '')}\n退回理由：{e.note}",
    ),
    Action.REQUEST_EXTENSION: Rule(
        "petition.extension_requested",
        "延期申请待审批：{case}",
        ("leaders",),
        body=lambda p, e: f"申请延长{e.data.get('days')}个工作日（当前答复期限：{_date(p.reply_by)}）\n理由：{e.note}",
    ),
    Action.APPROVE_EXTENSION: Rule(
        "petition.extension_approved",
        "延期申请已批准：{case}",
        ("department",),
        body=lambda p, e: f"答复期限延至：{_date(p.reply_by)}" + (f"\n审批意见：{e.note}" if e.note else ""),
    ),
    Action.DENY_EXTENSION: Rule(
        "petition.extension_denied",
        "延期申请被驳回：{case}",
        ("department",),
        body=lambda p, e: f"答复期限不变：{_date(p.reply_by)}" + (f"\n审批意见：{e.note}" if e.note else ""),
    ),
    Action.REPLY: Rule(
        "petition.replied",
        "诉求已答复，请安排回访：{case}",
        ("routing_leader", "liaisons"),
        body=lambda p, e: (
            f"答复时间：{timezone.localtime(p.replied_at):%Y-%m-%d %H:%M}。请按期回访并记录满意度。"
            if p.replied_at
            else ""
        ),
    ),
    Action.SUPERVISE: Rule(
        "petition.supervised",
        "督办通知：{case}",
        ("department", "owner"),
        body=lambda p, e: f"督办意见：{e.note}\n答复期限：{_date(p.reply_by)}",
        sms=True,
    ),
    Action.REVISIT: Rule(
        "petition.reopened",
        "回访不满意，诉求重办：{case}",
        ("department", "village_back"),
        body=lambda p, e: f"新的答复期限：{_date(p.reply_by)}" + (f"\n回访意见：{e.note}" if e.note else ""),
        when=lambda e: bool(e.data.get("reopened")),
    ),
    # A published case reopened by an unsatisfied revisit left the board (workflow._take_off_board_when_reopened).
    Action.UNPUBLISH: Rule(
        "petition.notice_withdrawn",
        "公示已撤下，诉求重办：{case}",
        ("publisher",),
        body=lambda p, e: "群众回访不满意，诉求重新办理，原公示已撤下。重新答复后，请审核新的公示内容。",
        when=lambda e: bool(e.data.get("reopened")),
    ),
    # 领导包案: the owner and the working team learn the plan and the target date; on a handover, both leaders.
    Action.ASSIGN_OWNER: Rule(
        "petition.owned",
        "领导包案：{case}",
        ("owner", "owner_team", "department"),
        body=lambda p, e: _owner_line(p, e),
    ),
    Action.TRANSFER_OWNER: Rule(
        "petition.owner_transferred",
        "包案移交：{case}",
        ("owner", "previous_owner", "owner_team", "department"),
        body=lambda p, e: f"由{(e.data.get('previous_owner') or {}).get('name', '')}移交。\n" + _owner_line(p, e),
    ),
    # 期限重算 (holiday arrangement entered or changed): told only when a deadline they work to moved earlier.
    Action.RECOMPUTE_DEADLINES: Rule(
        "petition.deadline_earlier",
        "期限提前：{case}",
        ("department", "routing_leader", "owner"),
        body=lambda p, e: f"{e.note}\n请按新的期限办理。",
        when=lambda e: bool(e.data.get("earlier")),
    ),
}


def settled_kinds(event: PetitionEvent) -> tuple[str, ...] | None:
    """The kinds of message about the case that ``event`` settles for everyone, or None for every kind; () for
    none. A revisit answers 请安排回访 and 回访到期; a case that is finished (办结, 不予受理, 合并, 撤回) settles
    every message about it: nothing is left to do."""
    from petitions.reminders import reminder_kind

    if event.to_status in FINISHED_STATUSES and event.from_status != event.to_status:
        return None
    if event.action == Action.REVISIT:
        return (RULES[Action.REPLY].kind, reminder_kind(Reminder.Level.REVISIT_DUE))
    return ()


def settle_messages(event: PetitionEvent) -> int:
    """Mark read the messages ``event`` settles (``settled_kinds``) in the inbox of everyone a message about the
    case may have gone to (every audience, and whoever registered it); returns how many."""
    from notifications.services import notifications_settle

    kinds = settled_kinds(event)
    if kinds == ():
        return 0
    petition = event.petition
    people = [user for audience in AUDIENCES.values() for user in audience(petition, event)]
    return notifications_settle(recipients=people, url=case_url(petition), kinds=kinds)


def rule_for(event: PetitionEvent) -> Rule | None:
    rule = RULES.get(event.action)
    if rule is None or (rule.when is not None and not rule.when(event)):
        return None
    return rule


# --- Messages -----------------------------------------------------------------------------------------

CONFIDENTIAL_NOTE = "检举控告类诉求，详情请登录系统查看。"


def case_line(petition: Petition) -> str:
    """How a message names a case: number and summary, or only the number for an accusation."""
    if petition.category.is_accusation:
        return f"{petition.tracking_number}（检举控告）"
    summary = petition.summary if len(petition.summary) <= 60 else petition.summary[:59] + "…"
    return f"{petition.tracking_number} {summary}"


def case_url(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


@dataclass
class Message:
    recipients: list
    kind: str
    title: str
    body: str = ""
    url: str = ""
    sms: bool = False


def message(petition: Petition, *, kind: str, title: str, body: str, audiences: Iterable, actor=None, sms=False):
    """A message about ``petition`` to the union of ``audiences`` (user lists), once each, without ``actor``."""
    users: dict[int, object] = {}
    for audience in audiences:
        for user in audience:
            users.setdefault(user.pk, user)
    if actor is not None:
        users.pop(actor.pk, None)
    if petition.category.is_accusation:
        body = CONFIDENTIAL_NOTE
    return Message(
        recipients=list(users.values()),
        kind=kind,
        title=title.format(case=case_line(petition))[:200],
        body=body,
        url=case_url(petition),
        sms=sms,
    )


def sms_phones(users: Iterable) -> list[str]:
    """The phones of ``users`` from their cadre profiles (visits.CadreProfile), one query."""
    CadreProfile = apps.get_model("visits", "CadreProfile")
    ids = [user.pk for user in users]
    if not ids:
        return []
    return list(CadreProfile.objects.filter(user_id__in=ids).exclude(phone="").values_list("phone", flat=True))


def deliver(msg: Message) -> int:
    """Inbox row and email copy for each recipient (notifications app), plus an SMS where asked.

    SMS goes only through ``notifications.sms.get_sms_sender()``; a failing SMS is logged, never raised.
    """
    from notifications.services import notification_send
    from notifications.sms import get_sms_sender

    sent = notification_send(recipients=msg.recipients, kind=msg.kind, title=msg.title, body=msg.body, url=msg.url)
    if msg.sms and msg.recipients:
        sender = get_sms_sender()
        for phone in sms_phones(msg.recipients):
            try:
                sender.send(phone, f"【民情信息中心】{msg.title}，请登录系统查看。")
            except Exception:  # noqa: BLE001 — an SMS gateway error must not undo the inbox rows
                logger.exception("SMS for %s could not be sent", msg.kind)
    return sent


def claim_and_deliver(model: type[models.Model], pk: int, msg: Message) -> bool:
    """Send ``msg`` for the row ``pk`` of ``model`` (Reminder or EventNotification) only if this call claims
    it: UPDATE … SET sent_at WHERE pk = … AND sent_at IS NULL must change exactly one row.

    Claim and inbox rows commit together: if sending fails, the claim rolls back and the next scan
    tries again; if another worker claimed the row first, nothing is sent here.
    """
    with transaction.atomic():
        claimed = model.objects.filter(pk=pk, sent_at__isnull=True).update(
            sent_at=timezone.now(), recipients=len(msg.recipients)
        )
        if claimed != 1:
            return False
        deliver(msg)
    if not msg.recipients:
        logger.debug("%s %s: nobody to tell", model.__name__, pk)
    return True


# --- Workflow events -------------------------------------------------------------------------------------


def event_message(event: PetitionEvent) -> Message | None:
    rule = rule_for(event)
    if rule is None:
        return None
    petition = event.petition
    audiences = [AUDIENCES[name](petition, event) for name in rule.audiences]
    return message(
        petition,
        kind=rule.kind,
        title=rule.title,
        body=rule.body(petition, event),
        audiences=audiences,
        actor=event.actor,
        sms=rule.sms,
    )


def event_committed(event: PetitionEvent) -> None:
    """The workflow's on-commit hook: record the event in the outbox and queue its notification.

    Never raises: the case is already saved, and nothing here may break or slow the request. A row
    whose task could not be queued is sent by ``pending_events_notify``.
    """
    try:
        settle_messages(event)
    except Exception:  # noqa: BLE001 — as below: stale messages stay unread, nothing else is held up
        logger.exception("messages settled by petition event %s could not be marked", event.pk)
    try:
        if rule_for(event) is None:
            return
        EventNotification.objects.get_or_create(event_id=event.pk)
        from petitions.tasks import enqueue, notify_event

        enqueue(notify_event, event.pk)
    except Exception:  # noqa: BLE001 — the action is committed; a notification problem is only logged
        logger.exception("notification of petition event %s failed", event.pk)


def _with_message_data(queryset):
    return queryset.select_related(
        "event__actor",
        "event__petition__category",
        "event__petition__lead_department",
        "event__petition__routed_by",
        "event__petition__owner",
        "event__petition__village",
        "event__petition__publication__published_by",
    ).prefetch_related(
        "event__petition__lead_department__staff",
        "event__petition__assisting_departments__staff",
        "event__petition__village__liaisons",
    )


def _send_notification(notice: EventNotification) -> bool:
    msg = event_message(notice.event)
    if msg is None:  # the table changed since the row was written: nothing to say, close the row
        EventNotification.objects.filter(pk=notice.pk, sent_at__isnull=True).update(sent_at=timezone.now())
        return False
    return claim_and_deliver(EventNotification, notice.pk, msg)


def event_notify(event_id: int) -> bool:
    """Send the notification of one event (the task's body). True if this call sent it."""
    notice = _with_message_data(EventNotification.objects.filter(event_id=event_id, sent_at__isnull=True)).first()
    if notice is None:  # already sent (a task delivered twice), or the event tells nobody
        return False
    return _send_notification(notice)


def pending_events_notify(limit: int = 1000) -> int:
    """Send every notification still unsent (its task never ran: the broker was down). Returns how many."""
    sent = 0
    pending = _with_message_data(EventNotification.objects.filter(sent_at__isnull=True).order_by("created_at", "pk"))
    for notice in pending[:limit]:
        try:
            sent += _send_notification(notice)
        except Exception:  # noqa: BLE001 — one bad row must not hold up the others; it stays unsent
            logger.exception("notification %s could not be sent", notice.pk)
    return sent
