"""What changes a rota or the mailbox log: save a month's grid (all or nothing), copy or fill a pattern, swap a
day, record an opening and its letters, remind whoever did not open a box. Reads of "who is on duty" are
``duty.rota``'s."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from duty import rota
from duty.models import Mailbox, MailboxOpening, MailboxReminder, Post, RotaEntry, Swap
from households.models import Township
from minqing.access import scope_for

logger = logging.getLogger(__name__)

Cells = dict[tuple[dt.date, int], list[int]]  # (day, post id) → user ids, in slot order

STALE = "本月值班表已被他人修改，请刷新页面后重新排班。"


# --- Months -------------------------------------------------------------------------------------------------


def month_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def month_version(township, days: list[dt.date]) -> str:
    """A short fingerprint of a month's rota as saved: a planner's save is refused when the month changed since
    their page was drawn (compare-and-set), so two planners never overwrite each other unseen."""
    rows = (
        RotaEntry.objects.filter(township=township, date__gte=days[0], date__lte=days[-1])
        .order_by("date", "post_id", "slot")
        .values_list("date", "post_id", "slot", "user_id")
    )
    return hashlib.sha1(repr(list(rows)).encode()).hexdigest()[:16]


def saved_cells(township, days: list[dt.date]) -> Cells:
    return {key: [u.pk for u in people] for key, people in rota.month_cells(township, days[0], days[-1]).items()}


def copy_previous_month(township, year: int, month: int) -> Cells:
    """复制上月: each day takes the people of the same weekday of the same week of the previous month (the 2nd
    Tuesday from the 2nd Tuesday; a 5th weekday the previous month lacks, from its last one)."""
    prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    previous = month_days(prev_year, prev_month)
    source = saved_cells(township, previous)
    by_weekday: dict[int, list[dt.date]] = {}
    for day in previous:
        by_weekday.setdefault(day.weekday(), []).append(day)
    cells: Cells = {}
    for day in month_days(year, month):
        same = by_weekday[day.weekday()]
        src = same[min((day.day - 1) // 7, len(same) - 1)]
        for (src_day, post_id), people in source.items():
            if src_day == src:
                cells[(day, post_id)] = list(people)
    return cells


def fill_by_week(cells: Cells, year: int, month: int) -> Cells:
    """按周填充: the first seven days of the month (one of each weekday) repeated by weekday over the rest."""
    days = month_days(year, month)
    pattern = {d.weekday(): d for d in days[:7]}
    out: Cells = {key: list(v) for key, v in cells.items() if key[0] in pattern.values()}
    post_ids = {post_id for _, post_id in cells}
    for day in days[7:]:
        src = pattern[day.weekday()]
        for post_id in post_ids:
            if cells.get((src, post_id)):
                out[(day, post_id)] = list(cells[(src, post_id)])
    return out


# --- Saving a month -----------------------------------------------------------------------------------------


def rota_save_month(*, by, township: Township, days: list[dt.date], posts: list[Post], cells: Cells, version: str):
    """Replace the month's rota of ``posts`` with ``cells`` (already validated by duty.forms.RotaGrid), all or
    nothing. The township's row is locked for the save, and ``version`` must still match (else STALE); the
    constraints on RotaEntry refuse a second person in a slot or a person twice on a post, whatever happens."""
    if not scope_for(by).may_plan_rota(township.pk):
        raise PermissionDenied("您不能为该乡镇排班。")
    try:
        with transaction.atomic():
            Township.objects.select_for_update().get(pk=township.pk)
            if version != month_version(township, days):
                raise ValidationError(STALE)
            RotaEntry.objects.filter(township=township, date__gte=days[0], date__lte=days[-1], post__in=posts).delete()
            RotaEntry.objects.bulk_create(
                [
                    RotaEntry(township=township, date=day, post_id=post_id, slot=slot, user_id=user_id, planned_by=by)
                    for (day, post_id), user_ids in sorted(cells.items())
                    for slot, user_id in enumerate(user_ids)
                ]
            )
    except IntegrityError:
        raise ValidationError(STALE) from None


# --- Swaps --------------------------------------------------------------------------------------------------


def rota_swap(*, by, township: Township, day: dt.date, post: Post, from_user, to_user, reason: str) -> Swap:
    """换班: ``to_user`` takes ``from_user``'s place on ``post`` that day; the swap is recorded. Refused (on the
    field) when the replacement is absent, may not hold the post, or is on it already."""
    if not scope_for(by).may_plan_rota(township.pk):
        raise PermissionDenied("您不能为该乡镇登记换班。")
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = "请填写换班原因。"
    with transaction.atomic():
        Township.objects.select_for_update().get(pk=township.pk)
        entry = RotaEntry.objects.filter(township=township, date=day, post=post, user=from_user).first()
        if entry is None:
            errors["from_user"] = f"{_name(from_user)}当天不在{post.name}岗位上。"
        if to_user.pk == from_user.pk:
            errors["to_user"] = "替班人不能是原值班人本人。"
        elif RotaEntry.objects.filter(township=township, date=day, post=post, user=to_user).exists():
            errors["to_user"] = f"{_name(to_user)}当天已在{post.name}岗位上。"
        else:
            people = list(rota.township_people(township).filter(pk=to_user.pk))
            if not people or people[0] not in rota.candidates(post, people):
                role = f"（须为本乡镇{post.get_role_display()}）" if post.role else "（须为本乡镇工作人员）"
                errors["to_user"] = f"{_name(to_user)}不能担任{post.name}{role}。"
            else:
                absence = rota.absence_on(rota.absences([to_user.pk], day, day), to_user.pk, day)
                if absence is not None:
                    errors["to_user"] = f"{_name(to_user)}当天{absence.reason}，不能替班。"
        if errors:
            raise ValidationError(errors)
        entry.user = to_user
        entry.planned_by = by
        entry.save(update_fields=["user", "planned_by"])
        return Swap.objects.create(
            township=township,
            date=day,
            post=post,
            from_user=from_user,
            to_user=to_user,
            reason=reason.strip(),
            recorded_by=by,
        )


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- The mailbox --------------------------------------------------------------------------------------------


def due_date(mailbox: Mailbox, today: dt.date) -> dt.date | None:
    """The box's last opening day before ``today`` (None while the box is newer than that)."""
    days_back = (today.weekday() - mailbox.weekday - 1) % 7 + 1
    due = today - dt.timedelta(days=days_back)
    return None if due < timezone.localtime(mailbox.created_at).date() else due


