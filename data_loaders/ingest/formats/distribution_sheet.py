"""The official distribution sheet (物资发放一览表), as the Wuhan Red Cross published it.

A workbook laid out for printing: a title row, a date (often an Excel serial such as
43860 in a cell of its own), a blank row, then ``接收单位, 品名, 规格, 计量单位, 数量``.
The recipient is written once per block (merged cells), long names wrap onto a second
row, and cells carry zero-width and non-breaking spaces. The same sheet may go on with
another table (donations received, a summary): only the table under the distribution
header is read, up to the row that ends it (``distribution_layout``).

Each line becomes a delivery of the distributing organisation to a facility, but only
when its recipient matched a known facility with certainty (``data_loaders.ingest.matching``);
the other lines become review items whose payload is the delivery a confirmation would
create (``data_loaders.ingest.review``). See docs/FORMATS-distribution-sheet.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from data_loaders.ingest import matching, values
from data_loaders.ingest.formats import STAGE_MATCHED, Conversion, Format, ImportContext, Note, register
from data_loaders.ingest.formats import distribution_layout as layout
from data_loaders.ingest.quantities_spec import interpret_spec
from data_loaders.ingest.readers import RawTable, ReadError, open_workbook, sheet_rows
from data_loaders.ingest.review import QueuedReview, aliases
from data_loaders.ingest.rules import load_rules
from data_loaders.store import schema

# The distributing organisation: every line of the sheet is its delivery.
SUPPLIER = {"org_id": "ORG-RC-WUHAN", "name": "武汉市红十字会", "org_type": "other",
            "region": "420100"}
LIST_REGION = "420100"  # recipients on this list are in Wuhan unless written otherwise
ID_PREFIX = "RC"
HEADER_SCAN_ROWS = 15  # sniff reads this many rows per sheet; convert reads them all

_DATE_IN_TEXT = re.compile(r"(20\d\d)\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_SPACES = re.compile(r"\s+")


@dataclass
class Line:
    """One item line of the sheet, with its recipient block."""

    row: int  # the row number a person sees in Excel
    block: int
    item: str
    spec: str
    unit: str
    quantity: object


@dataclass
class Sheet:
    """What was read from one worksheet."""

    title: str
    list_date: date | None
    date_source: str
    blocks: list[str] = field(default_factory=list)  # recipient name per block
    lines: list[Line] = field(default_factory=list)
    ended_at: int | None = None  # the row that ended the table, when something followed it
    rows_after: int = 0  # non-blank rows from there on, not read
    subtotals: int = 0  # subtotal rows skipped inside the table


def _cell(value: object) -> str:
    """Cell text without zero-width/NBSP noise and with inner runs of spaces collapsed."""
    if values.is_blank(value):
        return ""
    return _SPACES.sub(" ", values.clean_text(value))


def list_date(rows_above: list[list]) -> date | None:
    """The list's date from the rows above the header: a date cell, a serial, or title text."""
    for row in rows_above:
        for value in row:
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            # A bare number in the Excel serial range of 2000..2100 is the printed date.
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and 36526 <= value <= 73050:
                return values.parse_date(value)
            if isinstance(value, str):
                match = _DATE_IN_TEXT.search(values.clean_text(value))
                if match:
                    try:
                        return date(*(int(g) for g in match.groups()))
                    except ValueError:
                        continue
    return None


def _workbook_rows(data: bytes, max_row: int | None = None) -> list[tuple[str, list[list]]]:
    """(sheet title, rows of cell values) for every worksheet, up to ``max_row`` rows."""
    book = open_workbook(data)  # refuses a zip bomb before openpyxl expands anything
    try:
        # sheet_rows refuses a row wider than any real sheet, declared or not.
        return [(ws.title, sheet_rows(ws, max_row)) for ws in book.worksheets]
    finally:
        book.close()


def _preamble(rows: list[list], header_index: int) -> list[list]:
    """The rows just above a header (title, date), up to the last table line above it.

    A distribution table may follow another table: that table's quantities (a 50000
    lies in the Excel-serial range) must not be read as the list's date.
    """
    start = header_index
    while start > 0 and sum(not values.is_blank(v) for v in rows[start - 1]) < 3:
        start -= 1
    return rows[start:header_index]


def _lines_follow(rest: list[list], header: layout.Header) -> bool:
    """True when the next non-blank row is an item line of this table (not a header,
    title or total): a numbered row before it heads a group of the same list."""
    item, quantity = header.columns.get("item"), header.columns.get("quantity")
    for row in rest:
        if not any(not values.is_blank(v) for v in row):
            continue
        if layout.row_kind(row, header) is not None:
            return False
        return any(index is not None and index < len(row) and not values.is_blank(row[index])
                   for index in (item, quantity))
    return False


