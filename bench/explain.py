"""Why is a page slow? Every SQL statement of one request, slowest first, with EXPLAIN ANALYZE of the worst.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minqing BENCH_SCALE=1 \
        .venv/bin/python bench/explain.py leader "/petitions/?status=closed" [--plans 2]

Runs the request in-process (Django's test client, logged in as the demo account) against the benchmark's
database for ``BENCH_SCALE``, prints the time spent rendering versus in the database, and the plans.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("url")
    parser.add_argument("--plans", type=int, default=2, help="EXPLAIN ANALYZE the N slowest statements")
    args = parser.parse_args()

    from bench.county import bench_database_url

    _, database_url, _ = bench_database_url(float(os.getenv("BENCH_SCALE", "1.0")))
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="minqing.settings", LOG_LEVEL="ERROR")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.username))
    client.get(args.url)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(args.url)
        total = (time.perf_counter() - started) * 1000
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    db = sum(ms for ms, _ in queries)
    print(
        f"{args.url} as {args.username}: HTTP {response.status_code}, {len(response.content) / 1024:.0f} KB, "
        f"{total:.0f} ms in Django, {db:.0f} ms in {len(queries)} statements, {total - db:.0f} ms elsewhere"
    )
    for ms, sql in sorted(queries, reverse=True):
        print(f"{ms:8.1f} ms  {sql[:200]}")
    for ms, sql in sorted(queries, reverse=True)[: args.plans]:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print(f"\n--- EXPLAIN ANALYZE ({ms:.1f} ms) ---\n{sql}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
