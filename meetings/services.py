"""Writes of the meetings app: planning (by hand and by the rhythm), the agenda, decisions, holding and approving,
reminders. Views parse input and call one of these.

Rules every function keeps:

- **Who.** ``minqing.access.Scope.may_keep_meeting`` (a body's keepers) for everything but approving the minutes,
  which is the chair's (``may_approve_minutes``). ``by=None`` is the system (beat's planning).
- **Fixed minutes.** Every change first claims the meeting row with a conditional UPDATE (not approved), in the same
  transaction: an approved meeting changes no more, and two changes of one meeting queue on PostgreSQL.
- **A decision acts through the workflow** (``petitions.workflow``) in the same transaction, with ``decided_in``
  naming the meeting, so the case's history shows 经<会议名称>研究 with a link. The item keeps the case's version
  from when it was put on the agenda: if the case changed since, the decision fails with a clear message and
  writes nothing (and the workflow's own compare-and-set catches a change in between).
- **Bad input** raises ``ValidationError`` keyed by form field, before anything is written; a state that does not
  allow the change raises ``MeetingError`` (the message is for the user).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import agenda as agendas
from meetings.models import AgendaItem, Decision, DecisionAction, Level, Meeting, MeetingKind, MeetingReminder, Rhythm
from meetings.rhythm import Body, bodies, body_of, meeting_title, occurrences
from minqing.access import scope_for
from minqing.roles import Role
from petitions import workflow
from petitions.choices import OPEN_STATUSES
from petitions.models import Department, Petition, Reply
from petitions.numbers import normalize_tracking_number

logger = logging.getLogger(__name__)

Source = AgendaItem.Source
CASE_ACTIONS = [a for a in DecisionAction.values if a != DecisionAction.TRACK]


class MeetingError(Exception):
    """The meeting (or item) is not in a state that allows the change. The message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


FIXED_MESSAGE = "会议纪要已审定，不能再修改。"


def _keeper(by, meeting) -> None:
    if by is not None and not scope_for(by).may_keep_meeting(meeting):
        raise PermissionDenied("您不能安排或修改这个会议。")


def _claim(meeting: Meeting) -> None:
    """Inside a transaction: the meeting is still open to changes (minutes not approved); locks its row."""
    if (
        Meeting.objects.filter(pk=meeting.pk).exclude(status=Meeting.Status.APPROVED).update(updated_at=timezone.now())
        != 1
    ):
        raise MeetingError(FIXED_MESSAGE)


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


# --- Planning ------------------------------------------------------------------------------------------------


def body_people(body) -> list:
    """Who a body's meetings concern by default (the keepers, ``Scope.may_keep_meeting``, by name): a village's
    liaisons and its committee's staff, an office's staff, a township's leaders, the county's users."""
    User = get_user_model()
    users = User.objects.filter(is_active=True)
    if body.level == Level.VILLAGE:
        users = users.filter(liaison_villages=body.village_id) | users.filter(departments=body.department_id or 0)
    elif body.level == Level.OFFICE:
        users = users.filter(departments=body.department_id)
    elif body.level == Level.TOWNSHIP:
        users = users.filter(groups__name=Role.LEADER, townships=body.township_id)
    else:
        users = users.filter(groups__name=Role.COUNTY)
    return list(users.distinct().order_by("pk"))


def _rhythm_defaults(kind: MeetingKind, body: Body) -> dict:
    """Chair, secretary, attendees, place and time of a meeting the rhythm plans: the last meeting's of the same
    kind and body, else the body's people (a village's first liaison or an office's first staff member records)."""
    last = (
        Meeting.objects.filter(kind=kind, body_key=body.key)
        .prefetch_related("attendees")
        .order_by("-date", "-pk")
        .first()
    )
    if last is not None:
        return {
            "chair": last.chair,
            "secretary": last.secretary,
            "attendees": list(last.attendees.all()),
            "other_attendees": last.other_attendees,
            "place": last.place,
            "start_time": last.start_time,
        }
    people = body_people(body)
    secretary = people[0] if body.level in (Level.VILLAGE, Level.OFFICE) and people else None
    return {"secretary": secretary, "attendees": people}


