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


def scope_for(user) -> Scope:
    """Build the scope of ``user`` with four small queries (groups, villages, departments, townships)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
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
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))
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
