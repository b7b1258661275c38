"""The import page: upload → preview → apply, the template download."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from households.excel import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from households.models import Household
from tests.households.xlsx import FIRST_ROW, household_row, write_ledger_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, path):
    with open(path, "rb") as f:
        file = SimpleUploadedFile("台账.xlsx", f.read())
    return client.post(reverse("households:import"), {"file": file})


def test_upload_preview_then_apply(client_as, leader, village_a, tmp_path, settings):
    path = write_ledger_file(tmp_path / "ok.xlsx", [household_row(no="001"), household_row(no="002", head="李四")])
    client = client_as(leader)

    response = upload(client, path)
    assert response.status_code == 302
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert (settings.MEDIA_ROOT / "imports" / f"{token}.xlsx").exists()

    preview = client.get(response.url)
    assert preview.context["report"].households.new == 2
    assert "确认导入" in preview.content.decode()
    assert Household.objects.count() == 0

    applied = client.post(response.url)
    assert applied.status_code == 302 and applied.url == reverse("households:index")
    assert Household.objects.count() == 2
    assert not (settings.MEDIA_ROOT / "imports" / f"{token}.xlsx").exists()


def test_a_bad_file_shows_each_problem_and_cannot_be_applied(client_as, admin_user, village_a, tmp_path):
    path = write_ledger_file(tmp_path / "bad.xlsx", [household_row(no="001"), household_row(no="002", size="0人")])
    client = client_as(admin_user)
    url = upload(client, path).url
    html = client.get(url).content.decode()
    assert f"第{FIRST_ROW + 1}行：家庭人口“0人”不是正整数" in html
    assert "确认导入" not in html
    response = client.post(url)
    assert response.status_code == 200
    assert Household.objects.count() == 0


def test_a_file_that_is_not_xlsx_is_refused_beside_the_field(client_as, leader):
    response = client_as(leader).post(
        reverse("households:import"), {"file": SimpleUploadedFile("台账.xls", b"old excel")}
    )
    assert response.status_code == 200
    assert ".xlsx" in response.context["form"].errors["file"][0]


def test_an_upload_belongs_to_the_session_that_made_it(client_as, client, leader, admin_user, village_a, tmp_path):
    from django.test import Client

    path = write_ledger_file(tmp_path / "ok.xlsx", [household_row()])
    url = upload(client_as(leader), path).url
    other = Client()
    other.force_login(admin_user)
    assert other.get(url).status_code == 404
    assert other.get(reverse("households:import_preview", args=["..%2F..%2Fetc%2Fpasswd"])).status_code == 404


def test_only_leaders_and_admins_import(client_as, reception, liaison_a):
    for user in (reception, liaison_a):
        assert client_as(user).get(reverse("households:import")).status_code == 403


def test_the_template_has_the_header_and_a_row_of_hints(client_as, reception):
    response = client_as(reception).get(reverse("households:import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    households, members = wb.worksheets
    assert [c.value for c in households[1]] == HOUSEHOLD_COLUMNS
    assert households.max_row == 2 and "必填" in households["A2"].value
    assert [c.value for c in members[1]] == MEMBER_COLUMNS