def meeting_plan(
    *,
    by,
    kind: MeetingKind,
    date: dt.date | None,
    township=None,
    village=None,
    department=None,
    start_time: dt.time | None = None,
    place: str = "",
    chair=None,
    secretary=None,
    attendees=(),
    other_attendees: str = "",
    rhythm_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Meeting:
    """安排会议: a meeting of ``kind`` for its body (a village, an office, a township; the county needs none), with
    its agenda built from what waits at that level (``meetings.agenda``) and the follow-up of the last meeting of
    the same kind and body. ``by`` must keep the body's meetings; ``None`` is the rhythm (``meetings_plan_due``)."""
    today = today or timezone.localdate()
    errors = {}
    if kind is None or not kind.is_active:
        raise ValidationError({"kind": "请选择会议类型。"})
    level = kind.level
    if level == Level.VILLAGE and village is None:
        errors["village"] = f"{kind.name}请选择村。"
    if level == Level.OFFICE and (
        department is None or department.kind not in (Department.Kind.OFFICE, Department.Kind.COUNTY)
    ):
        errors["department"] = f"{kind.name}请选择站所（单位）。"
    if level == Level.TOWNSHIP and township is None:
        errors["township"] = f"{kind.name}请选择乡镇。"
    if date is None:
        errors["date"] = "请填写会议日期。"
    if errors:
        raise ValidationError(errors)
    body = body_of(level, township=township, village=village, department=department)
    _keeper(by, body)
    if rhythm_date is None and occurrences(kind, date, date):
        # Planned by hand on the body's rhythm day: it is that day's meeting, which the rhythm then leaves alone —
        # unless the day already has one (a second meeting of the day is an extra one).
        taken = Meeting.objects.filter(kind=kind, body_key=body.key, rhythm_date=date).exists()
        rhythm_date = None if taken else date
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            level=level,
            township=body.township,
            village=body.village,
            department=body.department,
            body_key=body.key,
            title=meeting_title(kind, body, date),
            date=date,
            start_time=start_time or kind.default_time,
            place=(place or kind.default_place).strip(),
            chair=chair,
            secretary=secretary,
            other_attendees=other_attendees.strip(),
            rhythm_date=rhythm_date,
            created_by=by,
        )
        meeting.previous = agendas.previous_meeting(meeting)
        meeting.save(update_fields=["previous"])
        meeting.attendees.set([user for user in attendees if user is not None])
        agenda_build(meeting, today=today)
    return meeting


def meetings_plan_due(today: dt.date | None = None) -> list[Meeting]:
    """Plan the coming meetings of every body whose kind has a rhythm: each rhythm day from today to the kind's
    ``plan_days_ahead`` days on, for each body of the kind's level (every village, office or township), with its
    agenda; chair, secretary and attendees as at the body's last meeting of the kind. Idempotent: a body's rhythm
    day is planned once (a unique constraint holds even against a second run at the same moment)."""
    today = today or timezone.localdate()
    planned = []
    for kind in MeetingKind.objects.filter(is_active=True).exclude(rhythm=Rhythm.NONE):
        days = occurrences(kind, today, today + dt.timedelta(days=kind.plan_days_ahead))
        if not days:
            continue
        have = set(Meeting.objects.filter(kind=kind, rhythm_date__in=days).values_list("body_key", "rhythm_date"))
        for body in bodies(kind.level):
            for day in days:
                if (body.key, day) in have:
                    continue
                try:
                    with transaction.atomic():
                        meeting = meeting_plan(
                            by=None,
                            kind=kind,
                            date=day,
                            township=body.township,
                            village=body.village,
                            department=body.department,
                            rhythm_date=day,
                            today=today,
                            **_rhythm_defaults(kind, body),
                        )
                except IntegrityError:  # planned meanwhile by another run
                    continue
                planned.append(meeting)
    return planned


# --- The agenda ----------------------------------------------------------------------------------------------


def _item(meeting: Meeting, draft: agendas.Draft, position: int, by=None) -> AgendaItem:
    return AgendaItem(
        meeting=meeting,
        position=position,
        source=draft.source,
        petition=draft.petition,
        petition_version=draft.petition.version if draft.petition is not None else None,
        title=draft.title[:200],
        detail=draft.detail,
        previous_decision=draft.previous_decision,
        created_by=by,
    )


