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


def write_big_ledger(path: Path, households: int, members: int = 0, *, strings_bytes: int = 0, notes: bool = False):
    """A ledger of ``households`` rows (alternately 和平村 and 大井村, nine groups) and ``members`` rows, each with
    its own valid ID number, written fast with openpyxl's write-only mode. ``notes`` gives every row a note of
    its own (an unknown contact cadre, an unknown relation). ``strings_bytes`` adds a shared-string table of
    that size filled with one-character strings: what costs the most memory per byte of table."""
    import datetime as dt
    import zipfile

    from openpyxl import Workbook

    from households.excel import HOUSEHOLD_SHEET
    from households.idcard import id_number_for

    def an_id(region: str, n: int) -> str:
        return id_number_for(region, dt.date(1950, 1, 1) + dt.timedelta(days=n // 999), n % 999 + 1)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(HOUSEHOLD_SHEET)
    ws.append(HOUSEHOLD_COLUMNS)
    for n in range(households):
        village = ("和平村", "大井村")[n % 2]
        ws.append([village, f"{n % 9 + 1}组", f"{n // 2 + 1:05d}", f"户主{n}", an_id("520521", n),
                   f"138{n:08d}", f"鼎新乡{village}{n}号", 3, "", f"干部{n}" if notes else "", ""])  # fmt: skip
    sheet = wb.create_sheet(MEMBER_SHEET)
    sheet.append(MEMBER_COLUMNS)
    for m in range(members):
        n = m % max(households, 1)
        sheet.append([("和平村", "大井村")[n % 2], f"{n // 2 + 1:05d}", f"成员{m}", f"关系{m}" if notes else "子女",
                      an_id("520522", m) if m % 3 else "", "", ""])  # fmt: skip
    wb.save(path)
    if not strings_bytes:
        return path
    import random
    import shutil

    rng = random.Random(11643)
    count = (strings_bytes - 200) // len("<si><t>的</t></si>".encode())  # CJK: 3 bytes each in UTF-8
    plain = path.with_suffix(".plain.xlsx")
    path.rename(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename not in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                with src.open(info.filename) as part, out.open(info.filename, "w", force_zip64=True) as copy:
                    shutil.copyfileobj(part, copy, 1 << 20)  # sheets of tens of MB: never whole in memory
                continue
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            out.writestr(info.filename, data)
        with out.open("xl/sharedStrings.xml", "w") as table:
            table.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for start in range(0, count, 10_000):  # varied characters, so the table compresses like real text
                chunk = (chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(min(10_000, count - start)))
                table.write("".join(f"<si><t>{ch}</t></si>" for ch in chunk).encode())
            table.write(b"</sst>")
    plain.unlink()
    return path
