"""Who may see what: a user's groups and memberships turned into one scope per request.

Every view fetches through ``Model.objects.visible_to(request.scope)``, so an object outside the
scope is a 404. The scope is immutable and computed once, lazily, per request.

**Townships** (县 → 乡镇 → 村). Every role acts inside townships: a user's townships are those they are staff
of (``Township.staff``), those of their villages (liaisons) and those of their departments (handlers). The
center roles see everything of their own townships and nothing of another's. The county role (县级) reads
every township and acts only to supervise; a superuser reads everything. ``townships_q`` is the one filter
every ``visible_to`` applies for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.functional import SimpleLazyObject

from minqing.roles import Role

#: Roles that see every case and every household of the township.
CENTER_ROLES = frozenset({Role.LEADER, Role.RECEPTION, Role.ADMIN})
#: Roles that need a household's sensitive tags (低保, 特困, 残疾, 监测户 …), besides the village's liaisons.
SENSITIVE_ROLES = (Role.LEADER, Role.RECEPTION, Role.ADMIN)


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    village_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    township_ids: frozenset[int] = field(default_factory=frozenset)
    is_superuser: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        """Group membership only: a superuser sees everything (is_center) but acts in no role."""
        return any(role in self.roles for role in roles)

    @property
    def is_center(self) -> bool:
        """Leaders, reception and admins see the whole of their townships."""
        return self.is_superuser or bool(self.roles & CENTER_ROLES)

    @property
    def is_county(self) -> bool:
        """县级: the county center, which reads every township and supervises."""
        return self.has_role(Role.COUNTY)

    @property
    def sees_every_township(self) -> bool:
        return self.is_superuser or self.is_county

    @property
    def reads_townships(self) -> bool:
        """Reads everything of its townships (or of all, for the county): the center roles and the county."""
        return self.is_center or self.is_county

    def in_township(self, township_id: int | None) -> bool:
        """Does this scope work in ``township_id`` (the county and a superuser: in every one)?"""
        return self.sees_every_township or township_id in self.township_ids

    def works_in_village(self, village) -> bool:
        """May this scope act in ``village`` (register a case, record a visit, keep the ledger)? The center in
        its townships' villages, a liaison in their own."""
        if village is None:
            return False
        return (self.is_center and self.in_township(village.township_id)) or village.pk in self.village_ids

    @property
    def counted_townships(self) -> frozenset[int] | None:
        """The townships whose figures this scope reads (dashboards.metrics): None for the whole county."""
        return None if self.sees_every_township else self.township_ids

    @property
    def reads_several_townships(self) -> bool:
        return self.sees_every_township or len(self.township_ids) > 1

    # --- What this scope may do: the one home of every "may …" rule; pages, forms, queues, services ask here. ---

    @property
    def may_register(self) -> bool:
        """登记 cases: the front desk and village liaisons (petitions.workflow's table says the same)."""
        return self.has_role(Role.RECEPTION, Role.LIAISON)

    @property
    def may_edit_ledger(self) -> bool:
        """Create and edit households (inside the scope's villages): the center and village liaisons."""
        return self.is_center or self.is_liaison

    @property
    def may_read_ledger(self) -> bool:
        """Read the ledger (its list and household pages): whoever edits it, and the county (县级), read-only."""
        return self.may_edit_ledger or self.is_county

    @property
    def may_manage_ledger(self) -> bool:
        """Import Excel and assign contact households: leaders and admins."""
        return self.is_superuser or self.has_role(Role.LEADER, Role.ADMIN)

    def may_see_sensitive(self, household) -> bool:
        """A household's sensitive tags (低保, 特困, 残疾, 监测户 …): the center, and the liaisons of its village.
        Handlers do not: they work on a case, not on the household's file; nor does the county."""
        if self.is_superuser or self.has_role(*SENSITIVE_ROLES):
            return True
        return self.is_liaison and household.village_id in self.village_ids

    @property
    def may_see_reports(self) -> bool:
        """The numbers, the boards and the monthly reports: leaders and admins of their townships, the county."""
        return self.is_superuser or self.has_role(Role.LEADER, Role.ADMIN, Role.COUNTY)

    @property
    def may_record_visits(self) -> bool:
        """Visits and revisits: the center and village liaisons; departments do not visit."""
        return self.is_center or self.is_liaison

    @property
    def may_read_visits(self) -> bool:
        """Read visits: whoever records them, and the county (县级), read-only."""
        return self.may_record_visits or self.is_county

    # --- Meetings (民情分析会, the meetings app). ``meeting`` is a Meeting or anything with its ``level`` ("village",
    # "office", "township" or "county") and ``township_id``, ``village_id``, ``department_id``.

    @property
    def may_read_meetings(self) -> bool:
        """The meetings pages: leaders and admins (their townships' meetings), office and village committee staff
        (their departments'), liaisons (their villages'), the county (every meeting), read-only; the front desk
        holds none."""
        return self.is_superuser or self.has_role(Role.LEADER, Role.ADMIN, Role.HANDLER, Role.LIAISON, Role.COUNTY)

    def may_keep_meeting(self, meeting) -> bool:
        """Plan a meeting of this body, edit its agenda and details and record its decisions (the decisions act
        through the workflow, which checks each action's own roles): the township's leaders for any meeting of
        their township; a village's liaisons and its committee's staff for the village's meetings; an office's
        staff for the office's; the county (县级) for county meetings; a superuser for any."""
        if self.is_superuser:
            return True
        level = meeting.level
        if level == "county":
            return self.is_county
        if self.is_leader and meeting.township_id is not None and meeting.township_id in self.township_ids:
            return True
        if level == "village" and self.is_liaison and meeting.village_id in self.village_ids:
            return True
        return level in ("village", "office") and self.is_handler and meeting.department_id in self.department_ids

    @property
    def may_plan_meetings(self) -> bool:
        """Whether the 安排会议 page opens: whoever keeps some body's meetings."""
        return (
            self.is_superuser
            or self.is_leader
            or self.is_liaison
            or self.is_county
            or (self.is_handler and bool(self.department_ids))
        )

    def may_approve_minutes(self, meeting) -> bool:
        """审定纪要: the meeting's chair, and only the chair; the minutes are fixed from then on."""
        return self.user_id is not None and meeting.chair_id == self.user_id

    # --- 领导包案 (issue 18): who may own a case and who may work on it; the pickers and the workflow ask these. ---

    def may_own_case(self, township_id: int | None) -> bool:
        """Own a case (包案): a leader of the case's township, and only a leader (the county supervises, it does not
        own)."""
        return self.is_leader and township_id in self.township_ids

    # --- Rotas and the mailbox (值班表、民意信箱, the duty app) ---

    @property
    def may_read_rota(self) -> bool:
        """The rota pages (值班表, its print, the mailbox log): the center of their townships, the township offices'
        staff (they stand night-visit duty; a county-level unit's have no township's rota), the county, read-only."""
        return self.reads_townships or (self.is_handler and bool(self.township_ids))

    def may_plan_rota(self, township_id: int | None) -> bool:
        """Plan a township's month, copy or fill it, record swaps: its leaders, front desk and admins."""
        if self.is_superuser:
            return True
        return self.has_role(Role.LEADER, Role.RECEPTION, Role.ADMIN) and township_id in self.township_ids

    def may_keep_mailbox(self, township_id: int | None) -> bool:
        """Record a township's mailbox openings: its center (leaders, front desk, admins). Registering each letter
        as a case is ``may_register``'s (the front desk)."""
        return self.may_plan_rota(township_id)

    # --- Contact households' monthly reports, quotas and the cadres' files (issue 20). ---

    @property
    def may_file_contact_report(self) -> bool:
        """File one's own monthly report (民情联系卡月报): anyone signed in; a report exists only for a cadre who
        keeps contact households, and only its cadre may write it (``visits.reports``)."""
        return self.is_authenticated

    @property
    def may_read_report_board(self) -> bool:
        """Who has filed and who is late, and the compilations: the township's leaders and admins (their
        townships), the county (every township and county unit)."""
        return self.may_see_reports

    def may_read_compilation(self, township_id: int | None) -> bool:
        """A township's compilation of a month (print and Excel): its leaders and admins, and the county. A county
        unit's compilation (``township_id`` None): the county only."""
        if township_id is None:
            return self.sees_every_township
        return self.may_read_report_board and self.in_township(township_id)

    @property
    def may_export_every_report(self) -> bool:
        """Export every township's and county unit's reports at once: the county (县级) and a superuser."""
        return self.sees_every_township

    @property
    def may_read_cadre_files(self) -> bool:
        """干部民情工作档案 (visits against quota, coverage, reports on time, a handler's rates) for assessment: the
        township's leaders and admins, the county."""
        return self.may_see_reports

    @property
    def may_read_quotas(self) -> bool:
        """Each cadre's progress against the quotas: whoever reads the coverage pages."""
        return self.may_record_visits

    # --- 公开反馈 (issue 21): one published answer for a class of cases, written by the township's leaders. ---

    @property
    def may_write_public_answers(self) -> bool:
        """The 公开反馈 pages: leaders of a township (the county supervises; it does not answer for a township)."""
        return self.is_leader and bool(self.township_ids)

    def may_answer_for(self, township_id: int | None) -> bool:
        """Write a 公开反馈 of ``township_id`` and link its cases: a leader of that township, and only of that one."""
        return self.is_leader and township_id in self.township_ids

    # --- Lists that close (清单 + 闭环, the lists app, issue 19). ---

    @property
    def may_read_lists(self) -> bool:
        """The 清单 pages: the center, liaisons and offices (their own and their villages' / units' items), the
        county (every township), read-only."""
        return self.is_center or self.is_liaison or self.is_handler or self.is_county

    def may_keep_item(self, item) -> bool:
        """Tick off, give a deadline, close or turn into a case a checklist item: its owner, the center of its
        township, the liaisons of its village, the staff of its office. The county reads only."""
        if self.user_id is not None and item.owner_id == self.user_id:
            return True
        if self.is_center and self.in_township(item.township_id):
            return True
        if self.is_liaison and item.village_id in self.village_ids:
            return True
        return self.is_handler and item.department_id is not None and item.department_id in self.department_ids

    def may_add_item(self, village, department=None) -> bool:
        """Put a matter on a village's checklist: whoever works in the village (the center, its liaisons); or an
        office's staff, for their office (职能办公室的清单), in a village of the office's township (a county unit's:
        any village)."""
        if self.works_in_village(village):
            return True
        return (
            village is not None
            and department is not None
            and department.pk in self.department_ids
            and department.township_id in (None, village.township_id)
        )

    @property
    def may_add_items(self) -> bool:
        """Whether the 新增事项 page is this scope's at all: the center, liaisons, an office's staff."""
        return self.is_center or self.is_liaison or bool(self.is_handler and self.department_ids)

    def may_put_on_ledger(self, township_id: int | None) -> bool:
        """挂帐: a leader of the township, or the county (any township, and county units' problems)."""
        if self.is_county:
            return True
        return self.is_leader and township_id is not None and township_id in self.township_ids

    def may_lead_ledger(self, ledger_item) -> bool:
        """销帐, and changing an item's cadence or due date (调整督办): only a leader — of the item's township; the
        county's own items (no township) by the county."""
        if ledger_item.township_id is None:
            return self.is_county
        return self.is_leader and ledger_item.township_id in self.township_ids

    def may_answer_ledger(self, ledger_item) -> bool:
        """督办回复: the staff of the responsible unit, and nobody else."""
        return self.is_handler and ledger_item.unit_id in self.department_ids

    def may_plan_sweeps(self, township_id: int | None) -> bool:
        """Start, edit and close a sweep (排查): the township's leaders and admins."""
        if self.is_superuser:
            return True
        return self.has_role(Role.LEADER, Role.ADMIN) and township_id in self.township_ids

    def may_watch(self, village) -> bool:
        """Put an early sign (苗头隐患) on the watch list, review, raise or close it: whoever works in the village."""
        return self.works_in_village(village)

    def may_issue_bulletins(self, township_id: int | None) -> bool:
        """Build and issue a bulletin (通报): the township's leaders and admins; the county's own: the county."""
        if township_id is None:
            return self.is_county or self.is_superuser
        return self.may_plan_sweeps(township_id)

    @property
    def may_read_bulletins(self) -> bool:
        return self.may_see_reports

    def townships_q(self, field: str = "township") -> Q:
        """The filter on ``field`` (a path to a Township) that keeps this scope's townships: nothing to filter
        for the county and a superuser, none at all for a user of no township."""
        if self.sees_every_township:
            return Q()
        return Q(**{f"{field}__in": self.township_ids})

    @property
    def is_leader(self) -> bool:
        return self.has_role(Role.LEADER)

    @property
    def is_reception(self) -> bool:
        return self.has_role(Role.RECEPTION)

    @property
    def is_handler(self) -> bool:
        return self.has_role(Role.HANDLER)

    @property
    def is_liaison(self) -> bool:
        return self.has_role(Role.LIAISON)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in Role.values if r in self.roles]