def agenda_build(meeting: Meeting, today: dt.date | None = None) -> int:
    """The meeting's agenda as ``meetings.agenda`` reads it today (a new meeting has none); returns the items."""
    today = today or timezone.localdate()
    drafts = agendas.drafts_for(meeting, today)
    AgendaItem.objects.bulk_create([_item(meeting, draft, n) for n, draft in enumerate(drafts, start=1)])
    return len(drafts)


def agenda_refresh(*, meeting: Meeting, by, today: dt.date | None = None) -> int:
    """更新议程: add what waits now and is not on the agenda yet (a case the secretary removed stays removed);
    returns how many items were added."""
    _keeper(by, meeting)
    today = today or timezone.localdate()
    with transaction.atomic():
        _claim(meeting)
        items = meeting.items.all()
        cases = set(items.exclude(petition=None).values_list("petition_id", flat=True))
        follow_ups = set(items.exclude(previous_decision=None).values_list("previous_decision_id", flat=True))
        topics = set(items.filter(petition=None, previous_decision=None).values_list("source", "title"))
        position = max(items.values_list("position", flat=True), default=0)
        new = []
        for draft in agendas.drafts_for(meeting, today):
            if draft.petition is not None:
                known = draft.petition.pk in cases
            elif draft.previous_decision is not None:
                known = draft.previous_decision.pk in follow_ups
            else:
                known = (draft.source, draft.title[:200]) in topics
            if not known:
                position += 1
                new.append(_item(meeting, draft, position, by))
        AgendaItem.objects.bulk_create(new)
    return len(new)


def item_add_case(*, meeting: Meeting, by, number: str) -> AgendaItem:
    """增加议题 (诉求): a case of the meeting's scope that ``by`` may see, open, by its tracking number."""
    _keeper(by, meeting)
    normalized = normalize_tracking_number(number)
    petition = (
        Petition.objects.visible_to(scope_for(by)).filter(tracking_number=normalized).first() if normalized else None
    )
    if petition is None:
        raise ValidationError({"number": "找不到该编号的诉求，或您无权查看。"})
    if not agendas.cases_in_scope(meeting).filter(pk=petition.pk).exists():
        raise ValidationError({"number": f"{petition.tracking_number} 不属于本次会议的范围（{meeting.body_name}）。"})
    if petition.status not in OPEN_STATUSES:
        raise ValidationError(
            {"number": f"{petition.tracking_number} 已{petition.get_status_display()}，不再列入议程。"}
        )
    with transaction.atomic():
        _claim(meeting)
        item = AgendaItem.objects.filter(meeting=meeting, petition=petition).first()
        if item is not None and not item.removed:
            raise ValidationError({"number": f"{petition.tracking_number} 已在议程中。"})
        position = max(meeting.items.values_list("position", flat=True), default=0) + 1
        if item is not None:  # removed before: put back, as the case is now
            item.removed, item.position, item.petition_version = False, position, petition.version
            item.save(update_fields=["removed", "position", "petition_version"])
            return item
        return AgendaItem.objects.create(
            meeting=meeting,
            position=position,
            source=Source.ADDED,
            petition=petition,
            petition_version=petition.version,
            created_by=by,
        )


def item_add_topic(*, meeting: Meeting, by, title: str, detail: str = "") -> AgendaItem:
    """增加议题 (other): a free-text topic, decided as a tracked decision."""
    _keeper(by, meeting)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写议题。"})
    with transaction.atomic():
        _claim(meeting)
        position = max(meeting.items.values_list("position", flat=True), default=0) + 1
        return AgendaItem.objects.create(
            meeting=meeting,
            position=position,
            source=Source.TOPIC,
            title=title[:200],
            detail=detail.strip(),
            created_by=by,
        )


def item_remove(*, item: AgendaItem, by) -> None:
    """移出议程: an item not decided yet."""
    _keeper(by, item.meeting)
    with transaction.atomic():
        _claim(item.meeting)
        if Decision.objects.filter(item=item).exists():
            raise MeetingError("已作出决定的议题不能移出议程。")
        AgendaItem.objects.filter(pk=item.pk).update(removed=True)
    item.removed = True


def item_reload(*, item: AgendaItem, by) -> AgendaItem:
    """更新议题: take the case as it is now (after it changed since the agenda was built), to decide on it."""
    _keeper(by, item.meeting)
    if item.petition_id is None:
        return item
    with transaction.atomic():
        _claim(item.meeting)
        if Decision.objects.filter(item=item).exists():
            raise MeetingError("该议题已作出决定。")
        item.petition_version = Petition.objects.values_list("version", flat=True).get(pk=item.petition_id)
        AgendaItem.objects.filter(pk=item.pk).update(petition_version=item.petition_version)
    return item


