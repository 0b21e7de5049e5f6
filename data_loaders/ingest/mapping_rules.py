"""The built-in formats' rules, applied to the rows a column mapping produced.

A mapped sheet is read with the same rule tables as the hospital feed, so a Red Cross
branch in a column of "hospital names" is still not a hospital:

- a facility's type from its name (``rules/facility_type_rules.csv``) where the file
  gives none and no constant is set; names no rule knows take the type the name header
  names (``医院名称`` → hospital), else ``other`` with a ``type_default`` note;
- a need is urgent when the facility's name or the item holds an urgency word
  (``rules/urgency_words.csv``) and the file gives no priority;
- a free-text item such as ``缺少：防护服1万 防护口罩2万`` becomes one need per item when
  every piece names exactly one known supply and one quantity
  (``hospital_feed.parse_piece``); otherwise the text stays whole, with an
  ``item_text_kept`` note;
- a need's category comes from its supply item (``rules/supply_items.csv``).

What the file says always wins. A constant a person set wins over the facility-type
rule (it is a statement about every facility in the file) but only fills what the
row-level rules leave open for ``LATE_CONSTANTS`` (a category constant is the fallback
for items no rule knows, not an override of the ones it does).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from data_loaders.ingest import values
from data_loaders.ingest.formats import Note
from data_loaders.ingest.quantities import normalise_text, split_item_quantity, split_outside_brackets
from data_loaders.ingest.rules import load_rules

# Constants applied after the row-level rules, to fill only what they leave blank.
LATE_CONSTANTS = ("category", "priority")
# Words in front of a list of supplies: "缺少：", "急需物资：".
_LEAD = re.compile(r"^\s*(?:缺少|缺乏|急需|急缺|紧缺|特急|紧急|需要|需求|另需|还需|补充)"
                   r"(?:物资)?\s*[:：]?\s*")
# Pieces of a list: at commas (not a thousands separator), 、 ; 。 and line breaks.
_PIECE_SPLIT = re.compile(r"[，、;；。\n\r]|,(?!\d{3}(?!\d))")
# A remark after the quantity: "防护服2000套(特急)".
_TRAILING_NOTE = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


@lru_cache(maxsize=1)
def urgency_pattern() -> re.Pattern:
    """The urgency words of ``rules/urgency_words.csv`` as one pattern."""
    words = sorted((row["word"] for row in load_rules("urgency_words")), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


def _blank(value: object) -> bool:
    return values.is_blank(value)


def _text(value: object) -> str:
    return "" if _blank(value) else values.clean_text(value)


# --- Facility types -----------------------------------------------------------------


def fill_facility_types(frame: pd.DataFrame, hint: str | None) -> list[Note]:
    """Fill blank ``facility_type`` cells from the names; return the notes.

    Parameters
    ----------
    frame : DataFrame
        Mapped rows with a ``name`` column (changed in place).
    hint : str or None
        The type the name header names, for names no rule recognises.

    Returns
    -------
    list of Note
        ``type_default`` per facility whose name no rule knows and no hint covers.
    """
    from data_loaders.ingest.formats.hospital_feed import facility_type

    if "name" not in frame.columns:
        return []
    existing = frame["facility_type"] if "facility_type" in frame.columns else [None] * len(frame)
    types, notes = [], []
    for name, given in zip(frame["name"], existing):
        if not _blank(given) or _blank(name):
            types.append(given)
            continue
        ftype, by_default = facility_type(name)
        if by_default and hint:
            ftype = hint
        elif by_default:
            note = Note("type_default", _text(name), ftype)
            if note not in notes:
                notes.append(note)
        types.append(ftype)
    frame["facility_type"] = pd.Series(types, index=frame.index, dtype=object)
    return notes


# --- Free-text item lists -----------------------------------------------------------


def _pieces(text: str) -> list[str]:
    """Split at list separators outside brackets (``洗漱用品（毛巾、口杯）`` stays whole)."""
    return split_outside_brackets(text, _PIECE_SPLIT)


def _parse(piece: str):
    """``(item_text, SupplyItem, quantity, unit, urgent)`` or None: see ``parse_piece``."""
    from data_loaders.ingest.formats.hospital_feed import parse_piece

    urgent = bool(urgency_pattern().search(piece))
    core = _LEAD.sub("", urgency_pattern().sub("", piece)).strip()
    parsed = parse_piece(core) if core else None
    return None if parsed is None else (*parsed, urgent)


def item_list(text: object) -> tuple[list[tuple], bool] | None:
    """Read a free-text item cell as a list of needs, or None when it is not one.

    Parameters
    ----------
    text : object
        The item cell: ``缺少：防护服1万 防护口罩2万 外科口罩5万``.

    Returns
    -------
    (list of tuple, bool) or None
        ``([(item_text, SupplyItem, quantity, unit, urgent), ...], all_parsed)``. None
        when the cell is a plain item (one piece and no quantity: ``N95口罩``). When
        ``all_parsed`` is False some piece is not exactly one known supply with one
        quantity, and the list must not be used: the text is kept whole.
    """
    cell = normalise_text(text)
    if not cell:
        return None
    lead = _LEAD.match(cell)
    body = cell[lead.end():] if lead else cell
    urgent_all = bool(lead and urgency_pattern().search(lead.group(0)))
    pieces = _pieces(body)
    if len(pieces) == 1 and len(pieces[0].split()) == 1 and split_item_quantity(
            _TRAILING_NOTE.sub("", pieces[0])) is None:
        return None
    found = []
    for piece in pieces:
        parsed = _parse(piece)
        if parsed is None:
            # "防护服1万 防护口罩2万": pieces separated by spaces only.
            parts = [_parse(part) for part in piece.split()]
            if len(parts) < 2 or any(p is None for p in parts):
                return found, False
            found.extend(parts)
        else:
            found.append(parsed)
    return [(t, item, q, u, urgent or urgent_all) for t, item, q, u, urgent in found], True


def split_item_lists(frame: pd.DataFrame, rows: list[int], key: str
                     ) -> tuple[pd.DataFrame, list[int], list[Note]]:
    """One need per item of each free-text item list; the rest stays as it is.

    A cell is split only when the row has no quantity of its own and every piece
    parses; each need keeps the row's other cells and number, and its id is the row's
    id with ``-1``, ``-2``... (stable when the same file is imported again). The unit is
    the one written, else the supply item's; the category and an urgent priority fill
    blanks only.
    """
    if "item" not in frame.columns or frame.empty:
        return frame, rows, []
    out_rows, numbers, notes = [], [], []
    split = 0
    has_quantity = "quantity" in frame.columns
    for number, (_, row) in zip(rows, frame.iterrows()):
        record = row.to_dict()
        parsed = item_list(record.get("item"))
        if parsed is None:
            out_rows.append(record)
            numbers.append(number)
            continue
        needs, ok = parsed
        if not ok or (has_quantity and not _blank(record.get("quantity"))):
            notes.append(Note("item_text_kept", _text(record.get("name")),
                              values.strip_contacts(_text(record.get("item")))))
            out_rows.append(record)
            numbers.append(number)
            continue
        split += 1
        for n, (item_text, item, quantity, unit, urgent) in enumerate(needs, start=1):
            need = dict(record)
            need.update(item=item_text, quantity=quantity, unit=unit or item.unit)
            if _blank(need.get("category")):
                need["category"] = item.category
            if urgent and _blank(need.get("priority")):
                need["priority"] = "urgent"
            if not _blank(record.get(key)):
                need[key] = f"{_text(record.get(key))}-{n}"
            out_rows.append(need)
            numbers.append(number)
    if split:
        notes.append(Note("items_split", count=split))
    columns = list(dict.fromkeys([*frame.columns, *(c for r in out_rows for c in r)]))
    out = pd.DataFrame(out_rows, columns=columns, dtype=object)
    return out.astype(object).where(out.notna(), None), numbers, notes


# --- Urgency and categories ---------------------------------------------------------


def mark_urgent(frame: pd.DataFrame) -> None:
    """Blank priorities become ``urgent`` when the name or the item holds an urgency word."""
    texts = [frame[c] for c in ("name", "item") if c in frame.columns]
    if not texts:
        return
    pattern = urgency_pattern()
    current = frame["priority"] if "priority" in frame.columns else [None] * len(frame)
    marked = [("urgent" if _blank(p) and any(pattern.search(_text(t)) for t in cells) else p)
              for p, *cells in zip(current, *texts)]
    if "priority" in frame.columns or any(m == "urgent" for m in marked):
        frame["priority"] = pd.Series(marked, index=frame.index, dtype=object)


def fill_categories(frame: pd.DataFrame) -> None:
    """Blank categories from the one supply item the item text names, if any.

    A list kept as text (``防护服2000套、消毒液若干``) gets none: one item of it may be
    known, but the need as a whole is not of that category.
    """
    from data_loaders.ingest.formats.hospital_feed import match_item

    if "item" not in frame.columns:
        return
    current = frame["category"] if "category" in frame.columns else [None] * len(frame)
    filled = []
    for category, item in zip(current, frame["item"]):
        text = normalise_text(item) if _blank(category) and not _blank(item) else ""
        found = match_item(text) if text and len(_pieces(text)) == 1 else None
        filled.append(found.category if found else category)
    if "category" in frame.columns or any(not _blank(c) for c in filled):
        frame["category"] = pd.Series(filled, index=frame.index, dtype=object)


def fill_org_types(frame: pd.DataFrame) -> None:
    """Blank organisation types from the names (``rules/org_type_rules.csv``), as the
    organisation-directory format does; names no rule knows keep the schema default."""
    from data_loaders.ingest.formats.org_directory import org_type_for

    if "name" not in frame.columns:
        return
    current = frame["org_type"] if "org_type" in frame.columns else [None] * len(frame)
    filled = [org_type_for(_text(name), None) if _blank(given) and not _blank(name) else given
              for given, name in zip(current, frame["name"])]
    if "org_type" in frame.columns or any(not _blank(t) for t in filled):
        frame["org_type"] = pd.Series(filled, index=frame.index, dtype=object)
