"""Each role's desk on the home page: what waits for the reader, in a constant number of queries.

Every figure is read through ``visible_to(scope)`` and counts exactly what the petitions queue (or the
visits page) it links to lists, so a number and its list agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from meetings.models import Meeting
from minqing.access import Scope
from petitions.choices import OPEN_STATUSES, RUNNING_STATUSES, Status
from petitions.deadlines import due_soon_until
from petitions.models import ExtensionRequest, Petition
from petitions.querysets import REPEAT_WINDOW_DAYS, overdue_on

RECENT = 8  # rows in a desk's short lists


def _day(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


# --- Reception (前台接待) ---------------------------------------------------------------------------


def possible_repeats(scope: Scope, today: dt.date, days: int = 30):
    """Cases received in the last ``days`` days, not marked repeat, for which an earlier case from the same
    phone or household came in within the 90 days before — candidates to link or merge."""
    window = Q(
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("received_at") - dt.timedelta(days=REPEAT_WINDOW_DAYS),
    )
    earlier = Petition.objects.filter(window).exclude(status=Status.MERGED)
    # Two EXISTS, each served by its own index (phone; household), rather than one over an OR.
    same_phone = earlier.filter(petitioner_phone=OuterRef("petitioner_phone")).exclude(petitioner_phone="")
    same_household = earlier.filter(household=OuterRef("household"))
    since = _day(today)[1] - dt.timedelta(days=days)
    return (
        Petition.objects.visible_to(scope)
        .filter(received_at__gte=since, is_repeat=False, status__in=OPEN_STATUSES)
        .filter(~Q(petitioner_phone="") | Q(household__isnull=False))
        .filter(Exists(same_phone) | Exists(same_household))
        .select_related("village", "category")
        .order_by("-received_at", "-pk")
    )


def reception_desk(scope: Scope, today: dt.date) -> dict:
    start, end = _day(today)
    visible = Petition.objects.visible_to(scope)
    received_today = Q(received_at__gte=start, received_at__lt=end)
    # Start from the rows some figure counts (indexed: received_at; status), not the whole table.
    counts = visible.filter(received_today | Q(status__in=[Status.REGISTERED, Status.REPLIED])).aggregate(
        today=Count("pk", filter=received_today),
        registered=Count("pk", filter=Q(status=Status.REGISTERED)),
        replied=Count("pk", filter=Q(status=Status.REPLIED)),
    )
    return {
        "counts": counts,
        "today": today,
        "recent": list(visible.select_related("village", "category").order_by("-received_at", "-pk")[:RECENT]),
        "repeats": list(possible_repeats(scope, today)[:RECENT]),
    }


# --- Leader (领导) ----------------------------------------------------------------------------------


def leader_desk(scope: Scope, today: dt.date) -> dict:
    soon = due_soon_until(today)
    pending = ExtensionRequest.objects.filter(petition=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    running = Q(status__in=RUNNING_STATUSES)
    counts = (
        Petition.objects.visible_to(scope)
        .filter(status__in=OPEN_STATUSES)  # every figure is about open cases
        .alias(has_pending_extension=Exists(pending))
        .aggregate(
            instruction=Count("pk", filter=Q(status=Status.AWAITING_INSTRUCTION)),
            extensions=Count("pk", filter=Q(has_pending_extension=True)),
            overdue=Count("pk", filter=running & overdue_on(today)),
            supervised=Count("pk", filter=Q(supervised=True, status__in=OPEN_STATUSES)),
            due_soon=Count("pk", filter=running & Q(reply_by__gte=today, reply_by__lte=soon)),
            registered=Count("pk", filter=Q(status=Status.REGISTERED)),
            owned=Count("pk", filter=Q(owner_id=scope.user_id)),  # 我包的案件
        )
    )
    # 待公示 counts replied and closed cases too, so it is not part of the open cases' aggregate.
    to_publish = Petition.objects.visible_to(scope).awaiting_publication()
    counts["to_publish"] = to_publish.count()
    rows = Petition.objects.visible_to(scope).select_related("village", "category")
    return {
        "counts": counts,
        # 民情分析会 planned and not held by their date (the meetings app).
        "meetings_not_held": list(
            Meeting.objects.visible_to(scope)
            .filter(scope.townships_q("township"))
            .not_held_by_date(today)
            .select_related("kind")
            .order_by("date", "pk")[:RECENT]
        ),
        # The most pressing first: the statutory notice (告知) due soonest; the reply longest without a notice.
        "instruction": list(rows.awaiting_instruction().order_by(F("notice_by").asc(nulls_last=True), "pk")[:RECENT]),
        "to_publish": list(
            to_publish.select_related("village", "category").order_by(F("replied_at").asc(nulls_last=True), "pk")[
                :RECENT
            ]
        ),
    }


# --- Handler (承办人) -------------------------------------------------------------------------------


def handler_desk(scope: Scope, today: dt.date) -> dict:
    soon = due_soon_until(today)
    visible = Petition.objects.visible_to(scope)
    running = Q(status__in=RUNNING_STATUSES)
    reopened = Q(status=Status.IN_PROGRESS, reopen_count__gt=0)
    counts = visible.filter(status__in=OPEN_STATUSES).aggregate(
        to_sign=Count("pk", filter=Q(status=Status.ASSIGNED)),
        in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        overdue=Count("pk", filter=running & overdue_on(today)),
        due_soon=Count("pk", filter=running & Q(reply_by__gte=today, reply_by__lte=soon)),
        supervised=Count("pk", filter=Q(supervised=True, status__in=OPEN_STATUSES)),
        reopened=Count("pk", filter=reopened),
    )
    rows = visible.select_related("village", "category", "lead_department").with_deadline_state(today)
    return {
        "counts": counts,
        "in_progress": list(
            rows.filter(status=Status.IN_PROGRESS).order_by(F("reply_by").asc(nulls_last=True), "pk")[:RECENT]
        ),
        "reopened": list(rows.filter(reopened).order_by(F("reply_by").asc(nulls_last=True), "pk")[:RECENT]),
    }


# --- Liaison (村联络员) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiaisonFigures:
    visits: int
    contacts: int
    contacts_behind: int
    revisits_due: int
    village_open: int
    village_triage: int

    @property
    def contacts_visited(self) -> int:
        return self.contacts - self.contacts_behind


def liaison_desk(scope: Scope, today: dt.date) -> dict:
    from visits.models import Visit
    from visits.querysets import Month, contact_households, revisit_queue

    month = Month(today.year, today.month)
    visits = Visit.objects.visible_to(scope).in_month(month)
    contacts = contact_households(scope, month).aggregate(
        total=Count("pk"), behind=Count("pk", filter=Q(visited_in_month=False))
    )
    figures = LiaisonFigures(
        visits=visits.count(),
        contacts=contacts["total"],
        contacts_behind=contacts["behind"],
        revisits_due=revisit_queue(scope).filter(is_due=True).count(),
        village_open=Petition.objects.visible_to(scope).open().count(),
        village_triage=Petition.objects.visible_to(scope).filter(status=Status.VILLAGE_TRIAGE).count(),
    )
    return {
        "figures": figures,
        "month": month,
        "month_start": dt.date(month.year, month.month, 1),
        "recent_visits": list(visits.select_related("village").order_by("-visited_at", "-pk")[:5]),
        # The next village meetings (村两委分析会) of the liaison's villages.
        "next_meetings": list(
            Meeting.objects.visible_to(scope)
            .filter(level="village", status=Meeting.Status.PLANNED, date__gte=today)
            .order_by("date", "pk")[:3]
        ),
    }


# --- Duty (值班, every desk of a township) ------------------------------------------------------------


def duty_desk(scope: Scope, today: dt.date) -> dict:
    """Who is on duty today in the reader's townships (duty.rota), the leader's 今日接访 when they are today's
    带班领导, and the mailboxes not opened on their day (the center only)."""
    from duty import rota
    from duty.models import Post
    from duty.services import missed_mailboxes
    from households.models import Township

    township_ids = sorted(scope.township_ids)
    names = dict(Township.objects.filter(pk__in=township_ids).values_list("pk", "name"))
    board = rota.day_board(township_ids, today)
    out: dict = {
        "boards": [(names.get(t, ""), posts) for t, posts in board.items()],
        "several": len(township_ids) > 1,
        "received": [],
        "on_duty_leader": False,
    }
    if scope.is_leader:
        leading = [
            t
            for t, posts in board.items()
            if any(post.code == Post.LEADER and any(u.pk == scope.user_id for u in people) for post, people in posts)
        ]
        if leading:
            out["on_duty_leader"] = True
            out["received"] = list(
                rota.received_today(leading, scope.user_id, today)
                .select_related("village", "category")
                .order_by("-received_at", "-pk")[:RECENT]
            )
    out["missed_mailboxes"] = missed_mailboxes(township_ids, today) if scope.is_center else []
    return out


def desks_for(scope: Scope, today: dt.date | None = None) -> dict:
    """The context of each desk the scope has, keyed by role."""
    today = today or timezone.localdate()
    out = {}
    if scope.is_reception:
        out["reception"] = reception_desk(scope, today)
    if scope.is_leader:
        out["leader"] = leader_desk(scope, today)
    if scope.is_handler:
        out["handler"] = handler_desk(scope, today)
    if scope.is_liaison:
        out["liaison"] = liaison_desk(scope, today)
    if scope.may_read_rota and scope.township_ids:
        out["duty"] = duty_desk(scope, today)
    if scope.may_read_lists and not scope.is_county:
        out["items"] = items_desk(scope, today)
    return out


# --- 我的清单 (lists.Item): what the reader owns (and their office's), past due first -------------------------


def items_desk(scope: Scope, today: dt.date) -> dict:
    from lists.models import Item

    mine = Q(owner_id=scope.user_id)
    if scope.is_handler:
        mine |= Q(department_id__in=scope.department_ids)
    pending = Item.objects.visible_to(scope).filter(mine).pending()
    counts = pending.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return {
        "pending": counts["total"],
        "overdue": counts["overdue"],
        "overdue_items": list(
            pending.filter(due_date__lt=today).select_related("village").order_by("due_date", "pk")[:5]
        ),
    }
