"""What a foreign sheet's cells say, as evidence for the column mapping.

Headers alone mislead: ``名称, 城市, 类型`` reads as a facility list, but if the names
are 基金会, 红十字会 and 公司 it is a list of organisations. So the suggestion also looks
at the values of each column: the share of cells that parse as dates or numbers,
resolve as region names (``geo.regions``), are named like hospitals or hotels by
``rules/facility_type_rules.csv``, like organisations by ``rules/org_type_rules.csv``,
name a known supply (``rules/supply_items.csv``) or are allowed values of an enum column.
Which kind of content suits which column of which table is data too
(``rules/column_content.csv``); typed columns (dates, numbers, regions) follow the schema.

It also finds the header row of a sheet laid out for printing (title rows, a date line,
a two-row merged header above the table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import pandas as pd

from data_loaders.ingest import values
from data_loaders.ingest.rules import load_rules
from data_loaders.store import schema

# Cells looked at per column: enough to judge, cheap on a 50,000-row sheet.
SAMPLE_ROWS = 200
# A kind of content counts for a column when at least HIGH of its non-blank cells are of
# that kind, and against a typed column when at most LOW are (a date column of names).
HIGH, LOW = 0.6, 0.2
# Kinds of content that a typed column expects (the column's schema kind decides).
TYPED = {schema.DATE: "date", schema.INT: "number", schema.FLOAT: "number",
         schema.REGION: "region", schema.BOOL: "bool"}
# The order in which kinds are named when explaining a table choice: what tells tables
# apart first (facility or organisation names, supplies), generic kinds last.
REASON_ORDER = ("facility", "org", "supply", "date", "region", "number", "choice")
# A header cell: short text, not a number or a date (a title is one long cell).
HEADER_CELL_MAX = 40
# The evidence of cells that a typed column could not take at all (a column of 进行中
# mapped to a status, of names to a date): the pair is never suggested, as validation
# would refuse nearly every row.
VETO = float("-inf")
HEADER_ROWS_SCANNED = 15


@dataclass(frozen=True)
class ColumnProfile:
    """What one column's (sampled) cells look like.

    ``shares`` holds, per kind, the share of non-blank cells of that kind (``date``,
    ``number``, ``region``, ``bool``, ``facility``, ``org``, ``supply``); ``facility_type``
    is the type most of the facility-like names have; ``cells`` the distinct non-blank
    texts (for enum columns, matched against their allowed values).
    """

    filled: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    facility_type: str | None = None
    cells: tuple[str, ...] = ()

    def share(self, kind: str) -> float:
        """The share of non-blank cells of ``kind`` (0 when none were looked at)."""
        return self.shares.get(kind, 0.0)


# --- Recognisers ------------------------------------------------------------------


def _is_date(value: object) -> bool:
    # A bare number is never taken for a date here: Excel serials (43860) look like
    # counts, and a column of counts must not read as dates.
    if isinstance(value, (datetime, date)):
        return True
    if isinstance(value, (int, float)) or _is_number(value):
        return False
    return _parses(values.parse_date, value)


def _is_number(value: object) -> bool:
    return not isinstance(value, (datetime, date)) and _parses(values.parse_number, value)


def _is_bool(value: object) -> bool:
    return _parses(values.parse_bool, value)


def _parses(parse, value: object) -> bool:
    """True when ``parse`` (one of data_loaders.ingest.values' parsers) reads ``value``."""
    try:
        parse(value)
    except values.ValueProblem:
        return False
    return True


@lru_cache(maxsize=1)
def _org_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(row["pattern"]) for row in load_rules("org_type_rules"))


def _facility_type(text: str) -> str | None:
    """The type the facility rules give a name, or None for organisations and the unknown.

    Only care sites count (hospital, quarantine site, makeshift hospital...): the rules
    file Red Cross branches and command centres as ``other``, which says "not a
    facility" here.
    """
    from data_loaders.ingest.formats.hospital_feed import facility_type

    ftype, by_default = facility_type(text)
    return None if by_default or ftype == "other" else ftype


def _names_supply(text: str) -> bool:
    from data_loaders.ingest.formats.hospital_feed import supply_items

    return any(item.pattern is not None and item.pattern.search(text) for item in supply_items())


def profile_column(cells) -> ColumnProfile:
    """Profile the cells of one column (the first ``SAMPLE_ROWS`` non-blank ones).

    Parameters
    ----------
    cells : iterable
        The column's raw cells.

    Returns
    -------
    ColumnProfile
    """
    from geo.regions import load_registry

    registry = load_registry()
    kept = [c for c in cells if not values.is_blank(c)][:SAMPLE_ROWS]
    if not kept:
        return ColumnProfile()
    texts = [values.clean_text(c) for c in kept]
    counts = dict.fromkeys(("date", "number", "region", "bool", "facility", "org", "supply"), 0)
    types: dict[str, int] = {}
    for cell, text in zip(kept, texts):
        if _is_date(cell):
            counts["date"] += 1
            continue
        if _is_number(cell):
            counts["number"] += 1
        if _is_bool(cell):
            counts["bool"] += 1
        if registry.resolve(text) is not None:
            counts["region"] += 1
        ftype = _facility_type(text)
        if ftype:
            counts["facility"] += 1
            types[ftype] = types.get(ftype, 0) + 1
        if any(p.search(text) for p in _org_patterns()):
            counts["org"] += 1
        if _names_supply(text):
            counts["supply"] += 1
    n = len(kept)
    main_type = max(types, key=lambda t: (types[t], t)) if types else None
    return ColumnProfile(n, {k: v / n for k, v in counts.items()}, main_type,
                         tuple(dict.fromkeys(texts)))


