"""Run one ledger import in a process of its own and print its peak memory, for test_import_limits.py:

    python -m tests.households.measure_import prepare DB
    python -m tests.households.measure_import apply DB FILE

``prepare`` migrates a new SQLite database at DB and adds the villages the generated ledgers use; ``apply``
imports FILE into it and prints one JSON line: the process's peak resident memory (MB) before and after the
import, the seconds it took and the report's counts. The process is a plain Django process with DEBUG off, as
the Celery worker that runs imports is.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, not getrusage's ru_maxrss: that one keeps the peak of
    the process that started this one (it survives exec), a pytest process that has just built a big file."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: kilobytes on Linux, bytes on macOS


def main(command: str, db: str, file: str | None = None) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no log of every SQL statement in memory
    if command == "prepare":
        from django.core.management import call_command

        from households.models import Township, Village

        call_command("migrate", verbosity=0)
        township, _ = Township.objects.get_or_create(
            code="DX", defaults={"name": "鼎新乡", "number_prefix": "MQ", "center_name": "鼎新乡民情信息中心"}
        )
        for name in ("和平村", "大井村"):
            Village.objects.get_or_create(township=township, name=name)
        return
    from households import importer

    before = peak_mb()
    start = time.perf_counter()
    report = importer.apply(file)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "before_mb": round(before, 1),
                "peak_mb": round(peak_mb(), 1),
                "seconds": round(seconds, 1),
                "applied": report.applied,
                "households": report.households.as_dict(),
                "members": report.members.as_dict(),
                "notes": report.note_count,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
