"""The case state machine (domain.md, the case pipeline; style.md B4). Nothing else changes a case's status.

The table below says, for every action, the states it may start from, the state it leads to, the
roles that may take it, which handlers (the lead or an assisting department) and the button label.
The same table drives the check inside every ``petition_<action>`` function and ``available_actions``,
which decides the buttons a page shows.

Every action function is keyword-only, takes ``petition=`` (the case as the caller loaded it) and
``by=`` (the user acting), and:

1. raises ``PermissionDenied`` when ``by`` lacks every role of the action;
2. raises ``TransitionError`` when the case's state does not allow the action;
3. raises ``PermissionDenied`` when the case is outside ``by``'s scope (a handler of another department,
   a liaison of another village);
4. in one ``transaction.atomic()``: changes the case with a compare-and-set on (pk, status, version), so
   a stale copy or a double submit loses with ``TransitionError`` and writes nothing; writes the
   action's rows and exactly one ``PetitionEvent``;
5. leaves side effects to ``transaction.on_commit`` (``_after``).

Bad input raises ``django.core.exceptions.ValidationError`` keyed by field name, before anything is written.
Action functions return the ``PetitionEvent`` they wrote (``petition_register`` returns the new case) and
update the ``petition`` object they were given in place.

Roles: reception registers, answers at the desk, submits for instruction and merges a fresh duplicate;
leaders route, decide extensions, supervise, refuse, merge, withdraw and close with a reason; handlers
of the lead department sign, return, record progress, ask for more time and reply, assisting
departments add notes; liaisons register cases found on visits and do revisits in their villages.
A case first heard in a village may wait for the village (交村处理 → 待村处理): the village committee's staff or
the village's liaisons settle it there (在村化解) or send it up to the township (上报乡镇).
Reception and leaders do revisits too (by phone). Leaders put replied and closed cases on the public
board (公示) and take them off again, with a reason (撤下公示); neither changes the state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from households.idcard import normalize_id_number, parse_id_number
from households.models import Township
from households.phones import normalize_phone
from minqing.access import Scope, scope_for, working_people_of
from minqing.roles import Role
from petitions import deadlines, identity, public
from petitions.choices import OPEN_STATUSES, Action, Channel, Satisfaction, Status
from petitions.models import (
    Attachment,
    Category,
    DayVersion,
    Department,
    ExtensionRequest,
    Petition,
    PetitionEvent,
    Publication,
    Reply,
    Representative,
    SupervisionNotice,
)
from petitions.numbers import next_tracking_number

logger = logging.getLogger(__name__)

MAX_REPRESENTATIVES = 5  # a group visit (集体访) sends at most five representatives
MAX_EXTENSION_WORKING_DAYS = 30

LEAD = "lead"
ASSISTING = "assisting"


class TransitionError(Exception):
    """The case is not (or no longer) in a state that allows the action. The message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # the button, the same everywhere
    sources: frozenset[str]  # states the action may start from
    target: str | None  # the state it leads to; None: the state does not change
    roles: frozenset[str]
    # For handlers: "lead" (the lead department's staff) or "assisting" (an assisting department's staff).
    department: str | None = None
    # Extra condition on the case for the button (e.g. a pending extension request to decide).
    guard: Callable[[Petition], bool] | None = None
    style: str = "primary"  # the button's Bootstrap colour
    # False: never a button on the case page (taken elsewhere, e.g. a meeting's decision).
    button: bool = True


def _has_pending_extension(petition: Petition) -> bool:
    # Iterates .all() so a prefetched case page costs no query.
    return any(r.status == ExtensionRequest.Status.PENDING for r in petition.extension_requests.all())


def _has_no_pending_extension(petition: Petition) -> bool:
    return not _has_pending_extension(petition)


def _publication(petition: Petition) -> Publication | None:
    # The reverse one-to-one is cached after the first read, a missing row included (select_related it).
    try:
        return petition.publication
    except Publication.DoesNotExist:
        return None


def _is_published(petition: Petition) -> bool:
    publication = _publication(petition)
    return publication is not None and publication.is_published


def _is_not_published(petition: Petition) -> bool:
    return not _is_published(petition)


def _has_village(petition: Petition) -> bool:
    return petition.village_id is not None


def _has_owner(petition: Petition) -> bool:
    return petition.owner_id is not None


def _has_no_owner(petition: Petition) -> bool:
    return petition.owner_id is None


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


def _roles(*roles: str) -> frozenset[str]:
    return frozenset(roles)


S = Status
R = Role

