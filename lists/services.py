"""The services of the lists app: every change to an item, a ledger entry, a sweep, a sign or a bulletin.

Status changes are compare-and-set (filter on the pk *and* the expected old status, update, and refuse unless
exactly one row changed), so two clicks, two tabs or two workers never do a thing twice, on SQLite as on
PostgreSQL. Bad input raises ``ValidationError`` with a message for the user; a lost race raises ``ListConflict``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lists.models import Item, LedgerEvent, LedgerItem, LedgerRequest, Sign, SignReview, Sweep
from minqing.access import scope_for

#: A matter heard on a visit is due a week later unless given another date.
DEFAULT_ITEM_DAYS = 7


class ListConflict(Exception):
    """Somebody else changed the entry first (or it is no longer in a state that allows the action)."""

    def __init__(self, message: str = "该事项已被他人处理，请刷新页面后查看。"):
        super().__init__(message)
        self.message = message


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- Findings checklist (清单) -------------------------------------------------------------------------------


def check_item_dates(heard_on: dt.date, due_date: dt.date) -> None:
    if due_date < heard_on:
        raise ValidationError({"due_date": "完成时限不能早于发现日期。"})


def item_create(
    *,
    by,
    text: str,
    village,
    heard_on: dt.date,
    due_date: dt.date | None = None,
    owner=None,
    household=None,
    department=None,
    source: str = Item.Source.OTHER,
    visit=None,
    sweep=None,
    meeting=None,
    on_spot: bool = False,
    note: str = "",
) -> Item:
    """Put a matter on the checklist. ``on_spot``: it was settled there and then (当场解决), ticked off at once."""
    if not scope_for(by).may_add_item(village, department):
        raise PermissionDenied("您不能为该村登记清单事项。")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写事项内容。"})
    due_date = due_date or heard_on + dt.timedelta(days=DEFAULT_ITEM_DAYS)
    check_item_dates(heard_on, due_date)
    if household is not None and household.village_id != village.pk:
        raise ValidationError({"household": "所选农户不属于该村。"})
    now = timezone.now()
    return Item.objects.create(
        text=text,
        township_id=village.township_id,
        village=village,
        household=household,
        owner=owner or by,
        department=department,
        heard_on=heard_on,
        due_date=due_date,
        source=source,
        visit=visit,
        sweep=sweep,
        meeting=meeting,
        status=Item.Status.ON_SPOT if on_spot else Item.Status.OPEN,
        note=note,
        finished_at=now if on_spot else None,
        finished_by=by if on_spot else None,
        created_by=by,
    )


def items_from_visit(*, visit, by, lines: Iterable[str], due_date: dt.date | None = None) -> list[Item]:
    """The visit form's 需要跟进的事项: one open item per non-empty line, owned by the recorder, of the visit's
    village (and its household when it visited exactly one), under the visit's sweep."""
    lines = [line.strip() for line in lines if line and line.strip()]
    if not lines:
        return []
    heard_on = timezone.localtime(visit.visited_at).date()
    households = list(visit.households.all())
    household = households[0] if len(households) == 1 else None
    return [
        item_create(
            by=by,
            text=line,
            village=visit.village,
            household=household,
            heard_on=heard_on,
            due_date=due_date,
            source=Item.Source.VISIT,
            visit=visit,
            sweep=visit.sweep,
        )
        for line in lines
    ]


def _keeper(item: Item, by) -> None:
    if not scope_for(by).may_keep_item(item):
        raise PermissionDenied("您不能办理这条清单事项。")


def _swap(item: Item, expected: Iterable[str], **fields) -> Item:
    """Compare-and-set: change ``item`` only if it is still in one of ``expected``; refresh it."""
    changed = Item.objects.filter(pk=item.pk, status__in=list(expected)).update(**fields)
    if changed != 1:
        raise ListConflict()
    item.refresh_from_db()
    return item


def item_tick(*, item: Item, by, note: str = "") -> Item:
    """销号: the matter is done (完成一项、销号一项)."""
    _keeper(item, by)
    fields = {"status": Item.Status.DONE, "finished_at": timezone.now(), "finished_by": by}
    if note.strip():
        fields["note"] = note.strip()
    return _swap(item, Item.PENDING, **fields)


