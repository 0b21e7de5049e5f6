"""Tables as people read them: names first, figures formatted by kind, nothing clipped.

Every analysis page shows frames whose codes (``ppe``, ``420100``) must read as words
in the chosen language and whose figures must read as :mod:`dashboard.present.formatting` says.
``show_table`` does it all: a page says what each column *is* (a name, a count, money, a
percentage, a date, ...) and gets translated headers, formatted cells, "—" for unknown
values, widths that fit the page at 1440 px, names first and internal ids off screen
(they stay, last, in the download it returns). ``translated`` is the older half of it
(values and headers only), kept for pages not yet moved to ``show_table``.

Adopting it on a page that now does ``st.dataframe(translated(frame, view, columns,
prefix, value_columns, special))``::

    download = show_table(frame, view, {"name": NAME, "region_adcode": REGION,
                                        "open_needs": COUNT, "to_fund": MONEY,
                                        "coverage": PERCENT, "reported_on": DATE,
                                        "need_id": ID}, prefix, value_columns, special)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from dashboard.app.frame import View
from dashboard.i18n import region_label, t, value_label
from dashboard.present import formatting

CODE_HELP_KEY = "table.code_help"

# What a column holds, which decides how it is drawn.
NAME = "name"        # what a row is about (a region, facility, organisation): first, pinned
REGION = "region"    # a region's adcode, shown as its name (a name column)
TEXT = "text"        # words: labels, lists of names, notes
CODE = "code"        # spelled exactly as in the files (column headers, HXL tags, file names)
COUNT = "count"      # whole numbers: 12,345
DECIMAL = "decimal"  # rates and scores: 1,234.57 (``digits`` decimals, default 2)
MONEY = "money"      # yuan, shown in 元 or 万元 (CNY in English); the download keeps yuan
PERCENT = "percent"  # a ratio in [0, 1], shown as 13.4% (``digits`` decimals, default 1)
DATE = "date"        # a day, YYYY-MM-DD, never with a time
LINK = "link"        # a URL, shown as ``link_text``; not in the download
ID = "id"            # an internal id: never on screen, last in the download
KINDS = (NAME, REGION, TEXT, CODE, COUNT, DECIMAL, MONEY, PERCENT, DATE, LINK, ID)
NUMBERS = (COUNT, DECIMAL, MONEY, PERCENT)

# The width a table has on a 1440 px screen with the sidebar open (measured: 980 px),
# less the vertical scroll bar of a long table and the columns' borders (measured: a
# 960 px table scrolled sideways). Columns are sized to fit it where they can.
TABLE_WIDTH = 930
ROW_HEIGHT = 35
# (narrowest, widest) a column of each kind is drawn, in pixels.
_WIDTHS = {NAME: (90, 320), TEXT: (80, 320), CODE: (80, 240), LINK: (80, 160), DATE: (96, 120)}
_NUMBER_WIDTHS = (56, 150)


@dataclass(frozen=True)
class Col:
    """How one column of a frame is shown.

    ``header`` is the text shown on top (translated already); without it the catalogue's
    ``<prefix>.<column>`` is used. ``help`` is a tooltip text. ``digits`` sets decimals of
    decimal and percent columns. ``values`` names the schema column whose allowed values
    the cells hold (their labels are shown). ``link_text`` is what a link cell reads.
    ``width`` fixes the column's width in pixels (it is then never narrowed to fit).
    ``align`` ("left", "center", "right") aligns the cells: "right" for a text column of
    figures that holds words too (``1,000只`` and "not given"), so figures line up.
    ``rate`` marks money per something (per 10,000 residents, per need): the money
    columns of a table share one unit (元 or 万元), a rate chooses its own by its size.
    """

    column: str
    kind: str = TEXT
    header: str | None = None
    help: str | None = None
    digits: int | None = None
    values: str | None = None
    link_text: str | None = None
    width: int | None = None
    align: str | None = None
    rate: bool = False


@dataclass
class Drawn:
    """One shown column: its header, kind, width in pixels, number format and tooltip."""

    header: str
    kind: str
    width: int
    format: str | None = None
    help: str | None = None
    link_text: str | None = None
    pinned: bool = False
    content: int = 0  # pixels its widest cell needs
    fixed: bool = False  # a width the page chose: never narrowed
    align: str | None = None


@dataclass
class Table:
    """A frame laid out for the screen: what is shown, how each column is drawn, and what
    the download holds (the same rows, figures unrounded, ids last)."""

    shown: pd.DataFrame
    columns: list[Drawn]
    download: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # What the screen's rows become for the browser, made at the first drawing: a table
    # kept for every session is converted once, not once per person (py-spy: a fifth of
    # the Needs page's work when ten people opened it at once).
    _arrow: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def width(self) -> int:
        """The width of all columns together, in pixels."""
        return sum(c.width for c in self.columns)


def region_name(adcode, lang: str, missing: str = "") -> str:
    """A region's name in ``lang``; ``missing`` for no code, the code itself if unknown."""
    if adcode is None or adcode != adcode:
        return missing
    from geo.regions import load_registry

    try:
        region = load_registry().get(adcode)
    except KeyError:  # an unknown code is shown as itself
        return str(adcode)
    return region_label(region.name, region.name_en, lang)


