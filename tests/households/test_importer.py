"""households.importer: messy files, every rejection reason, all or nothing, re-import unchanged."""

from pathlib import Path

import pytest

from households import importer
from households.excel import template_workbook
from households.models import Group, Household, HouseholdEvent, Person, Tag, Township
from tests.conftest import make_village
from tests.demo import seed_demo
from tests.households.factories import an_id, make_household, make_tag
from tests.households.xlsx import FIRST_ROW, household_row, write_ledger_file

pytestmark = pytest.mark.django_db

# A copy of ../shared/samples/households_sample.xlsx, kept here so a clean clone has it.
SAMPLE = Path(__file__).resolve().parent / "data" / "households_sample.xlsx"


@pytest.fixture
def ledger(liaison_a, village_b):
    """和平村 (liaison 陈秀英) and 大井村 with two groups each, and the tags the files use."""
    for name, sensitive in [("低保户", True), ("脱贫户", False), ("监测户", True), ("种养大户", False)]:
        make_tag(name, sensitive=sensitive)
    for name in ["留守老人", "残疾人", "老党员"]:
        make_tag(name, sensitive=name != "老党员", kind=Tag.Kind.PERSON)
    return {"hp": make_village("和平村"), "dj": village_b, "liaison": liaison_a}


def tag_names(obj):
    return set(obj.tags.values_list("name", flat=True))


def test_a_messy_file_imports_with_every_value_normalised(ledger, tmp_path):
    path = write_ledger_file(
        tmp_path / "messy.xlsx",
        [
            household_row(no="001", head=" 张  三 ", id_number="11010519491231002x", phone="１３８ １２３４ ５６７８",
                          size="5人", tags="低保户、脱贫户", cadre="陈秀英"),
            [None] * 11,  # a blank line
            household_row(group=" 2组 ", no=2, head="李四", id_number="44052418800101001４", phone="+86 139-0000-1111",
                          size="３", tags="监测户/种养大户 脱贫户"),
            household_row(no="００３", head="王五", phone="0851-1234567", size=2.0,
                          tags="低保户，脱贫户,监测户；种养大户"),
            household_row(no="004", head="赵六", size=" 4 人", tags="留守老人"),  # a person tag under 户类别
        ],
    )  # fmt: skip

    report = importer.apply(path)

    assert report.ok and report.applied
    assert (report.households.new, report.households.rejected) == (4, 0)
    zhang = Household.objects.get(household_no="001")
    assert (zhang.head_name, zhang.head_id_number, zhang.phone, zhang.size) == (
        "张三",
        "11010519491231002X",
        "13812345678",
        5,
    )
    assert tag_names(zhang) == {"低保户", "脱贫户"}
    assert zhang.contact_cadre == ledger["liaison"]
    li = Household.objects.get(household_no="2")
    assert (li.group.name, li.head_id_number, li.phone, li.size) == ("2组", "440524188001010014", "13900001111", 3)
    assert tag_names(li) == {"监测户", "种养大户", "脱贫户"}
    wang = Household.objects.get(household_no="003")
    assert (wang.phone, wang.size, wang.head_id_number) == ("08511234567", 2, None)
    assert tag_names(wang) == {"低保户", "脱贫户", "监测户", "种养大户"}
    assert tag_names(Household.objects.get(household_no="004")) == {"留守老人"}
    assert HouseholdEvent.objects.filter(action=HouseholdEvent.Action.CREATED).count() == 4


