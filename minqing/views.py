from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minqing.celery import app as celery_app


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
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception:  # kombu raises transport-specific errors
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    db = database_status()
    body = {"status": "ok" if db == "ok" else "error", "database": db, "broker": broker_status()}
    return JsonResponse(body, status=200 if db == "ok" else 503)


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a Chinese page instead of Django's English one."""
    return render(request, "403_csrf.html", status=403)
