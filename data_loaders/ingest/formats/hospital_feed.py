"""The wuhan2020 hospital supply-needs feed: one JSON list of hospitals per prefecture.

Each record names a hospital (or a Red Cross branch, a charity, a construction site
...) with the standard supply items it asked for and a free-text remark. The feed
carries no dates, so every need is dated with ``--as-of`` or the date in the folder
name. Identities are derived from the record so that importing the same snapshot
twice changes nothing and the daily history (``hospital_history``) lands on the same
facilities. Rules (item categories, facility types) live in ``data_loaders/rules``;
docs/FORMATS-hospital-needs.md explains them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from data_loaders.ingest import readers, values
from data_loaders.ingest.formats import STAGE_FEED, Conversion, Format, ImportContext, Note, register
from data_loaders.ingest.quantities import UNITS, normalise_text, split_item_quantity, split_outside_brackets
from data_loaders.ingest.rules import load_rules
from data_loaders.store import schema
from geo.names import normalise

ID_PREFIX = "W2020-"

# Lines that carry a person's name or number are dropped whole, never kept as notes,
# because the feed's contacts are personal data (even where the number is redacted,
# the name beside it is not): lines with one of these words, or with anything
# values.strip_contacts would remove.
_CONTACT_WORDS_RE = re.compile(r"redacted|联系人|联系电话|联系方式|电话|手机|微信号|老师|护士长")
_LINE_SPLIT_RE = re.compile(r"\r\n|[\r\n；;。]")
# Enumerators in front of a line: "1.", "3、", "A1、", "(1)", "B9、".
_ENUM_RE = re.compile(r"^\s*(?:[A-Za-z]?\d{1,2}\s*[、.．]|[(（]\d{1,2}[)）]|\d{1,2}\s*[)）])\s*")
# Verbs in front of a request ("另需过氧化氢2万瓶"): not part of the item.
_LEAD_RE = re.compile(r"^(?:另需|还需|需要|急需|急缺|补充)[:：]?\s*")
# Urgency words are a rule table shared with mapped sheets (rules/urgency_words.csv).
_URGENT_RE = re.compile("|".join(re.escape(r["word"]) for r in load_rules("urgency_words")))
_DESIGNATED_RE = re.compile(r"定点救治")
# Words that join two items: a piece containing one is never read as one need.
_JOIN_RE = re.compile(r"或|和|及|等|/")
_PAREN_RE = re.compile(r"\([^()]*\)")
_TRAILING_PAREN_RE = re.compile(r"\s*\([^()]*\)\s*$")
_QTY_INSIDE_RE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万|千)?\s*(?:" + "|".join(re.escape(u) for u in UNITS) + ")",
    re.IGNORECASE,
)


# -- rule tables -----------------------------------------------------------------------
@dataclass(frozen=True)
class SupplyItem:
    """One row of ``rules/supply_items.csv``."""

    code: str
    key: str  # the feed's standard item name; "" for free-text-only rows
    pattern: re.Pattern | None
    category: str
    unit: str


@lru_cache(maxsize=1)
def supply_items() -> tuple[SupplyItem, ...]:
    """The supply-item rules, in file order.

    Returns
    -------
    tuple of SupplyItem
        Every row of ``supply_items.csv`` with its pattern compiled. A category that
        the schema does not know raises ValueError here rather than at import time.
    """
    allowed = set(schema.NEEDS.column("category").values)
    items = []
    for row in load_rules("supply_items"):
        if row["category"] not in allowed:
            raise ValueError(f"supply_items.csv: unknown category {row['category']!r}")
        pattern = re.compile(row["pattern"], re.IGNORECASE) if row["pattern"] else None
        items.append(SupplyItem(row["code"], row["key"], pattern, row["category"], row["unit"]))
    return tuple(items)


def item_for_key(key: object) -> SupplyItem | None:
    """The standard item whose feed name is ``key`` (compared after normalisation)."""
    wanted = normalise(key)
    for item in supply_items():
        if item.key and normalise(item.key) == wanted:
            return item
    return None


def match_item(text: object) -> SupplyItem | None:
    """The one supply item a free text names, or None when none or several fit.

    A row whose every match lies inside a longer match of another row is ignored
    (``N95口罩`` is the N95 row, not also the generic mask row); any two rows that
    still match make the text ambiguous, and ambiguous texts are never guessed.
    """
    spans: dict[str, list[tuple[int, int]]] = {}
    rows: dict[str, SupplyItem] = {}
    for item in supply_items():
        if item.pattern is None:
            continue
        found = [m.span() for m in item.pattern.finditer(text) if m.end() > m.start()]
        if found:
            spans[item.code] = found
            rows[item.code] = item

    def inside_other(code: str) -> bool:
        return all(
            any(o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0])
                for other, os_ in spans.items() if other != code for o in os_)
            for s in spans[code]
        )

    kept = [code for code in spans if not inside_other(code)]
    return rows[kept[0]] if len(kept) == 1 else None


@lru_cache(maxsize=1)
def _type_rules() -> tuple[tuple[re.Pattern, str, str], ...]:
    allowed = set(schema.FACILITIES.column("facility_type").values)
    rules = []
    for row in load_rules("facility_type_rules"):
        if row["facility_type"] not in allowed:
            raise ValueError(f"facility_type_rules.csv: unknown type {row['facility_type']!r}")
        rules.append((re.compile(row["pattern"]), row["facility_type"], row["pattern"]))
    return tuple(rules)


def facility_type(name: object) -> tuple[str, bool]:
    """Classify a record by its name with ``facility_type_rules.csv`` (first match wins).

    Returns
    -------
    tuple of (str, bool)
        The facility type and whether it came from the catch-all default rule
        (such records are noted for review).
    """
    text = normalise(name)
    rules = _type_rules()
    for pattern, ftype, source in rules:
        if pattern.search(text):
            return ftype, source == ".*"
    return "other", True


# -- identities and places -------------------------------------------------------------
def display_name(name: object) -> str:
    """The name as shown: whitespace runs (tabs, line breaks) become one space."""
    return re.sub(r"\s+", " ", normalise_text(name)).strip()


def facility_key(city: object, district: object, name: object) -> str:
    """The identity of a facility: ``city|district|name``, each normalised."""
    return "|".join(normalise(part) for part in (city, district, name))


def facility_id(city: object, district: object, name: object) -> str:
    """A stable facility id: ``W2020-`` + the first 10 hex digits of sha1(key)."""
    digest = hashlib.sha1(facility_key(city, district, name).encode("utf-8")).hexdigest()
    return ID_PREFIX + digest[:10]


def facility_region(city: object, district: object, registry=None) -> tuple[str, str | None]:
    """The region to file a facility under, and the district it set aside, if any.

    The district is used when it resolves to a place inside the record's own city;
    otherwise the city (a district the registry does not know, such as 高新区, or one
    in another prefecture, which the note reports). Known regions are given as
    adcodes so validation cannot re-resolve them elsewhere.
    """
    if registry is None:
        from geo.regions import load_registry

        registry = load_registry()
    city_region = registry.resolve_prefecture(city)
    city_value = city_region.adcode if city_region else display_name(city)
    if not normalise(district):
        return city_value, None
    district_region = registry.resolve(district)
    if district_region is None or district_region.prefecture is None:
        return city_value, None
    if city_region is not None and district_region.prefecture == city_region.adcode:
        return district_region.adcode, None
    # The note's detail is the district set aside; the catalogue says the rest.
    return city_value, f"{display_name(district)} ∉ {display_name(city)}"


def scrub(text: str) -> str:
    """Remove contacts from a note: the scrubber every format uses
    (:func:`data_loaders.ingest.values.strip_contacts`), as a second safety net."""
    return values.strip_contacts(text)


def _has_contact(line: str) -> bool:
    """True for a remark line that names or reaches a person."""
    return bool(_CONTACT_WORDS_RE.search(line)) or values.has_contact(line)


# -- remarks ---------------------------------------------------------------------------
@dataclass
class RemarkNeed:
    """A need read from a remark line: ``<known item> <quantity><unit>``."""

    text: str
    item: SupplyItem
    quantity: float
    unit: str | None
    urgent: bool


@dataclass
class Remark:
    """What a remark holds: needs, text kept as notes, and flags."""

    needs: list[RemarkNeed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    designated: bool = False
    urgent_codes: set[str] = field(default_factory=set)
    urgent_all: bool = False
    dropped_contact_lines: int = 0


_PIECE_SEPARATOR = re.compile(r"[，,、]")


def _split_pieces(line: str) -> list[str]:
    """Split at commas and 、 outside brackets (洗漱用品（毛巾2、口杯1）stays whole)."""
    return split_outside_brackets(line, _PIECE_SEPARATOR)


def parse_piece(piece: str) -> tuple[str, SupplyItem, float, str | None] | None:
    """Read one piece as ``<known item> <quantity><unit>``; None unless unambiguous.

    Refused: no trailing quantity; a quantity of 1 or less (in the feed 1 is a flag,
    so ``医用面屏：1`` may not mean one); an item with a colon (``账号：…``), a joining
    word (``酒精棉球或棉布``) or a second quantity inside (``分析仪800份测速机``); an
    item that names no known supply, or several.
    """
    text = normalise_text(piece)
    parsed = split_item_quantity(text)
    if parsed is None and _TRAILING_PAREN_RE.search(text):
        # "呼吸机3台(感染患者急用)": a comment after the quantity.
        parsed = split_item_quantity(_TRAILING_PAREN_RE.sub("", text))
    if parsed is None:
        return None
    item_text, quantity, unit = parsed
    core = _PAREN_RE.sub("", item_text)
    if quantity <= 1 or ":" in item_text or _JOIN_RE.search(core) or _QTY_INSIDE_RE.search(core):
        return None
    item = match_item(core)
    if item is None:
        return None
    return item_text, item, quantity, unit


def parse_remark(text: object) -> Remark:
    """Split a remark into needs it states unambiguously and notes for the rest.

    Parameters
    ----------
    text : object
        The record's ``remark``.

    Returns
    -------
    Remark
        Lines are split at line breaks and ``；。``, then into pieces at commas and
        ``、``. A line none of whose pieces is a need is kept whole as a note; in a line
        with needs, the other pieces are noted one by one. Lines with contact details
        are dropped and only counted; ``定点救治`` sets ``designated``; urgency words
        mark the items named on their line (or every item when the line names none).
    """
    out = Remark()
    for raw_line in _LINE_SPLIT_RE.split(normalise_text(text)):
        line = raw_line.strip()
        if not line:
            continue
        if _has_contact(line):
            out.dropped_contact_lines += 1
            continue
        if _DESIGNATED_RE.search(line):
            out.designated = True
            continue
        body = _LEAD_RE.sub("", _ENUM_RE.sub("", line))
        urgent = bool(_URGENT_RE.search(line))
        pieces = _split_pieces(body)
        parsed = [(piece, parse_piece(piece)) for piece in pieces]
        found = [p for _, p in parsed if p is not None]
        for item_text, item, quantity, unit in found:
            out.needs.append(RemarkNeed(item_text, item, quantity, unit, urgent))
        if not found:
            out.notes.append(line)
        else:
            out.notes.extend(piece for piece, p in parsed if p is None)
        if urgent:
            named = {m.code for m in (match_item(normalise_text(p)) for p in pieces) if m}
            if named:
                out.urgent_codes |= named
            else:
                out.urgent_all = True
    return out


# -- the format ------------------------------------------------------------------------
def _load(data: bytes) -> list:
    text, _ = readers.decode(data)
    doc = readers.load_json(text)
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise readers.ReadError("not_a_table", "the hospital feed is a JSON list of records")
    return doc


def _supply_quantity(value: object) -> tuple[bool, float | None]:
    """(needed, quantity) from a supply's ``value``: 1 or empty = needed, no quantity."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True, None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return True, None
    if number <= 0:
        return False, None
    return True, (number if number > 1 else None)


