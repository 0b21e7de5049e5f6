"""HXL: CSV with a row of Humanitarian Exchange Language hashtags.

The hashtag row may sit under the header row or replace it. Each hashtag is matched to
a schema column through ``Column.hxl`` (tag and attributes compared as a set, so
``#item+needed`` and ``#item +needed`` agree). A file whose tags include a table's key
becomes that table. A flat list of needs without ids — ``#loc+name``, ``#item+name``,
``#item+needed``, ``#date+reported``, ``#adm2+name`` or ``#adm2+code``, maybe
``#geo+lat``/``#geo+lon`` and ``#org`` — becomes facilities and needs with stable ids
made from the names, as the hospital-needs feed does.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from data_loaders.ingest import readers
from data_loaders.ingest.formats import Conversion, Format, ImportContext, register
from data_loaders.store import schema
from geo.names import normalise


def parse_tag(text: object) -> tuple[str, frozenset[str]] | None:
    """``#item +needed`` → ("#item", {"needed"}); None when the cell is not a hashtag."""
    cell = str(text or "").strip().lower().replace(" ", "")
    if not cell.startswith("#"):
        return None
    tag, *attributes = cell.split("+")
    return tag, frozenset(a for a in attributes if a)


def hashtag_row(rows: list[list[str]]) -> int | None:
    """Index of the hashtag row among the first two rows, or None."""
    for index, row in enumerate(rows[:2]):
        cells = [c for c in row if str(c).strip()]
        if cells and sum(parse_tag(c) is not None for c in cells) >= max(1, len(cells) // 2):
            return index
    return None


def _column_for(tag: tuple[str, frozenset[str]], table: schema.Table) -> str | None:
    """The column whose hashtag matches exactly, else the one with the same tag and
    the fewest extra attributes (HXL lets a file add attributes of its own)."""
    best = None
    for col in table.input_columns:
        own = parse_tag(col.hxl)
        if own is None or own[0] != tag[0]:
            continue
        if own[1] == tag[1]:
            return col.name
        if own[1] <= tag[1] and (best is None or len(own[1]) > best[0]):
            best = (len(own[1]), col.name)
    return best[1] if best else None


def _stable_id(prefix: str, *parts: object) -> str:
    text = "|".join(normalise(p) for p in parts)
    return prefix + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


class HxlFormat(Format):
    """CSV tagged with HXL hashtags."""

    name = "hxl"

    def sniff(self, name: str, data: bytes) -> bool:
        try:
            text, _ = readers.decode(data[:8192])
        except readers.ReadError:
            return False
        try:
            rows = readers.csv_rows(text)[:2]
        except readers.ReadError:
            return False
        return hashtag_row(rows) is not None

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        text, _ = readers.decode(data)
        rows = readers.csv_rows(text)  # refuses an overlong cell or header, as a CSV would be
        index = hashtag_row(rows)
        if index is None:
            raise readers.ReadError("not_a_table", "no HXL hashtag row")
        tags = [parse_tag(c) for c in rows[index]]
        body = [r for r in rows[index + 1:] if any(str(c).strip() for c in r)]
        numbers = [n for n, r in enumerate(rows[index + 1:], start=index + 2)
                   if any(str(c).strip() for c in r)]
        for table in schema.TABLES.values():
            mapping = {i: _column_for(t, table) for i, t in enumerate(tags) if t}
            if table.key in mapping.values():
                return Conversion(tables=[self._table(name, table, mapping, body, numbers)])
        return self._flat_needs(name, tags, body, numbers, ctx)

    @staticmethod
    def _table(name, table, mapping, body, numbers) -> readers.RawTable:
        # Several hashtags may fit one column (#geo+lat and #geo+lat+display): the
        # first in the file wins, as it is usually the plain one.
        columns: dict[int, str] = {}
        for i, column in mapping.items():
            if column and column not in columns.values():
                columns[i] = column
        frame = pd.DataFrame([[r[i] if i < len(r) else None for i in columns] for r in body],
                             columns=list(columns.values()), dtype=object)
        return readers.RawTable(name, frame, numbers, table)

    def _flat_needs(self, name, tags, body, numbers, ctx: ImportContext) -> Conversion:
        from data_loaders.ingest.formats.hospital_feed import facility_type, match_item

        def find(tag: str, *attributes: str) -> int | None:
            wanted = (tag, frozenset(attributes))
            exact = [i for i, t in enumerate(tags) if t == wanted]
            loose = [i for i, t in enumerate(tags) if t and t[0] == tag and wanted[1] <= t[1]]
            return (exact or loose or [None])[0]

        cols = {"loc": find("#loc", "name"), "item": find("#item", "name"),
                "needed": find("#item", "needed"), "value": find("#value"),
                "date": find("#date", "reported"), "adm2": find("#adm2", "name"),
                "adm2code": find("#adm2", "code"), "adm3": find("#adm3", "name"),
                "lat": find("#geo", "lat"), "lon": find("#geo", "lon"), "org": find("#org")}
        if cols["loc"] is None or cols["item"] is None:
            raise readers.ReadError("unknown_table", "HXL without a table key, #loc+name "
                                                     "or #item+name")
        dated = ctx.dated()

        def cell(row, key):
            i = cols[key]
            return row[i].strip() if i is not None and i < len(row) and row[i].strip() else None

        facilities, needs = {}, []
        for row, number in zip(body, numbers):
            place = cell(row, "loc")
            region = cell(row, "adm3") or cell(row, "adm2") or cell(row, "adm2code")
            fid = _stable_id("HXL-", region, place)
            facilities.setdefault(fid, {
                "facility_id": fid, "name": place, "facility_type": facility_type(place)[0],
                "region": region, "lat": cell(row, "lat"), "lon": cell(row, "lon"),
                "_row": number})
            item = cell(row, "item")
            known = match_item(item) if item else None
            reported = cell(row, "date") or (dated.isoformat() if dated else None)
            needs.append({
                "need_id": _stable_id("HXL-N-", fid, item, reported),
                "facility_id": fid, "reported_on": reported, "item": item,
                "category": known.category if known else "other",
                "quantity": cell(row, "needed") or cell(row, "value"),
            })
        fac_frame = pd.DataFrame([{k: v for k, v in f.items() if k != "_row"}
                                  for f in facilities.values()], dtype=object)
        fac_rows = [f["_row"] for f in facilities.values()]
        return Conversion(tables=[
            readers.RawTable(name, fac_frame, fac_rows, schema.FACILITIES, sheet="facilities"),
            readers.RawTable(name, pd.DataFrame(needs, dtype=object), numbers, schema.NEEDS,
                             sheet="needs"),
        ])


def to_hxl_csv(frame: pd.DataFrame, table: schema.Table) -> pd.DataFrame:
    """``frame`` with the table's hashtags as its first row, ready to write as CSV."""
    tags = {c.name: c.hxl for c in table.columns}
    header = pd.DataFrame([[tags.get(c, "") for c in frame.columns]], columns=frame.columns)
    return pd.concat([header, frame.astype(object)], ignore_index=True)


register(HxlFormat())