#: action → rule. Order is the order of the buttons.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(Action.REGISTER, "登记", _states(), S.REGISTERED, _roles(R.RECEPTION, R.LIAISON)),
        Transition(Action.ANSWER_AT_DESK, "当场答复", _states(S.REGISTERED), S.REPLIED, _roles(R.RECEPTION)),
        Transition(
            Action.SUBMIT,
            "提交批示",
            _states(S.REGISTERED),
            S.AWAITING_INSTRUCTION,
            _roles(R.RECEPTION, R.LEADER, R.LIAISON),
        ),
        # Village triage (待村处理, domain.md "the working rhythm"): a matter first heard in a village waits for the
        # village committee, whose staff (the committee is the lead department while it waits) or the village's
        # liaisons settle it there (在村化解, → replied, then revisited) or send it up (上报乡镇, → 待批示).
        Transition(
            Action.REFER_TO_VILLAGE,
            "交村处理",
            _states(S.REGISTERED),
            S.VILLAGE_TRIAGE,
            _roles(R.RECEPTION, R.LEADER, R.LIAISON),
            guard=_has_village,
            style="outline-primary",
        ),
        Transition(
            Action.SETTLE_IN_VILLAGE,
            "在村化解",
            _states(S.VILLAGE_TRIAGE),
            S.REPLIED,
            _roles(R.HANDLER, R.LIAISON),
            LEAD,
            style="success",
        ),
        Transition(
            Action.SEND_UP,
            "上报乡镇",
            _states(S.VILLAGE_TRIAGE),
            S.AWAITING_INSTRUCTION,
            _roles(R.HANDLER, R.LIAISON),
            LEAD,
            style="outline-warning",
        ),
        Transition(Action.ROUTE, "交办", _states(S.AWAITING_INSTRUCTION), S.ASSIGNED, _roles(R.LEADER)),
        # 移交县直单位: the township hands the case up to a county-level unit, which signs, handles and replies
        # like a township department; the case stays the township's (its number, board and numbers).
        Transition(
            Action.HAND_UP,
            "移交县直单位",
            _states(S.AWAITING_INSTRUCTION),
            S.ASSIGNED,
            _roles(R.LEADER),
            style="outline-primary",
        ),
        Transition(Action.SIGN, "签收", _states(S.ASSIGNED), S.IN_PROGRESS, _roles(R.HANDLER), LEAD),
        Transition(
            Action.RETURN_CASE,
            "退回",
            _states(S.ASSIGNED),
            S.AWAITING_INSTRUCTION,
            _roles(R.HANDLER),
            LEAD,
            style="outline-secondary",
        ),
        Transition(
            Action.PROGRESS,
            "记录进展",
            _states(S.IN_PROGRESS),
            None,
            _roles(R.HANDLER),
            LEAD,
            style="outline-primary",
        ),
        Transition(
            Action.ASSIST_NOTE,
            "协办意见",
            _states(S.ASSIGNED, S.IN_PROGRESS),
            None,
            _roles(R.HANDLER),
            ASSISTING,
            style="outline-primary",
        ),
        Transition(
            Action.REQUEST_EXTENSION,
            "申请延期",
            _states(S.IN_PROGRESS),
            None,
            _roles(R.HANDLER),
            LEAD,
            guard=_has_no_pending_extension,
            style="outline-warning",
        ),
        Transition(
            Action.APPROVE_EXTENSION,
            "批准延期",
            _states(S.IN_PROGRESS),
            None,
            _roles(R.LEADER),
            guard=_has_pending_extension,
            style="success",
        ),
        Transition(
            Action.DENY_EXTENSION,
            "驳回延期",
            _states(S.IN_PROGRESS),
            None,
            _roles(R.LEADER),
            guard=_has_pending_extension,
            style="outline-danger",
        ),
        Transition(Action.REPLY, "答复", _states(S.IN_PROGRESS), S.REPLIED, _roles(R.HANDLER), LEAD, style="success"),
        # → closed when satisfied or basically satisfied; back to in_progress (重办) when not, or back to the
        # village (village_triage) when the village settled it (在村化解).
        Transition(
            Action.REVISIT,
            "回访",
            _states(S.REPLIED),
            S.CLOSED,
            _roles(R.LIAISON, R.RECEPTION, R.LEADER),
            style="success",
        ),
        Transition(
            Action.CLOSE_WITH_REASON,
            "办结",
            _states(S.REPLIED),
            S.CLOSED,
            _roles(R.LEADER),
            style="outline-dark",
        ),
        # The county center (县级) may supervise any township's case; it takes no other action.
        Transition(Action.SUPERVISE, "督办", OPEN_STATUSES, None, _roles(R.LEADER, R.COUNTY), style="danger"),
        Transition(
            Action.NOT_ACCEPT,
            "不予受理",
            _states(S.REGISTERED, S.AWAITING_INSTRUCTION),
            S.NOT_ACCEPTED,
            _roles(R.LEADER),
            style="outline-danger",
        ),
        Transition(
            Action.MERGE,
            "合并",
            _states(S.REGISTERED, S.VILLAGE_TRIAGE, S.AWAITING_INSTRUCTION),
            S.MERGED,
            _roles(R.LEADER, R.RECEPTION),
            style="outline-secondary",
        ),
        Transition(
            Action.WITHDRAW,
            "撤回",
            _states(S.REGISTERED, S.VILLAGE_TRIAGE, S.AWAITING_INSTRUCTION, S.ASSIGNED, S.IN_PROGRESS),
            S.WITHDRAWN,
            _roles(R.LEADER),
            style="outline-secondary",
        ),
        # 领导包案: a leader of the case's township takes an open case or gives it to another leader of the township
        # (包案), and the owner or any leader of the township hands it to another leader (移交包案). Neither moves it.
        Transition(
            Action.ASSIGN_OWNER,
            "包案",
            OPEN_STATUSES,
            None,
            _roles(R.LEADER),
            guard=_has_no_owner,
            style="outline-primary",
        ),
        Transition(
            Action.TRANSFER_OWNER,
            "移交包案",
            OPEN_STATUSES,
            None,
            _roles(R.LEADER),
            guard=_has_owner,
            style="outline-secondary",
        ),
        # 公示 (the public board): a leader approves what the public sees; no change of state. A reopened case
        # (回访不满意 → in_progress) can still be taken off the board.
        Transition(
            Action.PUBLISH,
            "公示",
            _states(S.REPLIED, S.CLOSED),
            None,
            _roles(R.LEADER),
            guard=_is_not_published,
            style="outline-success",
        ),
        Transition(
            Action.UNPUBLISH,
            "撤下公示",
            _states(S.REPLIED, S.CLOSED, S.IN_PROGRESS),
            None,
            _roles(R.LEADER),
            guard=_is_published,
            style="outline-danger",
        ),
    ]
}

# 期限重算 (issue 15) is never a button: when the holiday calendar changes (petitions/holidays.py), every running
# case whose deadlines move is recomputed, by the admin who changed the calendar or by the system (``by=None``,
# ``manage.py holidays_import``).
TRANSITIONS[Action.RECOMPUTE_DEADLINES] = Transition(
    Action.RECOMPUTE_DEADLINES,
    "期限重算",
    frozenset(deadlines.RECOMPUTED_STATUSES),
    None,
    _roles(R.ADMIN),
    style="outline-secondary",
)

# 会议研究 (issue 17) is never a button either: a meeting (民情分析会, the meetings app) decided a measure on an open
# case without moving it, and recorded it through here so the case's history shows it (经…研究, with a link). The
# meeting's other decisions take the actions above (交办, 移交县直单位, 督办, 在村化解, 上报乡镇) with ``decided_in``.
TRANSITIONS[Action.MEETING_DECISION] = Transition(
    Action.MEETING_DECISION,
    "会议研究",
    OPEN_STATUSES,
    None,
    _roles(R.LEADER, R.HANDLER, R.LIAISON),
    LEAD,
    button=False,
)

ACTION_LABELS = {action: t.label for action, t in TRANSITIONS.items()}


# --- Who may do what ------------------------------------------------------------------------------


def _in_scope(t: Transition, scope: Scope, petition: Petition) -> bool:
    """Whether one of ``scope``'s roles lets it take ``t`` on this particular case: the center's roles in their
    townships only, the county's everywhere."""
    for role in t.roles:
        if not scope.has_role(role):
            continue
        if role in (Role.LEADER, Role.RECEPTION) and scope.in_township(petition.township_id):
            return True
        if role == Role.COUNTY:
            return True
        if role == Role.LIAISON and petition.village_id is not None and petition.village_id in scope.village_ids:
            return True
        if role == Role.HANDLER:
            if t.department == LEAD and petition.lead_department_id in scope.department_ids:
                return True
            if t.department == ASSISTING and any(
                d.pk in scope.department_ids for d in petition.assisting_departments.all()
            ):
                return True
    return False


def can(scope: Scope, action: str, petition: Petition) -> bool:
    """The table's verdict for one button: role, scope, state and guard."""
    t = TRANSITIONS[action]
    return petition.status in t.sources and _in_scope(t, scope, petition) and (t.guard is None or t.guard(petition))


def available_actions(petition: Petition, scope: Scope) -> list[Transition]:
    """The actions (buttons) ``scope`` may take on ``petition`` now, in table order.

    Prefetch ``assisting_departments`` and ``extension_requests`` to keep it query-free.
    """
    return [t for t in TRANSITIONS.values() if t.sources and t.button and can(scope, t.action, petition)]


def no_longer_applies(action: str, petition: Petition) -> str:
    """Why ``action`` cannot be taken on the case as it is now, whoever asks ("" when it can): its state has
    moved on, or its condition (a pending extension, a notice on the board) no longer holds. The message
    of the ``TransitionError`` an action function raises, and of a page whose action link went stale."""
    t = TRANSITIONS[action]
    if petition.status not in t.sources:
        return f"该诉求当前为“{Status(petition.status).label}”，不能{t.label}。"
    if t.guard is not None and not t.guard(petition):
        return _guard_message(t)
    return ""


def _check(action: str, petition: Petition, by) -> tuple[Transition, Scope]:
    t = TRANSITIONS[action]
    scope = scope_for(by)
    if not any(scope.has_role(role) for role in t.roles):
        raise PermissionDenied(f"您没有“{t.label}”的权限。")
    if petition.status not in t.sources:
        raise TransitionError(no_longer_applies(action, petition))
    if not _in_scope(t, scope, petition):
        raise PermissionDenied(f"该诉求不在您的办理范围内，不能{t.label}。")
    if reason := no_longer_applies(action, petition):
        raise TransitionError(reason)
    return t, scope