ANONYMOUS = Scope()

#: Roles whose people go out and work on cases (a case's working team, a visit's people): not the county center,
#: not an administrator account.
WORKING_ROLES = (Role.LEADER, Role.RECEPTION, Role.HANDLER, Role.LIAISON)


def _ids(townships) -> list:
    return list(townships) if isinstance(townships, list | tuple | set | frozenset) else [townships]


def leaders_of(townships):
    """The active leaders of a township (or of several): who may own its cases (包案), who is told what waits for
    its leaders, who leads a night visit (带队领导)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__name=Role.LEADER, townships__in=_ids(townships), is_active=True)
        .distinct()
        .order_by("first_name", "username")
    )


def working_people_of(townships):
    """The active people who work in a township (or in several) in a working role — its center's staff, its
    departments' staff and its villages' liaisons: who may be on a case's working team (工作专班) or go on a visit
    (not the county center, not an administrator account)."""
    from django.contrib.auth import get_user_model

    ids = _ids(townships)
    in_township = Q(townships__in=ids) | Q(departments__township__in=ids) | Q(liaison_villages__township__in=ids)
    users = get_user_model().objects.filter(in_township, is_active=True, groups__name__in=WORKING_ROLES)
    return get_user_model().objects.filter(pk__in=users.values("pk")).order_by("first_name", "username")


#: The attribute under which a request's user carries the scope the request already built (ScopeMiddleware).
REQUEST_SCOPE = "_minqing_request_scope"


def scope_for(user) -> Scope:
    """Build the scope of ``user`` with four small queries (groups, villages, departments, townships). The
    signed-in user of a request carries the scope built for that request (``request.scope``), so a service called
    with ``by=request.user`` asks the same scope instead of building it again; any other user object is read
    fresh."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    built = getattr(user, REQUEST_SCOPE, None)
    if built is not None:
        return built
    villages = list(user.liaison_villages.values_list("pk", "township_id"))
    departments = list(user.departments.values_list("pk", "township_id"))
    townships = set(user.townships.values_list("pk", flat=True))
    townships.update(t for _, t in villages + departments if t is not None)
    return Scope(
        user_id=user.pk,
        roles=frozenset(user.groups.values_list("name", flat=True)),
        village_ids=frozenset(pk for pk, _ in villages),
        department_ids=frozenset(pk for pk, _ in departments),
        township_ids=frozenset(townships),
        is_superuser=user.is_superuser,
    )


class ScopeMiddleware:
    """Attach ``request.scope``; computed on first use, at most once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        def build() -> Scope:
            scope = scope_for(request.user)
            if scope is not ANONYMOUS:
                setattr(request.user, REQUEST_SCOPE, scope)
            return scope

        request.scope = SimpleLazyObject(build)
        return self.get_response(request)


def scope_context(request):
    return {"scope": getattr(request, "scope", ANONYMOUS)}


def client_ip(request) -> str:
    """The client's address: from X-Forwarded-For only behind TRUSTED_PROXY_COUNT declared proxies.

    Each trusted proxy appends the address it received the request from, so the client is the entry that many
    places from the right; whatever the client put in the header itself stays to the left and is ignored.
    """
    from django.conf import settings

    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR", "")
