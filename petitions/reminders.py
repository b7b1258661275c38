"""The deadline reminder scan (issue 7): plain functions, run by the periodic task and by
``manage.py send_deadline_reminders``.

For each level (``Reminder.Level``) the scan

1. finds the cases due for it now (``due_petitions``);
2. inserts one ``Reminder`` row per case with ``bulk_create(ignore_conflicts=True)`` — the unique
   constraint (petition, level) makes a second insert a no-op;
3. claims each unsent row of a case still due by compare-and-set on ``sent_at IS NULL`` and notifies
   only the rows it claimed (``petitions.notify.claim_and_deliver``).

So each case gets each level of reminder once, also when two scans run at once or a task is delivered
twice; and a row left unsent (the worker died, the broker was down, sending failed) is claimed by the
next scan, as long as the case is still due.

Who is told: the handling department's staff and the routing leader; for ``revisit_due`` the liaisons
of the case's village (or, where the village has none, the routing leader, else whoever registered
the case).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from petitions import notify
from petitions.choices import Status
from petitions.models import Petition, Reminder

logger = logging.getLogger(__name__)

Level = Reminder.Level


def _date(value) -> str:
    return value.isoformat() if value else "未定"


def _department_and_leader(petition: Petition) -> list[list]:
    """The department, the leader who routed the case and the leader who owns it (包案), each told once."""
    return [notify.department_staff(petition), notify.routing_leader(petition), notify.owner(petition)]


def _revisit_team(petition: Petition) -> list[list]:
    liaisons = notify.village_liaisons(petition)
    if liaisons:
        return [liaisons]
    return [notify.routing_leader(petition) or notify.registered_by(petition)]


@dataclass(frozen=True)
class LevelRule:
    title: str  # "{case}" as in petitions.notify
    body: Callable[[Petition], str]
    audiences: Callable[[Petition], list[list]]
    sms: bool = False


RULES: dict[str, LevelRule] = {
    Level.SIGN_OVERDUE: LevelRule(
        "超期未签收：{case}",
        lambda p: f"签收期限：{_date(p.sign_by)}，已过期仍未签收。请尽快签收，不属本单位职责的请退回。",
        _department_and_leader,
    ),
    Level.DUE_SOON: LevelRule(
        "即将到期：{case}",
        lambda p: f"答复期限：{_date(p.reply_by)}，请抓紧办理并按期答复。",
        _department_and_leader,
    ),
    Level.OVERDUE: LevelRule(
        "已超期：{case}",
        lambda p: f"答复期限：{_date(p.reply_by)}，已超期未答复。请尽快办理答复，确需延期的请申请延期。",
        _department_and_leader,
        sms=True,
    ),
    Level.SUPERVISED: LevelRule(
        "督办件待办结：{case}",
        lambda p: f"该诉求已被领导督办，答复期限：{_date(p.reply_by)}。请优先办理。",
        _department_and_leader,
        sms=True,
    ),
    Level.REVISIT_DUE: LevelRule(
        "回访到期：{case}",
        lambda p: (
            f"{timezone.localtime(p.replied_at):%Y-%m-%d}已答复，回访已到期。请联系诉求人回访并记录满意度。"
            if p.replied_at
            else "回访已到期。"
        ),
        _revisit_team,
    ),
}


def due_petitions(level: str, *, today: dt.date | None = None, now: dt.datetime | None = None) -> QuerySet:
    """The cases due for ``level`` reminders at ``now`` (``today`` defaults to its local date)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    cases = Petition.objects.all()
    if level == Level.SIGN_OVERDUE:
        return cases.sign_overdue(today)
    if level == Level.DUE_SOON:
        return cases.due_soon(today)
    if level == Level.OVERDUE:
        return cases.overdue(today)
    if level == Level.SUPERVISED:
        # Supervised and still with a department: after the reply the revisit takes over.
        return cases.supervised().running()
    if level == Level.REVISIT_DUE:
        from visits.querysets import revisit_after_days

        return cases.filter(status=Status.REPLIED, replied_at__lte=now - dt.timedelta(days=revisit_after_days()))
    raise ValueError(f"unknown reminder level {level!r}")


def reminders_create(level: str, petition_ids) -> None:
    """Insert the level's row for each case; rows that exist already are left alone (unique constraint)."""
    Reminder.objects.bulk_create(
        [Reminder(petition_id=pk, level=level) for pk in sorted(petition_ids)],  # one order: no deadlocks
        ignore_conflicts=True,
        batch_size=500,
    )


def unsent_reminders(level: str, due: QuerySet) -> QuerySet:
    """The level's unsent rows of cases still due, with what their message needs."""
    return (
        Reminder.objects.filter(level=level, sent_at__isnull=True, petition__in=due.values("pk"))
        .select_related(
            "petition__category",
            "petition__lead_department",
            "petition__routed_by",
            "petition__owner",
            "petition__village",
            "petition__created_by",
        )
        .prefetch_related("petition__lead_department__staff", "petition__village__liaisons")
        .order_by("petition_id")
    )


def reminder_kind(level: str) -> str:
    """The inbox kind of a level's reminders (``notifications.Notification.kind``)."""
    return f"reminder.{level}"


def reminder_message(reminder: Reminder) -> notify.Message:
    rule = RULES[reminder.level]
    petition = reminder.petition
    return notify.message(
        petition,
        kind=reminder_kind(reminder.level),
        title=rule.title,
        body=rule.body(petition),
        audiences=rule.audiences(petition),
        sms=rule.sms,
    )


def reminder_send(reminder: Reminder) -> bool:
    """Claim and send one reminder; False when another scan had claimed it."""
    return notify.claim_and_deliver(Reminder, reminder.pk, reminder_message(reminder))


def reminders_send_level(level: str, *, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Steps 1–3 for one level; returns how many reminders this call sent."""
    due = due_petitions(level, today=today, now=now)
    reminders_create(level, due.values_list("pk", flat=True))
    sent = 0
    for reminder in unsent_reminders(level, due):
        try:
            sent += reminder_send(reminder)
        except Exception:  # noqa: BLE001 — one bad row must not hold up the rest; it stays unsent for the next scan
            logger.exception("reminder %s (%s) could not be sent", reminder.pk, level)
    return sent


def reminders_scan(*, today: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """One scan over every level: ``{level: reminders sent}``, every level present, in ``Level`` order."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    counts = {level: reminders_send_level(level, today=today, now=now) for level in Level.values}
    if any(counts.values()):
        logger.info("deadline reminders sent: %s", counts)
    return counts
