"""Readers: turn an uploaded or local file into raw tables of untyped cells.

Readers take bytes (what an upload or a file holds) and are chosen from a registry by
the content, not just the name, so a CSV saved as ``.txt`` or an XLSX without an
extension still reads. Nothing here interprets values; validation does that.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field

import pandas as pd

from data_loaders import schema

# Encodings tried in order. GB18030 is a superset of GBK and GB2312, which is what
# Excel on a Chinese Windows writes when asked for "CSV".
ENCODINGS = ("utf-8-sig", "gb18030")

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

    @property
    def label(self) -> str:
        """``file`` or ``file#sheet`` as shown in reports."""
        return f"{self.source}#{self.sheet}" if self.sheet else self.source


def decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes, detecting UTF-8 (with or without BOM) and GB18030.

    Returns ``(text, encoding)``. Raises ReadError('not_a_table') for binary data.
    """
    if b"\x00" in data[:4096]:
        raise ReadError("not_a_table", "binary content")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("not_a_table", "unknown text encoding")
    return str(best), best.encoding


def _frame_from_rows(rows: list[list[object]]) -> tuple[pd.DataFrame, list[int]]:
    """Build a frame from rows whose first row is the header; drop blank rows."""
    if not rows:
        raise ReadError("empty_file")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if not any(header):
        raise ReadError("empty_file")
    width = len(header)
    body, numbers = [], []
    for offset, row in enumerate(rows[1:], start=2):
        cells = list(row[:width]) + [None] * (width - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append(cells)
        numbers.append(offset)
    # Unnamed trailing columns (Excel's empty formatted cells) carry nothing.
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.loc[:, [h != "" for h in header]]
    return frame, numbers


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
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    frame, numbers = _frame_from_rows(rows)
    if frame.shape[1] < 2 and schema.table_for_headers(list(frame.columns)) is None:
        raise ReadError("not_a_table", "fewer than two columns")
    return [RawTable(name, frame, numbers, schema.table_for_name(name), encoding=encoding)]


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
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc


# Errors a damaged workbook raises while its sheets are read (read-only mode streams
# them): a part longer than declared fails zipfile's CRC check, broken XML fails to parse.
WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, SyntaxError,
                   zlib.error)


def read_xlsx(name: str, data: bytes) -> list[RawTable]:
    """Read every non-empty sheet of a workbook; the sheet name names the table."""
    book = open_workbook(data)
    tables = []
    try:
        for sheet in book.worksheets:
            try:
                rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            except WORKBOOK_ERRORS as exc:
                raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
            if not rows:
                continue
            try:
                frame, numbers = _frame_from_rows(rows)
            except ReadError:
                continue
            table = schema.table_for_name(sheet.title) or (
                schema.table_for_name(name) if len(book.worksheets) == 1 else None
            )
            tables.append(RawTable(name, frame, numbers, table, sheet=sheet.title))
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
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError("not_a_table", f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
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
        header: list[str] = []
        for record in records:
            header.extend(k for k in record if k not in header)
        rows = [header] + [[r.get(h) for h in header] for r in records]
        frame, _ = _frame_from_rows(rows)
        # JSON has no visible rows: number records from 1.
        numbers = list(range(1, len(records) + 1))
        table = schema.table_for_name(key) if key else schema.table_for_name(name)
        tables.append(RawTable(name, frame, numbers, table, sheet=key, encoding=encoding))
    if not tables:
        raise ReadError("empty_file")
    return tables


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