def item_assign(*, item: Item, by, due_date: dt.date, owner=None, note: str = "") -> Item:
    """限时办结: not solved on the spot; a deadline (and perhaps another owner)."""
    _keeper(item, by)
    check_item_dates(item.heard_on, due_date)
    fields = {"status": Item.Status.ASSIGNED, "due_date": due_date, "owner": owner or item.owner}
    if note.strip():
        fields["note"] = note.strip()
    return _swap(item, [Item.Status.OPEN], **fields)


def item_close(*, item: Item, by, note: str) -> Item:
    """Close with a note (no longer needed, settled otherwise): the note is required."""
    _keeper(item, by)
    if not (note or "").strip():
        raise ValidationError({"note": "关闭事项须填写说明。"})
    return _swap(
        item, Item.PENDING, status=Item.Status.CLOSED, note=note.strip(), finished_at=timezone.now(), finished_by=by
    )


def item_link_case(*, item: Item, petition, by) -> Item:
    """The item became ``petition`` (registered through the intake page): linked both ways, once."""
    _keeper(item, by)
    changed = Item.objects.filter(pk=item.pk, status__in=list(Item.PENDING), petition=None).update(
        status=Item.Status.CASE, petition=petition, finished_at=timezone.now(), finished_by=by
    )
    if changed != 1:
        raise ListConflict("该事项已办结或已转为诉求，不能再转诉求。")
    item.refresh_from_db()
    return item


# --- Supervision ledger (挂帐督办台账) -----------------------------------------------------------------------


def _event(item: LedgerItem, action: str, by=None, note: str = "") -> LedgerEvent:
    return LedgerEvent.objects.create(item=item, action=action, actor=by, actor_name=_name(by), note=note)


def ledger_put_on(
    *,
    by,
    title: str,
    unit,
    due_date: dt.date,
    township=None,
    description: str = "",
    petitions: Iterable = (),
    weekly_ask: bool = True,
    halfmonth_check: bool = True,
    monthly_dispatch: bool = True,
    answer_days: int = 3,
    started_on: dt.date | None = None,
) -> LedgerItem:
    """挂帐: a leader (their township) or the county puts a problem — a case, several, or none — on the ledger."""
    petitions = list(petitions)
    if township is None and petitions:
        township = petitions[0].township
    if township is None and unit.township_id is not None:
        township = unit.township
    scope = scope_for(by)
    if not scope.may_put_on_ledger(township.pk if township else None):
        raise PermissionDenied("只有领导或县级可以挂帐督办。")
    started_on = started_on or timezone.localdate()
    errors = _cadence_errors(started_on, due_date, weekly_ask, halfmonth_check, monthly_dispatch, answer_days)
    if not (title or "").strip():
        errors["title"] = "请填写督办事项。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = LedgerItem.objects.create(
            township=township,
            title=title.strip(),
            description=description,
            unit=unit,
            due_date=due_date,
            started_on=started_on,
            weekly_ask=weekly_ask,
            halfmonth_check=halfmonth_check,
            monthly_dispatch=monthly_dispatch,
            answer_days=answer_days,
            put_on_by=by,
        )
        item.petitions.set(petitions)
        _event(item, "put_on", by, f"责任单位：{unit.name}，办结时限：{due_date:%Y-%m-%d}")
    return item


def _cadence_errors(started_on, due_date, weekly_ask, halfmonth_check, monthly_dispatch, answer_days) -> dict:
    errors = {}
    if due_date < started_on:
        errors["due_date"] = "办结时限不能早于挂帐日期。"
    if not (weekly_ask or halfmonth_check or monthly_dispatch):
        errors["weekly_ask"] = "请至少选择一种督办方式（每周一问、半月一查、每月一调度）。"
    if answer_days < 1:
        errors["answer_days"] = "回复期限至少1天。"
    return errors