def test_the_header_row_is_found_by_its_names_whatever_sits_above_it(ledger, tmp_path):
    path = write_ledger_file(tmp_path / "a.xlsx", [household_row()], title=True)
    report = importer.preview(path)
    assert report.households.new == 1
    bad = write_ledger_file(tmp_path / "b.xlsx", [household_row(village="不存在村")])
    assert [p.row for p in importer.preview(bad).problems] == [FIRST_ROW]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (household_row(village="幸福村"), "村“幸福村”不存在"),
        (household_row(head="  "), "没有户主姓名"),
        (household_row(id_number="11010519491231002"), "身份证号应为18位，当前为17位"),
        (household_row(id_number="110105194912310021"), "校验位不正确"),
        (household_row(id_number="110105194902300028"), "出生日期（1949-02-30）不存在"),
        (household_row(phone="1381234567"), "联系电话“1381234567”有误"),
        (household_row(size=0), "家庭人口“0”不是正整数"),
        (household_row(size="五口"), "家庭人口“五口”不是正整数"),
        (household_row(size=-2), "家庭人口“-2”不是正整数"),
        (household_row(tags="低保户、外星户"), "户类别“外星户”不存在"),
    ],
)
def test_each_bad_row_is_rejected_with_its_excel_row_number_and_reason(ledger, tmp_path, row, message):
    path = write_ledger_file(tmp_path / "bad.xlsx", [household_row(no="900"), row])
    report = importer.preview(path)
    assert [(p.row, p.message) for p in report.problems if message in p.message] == [
        (FIRST_ROW + 1, next(p.message for p in report.problems if message in p.message))
    ]
    assert str(report.problems[0]).startswith(f"第{FIRST_ROW + 1}行：")
    assert (report.households.new, report.households.rejected) == (1, 1)


def test_the_same_village_and_number_twice_in_a_file_is_rejected(ledger, tmp_path):
    path = write_ledger_file(tmp_path / "dup.xlsx", [household_row(no="001"), household_row(no=" 001", head="李四")])
    assert [str(p) for p in importer.preview(path).problems] == [
        f"第{FIRST_ROW + 1}行：村和户号（和平村 001）与第{FIRST_ROW}行重复"
    ]


def test_the_same_head_id_twice_in_a_file_is_rejected(ledger, tmp_path):
    rows = [household_row(no="001", id_number=an_id(1)), household_row(no="002", id_number=an_id(1).lower())]
    path = write_ledger_file(tmp_path / "dup.xlsx", rows)
    assert [str(p) for p in importer.preview(path).problems] == [
        f"第{FIRST_ROW + 1}行：户主身份证号与第{FIRST_ROW}行重复"
    ]


def test_a_row_with_several_faults_gets_one_line_per_fault_and_counts_once(ledger, tmp_path):
    path = write_ledger_file(tmp_path / "bad.xlsx", [household_row(village="幸福村", head="", phone="123")])
    report = importer.preview(path)
    assert len(report.problems) == 3
    assert all(str(p).startswith(f"第{FIRST_ROW}行") for p in report.problems)
    assert report.households.rejected == 1


def test_one_bad_row_means_nothing_is_written(ledger, tmp_path):
    path = write_ledger_file(
        tmp_path / "bad.xlsx",
        [household_row(no="001", group="新的组"), household_row(no="002", tags="外星户"), household_row(no="003")],
        members=[["和平村", "001", "张小三", "子女", an_id(5), "", ""]],
    )
    report = importer.apply(path)
    assert not report.applied
    assert report.households.rejected == 1
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert not Group.objects.filter(name="新的组").exists()
    assert HouseholdEvent.objects.count() == 0


def test_importing_the_same_file_again_writes_nothing_and_reports_every_row_unchanged(ledger, tmp_path):
    path = write_ledger_file(
        tmp_path / "ledger.xlsx",
        [
            household_row(no="001", id_number=an_id(1), phone="13812345678", tags="低保户", cadre="陈秀英"),
            household_row(no="002", group="新的组", size="4人", cadre="没有这个人"),
        ],
        members=[
            ["和平村", "001", "张小三", "儿子", an_id(2), "", "留守老人"],
            ["和平村", "001", "王芳芳", "妻", "", "", ""],
        ],
    )
    assert importer.apply(path).applied
    stamps = list(Household.objects.values_list("updated_at", flat=True))
    events = HouseholdEvent.objects.count()

    again = importer.apply(path)

    assert (again.households.new, again.households.updated, again.households.unchanged) == (0, 0, 2)
    assert (again.members.new, again.members.updated, again.members.unchanged) == (0, 0, 2)
    assert list(Household.objects.values_list("updated_at", flat=True)) == stamps
    assert HouseholdEvent.objects.count() == events
    assert Person.objects.count() == 2
    assert Group.objects.filter(name="新的组").count() == 1


