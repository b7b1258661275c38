"""Reads of the case pipeline: who sees which cases, list data, queues and deadline queries."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, CharField, Exists, F, Lookup, OuterRef, Q, Value, When
from django.utils import timezone

from minqing.access import Scope
from minqing.search import contains
from petitions.choices import FINISHED_STATUSES, GROUP_VISIT_MIN, OPEN_STATUSES, RUNNING_STATUSES, Action, Status

#: How far back a closed case still counts as "recent" for repeat detection (domain.md: 90 days).
REPEAT_WINDOW_DAYS = 90


def overdue_on(day: dt.date) -> Q:
    """The one rule of "overdue": a reply deadline is missed from the day after it, so an unreplied case is
    overdue on ``day`` when its deadline is before ``day``. The overdue queue, the supervision board, the
    reminders and the monthly report's 超期事项 all ask this."""
    return Q(reply_by__lt=day)


#: 集体访 in a query (Petition.is_group_visit on one case).
GROUP_VISIT = Q(head_count__gte=GROUP_VISIT_MIN)


class _AnyOf(Lookup):
    """``pk = ANY(ARRAY(subquery))`` on PostgreSQL, ``pk IN (subquery)`` elsewhere. ORed with an indexed condition,
    the array is computed once and both sides become one bitmap scan; an ``IN (subquery)`` or ``EXISTS`` there is
    checked row by row over the whole table (a department's count: 680 → 6 ms at county scale)."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        rhs = rhs if rhs.startswith("(") else f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def _led_or_assisted(department_ids) -> Q:
    """The cases led or assisted by one of ``department_ids``, as a condition on the case itself."""
    Petition = apps.get_model("petitions", "Petition")
    assisting = Petition.assisting_departments.through.objects.filter(department_id__in=department_ids)
    return Q(lead_department_id__in=department_ids) | Q(_AnyOf(F("pk"), assisting.values("petition_id").query))


class PetitionQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Center roles (leader, reception, admin) see every case of their townships and the county every
        township's; a handler the cases led or assisted by their departments (a county-level unit's, from any
        township); a liaison the cases of their villages; several roles see the union."""
        if scope.sees_every_township:
            return self
        # A condition on the case itself per role, each answered by its own index: in the reader's townships, led
        # or assisted by their departments, in their villages.
        conditions = []
        if scope.is_center:
            conditions.append(scope.townships_q("township"))
        if scope.is_handler and scope.department_ids:
            conditions.append(_led_or_assisted(scope.department_ids))
        if scope.is_liaison and scope.village_ids:
            conditions.append(Q(village_id__in=scope.village_ids))
        if not conditions:
            return self.none()
        if len(conditions) == 1:
            return self.filter(conditions[0])
        # Several roles: one id subquery, a UNION of a branch per role (a plain OR of them makes PostgreSQL scan
        # every case at county scale).
        Petition = apps.get_model("petitions", "Petition")
        branches = [Petition.objects.filter(condition).order_by().values("pk") for condition in conditions]
        return self.filter(pk__in=branches[0].union(*branches[1:]))

    def handled_by(self, department):
        """The cases ``department`` leads or assists, each once (no join to the assisting table: no ``DISTINCT``
        over whole rows, which read every closed case at county scale)."""
        return self.filter(_led_or_assisted([department.pk]))

    def linkable_to_person(self, scope: Scope):
        """The visible cases whose petitioner ``scope`` may see (``petitions.identity``): what a list that ties
        cases to a phone, an ID number or a household may show (the repeat check, a household's timeline)."""
        from petitions.identity import identity_visible

        return self.visible_to(scope).filter(identity_visible(scope))

    def search(self, term: str, scope: Scope):
        """The case list's search box: the summary, the tracking number (as typed, or normalised: ``mqdx202611 42``
        finds ``MQDX202611-0042``), and the petitioner's name and phone where ``scope`` may see the petitioner
        (an accusation hides its accuser, ``petitions.identity``).

        Each column is matched through ``minqing.search.contains``, which its GIN indexes answer on PostgreSQL
        (migration 0019), so a search ORs a few index scans instead of reading every case. Tracking numbers and
        phones (normalised to digits) are ASCII: a term with a Chinese character cannot match them and is not
        looked for there, which keeps every branch of the OR on an index."""
        from petitions.identity import identity_visible
        from petitions.numbers import normalize_tracking_number

        term = (term or "").strip()
        if not term:
            return self
        query = contains("summary", term)
        person = contains("petitioner_name", term)
        if number := normalize_tracking_number(term):
            query |= Q(tracking_number=number)
        if term.isascii():
            query |= contains("tracking_number", term)
            person |= Q(petitioner_phone__contains=term)
        return self.filter(query | (person & identity_visible(scope)))

    def with_list_data(self):
        """Everything a list row shows, in a constant number of queries."""
        return self.select_related("village", "category", "lead_department", "household").prefetch_related(
            "assisting_departments"
        )

    def with_detail_data(self):
        """The case page: one select_related chain, events with their actors, and the child rows. The people
        it names come after it, in one query (``attach_people``): as seven more joins, PostgreSQL spent about
        70 ms planning the one-row query."""
        return self.select_related(
            "village",
            "category",
            "category__default_department",
            "lead_department",
            "household",
            "household__village",
            "repeat_of",
            "merged_into",
            "publication",  # the 公示 / 撤下公示 buttons' guard
        ).prefetch_related(
            "assisting_departments",
            "owner_team",
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

        # As NOT EXISTS (a publication that settled it: on the board, or taken off by a leader), not as a LEFT
        # JOIN with an OR: PostgreSQL then walks petition_to_publish_idx in order and stops at the page's end.
        Publication = apps.get_model("petitions", "Publication")
        settled = Publication.objects.filter(petition=OuterRef("pk")).exclude(
            is_published=False, unpublish_reason=REOPENED_OFF_BOARD
        )
        return self.filter(status__in=TRANSITIONS[Action.PUBLISH].sources).exclude(Exists(settled))

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


#: The people a case page names: who received, registered, routed, signed and owns it.
CASE_PEOPLE = (
    "received_by_leader",
    "desk_attendant",
    "hotline_attendant",
    "created_by",
    "routed_by",
    "signed_by",
    "owner",
)


def attach_people(petition) -> None:
    """Load ``CASE_PEOPLE`` of one case in one query, into the fields' caches (``petition.owner`` then reads no
    more): cheaper than joining the user table seven times into the case's own query."""
    from django.contrib.auth import get_user_model

    fields = [petition._meta.get_field(name) for name in CASE_PEOPLE]
    ids = {getattr(petition, field.attname) for field in fields} - {None}
    people = get_user_model().objects.in_bulk(ids) if ids else {}
    for field in fields:
        field.set_cached_value(petition, people.get(getattr(petition, field.attname)))
