"""Number formatting of the narrative and the renderers (plain text, no markup): the
briefing reads its numbers as the app does (dashboard.present.formatting), "no data" when unknown."""

from __future__ import annotations

from dashboard.i18n import t
from dashboard.present import formatting
from dashboard.present.formatting import is_missing

__all__ = ["is_missing", "number", "percent", "value", "change", "verdict", "score", "truncate",
           "names", "clean"]


def number(value, lang: str, digits: int = 0) -> str:
    """``1,234`` (or ``1,234.5`` with digits); "no data" when unknown."""
    return formatting.decimal(value, digits, missing=t("brief.no_data", lang))


def percent(value, lang: str) -> str:
    """A ratio in [0, 1] as ``13.4%`` (one decimal, as everywhere); "no data" when unknown."""
    return formatting.percent(value, missing=t("brief.no_data", lang))


def value(value, kind: str, lang: str) -> str:
    """A headline value: ``kind`` is 'ratio' or 'count'."""
    return percent(value, lang) if kind == "ratio" else number(value, lang)


def change(delta, kind: str, lang: str) -> str:
    """A signed change: ``+12``, ``−3``, ``+1.2 pp`` (ratios change in percentage points,
    with the one decimal their values are shown with); "—" when unknown. ``delta`` is the
    difference of the unrounded values."""
    text = formatting.change(delta, 0, formatting.RATIO if kind == "ratio" else formatting.COUNT, lang)
    return formatting.MISSING if text is None else text


def verdict(key: str, delta) -> str | None:
    """"better", "worse" or "same" for a change ``delta`` of headline measure ``key``."""
    return formatting.verdict(key, delta, 0)


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
