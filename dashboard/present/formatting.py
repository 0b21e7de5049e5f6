"""How numbers read: one place for counts, money, percentages, changes, dates and the
direction of every headline measure.

Pages, tables, the briefing and the exports' captions format through these functions, so
a figure reads the same everywhere: counts with thousands separators, money in 元 or 万元
(CNY in English), percentages with one decimal, dates as YYYY-MM-DD, and a change
computed from the unrounded values ("13.4% → 14.6%: +1.2 pp", never the difference of
two rounded figures). Unknown is not zero: a missing value reads "—" (or the caller's
``missing``), never ``0`` or ``None``.

Plain Python: no streamlit, no pandas needed by the callers (pandas values are accepted).
"""

from __future__ import annotations

from datetime import date, datetime

from dashboard.analytics.metric_table import BY_KEY, COUNT, HIGHER, LOWER, MONEY, RATE, RATIO, Metric
from dashboard.i18n import t

MISSING = "—"
MINUS = "−"  # U+2212: a minus sign, not a hyphen, in every figure a person reads
WAN = 10_000  # 1 万
MILLION = 1_000_000


def is_missing(value) -> bool:
    """True for None, NaN, NaT and pandas' NA: a value that is unknown, which is not zero."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and NA are not equal to themselves
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True


def _signed(text: str, negative: bool) -> str:
    return (MINUS + text) if negative else text


def count(value, missing: str = MISSING) -> str:
    """A count with thousands separators, rounded to a whole number: ``12,345``."""
    if is_missing(value):
        return missing
    return _signed(f"{abs(round(float(value))):,.0f}", round(float(value)) < 0)


def published_count(value, missing: str = MISSING) -> str:
    """A count under small-cell suppression: a published count with its separators, or
    its marker ("<5", "x") as it is."""
    return value if isinstance(value, str) else count(value, missing)


def points(value, lang: str, missing: str = MISSING) -> str:
    """A change in percentage points, signed (+36.0 / −44.7 个百分点), or ``missing``."""
    if is_missing(value):
        return missing
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return t("households.points", lang, value=f"{sign}{abs(value):.1f}")


def decimal(value, digits: int = 2, missing: str = MISSING) -> str:
    """A number with thousands separators and a fixed number of decimals: ``1,234.57``."""
    if is_missing(value):
        return missing
    text = f"{abs(float(value)):,.{digits}f}"
    return _signed(text, float(value) < 0 and float(text.replace(",", "")) != 0)


def quantity(value, missing: str = MISSING, separators: bool = True) -> str:
    """A quantity as it was reported: ``12,345`` for a whole number, up to two decimals
    otherwise (``2.5``, never ``2.50`` or ``3``). ``separators=False`` for a file
    (``12345``)."""
    if is_missing(value):
        return missing
    text = decimal(value, 0 if float(value).is_integer() else 2)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if separators else text.replace(",", "")


def percent(ratio, digits: int = 1, missing: str = MISSING) -> str:
    """A ratio in [0, 1] as a percentage with a fixed precision: 0.1342 → ``13.4%``."""
    if is_missing(ratio):
        return missing
    return decimal(float(ratio) * 100, digits) + "%"


def money(amount, lang: str, missing: str = MISSING) -> str:
    """An amount of yuan as a person reads it.

    Chinese: below 10,000 in 元 (``8,500 元``); from 10,000 in 万元, with two decimals
    below one million (``8.50 万元``) and one above (``1,057.0 万元``). English: below a
    million in full (``CNY 85,000``), from a million in millions (``CNY 10.57 million``).
    """
    if is_missing(amount):
        return missing
    value = float(amount)
    size = abs(value)
    if lang == "zh":
        if size < WAN:
            return t("number.yuan", lang, amount=decimal(value, 0))
        return t("number.wan_yuan", lang, amount=decimal(value / WAN, 2 if size < MILLION else 1))
    if size < MILLION:
        return t("number.yuan", lang, amount=decimal(value, 0))
    return t("number.million_yuan", lang, amount=decimal(value / MILLION, 2))


def day(value, missing: str = MISSING) -> str:
    """A date as ``YYYY-MM-DD``, never with a time (datetimes and timestamps are cut to
    their day; text is returned as given)."""
    if is_missing(value):
        return missing
    if isinstance(value, datetime):  # pandas.Timestamp is a datetime
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- measures: what kind of number each is, and which way is better ----------------------

def measure(name: str) -> Metric:
    """The metric ``name`` of the metric table: its ``kind`` and which way is ``better``
    (a count that is neither better nor worse when the table has no such metric)."""
    return BY_KEY.get(name) or Metric(name, COUNT, None, "", "")


def value(name: str, number, lang: str, missing: str = MISSING) -> str:
    """``number`` formatted as measure ``name`` reads (percent, rate, money or count)."""
    kind = measure(name).kind
    if kind == RATIO:
        return percent(number, missing=missing)
    if kind == RATE:
        return decimal(number, 2, missing=missing)
    if kind == MONEY:
        return money(number, lang, missing=missing)
    return count(number, missing=missing)


def change(now, before, kind: str, lang: str, digits: int = 1) -> str | None:
    """The change from ``before`` to ``now``, computed from the unrounded values.

    Counts: ``+12``, ``−3``, ``±0``. Ratios in percentage points with ``digits``
    decimals (0.134 → 0.146: ``+1.2 pp`` / ``+1.2 个百分点``). Rates with two decimals,
    money as :func:`money`. None when either value is unknown.
    """
    if is_missing(now) or is_missing(before):
        return None
    delta = float(now) - float(before)
    if kind == RATIO:
        shown, text, unit = round(delta * 100, digits), decimal(delta * 100, digits), t("number.pp", lang)
    elif kind == RATE:
        shown, text, unit = round(delta, 2), decimal(delta, 2), ""
    elif kind == MONEY:
        shown, text, unit = round(delta), money(delta, lang), ""
    else:
        shown, text, unit = round(delta), count(delta), ""
    if shown == 0:  # no change that the shown precision can tell
        return "±0" + unit
    return (text if delta < 0 else "+" + text) + unit


def verdict(name: str, now, before) -> str | None:
    """``"better"``, ``"worse"`` or ``"same"`` for a change of measure ``name``; None when
    either value is unknown or the measure is neither better nor worse (context)."""
    if is_missing(now) or is_missing(before):
        return None
    better = measure(name).better
    delta = float(now) - float(before)
    if delta == 0:
        return "same"
    if better is None:
        return None
    return "better" if (delta > 0) == (better == HIGHER) else "worse"


def delta_color(name: str) -> str:
    """Streamlit's ``st.metric(delta_color=...)`` for measure ``name``: ``"normal"`` when
    higher is better (a rise is green), ``"inverse"`` when higher is worse (a rise is
    red), ``"off"`` for a context figure."""
    better = measure(name).better
    return "normal" if better == HIGHER else "inverse" if better == LOWER else "off"
