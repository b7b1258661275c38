"""Who is on duty: the one place that answers "who is on post P in township T on day D". The desk, the intake
page, the public board, the grid and the reminders all ask here; nothing else reads RotaEntry for that."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Q

from duty.models import Absence, Post, RotaEntry
from minqing.roles import Role

User = get_user_model()


def active_posts() -> list[Post]:
    return list(Post.objects.filter(is_active=True).order_by("sort_order", "pk"))


def _entries(township_ids, start: dt.date, end: dt.date, post_code: str | None = None):
    """The entries of ``township_ids`` from ``start`` to ``end`` inclusive, with post and user (one query)."""
    rows = RotaEntry.objects.filter(township_id__in=township_ids, date__gte=start, date__lte=end)
    if post_code is not None:
        rows = rows.filter(post__code=post_code)
    return rows.select_related("post", "user").order_by("date", "post__sort_order", "post_id", "slot")


def on_duty(township, day: dt.date, post_code: str) -> list:
    """The people on ``post_code`` in ``township`` on ``day``, in slot order."""
    return [e.user for e in _entries([_pk(township)], day, day, post_code)]


def leader_on_duty(township, day: dt.date):
    """The day's 带班领导 (also the leader receiving petitioners, 接访领导), or None."""
    people = on_duty(township, day, Post.LEADER)
    return people[0] if people else None


def hotline_attendant(township, day: dt.date):
    """The day's 民心电话值守, or None."""
    people = on_duty(township, day, Post.HOTLINE)
    return people[0] if people else None


def desk_attendant(township, day: dt.date, user=None):
    """Who sat at the desk (座班接待): ``user`` when they are on the day's desk rota, else the first on it, else
    None."""
    people = on_duty(township, day, Post.DESK)
    if user is not None and any(p.pk == user.pk for p in people):
        return user
    return people[0] if people else None


def day_board(township_ids, day: dt.date) -> dict[int, list[tuple[Post, list]]]:
    """Each township's posts of ``day`` with their people (empty lists for posts nobody holds), for the desk: two
    queries (posts, entries) whatever the number of townships."""
    posts = active_posts()
    people: dict[tuple[int, int], list] = defaultdict(list)
    for e in _entries(township_ids, day, day):
        people[(e.township_id, e.post_id)].append(e.user)
    return {t: [(post, people[(t, post.pk)]) for post in posts] for t in township_ids}


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and Sunday of ``day``'s week."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def leaders_between(township, start: dt.date, end: dt.date) -> list[tuple[dt.date, object]]:
    """(day, 带班领导) for each day from ``start`` to ``end`` that has one (one query)."""
    return [(e.date, e.user) for e in _entries([_pk(township)], start, end, Post.LEADER)]


def month_cells(township, start: dt.date, end: dt.date) -> dict[tuple[dt.date, int], list]:
    """(day, post id) → the people, for the grid (one query)."""
    cells: dict[tuple[dt.date, int], list] = defaultdict(list)
    for e in _entries([_pk(township)], start, end):
        cells[(e.date, e.post_id)].append(e.user)
    return cells


def received_today(township_ids, leader, day: dt.date):
    """Cases received on ``day`` where ``leader`` was 接访领导 (a leader's desk, 今日接访)."""
    from django.utils import timezone

    from petitions.models import Petition

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return Petition.objects.filter(
        township_id__in=township_ids,
        received_by_leader=leader,
        received_at__gte=start,
        received_at__lt=start + dt.timedelta(days=1),
    )


# --- Who may stand on a post ---------------------------------------------------------------------------------


def township_people(township):
    """The township's active people who may be put on a rota: its staff (center and leaders) and the staff of
    its offices; each with its groups prefetched (two queries)."""
    t = _pk(township)
    return (
        User.objects.filter(Q(townships=t) | Q(departments__township=t), is_active=True)
        .distinct()
        .prefetch_related("groups")
        .order_by("last_name", "first_name", "username")
    )


def user_roles(user) -> set[str]:
    return {g.name for g in user.groups.all()}


def may_hold(post: Post, user) -> bool:
    """Does ``user`` (one of the township's people) have the role the post asks for?"""
    return not post.role or post.role in user_roles(user)


def candidates(post: Post, people) -> list:
    """Of ``people`` (township_people), those who may hold ``post``: its role; for a post of no role, anyone but the
    system administrator alone (an admin who has no other role)."""
    out = []
    for user in people:
        roles = user_roles(user)
        if post.role:
            if post.role in roles:
                out.append(user)
        elif roles - {Role.ADMIN}:
            out.append(user)
    return out


def absences(user_ids, start: dt.date, end: dt.date) -> dict[int, list[Absence]]:
    """user id → their absences overlapping ``start``…``end`` (one query)."""
    out: dict[int, list[Absence]] = defaultdict(list)
    for a in Absence.objects.filter(user_id__in=user_ids, start_date__lte=end, end_date__gte=start):
        out[a.user_id].append(a)
    return out


def absence_on(found: dict[int, list[Absence]], user_id: int, day: dt.date) -> Absence | None:
    return next((a for a in found.get(user_id, ()) if a.start_date <= day <= a.end_date), None)


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk


# --- The public board ----------------------------------------------------------------------------------------


def public_leaders(township_ids, start: dt.date, end: dt.date) -> list[dict]:
    """The 带班领导 of ``start``…``end`` for the public board, as plain dictionaries holding only what may be shown:
    the township's name, the day, the leader's name and post (their 职务 from visits.CadreProfile, else 带班领导).
    Never a User, a phone or a username. One query."""
    rows = (
        RotaEntry.objects.filter(township_id__in=township_ids, date__gte=start, date__lte=end, post__code=Post.LEADER)
        .select_related("township", "user__cadre_profile")
        .order_by("township__sort_order", "township__name", "date", "slot")
    )
    out = []
    for e in rows:
        profile = getattr(e.user, "cadre_profile", None)
        out.append(
            {
                "township": e.township.name,
                "date": e.date,
                "name": e.user.get_full_name() or "（未填姓名）",
                "post": (profile.post if profile is not None and profile.post else "") or "带班领导",
            }
        )
    return out