def parse_sheet(title: str, rows: list[list], fallback: date | None) -> Sheet | None:
    """Read one worksheet's distribution table; None when it has no distribution header.

    Only the table under the header is read: a row that is another table's header, a
    title, a total or a date alone ends it (``distribution_layout``); a numbered
    section row ends it too unless item lines follow (then it heads a group of the
    list); a subtotal row, and a caption before the first line, are skipped.

    Within the table the recipient is forward-filled down its block; a row holding
    only a recipient fragment (no item, no quantity) continues the previous
    recipient's name; a recipient cell holding only a region name (``武汉市``) starts
    a name that the next recipient cell completes.
    """
    header = layout.find_header(rows)
    if header is None:
        return None
    cols = header.columns
    day = list_date(_preamble(rows, header.index))
    sheet = Sheet(title, day or fallback, "sheet" if day else ("context" if fallback else "none"))

    def get(row: list, name: str) -> str:
        index = cols.get(name)
        return _cell(row[index]) if index is not None and index < len(row) else ""

    def raw(row: list, name: str):
        index = cols.get(name)
        return row[index] if index is not None and index < len(row) else None

    pending_prefix = ""  # a bare region name waiting for the rest of the recipient
    body = rows[header.index + 1:]
    for offset, row in enumerate(body, start=header.index + 2):
        kind = layout.row_kind(row, header)
        if kind == "subtotal":
            sheet.subtotals += 1
            continue
        if kind in ("title", "date", "section") and not sheet.lines and not pending_prefix:
            continue  # a caption under the header (（单位：件）): the table has not begun
        if kind == "section" and _lines_follow(body[offset - header.index - 1:], header):
            pending_prefix = ""  # a group heading inside the list (一、定点医院)
            continue
        if kind is not None:
            # Whatever follows is not this table: another table, a title, a footer.
            sheet.ended_at = offset
            sheet.rows_after = sum(any(not values.is_blank(v) for v in r)
                                   for r in body[offset - header.index - 2:])
            break
        recipient, item = get(row, "recipient"), get(row, "item")
        quantity = raw(row, "quantity")
        has_line = bool(item) or not values.is_blank(quantity)
        if not recipient and not has_line:
            continue
        name = recipient.replace(" ", "")
        if name and not has_line:
            if matching.is_region_name(name) or not sheet.blocks:
                pending_prefix += name  # the first half of a name wrapped downwards
            else:
                # The second half of a wrapped name: it belongs to the block above.
                sheet.blocks[-1] += name
            continue
        if name:
            if pending_prefix and not matching.is_region_name(name):
                name = pending_prefix + name
                if sheet.blocks and sheet.blocks[-1] == pending_prefix:
                    # The prefix had lines of its own: they are this recipient's first.
                    sheet.blocks[-1] = name
                else:
                    sheet.blocks.append(name)
                pending_prefix = ""
            else:
                pending_prefix = name if matching.is_region_name(name) else ""
                sheet.blocks.append(name)
        elif not sheet.blocks:
            sheet.blocks.append("")  # lines before any recipient: unmatched, reviewed
        # A unit written in the header (数量（个）) stands where a line gives none.
        unit = get(row, "unit") or header.units.get("quantity", "")
        sheet.lines.append(Line(offset, len(sheet.blocks) - 1, item, get(row, "spec"),
                                unit, quantity))
    return sheet


def load_category_rules() -> list[tuple[str, str]]:
    """(keyword, category) pairs of ``rules/item_categories.csv``, in file order.

    The first keyword found in an item wins, so the file's order is part of the rule
    (``消毒片`` is disinfection because 消毒 comes before the medicine words).
    """
    return [(r["keyword"].lower(), r["category"]) for r in load_rules("item_categories")
            if r.get("keyword")]


def categorise(item: str, rules: list[tuple[str, str]]) -> str:
    """The category of an item by the first matching keyword, else ``other``."""
    text = item.lower()
    for keyword, category in rules:
        if keyword in text:
            return category
    return "other"


def _facilities(con) -> list[tuple[str, str, str | None]]:
    if con is None:
        return []
    rows = con.execute("SELECT facility_id, name, region_adcode FROM facilities").fetchall()
    return [(str(a), str(b), c) for a, b, c in rows]


def _deliveries_frame(records: list[dict]) -> pd.DataFrame:
    columns = ["delivery_id", "facility_id", "supplier_id", "category", "item", "quantity",
               "unit", "delivered_on", "status"]
    return pd.DataFrame(records, columns=columns, dtype=object)