def _guard_message(t: Transition) -> str:
    if t.action == Action.REQUEST_EXTENSION:
        return "已有延期申请待审批，请等待领导审批。"
    if t.action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        return "该诉求没有待审批的延期申请。"
    if t.action == Action.PUBLISH:
        return "该诉求已在公示栏公示。"
    if t.action == Action.UNPUBLISH:
        return "该诉求没有在公示栏公示。"
    if t.action == Action.REFER_TO_VILLAGE:
        return "该诉求未填写所属村，不能交村处理。"
    if t.action == Action.ASSIGN_OWNER:
        return "该诉求已有包案领导；如需更换，请用“移交包案”。"
    if t.action == Action.TRANSFER_OWNER:
        return "该诉求还没有包案领导，请先“包案”。"
    return f"当前不能{t.label}。"


STALE_MESSAGE = "该诉求刚刚已被他人处理，请刷新页面查看最新情况后再操作。"


# --- The one way a case changes --------------------------------------------------------------------


def _actor_name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:150]


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _dept(department: Department | None) -> dict | None:
    return {"id": department.pk, "name": department.name} if department else None


@dataclass(frozen=True)
class DecidedIn:
    """Where an action was decided: a meeting (民情分析会) of the meetings app, which passes it to the actions it
    takes. Written into the event's ``data["decided_in"]``, which the case's history shows as 经<title>研究 with a
    link; this app knows nothing else of meetings (the dependency points from meetings to petitions)."""

    kind: str  # "meeting"
    id: int
    title: str
    url: str

    def as_data(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "url": self.url}


def _decided(decided_in: DecidedIn | None) -> dict:
    return {"decided_in": decided_in.as_data()} if decided_in is not None else {}


def village_committee(village_id: int | None) -> Department | None:
    """The village committee (村委会) of a village: the department of kind village the admin set up for it, if any."""
    if village_id is None:
        return None
    return Department.objects.filter(village_id=village_id, kind=Department.Kind.VILLAGE).first()


def _apply(
    t: Transition,
    petition: Petition,
    by,
    *,
    to_status: str | None = None,
    fields: dict | None = None,
    note: str = "",
    data: dict | None = None,
) -> PetitionEvent:
    """Compare-and-set the case, then write its one event. Call inside ``transaction.atomic()``."""
    fields = dict(fields or {})
    from_status = petition.status
    to_status = to_status or t.target or from_status
    now = timezone.now()
    days_before = _counted_days(petition)
    changed = Petition.objects.filter(pk=petition.pk, status=from_status, version=petition.version).update(
        status=to_status, version=F("version") + 1, updated_at=now, **fields
    )
    if changed != 1:
        raise TransitionError(STALE_MESSAGE)
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.status, petition.version, petition.updated_at = to_status, petition.version + 1, now
    revisits = PetitionEvent.objects.filter(petition=petition, action=Action.REVISIT).values_list(
        "created_at", flat=True
    )
    _days_changed(days_before | _counted_days(petition) | {_day_of(at) for at in revisits} | {_day_of(now)})
    return _event(petition, t.action, by, from_status=from_status, to_status=to_status, note=note, data=data)


def _day_of(value: dt.date | dt.datetime) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _counted_days(petition: Petition) -> set[dt.date]:
    """The days on which the leaders' numbers (dashboards.metrics) count this case, by its dates as they are
    now: received, routed, replied, closed and its reply deadline (its revisits are read by ``_apply``)."""
    dates = (petition.received_at, petition.routed_at, petition.replied_at, petition.closed_at, petition.reply_by)
    return {_day_of(d) for d in dates if d is not None}


def _days_changed(days: set[dt.date]) -> None:
    """Bump the version of each day (``DayVersion``) inside the case's transaction, so the kept counts of the
    months and days holding it (dashboards.summaries) are not used again until they are counted again. The
    rows are created first and then updated in day order, so two transactions touching the same days wait for
    each other in the same order and never deadlock."""
    ordered = sorted(days)
    DayVersion.objects.bulk_create([DayVersion(day=d) for d in ordered], ignore_conflicts=True)
    DayVersion.objects.filter(day__in=ordered).update(version=F("version") + 1)


