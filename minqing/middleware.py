"""Input that no form can make sense of gets a clear 400 page and changes nothing, never a server error.

Two kinds reach the database before a form can say no: NUL characters (PostgreSQL refuses them in any string)
and numbers beyond 64 bits in an id (e.g. a ModelMultipleChoiceField's ``pk__in``, which SQLite and
PostgreSQL both refuse). Forms report everything else beside the field.
"""

from django.db import DataError
from django.shortcuts import render


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
