"""Layouts that lie: a table whose columns hold what other columns should.

A spreadsheet exported with one column missing, or pasted one cell to the side, still
has the right headers: every value is simply under the wrong one. Row by row such a
file looks plausible (a district is a valid text for a name), so it would import as
nonsense. The rules below look at a column's content as a whole and, when it holds
what another kind of column holds, refuse the table with the evidence:

- ``name_holds_regions``: most names of facilities or organisations are place names
  (``江岸区``, ``黄冈市``) — the region column's values slid into the name column;
- ``item_holds_facilities``: most items of needs or deliveries are names of
  facilities (``…医院``, ``…卫生院``) — the name column's values slid into the item;
- ``region_holds_other``: most regions resolve to no place while another column's
  values do — the place names sit in the wrong column;
- ``required_column_empty``: a required column has a header but not one value in
  any record — its values went into a neighbour (or the column was never filled);
- ``values_beyond_header``: rows carry values to the right of the last header —
  the classic sign of a row shifted by one cell.

Each rule needs at least ``MIN_VALUES`` values and a share of ``SHARE`` to fire, and
looks at no more than ``SAMPLE`` distinct values, so it is cheap on large files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from data_loaders.ingest import values
from data_loaders.store import schema

MIN_VALUES = 3
SHARE = 0.6
SAMPLE = 300
# Columns that hold the name of a facility or organisation.
NAME_COLUMNS = {"facilities": ("name",), "organizations": ("name",)}
# Columns that hold a supply item.
ITEM_COLUMNS = {"needs": ("item",), "deliveries": ("item",)}
# Words that make a text the name of a place where people are cared for, not an item.
FACILITY_NAME = re.compile(r"医院|卫生院|保健院|卫生服务中心|方舱|隔离点|居委会|村委会|养老院|福利院")


@dataclass(frozen=True)
class Evidence:
    """One sign that a table's columns are shifted: the rule, the column, examples."""

    rule: str
    column: str
    examples: tuple[str, ...]
    share: float


def _distinct(series: pd.Series) -> list[str]:
    """Up to ``SAMPLE`` distinct non-blank texts of a column (pandas finds the distinct
    raw values first, so a long column of few values costs one pass in C)."""
    seen: dict[str, None] = {}
    for value in pd.unique(series.dropna()):
        if values.is_blank(value):
            continue
        seen.setdefault(values.clean_text(value), None)
        if len(seen) >= SAMPLE:
            break
    return list(seen)


def _share(texts: list[str], test) -> tuple[float, tuple[str, ...]]:
    hits = [t for t in texts if test(t)]
    return (len(hits) / len(texts) if texts else 0.0), tuple(hits[:3])


def _is_region(registry):
    return lambda text: bool(registry.candidates(text))


def shifted_columns(frame: pd.DataFrame, table: schema.Table, registry,
                    beyond_header: int = 0) -> list[Evidence]:
    """Evidence that ``frame``'s columns are shifted (empty when the layout looks right).

    Parameters
    ----------
    frame : DataFrame
        The raw cells under the schema's column names (headers already mapped).
    table : schema.Table
        The table the cells are meant for.
    registry : geo.regions.RegionRegistry
        To tell place names from other text.
    beyond_header : int
        Rows of the file that had values to the right of the last header.
    """
    found: list[Evidence] = []
    is_region = _is_region(registry)
    samples = {c: _distinct(frame[c]) for c in frame.columns}
    for column in NAME_COLUMNS.get(table.name, ()):
        texts = samples.get(column, [])
        share, examples = _share(texts, is_region)
        if len(texts) >= MIN_VALUES and share >= SHARE:
            found.append(Evidence("name_holds_regions", column, examples, share))
    for column in ITEM_COLUMNS.get(table.name, ()):
        texts = samples.get(column, [])
        share, examples = _share(texts, lambda t: bool(FACILITY_NAME.search(t)))
        if len(texts) >= MIN_VALUES and share >= SHARE:
            found.append(Evidence("item_holds_facilities", column, examples, share))
    for col in table.input_columns:
        texts = samples.get(col.name, [])
        if col.kind == schema.REGION and len(texts) >= MIN_VALUES:
            share, _ = _share(texts, is_region)
            elsewhere = [c for c, other in samples.items() if c != col.name and len(other) >= MIN_VALUES
                         and _share(other, is_region)[0] >= SHARE]
            if share < 1 - SHARE and elsewhere:
                found.append(Evidence("region_holds_other", col.name,
                                      tuple(t for t in texts if not is_region(t))[:3], 1 - share))
        if (col.required and col.default is None and col.name in frame.columns
                and len(frame) >= MIN_VALUES and not texts):
            found.append(Evidence("required_column_empty", col.name, (), 1.0))
    if beyond_header >= MIN_VALUES and beyond_header >= SHARE * len(frame):
        found.append(Evidence("values_beyond_header", "", (), beyond_header / max(len(frame), 1)))
    return found
