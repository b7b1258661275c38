"""Rota fixtures: the four default posts, a second leader, and helpers to post a month's grid."""

from __future__ import annotations

import datetime as dt

import pytest

from duty.models import Post
from duty.posts import ensure_default_posts
from tests.conftest import make_user


@pytest.fixture
def posts(db) -> dict[str, Post]:
    ensure_default_posts(Post)
    return {p.code: p for p in Post.objects.all()}


@pytest.fixture
def leader2(db):
    return make_user("leader2", "leader", full_name="王强")


def cell(day: dt.date, post: Post) -> str:
    return f"c-{day.day}-{post.pk}"


def grid_data(month: str, version: str, cells: dict, action: str = "save") -> dict:
    """A POST of the grid: ``cells`` maps (day, post) to a user or a list of users."""
    data: dict = {"month": month, "version": version, "action": action}
    for (day, post), people in cells.items():
        people = people if isinstance(people, list | tuple) else [people]
        data[cell(day, post)] = [str(u.pk) for u in people]
    return data


def plan(township, by, cells: dict, days: list[dt.date]):
    """Save ``cells`` ((day, post) → user or users) through the service, as a planner's page would."""
    from duty import services

    as_ids = {
        (day, post.pk): [u.pk for u in (people if isinstance(people, list | tuple) else [people])]
        for (day, post), people in cells.items()
    }
    services.rota_save_month(
        by=by,
        township=township,
        days=days,
        posts=list(Post.objects.filter(is_active=True)),
        cells=as_ids,
        version=services.month_version(township, days),
    )


@pytest.fixture
def category(dept_minzheng):
    from petitions.models import Category
    from tests.petitions.conftest import make_category

    return make_category("低保", Category.Kind.HELP, dept_minzheng)