def test_a_changed_row_updates_the_household_matched_by_village_and_number(ledger, tmp_path):
    household = make_household(ledger["hp"], "001", head_name="张三", phone="13812345678", size=3)
    path = write_ledger_file(tmp_path / "c.xlsx", [household_row(no="001", phone="13900001111", size=4)])

    report = importer.apply(path)

    assert (report.households.new, report.households.updated) == (0, 1)
    household.refresh_from_db()
    assert (household.phone, household.size) == ("13900001111", 4)
    event = household.events.get()
    assert event.action == HouseholdEvent.Action.UPDATED
    assert "联系电话" in event.note and "家庭人口" in event.note


def test_a_row_with_an_unknown_number_but_a_known_head_id_updates_that_household(ledger, tmp_path):
    household = make_household(ledger["hp"], "017", head_name="张三", head_id_number=an_id(1))
    path = write_ledger_file(tmp_path / "c.xlsx", [household_row(no="117", head="张三", id_number=an_id(1))])
    report = importer.apply(path)
    assert (report.households.new, report.households.updated) == (0, 1)
    household.refresh_from_db()
    assert household.household_no == "117"
    assert Household.objects.count() == 1


def test_a_head_id_that_belongs_to_another_household_is_rejected(ledger, tmp_path):
    make_household(ledger["hp"], "001", head_name="张三")
    make_household(ledger["hp"], "002", head_name="李四", head_id_number=an_id(1))
    path = write_ledger_file(tmp_path / "c.xlsx", [household_row(no="001", id_number=an_id(1))])
    assert [p.message for p in importer.preview(path).problems] == ["户主身份证号已是和平村 002号户的户主"]


def test_an_unknown_village_group_is_created_and_a_known_one_reused(ledger, tmp_path):
    path = write_ledger_file(
        tmp_path / "g.xlsx",
        [
            household_row(no="001", group="1组"),
            household_row(no="002", group="第七组"),
            household_row(no="003", group="第七组"),
        ],
    )
    report = importer.apply(path)
    assert report.notices == ["将新建村民小组：和平村第七组"]
    assert Group.objects.filter(village=ledger["hp"], name="第七组").count() == 1
    assert Household.objects.filter(group__name="第七组").count() == 2
    assert Household.objects.get(household_no="001").group.name == "1组"


def test_an_unmatched_contact_cadre_is_a_warning_and_the_row_still_imports(ledger, tmp_path, liaison_b):
    path = write_ledger_file(
        tmp_path / "c.xlsx",
        [
            household_row(no="001", cadre="陈永福"),
            household_row(no="002", cadre="刘强"),
            household_row(no="003", cadre="liaison"),
        ],
    )
    report = importer.apply(path)
    assert report.applied and report.households.new == 3
    assert [str(w) for w in report.warnings] == [
        f"第{FIRST_ROW}行：联系干部“陈永福”在系统中没有同名用户，未设置联系干部",
        f"第{FIRST_ROW + 1}行：联系干部“刘强”不负责和平村，未设置联系干部",
    ]
    assert Household.objects.get(household_no="003").contact_cadre == ledger["liaison"]  # matched by username
    assert Household.objects.filter(contact_cadre__isnull=True).count() == 2


