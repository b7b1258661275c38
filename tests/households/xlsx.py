"""Build ledger files the way people make them: a title above the header, blank lines, messy values."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from households.excel import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, MEMBER_SHEET

TITLE_ROWS = [["鼎新乡户籍台账（2026年）"], ["填表人：王芳    审核人：李建国    填表日期：2026年11月20日"], []]
#: With TITLE_ROWS above it, the header is on Excel row 4 and the first data row is row 5.
FIRST_ROW = 5


def write_ledger_file(path: Path, households, members=None, *, title=True, header=None, member_header=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "户籍台帐"
    for row in TITLE_ROWS if title else []:
        ws.append(row)
    ws.append(header or HOUSEHOLD_COLUMNS)
    for row in households:
        ws.append(row)
    if members is not None:
        sheet = wb.create_sheet(MEMBER_SHEET)
        sheet.append(member_header or MEMBER_COLUMNS)
        for row in members:
            sheet.append(row)
    wb.save(path)
    return path


def household_row(village="和平村", group="1组", no="001", head="张三", id_number="", phone="", address="",
                  size=3, tags="", cadre="", notes=""):  # fmt: skip
    return [village, group, no, head, id_number, phone, address, size, tags, cadre, notes]