def profile_frame(frame: pd.DataFrame | None) -> list[ColumnProfile]:
    """Profiles of every column of ``frame``, by position (headers may repeat)."""
    if frame is None:
        return []
    return [profile_column(frame.iloc[:SAMPLE_ROWS * 2, i]) for i in range(frame.shape[1])]


# --- Evidence ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def content_rules() -> dict[tuple[str, str], dict[str, float]]:
    """``rules/column_content.csv`` as {(table, column): {kind: evidence}}."""
    found: dict[tuple[str, str], dict[str, float]] = {}
    for row in load_rules("column_content"):
        found.setdefault((row["table"], row["column"]), {})[row["kind"]] = float(row["evidence"])
    return found


def _choice_share(profile: ColumnProfile, column: schema.Column) -> float:
    lookup = schema.choice_lookup(column)
    hits = sum(text.lower() in lookup for text in profile.cells)
    return hits / len(profile.cells) if profile.cells else 0.0


def content_evidence(profile: ColumnProfile, table: schema.Table, target: str,
                     column: schema.Column) -> tuple[float, str | None]:
    """How much a column's content supports mapping it to ``target`` (-1..1), and why.

    Returns ``(evidence, kind)``: ``kind`` names the content that counted for the target
    (``date``, ``region``, ``facility``...), None when nothing did. A typed column
    (dates, numbers, regions, yes/no, allowed values) whose cells are at most ``LOW``
    of its kind gets ``VETO``.
    """
    if not profile.filled:
        return 0.0, None
    if column.choices:
        share = _choice_share(profile, column)
        return (1.0, "choice") if share >= HIGH else (VETO, None) if share <= LOW else (0.0, None)
    kind = TYPED.get(column.kind)
    if kind:
        share = profile.share(kind)
        if kind == "number" and column.free_text_quantity:
            share = max(share, _quantity_share(profile))
        return (1.0, kind) if share >= HIGH else (VETO, None) if share <= LOW else (0.0, None)
    # Text and id columns: the content rules say which kinds of names they hold.
    best, why = 0.0, None
    for kind, evidence in content_rules().get((table.name, target), {}).items():
        if profile.share(kind) >= HIGH and (why is None or abs(evidence) > abs(best)):
            best, why = evidence, (kind if evidence > 0 else None)
    if profile.share("date") >= HIGH or profile.share("region") >= HIGH:
        return -1.0, None  # a date or a place is never a name, an item or an id
    if column.kind == schema.TEXT and max(profile.share("number"), profile.share("bool")) >= HIGH:
        return -1.0, None  # nor is a number or a yes/no a name or an item (ids may be numbers)
    return best, why


def _quantity_share(profile: ColumnProfile) -> float:
    from data_loaders.ingest.quantities import parse_quantity

    hits = sum(parse_quantity(text) is not None for text in profile.cells)
    return hits / len(profile.cells) if profile.cells else 0.0


# --- Header rows ------------------------------------------------------------------


def _filled(row: list) -> list[int]:
    return [i for i, c in enumerate(row) if not values.is_blank(c)]


def _label(cell: object) -> bool:
    """A cell that can be a header: short text that is neither a number nor a date."""
    if values.is_blank(cell) or isinstance(cell, (int, float, datetime, date)):
        return False
    text = values.clean_text(cell)
    return len(text) <= HEADER_CELL_MAX and not _is_number(text) and not _is_date(text)


def _header_like(row: list, width: int) -> bool:
    cells = _filled(row)
    return len(cells) >= 2 and 2 * len(cells) >= width and all(_label(row[i]) for i in cells)


def suggest_header_row(rows: list[list]) -> int:
    """The index of the row that most likely holds the headers (0 when unsure).

    The first of the first ``HEADER_ROWS_SCANNED`` rows with two or more short text
    cells (no numbers, no dates), covering at least half the width of the rows below
    it, and followed by a row. A title row (one long cell) or a date line is passed
    over. When the next row is header-like too and fills columns this one leaves
    blank, the header spans two rows (``分配物资`` merged over ``N95口罩 | 防护服``):
    the lower row is the header, and ``readers.table_from_rows`` fills its blanks from
    the row above.
    """
    scanned = rows[:HEADER_ROWS_SCANNED]
    for i, row in enumerate(scanned):
        below = [r for r in rows[i + 1:i + 6] if _filled(r)]
        if not below:
            continue
        width = max(len(_filled(r)) for r in below)
        if not _header_like(row, width):
            continue
        if i + 1 < len(rows):
            nxt = rows[i + 1]
            own = set(_filled(row))
            if _header_like(nxt, 0) and any(j not in own for j in _filled(nxt)):
                return i + 1
        return i
    return 0


def explain(kinds: list[tuple[str, str | None]]) -> list[tuple[str, str | None, int]]:
    """Group the kinds of content behind a mapping for a one-line reason.

    Parameters
    ----------
    kinds : list of (kind, detail)
        One per mapped column whose content counted (``("facility", "hospital")``).

    Returns
    -------
    list of (kind, detail, count)
        In ``REASON_ORDER``, each kind once with how many columns had it.
    """
    grouped: dict[tuple[str, str | None], int] = {}
    for kind, detail in kinds:
        grouped[(kind, detail)] = grouped.get((kind, detail), 0) + 1
    return sorted(((k, d, n) for (k, d), n in grouped.items()),
                  key=lambda x: (REASON_ORDER.index(x[0]) if x[0] in REASON_ORDER else 99, x[1] or ""))
