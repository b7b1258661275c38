"""Excel files that cannot attack their reader: one home for the rules of every workbook written or read.

**Writing.** Text a person typed (a petition's summary, a household's notes, a village's name) may start with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return: spreadsheet programs take such text for a formula (a
``=HYPERLINK(...)`` that leaks data when clicked, a ``=cmd|...`` that runs a program). Every workbook the product
writes passes its rows through ``safe_row`` (write-only sheets) or ``safe_value`` (ordinary sheets): such text is
stored as a string cell (``data_type "s"``, never ``"f"``) carrying Excel's *quote prefix* style, so Excel and
WPS show it as the text it is and keep it text when someone edits the cell. The text itself is not altered, so
an exported ledger imports back unchanged.

**Reading.** An .xlsx file is a zip archive of XML parts, and a small file can unpack to a huge one (a 1.4 MB
upload once took 423 MB to read). ``open_workbook`` refuses (WorkbookRefused, with a message for the clerk)
before openpyxl parses anything:

* from the zip's directory alone (``check_archive``, quick enough for the upload form): any part unpacking to
  more than MAX_RATIO times its compressed size (real sheets: 5–15; zip bombs: 1,000 and more), all parts
  together over MAX_UNPACKED_BYTES, the shared-string table (kept in memory whole) over MAX_STRINGS_BYTES,
  and the other parts read whole (content types, workbook, its relationships, styles) over
  MAX_WHOLE_PARTS_BYTES. ``zipfile`` never inflates a part beyond the size the directory declares (and fails
  the CRC if the data disagree), so these sizes bound what is read;
* from one streamed pass over each part that will be parsed: a worksheet holding a text or a tag longer than
  MAX_TOKEN_BYTES (the XML parser holds each whole; Excel's longest cell is 32,767 characters), and the parts
  read whole holding more than MAX_WHOLE_ELEMENTS elements.

Then it reads only what a data import needs, keeping nothing it has read: the shared strings as one block of
UTF-8 (openpyxl 3.1 keeps a Python string and every parsed element of the table: a 12 MB table cost ~90 MB), and
each worksheet row by row (``Book.rows``), clearing each row once given and refusing a row of more than
MAX_ELEMENTS_PER_ROW elements (openpyxl's read-only sheets keep an element and the formatting of every row
read). A cell holding
a formula whose result was never saved (files written by programs) comes as FORMULA_WITHOUT_VALUE, not as a
silent blank. So the memory of reading any accepted file is bounded: its string table, one row, constants
(measured for the largest accepted ledger in tests/households/test_import_limits.py).
"""

from __future__ import annotations

import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import iterparse

from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS, WORKSHEET_TYPE

#: Text starting with one of these is a formula (or the start of one) to a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MB = 1024 * 1024
#: Unpacked ÷ compressed size of any one part over RATIO_FLOOR_BYTES. Real sheets: 5–15; zip bombs: 1,000+.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MB
#: All parts together, unpacked. 50,000 households and 100,000 members as this product writes them: 64 MB.
#: Sheets are streamed: this bounds the time spent reading, not memory.
MAX_UNPACKED_BYTES = 160 * MB
#: The shared-string table (Excel keeps each distinct text there once), held in memory whole as UTF-8 (_Strings):
#: at most ~1 byte of memory per byte of table. Excel's copy of 50,000 households and 100,000 members: ~12 MB.
MAX_STRINGS_BYTES = 16 * MB
#: The other parts read whole: content types, the workbook, its relationships, the styles.
MAX_WHOLE_PARTS_BYTES = 2 * MB
MAX_WHOLE_ELEMENTS = 100_000
#: The longest text or tag in a worksheet (between two "<"). Excel's longest cell text is 32,767 characters.
MAX_TOKEN_BYTES = 256 * 1024
#: XML elements in one row of a worksheet (or one shared string). A full row of 16,384 text cells has ~50,000.
MAX_ELEMENTS_PER_ROW = 100_000


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


UNREADABLE = "无法读取这个文件：请上传 Excel 2007 及以上格式（.xlsx）的文件。"
NOT_NORMAL = "不像是正常的 Excel 文件，已拒绝导入。请在 Excel 中打开后另存为 .xlsx 再上传。"


