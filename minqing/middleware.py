"""Two answers instead of a server error.

**Bad input.** Input that no form can make sense of gets a clear 400 page and changes nothing, never a server error.

Two kinds reach the database before a form can say no: NUL characters (PostgreSQL refuses them in any string)
and numbers beyond 64 bits in an id (e.g. a ModelMultipleChoiceField's ``pk__in``, which SQLite and
PostgreSQL both refuse). Forms report everything else beside the field.

**The database cannot be reached.** Every page answers a Chinese 503 page (``templates/503.html``) and every
``.json`` address a JSON 503, never a 500: ``DatabaseUnavailableMiddleware`` connects before any view runs
(a no-op while the request's connection is open) and catches ``OperationalError`` / ``InterfaceError`` from a
view; ``minqing.views.error_500`` gives the same answer when one comes from another middleware (loading the
session, say). ``/healthz`` answers for itself.

**Too large, or personal.** ``RequestSizeLimitMiddleware`` refuses a body over ``MINQING_MAX_REQUEST_MB``
before it is read; ``PrivateNoStoreMiddleware`` marks every signed-in page and download ``private, no-store``.
"""

import logging

from django.db import DataError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

#: What a database that cannot be reached (or that drops the connection) raises.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def bad_input(request):
    return render(request, "400.html", status=400)


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "POST") and _has_nul(request):
            return bad_input(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError | DataError):
            return bad_input(request)
        return None


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def database_unavailable(request, error: Exception) -> HttpResponse:
    """503 in Chinese: JSON for the ``.json`` addresses, otherwise a page rendered without the request's context
    (its context processors would ask the database again)."""
    logger.error("database unavailable, %s answered 503: %s", request.path, error)
    message = "系统暂时无法连接数据库，请稍后再试。"
    if request.path.endswith(".json"):
        response = JsonResponse(
            {"error": "database_unavailable", "message": message}, status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "60"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "answers_without_database", False):
            return None
        try:
            connection.ensure_connection()
        except DATABASE_UNAVAILABLE as e:
            return database_unavailable(request, e)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request, exception)
        return None


class RequestSizeLimitMiddleware:
    """A request body over ``MINQING_MAX_REQUEST_MB`` is refused with a Chinese 413 page from its declared
    length, before Django reads a byte of it (an upload is never written to disk). Place it before anything
    that reads ``request.POST``. The reverse proxy in front sets the same limit (README)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        limit = settings.MINQING_MAX_REQUEST_MB * 1024 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return bad_input(request)
        if length > limit:
            request._body = b""  # nothing of it is read, not even for the error page's CSRF check
            return render(request, "413.html", {"limit_mb": settings.MINQING_MAX_REQUEST_MB}, status=413)
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """Every page and download served to a signed-in user carries personal data (a case, a household, a ledger
    export, even a desk's counts): ``Cache-Control: private, no-store`` on each, so no browser cache or
    proxy keeps a copy. A view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
