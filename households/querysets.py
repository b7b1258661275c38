from __future__ import annotations

import re

from django.db import connection, models
from django.db.models import Prefetch, Q
from django.db.models.expressions import RawSQL

from households.idcard import normalize_id_number
from minqing.access import Scope
from minqing.search import contains

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ID_LIKE = re.compile(r"^\d{6,17}[\dX]?$")


def exact_in(field: str, values) -> Q:
    """``field IN values`` for ID numbers, answered from the B-tree.

    On PostgreSQL a trigram index on the bare column (migration 0003) accepted ``= ANY(list)`` and ``=`` in a
    join, and the planner preferred it even with fresh statistics: 300 ID numbers, which share their first
    digits, took 2–3 s that way. A join against ``unnest`` of the same list reads the B-tree (~10 ms); the
    trigram indexes are on ``UPPER(…)`` since migration 0009, so no plan can take them for ``=``.
    """
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::varchar[])", (values,))})
    return Q(**{f"{field}__in": values})


class VillageQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """The center, the county and department staff see the villages of their townships (every township for
        the county); a liaison their own villages; others none."""
        if scope.reads_townships or scope.is_handler:
            return self.filter(scope.townships_q("township"))
        if scope.is_liaison:
            return self.filter(pk__in=scope.village_ids)
        return self.none()


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Center roles see the whole ledger of their townships (the county: every township's, read-only); a
        liaison sees their own villages; others nothing."""
        if scope.reads_townships:
            return self.filter(scope.townships_q("village__township"))
        if scope.is_liaison:
            return self.filter(village_id__in=scope.village_ids)
        return self.none()

    def with_list_data(self):
        """Everything a ledger row shows: village, group, cadre, and the non-sensitive tags as ``public_tags``."""
        from households.models import Tag

        return self.select_related("village", "group", "contact_cadre").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.filter(sensitive=False), to_attr="public_tags")
        )

    def with_page_data(self):
        """The household page (一户一档): its row, every tag, and the members with their tags."""
        from households.models import Person

        return self.select_related("village", "group", "contact_cadre").prefetch_related(
            "tags", Prefetch("members", queryset=Person.objects.prefetch_related("tags"))
        )

    def search(self, q: str):
        """The ledger's one search box, and the intake page's type-ahead.

        Matches the head's or a member's name (contains), ID number (head or member; a whole number or
        at least six of its characters), phone (head or member, normalised; at least four digits) and
        the household number (exact). Members are matched through a subquery, so no household comes
        back twice.
        """
        from households.models import Person

        q = (q or "").strip()
        if not q:
            return self
        condition = Q(household_no=q.translate(_FULLWIDTH_DIGITS))
        members = Q(pk__in=[])  # no member matches until a condition below applies
        if not re.fullmatch(r"[\d\s\-+()（）]+", q.translate(_FULLWIDTH_DIGITS)):  # digits are no one's name
            condition |= contains("head_name", q)
            members = contains("name", q)

        id_part = normalize_id_number(q).replace("-", "")
        if _ID_LIKE.match(id_part):
            if len(id_part) == 18:
                condition |= Q(head_id_number=id_part)
                members |= Q(id_number=id_part)
            else:  # icontains: the trigram indexes are on UPPER(…) (migration 0009), ID numbers are upper case
                condition |= Q(head_id_number__icontains=id_part)
                members |= Q(id_number__icontains=id_part)

        digits = re.sub(r"[\s\-()（）]", "", q.translate(_FULLWIDTH_DIGITS))
        digits = re.sub(r"^(\+86|0086)", "", digits)
        if digits.isdigit() and len(digits) >= 4:
            condition |= Q(phone__contains=digits)
            members |= Q(phone__contains=digits)

        # One id set from two indexed branches (households, then members), joined by UNION: an OR across the
        # two tables would make PostgreSQL read both whole tables on every search at county scale.
        from households.models import Household

        ids = (
            Household.objects.filter(condition)
            .order_by()
            .values("pk")
            .union(Person.objects.filter(members).order_by().values("household_id"))
        )
        return self.filter(pk__in=ids)


class PersonQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        if scope.reads_townships:
            return self.filter(scope.townships_q("household__village__township"))
        if scope.is_liaison:
            return self.filter(household__village_id__in=scope.village_ids)
        return self.none()
