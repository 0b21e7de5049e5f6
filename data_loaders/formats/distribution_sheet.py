"""The official distribution sheet (物资发放一览表), as the Wuhan Red Cross published it.

A workbook laid out for printing: a title row, a date (often an Excel serial such as
43860 in a cell of its own), a blank row, then ``接收单位, 品名, 规格, 计量单位, 数量``.
The recipient is written once per block (merged cells), long names wrap onto a second
row, and cells carry zero-width and non-breaking spaces.

Each line becomes a delivery of the distributing organisation to a facility, but only
when its recipient matched a known facility with certainty (``data_loaders.matching``);
the other lines become review items whose payload is the delivery a confirmation would
create (``data_loaders.review``). See docs/FORMATS-distribution-sheet.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from data_loaders import matching, schema, values
from data_loaders.formats import STAGE_MATCHED, Conversion, Format, ImportContext, Note, register
from data_loaders.quantities_spec import interpret_spec
from data_loaders.readers import WORKBOOK_ERRORS, RawTable, ReadError, open_workbook
from data_loaders.review import QueuedReview, aliases
from data_loaders.rules import load_rules

# The distributing organisation: every line of the sheet is its delivery.
SUPPLIER = {"org_id": "ORG-RC-WUHAN", "name": "武汉市红十字会", "org_type": "other",
            "region": "420100"}
LIST_REGION = "420100"  # recipients on this list are in Wuhan unless written otherwise
ID_PREFIX = "RC"
HEADER_SCAN_ROWS = 15

# Header spellings -> our field. A header row needs a recipient, an item and a quantity.
HEADERS = {
    "recipient": ("接收单位", "受赠单位", "接收方", "受助单位", "受捐单位"),
    "item": ("品名", "物资名称", "物资", "名称"),
    "spec": ("规格", "规格型号", "型号"),
    "unit": ("计量单位", "单位"),
    "quantity": ("数量", "数目", "发放数量"),
}
REQUIRED = ("recipient", "item", "quantity")
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


def _cell(value: object) -> str:
    """Cell text without zero-width/NBSP noise and with inner runs of spaces collapsed."""
    if values.is_blank(value):
        return ""
    return _SPACES.sub(" ", values.clean_text(value))


def _header_map(row: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        text = _cell(value).replace(" ", "")
        for fieldname, spellings in HEADERS.items():
            if fieldname not in found and text in spellings:
                found[fieldname] = index
    return found


def find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    """The index of the header row within the first rows and its column map, or None."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = _header_map(row)
        if all(name in mapping for name in REQUIRED):
            return index, mapping
    return None


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
        return [(ws.title, [list(r) for r in ws.iter_rows(max_row=max_row, values_only=True)])
                for ws in book.worksheets]
    except WORKBOOK_ERRORS as exc:
        raise ReadError("not_a_table", f"not a readable workbook: {exc}") from exc
    finally:
        book.close()


def parse_sheet(title: str, rows: list[list], fallback: date | None) -> Sheet | None:
    """Read one worksheet's blocks and lines; None when it has no distribution header.

    Forward-fills the recipient down its block; a row holding only a recipient fragment
    (no item, no quantity) continues the previous recipient's name; a recipient cell
    holding only a region name (``武汉市``) starts a name that the next recipient cell
    completes.
    """
    found = find_header(rows)
    if found is None:
        return None
    header_index, cols = found
    day = list_date(rows[:header_index])
    sheet = Sheet(title, day or fallback, "sheet" if day else ("context" if fallback else "none"))

    def get(row: list, name: str) -> str:
        index = cols.get(name)
        return _cell(row[index]) if index is not None and index < len(row) else ""

    def raw(row: list, name: str):
        index = cols.get(name)
        return row[index] if index is not None and index < len(row) else None

    pending_prefix = ""  # a bare region name waiting for the rest of the recipient
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
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
        sheet.lines.append(Line(offset, len(sheet.blocks) - 1, item, get(row, "spec"),
                                get(row, "unit"), quantity))
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
    label_zh = "物资发放一览表"
    label_en = "Official distribution sheet"
    stage = STAGE_MATCHED

    def sniff(self, name: str, data: bytes) -> bool:
        if data[:4] != b"PK\x03\x04":
            return False
        try:
            # Only the first rows: sniffing must stay cheap on a large template workbook.
            sheets = _workbook_rows(data, max_row=HEADER_SCAN_ROWS)
        except ReadError:
            return False
        return any(find_header(rows) is not None for _, rows in sheets)

    def needs_date(self, name: str, data: bytes) -> bool:
        """True when a sheet gives no list date above its header (its deliveries would
        have no day)."""
        try:
            sheets = _workbook_rows(data, max_row=HEADER_SCAN_ROWS)
        except ReadError:
            return False
        for _, rows in sheets:
            found = find_header(rows)
            if found is not None and list_date(rows[:found[0]]) is None:
                return True
        return False

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        conversion = Conversion()
        facilities = _facilities(ctx.con)
        remembered = aliases(ctx.con)
        rules = load_category_rules()
        sheets = [s for title, rows in _workbook_rows(data)
                  if (s := parse_sheet(title, rows, ctx.dated())) is not None]
        if not sheets:
            raise ReadError("not_a_table", "no 接收单位/品名/数量 header in the first rows")
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
                    kind="facility", payload=record,
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


def _org_known(con) -> bool:
    """True when the store already holds the supplier (a hub's own record is kept)."""
    if con is None:
        return False
    row = con.execute("SELECT count(*) FROM organizations WHERE org_id = ?",
                      [SUPPLIER["org_id"]]).fetchone()
    return bool(row and row[0])


register(DistributionSheetFormat())