def translated(frame: pd.DataFrame, view: View, columns: list[str], header_prefix: str,
               value_columns: dict[str, str] | None = None,
               special: dict[str, Callable[[object], object]] | None = None) -> pd.DataFrame:
    """``columns`` of ``frame`` for display.

    ``value_columns`` maps a column to the schema column whose allowed values it holds
    (their labels come from the catalogue); ``region_adcode`` becomes a region name;
    ``special`` maps a column to a function applied to each value. Headers are the
    catalogue's ``<header_prefix>.<column>``.
    """
    value_columns = value_columns or {}
    special = special or {}
    out = frame[columns].copy()
    for col in columns:
        if col in special:
            out[col] = [special[col](v) for v in out[col]]
        elif col in value_columns:
            out[col] = [value_label(value_columns[col], v, view.lang) if isinstance(v, str) else v
                        for v in out[col]]
        elif col == "region_adcode":
            out[col] = [region_name(a, view.lang, missing="") for a in out[col]]
    return out.rename(columns={c: t(f"{header_prefix}.{c}", view.lang) for c in columns})


# --- laying a table out (no streamlit: tested directly) ---------------------------------

def text_width(text: str) -> int:
    """Roughly how many pixels ``text`` takes in the table's 14 px font: a wide (Chinese)
    character about 14, anything else about 7 (measured on the 1440 px screenshots)."""
    return round(sum(14 if unicodedata.east_asian_width(c) in "WF" else 7 for c in str(text)))


def _as_cols(columns: Mapping[str, str | Col] | Sequence[Col]) -> list[Col]:
    if isinstance(columns, Mapping):
        return [c if isinstance(c, Col) else Col(name, c) for name, c in columns.items()]
    return list(columns)


def _unit_free(header: str) -> str:
    """A money header without the unit a catalogue string may already carry."""
    for unit in ("（元）", "(CNY)", "（万元）"):
        header = header.replace(unit, "")
    return header.rstrip()


def _day(value) -> date | None:
    if formatting.is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def _number(values) -> pd.Series:
    return pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").reset_index(drop=True)


def _cells(col: Col, values: pd.Series, lang: str,
           special: Mapping[str, Callable[[object], object]]) -> list:
    """The column's values as words: specials, labels of allowed values, region names.
    Each distinct value is translated once (a column of 2,000 rows holds a few dozen)."""
    if col.column in special:
        word = special[col.column]
    elif col.values:
        def word(v):
            return value_label(col.values, v, lang) if isinstance(v, str) else v
    elif col.kind == REGION:
        def word(a):
            return region_name(a, lang, missing="") or None
    else:
        return list(values)
    words: dict = {}
    out = []
    for v in values:
        try:
            out.append(words[v])
        except KeyError:
            words[v] = word(v)
            out.append(words[v])
        except TypeError:  # an unhashable cell: translated on its own
            out.append(word(v))
    return out