def all_days_changed(first: dt.date, last: dt.date) -> None:
    """Every day from ``first`` to ``last`` changed (a department's kind, which 化解在村率 reads): no kept
    count of those days is used again until it is counted again."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    DayVersion.objects.bulk_create([DayVersion(day=d) for d in days], ignore_conflicts=True, batch_size=1000)
    DayVersion.objects.filter(day__gte=first, day__lte=last).update(version=F("version") + 1)


def _event(petition, action, by, *, from_status, to_status, note="", data=None) -> PetitionEvent:
    event = PetitionEvent.objects.create(
        petition=petition,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=by,
        actor_name=_actor_name(by),
        note=note,
        data={k: _iso(v) for k, v in (data or {}).items()},
    )
    if not _replaying.get():
        transaction.on_commit(lambda: _after(event))
    return event


#: Set while history is replayed (the demo's past year, minqing.demo): events are recorded, nobody is told.
_replaying: ContextVar[bool] = ContextVar("minqing_replaying_history", default=False)


@contextmanager
def replaying_history():
    """Record actions that happened in the past (the demo's year): each writes its event as usual, but no side
    effect (``_after``: notifications, settled messages) follows — nobody is told today of a reply given in May."""
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def _after(event: PetitionEvent) -> None:
    """Side effects of a committed action, run by ``transaction.on_commit`` only.

    This is the one place where side effects hook in: notifications (petitions/notify.py, which
    never raises and never waits on the broker).
    """
    logger.debug(
        "petition %s: %s (%s → %s) by %s",
        event.petition.tracking_number,
        event.action,
        event.from_status or "-",
        event.to_status,
        event.actor_name or "-",
    )
    from petitions.notify import event_committed

    event_committed(event)


def _required(**values) -> None:
    errors = {name: "请填写此项。" for name, value in values.items() if not str(value or "").strip()}
    if errors:
        raise ValidationError(errors)


def _save_attachments(petition: Petition, files: Iterable, by, kind: str = Attachment.Kind.MATERIAL) -> list[int]:
    """Store uploaded files (already checked by the form: size and type by content)."""
    ids = []
    for upload in files or ():
        attachment = Attachment.objects.create(
            petition=petition,
            file=upload,
            kind=kind,
            original_name=(getattr(upload, "name", "") or "附件")[:200],
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            size=upload.size,
            uploaded_by=by,
        )
        ids.append(attachment.pk)
    return ids


def _today() -> dt.date:
    return timezone.localdate()


# --- Intake ---------------------------------------------------------------------------------------


def petition_register(
    *,
    by,
    channel: str,
    petitioner_name: str,
    category: Category,
    summary: str,
    content: str,
    received_at: dt.datetime | None = None,
    petitioner_phone: str = "",
    petitioner_id_number: str = "",
    household=None,
    village=None,
    township=None,
    head_count: int = 1,
    representatives: Sequence[dict] = (),
    is_urgent: bool = False,
    is_repeat: bool = False,
    is_skip_level: bool = False,
    repeat_of: Petition | None = None,
    attachments: Iterable = (),
    attachment_kind: str = Attachment.Kind.MATERIAL,
    note: str = "",
) -> Petition:
    """登记: create a case (status registered) with its tracking number, representatives and attachments.

    ``representatives`` is a list of ``{"name", "phone", "id_number"}`` (at most five, for a group visit);
    ``village`` defaults to the household's; a liaison may register only in their own villages.
    ``township`` is the village's, or the registering user's when they work for one township only; a case
    with no village in the center of a user of several townships names it.
    ``repeat_of`` links a likely repeat (and sets ``is_repeat``). Phones and ID numbers are stored normalised.
    """
    t = TRANSITIONS[Action.REGISTER]
    scope = scope_for(by)
    if not any(scope.has_role(role) for role in t.roles):
        raise PermissionDenied("您没有登记诉求的权限。")

    _required(petitioner_name=petitioner_name, summary=summary, content=content)
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = "请选择来源渠道。"
    try:
        phone = normalize_phone(petitioner_phone) if petitioner_phone else ""
    except ValidationError as e:
        errors["petitioner_phone"], phone = e.messages[0], ""
    id_number = ""
    if petitioner_id_number:
        try:
            id_number = parse_id_number(petitioner_id_number).number
        except ValidationError as e:
            errors["petitioner_id_number"] = e.messages[0]
    if head_count < 1:
        errors["head_count"] = "来访人数至少为1。"
    if len(representatives) > MAX_REPRESENTATIVES:
        errors["representatives"] = f"集体访最多登记{MAX_REPRESENTATIVES}名代表。"
    if household is not None:
        if village is not None and village.pk != household.village_id:
            errors["village"] = "所选村与该户所在村不一致。"
        village = village or household.village
    township = village.township if village is not None else township
    if township is None and len(scope.township_ids) == 1:
        township = Township.objects.get(pk=next(iter(scope.township_ids)))
    if township is None:
        errors["township"] = "请选择受理乡镇。"
    if errors:
        raise ValidationError(errors)
    if not scope.in_township(township.pk):
        raise PermissionDenied("只能登记本乡镇的诉求。")
    if (
        scope.has_role(Role.LIAISON)
        and not scope.is_center
        and (village is None or village.pk not in scope.village_ids)
    ):
        raise PermissionDenied("村联络员只能登记本人联系村的诉求。")

    received_at = received_at or timezone.now()
    with transaction.atomic():
        notice_by, provisional = deadlines.statutory_notice_by(received_at)
        petition = Petition.objects.create(
            tracking_number=next_tracking_number(received_at, township),
            township=township,
            channel=channel,
            received_at=received_at,
            petitioner_name=petitioner_name.strip(),
            petitioner_phone=phone,
            petitioner_id_number=id_number,
            household=household,
            village=village,
            category=category,
            summary=summary.strip(),
            content=content.strip(),
            head_count=head_count,
            is_urgent=is_urgent,
            is_repeat=is_repeat or repeat_of is not None,
            is_skip_level=is_skip_level,
            repeat_of=repeat_of,
            status=Status.REGISTERED,
            notice_by=notice_by,
            deadline_provisional=provisional,
            created_by=by,
        )
        Representative.objects.bulk_create(
            Representative(
                petition=petition,
                name=(r.get("name") or "").strip(),
                phone=(r.get("phone") or "").strip(),
                id_number=normalize_id_number(r.get("id_number") or ""),
                sort_order=n,
            )
            for n, r in enumerate(representatives)
            if (r.get("name") or "").strip()
        )
        attachment_ids = _save_attachments(petition, attachments, by, attachment_kind)
        _days_changed(_counted_days(petition))
        _event(
            petition,
            Action.REGISTER,
            by,
            from_status="",
            to_status=Status.REGISTERED,
            note=note,
            data={
                "channel": channel,
                "category": str(category),
                "repeat_of": repeat_of.tracking_number if repeat_of else None,
                "attachments": attachment_ids,
            },
        )
    return petition


def petition_answer_at_desk(
    *,
    petition: Petition,
    by,
    facts: str,
    decision: str,
    basis: str = "",
    content: str = "",
    delivery: str = Reply.Delivery.IN_PERSON,
    attachments: Iterable = (),
) -> PetitionEvent:
    """当场答复: the front desk answers on the spot; registered → replied."""
    t, _ = _check(Action.ANSWER_AT_DESK, petition, by)
    _required(facts=facts)
    _check_reply_choices(decision, delivery)
    with transaction.atomic():
        now = timezone.now()
        review_by, _ = deadlines.statutory_review_by(now)
        event = _apply(t, petition, by, fields={"replied_at": now, "review_by": review_by}, note=content or facts)
        reply = Reply.objects.create(
            petition=petition,
            facts=facts,
            decision=decision,
            basis=basis,
            content=content,
            delivery=delivery,
            department=None,
            replied_by=by,
        )
        _save_attachments(petition, attachments, by, Attachment.Kind.REPLY_LETTER)
        _set_event_data(event, reply_id=reply.pk, decision=decision, delivery=delivery)
    return event


def _set_event_data(event: PetitionEvent, **data) -> None:
    """Complete the event's data with ids of rows written after it (same transaction, before commit)."""
    event.data.update({k: _iso(v) for k, v in data.items()})
    PetitionEvent.objects.filter(pk=event.pk).update(data=event.data)


def petition_submit(*, petition: Petition, by, note: str = "") -> PetitionEvent:
    """提交批示: registered → awaiting_instruction (the leaders' queue)."""
    t, _ = _check(Action.SUBMIT, petition, by)
    with transaction.atomic():
        return _apply(t, petition, by, note=note)


# --- Village triage (待村处理) ------------------------------------------------------------------------


def petition_refer_to_village(*, petition: Petition, by, note: str = "") -> PetitionEvent:
    """交村处理: registered → village_triage, for the village committee's analysis first (a liaison's case, one
    raised on a visit, or one registered at the township with 先由村处理). The village's committee (its 村委会
    department, when the admin set one up) becomes the lead department, so its staff see and act on the case
    beside the village's liaisons."""
    t, _ = _check(Action.REFER_TO_VILLAGE, petition, by)
    committee = village_committee(petition.village_id)
    with transaction.atomic():
        fields, data = {"lead_department": committee}, {"department": _dept(committee)}
        return _apply(t, petition, by, fields=fields, note=note.strip(), data=data)


def petition_settle_in_village(
    *,
    petition: Petition,
    by,
    analysis: str,
    measures: str,
    settled_by: str,
    settled_on: dt.date | None,
    decision: str = Reply.Decision.SUPPORT,
    delivery: str = Reply.Delivery.IN_PERSON,
    decided_in: DecidedIn | None = None,
) -> PetitionEvent:
    """在村化解: after its analysis (村两委分析意见) the village settled the matter — what was done (``measures``),
    by whom (``settled_by``, names), on which day (``settled_on``); village_triage → replied, then revisited like
    any replied case. The settlement is the case's reply (the committee's: what was done, 支持/解释说明/不予支持 and
    how it reached the petitioner; the analysis and the names stay internal) and marks the case
    ``settled_in_village``, which 化解在村率 counts once the case is closed by a satisfied revisit. An unsatisfied
    revisit sends it back to the village (``petition_revisit``)."""
    t, _ = _check(Action.SETTLE_IN_VILLAGE, petition, by)
    _required(analysis=analysis, measures=measures, settled_by=settled_by)
    errors = {}
    today = _today()
    received = timezone.localdate(petition.received_at)
    if settled_on is None:
        errors["settled_on"] = "请填写化解日期。"
    elif settled_on > today:
        errors["settled_on"] = "化解日期不能晚于今天。"
    elif settled_on < received:
        errors["settled_on"] = f"化解日期不能早于受理日期（{received:%Y-%m-%d}）。"
    if decision not in Reply.Decision.values:
        errors["decision"] = "请选择答复结论。"
    if delivery not in Reply.Delivery.values:
        errors["delivery"] = "请选择送达方式。"
    if errors:
        raise ValidationError(errors)
    analysis, measures, settled_by = analysis.strip(), measures.strip(), settled_by.strip()
    now = timezone.now()
    with transaction.atomic():
        review_by, _ = deadlines.statutory_review_by(now)
        event = _apply(
            t,
            petition,
            by,
            fields={
                "replied_at": now,
                "review_by": review_by,
                "village_analysis": analysis,
                "settled_in_village": True,
            },
            note=measures,
            data={
                "analysis": analysis,
                "settled_by": settled_by,
                "settled_on": settled_on,
                "decision": decision,
                "delivery": delivery,
                "department": _dept(petition.lead_department),
                **_decided(decided_in),
            },
        )
        # The reply is what the petitioner is told (the public lookup shows it): what was done. The committee's
        # analysis and the names of who settled it stay internal (the case and its event).
        reply = Reply.objects.create(
            petition=petition,
            facts=measures,
            decision=decision,
            delivery=delivery,
            department=petition.lead_department,
            replied_by=by,
        )
        _set_event_data(event, reply_id=reply.pk)
    return event


def petition_send_up(*, petition: Petition, by, analysis: str, decided_in: DecidedIn | None = None) -> PetitionEvent:
    """上报乡镇: the village cannot settle the matter; with its analysis (村两委分析意见) it goes to the township
    leaders' 待批示 (village_triage → awaiting_instruction), where the analysis is shown beside the case. The
    committee stops being the lead department (the leader routes anew) and ``settled_in_village`` is cleared."""
    t, _ = _check(Action.SEND_UP, petition, by)
    _required(analysis=analysis)
    analysis = analysis.strip()
    department = petition.lead_department
    with transaction.atomic():
        return _apply(
            t,
            petition,
            by,
            fields={"village_analysis": analysis, "settled_in_village": False, "lead_department": None},
            note=analysis,
            data={"department": _dept(department), **_decided(decided_in)},
        )


def petition_meeting_decision(
    *, petition: Petition, by, measure: str, owner: str, due_on: dt.date, decided_in: DecidedIn
) -> PetitionEvent:
    """会议研究: a meeting decided a measure on an open case (who is responsible, by when) without moving it; no
    change of state. Taken only by the meetings app (never a button), by a leader of the case's township, a
    handler of its lead department or a liaison of its village."""
    t, _ = _check(Action.MEETING_DECISION, petition, by)
    _required(measure=measure, owner=owner)
    if due_on is None:
        raise ValidationError({"due_on": "请填写完成期限。"})
    with transaction.atomic():
        return _apply(
            t,
            petition,
            by,
            note=measure.strip(),
            data={"owner": owner.strip(), "due_on": due_on, **_decided(decided_in)},
        )


# --- Instruction and routing -----------------------------------------------------------------------


def petition_route(
    *,
    petition: Petition,
    by,
    instruction: str,
    lead_department: Department,
    assisting_departments: Iterable[Department] = (),
    reply_by: dt.date | None = None,
    decided_in: DecidedIn | None = None,
) -> PetitionEvent:
    """交办 (instruct and route): awaiting_instruction → assigned, to departments of the case's township.

    Deadlines from the day of routing: ``sign_by`` after the category's sign-for working days, ``reply_by``
    after its reply working days unless the leader gives a date; the statutory 60 days (``finish_by``)
    from the first routing (acceptance) when the category carries it.
    """
    t, _ = _check(Action.ROUTE, petition, by)
    errors = {}
    if lead_department is not None and lead_department.township_id != petition.township_id:
        errors["lead_department"] = "牵头单位须为本乡镇的单位；移交县直单位请用“移交县直单位”。"
    if any(d.township_id != petition.township_id for d in assisting_departments):
        errors["assisting_departments"] = "协办单位须为本乡镇的单位。"
    if errors:
        raise ValidationError(errors)
    return _route(t, petition, by, instruction, lead_department, list(assisting_departments), reply_by, decided_in)


def petition_hand_up(
    *,
    petition: Petition,
    by,
    instruction: str,
    lead_department: Department,
    reply_by: dt.date | None = None,
    decided_in: DecidedIn | None = None,
) -> PetitionEvent:
    """移交县直单位: awaiting_instruction → assigned to a county-level unit (县直单位), with the leader's
    instruction and the same deadlines as routing. The unit's staff sign, handle and reply; the case stays
    the township's, which sees every step."""
    t, _ = _check(Action.HAND_UP, petition, by)
    if lead_department is not None and lead_department.kind != Department.Kind.COUNTY:
        raise ValidationError({"lead_department": "请选择县直单位。"})
    return _route(t, petition, by, instruction, lead_department, [], reply_by, decided_in)


def _route(t, petition, by, instruction, lead_department, assisting, reply_by, decided_in=None) -> PetitionEvent:
    _required(instruction=instruction)
    if lead_department is None:
        raise ValidationError({"lead_department": "请选择牵头单位。"})
    assisting = [d for d in assisting if d.pk != lead_department.pk]
    category = petition.category
    limits = category.limits_in(petition.township_id)  # the township's own limits where it set them
    today = _today()
    sign_by, sign_prov = deadlines.add_working_days(today, limits.sign_working_days)
    if reply_by is None:
        reply_days = limits.reply_working_days
        reply_by, reply_prov = deadlines.add_working_days(today, reply_days)
    else:
        reply_days, reply_prov = None, False
    fields = {
        "instruction": instruction.strip(),
        "lead_department": lead_department,
        "routed_by": by,
        "routed_at": timezone.now(),
        "sign_by": sign_by,
        "reply_by": reply_by,
        "reply_working_days": reply_days,
        "deadline_provisional": sign_prov or reply_prov,
    }
    if category.statutory_applies and petition.finish_by is None:
        fields["finish_by"], finish_prov = deadlines.statutory_finish_by(today)
        fields["deadline_provisional"] |= finish_prov
    with transaction.atomic():
        event = _apply(
            t,
            petition,
            by,
            fields=fields,
            note=fields["instruction"],
            data={
                "lead_department": _dept(lead_department),
                "assisting_departments": [_dept(d) for d in assisting],
                "sign_by": sign_by,
                "reply_by": reply_by,
                "reply_working_days": reply_days,
                "provisional": fields["deadline_provisional"],
                **_decided(decided_in),
            },
        )
        petition.assisting_departments.set(assisting)
    return event


def petition_sign(*, petition: Petition, by, note: str = "") -> PetitionEvent:
    """签收: a handler of the lead department takes the case; assigned → in_progress."""
    t, _ = _check(Action.SIGN, petition, by)
    now = timezone.now()
    on_time = petition.sign_by is None or timezone.localdate(now) <= petition.sign_by
    with transaction.atomic():
        return _apply(t, petition, by, fields={"signed_by": by, "signed_at": now}, note=note, data={"on_time": on_time})


def petition_return(*, petition: Petition, by, reason: str) -> PetitionEvent:
    """退回: the lead department sends the case back to the leaders, with a reason; assigned → awaiting_instruction.

    The routing is cleared (the case leaves the department's queue); the event keeps who returned it.
    """
    t, _ = _check(Action.RETURN_CASE, petition, by)
    _required(reason=reason)
    department = petition.lead_department
    with transaction.atomic():
        event = _apply(
            t,
            petition,
            by,
            fields={"lead_department": None, "sign_by": None, "reply_by": None, "reply_working_days": None},
            note=reason.strip(),
            data={"department": _dept(department)},
        )
        petition.assisting_departments.clear()
    return event


# --- Handling -------------------------------------------------------------------------------------


def petition_add_progress(
    *, petition: Petition, by, note: str, attachments: Iterable = (), kind: str = ""
) -> PetitionEvent:
    """记录进展 (lead department) or 协办意见 (an assisting department): a note, no change of state.

    ``kind`` is the attachments' kind (e.g. a mediation agreement, 调解协议).
    """
    scope = scope_for(by)
    action = Action.PROGRESS
    if not (petition.lead_department_id in scope.department_ids and scope.is_handler):
        action = Action.ASSIST_NOTE
    t, _ = _check(action, petition, by)
    _required(note=note)
    with transaction.atomic():
        event = _apply(t, petition, by, note=note.strip())
        ids = _save_attachments(petition, attachments, by, kind or Attachment.Kind.MATERIAL)
        department = petition.lead_department if action == Action.PROGRESS else _my_assisting(petition, scope)
        _set_event_data(event, attachments=ids, department=_dept(department))
    return event


def _my_assisting(petition: Petition, scope: Scope) -> Department | None:
    return next((d for d in petition.assisting_departments.all() if d.pk in scope.department_ids), None)


def petition_request_extension(
    *, petition: Petition, by, reason: str, days: int, statutory_days: int = 0
) -> PetitionEvent:
    """申请延期: ``days`` more working days on the reply deadline; optionally ``statutory_days`` (≤ 30, once)
    on the statutory 60 days. Stays in_progress until a leader decides."""
    t, _ = _check(Action.REQUEST_EXTENSION, petition, by)
    _required(reason=reason)
    errors = {}
    if not 1 <= days <= MAX_EXTENSION_WORKING_DAYS:
        errors["days"] = f"延长工作日应在1至{MAX_EXTENSION_WORKING_DAYS}之间。"
    limit = deadlines.setting("STATUTORY_EXTENSION_MAX_DAYS")
    if statutory_days:
        if petition.finish_by is None:
            errors["statutory_days"] = "该诉求不适用法定办理期限。"
        elif petition.finish_extended:
            errors["statutory_days"] = "法定办理期限只能延长一次，已延长过。"
        elif not 0 < statutory_days <= limit:
            errors["statutory_days"] = f"法定办理期限延长不得超过{limit}日。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = _apply(t, petition, by, note=reason.strip(), data={"days": days, "statutory_days": statutory_days})
        request = ExtensionRequest.objects.create(
            petition=petition,
            department=petition.lead_department,
            requested_by=by,
            reason=reason.strip(),
            days=days,
            statutory_days=statutory_days,
        )
        _set_event_data(event, extension_request_id=request.pk)
    return event


def petition_decide_extension(*, petition: Petition, by, approve: bool, note: str = "") -> PetitionEvent:
    """批准延期 / 驳回延期: a leader decides the pending request.

    Approval moves ``reply_by`` on by the requested working days (from the current deadline) and, when
    asked, the statutory ``finish_by`` by at most 30 days, once.
    """
    action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    t, _ = _check(action, petition, by)
    request = ExtensionRequest.objects.filter(petition=petition, status=ExtensionRequest.Status.PENDING).first()
    if request is None:
        raise TransitionError(STALE_MESSAGE)
    fields: dict = {}
    data: dict = {"extension_request_id": request.pk, "days": request.days, "statutory_days": request.statutory_days}
    if approve:
        base = petition.reply_by or _today()
        fields["reply_by"], provisional = deadlines.add_working_days(base, request.days)
        fields["deadline_provisional"] = petition.deadline_provisional or provisional
        if request.statutory_days and petition.finish_by and not petition.finish_extended:
            fields["finish_by"], prov = deadlines.statutory_extend(petition.finish_by, request.statutory_days)
            fields["finish_extended"] = True
            fields["deadline_provisional"] |= prov
        data.update(reply_by_before=petition.reply_by, reply_by=fields["reply_by"], finish_by=fields.get("finish_by"))
    with transaction.atomic():
        event = _apply(t, petition, by, fields=fields, note=note.strip(), data=data)
        decided = ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionRequest.Status.PENDING).update(
            status=ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.DENIED,
            decided_by=by,
            decided_at=timezone.now(),
            decision_note=note.strip(),
        )
        if decided != 1:
            raise TransitionError(STALE_MESSAGE)
    return event


