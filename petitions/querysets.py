"""Reads of the case pipeline: who sees which cases, list data, queues and deadline queries."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from minqing.access import Scope
from petitions.choices import FINISHED_STATUSES, OPEN_STATUSES, RUNNING_STATUSES, Action, Status

#: How far back a closed case still counts as "recent" for repeat detection (domain.md: 90 days).
REPEAT_WINDOW_DAYS = 90


def overdue_on(day: dt.date) -> Q:
    """The one rule of "overdue": a reply deadline is missed from the day after it, so an unreplied case is
    overdue on ``day`` when its deadline is before ``day``. The overdue queue, the supervision board, the
    reminders and the monthly report's 超期事项 all ask this."""
    return Q(reply_by__lt=day)


class PetitionQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Center roles (leader, reception, admin) see every case of their townships and the county every
        township's; a handler the cases led or assisted by their departments (a county-level unit's, from any
        township); a liaison the cases of their villages; several roles see the union."""
        if scope.sees_every_township:
            return self
        in_townships = scope.townships_q("township")
        if scope.is_center and not (scope.is_handler or scope.is_liaison):
            return self.filter(in_townships)
        # One id subquery, each branch able to use its own index (a plain OR of them makes PostgreSQL scan
        # every case at county scale): led by, assisted by, or in the village of the reader.
        Petition = apps.get_model("petitions", "Petition")
        branches = []
        if scope.is_center:
            branches.append(Petition.objects.filter(in_townships).order_by().values("pk"))
        if scope.is_handler and scope.department_ids:
            branches.append(
                Petition.objects.filter(lead_department_id__in=scope.department_ids).order_by().values("pk")
            )
            branches.append(
                Petition.assisting_departments.through.objects.filter(department_id__in=scope.department_ids)
                .order_by()
                .values("petition_id")
            )
        if scope.is_liaison and scope.village_ids:
            branches.append(Petition.objects.filter(village_id__in=scope.village_ids).order_by().values("pk"))
        if not branches:
            return self.none()
        ids = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
        return self.filter(pk__in=ids)

    def linkable_to_person(self, scope: Scope):
        """The visible cases whose petitioner ``scope`` may see (``petitions.identity``): what a list that ties
        cases to a phone, an ID number or a household may show (the repeat check, a household's timeline)."""
        from petitions.identity import identity_visible

        return self.visible_to(scope).filter(identity_visible(scope))

    def with_list_data(self):
        """Everything a list row shows, in a constant number of queries."""
        return self.select_related("village", "category", "lead_department", "household").prefetch_related(
            "assisting_departments"
        )

    def with_detail_data(self):
        """The case page: one select_related chain, events with their actors, and the child rows."""
        return self.select_related(
            "village",
            "category",
            "category__default_department",
            "lead_department",
            "household",
            "household__village",
            "routed_by",
            "signed_by",
            "created_by",
            "repeat_of",
            "merged_into",
            "publication",  # the 公示 / 撤下公示 buttons' guard
        ).prefetch_related(
            "assisting_departments",
            "representatives",
            "attachments",
            models.Prefetch(
                "events", queryset=apps.get_model("petitions", "PetitionEvent").objects.select_related("actor")
            ),
            "extension_requests",
            models.Prefetch(
                "replies", queryset=apps.get_model("petitions", "Reply").objects.select_related("department")
            ),
            "supervision_notices",
        )

    # --- states ---------------------------------------------------------------------------
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def finished(self):
        return self.filter(status__in=FINISHED_STATUSES)

    def awaiting_instruction(self):
        return self.filter(status=Status.AWAITING_INSTRUCTION)

    def awaiting_publication(self):
        """待公示: replied or closed (the states 公示 starts from), never put on the board, and not taken off it by a
        leader (撤下公示, with a reason: the leader said no). A case taken off because its petitioner was not
        satisfied (``workflow.REOPENED_OFF_BOARD``) waits again once it is replied to anew."""
        from petitions.workflow import REOPENED_OFF_BOARD, TRANSITIONS

        never = Q(publication__isnull=True)
        reopened = Q(publication__is_published=False, publication__unpublish_reason=REOPENED_OFF_BOARD)
        return self.filter(status__in=TRANSITIONS[Action.PUBLISH].sources).filter(never | reopened)

    def running(self):
        """Routed and not yet replied: the township clock runs against a department."""
        return self.filter(status__in=RUNNING_STATUSES)

    def supervised(self):
        return self.filter(supervised=True).open()

    def closed_without_satisfaction(self):
        return self.filter(status=Status.CLOSED, closed_without_satisfaction=True)

    # --- deadlines ------------------------------------------------------------------------
    def overdue(self, today: dt.date | None = None):
        """Routed, not replied, and past the reply deadline (red)."""
        today = today or timezone.localdate()
        return self.running().filter(overdue_on(today))

    def due_soon(self, today: dt.date | None = None):
        """Routed, not replied, and the reply deadline inside the last working day(s) (yellow)."""
        from petitions.deadlines import due_soon_until

        today = today or timezone.localdate()
        return self.running().filter(reply_by__gte=today, reply_by__lte=due_soon_until(today))

    def sign_overdue(self, today: dt.date | None = None):
        """Routed and not signed for by the sign-for deadline."""
        today = today or timezone.localdate()
        return self.filter(status=Status.ASSIGNED, sign_by__lt=today)

    def with_deadline_state(self, today: dt.date | None = None):
        """Annotate ``deadline_state``: "overdue", "due_soon", "ok" or "" (no running deadline), with one
        calendar query for the whole list (petitions.deadlines.deadline_state says the same for one case)."""
        from petitions.deadlines import due_soon_until

        today = today or timezone.localdate()
        running = Q(status__in=RUNNING_STATUSES, reply_by__isnull=False)
        return self.annotate(
            deadline_state=Case(
                When(running & overdue_on(today), then=Value("overdue")),
                When(running & Q(reply_by__lte=due_soon_until(today)), then=Value("due_soon")),
                When(running, then=Value("ok")),
                default=Value(""),
                output_field=CharField(),
            )
        )

    def with_pending_extension(self):
        ExtensionRequest = apps.get_model("petitions", "ExtensionRequest")
        return self.annotate(
            has_pending_extension=Exists(
                ExtensionRequest.objects.filter(petition=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
            )
        )

    # --- repeats --------------------------------------------------------------------------
    def likely_repeats(self, *, phone: str = "", id_number: str = "", household=None, now: dt.datetime | None = None):
        """Open cases, or cases received in the last 90 days, from the same phone, ID number or household."""
        match = Q(pk__in=[])
        if phone:
            match |= Q(petitioner_phone=phone)
        if id_number:
            match |= Q(petitioner_id_number=id_number.upper())
        if household is not None:
            match |= Q(household=household)
        if not (phone or id_number or household is not None):
            return self.none()
        now = now or timezone.now()
        recent = Q(received_at__gte=now - dt.timedelta(days=REPEAT_WINDOW_DAYS))
        return self.filter(match).filter(Q(status__in=OPEN_STATUSES) | recent).exclude(status=Status.MERGED)


class PetitionEventQuerySet(models.QuerySet):
    def timeline(self):
        """Newest first, with the actor (one query)."""
        return self.select_related("actor").order_by("-created_at", "-pk")


def find_likely_repeats(*, phone: str = "", id_number: str = "", household=None, exclude_pk: int | None = None):
    """The intake page's repeat check (domain.md: open or recent, 90 days; same phone, ID number or household).

    ``phone`` and ``id_number`` are normalised the way intake stores them; bad values simply match nothing.
    """
    from households.idcard import normalize_id_number
    from households.phones import normalize_phone

    Petition = apps.get_model("petitions", "Petition")
    try:
        phone = normalize_phone(phone) if phone else ""
    except ValidationError:  # a half-typed number matches nothing
        phone = ""
    qs = Petition.objects.likely_repeats(
        phone=phone, id_number=normalize_id_number(id_number) if id_number else "", household=household
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("category", "village").order_by("-received_at")
