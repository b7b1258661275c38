"""A 50,000-row ledger imported from the page runs in the background on a real Celery worker (through Redis),
with the progress the page polls; the request that uploads it returns at once. It needs PostgreSQL as well as
Redis: the page is polled (and the session saved) while the worker writes, and SQLite's in-memory test database
refuses a second writer at once ("database table is locked") instead of waiting. CI runs it:

    DATABASE_URL=postgres://… REDIS_URL=redis://… pytest -m worker

Beside it, the wiring without a worker (eager Celery, SQLite): the task and the progress it writes."""

from __future__ import annotations

import time

import pytest
from celery.result import EagerResult
from django.core.files import File
from django.urls import reverse

from households.models import Household, HouseholdImport
from households.services import _ImportProgress
from households.tasks import run_household_import
from minqing.celery import app
from tests.conftest import real_worker, requires_postgres, requires_redis
from tests.households.xlsx import household_row, write_big_ledger, write_ledger_file

ROWS = 50_000


def poll(client, job: HouseholdImport, seen: list[int], timeout: float) -> HouseholdImport:
    """Ask for the progress block as the page's htmx does, every 0.2 s, until the job is no longer busy."""
    url = reverse("households:import_status", args=[job.pk])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        if response.get("HX-Refresh") == "true":
            break
        job.refresh_from_db()
        seen.append(job.progress)
        time.sleep(0.2)
    job.refresh_from_db()
    return job


@pytest.mark.worker
@requires_redis
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_50000_row_ledger_imported_from_the_page_runs_on_the_worker_with_progress(
    client, leader, village_a, village_b, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_big_ledger(tmp_path / "ledger.xlsx", ROWS)
    client.force_login(leader)
    app.control.purge()
    with real_worker(shutdown_timeout=60):
        started = time.monotonic()
        with open(path, "rb") as f:
            response = client.post(reverse("households:import"), {"file": f})
        assert response.status_code == 302
        assert time.monotonic() - started < 10  # the request only keeps the file: the worker checks it
        job = HouseholdImport.objects.get()

        checking: list[int] = []
        job = poll(client, job, checking, timeout=300)
        assert (job.stage, job.status, job.progress) == ("preview", "ready", 100), job.error
        assert job.report["households"]["new"] == ROWS
        assert any(0 < p < 100 for p in checking), checking  # the bar moved while the file was checked

        importing: list[int] = []
        confirm = client.post(reverse("households:import_job", args=[job.pk]), {"confirm": "1"})
        assert confirm.status_code == 302
        job = poll(client, job, importing, timeout=600)
        seconds = time.monotonic() - started

    assert (job.stage, job.status, job.progress) == ("apply", "ready", 100), job.error
    assert Household.objects.count() == ROWS
    assert not job.file  # the upload is removed once imported
    assert importing == sorted(importing)  # never backwards
    assert any(CHECK_SHARE_PERCENT < p < 100 for p in importing), importing  # and moved while writing
    print(f"\n{ROWS} rows from the page, checked and imported on the worker in {seconds:.0f} s")


CHECK_SHARE_PERCENT = 35  # households.importer.CHECK_SHARE: beyond it, the write pass is under way


@pytest.mark.django_db
def test_the_task_runs_the_check_in_process_without_a_broker(leader, village_a, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_ledger_file(tmp_path / "ok.xlsx", [household_row(no="001"), household_row(no="002")])
    job = HouseholdImport(original_name="ok.xlsx", requested_by=leader)
    with open(path, "rb") as f:
        job.file.save("upload.xlsx", File(f), save=True)

    result = run_household_import.delay(job.pk)

    assert isinstance(result, EagerResult) and result.get() == "ready"
    job.refresh_from_db()
    assert (job.stage, job.status, job.progress, job.report["households"]["new"]) == ("preview", "ready", 100, 2)
    assert run_household_import.delay(job.pk).get() is None  # delivered twice: nothing left to claim


@pytest.mark.django_db(transaction=True)
def test_progress_and_heartbeat_are_written_to_the_running_row_as_the_import_goes(leader):
    job = HouseholdImport.objects.create(original_name="a.xlsx", requested_by=leader, status="running")
    progress = _ImportProgress(job.pk)

    progress(0.10)
    job.refresh_from_db()
    first = job.heartbeat_at
    assert job.progress == 10 and first is not None
    progress(0.11)  # less than two points and under ten seconds later: not written
    job.refresh_from_db()
    assert job.progress == 10
    progress(0.5)
    job.refresh_from_db()
    assert job.progress == 50 and job.heartbeat_at >= first
    progress(1.0)
    job.refresh_from_db()
    assert job.progress == 99  # 100 only once the result is stored
