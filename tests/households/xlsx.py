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


# --- Files written by hand: formulas with or without a saved result, zip bombs -----------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="户籍台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


class Formula:
    """A cell holding ``=text``; ``result`` is the value Excel saved with it (None: never computed)."""

    def __init__(self, text: str, result=None):
        self.text, self.result = text, result


def _cell_xml(ref: str, value, strings: dict | None) -> str:
    from xml.sax.saxutils import escape

    if value is None:
        return ""
    if isinstance(value, Formula):
        f = f"<f>{escape(value.text)}</f>"
        if value.result is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(value.result, str):
            return f'<c r="{ref}" t="str">{f}<v>{escape(value.result)}</v></c>'
        return f'<c r="{ref}">{f}<v>{value.result}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if strings is not None:  # as Excel writes text: once, in the shared-string table
        return f'<c r="{ref}" t="s"><v>{strings.setdefault(str(value), len(strings))}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows, strings: dict | None = None) -> str:
    from openpyxl.utils import get_column_letter

    out = [SHEET_START]
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{get_column_letter(c)}{r}", v, strings) for c, v in enumerate(row, start=1))
        out.append(f'<row r="{r}">{cells}</row>')
    out.append(SHEET_END)
    return "".join(out)


def strings_xml(strings) -> str:
    from xml.sax.saxutils import escape

    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{items}</sst>"
    )


def write_package(path: Path, sheet, *, padding_mb: int = 0, shared_strings: bool = False, extra_strings=()) -> Path:
    """An .xlsx written part by part: ``sheet`` is the sheet's rows (see ``sheet_xml``). ``padding_mb`` adds that
    many MB of spaces inside the sheet's XML (valid XML, compressed about a thousand times: a zip bomb).
    ``shared_strings`` keeps text in a shared-string table as Excel does, followed by ``extra_strings``."""
    import zipfile

    strings: dict | None = {} if shared_strings else None
    xml = sheet_xml(sheet, strings)
    content_types, workbook_rels = CONTENT_TYPES, WORKBOOK_RELS
    if strings is not None:
        content_types = content_types.replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        workbook_rels = workbook_rels.replace(
            "</Relationships>",
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        if strings is not None:
            z.writestr("xl/sharedStrings.xml", strings_xml([*strings, *extra_strings]))
        head, tail = xml[: -len(SHEET_END)], SHEET_END
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(head.encode())
            block = b" " * (1 << 20)
            for _ in range(padding_mb):
                part.write(block)
            part.write(tail.encode())
    return path
