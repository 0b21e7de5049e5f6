"""Readers: turn an uploaded or local file into raw tables of untyped cells.

Readers take bytes (what an upload or a file holds) and are chosen from a registry by
the content, not just the name, so a CSV saved as ``.txt`` or an XLSX without an
extension still reads. Nothing here interprets values; validation does that.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from data_loaders import schema

# Encodings tried in order. GB18030 is a superset of GBK and GB2312, which is what
# Excel on a Chinese Windows writes when asked for "CSV".
ENCODINGS = ("utf-8-sig", "gb18030")


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


def read_xlsx(name: str, data: bytes) -> list[RawTable]:
    """Read every non-empty sheet of a workbook; the sheet name names the table."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
    tables = []
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
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
