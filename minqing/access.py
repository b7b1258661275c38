"""Who may see what: a user's groups and memberships turned into one scope per request.

Every view fetches through ``Model.objects.visible_to(request.scope)``, so an object outside the
scope is a 404. The scope is immutable and computed once, lazily, per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import SimpleLazyObject

from minqing.roles import Role

#: Roles that see every case and every household of the township.
CENTER_ROLES = frozenset({Role.LEADER, Role.RECEPTION, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    village_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    is_superuser: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        """Group membership only: a superuser sees everything (is_center) but acts in no role."""
        return any(role in self.roles for role in roles)

    @property
    def is_center(self) -> bool:
        """Leaders, reception and admins see the whole township."""
        return self.is_superuser or bool(self.roles & CENTER_ROLES)

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
    """Build the scope of ``user`` with three small queries (groups, villages, departments)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    return Scope(
        user_id=user.pk,
        roles=frozenset(user.groups.values_list("name", flat=True)),
        village_ids=frozenset(user.liaison_villages.values_list("pk", flat=True)),
        department_ids=frozenset(user.departments.values_list("pk", flat=True)),
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
