"""Shared fixtures: personas named for their access (healthchecks' alice/bob/charlie), a fast hasher,
and Celery run in-process.

Personas are the demo accounts' shapes: reception, leader, handler_minzheng (民政办), handler_zigui
(自规所), liaison_a (和平村), liaison_b (大井村), admin_user. ``client_as(persona)`` logs one in.
"""

from __future__ import annotations

import contextlib
import logging
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as AuthGroup

from households.models import Group, Township, Village
from petitions.models import Department

PASSWORD = "pw-for-tests"


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def explain(queryset, **settings) -> str:
    """PostgreSQL's plan for ``queryset`` with the planner ``settings`` given (``enable_seqscan="off"``: reading
    the whole table becomes its last resort, so an index it can use shows up in the plan). Inside the test's
    transaction: the settings end with it."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


requires_postgres = pytest.mark.skipif(
    not os.getenv("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI runs this against the real server)",
)
requires_redis = pytest.mark.skipif(
    not os.getenv("REDIS_URL"),
    reason="needs Redis and a real worker: set REDIS_URL=redis://… (CI runs this against the real server)",
)


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    """Leaders' numbers are remembered only when slow to compute, which a loaded test machine can make any
    of them: off here, so each test sees its own data. tests/dashboards/test_views.py turns it on to test it."""
    settings.MINQING_METRICS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _celery_eager():
    """Run tasks in-process unless a test starts a real worker (pytest-django's settings fixture
    does not reach Celery once the app has read its config)."""
    from minqing.celery import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@contextlib.contextmanager
def real_worker(**options):
    """A Celery worker in a thread of this process (celery.contrib.testing), eager off while it runs.

    The embedded worker sets up Celery's logging: the root logger at level ERROR without its handlers. Left so,
    every later test in this process that looks for a warning in ``caplog`` finds none; both are put back."""
    from celery.contrib.testing.worker import start_worker

    from minqing.celery import app

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, **options) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = eager
        root.setLevel(level)
        root.handlers[:] = handlers


#: A Redis address where nothing listens.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down():
    """Celery with its broker down (a Redis port where nothing listens) and eager off, as in production when
    Redis is gone. The connection pools made for the previous broker are dropped, so nothing reaches them."""
    from minqing.celery import app

    def forget_pools():
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, DEAD_REDIS
    forget_pools()
    yield DEAD_REDIS
    app.conf.task_always_eager, app.conf.broker_url = old
    forget_pools()


def make_township(name: str = "鼎新乡", code: str = "DX", prefix: str = "MQ") -> Township:
    """The personas' township is 鼎新乡 with the legacy prefix MQ (MQ202611-0042); another gets its own."""
    township, _ = Township.objects.get_or_create(
        code=code, defaults={"name": name, "number_prefix": prefix, "center_name": f"{name}民情信息中心"}
    )
    return township


def make_village(name: str = "和平村", groups: int = 2, township: Township | None = None) -> Village:
    village, _ = Village.objects.get_or_create(name=name, township=township or make_township())
    for n in range(1, groups + 1):
        Group.objects.get_or_create(village=village, name=f"{n}组")
    return village


def make_department(
    name: str = "民政办", village: Village | None = None, township: Township | None = None
) -> Department:
    kind = Department.Kind.VILLAGE if village else Department.Kind.OFFICE
    township = village.township if village else township or make_township()
    department, _ = Department.objects.get_or_create(
        name=name, township=township, defaults={"kind": kind, "village": village}
    )
    return department


def make_county_unit(name: str = "县自然资源局") -> Department:
    department, _ = Department.objects.get_or_create(name=name, township=None, kind=Department.Kind.COUNTY)
    return department


CENTER = {"reception", "leader", "admin"}


def make_user(username: str, *roles: str, villages=(), departments=(), townships=None, full_name: str = ""):
    """A user with ``roles``; a center role works in ``townships`` (鼎新乡 unless given)."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=full_name or username)
    # get_or_create: a transactional test's flush removes the groups the migration made.
    user.groups.add(*(AuthGroup.objects.get_or_create(name=role)[0] for role in roles))
    if townships is None:
        townships = [make_township()] if CENTER & set(roles) else []
    for township in townships:
        township.staff.add(user)
    for village in villages:
        village.liaisons.add(user)
    for department in departments:
        department.staff.add(user)
    return user


@pytest.fixture
def village_a(db):
    return make_village("和平村")


@pytest.fixture
def village_b(db):
    return make_village("大井村")


@pytest.fixture
def dept_minzheng(db):
    return make_department("民政办")


@pytest.fixture
def dept_zigui(db):
    return make_department("自规所")


@pytest.fixture
def reception(db):
    return make_user("reception", "reception", full_name="王芳")


@pytest.fixture
def leader(db):
    return make_user("leader", "leader", full_name="李建国")


@pytest.fixture
def handler_minzheng(dept_minzheng):
    return make_user("handler", "handler", departments=[dept_minzheng], full_name="张伟")


@pytest.fixture
def handler_zigui(dept_zigui):
    return make_user("handler2", "handler", departments=[dept_zigui], full_name="赵磊")


@pytest.fixture
def liaison_a(village_a):
    return make_user("liaison", "liaison", villages=[village_a], full_name="陈秀英")


@pytest.fixture
def liaison_b(village_b):
    return make_user("liaison2", "liaison", villages=[village_b], full_name="刘强")


@pytest.fixture
def admin_user(db):
    user = make_user("admin", "admin", full_name="系统管理员")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def client_as(client):
    """client_as(user) → the test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs two processes with --dist loadgroup), tests that share something
    outside their own database run in one process: the real-worker tests share the Redis queue, and the browser
    tests share the public lookup's per-address counter (127.0.0.1)."""
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("celery-worker"))
        elif "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("browser"))
