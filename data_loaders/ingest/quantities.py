"""Quantities written as free text: ``防护服1万``, ``N95口罩4千``, ``奥司他韦胶囊 500盒``.

Volunteers and hospitals typed requests the way one speaks them: a number with a
Chinese multiplier (万, 千) and a counting word (只, 盒, 套), often glued to the item.
This module only reads the *trailing* quantity of a text; deciding whether the item in
front of it is a known supply is the caller's business (formats keep anything unclear
as a note rather than guess).
"""

from __future__ import annotations

import re
import unicodedata

# Multipliers a quantity may carry. 百 is rare but unambiguous; 亿 never appears in
# supply requests and would more likely be a typo, so it is not accepted.
MULTIPLIERS = {"万": 10_000, "千": 1_000, "百": 100}

# Counting words and measures seen in supply requests, longest first so that 千克 is
# read as a unit (kilogram) rather than 千 (thousand) + 克.
UNITS: tuple[str, ...] = tuple(
    sorted(
        {
            "只", "个", "盒", "瓶", "支", "台", "套", "件", "双", "包", "卷", "份", "箱",
            "袋", "桶", "片", "副", "付", "顶", "把", "部", "辆", "张", "条", "块", "粒",
            "组", "升", "吨", "斤", "人份", "公斤", "千克", "毫升", "ml", "l", "kg",
        },
        key=len,
        reverse=True,
    )
)

_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
_MULT_RE = "|".join(MULTIPLIERS)
# A number with optional thousands separators (3,000) or decimals (1.5). A comma is
# only a thousands separator when exactly three digits follow it.
_NUMBER_RE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_TRAILING_RE = re.compile(
    rf"(?P<number>{_NUMBER_RE})\s*(?P<mult>{_MULT_RE})?\s*(?P<unit>{_UNIT_RE})?\s*$",
    re.IGNORECASE,
)
# Characters that, just before the number, show it belongs to a code rather than a
# quantity: N95, GB 19083-2010, 5586 5753 8059 (an account number in groups), 1,2.
_GLUED = re.compile(r"[A-Za-z0-9.,\-/_%]$")
_SEPARATORS = " \t:*×"
_QUANTITY_SPLIT_RE = re.compile(rf"[{re.escape(_SEPARATORS)}]*$")
# An item that ends in a parenthesised unit, as in 奥司他韦胶囊（盒）*5000.
_PAREN_UNIT_RE = re.compile(rf"\((?P<unit>{_UNIT_RE})\)$", re.IGNORECASE)


def normalise_text(text: object) -> str:
    """NFKC-normalise ``text`` (full-width digits, brackets and colons become ASCII).

    Parameters
    ----------
    text : object
        Any value; ``None`` gives ``""``.

    Returns
    -------
    str
        The normalised text, stripped of surrounding whitespace.
    """
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _match(text: str) -> re.Match | None:
    match = _TRAILING_RE.search(text)
    if match is None:
        return None
    before = text[: match.start()].rstrip(" \t")
    # "5586 5753 8059": a digit before the gap means the number is one group of a code.
    if before and _GLUED.search(before):
        return None
    return match


def _value(match: re.Match) -> float:
    value = float(match.group("number").replace(",", ""))
    if match.group("mult"):
        value *= MULTIPLIERS[match.group("mult")]
    return value


def parse_quantity(text: object) -> tuple[float, str | None] | None:
    """Read the quantity at the end of ``text``.

    Parameters
    ----------
    text : object
        ``5000只``, ``2万个``, ``1.5万``, ``3,000``, ``５００盒`` (full-width), or a text
        ending in a quantity such as ``防护服1万`` or ``N95口罩4千``.

    Returns
    -------
    tuple of (float, str or None) or None
        The value with its multiplier applied and the unit as written (lower-cased
        for Latin units), e.g. ``(20000.0, '个')``; None when the text does not end
        in a quantity, or when the trailing digits belong to a code (``N95``,
        ``GB 19083-2010``).
    """
    text = normalise_text(text)
    match = _match(text)
    if match is None:
        return None
    unit = match.group("unit")
    return _value(match), unit.lower() if unit else None


def split_item_quantity(text: object) -> tuple[str, float, str | None] | None:
    """Split ``<item> <quantity><unit>`` into its three parts.

    Parameters
    ----------
    text : object
        ``奥司他韦胶囊 500盒``, ``防护服1万套``, ``医用手套：10000``,
        ``奥司他韦胶囊（盒）*5000`` (the unit in brackets after the item).

    Returns
    -------
    tuple of (str, float, str or None) or None
        ``(item, quantity, unit)``; None when there is no trailing quantity or no
        item in front of it. The item is returned as written (NFKC-normalised,
        separators such as ``：`` and ``*`` removed); whether it names a known
        supply is for the caller to decide.
    """
    text = normalise_text(text)
    match = _match(text)
    if match is None:
        return None
    head = text[: match.start()]
    item = _QUANTITY_SPLIT_RE.sub("", head).strip()
    if not item:
        return None
    unit = match.group("unit")
    unit = unit.lower() if unit else None
    paren = _PAREN_UNIT_RE.search(item)
    if paren and unit is None:
        unit = paren.group("unit").lower()
    return item, _value(match), unit


def split_outside_brackets(text: str, separator: re.Pattern) -> list[str]:
    """Split ``text`` where ``separator`` matches outside brackets, dropping blank pieces
    (``洗漱用品（毛巾2、口杯1）`` stays whole however ``、`` separates the rest)."""
    pieces, depth, current = [], 0, []
    for i, char in enumerate(text):
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        if depth == 0 and separator.match(text, i):
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]
