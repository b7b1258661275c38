"""import_households / export_households: the exact output rules of issue 3."""

import io

import pytest
from django.core.management import CommandError, call_command

from households.models import Household
from tests.conftest import make_village
from tests.households.factories import an_id, make_tag
from tests.households.xlsx import FIRST_ROW, household_row, write_ledger_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(db):
    make_tag("低保户", sensitive=True)
    return make_village("和平村"), make_village("大井村")


def run(*args):
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue().splitlines(), exc
    return out.getvalue().splitlines(), None


def test_a_bad_file_prints_one_line_per_problem_beginning_with_its_row_and_fails(villages, tmp_path):
    path = write_ledger_file(
        tmp_path / "bad.xlsx",
        [
            household_row(no="001"),
            household_row(no="002", id_number="110105194912310021"),
            household_row(no="003", phone="555"),
            household_row(no="001", head="李四"),
        ],
    )
    lines, error = run("import_households", str(path))

    assert error is not None  # manage.py turns CommandError into exit status 1
    assert "未导入任何数据" in str(error)
    problems = [line for line in lines if line.startswith("第")]
    assert problems == [
        f"第{FIRST_ROW + 1}行：户主身份证号“110105194912310021”有误：身份证号校验位不正确，请核对。",
        f"第{FIRST_ROW + 2}行：联系电话“555”有误：应为1开头的11位手机号或带区号的座机号",
        f"第{FIRST_ROW + 3}行：村和户号（和平村 001）与第{FIRST_ROW}行重复",
    ]
    assert "户：新增 1，更新 0，未变 0，有误 3" in lines
    assert Household.objects.count() == 0


def test_dry_run_counts_and_writes_nothing(villages, tmp_path):
    path = write_ledger_file(tmp_path / "ok.xlsx", [household_row(no="001"), household_row(no="002")])
    lines, error = run("import_households", str(path), "--dry-run")
    assert error is None
    assert "户：新增 2，更新 0，未变 0，有误 0" in lines
    assert "试运行：未写入任何数据。" in lines
    assert Household.objects.count() == 0


def test_dry_run_of_a_bad_file_also_fails(villages, tmp_path):
    path = write_ledger_file(tmp_path / "bad.xlsx", [household_row(village="幸福村")])
    lines, error = run("import_households", str(path), "--dry-run")
    assert error is not None
    assert lines[0] == f"第{FIRST_ROW}行：村“幸福村”不存在"


def test_import_then_import_again_reports_every_row_unchanged(villages, tmp_path):
    path = write_ledger_file(
        tmp_path / "ok.xlsx",
        [household_row(no="001", id_number=an_id(1), tags="低保户"), household_row(no="002", cadre="某某")],
        members=[["和平村", "001", "张小三", "子女", an_id(2), "", ""]],
    )
    lines, error = run("import_households", str(path))
    assert error is None
    assert lines[-3:] == [
        "户：新增 2，更新 0，未变 0，有误 0",
        "家庭成员：新增 1，更新 0，未变 0，有误 0",
        "导入完成。",
    ]
    assert f"提示：第{FIRST_ROW + 1}行：联系干部“某某”在系统中没有同名用户，未设置联系干部" in lines

    lines, error = run("import_households", str(path))
    assert error is None
    assert "户：新增 0，更新 0，未变 2，有误 0" in lines
    assert "家庭成员：新增 0，更新 0，未变 1，有误 0" in lines


def test_a_missing_or_unreadable_file_fails_in_chinese(villages, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_households", str(tmp_path / "nope.xlsx"), stdout=io.StringIO())
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_households", str(junk), stdout=io.StringIO())


def test_export_command_writes_one_village_or_all(villages, tmp_path):
    from openpyxl import load_workbook

    hp, dj = villages
    Household.objects.create(village=hp, household_no="001", head_name="张三")
    Household.objects.create(village=dj, household_no="001", head_name="赵六")
    lines, error = run("export_households", "--out", str(tmp_path / "hp.xlsx"), "--village", "和平村")
    assert error is None and lines == [f"已导出 1 户到 {tmp_path / 'hp.xlsx'}"]
    rows = list(load_workbook(tmp_path / "hp.xlsx").worksheets[0].values)
    assert [r[3] for r in rows[1:]] == ["张三"]
    run("export_households", "--out", str(tmp_path / "all.xlsx"))
    assert len(list(load_workbook(tmp_path / "all.xlsx").worksheets[0].values)) == 3
    with pytest.raises(CommandError, match="村“幸福村”不存在"):
        call_command(
            "export_households", "--out", str(tmp_path / "x.xlsx"), "--village", "幸福村", stdout=io.StringIO()
        )
