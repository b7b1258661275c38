"""Minqing settings: one module, driven by the environment.

Unset variables fall back to an embedded default that runs with nothing installed:
SQLite in the project folder, Celery tasks run in-process, a local-memory cache.
See .env.example for every variable.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0 or true/false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL (sqlite:///path or postgres://user:pass@host:port/name) into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if not path:
            raise ImproperlyConfigured("DATABASE_URL sqlite:/// needs a file path")
        return sqlite_database(path if path == ":memory:" else Path(path))
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        # JIT compilation costs ~200 ms per large grouped query (the leaders' numbers over a county year) and
        # saves less than that: off. Random reads cost PostgreSQL's default 4× a sequential one only on spinning
        # disks: on SSD or a cached database 1.1 (the usual advice) lets it look cases up by id instead of
        # scanning all of them (a month's revisits by village: 120 → 60 ms). DATABASE_URL's own options
        # replace both (…?options=-c%20jit%3Don).
        options.setdefault("options", "-c jit=off -c random_page_cost=1.1")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "minqing",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": os.getenv("TEST_DATABASE_NAME") or None},
        }
    raise ImproperlyConfigured(f"DATABASE_URL must start with sqlite:/// or postgres://, not {parsed.scheme!r}")


def redis_cache(url: str) -> dict:
    """The Django cache on Redis, failing soft (minqing.cache): it holds only conveniences (the public lookup's
    per-address limit, the leaders' numbers that were slow to compute), so while Redis cannot be reached every
    call is answered from this process's memory instead of raising. A second's wait at most per try: Redis is
    on the same host or network, and a page must not wait on it."""
    return {
        "BACKEND": "minqing.cache.FailSoftRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def sqlite_database(path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


SECRET_KEY = os.getenv("SECRET_KEY") or DEFAULT_SECRET_KEY
# DEBUG defaults to on only while no SECRET_KEY is set (a development checkout).
DEBUG = env_bool("DEBUG", SECRET_KEY == DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")

if not DEBUG:
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32 or SECRET_KEY.startswith("change-me"):
        raise ImproperlyConfigured(
            "DEBUG is off but SECRET_KEY is unset, the default or .env.example's placeholder (or shorter than 32 "
            "characters). "
            "Set SECRET_KEY to a long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off but ALLOWED_HOSTS is empty. Set ALLOWED_HOSTS to the site's host names, "
            "comma-separated, e.g. ALLOWED_HOSTS=minqing.example.gov.cn"
        )

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "minqing.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",
    "fontawesome",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "minqing.apps.AxesConfig",  # django-axes, named in Chinese
    "minqing",
    "notifications",
    "households",
    "petitions",
    "visits",
    "meetings",
    "duty",
    "dashboards",
    "lists",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early: a database that cannot be reached answers 503 before anything else asks it (minqing.middleware).
    "minqing.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the body (BadInputMiddleware reads request.POST).
    "minqing.middleware.RequestSizeLimitMiddleware",
    "minqing.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minqing.middleware.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "minqing.access.ScopeMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a username/address pair after too many failed logins (password guessing).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "minqing.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minqing.access.scope_context",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

WSGI_APPLICATION = "minqing.wsgi.application"

DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.getenv("DATABASE_URL")
    else sqlite_database(BASE_DIR / "minqing.sqlite3")
}
# The dashboards' covering index (PetitionEvent, INCLUDE columns) is a PostgreSQL feature; SQLite builds the
# index without them, which is all development needs: no warning on every runserver and migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for django-axes's admin strings (the package has none); the rest of the UI is written in Chinese.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT") or BASE_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Cache and Celery: Redis when REDIS_URL is set, in-process otherwise -----------------------
REDIS_URL = os.getenv("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # The result backend would otherwise retry a dead Redis 20 times (~19 s) inside .delay(): fail fast instead.
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
    CELERY_REDIS_SOCKET_TIMEOUT = 10
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
# A dead broker must never hold a request: fail fast, the periodic scans pick the work up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = 0
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 2}
# Periodic jobs for `celery -A minqing beat`:
CELERY_BEAT_SCHEDULE: dict = {
    # Every 15 minutes: deadline reminders for cases not signed for in time, due soon, overdue or supervised,
    # and for revisits that have come due. Each case gets each kind of reminder once (petitions/reminders.py).
    "deadline-reminders": {"task": "petitions.send_deadline_reminders", "schedule": crontab(minute="*/15")},
    # Every 5 minutes: send the case notifications (routed, returned, replied…) that could not be queued
    # when the case was saved because Redis was down (petitions/notify.py).
    "pending-case-notifications": {"task": "petitions.notify_pending_events", "schedule": crontab(minute="*/5")},
    # Every 10 minutes: count again the past months and days whose cases changed, so the leaders' numbers of
    # a long period are read from kept counts (dashboards/summaries.py); until then those spans are counted
    # from the cases, so the figures are never out of date, only slower.
    "month-summaries": {"task": "dashboards.refresh_month_summaries", "schedule": crontab(minute="*/10")},
    # 01:00 on the 1st of every month: build last month's reports (民情月报), every township's and the county
    # workbook, each once, and tell each township's leaders of theirs and the county of the county's
    # (dashboards/tasks.py → dashboards/services.py).
    "monthly-report": {
        "task": "dashboards.build_previous_month_report",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    # Every hour at :40: remove the uploaded ledgers whose import was checked and then left (neither confirmed
    # nor cancelled) for a day, and any stray file under MEDIA_ROOT/imports/ (households/services.py).
    "household-import-cleanup": {"task": "households.cleanup_household_imports", "schedule": crontab(minute=40)},
    # 06:30 every day: plan the coming meetings (民情分析会) of every body whose kind has a rhythm — villages weekly
    # on Tuesday, the township's joint meeting on the 5th, offices monthly — with their agendas, each once, and
    # remind the chair and secretary of today's and tomorrow's meetings once (meetings/services.py).
    "plan-meetings": {"task": "meetings.plan_meetings", "schedule": crontab(minute=30, hour=6)},
    # 08:10 every day: remind whoever is responsible for a 民意信箱 not opened on its day, once (duty/services.py).
    "remind-mailboxes": {"task": "duty.remind_mailboxes", "schedule": crontab(minute=10, hour=8)},
    # 00:30 on the 1st of every month: draft each contact cadre's report of last month (民情联系卡月报), once per
    # cadre and month (visits/reports.py), before the meetings are planned at 06:30.
    "contact-reports": {
        "task": "visits.build_contact_reports",
        "schedule": crontab(minute=30, hour=0, day_of_month=1),
    },
    # 09:00 on the 2nd and the 3rd: remind the cadres whose report is still a draft, once each day.
    "contact-report-reminders": {
        "task": "visits.remind_contact_reports",
        "schedule": crontab(minute=0, hour=9, day_of_month="2,3"),
    },
    # 07:00 every day: the supervision ledger's cadence (挂帐督办: 每周一问 on Mondays, 半月一查 on the 1st and 16th,
    # 每月一调度 on the 1st) — each step's request once, the unit told once, each answer missed past its date
    # escalated to the leader who put the item on, once (lists/services.py).
    "ledger-cadence": {"task": "lists.run_ledger", "schedule": crontab(minute=0, hour=7)},
    # 08:20 every day: remind the watcher of each early sign (苗头隐患) whose review has come due, once per date.
    "watch-reviews": {"task": "lists.remind_signs", "schedule": crontab(minute=20, hour=8)},
}

# --- Sessions and security ------------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 120) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS=1 (the default): the site is reached over TLS, ended by a reverse proxy in front (nginx in
# docker-compose.yml), and the cookies, HSTS and the redirect to https:// say so. HTTPS=0 is for a plain-HTTP
# intranet without a certificate: it turns off exactly those three together, so that a browser on
# http://10.x.x.x can sign in (a Secure cookie is never sent back over plain HTTP: every form would answer
# 403), and silences exactly the deploy checks that they raise. See the README for what it gives up.
HTTPS = env_bool("HTTPS", True)

if not DEBUG:
    if os.getenv("SECURE_SSL_REDIRECT") is not None:
        # Turning off the redirect alone left the cookies Secure: a plain-HTTP intranet still could not sign in.
        raise ImproperlyConfigured(
            "SECURE_SSL_REDIRECT is no longer read: remove it. For a plain-HTTP intranet set HTTPS=0, which turns "
            "off the redirect, the Secure cookies and HSTS together."
        )
    # The proxy in front says whether the browser came in over https (gunicorn itself is not reachable).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if HTTPS:
        SECURE_SSL_REDIRECT = True
        SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    else:
        SILENCED_SYSTEM_CHECKS += [
            "security.W004",  # SECURE_HSTS_SECONDS unset
            "security.W008",  # SECURE_SSL_REDIRECT off
            "security.W012",  # SESSION_COOKIE_SECURE off
            "security.W016",  # CSRF_COOKIE_SECURE off
        ]

# Content-Security-Policy (django-csp): only this site's own files. No inline or external scripts; styles
# may be inline (style attributes, the <style> inside server-rendered pygal charts) but only from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes, minqing/login_throttle.py): after AXES_FAILURE_LIMIT failures for one username
# from one address, or AXES_USERNAME_FAILURE_LIMIT for one username from all addresses together, the login is
# refused for AXES_COOLOFF_MINUTES. Attempts are kept in the database (readable in the admin).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "minqing.login_throttle.LoginThrottle"
# The client address (login throttling, the public lookup's limit): X-Forwarded-For is read only when
# TRUSTED_PROXY_COUNT reverse proxies are declared in front (then the address that many entries from its right
# end); otherwise the connection's address, so a client cannot forge it. See minqing.access.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "minqing.access.client_ip"

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 465)
    EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", True)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "minqing@localhost")

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Minqing's own settings -------------------------------------------------------------------
MINQING = {
    # The public site address printed on receipts and contact cards (QR codes point here) and in emails.
    # Unset: the address a page was asked on (minqing.links.public_base_url); check --deploy warns.
    "PUBLIC_BASE_URL": os.getenv("PUBLIC_BASE_URL", ""),
    # The county of this installation (one per installation): its center speaks on the county-wide public
    # board. Each township's center name and hotline are the township's own (households.Township).
    "COUNTY_NAME": os.getenv("COUNTY_NAME", "示范县"),
    "COUNTY_HOTLINE": os.getenv("COUNTY_HOTLINE", "12345"),
}

# seed_demo creates the demo accounts, whose password the README publishes, only on a development machine.
# Taken from DEBUG here, at start: test runners turn settings.DEBUG off while the tests run.
MINQING_DEMO_ACCOUNTS = DEBUG

# The household page's one timeline (households/timeline.py): each app appends its provider, a function
# (household, scope) -> Iterable[TimelineEntry] running a constant number of queries.
MINQING_TIMELINE_PROVIDERS = [
    "households.timeline.ledger_entries",
    "petitions.timeline.petition_entries",
    "visits.timeline.household_entries",
]

# A revisit (回访) falls due this many days after the reply (visits app, the revisit queue).
MINQING_REVISIT_AFTER_DAYS = env_int("MINQING_REVISIT_AFTER_DAYS", 7)

# Dashboards (dashboards/metrics.py, dashboards/boards.py).
# k, the weight of 基本满意 in 满意率 = (满意 + k × 基本满意) ÷ valid revisits: 1 by default, 0.9 in some counties.
MINQING_SATISFACTION_BASIC_WEIGHT = env_float("MINQING_SATISFACTION_BASIC_WEIGHT", 1.0)
# The leaders' numbers that take longer than this to compute (a county's year) are kept in the cache for
# MINQING_METRICS_CACHE_SECONDS (0: never); cheaper ones are always computed fresh (dashboards.metrics).
MINQING_METRICS_CACHE_SECONDS = env_int("MINQING_METRICS_CACHE_SECONDS", 600)
MINQING_METRICS_CACHE_AFTER_MS = env_int("MINQING_METRICS_CACHE_AFTER_MS", 300)
# Hot spots: a subject in a village with at least MIN_CASES cases over the last RECENT_DAYS days and at least
# RATIO times what its rate over the BASELINE_DAYS days before would give for RECENT_DAYS days.
MINQING_HOTSPOT_RECENT_DAYS = env_int("MINQING_HOTSPOT_RECENT_DAYS", 30)
MINQING_HOTSPOT_BASELINE_DAYS = env_int("MINQING_HOTSPOT_BASELINE_DAYS", 90)
MINQING_HOTSPOT_RATIO = env_float("MINQING_HOTSPOT_RATIO", 2.0)
MINQING_HOTSPOT_MIN_CASES = env_int("MINQING_HOTSPOT_MIN_CASES", 3)
# The largest request body accepted (attachments, a ledger workbook), refused from its declared length before it
# is read (minqing.middleware.RequestSizeLimitMiddleware); the reverse proxy's client_max_body_size says the same.
MINQING_MAX_REQUEST_MB = env_int("MINQING_MAX_REQUEST_MB", 50)

# Console logging. What a township user running `make run` would not understand stays at DEBUG level
# (LOG_LEVEL=DEBUG shows it): django-axes's line on every sign-in (failures and lockouts are warnings and stay;
# every attempt is also kept in the database, readable in the admin), and, when tasks run in-process, Celery's
# "Task … succeeded in 0.15s" and kombu's "No hostname was supplied" of the in-memory broker. A worker (with
# REDIS_URL) keeps its task lines.
LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO").upper()
_debug_only = "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_forbidden": {"()": "minqing.logfilters.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_forbidden"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": _debug_only},
        **(
            {
                "celery.app.trace": {"level": _debug_only},
                "kombu.connection": {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "ERROR"},
            }
            if CELERY_TASK_ALWAYS_EAGER
            else {}
        ),
    },
}
