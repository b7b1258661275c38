"""Writes of the visits app: ``visit_<action>`` and ``revisit_<action>`` (style.md B2/B3).

Each service takes ``by=`` (the acting user), checks the scope (raising ``PermissionDenied``) and
writes inside one transaction. Case moves (close, reopen) go through ``petitions.workflow``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from households.models import Household, Village
from lists.services import items_from_visit
from minqing.access import Scope, scope_for
from petitions import workflow
from petitions.models import Action, Petition, PetitionEvent, Satisfaction, Status
from visits.models import Revisit, Visit, VisitParticipant
from visits.querysets import revisitable_petitions

#: Unreached this many times since the reply, a case may be closed by a leader with a written reason.
UNREACHED_LIMIT = 3

#: A phone's clock may run a little ahead of the server's; a visit later than this is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def visit_problems(
    *,
    scope: Scope,
    kind: str | None,
    village: Village | None,
    households: Iterable[Household],
    visited_at: dt.datetime | None,
    head_count: int | None = None,
    people: int = 0,
) -> dict[str, str]:
    """The rules a visit must keep, as {field: message in Chinese}; empty when it keeps them all.

    Used by the form (messages beside the fields) and by the services (a guard for other callers).
    """
    problems: dict[str, str] = {}
    households = list(households)
    if village is not None and not scope.works_in_village(village):
        problems["village"] = f"您不是{village.name}的联络员，不能记录该村的走访。"
    if village is not None:
        others = [h for h in households if h.village_id != village.pk]
        if others:
            names = "、".join(f"{h.head_name}（{h.household_no}）" for h in others)
            problems["households"] = f"{names}不属于{village.name}，请重新选择村或走访户。"
    if "households" not in problems:
        outside = [h for h in households if not scope.works_in_village(h.village)]
        if outside:
            problems["households"] = "只能选择您所联系村的农户。"
    if kind in Visit.HOUSEHOLD_KINDS and not households:
        problems["households"] = f"{Visit.Kind(kind).label}请至少选择一户。"
    if visited_at is not None and visited_at > timezone.now() + FUTURE_TOLERANCE:
        problems["visited_at"] = "走访时间不能晚于现在。"
    if head_count is not None and head_count < max(people, 1):
        problems["head_count"] = f"人次（{head_count}）不能少于走访人员人数（{max(people, 1)}人）。"
    return problems


def default_head_count(head_count: int | None, team: list) -> int:
    """人次 left empty: as many as went (at least 1)."""
    return head_count if head_count is not None else max(len(team), 1)


def _check(scope: Scope, **fields) -> None:
    if not scope.may_record_visits:
        raise PermissionDenied("只有中心工作人员和村联络员可以记录走访。")
    problems = visit_problems(scope=scope, **fields)
    if problems:
        raise ValidationError(problems)


# --- The people who went (1+2+N) ------------------------------------------------------------------

Team = list[tuple]  # [(user, VisitParticipant.Role), …]


def _team(participants: Iterable, by) -> Team:
    """``participants`` as (user, role) pairs: a plain user is 其他; nobody chosen means the recorder went. A person
    is on a visit once (their first role)."""
    team, seen = [], set()
    for item in participants:
        user, role = item if isinstance(item, tuple) else (item, VisitParticipant.Role.OTHER)
        if user.pk not in seen:
            seen.add(user.pk)
            team.append((user, role))
    return team or [(by, VisitParticipant.Role.OTHER)]


def _set_team(visit: Visit, team: Team) -> None:
    VisitParticipant.objects.filter(visit=visit).delete()
    VisitParticipant.objects.bulk_create([VisitParticipant(visit=visit, user=user, role=role) for user, role in team])


#: 1+2+N: one township leader leading, at least two township duty cadres, at least one village cadre.
NIGHT_TEAM = {VisitParticipant.Role.LEAD: 1, VisitParticipant.Role.DUTY: 2, VisitParticipant.Role.VILLAGE: 1}


def night_team_gaps(kind: str, roles: Iterable[str]) -> list[str]:
    """What a night visit's team (夜访“1+2+N”) lacks, in words for the recorder; empty when it is complete or the
    visit is not a night visit. A warning, never an error: the visit is saved as it happened."""
    if kind != Visit.Kind.NIGHT_VISIT:
        return []
    roles = list(roles)
    gaps = []
    if roles.count(VisitParticipant.Role.LEAD) < 1:
        gaps.append("没有带队领导")
    elif roles.count(VisitParticipant.Role.LEAD) > 1:
        gaps.append("带队领导应为1人")
    if (duty := roles.count(VisitParticipant.Role.DUTY)) < 2:
        gaps.append(f"值班干部{duty}人（至少2人）")
    if roles.count(VisitParticipant.Role.VILLAGE) < 1:
        gaps.append("没有村干部")
    return gaps


def visit_create(
    *,
    by,
    kind: str,
    visited_at: dt.datetime,
    village: Village,
    households: Iterable[Household] = (),
    participants: Iterable = (),
    heard: str,
    done_on_spot: str = "",
    follow_ups: Iterable[str] = (),
    follow_up_due: dt.date | None = None,
    sweep=None,
    client_key: uuid.UUID | str | None = None,
    head_count: int | None = None,
) -> tuple[Visit, bool]:
    """Record a visit; returns ``(visit, created)``.

    ``client_key`` is the browser's idempotency key: a second call with the same key (a draft sent
    again after a lost answer, a double tap) creates nothing and returns the first visit.
    """
    scope = scope_for(by)
    households = list(households)
    team = _team(participants, by)
    head_count = default_head_count(head_count, team)
    _check(
        scope, kind=kind, village=village, households=households, visited_at=visited_at, head_count=head_count,
        people=len(team),
    )  # fmt: skip
    if client_key:
        client_key = uuid.UUID(str(client_key))
        existing = _existing(client_key, by)
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                kind=kind,
                visited_at=visited_at,
                village=village,
                heard=heard,
                done_on_spot=done_on_spot,
                sweep=sweep,
                head_count=head_count,
                created_by=by,
                client_key=client_key or None,
            )
            visit.households.set(households)
            _set_team(visit, team)
            # 需要跟进的事项: each line an item of the checklist (lists.Item), owned by the recorder.
            items_from_visit(visit=visit, by=by, lines=follow_ups, due_date=follow_up_due)
    except IntegrityError:
        # Two sends of one draft raced; the other one won (unique client_key). Answer with it.
        existing = _existing(client_key, by) if client_key else None
        if existing is None:
            raise
        return existing, False
    return visit, True


def _existing(client_key: uuid.UUID, by) -> Visit | None:
    visit = Visit.objects.filter(client_key=client_key).first()
    if visit is not None and visit.created_by_id != by.pk:
        raise PermissionDenied("该提交标识已被他人使用。")
    return visit


def may_edit_visit(scope: Scope, visit: Visit) -> bool:
    """The recorder, the people who went and the center may correct a visit."""
    if not scope.may_record_visits:
        return False
    if scope.is_center:
        return True
    if visit.village_id not in scope.village_ids:
        return False
    return visit.created_by_id == scope.user_id or any(p.pk == scope.user_id for p in visit.participants.all())


def visit_update(
    *,
    visit: Visit,
    by,
    kind: str,
    visited_at: dt.datetime,
    village: Village,
    households: Iterable[Household] = (),
    participants: Iterable = (),
    heard: str,
    done_on_spot: str = "",
    follow_ups: Iterable[str] = (),
    follow_up_due: dt.date | None = None,
    sweep=None,
    head_count: int | None = None,
) -> Visit:
    scope = scope_for(by)
    if not may_edit_visit(scope, visit):
        raise PermissionDenied("只有记录人、走访人员或中心可以修改这条走访记录。")
    households = list(households)
    team = _team(participants, by)
    head_count = default_head_count(head_count, team)
    _check(
        scope, kind=kind, village=village, households=households, visited_at=visited_at, head_count=head_count,
        people=len(team),
    )  # fmt: skip
    with transaction.atomic():
        visit.kind = kind
        visit.head_count = head_count
        visit.visited_at = visited_at
        visit.village = village
        visit.heard = heard
        visit.done_on_spot = done_on_spot
        visit.sweep = sweep
        visit.save()
        visit.households.set(households)
        _set_team(visit, team)
        items_from_visit(visit=visit, by=by, lines=follow_ups, due_date=follow_up_due)
    return visit


# --- Cases raised on a visit -----------------------------------------------------------------------


def visit_link_petition(*, visit: Visit, petition: Petition, by) -> None:
    """Link a case to the visit it was raised on (both ways: ``visit.petitions`` / ``petition.visits``).

    Called by the intake view after it registered the case, inside the same transaction. Both must be
    within ``by``'s scope. Linking twice changes nothing.
    """
    scope = scope_for(by)
    if not Visit.objects.visible_to(scope).filter(pk=visit.pk).exists():
        raise PermissionDenied("该走访记录不在您的查看范围内。")
    if not Petition.objects.visible_to(scope).filter(pk=petition.pk).exists():
        raise PermissionDenied("该诉求不在您的查看范围内。")
    visit.petitions.add(petition)


# --- Revisits (回访) -------------------------------------------------------------------------------


def may_revisit(scope: Scope, petition: Petition) -> bool:
    """The workflow's rule for 回访: liaisons (their villages), reception and leaders, on a replied case."""
    return workflow.can(scope, Action.REVISIT, petition)