def _check_reply_choices(decision: str, delivery: str) -> None:
    errors = {}
    if decision not in Reply.Decision.values:
        errors["decision"] = "请选择答复结论。"
    if delivery not in Reply.Delivery.values:
        errors["delivery"] = "请选择送达方式。"
    if errors:
        raise ValidationError(errors)


def petition_reply(
    *,
    petition: Petition,
    by,
    facts: str,
    decision: str,
    delivery: str,
    basis: str = "",
    content: str = "",
    attachments: Iterable = (),
    attachment_kind: str = Attachment.Kind.REPLY_LETTER,
) -> PetitionEvent:
    """答复: the lead department's reply (facts found, 支持/解释说明/不予支持, basis, how delivered);
    in_progress → replied. Starts the 30-day review window; a pending extension request lapses."""
    t, _ = _check(Action.REPLY, petition, by)
    _required(facts=facts)
    _check_reply_choices(decision, delivery)
    now = timezone.now()
    on_time = petition.reply_by is None or timezone.localdate(now) <= petition.reply_by
    with transaction.atomic():
        review_by, _ = deadlines.statutory_review_by(now)
        event = _apply(
            t,
            petition,
            by,
            fields={"replied_at": now, "review_by": review_by},
            note=content or facts,
            data={"decision": decision, "delivery": delivery, "on_time": on_time},
        )
        reply = Reply.objects.create(
            petition=petition,
            facts=facts,
            decision=decision,
            basis=basis,
            content=content,
            delivery=delivery,
            department=petition.lead_department,
            replied_by=by,
        )
        petition.extension_requests.filter(status=ExtensionRequest.Status.PENDING).update(
            status=ExtensionRequest.Status.LAPSED, decided_at=now
        )
        ids = _save_attachments(petition, attachments, by, attachment_kind)
        _set_event_data(event, reply_id=reply.pk, attachments=ids)
    return event


