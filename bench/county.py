"""The county-scale benchmark (``make bench``; not part of ``make test``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minqing BENCH_SCALE=0.01 .venv/bin/python bench/county.py

1. **Generate** (``bench/generate.py``): drops and recreates a dedicated database on the DATABASE_URL server
   (``minqing_bench_<scale>``, or ``BENCH_DATABASE``; the name must start with ``minqing_bench`` so dev data
   is never touched), migrates it, loads the demo configuration and accounts (``seed_demo
   --no-sample-data``), bulk-loads the county with COPY, then ``VACUUM ANALYZE``.
2. **Measure** (``bench/measure.py``): collects static files, starts gunicorn (2 workers, ``DEBUG=0``) on a
   free 127.0.0.1 port with ``bench.settings`` (the query-count middleware), logs in per role with a real
   HTTP client (requests; the CSRF token from the login form), and times every page: median and p95 over
   ``BENCH_REQUESTS`` requests (30) after two warm-ups, queries per request from the ``X-Query-Count``
   header. Then the import of 10,000 households and the monthly report, each in its own process (time and
   peak memory). Prints one table and writes ``bench/results/<scale>.json`` (git-ignored).

Environment: ``BENCH_SCALE`` (1.0; 0.01 for a quick run), ``BENCH_REQUESTS`` (30), ``BENCH_DATABASE``,
``BENCH_SKIP_GENERATE=1`` (measure the existing database again), ``BENCH_PAGES=cases,case_`` (only the pages
whose key starts so, without the import and the report), ``BENCH_REDIS_URL`` (optional: gunicorn uses Redis as
cache and broker). Options: ``--skip-generate``, ``--generate-only``, ``--requests N``.
Everything runs on loopback, every loop is bounded, and gunicorn is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class BenchError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"基准测试：{message}")


def scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


def bench_database_url(scale: float) -> tuple[str, str, str]:
    """(server URL of the maintenance database, the bench database URL, its name)."""
    url = os.getenv("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        shown = parsed.scheme or "未设置"
        raise BenchError(
            f"需要 PostgreSQL（DATABASE_URL 现在是 {shown}）。SQLite 不支持 COPY 批量导入，也不代表生产环境。\n"
            "请这样运行：DATABASE_URL=postgres://postgres@127.0.0.1:5432/minqing make bench"
        )
    name = os.getenv("BENCH_DATABASE") or f"minqing_bench_{scale_tag(scale)}"
    if not name.startswith("minqing_bench") or not name.replace("_", "").isalnum():
        raise BenchError(f"基准数据库名必须以 minqing_bench 开头（现在是 {name!r}），以免覆盖开发数据。")
    server = urlunparse(parsed._replace(path="/postgres"))
    return server, urlunparse(parsed._replace(path=f"/{name}")), name


def recreate_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def _conninfo(url: str) -> str:
    parsed = urlparse(url)
    parts = {
        "host": parsed.hostname or "",
        "port": str(parsed.port or ""),
        "user": parsed.username or "",
        "password": parsed.password or "",
        "dbname": parsed.path.lstrip("/"),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)  # the generator needs no broker
    import django

    django.setup()


def log(message: str) -> None:
    print(message, flush=True)


def generate_phase(scale: float, server_url: str, database_url: str, name: str) -> dict:
    from io import StringIO

    started = time.perf_counter()
    recreate_database(server_url, name)
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import generate

    log(f"数据库 {name}：迁移 …")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-sample-data", stdout=StringIO())
    migrate_s = time.perf_counter() - t0
    log(f"生成县级数据（BENCH_SCALE={scale:g}）…")
    info = generate(scale, log=log)
    t0 = time.perf_counter()
    connection.close()
    import psycopg

    with psycopg.connect(_conninfo(database_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    info["timings"]["migrate_and_demo"] = migrate_s
    info["timings"]["vacuum_analyze"] = time.perf_counter() - t0
    info["timings"]["total"] = time.perf_counter() - started
    info["database"] = name
    with psycopg.connect(_conninfo(database_url)) as conn:
        info["database_size"] = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[
            0
        ]
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (info jsonb NOT NULL)")
        conn.execute("DELETE FROM bench_meta")
        conn.execute("INSERT INTO bench_meta (info) VALUES (%s)", [json.dumps(info, default=str)])
    log(
        f"生成完成：{info['timings']['total']:.0f} 秒（数据库 {info['database_size']}）；"
        + "，".join(f"{k} {v:.0f}s" for k, v in info["timings"].items() if k != "total")
    )
    return info


def summaries_phase(info: dict) -> None:
    """Keep the past months' counts of the leaders' numbers, as beat does every ten minutes on a county server
    (dashboards/summaries.py): a bulk load changes no day's version, so every month is counted here once.
    An existing data set measured again is first migrated to the code, and only out-of-date months are
    counted again."""
    from django.core.management import call_command
    from django.db import connection

    from dashboards.summaries import refresh

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    built = refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dashboards_summary")
    info["timings"]["month_summaries"] = time.perf_counter() - t0
    info["month_summaries_built"] = len(built)
    log(f"统计汇总：{len(built)} 个时段，{info['timings']['month_summaries']:.1f} 秒")


def read_meta(database_url: str) -> dict:
    import psycopg

    try:
        with psycopg.connect(_conninfo(database_url)) as conn:
            return conn.execute("SELECT info FROM bench_meta").fetchone()[0]
    except psycopg.Error as e:
        raise BenchError(
            f"找不到已生成的基准数据库（{e.__class__.__name__}）：先去掉 --skip-generate 运行一次。"
        ) from e


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="民情 county-scale benchmark")
    parser.add_argument("--skip-generate", action="store_true", default=os.getenv("BENCH_SKIP_GENERATE") == "1")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--requests", type=int, default=int(os.getenv("BENCH_REQUESTS", "30")))
    args = parser.parse_args(argv)
    scale = float(os.getenv("BENCH_SCALE", "1.0"))
    if not 0 < scale <= 4:
        raise BenchError(f"BENCH_SCALE 应在 0 到 4 之间（现在是 {scale}）。")
    if not 1 <= args.requests <= 500:
        raise BenchError("--requests 应在 1 到 500 之间。")
    server_url, database_url, name = bench_database_url(scale)

    if args.skip_generate:
        info = read_meta(database_url)
        setup_django(database_url)
    else:
        info = generate_phase(scale, server_url, database_url, name)
    summaries_phase(info)
    if args.generate_only:
        return 0

    from bench.measure import measure, print_table

    results = measure(info, database_url, requests_per_page=args.requests, log=log)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{scale:g}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print_table(results)
    log(f"结果已写入 {out.relative_to(ROOT)}")
    return 1 if results.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
