"""Readers: turn an uploaded or local file into raw tables of untyped cells.

Readers take bytes (what an upload or a file holds) and are chosen from a registry by
the content, not just the name, so a CSV saved as ``.txt`` or an XLSX without an
extension still reads. Nothing here interprets values; validation does that.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field

import pandas as pd

from data_loaders.store import schema

# Encodings read: UTF-8 (with or without BOM), then GB18030, a superset of GBK and
# GB2312, which is what Excel on a Chinese Windows writes when asked for "CSV". Nothing
# else is guessed: a guess (Latin-1, Windows-1252) turns Chinese into garbage that
# would be stored as if it were data.
ENCODINGS = ("utf-8-sig", "gb18030")
# A header wider than this is not a table a person keeps (ours have at most a few dozen
# columns); it is refused before the rows are read.
MAX_COLUMNS = 1000
# The longest cell, in characters: the csv module's own limit (128 K), applied to every
# reader so that a JSON or XLSX cell cannot be larger than a CSV one.
MAX_CELL_CHARS = 131072
# A list of records is nested 2 levels deep, the hospital feed 4. The JSON parser
# recurses once per level, so a document nested thousands deep exhausts the stack; one
# nested deeper than this is refused as well, before anything walks it.
MAX_JSON_DEPTH = 32
# JSON integers longer than this (in digits) are kept as their digits: no count of ours
# is that large, and converting them is where a huge one would overflow.
JSON_INT_DIGITS = 18
# Bytes other than tab, line feed, form feed and carriage return below 0x20: rare in
# text, common in binary files.
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))

DEFAULT_MAX_UPLOAD_MB = 50
# A workbook is a zip: its parts may expand far beyond the file's size (a "zip bomb").
# Before openpyxl opens one, the sizes its zip directory declares are checked: all parts
# together at most XLSX_EXPANSION times the upload limit (and never more than
# XLSX_MAX_EXPANDED), and no large part compressed more than XLSX_MAX_RATIO : 1 (real
# sheets compress 5-30 : 1; a bomb near deflate's limit of about 1000 : 1). A part that
# expands beyond what the directory declares fails its CRC check inside zipfile, which
# stops reading at the declared size.
XLSX_EXPANSION = 10
XLSX_MAX_EXPANDED = 1024 * 2**20
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = 2**20  # parts smaller than this may compress as well as they like
XLSX_MAX_PARTS = 10_000


def max_upload_bytes() -> int:
    """The upload size limit in bytes (``LIFELINE_MAX_UPLOAD_MB``, default 50; a value
    that is not a positive number means the default)."""
    try:
        mb = float(os.environ.get("LIFELINE_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    if not mb > 0 or mb == float("inf"):
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * 2**20)


class ReadError(Exception):
    """A file that cannot be read as a table; ``code`` is a stable problem code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


@dataclass
class RawTable:
    """Cells of one table as read from one file or sheet.

    ``rows`` holds the row number a person sees in the original (header is row 1 in a
    CSV), so problems can point at it.
    """

    source: str
    frame: pd.DataFrame
    rows: list[int]
    table: schema.Table | None = None
    sheet: str | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    # Rows with values to the right of the last named header (a sign of shifted rows).
    beyond_header: int = 0

    @property
    def label(self) -> str:
        """``file`` or ``file#sheet`` as shown in reports."""
        return f"{self.source}#{self.sheet}" if self.sheet else self.source


def decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (with or without BOM) or GB18030, nothing else.

    Returns ``(text, encoding)``. Raises ReadError, naming the line where it can:

    - ``not_a_table`` for binary data;
    - ``nul_byte`` for a NUL byte anywhere in a text file;
    - ``mixed_encoding`` for a file whose lines are in two encodings (UTF-8 lines
      pasted into a GB18030 file), which either reading would store garbled;
    - ``unsupported_encoding`` for any other encoding, such as Latin-1 or Windows-1252.

    An incomplete character at the very end is dropped when the text before it is
    clearly in the encoding: that is the first bytes of a file, read to sniff its format.
    """
    utf8, gb18030 = ENCODINGS
    _refuse_nul(data)
    text = _decode(data, utf8)
    if text is not None:
        return text, utf8
    _refuse_mixed(data)
    text = _decode(data, gb18030)
    if text is None or not _reads_as_chinese(text):
        raise ReadError("unsupported_encoding", str(_first_foreign_line(data)))
    return text, gb18030


def _refuse_nul(data: bytes) -> None:
    """Refuse binary data, and a NUL byte anywhere in text (naming its line)."""
    at = data.find(b"\x00")
    if at < 0:
        return
    sample = data[:4096]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > max(2, len(sample) // 100):
        raise ReadError("not_a_table", "binary content")
    raise ReadError("nul_byte", str(data.count(b"\n", 0, at) + 1))


def _decode(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, or None. An incomplete last character is dropped only
    when the text before it holds other non-ASCII characters (see :func:`decode`)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    if decoder.getstate()[0] and text.isascii():
        return None
    return text


def _chinese(char: str) -> bool:
    """True for CJK ideographs and the punctuation and full-width forms around them."""
    code = ord(char)
    return (0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x2000 <= code <= 0x206F or code >= 0x20000)


def _utf8_chinese(line: bytes) -> bool:
    """True when ``line`` is UTF-8 whose non-ASCII characters are mostly Chinese.

    A GB18030 line is rarely valid UTF-8, and when it is, it reads as Latin, Greek or
    Cyrillic letters (食品 → ʳƷ), not as Chinese.
    """
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    return bool(wide) and 2 * sum(map(_chinese, wide)) > len(wide)


def _refuse_mixed(data: bytes) -> None:
    """Refuse a file with both UTF-8 lines and lines in another encoding, naming the
    first line of the fewer (the ones pasted in; on a tie, the later). Line feeds split
    lines safely: in neither encoding is byte 0x0A part of a character."""
    utf8, other = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.isascii():
            (utf8 if _utf8_chinese(line) else other).append(number)
    if utf8 and other:
        fewer = utf8 if (len(utf8), other[0]) < (len(other), utf8[0]) else other
        raise ReadError("mixed_encoding", str(fewer[0]))


def _gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _reads_as_chinese(text: str) -> bool:
    """True when most distinct non-ASCII characters of ``text`` are common (GB2312)
    Chinese. Latin-1 or Windows-1252 bytes often decode as GB18030 too, but as rare
    characters (Zürich → Z黵ich, where 黵 is not in GB2312)."""
    wide = [c for c in set(text) if ord(c) > 127]
    return 2 * sum(map(_gb2312, wide)) >= len(wide)


def _first_foreign_line(data: bytes) -> int:
    """The first line that is not GB18030, or that holds a character outside GB2312."""
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        text = _decode(line, "gb18030")
        if text is None or not all(_gb2312(c) for c in text if ord(c) > 127):
            return number
    return 1


def csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    """The rows of delimited text, as the csv module reads them, or a ReadError.

    The header row is checked against ``MAX_COLUMNS`` before any other row is read
    (``too_many_columns``); a cell longer than ``MAX_CELL_CHARS`` is ``cell_too_large``
    with its line number.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not rows and len(row) > MAX_COLUMNS:
                raise ReadError("too_many_columns", str(len(row)))
            rows.append(row)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise ReadError("cell_too_large", str(reader.line_num)) from exc
        raise ReadError("not_a_table", f"line {reader.line_num}: {exc}") from exc
    return rows


def _refuse_large_cells(cells: list, number: int) -> None:
    """ReadError('cell_too_large') naming row ``number`` if a text cell is too long."""
    if any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells):
        raise ReadError("cell_too_large", str(number))


def _frame_from_rows(rows: list[list[object]]) -> tuple[pd.DataFrame, list[int]]:
    """Build a frame from rows whose first row is the header; drop blank rows."""
    if not rows:
        raise ReadError("empty_file")
    if len(rows[0]) > MAX_COLUMNS:
        raise ReadError("too_many_columns", str(len(rows[0])))
    _refuse_large_cells(rows[0], 1)
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if not any(header):
        raise ReadError("empty_file")
    width = len(header)
    body, numbers = [], []
    for offset, row in enumerate(rows[1:], start=2):
        cells = list(row[:width]) + [None] * (width - len(row))
        _refuse_large_cells(cells, offset)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append(cells)
        numbers.append(offset)
    # Unnamed trailing columns (Excel's empty formatted cells) carry nothing.
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.loc[:, [h != "" for h in header]]
    return frame, numbers


def beyond_header(rows: list[list[object]]) -> int:
    """Rows (after the header) holding a value under no header: past its last cell,
    or under an empty header cell."""
    if not rows:
        return 0
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    named = [i for i, h in enumerate(header) if h]
    if not named:
        return 0
    unnamed = set(range(len(header))) - set(named)
    count = 0
    for row in rows[1:]:
        if any(not (c is None or (isinstance(c, str) and not c.strip()))
               for i, c in enumerate(row) if i > named[-1] or i in unnamed):
            count += 1
    return count