def test_members_import_with_sex_and_birth_date_read_from_their_id(ledger, tmp_path):
    make_household(ledger["dj"], "008", head_name="赵六")
    path = write_ledger_file(
        tmp_path / "m.xlsx",
        [household_row(no="001")],
        members=[
            ["和平村", "001", " 张 小三 ", "长子", "11010519491231002x", "138-1234-5678", "留守老人、残疾人"],
            ["大井村", "008", "赵小六", "孙女", "", "", ""],
            ["大井村", "008", "赵老六", "太爷爷", "", "", ""],
        ],
    )
    report = importer.apply(path)
    assert report.applied and report.members.new == 3
    child = Person.objects.get(name="张小三")
    assert (child.relation, child.id_number, child.sex, str(child.birth_date), child.phone) == (
        "子女",
        "11010519491231002X",
        "F",
        "1949-12-31",
        "13812345678",
    )
    assert tag_names(child) == {"留守老人", "残疾人"}
    assert Person.objects.get(name="赵小六").relation == "孙子女"
    assert Person.objects.get(name="赵老六").relation == "其他"
    assert any("太爷爷" in str(w) for w in report.warnings)


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (["和平村", "999", "张小三", "子女", "", "", ""], "找不到户：和平村 999号户"),
        (["幸福村", "001", "张小三", "子女", "", "", ""], "村“幸福村”不存在"),
        (["和平村", "001", "", "子女", "", "", ""], "没有姓名"),
        (["和平村", "001", "张小三", "子女", "110105194912310021", "", ""], "校验位不正确"),
        (["和平村", "001", "张小三", "子女", "", "12345", ""], "联系电话“12345”有误"),
        (["和平村", "001", "张小三", "子女", "", "", "外星人"], "人员类别“外星人”不存在"),
    ],
)
def test_bad_member_rows_are_rejected_naming_the_member_sheet(ledger, tmp_path, member, message):
    path = write_ledger_file(tmp_path / "m.xlsx", [household_row(no="001")], members=[member])
    report = importer.apply(path)
    assert not report.applied
    assert [str(p) for p in report.problems if message in p.message][0].startswith("第2行（家庭成员）：")
    assert Household.objects.count() == 0


def test_the_same_member_id_twice_or_owned_by_another_household_is_rejected(ledger, tmp_path):
    make_household(ledger["dj"], "008", members=[{"name": "赵小六", "id_number": an_id(7)}])
    path = write_ledger_file(
        tmp_path / "m.xlsx",
        [household_row(no="001")],
        members=[
            ["和平村", "001", "甲", "子女", an_id(8), "", ""],
            ["和平村", "001", "乙", "子女", an_id(8), "", ""],
            ["和平村", "001", "丙", "子女", an_id(7), "", ""],
        ],
    )
    assert [str(p) for p in importer.preview(path).problems] == [
        "第3行（家庭成员）：身份证号与第2行重复",
        "第4行（家庭成员）：身份证号已登记为大井村 008号户的成员赵小六",
    ]


def test_the_downloadable_template_imports_as_nothing_to_do(ledger, tmp_path):
    path = tmp_path / "template.xlsx"
    template_workbook().save(path)
    report = importer.preview(path)
    assert report.ok
    assert (report.households.new, report.members.new) == (0, 0)