def missed_mailboxes(township_ids: Iterable[int] | None, today: dt.date) -> list[tuple[Mailbox, dt.date]]:
    """(box, its day) for each active box not opened on its last day before ``today`` (nor since): shown on the
    desk from the next day on, until an opening is recorded. ``None``: every township. One query."""
    boxes = Mailbox.objects.filter(is_active=True).select_related("township", "responsible")
    if township_ids is not None:
        boxes = boxes.filter(township_id__in=township_ids)
    out = []
    for box in boxes.annotate(last_opened=Max("openings__date")).order_by("township__sort_order", "place"):
        due = due_date(box, today)
        if due is not None and (box.last_opened is None or box.last_opened < due):
            out.append((box, due))
    return out


def mailbox_reminders_send(today: dt.date | None = None) -> int:
    """Daily: tell the person responsible for each box not opened on its day, once per box and day (a
    MailboxReminder row claimed by compare-and-set). Returns how many were sent."""
    from petitions.notify import Message, claim_and_deliver

    today = today or timezone.localdate()
    missed = missed_mailboxes(None, today)
    MailboxReminder.objects.bulk_create(
        [MailboxReminder(mailbox=box, due_date=due) for box, due in missed], ignore_conflicts=True
    )
    due_of = {box.pk: (box, due) for box, due in missed}
    sent = 0
    for reminder in MailboxReminder.objects.filter(sent_at__isnull=True, mailbox_id__in=due_of):
        box, due = due_of[reminder.mailbox_id]
        if reminder.due_date != due:
            continue
        msg = Message(
            recipients=[box.responsible],
            kind="duty.mailbox_missed",
            title=f"民意信箱未按时开箱：{box.place}"[:200],
            body=f"{box.township.name}{box.place}的民意信箱应于{due:%Y-%m-%d}（{box.get_weekday_display()}）开箱，"
            "尚无开箱记录。请尽快开箱并登记。",
            url=reverse("duty:mailboxes"),
        )
        try:
            sent += claim_and_deliver(MailboxReminder, reminder.pk, msg)
        except Exception:  # noqa: BLE001 — one failing reminder must not hold up the others; it stays unsent
            logger.exception("mailbox reminder %s could not be sent", reminder.pk)
    return sent


def mailbox_open(*, by, mailbox: Mailbox, date: dt.date, opened_by, witness, letter_count: int, note: str = ""):
    """开箱: record who opened ``mailbox`` on ``date`` with which witness and how many letters were found."""
    scope = scope_for(by)
    if not scope.may_keep_mailbox(mailbox.township_id):
        raise PermissionDenied("您不能登记该信箱的开箱记录。")
    errors: dict[str, str] = {}
    if date > timezone.localdate():
        errors["date"] = "开箱日期不能晚于今天。"
    elif MailboxOpening.objects.filter(mailbox=mailbox, date=date).exists():
        errors["date"] = "该信箱当天已有开箱记录。"
    if witness is not None and opened_by is not None and witness.pk == opened_by.pk:
        errors["witness"] = "见证人不能是开箱人本人。"
    people = set(rota.township_people(mailbox.township).values_list("pk", flat=True))
    if opened_by is not None and opened_by.pk not in people:
        errors["opened_by"] = "开箱人须为本乡镇工作人员。"
    if witness is not None and witness.pk not in people and "witness" not in errors:
        errors["witness"] = "见证人须为本乡镇工作人员。"
    if letter_count < 0:
        errors["letter_count"] = "信件数不能为负。"
    if errors:
        raise ValidationError(errors)
    return MailboxOpening.objects.create(
        mailbox=mailbox,
        date=date,
        opened_by=opened_by,
        witness=witness,
        letter_count=letter_count,
        note=(note or "").strip(),
        recorded_by=by,
    )


def mailbox_letter_add(opening: MailboxOpening, petition) -> None:
    """Link a case registered from the opening's page to it; refused once every letter found is registered.
    Runs inside the intake's transaction (petitions.intake's ``after_register``): a refusal saves nothing."""
    opening = MailboxOpening.objects.select_for_update().get(pk=opening.pk)
    if opening.letters.count() >= opening.letter_count:
        raise ValidationError(f"本次开箱共{opening.letter_count}封信，已全部登记。")
    if petition.township_id != opening.mailbox.township_id:
        raise ValidationError("信件须登记为该信箱所在乡镇的诉求。")
    opening.letters.add(petition)
