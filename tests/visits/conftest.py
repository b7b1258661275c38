"""Helpers for the visits tests: households in the ledger and visits made through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from households.models import Household
from visits.models import Visit
from visits.services import visit_create


def make_household(village, household_no: str, head_name: str = "", *, cadre=None, size=None, phone="") -> Household:
    return Household.objects.create(
        village=village,
        household_no=household_no,
        head_name=head_name or f"户主{household_no}",
        contact_cadre=cadre,
        size=size,
        phone=phone,
    )


def make_visit(by, village, households=(), *, when=None, kind=Visit.Kind.HOME_VISIT, participants=(), **extra) -> Visit:
    visit, _ = visit_create(
        by=by,
        kind=kind,
        visited_at=when or timezone.now() - dt.timedelta(hours=1),
        village=village,
        households=households,
        participants=participants or [by],
        heard=extra.pop("heard", "反映村道路灯不亮"),
        **extra,
    )
    return visit


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def household_a(village_a):
    return make_household(village_a, "HP-001", "张德明", phone="13800000001")


@pytest.fixture
def household_b(village_b):
    return make_household(village_b, "DJ-001", "李春花")


# The case pipeline's fixtures: make_petition(state=…) runs the real workflow (和平村, 民政办).
from tests.petitions.conftest import category, make_petition  # noqa: E402, F401