# --- Revisit and closing ---------------------------------------------------------------------------


def petition_revisit(
    *,
    petition: Petition,
    by,
    solved: bool,
    satisfaction: str,
    method: str = "",
    note: str = "",
) -> PetitionEvent:
    """回访: replied → closed (满意 / 基本满意), or back to in_progress (不满意, 重办) with ``reopen_count`` + 1
    and a new reply deadline (the case's reply working days from today). A case settled in the village (在村化解)
    that the petitioner is not satisfied with goes back to the village instead (village_triage, no deadline): the
    committee analyses it again and settles it anew or sends it up.

    Called by the visits app's revisit service: ``satisfaction`` is a ``petitions.models.Satisfaction``
    value ("satisfied", "basically_satisfied", "unsatisfied"), ``method`` a free label (e.g. "电话", "上门").
    The returned event's ``data`` holds solved, satisfaction, method and reopened.
    """
    t, _ = _check(Action.REVISIT, petition, by)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": "请选择满意度。"})
    now = timezone.now()
    data = {"solved": bool(solved), "satisfaction": satisfaction, "method": method}
    if satisfaction == Satisfaction.UNSATISFIED and petition.settled_in_village:
        to_status = Status.VILLAGE_TRIAGE
        fields = {"reopen_count": petition.reopen_count + 1}
        data.update(reopened=True, back_to_village=True)
    elif satisfaction == Satisfaction.UNSATISFIED:
        days = petition.reply_working_days
        if days is None:
            days = petition.category.limits_in(petition.township_id).reply_working_days
        reply_by, provisional = deadlines.add_working_days(timezone.localdate(now), days)
        to_status = Status.IN_PROGRESS
        fields = {
            "reopen_count": petition.reopen_count + 1,
            "reply_by": reply_by,
            "deadline_provisional": provisional,
        }
        data.update(reopened=True, reply_by=reply_by)
    else:
        to_status = Status.CLOSED
        fields = {"closed_at": now, "closed_without_satisfaction": False}
        data["reopened"] = False
    with transaction.atomic():
        event = _apply(t, petition, by, to_status=to_status, fields=fields, note=note.strip(), data=data)
        if to_status != Status.CLOSED:
            _take_off_board_when_reopened(petition, by, now)
    return event