def ledger_adjust(
    *, item: LedgerItem, by, due_date: dt.date, weekly_ask: bool, halfmonth_check: bool, monthly_dispatch: bool,
    answer_days: int,
) -> LedgerItem:  # fmt: skip
    """调整督办: a leader changes an item's cadence, answer days or due date while it is on the ledger. Requests
    already sent keep their dates; the next steps follow the new cadence (``ledger_run`` reads it each day)."""
    if not scope_for(by).may_lead_ledger(item):
        raise PermissionDenied("只有领导可以调整督办方式。")
    errors = _cadence_errors(item.started_on, due_date, weekly_ask, halfmonth_check, monthly_dispatch, answer_days)
    if errors:
        raise ValidationError(errors)
    fields = {"due_date": due_date, "weekly_ask": weekly_ask, "halfmonth_check": halfmonth_check,
              "monthly_dispatch": monthly_dispatch, "answer_days": answer_days}  # fmt: skip
    before = {name: getattr(item, name) for name in fields}
    if before == fields:
        return item
    with transaction.atomic():
        # Compare-and-set on what the leader saw: a second adjustment or a strike-off in between wins.
        if LedgerItem.objects.filter(pk=item.pk, status=LedgerItem.Status.ON, **before).update(**fields) != 1:
            raise ListConflict("该事项已销帐或刚被他人调整，请刷新后再试。")
        old = item.cadence
        item.refresh_from_db()
        changes = [f"督办方式：{old} → {item.cadence}"] if old != item.cadence else []
        if before["due_date"] != due_date:
            changes.append(f"办结时限：{before['due_date']:%Y-%m-%d} → {due_date:%Y-%m-%d}")
        _event(item, "adjusted", by, "；".join(changes))
    return item


def cadence_steps(item: LedgerItem, today: dt.date) -> list[tuple[str, dt.date]]:
    """The latest step of each of the item's cadences on or before ``today`` (and after the day it was put on):
    每周一问 on Mondays, 半月一查 on the 1st and the 16th, 每月一调度 on the 1st. Only the latest: a task that
    missed days catches up one step of each kind, not a backlog."""
    steps = []
    if item.weekly_ask:
        monday = today - dt.timedelta(days=today.weekday())
        steps.append((LedgerRequest.Kind.WEEKLY, monday))
    if item.halfmonth_check:
        steps.append((LedgerRequest.Kind.HALFMONTH, today.replace(day=16 if today.day >= 16 else 1)))
    if item.monthly_dispatch:
        steps.append((LedgerRequest.Kind.MONTHLY, today.replace(day=1)))
    return [(kind, day) for kind, day in steps if day > item.started_on]


def ledger_url(item: LedgerItem) -> str:
    return reverse("lists:ledger_detail", args=[item.pk])


def ledger_run(today: dt.date | None = None) -> dict:
    """The daily task: create each cadence step's request once, tell the unit once, and escalate each unanswered
    request past its answer-by date to the leader who put the item on, once."""
    from notifications.services import notification_send

    today = today or timezone.localdate()
    on = LedgerItem.objects.filter(status=LedgerItem.Status.ON).select_related("unit")
    rows = [
        LedgerRequest(item=item, kind=kind, step_on=day, answer_by=day + dt.timedelta(days=item.answer_days))
        for item in on
        for kind, day in cadence_steps(item, today)
    ]
    LedgerRequest.objects.bulk_create(rows, ignore_conflicts=True)
    out = {"notified": 0, "escalated": 0}
    now = timezone.now()
    for req in LedgerRequest.objects.filter(notified_at=None, item__status=LedgerItem.Status.ON).select_related(
        "item__unit"
    ):
        if LedgerRequest.objects.filter(pk=req.pk, notified_at=None).update(notified_at=now) != 1:
            continue
        staff = req.item.unit.staff.filter(is_active=True)
        notification_send(
            recipients=staff,
            kind="ledger.request",
            title=f"督办{req.get_kind_display()}：{req.item.title}",
            body=f"请于{req.answer_by:%Y年%-m月%-d日}前书面回复工作进展、存在困难和下步打算。",
            url=f"{ledger_url(req.item)}#request-{req.pk}",
        )
        out["notified"] += 1
    late = LedgerRequest.objects.filter(
        answered_at=None, escalated_at=None, answer_by__lt=today, item__status=LedgerItem.Status.ON
    ).select_related("item__unit", "item__put_on_by")
    for req in late:
        if LedgerRequest.objects.filter(pk=req.pk, escalated_at=None, answered_at=None).update(escalated_at=now) != 1:
            continue
        item = req.item
        _event(item, "escalated", None, f"{req.get_kind_display()}（{req.step_on:%Y-%m-%d}）逾期未回复")
        notification_send(
            recipients=[item.put_on_by],
            kind="ledger.overdue",
            title=f"督办逾期未回复：{item.title}",
            body=f"{item.unit.name}未在{req.answer_by:%Y年%-m月%-d日}前回复{req.get_kind_display()}。",
            url=f"{ledger_url(item)}#request-{req.pk}",
        )
        out["escalated"] += 1
    return out


