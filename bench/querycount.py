"""Counts the SQL statements of each request (bench settings only): ``X-Query-Count`` and ``X-Query-Ms``
(time inside the database driver), plus ``X-Server-Ms`` (the whole request inside Django)."""

from __future__ import annotations

import time

from django.db import connection


class _Counter:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(counter.count)
        response["X-Query-Ms"] = f"{counter.seconds * 1000:.1f}"
        response["X-Server-Ms"] = f"{(time.perf_counter() - start) * 1000:.1f}"
        return response
