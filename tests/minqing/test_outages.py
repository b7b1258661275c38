"""Services that fail soft: with Redis or PostgreSQL gone, every page still answers.

- Redis down (``REDIS_URL`` at a port where nothing listens): every URL of the access matrix answers as it does
  with Redis, for every role; the public lookup's limit and the remembered figures go on per process
  (minqing.cache); ``/healthz`` answers within 2 s with the broker marked down (tests/minqing/test_health.py).
- The database down: a Chinese 503 page, and a JSON 503 for ``notices.json`` and ``metrics.json``
  (minqing.middleware).
"""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import caches
from django.db import InterfaceError, OperationalError

from minqing.cache import FailSoftRedisCache
from minqing.settings import redis_cache
from petitions.public_views import LOOKUP_LIMIT
from tests.conftest import DEAD_REDIS
from tests.minqing.test_access_matrix import MATRIX, PERSONAS, fill, objects  # noqa: F401 — objects is a fixture
from tests.minqing.test_settings import PRODUCTION, run_python


@pytest.fixture
def redis_down(settings, broker_down, caplog):
    """The production cache and broker settings, pointed at a port where nothing listens."""
    FailSoftRedisCache.outages.clear()
    settings.CACHES = {"default": redis_cache(DEAD_REDIS)}
    # Whatever an earlier test in this process did to the root logger's level, the cache's warnings are heard.
    caplog.set_level(logging.WARNING, logger="minqing.cache")
    # Remember every figure, so that every numbers page asks the cache.
    settings.MINQING_METRICS_CACHE_SECONDS = 600
    settings.MINQING_METRICS_CACHE_AFTER_MS = 0
    yield
    caches["default"].local.clear()
    FailSoftRedisCache.outages.clear()


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "minqing.cache" and "unreachable" in r.getMessage()]


@pytest.mark.django_db
def test_with_redis_down_every_url_answers_as_with_redis(objects, client, redis_down, caplog):  # noqa: F811
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
    mismatches = []
    for persona in PERSONAS:
        client.logout()
        if persona != "anon":
            client.force_login(users[persona])
        for (name, variant), (template, expected) in MATRIX.items():
            path = fill(template, objects)
            status = client.get(path).status_code
            if status != expected[persona]:
                mismatches.append(f"{persona:9} {name} {variant} {path}: expected {expected[persona]}, got {status}")
    assert mismatches == []
    # The cache was asked (the numbers pages remember every figure here) and found Redis gone: said once.
    assert len(outage_warnings(caplog)) == 1


@pytest.mark.django_db
def test_with_redis_down_the_lookup_limit_counts_per_process(objects, client, redis_down, caplog):  # noqa: F811
    number = objects["case"]["own"].tracking_number
    data = {"number": number, "phone4": "0000"}
    answers = [client.post("/public/lookup/", data).status_code for _ in range(LOOKUP_LIMIT + 1)]
    assert answers == [200] * LOOKUP_LIMIT + [429]
    assert len(outage_warnings(caplog)) == 1


@pytest.mark.django_db
def test_with_redis_down_the_leaders_figures_are_remembered_per_process(objects, client, redis_down):  # noqa: F811
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="leader"))
    first = client.get("/dashboards/metrics.json")
    again = client.get("/dashboards/metrics.json")
    assert first.status_code == again.status_code == 200
    assert again.json()["computed_at"] == first.json()["computed_at"]  # the second came from this process's memory
    assert client.get("/dashboards/metrics/").status_code == 200


def test_the_cache_answers_again_from_redis_once_it_is_back(settings, caplog):
    """After RETRY_SECONDS the next call tries Redis again and says it is back (here: a fake that recovers)."""
    from django.core.cache.backends.redis import RedisCache

    FailSoftRedisCache.outages.clear()
    settings.CACHES = {"default": redis_cache(DEAD_REDIS)}
    caplog.set_level(logging.WARNING, logger="minqing.cache")
    cache = caches["default"]
    cache.set("k", "local")  # Redis refused: kept in memory
    assert cache.get("k") == "local"
    cache.outage.retry_at = 0  # the retry time has come
    up = {}

    def fake_get(self, key, default=None, version=None):
        return up.get(key, default)

    def fake_set(self, key, value, timeout=None, version=None):
        up[key] = value

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RedisCache, "get", fake_get)
        mp.setattr(RedisCache, "set", fake_set)
        cache.set("k", "redis")
        assert up == {"k": "redis"} and cache.get("k") == "redis"
    assert [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert not cache.outage.down
    cache.local.clear()
    FailSoftRedisCache.outages.clear()


# --- The database down ----------------------------------------------------------------------------------

DEAD_DATABASE = "postgres://minqing@127.0.0.1:1/minqing"

DATABASE_DOWN = """
import json, django; django.setup()
from django.test import Client
anonymous, signed_in = Client(raise_request_exception=False), Client(raise_request_exception=False)
signed_in.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"  # a session the database would hold
answers = {}
for who, client in (("anon", anonymous), ("signed_in", signed_in)):
    for path in ["/", "/petitions/", "/public/", "/public/lookup/", "/accounts/login/", "/public/notices.json",
                 "/dashboards/metrics.json"]:
        r = client.get(path)
        answers[f"{who} {path}"] = [r.status_code, r["Content-Type"], r.content.decode()]
# No view at all: the 404 page asks for the signed-in user (its navigation), which is where the database fails.
r = signed_in.get("/no-such-page/")
answers["signed_in /no-such-page/"] = [r.status_code, r["Content-Type"], r.content.decode()]
print(json.dumps(answers))
"""


def test_with_the_database_unreachable_pages_answer_a_chinese_503_and_json_a_json_503():
    env = {**PRODUCTION, "HTTPS": "0", "ALLOWED_HOSTS": "testserver", "DATABASE_URL": DEAD_DATABASE}
    result = run_python(DATABASE_DOWN, **env)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for key, (status, content_type, body) in answers.items():
        if key.endswith(".json"):
            assert (status, content_type) == (503, "application/json"), key
            assert json.loads(body)["message"] == "系统暂时无法连接数据库，请稍后再试。"
        else:
            assert status == 503, f"{key}: {status}"
            assert content_type.startswith("text/html") and "系统暂时无法使用" in body, key


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("server closed the connection unexpectedly"), InterfaceError()])
def test_a_connection_lost_during_a_page_is_a_503(client, monkeypatch, error, caplog):
    from petitions import public

    def lost(*args, **kwargs):
        raise error

    monkeypatch.setattr(public, "board_queryset", lost)
    with caplog.at_level(logging.ERROR, logger="minqing.middleware"):
        page = client.get("/public/")
        feed = client.get("/public/notices.json")
    assert page.status_code == 503 and "系统暂时无法使用" in page.content.decode()
    assert page["Retry-After"] == "60"
    assert feed.status_code == 503 and feed.json()["error"] == "database_unavailable"
    assert "database unavailable" in caplog.text


@pytest.mark.django_db
def test_other_server_errors_stay_500(client, monkeypatch):
    from petitions import public

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(public, "board_queryset", broken)
    with pytest.raises(ValueError):
        client.get("/public/")
