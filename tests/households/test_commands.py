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


def test_changed_heads_are_conflicts_named_row_by_row_and_nothing_is_written(villages, tmp_path):
    hp, dj = villages
    zhang = Household.objects.create(village=hp, household_no="001", head_name="张三", head_id_number=an_id(1))
    wang = Household.objects.create(village=hp, household_no="002", head_name="王五")
    zhao = Household.objects.create(village=dj, household_no="007", head_name="赵六", head_id_number=an_id(3))
    path = write_ledger_file(
        tmp_path / "heads.xlsx",
        [
            household_row(no="001", head="李四", id_number=an_id(2)),  # another person
            household_row(no="002", head="王小五"),  # another name, no ID on either side
            household_row(no="003", head="新户"),  # a new household: no conflict
            household_row(village="大井村", no="007", head="赵六", id_number=an_id(4)),  # same name, another ID
        ],
    )

    lines, error = run("import_households", str(path))

    assert error is not None and "有 3 户的户主与台账不同" in str(error) and "--replace-conflicts" in str(error)
    assert "户：新增 1，更新 0，未变 0，有误 0，户主冲突 3" in lines
    assert [line for line in lines if " 冲突：" in line] == [
        f"第{FIRST_ROW}行 冲突：和平村 001号户 户主 张三 ({an_id(1)}) → 李四 ({an_id(2)})",
        f"第{FIRST_ROW + 1}行 冲突：和平村 002号户 户主 王五 (无身份证号) → 王小五 (无身份证号)",
        f"第{FIRST_ROW + 3}行 冲突：大井村 007号户 户主 赵六 ({an_id(3)}) → 赵六 ({an_id(4)})",
    ]
    assert Household.objects.count() == 3
    for household, head in ((zhang, "张三"), (wang, "王五"), (zhao, "赵六")):
        household.refresh_from_db()
        assert household.head_name == head and not household.events.exists()

    lines, error = run("import_households", str(path), "--replace-conflicts")

    assert error is None and lines[-1] == "导入完成。"
    assert Household.objects.count() == 4
    zhang.refresh_from_db()
    assert (zhang.head_name, zhang.head_id_number) == ("李四", an_id(2))
    for household, change in (
        (zhang, f"户主 张三 ({an_id(1)}) → 李四 ({an_id(2)})"),
        (wang, "户主 王五 (无身份证号) → 王小五 (无身份证号)"),
        (zhao, f"户主 赵六 ({an_id(3)}) → 赵六 ({an_id(4)})"),
    ):
        event = household.events.get()
        assert event.action == "head_changed" and event.note.startswith(change)
        assert event.actor_name == "Excel 导入（命令行）" and event.created_at is not None


def test_a_repeated_note_is_printed_once_with_its_count(villages, tmp_path):
    rows = [household_row(no=f"{n:03d}", cadre="陈永福") for n in range(1, 8)] + [household_row(no="008", cadre="王丽")]
    lines, error = run("import_households", str(write_ledger_file(tmp_path / "n.xlsx", rows)), "--dry-run")
    assert error is None
    notes = [line for line in lines if line.startswith("提示：")]
    assert notes == [
        f"提示：联系干部在系统中没有同名用户，未设置联系干部（共8行）：陈永福 第{FIRST_ROW}、{FIRST_ROW + 1}、"
        f"{FIRST_ROW + 2}、{FIRST_ROW + 3}、{FIRST_ROW + 4}行等7行；王丽 第{FIRST_ROW + 7}行"
    ]
