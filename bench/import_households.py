"""Benchmark: import 10,000 households (+ members) from Excel. Not a test; run by hand.

    .venv/bin/python bench/import_households.py [--households 10000] [--keep FILE]

Builds a throw-away SQLite database (or uses DATABASE_URL if set — careful: it writes to it), loads the demo
township's villages and tags, writes an xlsx with openpyxl's write-only mode, then times
``importer.preview`` (the dry run), ``importer.apply`` and a second ``apply`` of the same file (every row
unchanged), each with its peak Python memory (tracemalloc) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_file(path: Path, households: int) -> int:
    from openpyxl import Workbook

    from households.demo import GROUPS_PER_VILLAGE, HOUSEHOLD_TAGS, SURNAMES, VILLAGES
    from households.excel import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_COLUMNS, MEMBER_SHEET
    from households.idcard import id_number_for

    rng = random.Random(11643)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(HOUSEHOLD_SHEET)
    ws.append(["鼎新乡户籍台账（基准测试）"])
    ws.append(["填表人：基准脚本"])
    ws.append(HOUSEHOLD_COLUMNS)
    member_rows = []
    serial = 0

    def next_id(birth_year: int) -> str:
        nonlocal serial
        serial += 1
        birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=serial // 999)
        return id_number_for("520521", birth, serial % 999)

    for n in range(households):
        village = VILLAGES[n % len(VILLAGES)]
        number = f"{n // len(VILLAGES) + 1:04d}"
        tags = "、".join(name for name, _ in rng.sample(HOUSEHOLD_TAGS, rng.choice((0, 0, 1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        size = rng.randint(1, 5)
        ws.append([
            village, f"{rng.randint(1, GROUPS_PER_VILLAGE)}组", number, rng.choice(SURNAMES) + "某",
            next_id(1950) if rng.random() < 0.9 else "", phone, f"鼎新乡{village}{number}号", f"{size}人", tags, "", "",
        ])  # fmt: skip
        for m in range(size - 1):
            member_rows.append([village, number, f"成员{m}", "子女", next_id(1980) if m % 3 else "", "", ""])
    members = wb.create_sheet(MEMBER_SHEET)
    members.append(MEMBER_COLUMNS)
    for row in member_rows:
        members.append(row)
    wb.save(path)
    return len(member_rows)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:<28} {time.perf_counter() - start:6.1f} s   process peak RSS so far {rss_mb():5.0f} MB")
    return result


def traced(label: str, func):
    """Peak Python allocations while ``func`` runs (tracemalloc slows Python several times: not a timing)."""
    tracemalloc.start()
    result = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<28} peak Python memory {peak / 2**20:6.1f} MB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--keep", help="also save the generated xlsx here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="minqing-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # as in production: no log of every SQL statement in memory

    from households import importer
    from households.models import Household, Person, Township

    print(f"database: {os.environ['DATABASE_URL']}")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-sample-data", stdout=open(os.devnull, "w"))

    path = Path(args.keep) if args.keep else workdir / "households.xlsx"
    start = time.perf_counter()
    members = build_file(path, args.households)
    print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MB, {args.households} households, {members} members, "
          f"written in {time.perf_counter() - start:.1f} s)")  # fmt: skip

    print(f"after setup: process peak RSS {rss_mb():.0f} MB")
    dx = Township.objects.get(code="DX")  # the file names 鼎新乡's villages

    print("-- time")
    report = timed("preview (dry run)", lambda: importer.preview(path, township=dx))
    print("   ", "；".join(report.summary_lines()), f"problems: {len(report.problems)}")
    report = timed("apply (preview + write)", lambda: importer.apply(path, township=dx))
    print("   ", "；".join(report.summary_lines()), f"applied: {report.applied}")
    print(f"    in the database: {Household.objects.count()} households, {Person.objects.count()} people")
    report = timed("apply again (all unchanged)", lambda: importer.apply(path, township=dx))
    print("   ", "；".join(report.summary_lines()))

    print("-- memory (a second, traced run on an emptied ledger)")
    Household.objects.all().delete()
    traced("preview (dry run)", lambda: importer.preview(path, township=dx))
    traced("apply (preview + write)", lambda: importer.apply(path, township=dx))
    traced("apply again (all unchanged)", lambda: importer.apply(path, township=dx))


if __name__ == "__main__":
    main()