# --- Decisions -----------------------------------------------------------------------------------------------

#: The workflow's input names → the decision form's fields, for its ValidationErrors.
_FIELD_OF = {
    "instruction": "measure",
    "note": "measure",
    "measure": "measure",
    "measures": "measure",
    "lead_department": "owner_department",
    "assisting_departments": "owner_department",
    "settled_by": "owner_name",
    "owner": "owner_name",
    "settled_on": "due_on",
    "reply_by": "due_on",
    "due_on": "due_on",
    "analysis": "analysis",
    "decision": "reply_decision",
    "delivery": "reply_decision",
}


def decision_actions(item: AgendaItem, scope) -> list[str]:
    """The decisions ``scope`` may record on ``item``: a tracked decision for an item without a case; on a case,
    the workflow actions the table lets ``scope`` take on it now (``petitions.workflow.can``)."""
    if item.petition_id is None:
        return [DecisionAction.TRACK]
    return [action for action in CASE_ACTIONS if workflow.can(scope, action, item.petition)]


def decision_record(
    *,
    item: AgendaItem,
    by,
    action: str,
    measure: str,
    due_on: dt.date | None,
    owner_department: Department | None = None,
    owner_name: str = "",
    analysis: str = "",
    reply_decision: str = Reply.Decision.SUPPORT,
    today: dt.date | None = None,
) -> Decision:
    """记录决定: the measure (方案), who is responsible (a department, a person or both), by when; on a case, the
    workflow action in the same transaction (交办 with the due date as reply deadline, 移交县直单位, 督办, 在村化解,
    上报乡镇, or 研究决定 which leaves the state), its event naming the meeting. Nothing is written unless all is."""
    meeting = item.meeting
    if not scope_for(by).may_keep_meeting(meeting):
        raise PermissionDenied("您不能为这个会议记录决定。")
    today = today or timezone.localdate()
    if item.is_follow_up:
        raise MeetingError("上次会议的决定事项在这里跟踪落实情况，不再作决定。")
    measure, owner_name, analysis = (measure or "").strip(), (owner_name or "").strip(), (analysis or "").strip()
    errors = {}
    if item.petition_id is None and action != DecisionAction.TRACK:
        errors["action"] = "没有关联诉求的议题只能“限期落实”。"
    elif item.petition_id is not None and action not in CASE_ACTIONS:
        errors["action"] = "请选择对该诉求的决定事项。"
    if not measure:
        errors["measure"] = "请填写方案（措施）。"
    if owner_department is None and not owner_name:
        errors["owner_name"] = "请填写责任单位或责任人。"
    if due_on is None:
        errors["due_on"] = "请填写完成期限。"
    elif due_on < meeting.date:
        errors["due_on"] = f"完成期限不能早于会议日期（{meeting.date:%Y-%m-%d}）。"
    if action in (DecisionAction.SETTLE_IN_VILLAGE, DecisionAction.SEND_UP) and not analysis:
        errors["analysis"] = "请填写村两委分析意见。"
    if action == DecisionAction.ROUTE and owner_department is None:
        errors["owner_department"] = "交办请选择责任单位（牵头单位）。"
    if action == DecisionAction.HAND_UP and (
        owner_department is None or owner_department.kind != Department.Kind.COUNTY
    ):
        errors["owner_department"] = "移交县直单位请选择责任单位（县直单位）。"
    if errors:
        raise ValidationError(errors)
    if meeting.date > today:
        raise MeetingError(f"会议定于{meeting.date:%Y-%m-%d}召开，开会时再记录决定。")
    with transaction.atomic():
        _claim(meeting)
        if not AgendaItem.objects.filter(pk=item.pk, removed=False).exists():
            raise MeetingError("该议题已移出议程。")
        if Decision.objects.filter(item_id=item.pk).exists():
            raise MeetingError("该议题已作出决定。")
        event = None
        if item.petition_id is not None:
            event = _act_on_case(
                item, by, action, measure, due_on, owner_department, owner_name, analysis, reply_decision
            )
        return Decision.objects.create(
            item=item,
            action=action,
            measure=measure,
            analysis=analysis,
            owner_department=owner_department,
            owner_name=owner_name,
            due_on=due_on,
            event=event,
            decided_by=by,
        )


