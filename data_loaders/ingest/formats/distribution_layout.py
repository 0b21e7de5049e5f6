"""How a printed distribution sheet is laid out: which row is a header, a title, a total.

A Red Cross disclosure is a workbook laid out for printing, and one sheet may hold more
than the distribution list: a second table further down (donations received, a
summary), section titles (``二、接收捐赠物资情况``), totals and footers. The rules that
tell these rows apart are data (``data_loaders/rules``):

- ``distribution_headers.csv``: header spellings -> field. A distribution header needs
  a recipient, an item and a quantity; a donations-received header has a donor instead.
  Any row below the header holding two or more known spellings is another table's
  header.
- ``distribution_markers.csv``: patterns (regular expressions, searched in the
  normalised text) marking a ``title`` row (a lone text: a title, a footer), a
  ``section`` row (a numbered heading), a ``total`` row, or a ``subtotal`` row.

docs/FORMATS-distribution-sheet.md describes the rules with examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from data_loaders.ingest import values
from data_loaders.ingest.rules import load_rules
from geo.names import normalise

DISTRIBUTION = ("recipient", "item", "quantity")  # what a distribution header must name
DONATIONS = ("donor", "item")  # what a list of donations received names instead
OTHER_HEADER_MIN = 2  # known spellings in one row below the header: another table starts
# A lone text this long is a title or a sentence, never the wrapped half of a name (the
# longest hospital names on the Wuhan lists are 17 characters whole).
TITLE_MIN_CHARS = 20
# After NFKC full-width brackets are ASCII: 数量（个） -> 数量(个), the unit in brackets.
_UNIT_SUFFIX = re.compile(r"\(([^()]*)\)$")


@dataclass(frozen=True)
class Header:
    """A header row: its index in the sheet, field -> column, and units written in it."""

    index: int
    columns: dict[str, int]
    units: dict[str, str] = field(default_factory=dict)  # 数量（个） -> {"quantity": "个"}

    def is_distribution(self) -> bool:
        """True when the header names a recipient, an item and a quantity."""
        return all(name in self.columns for name in DISTRIBUTION)

    def is_donations(self) -> bool:
        """True when the header names a donor and an item but no recipient."""
        return all(name in self.columns for name in DONATIONS) and "recipient" not in self.columns


@cache
def spellings() -> dict[str, str]:
    """Normalised header spelling -> field, from ``rules/distribution_headers.csv``."""
    return {normalise(row["synonym"]): row["field"]
            for row in load_rules("distribution_headers") if row.get("synonym")}


@cache
def markers() -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, mark) pairs from ``rules/distribution_markers.csv``, in file order."""
    return tuple((re.compile(row["pattern"]), row["marks"])
                 for row in load_rules("distribution_markers") if row.get("pattern"))


def header_field(value: object) -> tuple[str | None, str]:
    """The field a header cell names and the unit written in brackets after it.

    Spaces and full-width forms do not matter: ``数 量``, ``数量（个）`` and ``数量(个)``
    all name the quantity (the last with the unit 个).
    """
    if not isinstance(value, str):
        return None, ""
    text = normalise(value).rstrip(":")
    known = spellings()
    if text in known:
        return known[text], ""
    match = _UNIT_SUFFIX.search(text)
    if match:
        stem = text[:match.start()].rstrip(":")
        if stem in known:
            return known[stem], match.group(1)
    return None, ""


def read_header(row: list, index: int) -> Header:
    """The fields a row names (the first column naming a field wins)."""
    columns: dict[str, int] = {}
    units: dict[str, str] = {}
    for position, value in enumerate(row):
        name, unit = header_field(value)
        if name and name not in columns:
            columns[name] = position
            if unit:
                units[name] = unit
    return Header(index, columns, units)


def known_spellings(row: list) -> int:
    """How many cells of a row are header spellings of any known kind."""
    return sum(header_field(value)[0] is not None for value in row)


def find_header(rows: list[list], limit: int | None = None) -> Header | None:
    """The first distribution header within ``rows[:limit]``, or None."""
    return _first_header(rows, limit, Header.is_distribution)


def find_other_header(rows: list[list], limit: int | None = None) -> Header | None:
    """The first header of a list of donations received within ``rows[:limit]``."""
    return _first_header(rows, limit, Header.is_donations)


def _first_header(rows: list[list], limit: int | None, kind) -> Header | None:
    for index, row in enumerate(rows[:limit]):
        header = read_header(row, index)
        if kind(header):
            return header
    return None


def _marks(text: str) -> set[str]:
    key = normalise(text)
    return {mark for pattern, mark in markers() if pattern.search(key)}


def _filled(value: object) -> bool:
    return not values.is_blank(value) and not (isinstance(value, str) and not normalise(value))


def row_kind(row: list, header: Header) -> str | None:
    """What a row below ``header`` is when it is not an item line, else None.

    - ``header``: two or more known header spellings (another table starts);
    - ``total`` / ``subtotal``: a short cell starting with 合计/总计 or 小计;
    - ``title``: a single text, in the first column or no further right than the
      recipient's, that is long or marked as a title or footer (``…一览表``,
      ``…情况``, ``注：…``): never the wrapped half of a recipient's name;
    - ``section``: such a text that is only numbered as a section (``二、定点医院``):
      the caller decides by what follows whether it ends the table;
    - ``date``: a single date cell (the date under a footer).
    """
    filled = [(i, v) for i, v in enumerate(row) if _filled(v)]
    if not filled:
        return None
    if known_spellings(row) >= OTHER_HEADER_MIN:
        return "header"
    for _, value in filled:
        # Short cells only: an item or a name may contain 合计 further in.
        if isinstance(value, str) and len(normalise(value)) <= 12:
            found = _marks(value) & {"total", "subtotal"}
            if found:
                return "total" if "total" in found else "subtotal"
    if len(filled) == 1:
        position, value = filled[0]
        if isinstance(value, (datetime, date)):
            return "date"
        leftmost = max(0, header.columns.get("recipient", 0))
        if isinstance(value, str) and position <= leftmost:
            marks = _marks(value)
            if len(normalise(value)) >= TITLE_MIN_CHARS or "title" in marks:
                return "title"
            if "section" in marks:
                return "section"
    return None

