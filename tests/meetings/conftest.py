"""Meetings fixtures: the default kinds (the migration made them), the personas of tests/conftest.py, cases made
through the workflow (``make_petition``), and ``at(when)`` to run code at a chosen time."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings import services
from meetings.kinds import ensure_default_kinds
from meetings.models import MeetingKind
from tests.conftest import make_department, make_user
from tests.dashboards.conftest import at  # noqa: F401 — re-exported for the meetings tests
from tests.petitions.conftest import category, dept_village, make_petition  # noqa: F401


@pytest.fixture
def kinds(db) -> dict[str, MeetingKind]:
    ensure_default_kinds(MeetingKind)
    return {kind.name: kind for kind in MeetingKind.objects.all()}


@pytest.fixture
def village_secretary(village_a):
    """和平村's secretary of the village committee (和平村委会, set up here): a liaison of the village."""
    make_department("和平村委会", village=village_a)
    return make_user("cun_secretary", "liaison", villages=[village_a], full_name="王村秘")


def plan(by, kind, date, **body):
    return services.meeting_plan(by=by, kind=kind, date=date, today=body.pop("today", date), **body)


def local_date(*args) -> dt.date:
    return dt.date(*args)
