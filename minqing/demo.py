"""Demo accounts, one per role in 鼎新乡 (and a second liaison and handler to show the scopes), the staff of the
second township 和兴镇, a county-level unit's handler and the county center (县级)."""

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as AuthGroup
from django.utils import timezone

from households.models import Township, Village
from minqing.roles import Role
from petitions.models import Department
from petitions.workflow import replaying_history

DEMO_PASSWORD = "minqing2026"

DX, HX = "DX", "HX"  # the demo townships' codes (households/demo.py)

# username, full name, roles, township (of the center roles), liaison villages, departments (township code, or
# None for a county-level unit, and name)
DEMO_ACCOUNTS = [
    ("reception", "王芳", ["reception"], DX, [], []),
    ("leader", "李建国", ["leader"], DX, [], []),
    ("handler", "张伟", ["handler"], None, [], [(DX, "民政办")]),
    ("handler2", "赵磊", ["handler"], None, [], [(DX, "自规所")]),
    ("handler3", "冯志刚", ["handler"], None, [], [(DX, "城建办")]),
    ("liaison", "陈秀英", ["liaison"], None, [(DX, "和平村"), (DX, "新发村")], []),
    ("liaison2", "刘强", ["liaison"], None, [(DX, "大井村")], []),
    ("admin", "系统管理员", ["admin"], DX, [], []),
    ("reception_hx", "孙丽", ["reception"], HX, [], []),
    ("leader_hx", "周正华", ["leader"], HX, [], []),
    ("handler_hx", "吴涛", ["handler"], None, [], [(HX, "民政办")]),
    ("liaison_hx", "郑玉兰", ["liaison"], None, [(HX, "和兴村")], []),
    ("handler_xian", "钱立新", ["handler"], None, [], [(None, "县自然资源局")]),
    ("county", "黄志远", ["county"], None, [], []),
]


def seed_accounts(log) -> None:
    User = get_user_model()
    # The groups come from a migration; get_or_create keeps this safe after a test flush.
    groups = {r: AuthGroup.objects.get_or_create(name=r)[0] for r in Role.values}
    townships = {t.code: t for t in Township.objects.all()}
    for username, full_name, roles, township, villages, departments in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "is_staff": "admin" in roles,
                "is_superuser": "admin" in roles,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            log(f"账号：{username}（{full_name}）")
        user.groups.add(*(groups[r] for r in roles))
        if township in townships:
            townships[township].staff.add(user)
        for code, name in villages:
            for village in Village.objects.filter(township__code=code, name=name):
                village.liaisons.add(user)
        for code, name in departments:
            for department in Department.objects.filter(township__code=code, name=name):
                department.staff.add(user)


def describe_accounts() -> str:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    labels = dict(Role.choices)
    names = {"DX": "鼎新乡", "HX": "和兴镇", None: ""}
    for username, full_name, roles, township, villages, departments in DEMO_ACCOUNTS:
        where = "、".join([names[township]] * bool(township) + [n for _, n in villages + departments])
        role = "、".join(labels[r] for r in roles)
        lines.append(f"  {username:<13} {full_name} · {role}{'（' + where + '）' if where else ''}")
    return "\n".join(lines)


# --- The demo's clock: a year of township life, each action at its own past time, in order -------------------


@contextmanager
def demo_clock(when: dt.datetime):
    """Run with ``timezone.now()`` returning ``when`` (naive values are Asia/Shanghai): the one place the demo's
    time is set. Everything stamped through ``django.utils.timezone.now`` (auto_now_add, the workflow's dates,
    deadlines counted from "today") is stamped ``when``."""
    aware = timezone.make_aware(when) if timezone.is_naive(when) else when
    with mock.patch("django.utils.timezone.now", return_value=aware):
        yield


HISTORY_AFTER = dt.timedelta(days=2)


def run_stories(stories: Iterable[Iterator[dt.datetime]]) -> int:
    """Run ``stories`` interleaved in time order. A story is a generator that yields the time of its next action
    and then, when resumed, does that action (under ``demo_clock`` of that time); so every case's steps and
    every visit happen in the order of the calendar, across all stories. Times are clamped to the past. Returns
    the number of actions run."""
    now = timezone.now()
    heap: list[tuple[dt.datetime, int, Iterator[dt.datetime]]] = []
    order = 0

    def advance(story, when=None) -> None:
        nonlocal order
        try:
            if when is None:
                nxt = next(story)
            else:
                # What happened more than two days ago is history: its notifications would be stale news today.
                replay = replaying_history() if when < now - HISTORY_AFTER else nullcontext()
                with demo_clock(when), replay:
                    nxt = next(story)
        except StopIteration:
            return
        order += 1
        heapq.heappush(heap, (min(nxt, now - dt.timedelta(minutes=1)), order, story))

    for story in stories:
        advance(story)
    actions = 0
    while heap:
        when, _, story = heapq.heappop(heap)
        actions += 1
        advance(story, when)
    return actions


def at_work(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of the working day ``day`` (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