@dataclass(frozen=True)
class _Parts:
    """Which parts of the package are what: the worksheets (streamed), the shared strings, and the other parts
    this module reads whole (content types, workbook, its relationships, styles)."""

    sheets: frozenset[str]
    strings: str | None
    whole: frozenset[str]


def _parts(archive: zipfile.ZipFile) -> _Parts:
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.xml.functions import fromstring

    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    sheets = frozenset(p.PartName.lstrip("/") for p in manifest.Override if p.ContentType == WORKSHEET_TYPE)
    strings = manifest.find(SHARED_STRINGS)
    workbook = _find_workbook_part(manifest).PartName.lstrip("/")
    whole = {ARC_CONTENT_TYPES, workbook, get_rels_path(workbook), ARC_STYLE}
    return _Parts(sheets, strings.PartName.lstrip("/") if strings is not None else None, frozenset(whole))


def check_archive(source) -> None:
    """Refuse (WorkbookRefused) an archive too big when unpacked or packed absurdly tightly. ``source`` is a
    path or a binary file. Reads only the zip's directory and the small content-types part: quick enough for a
    form's validation."""
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused(UNREADABLE) from exc
    try:
        _check_directory(archive)
    finally:
        archive.close()
        if hasattr(source, "seek"):
            source.seek(0)


def _check_directory(archive: zipfile.ZipFile) -> _Parts:
    infos = archive.infolist()
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise WorkbookRefused(
                f"文件的压缩比异常：其中“{info.filename}”解压后是压缩时的 {ratio} 倍"
                f"（正常的 Excel 文件不超过 {MAX_RATIO} 倍），" + NOT_NORMAL
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(
            f"文件解压后有 {_mb(total)} MB，超过 {_mb(MAX_UNPACKED_BYTES)} MB 的上限：请按村拆分成几个文件分别导入。"
        )
    sizes = {info.filename: info.file_size for info in infos}
    if ARC_CONTENT_TYPES not in sizes:
        raise WorkbookRefused(UNREADABLE)
    if sizes[ARC_CONTENT_TYPES] <= MAX_WHOLE_PARTS_BYTES:
        try:
            parts = _parts(archive)
        except Exception as exc:  # noqa: BLE001 — any malformed manifest is the same unreadable file
            raise WorkbookRefused(UNREADABLE) from exc
    else:
        parts = _Parts(frozenset(), None, frozenset({ARC_CONTENT_TYPES}))
    if parts.strings and sizes.get(parts.strings, 0) > MAX_STRINGS_BYTES:
        raise WorkbookRefused(
            f"文件中的文字表（共享字符串）解压后有 {_mb(sizes[parts.strings])} MB，超过 {_mb(MAX_STRINGS_BYTES)} MB "
            "的上限：请按村拆分成几个文件分别导入。"
        )
    whole = sum(sizes.get(name, 0) for name in parts.whole)
    if whole > MAX_WHOLE_PARTS_BYTES:
        raise WorkbookRefused(
            f"文件中的格式和工作簿信息解压后有 {_mb(whole)} MB，超过 {_mb(MAX_WHOLE_PARTS_BYTES)} MB 的上限："
            "请在 Excel 中清除格式、另存为 .xlsx 后再上传。"
        )
    return parts


def _scan(src, *, max_token: int, max_elements: int | None = None) -> None:
    """Stream a part's XML once, refusing a run of more than ``max_token`` bytes without a ``<`` (one text or one
    tag: what the XML parser would hold whole) and, when given, more than ``max_elements`` ``<``."""
    run, count = 0, 0
    while block := src.read(1 << 20):
        pieces = block.split(b"<")
        count += len(pieces) - 1
        longest = run + len(pieces[0]) if len(pieces) > 1 else run + len(block)
        if len(pieces) > 2:
            longest = max(longest, max(map(len, pieces[1:-1])))
        run = len(pieces[-1]) if len(pieces) > 1 else run + len(block)
        if max(longest, run) > max_token or (max_elements is not None and count > max_elements):
            raise WorkbookRefused("文件中有异常庞大的内容，" + NOT_NORMAL)


_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"


class _Strings:
    """The shared-string table as one block of UTF-8 and the offset where each string starts: a few bytes per
    string, where a list of Python strings costs ~80 bytes for a one-character string. A string is decoded when
    a cell asks for it (``strings[i]``, as openpyxl's cell parser does)."""

    def __init__(self):
        self.blob = bytearray()
        self.starts = array("Q")

    def append(self, text: str) -> None:
        self.starts.append(len(self.blob))
        self.blob += text.encode()

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> str:
        start = self.starts[index]  # IndexError for a cell pointing past the table
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.blob)
        return self.blob[start:end].decode()


