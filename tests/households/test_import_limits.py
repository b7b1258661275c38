"""Files that cannot attack the importer: a zip bomb and a file of formulas without results are refused with
their messages and nothing is written; a sheet over the row cap is refused; and the memory of the largest import
the form accepts is measured in a separate process."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from households import import_file, importer
from households.excel import HOUSEHOLD_COLUMNS
from households.models import Group, Household, HouseholdEvent, HouseholdImport
from minqing import xlsx
from tests.households.xlsx import Formula, household_row, write_package

pytestmark = pytest.mark.django_db

HEADER = list(HOUSEHOLD_COLUMNS)


def nothing_written():
    """No household, no history, no village group beyond village_a's 1组 and 2组."""
    groups = set(Group.objects.values_list("name", flat=True))
    return not Household.objects.exists() and not HouseholdEvent.objects.exists() and groups <= {"1组", "2组"}


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A 0.3 MB .xlsx whose sheet unpacks to 300 MB (a valid ledger padded with spaces)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    return write_package(path, [HEADER, household_row(group="新的组")], padding_mb=300)


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if openpyxl starts reading the file."""

    def read(self):
        raise AssertionError("openpyxl was asked to read a refused file")

    monkeypatch.setattr(xlsx._Reader, "read", read)


def test_a_zip_bomb_is_refused_before_anything_reads_it(village_a, bomb, never_parsed):
    assert bomb.stat().st_size < 400_000
    with pytest.raises(importer.ImportFileError, match="压缩比异常：其中“xl/worksheets/sheet1.xml”解压后是压缩时的"):
        importer.apply(bomb)
    assert nothing_written()


def test_the_upload_form_refuses_a_zip_bomb_and_keeps_nothing(client_as, leader, bomb, never_parsed, settings,
                                                              tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path / "media"
    response = client_as(leader).post(
        reverse("households:import"), {"file": SimpleUploadedFile("台账.xlsx", bomb.read_bytes())}
    )
    assert response.status_code == 200
    assert "压缩比异常" in response.context["form"].errors["file"][0]
    assert not HouseholdImport.objects.exists() and not (tmp_path / "media").exists()


def test_the_command_refuses_a_zip_bomb(village_a, bomb, never_parsed):
    with pytest.raises(CommandError, match="压缩比异常"):
        call_command("import_households", str(bomb), stdout=io.StringIO())
    assert nothing_written()


def test_a_file_of_formulas_without_results_is_refused_row_by_row(village_a, tmp_path):
    """What a program writes: formulas Excel never computed, so the file holds no values to import."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n in range(1, 4):
        ws.append(['="和平村"', '="1组"', f'=TEXT({n},"000")', '="张"&"三"', None, None, None, f"={n}+2"])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)

    report = importer.apply(path)

    assert not report.applied
    assert [str(p) for p in report.problems] == [
        f"第{row}行：村、村民小组、户号、户主姓名、家庭人口是公式，请粘贴为数值" for row in (2, 3, 4)
    ]
    assert report.households.rejected == 3
    assert nothing_written()
    out = io.StringIO()
    with pytest.raises(CommandError, match="有 3 行有误"):
        call_command("import_households", str(path), stdout=out)
    assert "第2行：村、村民小组、户号、户主姓名、家庭人口是公式，请粘贴为数值" in out.getvalue().splitlines()


def test_one_formula_cell_without_a_result_names_its_column(village_a, tmp_path):
    path = write_package(
        tmp_path / "one.xlsx",
        [HEADER, household_row(no="001"), household_row(no="002", head=Formula('"李"&"四"')), household_row(no="003")],
    )
    report = importer.apply(path)
    assert [str(p) for p in report.problems] == ["第3行：户主姓名是公式，请粘贴为数值"]
    assert nothing_written()


def test_formulas_with_their_saved_results_import_as_those_results(village_a, tmp_path):
    """What Excel saves: the formula and its result. Text kept in the shared-string table, as Excel keeps it."""
    path = write_package(
        tmp_path / "saved.xlsx",
        [HEADER, household_row(no=Formula('TEXT(1,"000")', "001"), head=Formula('"张"&"三"', "张三"),
                               size=Formula("1+2", 3), notes=Formula('""', ""))],
        shared_strings=True,
    )  # fmt: skip
    report = importer.apply(path)
    assert report.applied, report.problems
    household = Household.objects.get()
    assert (household.household_no, household.head_name, household.size, household.group.name) == (
        "001",
        "张三",
        3,
        "1组",
    )


def test_a_header_of_formulas_without_results_is_named(village_a, tmp_path):
    path = write_package(tmp_path / "head.xlsx", [[Formula(f'"{name}"') for name in HEADER], household_row()])
    with pytest.raises(importer.ImportFileError, match="表头是公式"):
        importer.preview(path)


def test_a_sheet_over_the_row_cap_is_refused_and_nothing_written(village_a, tmp_path, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_HOUSEHOLD_ROWS", 3)
    path = write_package(tmp_path / "big.xlsx", [HEADER] + [household_row(no=f"{n:03d}") for n in range(1, 5)])
    with pytest.raises(importer.ImportFileError, match="超过 3 行（第5行），超过一次导入的上限"):
        importer.apply(path)
    assert nothing_written()


# --- Memory -----------------------------------------------------------------------------------------------


def run_measure(*args) -> str:
    import subprocess
    import sys

    from django.conf import settings

    done = subprocess.run(
        [sys.executable, "-m", "tests.households.measure_import", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_the_largest_import_the_form_accepts_peaks_under_150_mb(tmp_path):
    """The largest file every cap accepts: MAX_HOUSEHOLD_ROWS households and MAX_MEMBER_ROWS members, each row
    with an ID number and a note of its own, and a shared-string table just under MAX_STRINGS_BYTES of the
    strings that cost the most memory per byte. Imported in a process of its own (a fresh SQLite database):
    the whole process, Django included, peaks under 150 MB."""
    import json

    from tests.households.xlsx import write_big_ledger

    path = write_big_ledger(
        tmp_path / "largest.xlsx",
        import_file.MAX_HOUSEHOLD_ROWS,
        import_file.MAX_MEMBER_ROWS,
        strings_bytes=xlsx.MAX_STRINGS_BYTES - 1024,
        notes=True,
    )
    xlsx.check_archive(path)  # accepted by the form
    db = tmp_path / "measure.sqlite3"
    run_measure("prepare", str(db))

    measured = json.loads(run_measure("apply", str(db), str(path)))

    print(f"\nlargest accepted import: {measured}")
    assert measured["applied"]
    assert measured["households"]["new"] == import_file.MAX_HOUSEHOLD_ROWS
    assert measured["members"]["new"] == import_file.MAX_MEMBER_ROWS
    assert measured["notes"] == import_file.MAX_HOUSEHOLD_ROWS + import_file.MAX_MEMBER_ROWS
    assert measured["peak_mb"] < 150, measured