def ledger_answer(*, request: LedgerRequest, by, progress: str, obstacles: str = "", next_step: str = "") -> None:
    """督办回复: the unit answers a request in writing, once."""
    item = request.item
    if not scope_for(by).may_answer_ledger(item):
        raise PermissionDenied("只有责任单位的人员可以回复该督办。")
    if not (progress or "").strip():
        raise ValidationError({"progress": "请填写工作进展。"})
    changed = LedgerRequest.objects.filter(pk=request.pk, answered_at=None, item__status=LedgerItem.Status.ON).update(
        answered_at=timezone.now(),
        answered_by=by,
        progress=progress.strip(),
        obstacles=(obstacles or "").strip(),
        next_step=(next_step or "").strip(),
    )
    if changed != 1:
        raise ListConflict("该督办已回复（或事项已销帐），不能重复回复。")
    _event(item, "answered", by, f"{request.get_kind_display()}（{request.step_on:%Y-%m-%d}）已回复")
    request.refresh_from_db()


def ledger_strike_off(*, item: LedgerItem, by, outcome: str) -> LedgerItem:
    """销帐: only a leader, with the outcome; once."""
    if not scope_for(by).may_lead_ledger(item):
        raise PermissionDenied("只有领导可以销帐。")
    if not (outcome or "").strip():
        raise ValidationError({"outcome": "销帐须填写办理结果。"})
    with transaction.atomic():
        changed = LedgerItem.objects.filter(pk=item.pk, status=LedgerItem.Status.ON).update(
            status=LedgerItem.Status.STRUCK, struck_by=by, struck_at=timezone.now(), outcome=outcome.strip()
        )
        if changed != 1:
            raise ListConflict("该事项已销帐。")
        _event(item, "struck", by, outcome.strip())
    item.refresh_from_db()
    return item


# --- Sweeps (排查) ------------------------------------------------------------------------------------------


def check_sweep_period(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "排查结束日期不能早于开始日期。"})


def sweep_create(
    *, by, township, kind: str, name: str, starts_on, ends_on, villages: Iterable, team: Iterable = (), tags=()
) -> Sweep:
    if not scope_for(by).may_plan_sweeps(township.pk):
        raise PermissionDenied("只有乡镇领导可以部署排查。")
    check_sweep_period(starts_on, ends_on)
    villages = list(villages)
    if not villages:
        raise ValidationError({"villages": "请选择排查的村。"})
    if any(v.township_id != township.pk for v in villages):
        raise ValidationError({"villages": "排查的村须属于本乡镇。"})
    with transaction.atomic():
        sweep = Sweep.objects.create(
            township=township, kind=kind, name=name, starts_on=starts_on, ends_on=ends_on, created_by=by
        )
        sweep.villages.set(villages)
        sweep.team.set(list(team))
        sweep.tags.set(list(tags))
    return sweep


