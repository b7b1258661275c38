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
from minqing.access import Scope, scope_for
from petitions import workflow
from petitions.models import Action, Petition, PetitionEvent, Satisfaction, Status
from visits.models import Revisit, Visit
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
    return problems


def _check(scope: Scope, **fields) -> None:
    if not scope.may_record_visits:
        raise PermissionDenied("只有中心工作人员和村联络员可以记录走访。")
    problems = visit_problems(scope=scope, **fields)
    if problems:
        raise ValidationError(problems)


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
    needs_follow_up: bool = False,
    client_key: uuid.UUID | str | None = None,
) -> tuple[Visit, bool]:
    """Record a visit; returns ``(visit, created)``.

    ``client_key`` is the browser's idempotency key: a second call with the same key (a draft sent
    again after a lost answer, a double tap) creates nothing and returns the first visit.
    """
    scope = scope_for(by)
    households = list(households)
    participants = list(participants) or [by]
    _check(scope, kind=kind, village=village, households=households, visited_at=visited_at)
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
                needs_follow_up=needs_follow_up,
                created_by=by,
                client_key=client_key or None,
            )
            visit.households.set(households)
            visit.participants.set(participants)
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
    needs_follow_up: bool = False,
) -> Visit:
    scope = scope_for(by)
    if not may_edit_visit(scope, visit):
        raise PermissionDenied("只有记录人、走访人员或中心可以修改这条走访记录。")
    households = list(households)
    _check(scope, kind=kind, village=village, households=households, visited_at=visited_at)
    with transaction.atomic():
        visit.kind = kind
        visit.visited_at = visited_at
        visit.village = village
        visit.heard = heard
        visit.done_on_spot = done_on_spot
        visit.needs_follow_up = needs_follow_up
        visit.save()
        visit.households.set(households)
        visit.participants.set(list(participants) or [by])
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