def _act_on_case(item, by, action, measure, due_on, owner_department, owner_name, analysis, reply_decision):
    meeting = item.meeting
    petition = (
        Petition.objects.select_related("category", "lead_department", "village", "township")
        .prefetch_related("assisting_departments", "extension_requests")
        .get(pk=item.petition_id)
    )
    if not agendas.cases_in_scope(meeting).filter(pk=petition.pk).exists():
        raise MeetingError(
            f"{petition.tracking_number} 已不属于本次会议的范围（{meeting.body_name}），不能在本次会议作决定。"
        )
    if petition.version != item.petition_version:
        raise workflow.TransitionError(
            f"{petition.tracking_number} 在列入议程后已有变化（现为“{petition.get_status_display()}”），"
            "请先点“更新”核对该诉求的最新情况，再作决定。"
        )
    decided_in = workflow.DecidedIn("meeting", meeting.pk, meeting.title, meeting_url(meeting))
    owner = "、".join(part for part in (owner_department.name if owner_department else "", owner_name) if part)
    try:
        if action == DecisionAction.ROUTE:
            return workflow.petition_route(
                petition=petition,
                by=by,
                instruction=measure,
                lead_department=owner_department,
                reply_by=due_on,
                decided_in=decided_in,
            )
        if action == DecisionAction.HAND_UP:
            return workflow.petition_hand_up(
                petition=petition,
                by=by,
                instruction=measure,
                lead_department=owner_department,
                reply_by=due_on,
                decided_in=decided_in,
            )
        if action == DecisionAction.SUPERVISE:
            note = f"{measure}\n责任：{owner}；完成期限：{due_on:%Y-%m-%d}"
            return workflow.petition_supervise(petition=petition, by=by, note=note, decided_in=decided_in)
        if action == DecisionAction.SETTLE_IN_VILLAGE:
            return workflow.petition_settle_in_village(
                petition=petition,
                by=by,
                analysis=analysis,
                measures=measure,
                settled_by=owner,
                settled_on=meeting.date,
                decision=reply_decision,
                decided_in=decided_in,
            )
        if action == DecisionAction.SEND_UP:
            return workflow.petition_send_up(petition=petition, by=by, analysis=analysis, decided_in=decided_in)
        return workflow.petition_meeting_decision(
            petition=petition, by=by, measure=measure, owner=owner, due_on=due_on, decided_in=decided_in
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {_FIELD_OF.get(field, "__all__"): messages for field, messages in error.message_dict.items()}
        ) from error


def decision_complete(*, decision: Decision, by, completed_on: dt.date | None, note: str = "") -> Decision:
    """销号: the owner's tracked decision (no case) is done, on ``completed_on`` (not after today), once. Allowed
    after the minutes are approved: it is the follow-up, not the minutes."""
    _keeper(by, decision.item.meeting)
    if decision.action != DecisionAction.TRACK:
        raise MeetingError("关联诉求的决定按诉求的办理情况自动判断是否完成。")
    if completed_on is None:
        raise ValidationError({"completed_on": "请填写完成日期。"})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "完成日期不能晚于今天。"})
    if completed_on < decision.item.meeting.date:
        raise ValidationError({"completed_on": "完成日期不能早于会议日期。"})
    changed = Decision.objects.filter(pk=decision.pk, completed_on__isnull=True).update(
        completed_on=completed_on, completed_note=(note or "").strip(), completed_by=by
    )
    if changed != 1:
        raise MeetingError("该决定事项已销号。")
    decision.completed_on, decision.completed_note, decision.completed_by = completed_on, (note or "").strip(), by
    return decision


# --- The meeting itself --------------------------------------------------------------------------------------

#: The fields ``meeting_update`` may change (the kind and the body stay).
EDITABLE = ("date", "start_time", "place", "chair", "secretary", "other_attendees", "summary")


