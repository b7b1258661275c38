"""Settings switches: database URL, eager vs Redis, refusal in production without a key."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from minqing.settings import database_from_url

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    "'name': str(settings.DATABASES['default']['NAME']),"
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    "'cache': settings.CACHES['default']['BACKEND'], 'debug': settings.DEBUG,"
    "'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, 'use_tz': settings.USE_TZ}))"
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-key-for-tests-0123456789-abcdefghijkl",
    "ALLOWED_HOSTS": "minqing.example.gov.cn",
    "PUBLIC_BASE_URL": "https://minqing.example.gov.cn",
}


def run_python(code_or_args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "HTTPS", "LOG_LEVEL")
    }
    clean.update(DJANGO_SETTINGS_MODULE="minqing.settings", **env)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def probe(**env) -> dict:
    result = run_python(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def settings_of(*names: str, **env) -> dict:
    """The named settings as the process started with ``env`` sees them."""
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_url_gives_sqlite_with_immediate_transactions():
    db = database_from_url("sqlite:////tmp/minqing-test.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert str(db["NAME"]) == "/tmp/minqing-test.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_url_gives_psycopg_settings():
    db = database_from_url("postgres://mq:s%40cret@db.local:5433/minqing?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "mq",
        "s@cret",
        "db.local",
        "5433",
        "minqing",
    )
    assert db["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off -c random_page_cost=1.1"}


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://root@localhost/minqing")


def test_defaults_are_sqlite_eager_and_local_memory():
    values = probe()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("minqing.sqlite3")
    assert values["eager"] is True
    assert values["cache"].endswith("LocMemCache")
    assert values["debug"] is True
    assert (values["tz"], values["lang"], values["use_tz"]) == ("Asia/Shanghai", "zh-hans", True)


def test_redis_url_moves_celery_and_cache_to_redis():
    values = probe(REDIS_URL="redis://127.0.0.1:6399/3")
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6399/3"
    assert values["cache"] == "minqing.cache.FailSoftRedisCache"  # tests/minqing/test_outages.py: Redis down
    cache = settings_of("CACHES", REDIS_URL="redis://127.0.0.1:6399/3")["CACHES"]["default"]
    assert cache["LOCATION"] == "redis://127.0.0.1:6399/3"
    assert cache["OPTIONS"]["socket_connect_timeout"] <= 1 and cache["OPTIONS"]["socket_timeout"] <= 1


def test_database_url_switches_to_postgres():
    values = probe(DATABASE_URL="postgres://postgres@127.0.0.1:5432/minqing")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "minqing"


def test_production_without_secret_key_refuses_to_start():
    result = run_python(PROBE, DEBUG="0", ALLOWED_HOSTS="example.org", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = run_python(PROBE, **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_queuing_a_task_with_redis_down_fails_fast_instead_of_hanging():
    """With REDIS_URL set but Redis down, .delay() raises at once (the caller logs it and carries on); without the
    fail-fast options the result backend retries for ~19 s inside the request."""
    code = (
        "import time, django; django.setup();"
        "from dashboards.tasks import build_monthly_report;"
        "t = time.monotonic()\n"
        "try:\n    build_monthly_report.delay(1)\nexcept Exception as e:\n    print('raised', type(e).__name__)\n"
        "print('seconds', round(time.monotonic() - t, 1))"
    )
    result = run_python(code, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines() if " " in line)
    assert "raised" in lines
    assert float(lines["seconds"]) < 10


# --- HTTPS=0: a plain-HTTP intranet ------------------------------------------------------------------------

HTTPS_SETTINGS = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
#: What HTTPS=0 gives up, and so the deploy checks it silences: exactly these.
HTTPS_CHECKS = {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_production_is_https_by_default():
    values = settings_of(*HTTPS_SETTINGS, "SILENCED_SYSTEM_CHECKS", **PRODUCTION)
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] == 31536000
    assert not HTTPS_CHECKS & set(values["SILENCED_SYSTEM_CHECKS"])


def test_https_0_turns_off_secure_cookies_hsts_and_redirect_together():
    values = settings_of(*HTTPS_SETTINGS, "SILENCED_SYSTEM_CHECKS", **PRODUCTION, HTTPS="0")
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert set(values["SILENCED_SYSTEM_CHECKS"]) - {"models.W040"} == HTTPS_CHECKS  # and nothing else


def test_check_deploy_is_clean_with_https_0():
    env = {**PRODUCTION, "HTTPS": "0", "PUBLIC_BASE_URL": "http://10.0.0.5"}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_https_0_still_checks_the_rest_of_the_deployment():
    """Silencing is by id: another deploy warning (here the public address) still fails the check."""
    env = {**PRODUCTION, "HTTPS": "0", "PUBLIC_BASE_URL": ""}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "minqing.W001" in result.stderr + result.stdout


def test_the_old_redirect_switch_is_refused_with_a_pointer_to_https_0():
    result = run_python(PROBE, **PRODUCTION, SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "HTTPS=0" in result.stderr


def test_env_example_placeholder_key_refuses_to_start():
    result = run_python(
        PROBE, **{**PRODUCTION, "SECRET_KEY": "change-me-to-a-long-random-string-of-at-least-50-characters"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# --- The public address ------------------------------------------------------------------------------------


def test_check_deploy_warns_when_public_base_url_is_unset():
    result = run_python(["manage.py", "check", "--deploy"], **{**PRODUCTION, "PUBLIC_BASE_URL": ""})
    assert "minqing.W001" in result.stderr + result.stdout


def test_no_public_base_url_warning_in_development():
    result = run_python(["manage.py", "check", "--deploy"], PUBLIC_BASE_URL="")
    assert "minqing.W001" not in result.stderr + result.stdout


# --- `make run`'s console ----------------------------------------------------------------------------------

EAGER_TASK = (
    "import django; django.setup()\n"
    "from minqing.celery import app\n"
    "@app.task(name='probe.add')\n"
    "def add(a, b):\n    return a + b\n"
    "print('result', add.delay(1, 2).get())\n"
)


def test_make_run_console_has_no_task_lines_at_the_default_level():
    result = run_python(EAGER_TASK)
    assert result.returncode == 0, result.stderr
    assert "result 3" in result.stdout
    for line in ("succeeded in", "No hostname was supplied", "AXES: BEGIN"):
        assert line not in result.stderr


def test_the_task_lines_are_kept_at_debug_level():
    result = run_python(EAGER_TASK, LOG_LEVEL="DEBUG")
    assert result.returncode == 0, result.stderr
    assert "succeeded in" in result.stderr and "No hostname was supplied" in result.stderr
