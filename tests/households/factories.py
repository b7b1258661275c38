"""Small helpers for ledger rows: make_household(village, "001", head_name=…, members=[…])."""

from __future__ import annotations

import datetime as dt

from households.idcard import id_number_for
from households.models import Household, Person, Tag


def an_id(n: int, birth: dt.date = dt.date(1970, 1, 1), region: str = "520521") -> str:
    """The n-th valid ID number (n < 1000 per birth date)."""
    return id_number_for(region, birth, n)


def make_tag(name: str, *, sensitive: bool = False, kind: str = Tag.Kind.HOUSEHOLD) -> Tag:
    tag, _ = Tag.objects.get_or_create(kind=kind, name=name, defaults={"sensitive": sensitive})
    return tag


def make_household(village, household_no: str, *, head_name: str = "张三", members=(), tags=(), **fields) -> Household:
    household = Household.objects.create(village=village, household_no=household_no, head_name=head_name, **fields)
    if tags:
        household.tags.set(tags)
    for member in members:
        member = {"name": member} if isinstance(member, str) else dict(member)
        member_tags = member.pop("tags", ())
        person = Person.objects.create(household=household, **member)
        if member_tags:
            person.tags.set(member_tags)
    return household
