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