def revisit_record(
    *,
    petition: Petition,
    by,
    method: str,
    reached: bool,
    solved: bool = False,
    satisfaction: str = "",
    comment: str = "",
) -> Revisit:
    """Record a revisit. Reached: the case moves through ``petitions.workflow.petition_revisit`` —
    满意 / 基本满意 close it (已办结), 不满意 sends it back to the department (重办) with the comment —
    and the revisit keeps the event it wrote. Not reached: only the attempt is recorded.
    """
    errors = {}
    if method not in Revisit.Method.values:
        errors["method"] = "请选择回访方式。"
    if reached and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = "请选择满意度。"
    if reached and satisfaction == Satisfaction.UNSATISFIED and not comment.strip():
        errors["comment"] = "群众不满意时请写明意见，随诉求退回承办单位重办。"
    if errors:
        raise ValidationError(errors)
    if petition.status != Status.REPLIED:
        raise workflow.TransitionError(f"该诉求当前为“{Status(petition.status).label}”，不需要回访。")
    if not may_revisit(scope_for(by), petition):
        raise PermissionDenied("该诉求不在您的回访范围内。")
    with transaction.atomic():
        event: PetitionEvent | None = None
        if reached:
            event = workflow.petition_revisit(
                petition=petition,
                by=by,
                solved=solved,
                satisfaction=satisfaction,
                method=Revisit.Method(method).label,
                note=comment.strip(),
            )
        return Revisit.objects.create(
            petition=petition,
            method=method,
            reached=reached,
            solved=bool(solved) if reached else False,
            satisfaction=satisfaction if reached else "",
            comment=comment.strip(),
            by=by,
            event=event,
        )


def unreached_count(petition: Petition) -> int:
    if petition.replied_at is None:
        return 0
    return Revisit.objects.unreached_since_reply(petition).count()


def revisit_close_unreachable(*, petition: Petition, by, reason: str) -> PetitionEvent:
    """After three unreached revisits since the reply, a leader closes the case with a written reason
    (``petitions.workflow.petition_close_with_reason``; counted as closed without satisfaction)."""
    if not revisitable_petitions(scope_for(by)).filter(pk=petition.pk).exists():
        raise PermissionDenied("该诉求不在您的查看范围内。")
    attempts = unreached_count(petition)
    if attempts < UNREACHED_LIMIT:
        raise ValidationError({"reason": f"回访{UNREACHED_LIMIT}次未联系上后才能说明理由办结（目前{attempts}次）。"})
    return workflow.petition_close_with_reason(petition=petition, by=by, reason=reason)