def layout(frame: pd.DataFrame, lang: str, columns: Mapping[str, str | Col] | Sequence[Col],
           prefix: str | None = None, value_columns: Mapping[str, str] | None = None,
           special: Mapping[str, Callable[[object], object]] | None = None,
           budget: int = TABLE_WIDTH) -> Table:
    """Lay ``frame`` out for the screen (see :func:`show_table`); no streamlit."""
    value_columns = value_columns or {}
    special = special or {}
    cols = [replace(c, values=c.values or value_columns.get(c.column)) for c in _as_cols(columns)]
    for c in cols:
        if c.kind not in KINDS:
            raise ValueError(f"unknown column kind {c.kind!r} of {c.column!r}")
    # Ids never on screen and last in the download; the rest in the order given (a page
    # puts what a row is about first: only a rank may stand before it).
    ordered = [c for c in cols if c.kind != ID]
    ids = [c for c in cols if c.kind == ID]
    shown, download, drawn = {}, {}, []
    # One unit for all the money of a table: 万元 beside 元 would invite misreading by 10,000.
    # Figures are read once: the money columns' largest value sets the table's unit below.
    figures = {c.column: _number(_cells(c, frame[c.column].reset_index(drop=True), lang, special))
               for c in ordered if c.kind in NUMBERS}
    money = [figures[c.column].abs().max() for c in ordered if c.kind == MONEY and not c.rate]
    totals_biggest = max((m for m in money if m == m), default=0)
    for c in ordered:
        header = c.header or t(f"{prefix}.{c.column}", lang)
        values = frame[c.column].reset_index(drop=True)
        d = Drawn(header, c.kind, 0, help=c.help, align=c.align)
        if c.kind in NUMBERS:
            numbers = figures[c.column]
            plain = numbers
            if c.kind == COUNT:
                d.format = "%,.0f"
            elif c.kind == DECIMAL:
                d.format = f"%,.{2 if c.digits is None else c.digits}f"
            elif c.kind == PERCENT:
                digits = 1 if c.digits is None else c.digits
                numbers = numbers * 100
                plain = numbers.round(digits + 2)
                d.format = f"%.{digits}f%%"
                download[header + " (%)"] = plain
            elif c.kind == MONEY:
                base = _unit_free(header)
                biggest = (numbers.abs().max() if numbers.notna().any() else 0) if c.rate else totals_biggest
                if lang == "zh" and biggest >= formatting.WAN:
                    numbers = numbers / formatting.WAN
                    d.format = "%,.2f" if biggest < formatting.MILLION else "%,.1f"
                    d.header = base + t("table.unit.wan_yuan", lang)
                else:
                    d.format = "%,.0f"
                    d.header = base + t("table.unit.yuan", lang)
                download[base + t("table.unit.yuan", lang)] = plain
            if c.kind not in (PERCENT, MONEY):
                download[header] = plain
            shown[d.header] = numbers
            samples = [formatting.decimal(v, int(d.format.split(".")[1][0])) for v in
                       numbers.dropna().head(200)]
        elif c.kind == DATE:
            days = [_day(v) for v in _cells(c, values, lang, special)]
            shown[header] = pd.Series(days, dtype="object")
            download[header] = [formatting.day(v, missing="") for v in days]
            samples = ["2020-02-15"]
        elif c.kind == LINK:
            shown[header] = [None if formatting.is_missing(v) else str(v) for v in values]
            d.link_text = c.link_text
            samples = [c.link_text or ""]
        else:
            words = [None if formatting.is_missing(v) or v == "" else str(v)
                     for v in _cells(c, values, lang, special)]
            shown[header] = pd.Series(words, dtype="object")
            download[header] = [w or "" for w in words]
            samples = [w for w in words[:200] if w]
            if c.kind == CODE and not d.help:
                d.help = t(CODE_HELP_KEY, lang)
        d.width = _natural_width(d, samples)
        if c.width:
            d.width, d.fixed = c.width, True
        drawn.append(d)
    for c in ids:
        download[c.header or t(f"{prefix}.{c.column}", lang)] = list(frame[c.column])
    # The columns up to the first name stay in sight when the table scrolls sideways.
    first_name = next((i for i, d in enumerate(drawn) if d.kind in (NAME, REGION)), -1)
    for d in drawn[:first_name + 1]:
        d.pinned = True
    _fit(drawn, budget)
    headers = [d.header for d in drawn]
    if len(set(headers)) != len(headers):
        raise ValueError(f"two columns share a header: {headers}")
    return Table(pd.DataFrame(shown, columns=headers), drawn, pd.DataFrame(download))


def _natural_width(d: Drawn, samples: list[str]) -> int:
    """Wide enough for the header and the widest cell, within the kind's bounds."""
    low, high = _WIDTHS.get(d.kind, _NUMBER_WIDTHS)
    content = max((text_width(s) for s in samples), default=0) + 18
    d.content = max(low, min(high, content))
    header = text_width(d.header) + 20  # padding and room for the sort arrow
    return max(low, min(high, max(content, header)))