REOPENED_OFF_BOARD = "回访不满意，诉求重新办理，公示已撤下；重新答复后请再审核公示。"


def _take_off_board_when_reopened(petition: Petition, by, now) -> None:
    """A published case the petitioner is not satisfied with leaves the board in the reopening transaction:
    the old result no longer stands. Its own 撤下公示 event tells the leader who published it
    (petitions/notify.py) that a new notice waits for approval after the new reply."""
    publication = _publication(petition)
    if publication is None or not publication.is_published:
        return
    Publication.objects.filter(pk=publication.pk, is_published=True).update(
        is_published=False, unpublished_at=now, unpublished_by=by, unpublish_reason=REOPENED_OFF_BOARD
    )
    publication.is_published, publication.unpublished_at = False, now
    publication.unpublished_by, publication.unpublish_reason = by, REOPENED_OFF_BOARD
    _event(
        petition,
        Action.UNPUBLISH,
        by,
        from_status=petition.status,
        to_status=petition.status,
        note=REOPENED_OFF_BOARD,
        data={"publication_id": publication.pk, "reopened": True},
    )


def petition_close_with_reason(*, petition: Petition, by, reason: str) -> PetitionEvent:
    """办结 without a satisfied revisit (e.g. the petitioner unreachable three times): leaders only, with a
    written reason; replied → closed, flagged ``closed_without_satisfaction`` for the metrics."""
    t, _ = _check(Action.CLOSE_WITH_REASON, petition, by)
    _required(reason=reason)
    fields = {"closed_at": timezone.now(), "closed_without_satisfaction": True, "closure_reason": reason.strip()}
    with transaction.atomic():
        return _apply(t, petition, by, fields=fields, note=reason.strip())


def petition_supervise(*, petition: Petition, by, note: str, decided_in: DecidedIn | None = None) -> PetitionEvent:
    """督办: a leader's supervision notice on any open case; no change of state."""
    t, _ = _check(Action.SUPERVISE, petition, by)
    _required(note=note)
    with transaction.atomic():
        event = _apply(t, petition, by, fields={"supervised": True}, note=note.strip(), data=_decided(decided_in))
        notice = SupervisionNotice.objects.create(petition=petition, created_by=by, note=note.strip())
        _set_event_data(event, supervision_notice_id=notice.pk)
    return event


# --- 领导包案 ---------------------------------------------------------------------------------------


def _user(user) -> dict:
    return {"id": user.pk, "name": _actor_name(user)}


def _check_owner(petition: Petition, owner, plan: str, team: Iterable, due: dt.date | None) -> list:
    """The owner, plan, team and target date of an owned case, checked; raises ValidationError by field."""
    errors = {}
    if owner is None:
        errors["owner"] = "请选择包案领导。"
    elif not scope_for(owner).may_own_case(petition.township_id):
        errors["owner"] = "包案领导须为本乡镇的领导。"
    if not str(plan or "").strip():
        errors["plan"] = "请填写包案方案。"
    if due is None:
        errors["due"] = "请填写目标日期。"
    elif due < _today():
        errors["due"] = "目标日期不能早于今天。"
    team = [member for member in team if owner is None or member.pk != owner.pk]
    people = working_people_of(petition.township_id).filter(pk__in=[m.pk for m in team])
    allowed = set(people.values_list("pk", flat=True))
    if outsiders := [m for m in team if m.pk not in allowed]:
        names = "、".join(_actor_name(m) for m in outsiders)
        errors["team"] = f"{names}不在本乡镇工作，不能加入工作专班。"
    if errors:
        raise ValidationError(errors)
    return team


def _own(t, petition, by, owner, plan, team, due, *, note="", extra=None) -> PetitionEvent:
    team = _check_owner(petition, owner, plan, team, due)
    fields = {"owner": owner, "owner_plan": plan.strip(), "owner_due": due}
    data = {"owner": _user(owner), "plan": plan.strip(), "team": [_user(m) for m in team], "due": due, **(extra or {})}
    with transaction.atomic():
        event = _apply(t, petition, by, fields=fields, note=note.strip() or plan.strip(), data=data)
        petition.owner_team.set(team)
    return event


def petition_assign_owner(
    *,
    petition: Petition,
    by,
    owner,
    plan: str,
    due: dt.date | None,
    team: Iterable = (),
    decided_in: DecidedIn | None = None,
) -> PetitionEvent:
    """包案: a leader of the case's township takes the case (``owner=by``) or gives it to another of its leaders,
    with the plan (方案), the working team (工作专班) and the target date. The state does not change; the owner
    gets the case's reminders and supervision notices from now on."""
    t, _ = _check(Action.ASSIGN_OWNER, petition, by)
    return _own(t, petition, by, owner, plan, list(team), due, extra=_decided(decided_in))


def petition_transfer_owner(
    *, petition: Petition, by, owner, reason: str, plan: str, due: dt.date | None, team: Iterable = ()
) -> PetitionEvent:
    """移交包案: the owner (or another leader of the township) hands the case to another leader, with a reason;
    the plan, team and date are confirmed or changed on the way."""
    t, _ = _check(Action.TRANSFER_OWNER, petition, by)
    errors = {}
    if not str(reason or "").strip():
        errors["reason"] = "请填写移交理由。"
    if owner is not None and owner.pk == petition.owner_id:
        errors["owner"] = "请选择另一位领导。"
    if errors:
        raise ValidationError(errors)
    previous = petition.owner
    return _own(t, petition, by, owner, plan, list(team), due, note=reason, extra={"previous_owner": _user(previous)})


# --- Side exits -----------------------------------------------------------------------------------


def petition_not_accept(*, petition: Petition, by, reason: str, directed_to: str = "") -> PetitionEvent:
    """不予受理: with the reason and where the petitioner was directed (e.g. 人民法院)."""
    t, _ = _check(Action.NOT_ACCEPT, petition, by)
    _required(reason=reason)
    fields = {"closure_reason": reason.strip(), "directed_to": directed_to.strip()}
    with transaction.atomic():
        return _apply(t, petition, by, fields=fields, note=reason.strip(), data={"directed_to": directed_to.strip()})