def sweep_close(*, sweep: Sweep, by, summary: str) -> Sweep:
    if not scope_for(by).may_plan_sweeps(sweep.township_id):
        raise PermissionDenied("只有乡镇领导可以结束排查。")
    if not (summary or "").strip():
        raise ValidationError({"summary": "请填写排查总结。"})
    changed = Sweep.objects.filter(pk=sweep.pk, status=Sweep.Status.OPEN).update(
        status=Sweep.Status.CLOSED, summary=summary.strip(), closed_at=timezone.now()
    )
    if changed != 1:
        raise ListConflict("该排查已结束。")
    sweep.refresh_from_db()
    return sweep


# --- Early signs (苗头隐患) ----------------------------------------------------------------------------------


def sign_create(*, by, village, seen: str, risk: str, next_review: dt.date, watcher=None, households=()) -> Sign:
    if not scope_for(by).may_watch(village):
        raise PermissionDenied("您不能为该村登记苗头隐患。")
    if not (seen or "").strip():
        raise ValidationError({"seen": "请填写苗头隐患情况。"})
    if next_review < timezone.localdate():
        raise ValidationError({"next_review": "下次研判日期不能早于今天。"})
    sign = Sign.objects.create(
        township_id=village.township_id,
        village=village,
        seen=seen.strip(),
        risk=risk,
        next_review=next_review,
        watcher=watcher or by,
        created_by=by,
    )
    sign.households.set(list(households))
    return sign


def sign_review(*, sign: Sign, by, note: str, risk: str, next_review: dt.date) -> SignReview:
    if not scope_for(by).may_watch(sign.village):
        raise PermissionDenied("您不能研判该苗头隐患。")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写研判情况。"})
    with transaction.atomic():
        changed = Sign.objects.filter(pk=sign.pk, status=Sign.Status.WATCHING).update(
            risk=risk, next_review=next_review
        )
        if changed != 1:
            raise ListConflict("该苗头隐患已转诉求或已消除。")
        review = SignReview.objects.create(sign=sign, by=by, note=note.strip(), risk=risk, next_review=next_review)
    sign.refresh_from_db()
    return review


def sign_close(*, sign: Sign, by, note: str) -> Sign:
    if not scope_for(by).may_watch(sign.village):
        raise PermissionDenied("您不能处理该苗头隐患。")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写消除说明。"})
    if (
        Sign.objects.filter(pk=sign.pk, status=Sign.Status.WATCHING).update(
            status=Sign.Status.CLOSED, close_note=note.strip()
        )
        != 1
    ):
        raise ListConflict("该苗头隐患已转诉求或已消除。")
    sign.refresh_from_db()
    return sign


def sign_link_case(*, sign: Sign, petition, by) -> Sign:
    if not scope_for(by).may_watch(sign.village):
        raise PermissionDenied("您不能处理该苗头隐患。")
    if (
        Sign.objects.filter(pk=sign.pk, status=Sign.Status.WATCHING, petition=None).update(
            status=Sign.Status.RAISED, petition=petition
        )
        != 1
    ):
        raise ListConflict("该苗头隐患已转诉求或已消除。")
    sign.refresh_from_db()
    return sign


def signs_remind(today: dt.date | None = None) -> int:
    """The daily task: remind each watcher of a review that has come due, once per review date."""
    from notifications.services import notification_send

    today = today or timezone.localdate()
    sent = 0
    due = Sign.objects.filter(status=Sign.Status.WATCHING, next_review__lte=today).select_related("watcher", "village")
    for sign in due:
        if sign.reminded_for == sign.next_review:
            continue
        claimed = (
            Sign.objects.filter(pk=sign.pk, next_review=sign.next_review)
            .exclude(reminded_for=sign.next_review)
            .update(reminded_for=sign.next_review)
        )
        if claimed != 1:
            continue
        notification_send(
            recipients=[sign.watcher],
            kind="watch.review",
            title=f"苗头隐患待研判：{sign.village.name}",
            body=f"{sign.seen[:60]}（研判日期：{sign.next_review:%Y-%m-%d}）",
            url=f"{reverse('lists:sign_detail', args=[sign.pk])}?review={sign.next_review:%Y%m%d}",
        )
        sent += 1
    return sent
