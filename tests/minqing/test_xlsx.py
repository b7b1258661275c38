"""minqing.xlsx: text that looks like a formula is written as text; a workbook is refused, with its reason,
before anything big is read."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from minqing import xlsx
from tests.households.xlsx import Formula, household_row, write_package

HEADER = ["村", "村民小组", "户号", "户主姓名"]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x/","y")'])
def test_each_formula_trigger_is_written_as_quoted_text(tmp_path, text):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(xlsx.safe_row(ws, [text, "张三", 3, None]))
    wb.save(tmp_path / "t.xlsx")

    cells = next(load_workbook(tmp_path / "t.xlsx").worksheets[0].iter_rows())
    # (XML reads a carriage return back as a line feed: the text is the same line break, still text.)
    assert (cells[0].value, cells[0].data_type, cells[0].quotePrefix) == (text.replace("\r", "\n"), "s", True)
    assert (cells[1].value, cells[1].quotePrefix) == ("张三", False)  # plain text untouched
    assert (cells[2].value, cells[2].data_type) == (3, "n")  # numbers stay numbers


def test_safe_value_turns_a_formula_of_an_ordinary_sheet_into_text(tmp_path):
    wb = Workbook()
    wb.active.append(["=cmd|' /C calc'!A0"])
    xlsx.safe_value(wb.active["A1"])
    wb.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")


def rows(path):
    book = xlsx.open_workbook(path)
    try:
        return {sheet.title: list(book.rows(sheet)) for sheet in book.sheets}
    finally:
        book.close()


def test_rows_come_with_their_numbers_and_shared_strings(tmp_path):
    path = write_package(
        tmp_path / "s.xlsx", [HEADER, household_row()[:4], [], ["大井村", Formula("1+1", 2), Formula("1+2")]],
        shared_strings=True,
    )  # fmt: skip
    assert rows(path)["户籍台账"] == [
        (1, HEADER),
        (2, ["和平村", "1组", "001", "张三"]),
        (3, []),
        (4, ["大井村", 2, xlsx.FORMULA_WITHOUT_VALUE]),
    ]


@pytest.mark.parametrize(
    ("cap", "value", "message"),
    [
        ("MAX_UNPACKED_BYTES", 10_000, "文件解压后有 0.1 MB，超过 0.0 MB 的上限"),
        ("MAX_STRINGS_BYTES", 1_000, "文字表（共享字符串）解压后有"),
        ("MAX_WHOLE_PARTS_BYTES", 500, "格式和工作簿信息解压后有"),
    ],
)
def test_each_size_cap_refuses_from_the_directory_alone(tmp_path, monkeypatch, cap, value, message):
    path = write_package(
        tmp_path / "big.xlsx",
        [HEADER] + [household_row(no=f"{n:04d}", head=f"户主{n}")[:4] for n in range(600)],
        shared_strings=True,
    )
    xlsx.check_archive(path)  # under the real caps: fine
    monkeypatch.setattr(xlsx, cap, value)
    with pytest.raises(xlsx.WorkbookRefused, match=message):
        xlsx.check_archive(path)


def test_an_absurd_compression_ratio_is_refused(tmp_path):
    path = write_package(tmp_path / "bomb.xlsx", [HEADER], padding_mb=20)
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 20 * xlsx.MB and info.compress_size < 40_000
    with pytest.raises(xlsx.WorkbookRefused, match="压缩比异常"):
        xlsx.check_archive(path)


def test_a_text_too_long_for_a_cell_is_refused_before_parsing(tmp_path):
    path = write_package(tmp_path / "long.xlsx", [HEADER, ["和平村", "1组", "001", "张" * 100_000]])
    with pytest.raises(xlsx.WorkbookRefused, match="异常庞大"):
        xlsx.open_workbook(path)
    write_package(tmp_path / "ok.xlsx", [HEADER, ["和平村", "1组", "001", "张" * 30_000]])
    assert rows(tmp_path / "ok.xlsx")["户籍台账"][1][1][3] == "张" * 30_000  # Excel's longest cell reads


def test_a_row_of_too_many_elements_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ELEMENTS_PER_ROW", 50)
    path = write_package(tmp_path / "wide.xlsx", [HEADER, [f"v{n}" for n in range(30)]])
    book = xlsx.open_workbook(path)
    try:
        with pytest.raises(xlsx.WorkbookRefused, match="异常庞大"):
            list(book.rows(book.sheets[0]))
    finally:
        book.close()


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(xlsx.WorkbookRefused, match="无法读取"):
        xlsx.open_workbook(junk)
    no_types = tmp_path / "no-types.xlsx"
    with zipfile.ZipFile(no_types, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(xlsx.WorkbookRefused, match="无法读取"):
        xlsx.check_archive(no_types)