def _fit(drawn: list[Drawn], budget: int) -> None:
    """Narrow columns until the table fits ``budget``: first the widest texts down to 200
    px, then to 160 px, then figures whose header is wider than they are, down to their
    widest cell, then texts down to 120 px, then to their kind's narrowest (a person can
    widen a column; the download holds every text whole). A cut number would be a wrong
    number, so figures never go below their cells; a header cut short gets itself as
    tooltip."""
    texts = [d for d in drawn if d.kind not in NUMBERS and d.kind != DATE and not d.fixed]

    def excess() -> int:
        return sum(d.width for d in drawn) - budget

    def narrow_texts(floor: int) -> None:
        while excess() > 0:
            widest = max(texts, key=lambda d: d.width, default=None)
            low = max(_WIDTHS.get(widest.kind, _NUMBER_WIDTHS)[0], floor) if widest else 0
            if widest is None or widest.width <= low:
                return
            widest.width -= min(widest.width - low, excess())

    narrow_texts(200)
    narrow_texts(160)  # a long text cut a little more reads better than a figure's header cut
    for d in sorted((d for d in drawn if d not in texts and not d.fixed), key=lambda d: d.content - d.width):
        if excess() <= 0:
            break
        d.width -= min(excess(), max(d.width - d.content, 0))
    narrow_texts(120)
    narrow_texts(0)  # a table of many columns: texts down to their kind's narrowest
    for d in drawn:
        if text_width(d.header) + 20 > d.width and not d.help:
            d.help = d.header


# --- drawing it --------------------------------------------------------------------

def show_table(frame: pd.DataFrame, view: View, columns: Mapping[str, str | Col] | Sequence[Col],
               prefix: str | None = None, value_columns: Mapping[str, str] | None = None,
               special: Mapping[str, Callable[[object], object]] | None = None, *,
               rows: int = 20, key: str | None = None) -> pd.DataFrame:
    """Draw ``frame`` as people read it and return what its download should hold.

    ``columns`` maps each column to show to its kind (``NAME``, ``REGION``, ``TEXT``,
    ``CODE``, ``COUNT``, ``DECIMAL``, ``MONEY``, ``PERCENT``, ``DATE``, ``LINK``, ``ID``)
    or to a :class:`Col`; headers are the catalogue's ``<prefix>.<column>`` unless a
    ``Col`` gives one. ``value_columns`` and ``special`` work as in :func:`translated`.
    The table is ``rows`` rows tall at most (it scrolls beyond); unknown values read "—".
    """
    return draw(layout(frame, view.lang, columns, prefix, value_columns, special), rows=rows,
                key=key)


def draw(table: Table, *, rows: int = 20, key: str | None = None) -> pd.DataFrame:
    """Draw a table :func:`layout` made (:func:`show_table`'s second half: a page that
    keeps a laid-out table for every session draws it again without laying it out)."""
    import streamlit as st

    config = {}
    for d in table.columns:
        common = dict(width=d.width, help=d.help, pinned=d.pinned or None, alignment=d.align)
        if d.kind in NUMBERS:
            config[d.header] = st.column_config.NumberColumn(d.header, format=d.format, **common)
        elif d.kind == DATE:
            config[d.header] = st.column_config.DateColumn(d.header, format="YYYY-MM-DD", **common)
        elif d.kind == LINK:
            config[d.header] = st.column_config.LinkColumn(d.header, display_text=d.link_text, **common)
        else:
            config[d.header] = st.column_config.TextColumn(d.header, **common)
    st.dataframe(_for_browser(table), hide_index=True, width="stretch", column_config=config,
                 placeholder=formatting.MISSING, height=table_height(len(table.shown), rows), key=key)
    return table.download


def _for_browser(table: Table):
    """The screen's rows as an Arrow table, converted once per :class:`Table`; the frame
    itself when Arrow refuses a column (Streamlit then repairs its types, as it would)."""
    if table._arrow is None:
        import pyarrow as pa

        try:
            table._arrow = pa.Table.from_pandas(table.shown)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            table._arrow = table.shown
    return table._arrow


def table_height(n: int, rows: int = 20) -> int:
    """Pixels for a header and ``n`` rows, at most ``rows`` of them (the rest scrolls)."""
    return ROW_HEIGHT * (max(min(n, rows), 1) + 1) + 3
