"""The import page: upload → a check in the background (with progress) → the preview → confirm → the import in
the background; conflicts of head, cancelling, and the removal of files left behind. Celery runs eagerly here
(on_commit callbacks executed), which is the wiring; test_import_worker.py runs the same through a real worker."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.excel import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from households.models import Household, HouseholdEvent, HouseholdImport
from households.services import household_import_cleanup
from tests.households.factories import an_id, make_household
from tests.households.xlsx import FIRST_ROW, household_row, write_ledger_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """upload(client, path) → the response; the check queued on commit runs at once (eager Celery)."""

    def post(client, path, name="台账.xlsx"):
        with open(path, "rb") as f:
            file = SimpleUploadedFile(name, f.read())
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("households:import"), {"file": file})

    return post


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    def post(client, job, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("households:import_job", args=[job.pk]), {"confirm": "1", **data})

    return post


def stored(job: HouseholdImport) -> Path | None:
    job.refresh_from_db()
    return Path(job.file.path) if job.file else None


def test_upload_checks_in_the_background_then_confirm_imports(client_as, leader, village_a, tmp_path, upload, confirm):
    path = write_ledger_file(tmp_path / "ok.xlsx", [household_row(no="001"), household_row(no="002", head="李四")])
    client = client_as(leader)

    response = upload(client, path)

    job = HouseholdImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("households:import_job", args=[job.pk])
    assert (job.stage, job.status, job.progress, job.original_name) == ("preview", "ready", 100, "台账.xlsx")
    assert job.requested_by == leader and job.started_at and job.heartbeat_at and job.finished_at
    assert stored(job).exists() and stored(job).parent.name == "imports"
    page = client.get(response.url)
    assert page.context["report"]["households"]["new"] == 2
    assert "确认导入" in page.content.decode()
    assert Household.objects.count() == 0

    applied = confirm(client, job)

    assert applied.status_code == 302 and applied.url == reverse("households:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.stage, job.status, job.progress) == ("apply", "ready", 100)
    assert Household.objects.count() == 2
    assert stored(job) is None and not list((path.parent / "media" / "imports").glob("*"))  # the upload is gone
    assert "导入完成" in client.get(applied.url).content.decode()
    assert HouseholdEvent.objects.filter(actor=leader, action="created").count() == 2


def test_while_the_check_runs_the_page_shows_a_progress_bar_that_polls(client_as, leader, village_a, tmp_path):
    client = client_as(leader)
    job = HouseholdImport.objects.create(original_name="a.xlsx", requested_by=leader, status="running", progress=42)

    page = client.get(reverse("households:import_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("households:import_status", args=[job.pk])}"' in page
    assert "42%" in page and "确认导入" not in page

    status = client.get(reverse("households:import_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and "42%" in status.content.decode()
    HouseholdImport.objects.filter(pk=job.pk).update(status="ready", progress=100)
    done = client.get(reverse("households:import_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"  # the page loads again and shows the result


def test_an_import_whose_worker_died_is_shown_failed_and_can_be_uploaded_again(client_as, leader, village_a):
    """No heartbeat for longer than minqing.jobs.LOST_AFTER: the task is gone (a killed worker), never to finish."""
    import datetime as dt

    from django.utils import timezone

    from minqing import jobs

    client = client_as(leader)
    stale = timezone.now() - jobs.LOST_AFTER - dt.timedelta(minutes=1)
    job = HouseholdImport.objects.create(
        original_name="a.xlsx", requested_by=leader, status="running", progress=1, started_at=stale, heartbeat_at=stale
    )
    alive = HouseholdImport.objects.create(
        original_name="b.xlsx", requested_by=leader, status="running", progress=30,
        started_at=stale, heartbeat_at=timezone.now(),
    )  # fmt: skip
    page = client.get(reverse("households:import_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "导入中断" in job.error and "导入中断" in page
    assert HouseholdImport.objects.get(pk=alive.pk).status == "running"  # its task still beats
    assert client.get(reverse("households:import")).status_code == 200  # the clerk uploads again at once


def test_a_bad_file_shows_each_problem_and_cannot_be_confirmed(client_as, admin_user, village_a, tmp_path, upload,
                                                              confirm):  # fmt: skip
    path = write_ledger_file(tmp_path / "bad.xlsx", [household_row(no="001"), household_row(no="002", size="0人")])
    client = client_as(admin_user)
    url = upload(client, path).url
    html = client.get(url).content.decode()
    assert f"第{FIRST_ROW + 1}行：家庭人口“0人”不是正整数" in html
    assert "确认导入" not in html
    response = confirm(client, HouseholdImport.objects.get())
    assert "有 1 行有误，不能导入" in client.get(response.url).content.decode()
    assert HouseholdImport.objects.get().stage == "preview"
    assert Household.objects.count() == 0


def test_conflicts_of_head_are_shown_old_to_new_and_need_the_box_ticked(client_as, leader, village_a, tmp_path,
                                                                       upload, confirm):  # fmt: skip
    make_household(village_a, "001", head_name="张三", head_id_number=an_id(1))
    path = write_ledger_file(tmp_path / "c.xlsx", [household_row(no="001", head="李四", id_number=an_id(2))])
    client = client_as(leader)
    url = upload(client, path).url
    job = HouseholdImport.objects.get()

    html = client.get(url).content.decode()
    assert f"张三 ({an_id(1)})" in html and f"李四 ({an_id(2)})" in html
    assert "替换这 1 户的户主" in html

    confirm(client, job)  # box not ticked: refused, nothing written
    assert "核对无误后勾选" in client.get(url).content.decode()
    assert Household.objects.get().head_name == "张三"

    confirm(client, job, replace_conflicts="on")
    household = Household.objects.get()
    assert (household.head_name, household.head_id_number) == ("李四", an_id(2))
    event = household.events.get(action="head_changed")
    assert event.actor == leader and event.note.startswith(f"户主 张三 ({an_id(1)}) → 李四 ({an_id(2)})")


def test_cancel_removes_the_file(client_as, leader, village_a, tmp_path, upload):
    client = client_as(leader)
    url = upload(client, write_ledger_file(tmp_path / "ok.xlsx", [household_row()])).url
    job = HouseholdImport.objects.get()
    file = stored(job)
    response = client.post(url, {"cancel": "1"})
    assert response.status_code == 302 and response.url == reverse("households:import")
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file and not file.exists()
    assert Household.objects.count() == 0


def test_beat_removes_the_files_of_previews_left_for_a_day(client_as, leader, village_a, tmp_path, upload):
    client = client_as(leader)
    upload(client, write_ledger_file(tmp_path / "old.xlsx", [household_row(no="001")]))
    upload(client, write_ledger_file(tmp_path / "new.xlsx", [household_row(no="002")]))
    old, new = HouseholdImport.objects.order_by("pk")
    HouseholdImport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(hours=25))
    old_file, new_file = stored(old), stored(new)
    stray = old_file.parent / "stray.xlsx"  # e.g. left by a crash between saving the file and the row
    stray.write_bytes(b"x")
    long_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(stray, (long_ago, long_ago))

    assert household_import_cleanup() == 2

    assert not old_file.exists() and not stray.exists() and new_file.exists()
    old.refresh_from_db()
    assert old.status == "cancelled" and not old.file
    assert HouseholdImport.objects.get(pk=new.pk).status == "ready"


def test_a_file_that_is_not_xlsx_is_refused_beside_the_field(client_as, leader):
    response = client_as(leader).post(
        reverse("households:import"), {"file": SimpleUploadedFile("台账.xls", b"old excel")}
    )
    assert response.status_code == 200
    assert ".xlsx" in response.context["form"].errors["file"][0]
    assert not HouseholdImport.objects.exists()


def test_an_unreadable_file_fails_its_check_with_the_reason(client_as, leader, tmp_path, upload):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet")
    response = upload(client_as(leader), junk)
    assert response.status_code == 200  # refused by the form, before anything is kept
    assert "无法读取" in response.context["form"].errors["file"][0]
    assert not HouseholdImport.objects.exists()


def test_an_import_belongs_to_the_person_who_uploaded_it(client_as, leader, admin_user, village_a, tmp_path, upload):
    from django.test import Client

    url = upload(client_as(leader), write_ledger_file(tmp_path / "ok.xlsx", [household_row()])).url
    job = HouseholdImport.objects.get()
    other = Client()
    other.force_login(admin_user)
    assert other.get(url).status_code == 404
    assert other.get(reverse("households:import_status", args=[job.pk])).status_code == 404
    assert other.post(url, {"cancel": "1"}).status_code == 404
    assert HouseholdImport.objects.get().status == "ready"


def test_only_leaders_and_admins_import(client_as, reception, liaison_a):
    for user in (reception, liaison_a):
        assert client_as(user).get(reverse("households:import")).status_code == 403


def test_the_template_has_the_header_and_a_row_of_hints(client_as, reception):
    response = client_as(reception).get(reverse("households:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    households, members = wb.worksheets
    assert [c.value for c in households[1]] == HOUSEHOLD_COLUMNS
    assert households.max_row == 2 and "必填" in households["A2"].value
    assert [c.value for c in members[1]] == MEMBER_COLUMNS