def test_a_file_that_is_not_a_ledger_is_refused_in_chinese(ledger, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet")
    with pytest.raises(importer.ImportFileError, match="无法读取"):
        importer.preview(junk)
    no_header = write_ledger_file(tmp_path / "nohead.xlsx", [["a", "b"]], header=["姓名", "电话"])
    with pytest.raises(importer.ImportFileError, match="找不到表头"):
        importer.preview(no_header)


def test_the_shared_sample_ledger_imports_cleanly_and_then_is_unchanged(db, tmp_path):
    seed_demo("--no-sample-data")
    dingxin = Township.objects.get(code="DX")  # two townships: the ledger says which one it is for
    first = importer.apply(SAMPLE, township=dingxin)
    assert first.ok and first.applied
    assert first.households.new == 40
    again = importer.preview(SAMPLE, township=dingxin)
    assert (again.households.unchanged, again.households.new, again.households.updated) == (40, 0, 0)


# --- Village groups by meaning, changes old → new, conflicts of head, notes grouped ----------------------


def test_a_group_written_another_way_is_the_same_group_and_none_is_created(ledger, tmp_path):
    one = Group.objects.get(village=ledger["hp"], name="1组")
    path = write_ledger_file(
        tmp_path / "g.xlsx",
        [
            household_row(no="001", group="第一组"),
            household_row(no="002", group="一组"),
            household_row(no="003", group="１组"),
            household_row(no="004", group="第七组"),
            household_row(no="005", group="7组"),
        ],
    )
    report = importer.apply(path)
    assert report.applied
    assert report.notices == ["将新建村民小组：和平村第七组"]  # and not 第一组, 一组 nor a second 七组
    assert set(Household.objects.filter(household_no__in=["001", "002", "003"]).values_list("group", flat=True)) == {
        one.pk
    }
    assert list(Group.objects.filter(village=ledger["hp"]).order_by("name").values_list("name", flat=True)) == [
        "1组",
        "2组",
        "第七组",
    ]
    assert Household.objects.get(household_no="005").group.name == "第七组"
    assert importer.preview(path).households.unchanged == 5  # and importing again changes nothing


def test_the_admin_refuses_a_second_group_of_the_same_meaning(ledger):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="本村已有“1组”"):
        Group(village=ledger["hp"], name="第一组").full_clean()
    Group(village=ledger["dj"], name="第三组").full_clean()  # another number: fine


def test_each_update_is_listed_old_to_new(ledger, tmp_path):
    make_household(ledger["hp"], "001", head_name="张三", phone="13812345678", size=3, tags=[make_tag("脱贫户")],
                   members=[{"name": "张小三", "phone": "13800000000"}])  # fmt: skip
    path = write_ledger_file(
        tmp_path / "u.xlsx",
        [household_row(no="001", group="第二组", phone="13900001111", size=4, tags="低保户、脱贫户", cadre="陈秀英")],
        members=[["和平村", "001", "张小三", "子女", "", "13911112222", ""]],
    )
    report = importer.preview(path)
    assert report.updates == [
        f"第{FIRST_ROW}行：更新 和平村 001号户：村民小组 （空） → 2组；联系电话 13812345678 → 13900001111；"
        "家庭人口 3 → 4；户类别 脱贫户 → 低保户、脱贫户；联系干部 （空） → 陈秀英",
        "第2行（家庭成员）：更新成员 和平村 001号户 张小三：与户主关系 其他 → 子女；联系电话 13800000000 → 13911112222",
    ]


@pytest.fixture
def three_heads(ledger, tmp_path):
    """Three households whose heads a file changes, and a fourth it leaves alone."""
    households = [
        make_household(ledger["hp"], "001", head_name="张三", head_id_number=an_id(1)),
        make_household(ledger["hp"], "002", head_name="李四"),
        make_household(ledger["dj"], "003", head_name="王五", head_id_number=an_id(3)),
        make_household(ledger["dj"], "004", head_name="赵六", phone="13812345678"),
    ]
    path = write_ledger_file(
        tmp_path / "heads.xlsx",
        [
            household_row(no="001", head="张三丰", id_number=an_id(1)),
            household_row(no="002", head="李小四", id_number=an_id(2)),
            household_row(village="大井村", no="003", head="王五", id_number=an_id(4)),
            household_row(village="大井村", no="004", head="赵六", phone="13900001111"),
        ],
    )
    return households, path


