"""Daily snapshots of the hospital supply-needs feed, flattened to one CSV.

Each row is one hospital on one snapshot day, with a ``need:<item>`` column per
standard item (0 not needed, 1 needed without a quantity, > 1 a quantity). Days
without a change are absent, so a day's state is carried forward and only
consecutive snapshots *present in the file* are compared. From them each need's
life is rebuilt: it opens on the first snapshot that lists it and is met on the
first later snapshot that no longer does; if it comes back, that is a new need.
Facilities get the same ids as in ``hospital_feed`` so the two sources agree.
"""

from __future__ import annotations

from datetime import date

from data_loaders.ingest import readers
from data_loaders.ingest.formats import STAGE_SNAPSHOTS, Conversion, Format, ImportContext, Note, register
from data_loaders.ingest.formats.hospital_feed import (
    display_name,
    facility_id,
    facility_region,
    facility_type,
    item_for_key,
    raw_table,
)
from data_loaders.store import schema

HEADER_START = "snapshot_date,commit,"
NEED_PREFIX = "need:"


def _number(text: str) -> float:
    """A cell of a ``need:`` column; blank or unreadable counts as not needed."""
    try:
        return float(str(text).strip() or 0)
    except ValueError:
        return 0.0


def rebuild(snapshots: dict[date, dict[tuple[str, str], float]]) -> list[dict]:
    """Rebuild need spells from snapshots of ``{(facility_id, item_code): value}``.

    Parameters
    ----------
    snapshots : dict
        Per snapshot date, the value of every listed (facility, item); values ≤ 0
        mean not listed.

    Returns
    -------
    list of dict
        One spell per need: ``facility_id``, ``code``, ``opened`` (first snapshot
        listing it), ``closed`` (first later snapshot not listing it, or None while
        still listed on the last snapshot) and ``value`` (the value on the last
        snapshot of the spell).
    """
    days = sorted(snapshots)
    open_spells: dict[tuple[str, str], dict] = {}
    spells: list[dict] = []
    for day in days:
        listed = {key: v for key, v in snapshots[day].items() if v > 0}
        for key in list(open_spells):
            if key not in listed:
                spell = open_spells.pop(key)
                spell["closed"] = day
        for key, value in listed.items():
            spell = open_spells.get(key)
            if spell is None:
                spell = {"facility_id": key[0], "code": key[1], "opened": day,
                         "closed": None, "value": value}
                open_spells[key] = spell
                spells.append(spell)
            spell["value"] = value
    return spells


class HospitalHistoryFormat(Format):
    """The hospital feed's daily history (``hospital_needs_history_daily.csv``)."""

    name = "hospital_history"
    stage = STAGE_SNAPSHOTS

    def sniff(self, name: str, data: bytes) -> bool:
        first = data[:8192].split(b"\n", 1)[0]
        try:
            header = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        return header.startswith(HEADER_START) and NEED_PREFIX in header

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        text, _ = readers.decode(data)
        # readers.csv_rows refuses a header too wide or a cell too large, with its line.
        lines = readers.csv_rows(text)
        columns = [c.strip() for c in lines[0]] if lines else []
        reader = (dict(zip(columns, line + [""] * (len(columns) - len(line)))) for line in lines[1:])
        need_cols = [c for c in columns if c.startswith(NEED_PREFIX)]
        missing = {"snapshot_date", "prefecture_name", "district", "hospital_name"} - set(columns)
        if missing or not need_cols:
            raise readers.ReadError("not_a_table", f"missing columns: {', '.join(sorted(missing))}")
        notes: list[Note] = []
        items = {}
        for col in need_cols:
            item = item_for_key(col[len(NEED_PREFIX):])
            if item is None:
                notes.append(Note("unknown_item_column", detail=col))
            else:
                items[col] = item
        from geo.regions import load_registry

        registry = load_registry()
        facilities: dict[str, dict] = {}
        fac_rows: dict[str, int] = {}
        first_row: dict[tuple[date, str], int] = {}
        snapshots: dict[date, dict[tuple[str, str], float]] = {}
        nameless = 0
        for number, row in enumerate(reader, start=2):
            try:
                day = date.fromisoformat(row["snapshot_date"].strip())
            except ValueError as exc:
                raise readers.ReadError(
                    "not_a_table", f"row {number}: bad snapshot_date {row['snapshot_date']!r}") from exc
            snapshot = snapshots.setdefault(day, {})
            label = display_name(row["hospital_name"])
            if not label:
                nameless += 1
                continue
            city, district = row["prefecture_name"], row["district"]
            fid = facility_id(city, district, row["hospital_name"])
            if fid not in facilities:
                ftype, by_default = facility_type(label)
                region, region_note = facility_region(city, district, registry)
                facilities[fid] = {"facility_id": fid, "name": label, "facility_type": ftype,
                                   "region": region}
                fac_rows[fid] = number
                if by_default:
                    notes.append(Note("type_default", label, ftype))
                if region_note:
                    notes.append(Note("region_outside", label, region_note))
            first_row.setdefault((day, fid), number)
            for col, item in items.items():
                value = _number(row[col])
                key = (fid, item.code)
                # A hospital listed twice on one day (a duplicate record): keep the larger.
                if value > snapshot.get(key, 0):
                    snapshot[key] = value
        if nameless:
            notes.append(Note("skipped_no_name", count=nameless))
        by_code = {item.code: item for item in items.values()}
        needs, need_rows = [], []
        for spell in rebuild(snapshots):
            item = by_code[spell["code"]]
            quantity = spell["value"] if spell["value"] > 1 else None
            closed = spell["closed"]
            needs.append({
                "need_id": f"{spell['facility_id']}:{item.code}:{spell['opened']:%Y%m%d}",
                "facility_id": spell["facility_id"], "reported_on": spell["opened"].isoformat(),
                "category": item.category, "item": item.key, "quantity": quantity,
                "unit": item.unit if quantity is not None else None, "priority": "normal",
                "status": "met" if closed else "open",
                "closed_on": closed.isoformat() if closed else None,
            })
            need_rows.append(first_row[(spell["opened"], spell["facility_id"])])
        tables = [
            raw_table(name, schema.FACILITIES, list(facilities.values()), list(fac_rows.values())),
            raw_table(name, schema.NEEDS, needs, need_rows),
        ]
        return Conversion(tables=[t for t in tables if t is not None], notes=notes)


register(HospitalHistoryFormat())
