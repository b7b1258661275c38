import functools
import logging
import sys

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from minqing.celery import app as celery_app
from minqing.middleware import DATABASE_UNAVAILABLE, database_unavailable

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means the database does not answer
        return "error"
    return "ok"


def broker_status() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception:  # kombu raises transport-specific errors
        return "error"
    return "ok"


def pages_status() -> str:
    """Render one real page, the sign-in page, as every visitor first sees it: its templates, crispy forms and
    every ``{% static %}`` of base.html. With DEBUG=0 and no collected manifest (collectstatic not run, or run
    with the development storage) every page raises here, while the database and broker are fine. Rendered
    without the request, so it asks the database nothing and sets no cookie."""
    try:
        # A stand-in token: without a request there is none, and the rendered page is thrown away.
        render_to_string("registration/login.html", {"form": AuthenticationForm(), "csrf_token": "healthz"})
    except Exception:  # any template or static storage error means no page can be served
        logger.exception("healthz: the sign-in page does not render")
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers and a page renders, else 503; the broker is reported, never waited on for
    more than a second (a broker that is down leaves every page working)."""
    db, pages = database_status(), pages_status()
    healthy = db == "ok" and pages == "ok"
    body = {"status": "ok" if healthy else "error", "database": db, "pages": pages, "broker": broker_status()}
    return JsonResponse(body, status=200 if healthy else 503)


healthz.answers_without_database = True  # it reports the database itself (minqing.middleware)


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    """handler500, called while the exception is being handled: a database that cannot be reached, raised outside
    a view (loading the session, say), is a 503 like everywhere else (minqing.middleware)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a Chinese page instead of Django's English one."""
    return render(request, "403_csrf.html", status=403)


@functools.cache
def _favicon() -> bytes:
    with open(finders.find("favicon.ico"), "rb") as icon:
        return icon.read()


@require_safe
def favicon(request):
    """``/favicon.ico``, which browsers ask for whatever the pages' ``<link rel="icon">`` says: the 民 icon
    (static/favicon.ico: 16, 32 and 48 px PNGs), from the project's static files, cached a day."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