def meeting_update(*, meeting: Meeting, by, attendees=None, **fields) -> Meeting:
    """编辑会议: date, time, place, chair, secretary, attendees and the minutes' summary, until the minutes are
    approved. Moving a planned meeting keeps its rhythm day (it is not planned again)."""
    _keeper(by, meeting)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "date" in fields and fields["date"] is None:
        raise ValidationError({"date": "请填写会议日期。"})
    with transaction.atomic():
        _claim(meeting)
        for name, value in fields.items():
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
        changed = [*fields, "updated_at"]
        if "date" in fields:  # the name carries the date
            body = body_of(
                meeting.level, township=meeting.township, village=meeting.village, department=meeting.department
            )
            meeting.title = meeting_title(meeting.kind, body, meeting.date)
            changed.append("title")
        meeting.save(update_fields=changed)
        if attendees is not None:
            meeting.attendees.set(attendees)
    return meeting


def meeting_hold(*, meeting: Meeting, by, today: dt.date | None = None) -> Meeting:
    """会议已召开: planned → held, on or after its date."""
    _keeper(by, meeting)
    today = today or timezone.localdate()
    if meeting.date > today:
        raise MeetingError(f"会议定于{meeting.date:%Y-%m-%d}召开，尚未到期。")
    now = timezone.now()
    if (
        Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PLANNED).update(
            status=Meeting.Status.HELD, held_at=now, updated_at=now
        )
        != 1
    ):
        raise MeetingError("会议已确认召开。")
    meeting.status, meeting.held_at = Meeting.Status.HELD, now
    return meeting


def meeting_approve(*, meeting: Meeting, by) -> Meeting:
    """审定纪要: the chair approves the minutes of a held meeting whose every item (follow-ups aside) is decided;
    from then on the meeting is fixed."""
    if not scope_for(by).may_approve_minutes(meeting):
        raise PermissionDenied("会议纪要由主持人审定。")
    undecided = meeting.items.filter(removed=False, decision__isnull=True).exclude(source=Source.FOLLOW_UP).count()
    if undecided:
        raise MeetingError(f"还有{undecided}项议题未作决定：请作出决定，或将其移出议程。")
    now = timezone.now()
    if (
        Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.HELD).update(
            status=Meeting.Status.APPROVED, approved_by=by, approved_at=now, updated_at=now
        )
        != 1
    ):
        raise MeetingError("请先确认会议已召开；已审定的纪要不能再次审定。")
    meeting.status, meeting.approved_by, meeting.approved_at = Meeting.Status.APPROVED, by, now
    return meeting


# --- Reminders -----------------------------------------------------------------------------------------------


def reminder_recipients(meeting: Meeting) -> list:
    """The chair and the secretary; when neither is named, the body's people (``body_people``)."""
    people = [user for user in (meeting.chair, meeting.secretary) if user is not None and user.is_active]
    if people:
        return people
    return body_people(meeting)


def meeting_reminders_send(today: dt.date | None = None) -> int:
    """Remind the chair and secretary of each planned meeting of today or tomorrow, once (a ``MeetingReminder``
    row per meeting, claimed by compare-and-set on ``sent_at IS NULL``). Returns how many were sent."""
    from petitions.notify import Message, claim_and_deliver

    today = today or timezone.localdate()
    due = Meeting.objects.filter(status=Meeting.Status.PLANNED, date__gte=today, date__lte=today + dt.timedelta(days=1))
    MeetingReminder.objects.bulk_create(
        [MeetingReminder(meeting_id=pk) for pk in due.values_list("pk", flat=True)], ignore_conflicts=True
    )
    sent = 0
    pending = MeetingReminder.objects.filter(sent_at__isnull=True, meeting__in=due).select_related(
        "meeting__chair", "meeting__secretary", "meeting__kind"
    )
    for reminder in pending:
        meeting = reminder.meeting
        items = meeting.items.filter(removed=False).count()
        when = f"{meeting.date:%Y-%m-%d}" + (f" {meeting.start_time:%H:%M}" if meeting.start_time else "")
        msg = Message(
            recipients=reminder_recipients(meeting),
            kind="meeting.upcoming",
            title=f"会议提醒：{meeting.title}"[:200],
            body=f"时间：{when}；地点：{meeting.place or '待定'}；议题{items}项。请提前查看议程。",
            url=meeting_url(meeting),
        )
        try:
            sent += claim_and_deliver(MeetingReminder, reminder.pk, msg)
        except Exception:  # noqa: BLE001 — one failing reminder must not hold up the others; it stays unsent
            logger.exception("meeting reminder %s could not be sent", reminder.pk)
    return sent
