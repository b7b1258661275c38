"""Excel files that cannot attack their reader: one home for the rules of every workbook written or read.

**Writing.** Text a person typed (a petition's summary, a household's notes, a village's name) may start with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return: spreadsheet programs take such text for a formula (a
``=HYPERLINK(...)`` that leaks data when clicked, a ``=cmd|...`` that runs a program). Every workbook the product
writes passes its rows through ``safe_row`` (write-only sheets) or ``safe_value`` (ordinary sheets): such text is
stored as a string cell (``data_type "s"``, never ``"f"``) carrying Excel's *quote prefix* style, so Excel and
WPS show it as the text it is and keep it text when someone edits the cell. The text itself is not altered, so
an exported ledger imports back unchanged.

**Reading.** An .xlsx file is a zip archive. Before openpyxl opens an uploaded workbook, ``check_archive``
reads the archive's directory (no decompression) and refuses a file whose parts unpack to more than
``MAX_UNPACKED_BYTES``, whose parts read into memory whole (everything but the worksheets, which are streamed:
shared strings, styles, the workbook) unpack to more than ``MAX_WHOLE_PARTS_BYTES``, or any part of which
unpacks to more than ``MAX_RATIO`` times its compressed size (a normal sheet is 5–15 times; a zip bomb
thousands). ``zipfile`` never inflates a part beyond the size the directory declares (and fails the CRC if
the data disagree), so the checked sizes bound what is read. ``open_workbook`` then opens the file in
openpyxl's read-only mode with a shared-string reader that keeps only the strings (openpyxl 3.1's own keeps
every parsed XML element of the table as well: a 12 MB table costs ~90 MB, the strings alone ~40 MB).
``formula_cells_without_value`` names the cells holding a formula whose result was never computed and saved
(files written by programs): read for their values they would silently look blank.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree.ElementTree import iterparse

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, SHEET_MAIN_NS, WORKSHEET_TYPE

#: Text starting with one of these is a formula (or the start of one) to a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MB = 1024 * 1024
#: All parts together, unpacked. A ledger of 50,000 households and 100,000 members written by this product is
#: 64 MB; a sheet is streamed, so this bounds the time spent reading rather than memory.
MAX_UNPACKED_BYTES = 160 * MB
#: The parts openpyxl reads into memory whole: shared strings (Excel keeps every text cell's text there once),
#: styles, the workbook, relationships, properties. Excel's own copy of a 50,000-household ledger has a
#: string table of about 6 MB; each MB of it costs up to ~3.5 MB of memory.
MAX_WHOLE_PARTS_BYTES = 16 * MB
#: Unpacked ÷ compressed size of any one part over RATIO_FLOOR_BYTES. Real sheets: 5–15; zip bombs: 1,000+.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MB


class WorkbookRefused(Exception):
    """The file is not opened: the message (Simplified Chinese) says why, for the person who uploaded it."""


# --- Writing ----------------------------------------------------------------------------------------------


def needs_quoting(value) -> bool:
    """Would a spreadsheet program read ``value`` (text) as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def text_cell(ws, value, *, font=None, alignment=None) -> WriteOnlyCell:
    """A write-only cell for ``value``; text that looks like a formula is stored as quoted text."""
    cell = WriteOnlyCell(ws, value=value)
    if needs_quoting(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def safe_row(ws, values) -> list:
    """``values`` ready for ``ws.append`` on a write-only sheet: each formula-like text becomes a quoted text
    cell, everything else (numbers, dates, plain text, cells already made) passes as it is."""
    return [text_cell(ws, v) if needs_quoting(v) else v for v in values]


def safe_value(cell) -> None:
    """For an ordinary (not write-only) sheet: keep a cell already given a formula-like text as quoted text."""
    if needs_quoting(cell.value) or cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True


# --- Reading ----------------------------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / MB:.0f}" if size >= 10 * MB else f"{size / MB:.1f}"


def _worksheet_parts(archive: zipfile.ZipFile) -> set[str]:
    """Names of the parts the content types declare as worksheets (streamed by openpyxl's read-only mode)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.functions import fromstring

    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    return {part.PartName.lstrip("/") for part in manifest.Override if part.ContentType == WORKSHEET_TYPE}


def check_archive(source) -> None:
    """Refuse (WorkbookRefused) an archive too big when unpacked or packed absurdly tightly; ``source`` is a
    path or a binary file. Reads only the zip directory and the small content-types part."""
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused("无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。") from exc
    try:
        infos = archive.infolist()
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise WorkbookRefused(
                    f"文件的压缩比异常（其中“{info.filename}”解压后是压缩时的 "
                    f"{info.file_size // max(info.compress_size, 1)} 倍，正常的 Excel 文件不超过 {MAX_RATIO} 倍），"
                    "不像是正常的 Excel 文件，已拒绝导入。请在 Excel 中打开后另存为 .xlsx 再上传。"
                )
        total = sum(info.file_size for info in infos)
        if total > MAX_UNPACKED_BYTES:
            raise WorkbookRefused(
                f"文件解压后有 {_mb(total)} MB，超过 {_mb(MAX_UNPACKED_BYTES)} MB 的上限："
                "请按村拆分成几个文件分别导入。"
            )
        content_types = archive.getinfo(ARC_CONTENT_TYPES) if ARC_CONTENT_TYPES in archive.namelist() else None
        if content_types is None or content_types.file_size > MAX_WHOLE_PARTS_BYTES:
            raise WorkbookRefused("无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。")
        try:
            sheets = _worksheet_parts(archive)
        except Exception as exc:  # noqa: BLE001 — any malformed manifest is the same unreadable file
            raise WorkbookRefused("无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。") from exc
        whole = sum(info.file_size for info in infos if info.filename not in sheets)
        if whole > MAX_WHOLE_PARTS_BYTES:
            raise WorkbookRefused(
                f"文件中的文字表和格式等部分解压后有 {_mb(whole)} MB，超过 {_mb(MAX_WHOLE_PARTS_BYTES)} MB 的上限："
                "请按村拆分成几个文件分别导入。"
            )
    finally:
        archive.close()
        if hasattr(source, "seek"):
            source.seek(0)


_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"


def _read_strings(src) -> list[str]:
    """The shared-string table, keeping nothing of the XML once each string is read."""
    strings: list[str] = []
    root = None
    for event, node in iterparse(src, events=("start", "end")):
        if event == "start":
            if root is None:
                root = node
            continue
        if node.tag == _STRING_TAG:
            strings.append(Text.from_tree(node).content.replace("x005F_", ""))
            root.clear()
    return strings


class _Reader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = _read_strings(src)


def open_workbook(source):
    """``check_archive``, then the workbook in openpyxl's read-only mode with cached values (``data_only``).
    The caller closes it. Raises WorkbookRefused for any file that cannot be read as a workbook."""
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(source)
    try:
        reader = _Reader(source, read_only=True, data_only=True, keep_links=False)
        reader.read()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise WorkbookRefused("无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。") from exc
    return reader.wb


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_ROW, _CELL, _F, _V = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("row", "c", "f", "v"))


def _has_formula_tag(src, chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := src.read(chunk):
        if _FORMULA_TAG.search(tail + block):
            return True
        tail = block[-32:]
    return False


def formula_cells_without_value(ws) -> set[tuple[int, int]]:
    """(row, column), 1-based, of each cell of the read-only sheet ``ws`` that holds a formula without a saved
    result. A quick scan of the sheet's XML first: most ledgers have no formula at all."""
    archive = ws.parent._archive
    with archive.open(ws._worksheet_path) as src:
        if not _has_formula_tag(src):
            return set()
    found: set[tuple[int, int]] = set()
    row = column = 0
    parent = None
    with archive.open(ws._worksheet_path) as src:
        for event, node in iterparse(src, events=("start", "end")):
            if event == "start":
                if node.tag == _ROW:
                    row = int(node.get("r") or row + 1)
                    column = 0
                elif node.tag == _CELL:
                    ref = node.get("r")
                    column = column_index_from_string(coordinate_from_string(ref)[0]) if ref else column + 1
                elif node.tag.endswith("}sheetData"):
                    parent = node
                continue
            if node.tag == _CELL:
                formula = node.find(_F)
                # A formula whose result is text saves it as t="str"; an empty saved text is a real, blank result.
                if formula is not None and not node.findtext(_V) and node.get("t") != "str":
                    found.add((row, column))
            elif node.tag == _ROW and parent is not None:
                parent.clear()
    return found
