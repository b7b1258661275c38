"""The uploaded ledger file: opened safely (minqing.xlsx), its household sheet and optional member sheet, and
their rows as {column: value} below a header found by its names. Used by households.importer.

A sheet holds at most MAX_HOUSEHOLD_ROWS households / MAX_MEMBER_ROWS members: with minqing.xlsx's caps these
bound the memory of an import. The largest file accepted (these rows, each with a note of its own, and a 16 MB
string table) peaks at ~130 MB in a process that starts at ~70 MB (tests/households/test_import_limits.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from households.cleaning import cell_text
from households.excel import HOUSEHOLD_COLUMNS, HOUSEHOLD_HINTS, MEMBER_COLUMNS, MEMBER_HINTS, MEMBER_SHEET
from households.import_report import Problem
from minqing.xlsx import FORMULA_WITHOUT_VALUE as FORMULA
from minqing.xlsx import Book, Sheet, WorkbookRefused, open_workbook

HEADER_SCAN_ROWS = 30
#: Data rows a file may hold (each sheet). A township's ledger is 10,000+ households; a bigger file is split
#: by village.
MAX_HOUSEHOLD_ROWS = 60_000
MAX_MEMBER_ROWS = 100_000
HOUSEHOLD_REQUIRED = ("村", "户号", "户主姓名")
MEMBER_REQUIRED = ("村", "户号", "姓名")


class ImportFileError(Exception):
    """The file cannot be read as a ledger at all (not xlsx, too big, no header row)."""


def _header_key(value) -> str:
    return "".join(cell_text(value).split()).replace("*", "").replace("＊", "")


def _values(book: Book, sheet: Sheet) -> Iterator[tuple[int, list]]:
    try:
        yield from book.rows(sheet)
    except WorkbookRefused as exc:
        raise ImportFileError(str(exc)) from exc


def sheet_rows(
    book: Book, sheet: Sheet, columns: list[str], required: tuple[str, ...], hints: list[str], *, limit: int
) -> Iterator[tuple[int, dict]]:
    """Yield (Excel row number, {column: value}) for each non-blank data row below the header. A formula cell
    without a saved result comes as FORMULA. More than ``limit`` data rows raise ImportFileError."""
    rows = _values(book, sheet)
    colmap, formula_above = None, False
    for number, values in rows:
        if number > HEADER_SCAN_ROWS:
            break
        formula_above = formula_above or any(v is FORMULA for v in values)
        keys = [_header_key(v) for v in values]
        if all(name in keys for name in required):
            colmap = {name: keys.index(name) for name in columns if name in keys}
            break
    if colmap is None:
        if formula_above:
            raise ImportFileError(
                f"工作表“{sheet.title}”的表头是公式，没有保存计算结果：请在 Excel 中复制整张表，"
                "“选择性粘贴”为数值后保存，再上传。"
            )
        raise ImportFileError(
            f"工作表“{sheet.title}”的前{HEADER_SCAN_ROWS}行中找不到表头（需要列：{'、'.join(required)}）。"
        )
    hint_values = {name: hint for name, hint in zip(columns, hints, strict=True) if hint}
    count = 0
    for number, values in rows:
        row = {name: values[i] if i < len(values) else None for name, i in colmap.items()}
        if all(cell_text(v) == "" for v in row.values()):
            continue  # blank line
        if all(cell_text(row.get(name)) == hint for name, hint in hint_values.items() if name in row):
            continue  # the template's row of hints
        count += 1
        if count > limit:
            raise ImportFileError(
                f"工作表“{sheet.title}”超过 {limit} 行（第{number}行），超过一次导入的上限："
                "请按村拆分成几个文件分别导入。"
            )
        yield number, row


def formula_problem(number: int, row: dict, sheet: str = "") -> Problem | None:
    """The row's cells that hold a formula without a saved result, as one problem."""
    names = [name for name, value in row.items() if value is FORMULA]
    if not names:
        return None
    return Problem(number, f"{'、'.join(names)}是公式，请粘贴为数值", sheet)


class LedgerFile:
    """The uploaded file, checked and opened for reading (minqing.xlsx); its household sheet and optional member
    sheet."""

    def __init__(self, source: str | IO[bytes]):
        try:
            self.book = open_workbook(source)
        except WorkbookRefused as exc:
            raise ImportFileError(str(exc)) from exc
        if not self.book.sheets:
            self.book.close()
            raise ImportFileError("这个文件中没有工作表。")
        self.households = self.book.sheets[0]
        self.members = next((s for s in self.book.sheets[1:] if s.title.strip() == MEMBER_SHEET), None)
        self.sheets = [s for s in (self.households, self.members) if s is not None]

    def share_read(self) -> float:
        """How much of the file has been read (0–1): the progress shown while importing."""
        return self.book.share_read(self.sheets)

    def household_rows(self):
        return sheet_rows(
            self.book, self.households, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, HOUSEHOLD_HINTS, limit=MAX_HOUSEHOLD_ROWS
        )

    def member_rows(self):
        if self.members is None:
            return iter(())
        return sheet_rows(self.book, self.members, MEMBER_COLUMNS, MEMBER_REQUIRED, MEMBER_HINTS, limit=MAX_MEMBER_ROWS)

    def close(self):
        self.book.close()