def test_changed_heads_are_conflicts_and_nothing_is_written(three_heads):
    households, path = three_heads

    report = importer.apply(path)

    assert not report.applied and not report.ok and not report.problems
    assert [str(c) for c in report.conflicts] == [
        f"第{FIRST_ROW}行 冲突：和平村 001号户 户主 张三 ({an_id(1)}) → 张三丰 ({an_id(1)})",
        f"第{FIRST_ROW + 1}行 冲突：和平村 002号户 户主 李四 (无身份证号) → 李小四 ({an_id(2)})",
        f"第{FIRST_ROW + 2}行 冲突：大井村 003号户 户主 王五 ({an_id(3)}) → 王五 ({an_id(4)})",
    ]
    assert report.households.conflicts == 3 and report.households.updated == 1  # 赵六's phone, not written
    assert [h.head_name for h in Household.objects.order_by("household_no")] == ["张三", "李四", "王五", "赵六"]
    assert Household.objects.get(household_no="004").phone == "13812345678"
    assert not HouseholdEvent.objects.exists()


def test_replacing_conflicts_changes_the_heads_and_says_so_in_each_history(three_heads, leader):
    households, path = three_heads

    report = importer.apply(path, by=leader, replace_conflicts=True)

    assert report.applied and report.households.updated == 4 and len(report.conflicts) == 3
    assert [(h.head_name, h.head_id_number) for h in Household.objects.order_by("household_no")] == [
        ("张三丰", an_id(1)),
        ("李小四", an_id(2)),
        ("王五", an_id(4)),
        ("赵六", None),
    ]
    changes = {e.household.household_no: e for e in HouseholdEvent.objects.filter(action="head_changed")}
    assert set(changes) == {"001", "002", "003"}
    assert (
        changes["002"].note
        == f"户主 李四 (无身份证号) → 李小四 ({an_id(2)})（Excel 导入，同时修改：村民小组、家庭人口）"
    )
    assert all(e.actor == leader and e.actor_name == "李建国" for e in changes.values())
    assert HouseholdEvent.objects.get(household__household_no="004").action == "updated"  # a phone is no conflict
    # The household page's timeline says so too.
    from households.timeline import ledger_entries

    entry = next(iter(ledger_entries(households[0], None)))
    assert entry.title == "变更户主（李建国）" and entry.body.startswith(f"户主 张三 ({an_id(1)}) → 张三丰")


def test_a_new_head_id_for_a_head_without_one_is_an_update_not_a_conflict(ledger, tmp_path):
    make_household(ledger["hp"], "001", head_name="张三")
    path = write_ledger_file(tmp_path / "id.xlsx", [household_row(no="001", head="张三", id_number=an_id(1))])
    report = importer.apply(path)
    assert report.applied and not report.conflicts and report.households.updated == 1
    assert Household.objects.get().head_id_number == an_id(1)


def test_repeated_notes_are_grouped_into_one_line_with_their_count(ledger, tmp_path):
    path = write_ledger_file(
        tmp_path / "n.xlsx",
        [household_row(no=f"{n:03d}", cadre="陈永福" if n % 2 else "杨正华") for n in range(1, 8)],
        members=[["和平村", "001", "甲", "太爷爷", "", "", ""]],
    )
    report = importer.preview(path)
    assert len(report.warnings) == 8
    assert report.note_lines() == [
        "联系干部在系统中没有同名用户，未设置联系干部（共7行）："
        f"陈永福 第{FIRST_ROW}、{FIRST_ROW + 2}、{FIRST_ROW + 4}、{FIRST_ROW + 6}行；"
        f"杨正华 第{FIRST_ROW + 1}、{FIRST_ROW + 3}、{FIRST_ROW + 5}行",
        "第2行（家庭成员）：与户主关系“太爷爷”未识别，记为“其他”",
    ]


def test_the_shared_sample_ledger_names_each_unknown_cadre_once(db):
    seed_demo("--no-sample-data")
    report = importer.preview(SAMPLE, township=Township.objects.get(code="DX"))
    assert len(report.warnings) == 40
    assert len(report.note_lines()) == 1 and "（共40行）" in report.note_lines()[0]
    assert not report.notices  # its 第一组…第六组 are the demo's 1组…6组