def _read_strings(src) -> _Strings:
    """The shared-string table, keeping nothing of the XML once each string is read."""
    strings = _Strings()
    root, elements = None, 0
    for event, node in iterparse(src, events=("start", "end")):
        if event == "start":
            elements += 1
            if root is None:
                root = node
            elif elements > MAX_ELEMENTS_PER_ROW:
                raise WorkbookRefused("文件中有异常庞大的内容，" + NOT_NORMAL)
            continue
        if node.tag == _STRING_TAG:
            strings.append((_text(node) or "").replace("x005F_", ""))
            root.clear()
            elements = 1
    return strings


class _Reader(ExcelReader):
    """openpyxl's reader, reading only what a data import needs: the content types, the shared strings (keeping
    only the strings), the workbook (sheet names, dates from 1900 or 1904) and the styles (which number formats are
    dates). Worksheets are not opened here: ``Book.rows`` streams them."""

    def read(self):
        from openpyxl.styles.stylesheet import apply_stylesheet

        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        apply_stylesheet(self.archive, self.wb)
        self.sheets = [
            Sheet(sheet.name, rel.target)
            for sheet, rel in self.parser.find_sheets()
            if rel.target in self.valid_files and rel.Type.endswith("/worksheet")
        ]

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = _read_strings(src)


@dataclass(frozen=True)
class Sheet:
    title: str
    path: str


#: A cell holding a formula whose result was never computed and saved (a file written by a program).
FORMULA_WITHOUT_VALUE = type("FormulaWithoutValue", (), {"__repr__": lambda self: "<formula without value>"})()

_NS = f"{{{SHEET_MAIN_NS}}}"
_ROW, _C, _F, _V, _IS, _T, _R = (f"{_NS}{tag}" for tag in ("row", "c", "f", "v", "is", "t", "r"))


def _unsaved(cell) -> bool:
    """A formula cell without a saved result? (A formula whose result is text saves it as ``t="str"``: an empty
    saved text is a real, blank result.)"""
    return cell.find(_F) is not None and not cell.findtext(_V) and cell.get("t") != "str"


def _unsaved(cell) -> bool:
    """A formula cell without a saved result? (A formula whose result is text saves it as ``t="str"``: an empty
    saved text is a real, blank result.)"""
    return cell.find(_F) is not None and not cell.findtext(_V) and cell.get("t") != "str"