def read_csv(name: str, data: bytes) -> list[RawTable]:
    """Read a delimited text file (comma, tab or semicolon), any supported encoding."""
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError("empty_file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = csv_rows(text, delimiter)
    frame, numbers = _frame_from_rows(rows)
    if frame.shape[1] < 2 and schema.table_for_headers(list(frame.columns)) is None:
        raise ReadError("not_a_table", "fewer than two columns")
    return [RawTable(name, frame, numbers, schema.table_for_name(name), encoding=encoding,
                     beyond_header=beyond_header(rows))]


def check_workbook(data: bytes) -> None:
    """Refuse a workbook whose parts would expand too far (see ``XLSX_EXPANSION``).

    Reads only the zip's directory; nothing is decompressed. Raises
    ReadError('workbook_too_large') for a zip bomb, ReadError('not_a_table') for bytes
    that are not a zip.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
    if len(parts) > XLSX_MAX_PARTS:
        raise ReadError("workbook_too_large", f"{len(parts):,} parts")
    limit = min(XLSX_EXPANSION * max_upload_bytes(), XLSX_MAX_EXPANDED)
    total = sum(part.file_size for part in parts)
    if total > limit:
        raise ReadError("workbook_too_large", f"{total / 2**20:,.0f} MB > {limit / 2**20:,.0f} MB")
    for part in parts:
        if part.file_size > XLSX_RATIO_FROM and \
                part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise ReadError("workbook_too_large",
                            f"{part.filename}: {part.file_size / 2**20:,.0f} MB from "
                            f"{part.compress_size / 2**10:,.0f} KB")


def open_workbook(data: bytes):
    """An openpyxl workbook (read-only, values only) after :func:`check_workbook`."""
    from openpyxl import load_workbook

    check_workbook(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
    # A sheet's declared size (its <dimension>) is read without reading its rows.
    for sheet in book.worksheets:
        if (getattr(sheet, "max_column", None) or 0) > MAX_COLUMNS:
            book.close()
            raise ReadError("too_many_columns", str(sheet.max_column))
    return book


# Errors a damaged workbook raises while its sheets are read (read-only mode streams
# them): a part longer than declared fails zipfile's CRC check, broken XML fails to parse.
WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, SyntaxError,
                   zlib.error)


def sheet_rows(sheet, max_row: int | None = None) -> list[list]:
    """The cell values of a read-only sheet, row by row; ReadError('too_many_columns')
    as soon as a row is wider than ``MAX_COLUMNS`` (a sheet need not declare its size)."""
    rows = []
    try:
        for row in sheet.iter_rows(max_row=max_row, values_only=True):
            if len(row) > MAX_COLUMNS:
                raise ReadError("too_many_columns", str(len(row)))
            rows.append(list(row))
    except WORKBOOK_ERRORS as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
    return rows


def read_xlsx(name: str, data: bytes) -> list[RawTable]:
    """Read every non-empty sheet of a workbook; the sheet name names the table."""
    book = open_workbook(data)
    tables = []
    try:
        for sheet in book.worksheets:
            rows = sheet_rows(sheet)
            if not rows:
                continue
            try:
                frame, numbers = _frame_from_rows(rows)
            except ReadError as exc:
                if exc.code != "empty_file":
                    raise
                continue  # a sheet with no header: notes or a chart, not a table
            table = schema.table_for_name(sheet.title) or (
                schema.table_for_name(name) if len(book.worksheets) == 1 else None
            )
            tables.append(RawTable(name, frame, numbers, table, sheet=sheet.title,
                                   beyond_header=beyond_header(rows)))
    finally:
        book.close()
    if not tables:
        raise ReadError("empty_file")
    return tables


def read_json(name: str, data: bytes) -> list[RawTable]:
    """Read JSON records: a list of objects, or ``{"table": [objects], ...}``."""
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError("empty_file")
    doc = load_json(text)
    if isinstance(doc, list):
        groups = {None: doc}
    elif isinstance(doc, dict) and all(isinstance(v, list) for v in doc.values()):
        groups = doc
    else:
        raise ReadError("not_a_table", "JSON must be a list of records or {table: [records]}")
    tables = []
    for key, records in groups.items():
        if not records:
            continue
        if not all(isinstance(r, dict) for r in records):
            raise ReadError("not_a_table", "JSON records must be objects")
        header = list(dict.fromkeys(k for record in records for k in record))
        if len(header) > MAX_COLUMNS:
            raise ReadError("too_many_columns", str(len(header)))
        rows = [header] + [[r.get(h) for h in header] for r in records]
        # JSON has no visible rows: number records from 1.
        numbers = list(range(1, len(records) + 1))
        for number, row in zip(numbers, rows[1:]):
            _refuse_large_cells(row, number)
        frame, _ = _frame_from_rows(rows)
        table = schema.table_for_name(key) if key else schema.table_for_name(name)
        tables.append(RawTable(name, frame, numbers, table, sheet=key, encoding=encoding))
    if not tables:
        raise ReadError("empty_file")
    return tables


def load_json(text: str):
    """Parse JSON text from a file; every failure is a ReadError, never a traceback.

    ``not_a_table`` for invalid JSON, ``json_too_deep`` for nesting deeper than
    ``MAX_JSON_DEPTH``. Integers of more than ``JSON_INT_DIGITS`` digits are returned as
    their digits (a string): validation reports a value too large, an id keeps every
    digit, and nothing converts them to a float that would overflow.
    """
    try:
        doc = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise ReadError("not_a_table", f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError as exc:
        raise ReadError("json_too_deep", str(MAX_JSON_DEPTH)) from exc
    if _json_depth(doc) > MAX_JSON_DEPTH:
        raise ReadError("json_too_deep", str(MAX_JSON_DEPTH))
    return doc


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= JSON_INT_DIGITS else digits


def _json_depth(doc) -> int:
    """How deep lists and objects nest in ``doc`` (walked without recursion)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth + 1)
                         for child in (node.values() if isinstance(node, dict) else node))
    return deepest


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def sniff_format(name: str, data: bytes) -> str:
    """Choose a reader from the content first, the extension second."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    lower = name.lower()
    if lower.endswith(".xlsx") or lower.endswith(".xlsm"):
        return "xlsx"
    return "csv"


def read_file(name: str, data: bytes) -> list[RawTable]:
    """Read ``data`` (the bytes of file ``name``) into raw tables.

    Raises ReadError for an empty file or one that is not a table.
    """
    if not data or not data.strip():
        raise ReadError("empty_file")
    return READERS[sniff_format(name, data)](name, data)


# --- Raw rows, for sheets whose header is not the first row -------------------------
# A sheet laid out for printing has title rows, a date line and maybe a two-row merged
# header above its table. The column mapping lets a person pick the header row; these
# functions give it the rows as they are and build a table from the row chosen.


def read_rows(name: str, data: bytes) -> list[tuple[str | None, list[list]]]:
    """The rows of each sheet as read, before any row is taken as the header.

    Parameters
    ----------
    name, data : str, bytes
        The file's name and bytes, as for :func:`read_file`.

    Returns
    -------
    list of (str or None, list of list)
        ``(sheet, rows)`` per non-empty sheet of a workbook; one ``(None, rows)`` for a
        CSV; for JSON, its tables' header row then records (JSON has no title rows).
        ``rows[i]`` is the row a person sees as row ``i + 1``.

    Raises
    ------
    ReadError
        As :func:`read_file` does for an empty or unreadable file.
    """
    if not data or not data.strip():
        raise ReadError("empty_file")
    kind = sniff_format(name, data)
    if kind == "json":
        return [(raw.sheet, [list(raw.frame.columns), *raw.frame.values.tolist()])
                for raw in read_json(name, data)]
    if kind == "xlsx":
        book = open_workbook(data)
        found = []
        try:
            for sheet in book.worksheets:
                try:
                    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
                except WORKBOOK_ERRORS as exc:
                    raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
                if any(not _blank_row(r) for r in rows):
                    found.append((sheet.title, rows))
        finally:
            book.close()
        if not found:
            raise ReadError("empty_file")
        return found
    text, _ = decode(data)
    if not text.strip():
        raise ReadError("empty_file")
    return [(None, list(csv.reader(io.StringIO(text), delimiter=_delimiter(text))))]


def _blank_row(row: list) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def _delimiter(text: str) -> str:
    """The delimiter of a CSV whose first lines may be titles without any delimiter.

    ``read_csv`` sniffs the first line only; a title line there says nothing, so the
    first line that sniffs (of the first ten) decides, and a comma when none does.
    """
    for line in text.splitlines()[:10]:
        try:
            return csv.Sniffer().sniff(line, delimiters=",\t;").delimiter
        except csv.Error:
            continue
    return ","


def table_from_rows(source: str, rows: list[list], header_row: int = 0, sheet: str | None = None,
                    encoding: str | None = None) -> RawTable:
    """A raw table whose header is ``rows[header_row]``; the rows above it are ignored.

    Row numbers stay those a person sees in the sheet (the header is row
    ``header_row + 1``). A blank header cell takes the cell above it when that row is
    part of a two-row header (it has two or more cells): ``序号`` merged over two rows
    above ``N95口罩 | 防护服`` under a merged ``分配物资``.

    Raises
    ------
    ReadError
        ``empty_file`` when the header row is blank or beyond the last row.
    """
    if not 0 <= header_row < len(rows):
        raise ReadError("empty_file")
    header = list(rows[header_row])
    above = list(rows[header_row - 1]) if header_row > 0 else []
    if sum(not _blank_row([c]) for c in above) >= 2:
        above += [None] * (len(header) - len(above))
        header += [None] * (len(above) - len(header))
        header = [a if _blank_row([h]) else h for h, a in zip(header, above)]
    frame, numbers = _frame_from_rows([header, *rows[header_row + 1:]])
    return RawTable(source, frame, [n + header_row for n in numbers],
                    schema.table_for_name(sheet or source), sheet, encoding)
