"""Number formatting shared by the narrative and the renderers (plain text, no markup)."""

from __future__ import annotations

import math

from dashboard.i18n import t


def is_missing(value) -> bool:
    """True for None and NaN: a value that is unknown, which is not zero."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, lang: str, digits: int = 0) -> str:
    """``1,234`` (or ``1,234.5`` with digits); "no data" when unknown."""
    if is_missing(value):
        return t("brief.no_data", lang)
    return f"{value:,.{digits}f}"


def percent(value, lang: str) -> str:
    """A ratio in [0, 1] as ``13%``; "no data" when unknown."""
    if is_missing(value):
        return t("brief.no_data", lang)
    return f"{value:.0%}"


def value(value, kind: str, lang: str) -> str:
    """A headline value: ``kind`` is 'ratio' or 'count'."""
    return percent(value, lang) if kind == "ratio" else number(value, lang)


def change(delta, kind: str, lang: str) -> str:
    """A signed change: ``+12``, ``−3``, ``+5 pp`` (ratios change in percentage points)."""
    if is_missing(delta):
        return "—"
    if kind == "ratio":
        points = round(delta * 100)
        if points == 0:
            return "±0" + t("brief.pp", lang)
        return f"{'+' if points > 0 else '−'}{abs(points)}" + t("brief.pp", lang)
    if delta == 0:
        return "±0"
    return f"{'+' if delta > 0 else '−'}{abs(delta):,.0f}"


def score(value, lang: str) -> str:
    """A gap score to about three significant digits ("no data" without a population)."""
    if is_missing(value):
        return number(value, lang)
    return number(value, lang, 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2)


def truncate(text, limit: int) -> str:
    """At most ``limit`` characters of one line, with "…" when cut."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def names(items: list[str], lang: str, limit: int = 5) -> str:
    """``A、B、C 等 7 个`` / ``A, B, C and 4 more``: at most ``limit`` names, then a count."""
    shown = [str(i) for i in items[:limit]]
    text = t("brief.list_sep", lang).join(shown)
    rest = len(items) - len(shown)
    return text + (t("brief.and_more", lang, n=rest) if rest > 0 else "")


def clean(text) -> str:
    """One line of text: data values may hold newlines or tabs that would break a list."""
    if is_missing(text):
        return ""
    return " ".join(str(text).split())