class Book:
    """An .xlsx opened for reading its values: ``sheets``, then ``rows(sheet)`` for each."""

    def __init__(self, archive: zipfile.ZipFile, reader: _Reader):
        self.archive, self.sheets = archive, reader.sheets
        self._strings = reader.shared_strings
        self._epoch, self._dates, self._durations = (
            reader.wb.epoch,
            reader.wb._date_formats,
            reader.wb._timedelta_formats,
        )
        self._read: dict[str, int] = {}  # bytes of each sheet's XML read so far

    def close(self) -> None:
        self.archive.close()

    def share_read(self, sheets) -> float:
        """How much of ``sheets`` has been read so far (0–1), by bytes of their XML: for a progress bar."""
        total = sum(self.archive.getinfo(sheet.path).file_size for sheet in sheets)
        return min(sum(self._read.get(sheet.path, 0) for sheet in sheets) / total, 1.0) if total else 1.0

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, list]]:
        """(row number, [value of column A, B, …]) for each row the sheet's XML holds, in order. Values are read as
        openpyxl reads them with ``data_only`` (the saved result of a formula), except that a formula cell with no
        saved result gives FORMULA_WITHOUT_VALUE rather than a blank. Nothing is kept once a row is given: memory
        stays flat however long the sheet, and a row of more than MAX_ELEMENTS_PER_ROW elements is refused."""
        try:
            yield from self._rows(sheet)
        except WorkbookRefused:
            raise
        except (SyntaxError, ValueError, IndexError, KeyError, TypeError, zipfile.BadZipFile, OSError) as exc:
            raise WorkbookRefused(f"工作表“{sheet.title}”无法读取：" + NOT_NORMAL) from exc

    def _rows(self, sheet: Sheet) -> Iterator[tuple[int, list]]:
        from openpyxl.worksheet._reader import WorkSheetParser

        with self.archive.open(sheet.path) as src:
            # openpyxl reads the rarer cells (numbers that are dates, booleans, errors, formulas' saved text).
            cells = WorkSheetParser(
                None,
                self._strings,
                data_only=True,
                epoch=self._epoch,
                date_formats=self._dates,
                timedelta_formats=self._durations,
            )
            stack: list = []
            elements = number = 0
            for event, node in iterparse(src, events=("start", "end")):
                if event == "start":
                    stack.append(node)
                    elements += 1
                    if elements > MAX_ELEMENTS_PER_ROW:
                        raise WorkbookRefused("文件中有异常庞大的内容，" + NOT_NORMAL)
                    continue
                stack.pop()
                depth = len(stack)  # of the parent: 0 for the root, 1 for its children (sheetData…)
                if depth > 2:
                    continue  # a cell and its parts: read with their row
                if depth == 2 and node.tag == _ROW:
                    number = int(node.get("r") or number + 1)
                    self._read[sheet.path] = src.tell()
                    yield number, self._values(node, cells)
                if stack:
                    stack[-1].clear()  # drop what has been read: the row, or a part beside sheetData
                elements = len(stack)

    def _values(self, row, cells) -> list:
        values: list = []
        column = 0
        for cell in row.iterfind(_C):
            ref = cell.get("r")
            column = column_index_from_string(ref.rstrip("0123456789")) if ref else column + 1
            kind = cell.get("t")
            if kind == "s":  # text, as Excel writes it: an index into the shared strings
                index = cell.findtext(_V)
                value = self._strings[int(index)] if index else None
            elif kind == "inlineStr":  # text, as openpyxl writes it
                value = _text(cell.find(_IS))
            elif _unsaved(cell):
                value = FORMULA_WITHOUT_VALUE
            else:
                value = cells.parse_cell(cell)["value"]
            if value is not None:
                values.extend([None] * (column - len(values)))
                values[column - 1] = value
        return values


def _text(node) -> str | None:
    """The text of a string item (``<si>`` or ``<is>``): its text, or its runs' texts; phonetic guides left out."""
    if node is None:
        return None
    text = node.findtext(_T)
    if text is not None:
        return text
    return "".join(run.findtext(_T) or "" for run in node.iterfind(_R))


def open_workbook(source) -> Book:
    """Check ``source`` (a path or a binary file) and open it for reading its values; the caller closes it.

    Before openpyxl parses anything: ``check_archive``'s rules, then one streamed pass over each part that will be
    read, refusing a worksheet with a text or tag over MAX_TOKEN_BYTES and a workbook or styles part with more than
    MAX_WHOLE_ELEMENTS elements. Raises WorkbookRefused for any file that cannot be read as a workbook."""
    from openpyxl.utils.exceptions import InvalidFileException

    if hasattr(source, "seek"):
        source.seek(0)
    try:
        reader = _Reader(source, read_only=True, data_only=True, keep_links=False)  # opens the zip's directory
    except (InvalidFileException, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused(UNREADABLE) from exc
    archive = reader.archive
    try:
        parts = _check_directory(archive)
        names = set(archive.namelist())
        for name in sorted(parts.whole & names):
            with archive.open(name) as src:
                _scan(src, max_token=MAX_WHOLE_PARTS_BYTES, max_elements=MAX_WHOLE_ELEMENTS)
        for name in sorted(parts.sheets & names):
            with archive.open(name) as src:
                _scan(src, max_token=MAX_TOKEN_BYTES)
        reader.read()
        reader.sheets = [sheet for sheet in reader.sheets if sheet.path in parts.sheets]  # only what was scanned
    except WorkbookRefused:
        archive.close()
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        archive.close()
        raise WorkbookRefused(UNREADABLE) from exc
    return Book(archive, reader)