def petition_merge(*, petition: Petition, by, into: Petition, note: str = "") -> PetitionEvent:
    """合并: the case is a duplicate of ``into`` (which must be another case that is not itself merged)."""
    t, _ = _check(Action.MERGE, petition, by)
    if into is None or into.pk == petition.pk:
        raise ValidationError({"into": "请选择要并入的另一件诉求。"})
    if into.status == Status.MERGED:
        raise ValidationError({"into": f"{into.tracking_number} 已并入其他诉求，请选择其并入的诉求。"})
    with transaction.atomic():
        return _apply(
            t,
            petition,
            by,
            fields={"merged_into": into},
            note=note.strip(),
            data={"into": {"id": into.pk, "tracking_number": into.tracking_number}},
        )


def petition_withdraw(*, petition: Petition, by, reason: str) -> PetitionEvent:
    """撤回: the petitioner withdrew the matter; recorded by a leader with the reason."""
    t, _ = _check(Action.WITHDRAW, petition, by)
    _required(reason=reason)
    with transaction.atomic():
        return _apply(t, petition, by, fields={"closure_reason": reason.strip()}, note=reason.strip())


# --- The public board (公示栏) -----------------------------------------------------------------------


def petition_publish(
    *,
    petition: Petition,
    by,
    public_summary: str,
    result: str,
    decision: str = "",
    consent: bool = False,
    consent_note: str = "",
) -> PetitionEvent:
    """公示: a leader puts a replied or closed case on the public board; no change of state.

    ``public_summary`` and ``result`` are written for the public by staff: the petitioner's own words, names,
    phone or ID numbers and sensitive tags are refused (``public.public_text_problems``). ``decision`` is a
    ``Reply.Decision`` value (the latest reply's when empty). ``consent`` records a separate written consent
    to show the petitioner's full name (``consent_note`` says where the signed form is kept), by ``by``, now;
    refused for an accusation or a minor. The village, subject, department and dates are copied from the
    case, so the board shows what was approved. Publishing again after unpublishing replaces the text.
    """
    t, _ = _check(Action.PUBLISH, petition, by)
    _required(public_summary=public_summary, result=result)
    reply = petition.replies.select_related("department").order_by("-created_at", "-pk").first()
    decision = decision or (reply.decision if reply else "")
    errors = public.public_text_problems(petition, {"public_summary": public_summary, "result": result})
    if decision and decision not in Reply.Decision.values:
        errors["decision"] = "请选择答复结论。"
    if consent:
        if refusal := identity.may_consent(petition):
            errors["consent"] = refusal
        elif not consent_note.strip():
            errors["consent_note"] = "请注明书面同意书的签署和存档情况。"
    if errors:
        raise ValidationError(errors)
    if reply and reply.department_id:
        department = reply.department.name
    elif petition.lead_department_id:
        department = petition.lead_department.name
    else:  # answered at the front desk
        department = petition.township.center_name
    now = timezone.now()
    consent = bool(consent)
    fields = {
        "public_summary": public_summary.strip(),
        "result": result.strip(),
        "decision": decision,
        "village": petition.village,
        "subject": petition.category.subject,
        "department_name": department,
        "received_on": timezone.localdate(petition.received_at),
        "is_published": True,
        "published_at": now,
        "published_by": by,
        "unpublished_at": None,
        "unpublished_by": None,
        "unpublish_reason": "",
        "name_consent": consent,
        "consent_note": consent_note.strip() if consent else "",
        "consent_recorded_by": by if consent else None,
        "consent_recorded_at": now if consent else None,
    }
    with transaction.atomic():
        event = _apply(
            t,
            petition,
            by,
            note=fields["public_summary"],
            data={"decision": decision, "name_consent": consent, "consent_note": fields["consent_note"]},
        )
        publication, _ = Publication.objects.update_or_create(petition=petition, defaults=fields)
        _set_event_data(event, publication_id=publication.pk)
    petition.publication = publication
    return event


def petition_unpublish(*, petition: Petition, by, reason: str) -> PetitionEvent:
    """撤下公示: a leader takes a case off the public board, with a reason; no change of state. The row is
    kept (who published and unpublished, and why); the case's history has both events."""
    t, _ = _check(Action.UNPUBLISH, petition, by)
    _required(reason=reason)
    publication = _publication(petition)
    now = timezone.now()
    with transaction.atomic():
        event = _apply(t, petition, by, note=reason.strip(), data={"publication_id": publication.pk})
        changed = Publication.objects.filter(pk=publication.pk, is_published=True).update(
            is_published=False, unpublished_at=now, unpublished_by=by, unpublish_reason=reason.strip()
        )
        if changed != 1:
            raise TransitionError(STALE_MESSAGE)
    publication.is_published, publication.unpublished_at = False, now
    publication.unpublished_by, publication.unpublish_reason = by, reason.strip()
    return event


# --- The calendar changed (期限重算) ------------------------------------------------------------------


def petition_recompute_deadlines(
    *,
    petition: Petition,
    by=None,
    change: deadlines.CalendarChange,
    reason: str,
    events: Sequence[PetitionEvent] | None = None,
) -> PetitionEvent | None:
    """期限重算: the holiday calendar changed (``change``: the years whose arrangement was entered or edited,
    ``reason`` saying how); a running case's stored deadlines are computed again (``deadlines.recompute``, each
    from the basis that gives back its stored date under the calendar before the change).

    When a date moves: one event with the old and new dates in ``data["changes"]`` and the note, through
    ``_apply`` (compare-and-set, the days' versions, on-commit notifications: the department and the routing
    leader are told when a deadline they work to moved earlier). When no date moves, no event and nothing
    changes, except that the stored provisional mark is brought up to date. Returns the event or None.

    ``by`` is the admin who changed the calendar (admin group or superuser) or None for the system. Raises
    ``TransitionError`` for a case no longer running or a stale copy, and ``deadlines.UnexplainedDeadlines``
    (writing nothing) when a stored deadline cannot be traced back to its basis.
    """
    t = TRANSITIONS[Action.RECOMPUTE_DEADLINES]
    if by is not None:
        scope = scope_for(by)
        if not (scope.is_superuser or any(scope.has_role(role) for role in t.roles)):
            raise PermissionDenied(f"您没有“{t.label}”的权限。")
    if petition.status not in t.sources:
        raise TransitionError(f"该诉求当前为“{Status(petition.status).label}”，不能{t.label}。")
    if events is None:
        events = list(PetitionEvent.objects.filter(petition=petition, action__in=deadlines.BASIS_ACTIONS))
    result = deadlines.recompute(petition, list(events), change)
    if result.unexplained:
        raise deadlines.UnexplainedDeadlines(petition, result.unexplained)
    if not result.changes:
        if petition.deadline_provisional != result.provisional:
            changed = Petition.objects.filter(pk=petition.pk, status=petition.status, version=petition.version).update(
                deadline_provisional=result.provisional
            )
            if changed != 1:
                raise TransitionError(STALE_MESSAGE)
            petition.deadline_provisional = result.provisional
        return None
    fields = {name: new for name, (_, new) in result.changes.items()}
    fields["deadline_provisional"] = result.provisional
    note = "、".join(f"{year}年" for year in change.years) + f"{reason}，期限重新计算：{result.describe()}"
    data = {
        "reason": reason,
        "years": list(change.years),
        "changes": {name: [old.isoformat(), new.isoformat()] for name, (old, new) in result.changes.items()},
        "earlier": result.earlier,
        "provisional": result.provisional,
    }
    with transaction.atomic():
        return _apply(t, petition, by, fields=fields, note=note, data=data)