class DistributionSheetFormat(Format):
    """Official distribution sheets (物资发放一览表) of a Red Cross society."""

    name = "distribution_sheet"
    stage = STAGE_MATCHED

    def sniff(self, name: str, data: bytes) -> bool:
        if data[:4] != b"PK\x03\x04":
            return False
        try:
            # Only the first rows: sniffing must stay cheap on a large template workbook.
            sheets = _workbook_rows(data, max_row=HEADER_SCAN_ROWS)
        except ReadError:
            return False
        # A list of donations received is claimed too, so that convert can say what it
        # is instead of the template format reporting an unknown table.
        return any(layout.find_header(rows) is not None
                   or layout.find_other_header(rows) is not None for _, rows in sheets)

    def needs_date(self, name: str, data: bytes) -> bool:
        """True when a sheet gives no list date above its header (its deliveries would
        have no day)."""
        try:
            sheets = _workbook_rows(data, max_row=HEADER_SCAN_ROWS)
        except ReadError:
            return False
        for _, rows in sheets:
            header = layout.find_header(rows)
            if header is not None and list_date(_preamble(rows, header.index)) is None:
                return True
        return False

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        conversion = Conversion()
        facilities = _facilities(ctx.con)
        remembered = aliases(ctx.con)
        rules = load_category_rules()
        workbook = _workbook_rows(data)
        sheets = []
        for title, cells in workbook:
            sheet = parse_sheet(title, cells, ctx.dated())
            if sheet is not None:
                sheets.append(sheet)
            elif any(not values.is_blank(v) for row in cells for v in row):
                conversion.notes.append(Note("sheet_not_distribution", title))
        if not sheets:
            raise ReadError("not_a_table", _not_a_list(workbook))
        for sheet in sheets:
            if sheet.rows_after:
                conversion.notes.append(Note("rows_after_table", sheet.title,
                                             str(sheet.ended_at), sheet.rows_after))
            if sheet.subtotals:
                conversion.notes.append(Note("subtotals_skipped", sheet.title,
                                             count=sheet.subtotals))
        if not facilities:
            conversion.notes.append(Note("no_facilities"))
        records, rows = [], []
        many = len(sheets) > 1
        certain = kept = 0
        for sheet in sheets:
            if sheet.list_date is None:
                conversion.notes.append(Note("no_list_date", sheet.title))
            decisions = {}
            for block, recipient in enumerate(sheet.blocks):
                found = matching.match_name(recipient, facilities, LIST_REGION, remembered)
                decisions[block] = (matching.accept(found), matching.proposal(found), found)
            day = sheet.list_date
            stamp = day.strftime("%Y%m%d") if day else "nodate"
            for line in sheet.lines:
                base, base_unit, sure = interpret_spec(line.spec, line.unit, line.quantity)
                item = line.item
                if sure:
                    quantity, unit = base, base_unit
                    certain += bool(line.spec)
                else:
                    quantity, unit = line.quantity, line.unit or None
                    kept += bool(line.spec)
                    # The spec stays with the item so nobody loses what the sheet said.
                    item = f"{line.item}（规格：{line.spec}）" if line.spec else line.item
                sheet_part = f"{sheet.title}-" if many else ""
                record = {
                    "delivery_id": f"{ID_PREFIX}-{stamp}-{sheet_part}{line.row}",
                    "facility_id": None,
                    "supplier_id": SUPPLIER["org_id"],
                    "category": categorise(line.item, rules),
                    "item": item,
                    "quantity": quantity,
                    "unit": unit,
                    "delivered_on": day.isoformat() if day else None,
                    "status": "delivered",
                }
                accepted, proposed, _ = decisions[line.block]
                recipient = sheet.blocks[line.block]
                if accepted is not None:
                    record["facility_id"] = accepted.facility_id
                    records.append(record)
                    rows.append(line.row)
                    continue
                conversion.review.append(QueuedReview(
                    source=f"{name}#{sheet.title}" if many else name, row=line.row,
                    raw_name=recipient,
                    proposed_id=proposed.facility_id if proposed else None,
                    proposed_name=proposed.name if proposed else None,
                    confidence=proposed.confidence if proposed else 0.0,
                    kind="facility", payload=record, region=LIST_REGION,
                ))
        for code, n in (("lines_matched", len(records)), ("lines_to_review", len(conversion.review)),
                        ("specs_converted", certain), ("specs_kept", kept)):
            if n:
                conversion.notes.append(Note(code, count=n))
        if not _org_known(ctx.con):
            org = pd.DataFrame([SUPPLIER], dtype=object)
            conversion.tables.append(RawTable(name, org, [1], schema.ORGANIZATIONS,
                                              sheet="organizations"))
        if records:
            conversion.tables.append(RawTable(name, _deliveries_frame(records), rows,
                                              schema.DELIVERIES, sheet=sheets[0].title))
        return conversion


def _not_a_list(workbook: list[tuple[str, list[list]]]) -> str:
    """Why a workbook is refused, in words a person understands (both languages)."""
    if any(layout.find_other_header(rows) is not None for _, rows in workbook):
        return ("这是接收捐赠的清单（表头写捐赠方，没有接收单位），不是物资发放一览表"
                " / a list of donations received (its header names donors, no recipient),"
                " not a distribution list")
    return ("没有“接收单位、品名、数量”表头，不是物资发放一览表"
            " / no 接收单位 (recipient), 品名 (item) and 数量 (quantity) header:"
            " not a distribution list")


def _org_known(con) -> bool:
    """True when the store already holds the supplier (a hub's own record is kept)."""
    if con is None:
        return False
    # fetchall, not fetchone: DuckDB 2 keeps a result read in part open on the import's
    # connection, and then refuses to stage the import's rows on it (store.upsert).
    rows = con.execute("SELECT count(*) FROM organizations WHERE org_id = ?",
                       [SUPPLIER["org_id"]]).fetchall()
    return bool(rows and rows[0][0])


register(DistributionSheetFormat())
