"""Writes to the ledger (``household_<action>``) and the rule for sensitive data.

Each write records a HouseholdEvent for the household's timeline; the Excel import writes its own in bulk
(importer.py). Nothing here runs from a signal or a save() override.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from households.excel import cadre_label
from households.models import Household, HouseholdEvent, SensitiveAccessLog, Village
from minqing.access import Scope, scope_for
from minqing.roles import Role

#: Roles that need a household's sensitive tags (低保, 特困, 残疾, 监测户 …). A village's liaisons also see
#: them for their own villages. Handlers do not: they work on a case, not on the household's file.
SENSITIVE_ROLES = (Role.LEADER, Role.RECEPTION, Role.ADMIN)


def can_see_sensitive(scope: Scope, household: Household) -> bool:
    """May ``scope`` see the sensitive tags of ``household``?"""
    if scope.is_superuser or scope.has_role(*SENSITIVE_ROLES):
        return True
    return scope.is_liaison and household.village_id in scope.village_ids


def can_read_ledger(scope: Scope) -> bool:
    """Read the ledger (its list and household pages): whoever edits it, and the county (县级), read-only."""
    return can_edit_ledger(scope) or scope.is_county


def can_edit_ledger(scope: Scope) -> bool:
    """Create and edit households (inside the scope's villages): the center and village liaisons."""
    return scope.is_center or scope.is_liaison


def can_manage_ledger(scope: Scope) -> bool:
    """Import Excel and assign contact households: leaders and admins."""
    return scope.is_superuser or scope.has_role(Role.LEADER, Role.ADMIN)


def sensitive_access_record(*, user, action: str, household: Household | None = None, note: str = "") -> None:
    """Record that ``user`` saw sensitive data (who, when, which household or which list)."""
    SensitiveAccessLog.objects.create(
        user=user, user_name=cadre_label(user), household=household, action=action, note=note[:300]
    )


def _event(household, action, by, note="") -> HouseholdEvent:
    return HouseholdEvent(household=household, action=action, actor=by, actor_name=cadre_label(by), note=note[:300])


@transaction.atomic
def household_save(*, form, members, by) -> Household:
    """Save a household form and its member formset (both valid); write one event per kind of change."""
    creating = form.instance.pk is None
    changed = [form.fields[name].label for name in form.changed_data]
    household = form.save()
    members.instance = household
    members.save()
    events = []
    if creating:
        events.append(_event(household, HouseholdEvent.Action.CREATED, by))
    elif changed:
        events.append(_event(household, HouseholdEvent.Action.UPDATED, by, f"修改：{'、'.join(changed)}"))
    for action, people in (
        (HouseholdEvent.Action.MEMBER_ADDED, members.new_objects),
        (HouseholdEvent.Action.MEMBER_UPDATED, [person for person, _ in members.changed_objects]),
        (HouseholdEvent.Action.MEMBER_REMOVED, members.deleted_objects),
    ):
        if people:
            events.append(_event(household, action, by, "、".join(p.name for p in people)))
    HouseholdEvent.objects.bulk_create(events)
    return household


def household_assign_contact(*, households, cadre, by) -> int:
    """Make ``cadre`` (or nobody, with None) the contact cadre of ``households`` (a queryset).

    A cadre keeps contact only with households they can see (their villages, for a liaison); otherwise
    ValidationError names the households that are out of reach and nothing changes.
    """
    households = list(households.select_related("village"))
    if cadre is not None:
        reachable = set(
            Household.objects.visible_to(scope_for(cadre))
            .filter(pk__in=[h.pk for h in households])
            .values_list("pk", flat=True)
        )
        outside = [h for h in households if h.pk not in reachable]
        if outside:
            names = "、".join(f"{h.village.name}{h.household_no}号" for h in outside[:5])
            more = f"等{len(outside)}户" if len(outside) > 5 else ""
            raise ValidationError(f"{cadre_label(cadre)}不负责这些户所在的村：{names}{more}。")
    changing = [h for h in households if h.contact_cadre_id != (cadre.pk if cadre else None)]
    if not changing:
        return 0
    note = f"联系干部：{cadre_label(cadre)}" if cadre else "取消联系干部"
    with transaction.atomic():
        Household.objects.filter(pk__in=[h.pk for h in changing]).update(contact_cadre=cadre, updated_at=timezone.now())
        HouseholdEvent.objects.bulk_create(_event(h, HouseholdEvent.Action.CONTACT_CHANGED, by, note) for h in changing)
    return len(changing)


def contact_quota(population: int) -> int:
    """Households per cadre by village size (domain.md): 10 under 500 people, 15 for 500–1000, 20 above."""
    if population < 500:
        return 10
    if population <= 1000:
        return 15
    return 20


def contact_overview(scope: Scope) -> list[dict]:
    """Per visible village: population, the guidance per cadre, and each cadre's count (three queries)."""
    from django.contrib.auth import get_user_model

    villages = Village.objects.visible_to(scope).annotate(
        population=Coalesce(Sum("households__size"), 0),
        household_count=Count("households"),
        contact_count=Count("households", filter=Q(households__contact_cadre__isnull=False)),
    )
    counts = (
        Household.objects.visible_to(scope)
        .filter(contact_cadre__isnull=False)
        .values("village_id", "contact_cadre_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_village: dict[int, list] = {}
    cadre_ids = set()
    for row in counts:
        per_village.setdefault(row["village_id"], []).append(row)
        cadre_ids.add(row["contact_cadre_id"])
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=cadre_ids)}
    overview = []
    for village in villages:
        quota = contact_quota(village.population)
        cadres = sorted(
            (
                {"user": users[row["contact_cadre_id"]], "count": row["n"], "over": row["n"] > quota}
                for row in per_village.get(village.pk, [])
            ),
            key=lambda c: -c["count"],
        )
        overview.append({"village": village, "quota": quota, "cadres": cadres})
    return overview