def _keep_max(needs: dict, need: dict, row: int, rows: dict) -> None:
    """Merge a repeated need (duplicate records): one need, the larger quantity."""
    old = needs.get(need["need_id"])
    if old is None:
        needs[need["need_id"]] = need
        rows[need["need_id"]] = row
        return
    if need["quantity"] is not None and (old["quantity"] is None or need["quantity"] > old["quantity"]):
        old["quantity"], old["unit"] = need["quantity"], need["unit"]
    if need["priority"] == "urgent":
        old["priority"] = "urgent"


class HospitalFeedFormat(Format):
    """The wuhan2020 hospital supply-needs feed (``fe_<date>/<prefecture>.json``)."""

    name = "hospital_feed"
    stage = STAGE_FEED

    def sniff(self, name: str, data: bytes) -> bool:
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"[") or b'"supplies"' not in data[:65536]:
            return False
        try:
            doc = _load(data)
        except readers.ReadError:
            return False
        first = doc[0] if doc else {}
        return "supplies" in first and "name" in first and ("city" in first or "province" in first)

    def needs_date(self, name: str, data: bytes) -> bool:
        # The feed lists what hospitals asked for, never when: the snapshot's day is
        # the folder's name (fe_2020-02-19) or what the person importing says.
        return True

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        records = _load(data)
        reported = ctx.dated()
        if reported is None:
            raise readers.ReadError(
                "needs_date", "this feed has no dates; give --as-of or a dated folder")
        day = reported.isoformat()
        from geo.regions import load_registry

        registry = load_registry()
        facilities: dict[str, dict] = {}
        fac_rows: dict[str, int] = {}
        needs: dict[str, dict] = {}
        need_rows: dict[str, int] = {}
        notes: list[Note] = []
        dropped = nameless = 0
        for number, record in enumerate(records, start=1):
            label = display_name(record.get("name"))
            if not label:
                nameless += 1
                continue
            city = record.get("city") or record.get("province")
            fid = facility_id(city, record.get("district"), record.get("name"))
            remark = parse_remark(record.get("remark"))
            # Notes name the city too: several branches are called just 红十字会.
            where = f"{display_name(city)} {label}"
            dropped += remark.dropped_contact_lines
            if fid not in facilities:
                ftype, by_default = facility_type(label)
                region, region_note = facility_region(city, record.get("district"), registry)
                facilities[fid] = {"facility_id": fid, "name": label, "facility_type": ftype,
                                   "region": region, "designated": None}
                fac_rows[fid] = number
                if by_default:
                    notes.append(Note("type_default", where, ftype))
                if region_note:
                    notes.append(Note("region_outside", where, region_note))
            if remark.designated:
                facilities[fid]["designated"] = True

            def need(need_id, item, text, quantity, unit, urgent, fid=fid):
                return {"need_id": need_id, "facility_id": fid, "reported_on": day,
                        "category": item.category, "item": text, "quantity": quantity,
                        "unit": unit if quantity is not None else None,
                        "priority": "urgent" if urgent else "normal", "status": "open"}

            for supply in record.get("supplies") or []:
                key = (supply or {}).get("key")
                item = item_for_key(key)
                if item is None:
                    notes.append(Note("unknown_item", where, display_name(key)))
                    continue
                needed, quantity = _supply_quantity(supply.get("value"))
                if not needed:
                    continue
                urgent = remark.urgent_all or item.code in remark.urgent_codes
                row = need(f"{fid}:{item.code}", item, item.key, quantity, item.unit, urgent)
                _keep_max(needs, row, number, need_rows)
            for extra in remark.needs:
                digest = hashlib.sha1(normalise(extra.text).encode("utf-8")).hexdigest()[:6]
                row = need(f"{fid}:remark:{extra.item.code}-{digest}", extra.item, extra.text,
                           extra.quantity, extra.unit, extra.urgent)
                _keep_max(needs, row, number, need_rows)
            for text in remark.notes:
                note = Note("remark_kept", where, scrub(text))
                if note not in notes:
                    notes.append(note)
        if nameless:
            notes.append(Note("skipped_no_name", count=nameless))
        if dropped:
            notes.append(Note("contacts_dropped", count=dropped))
        reused = _continue_open_needs(ctx.con, needs)
        if reused:
            notes.append(Note("needs_continued", count=reused))
        tables = [
            raw_table(name, schema.FACILITIES, list(facilities.values()), list(fac_rows.values())),
            raw_table(name, schema.NEEDS, list(needs.values()), list(need_rows.values())),
        ]
        # Every note, not only remarks: a record's name or supply key may hold a contact.
        return Conversion(tables=[t for t in tables if t is not None],
                          notes=[note.scrubbed() for note in notes])


def _continue_open_needs(con, needs: dict) -> int:
    """Give a need that is already open in the store (same facility and item, e.g. from
    the daily snapshots) its existing id and report date, so the two sources describe
    one need instead of counting it twice. Returns how many were continued."""
    if con is None or not needs:
        return 0
    facility_ids = sorted({n["facility_id"] for n in needs.values()})
    rows = con.execute(
        "SELECT facility_id, item, need_id, reported_on FROM needs "
        "WHERE status = 'open' AND facility_id IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY reported_on",
        [facility_ids],
    ).fetchall()
    open_needs = {(fid, item): (nid, day) for fid, item, nid, day in rows}
    continued = 0
    for need in needs.values():
        match = open_needs.get((need["facility_id"], need["item"]))
        if match:
            need["need_id"], need["reported_on"] = match[0], match[1].isoformat()
            continued += 1
    return continued


def raw_table(source: str, table: schema.Table, rows: list[dict], numbers: list[int]):
    """A template-shaped raw table (schema column names as headers) or None if empty."""
    if not rows:
        return None
    frame = pd.DataFrame(rows, dtype=object)
    return readers.RawTable(source, frame, numbers, table=table, sheet=table.name)


register(HospitalFeedFormat())
