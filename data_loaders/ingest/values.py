"""Parsing of single cell values: dates, numbers, booleans and text.

Each parser returns the parsed value or raises ``ValueProblem`` with a stable code,
so validation can report exactly what was wrong with a cell.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from datetime import date, datetime, timedelta

# Characters that Excel and web copy-paste leave in cells and that are never meaningful,
# and the bidirectional marks, embeddings, overrides and isolates (LRM, RLM, ALM, LRE …
# RLO, LRI … PDI): invisible, they can make a name display as something else
# ("Trojan Source"), so they are removed from every text value.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff"
             "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None)
_EXCEL_EPOCH = date(1899, 12, 30)
# Numbers read as Excel serial dates (1954..2118): anything else is not a date. Like
# any other date, the day a serial gives must then lie in ``date_window``.
_SERIAL_RANGE = (20000, 80000)

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class ValueProblem(Exception):
    """A cell that cannot be read; ``code`` names the problem."""

    def __init__(self, code: str, expected: str = ""):
        super().__init__(code)
        self.code = code
        self.expected = expected


def is_blank(value: object) -> bool:
    """True for None, NaN, NaT and strings of only whitespace."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not clean_text(value)
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def clean_text(value: object) -> str:
    """Text with invisible characters removed and spaces trimmed; data is otherwise kept."""
    text = str(value).translate(_INVISIBLE).replace("\u00a0", " ").replace("\u3000", " ")
    return text.strip()


# -- contacts ------------------------------------------------------------------------
# Contacts of people in need or of volunteers are personal data Lifeline never stores
# (docs/SECURITY.md): every text value and every note loses them on import. One pattern
# serves all formats, so a contact the template would catch is caught in a feed's notes
# too.
#
# A number is only taken whole: never out of a longer run of digits or letters, nor
# after a URL's punctuation, so account numbers, adcodes (420100), quantities (20000)
# and dates inside links (…/t20200126_…) are left alone.
_BEFORE = r"(?<![0-9A-Za-z_/.=&?-])"
_AFTER = r"(?![0-9A-Za-z_])"
# Mainland mobiles, whole or 3-4-4 with dashes or spaces, with or without +86 / 0086.
_MOBILE = r"(?:(?:\+|00)86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}"
# Landlines with an area code: 027-87654321, 0710 3334444, (027)87654321, 02787654321.
_LANDLINE = r"(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}[-\s]?)\d{7,8}"
_PHONE = rf"{_BEFORE}(?:{_MOBILE}|{_LANDLINE}){_AFTER}"
# A bare local number (87654321) is a phone only after a word that says so: without
# one, seven or eight digits are as likely a quantity or a date.
_LOCAL = rf"(?:电话|座机|热线|手机|(?i:tel|phone))\s*[:：]?\s*\d{{7,8}}{_AFTER}"
# A person named after a role word (对接人吴刚, 联系人：王老师), with the contact that
# follows; 联系 alone only before a colon or a contact, as it also begins ordinary
# phrases (联系医院).
_NAME = r"[\u4e00-\u9fff·]{2,4}(?:老师|先生|女士|小姐|主任|医生)?"
_THEN_CONTACT = rf"\s*[,，:：]?\s*(?:{_PHONE})"
_ROLE_NAME = (rf"(?:对接|联系|负责|联络)人\s*[:：]?\s*{_NAME}(?:{_THEN_CONTACT})?"
              rf"|联系\s*[:：]\s*{_NAME}(?:{_THEN_CONTACT})?"
              rf"|联系\s*{_NAME}{_THEN_CONTACT}")
# WeChat ids: 6-20 letters, digits, _ or -, beginning with a letter.
_WECHAT = r"(?:微信号?|(?i:wechat|weixin))\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9])"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_CONTACT = re.compile("|".join((_ROLE_NAME, _WECHAT, _PHONE, _LOCAL, _EMAIL)))
CONTACT_REMOVED = "[联系方式已删除]"
# Headers of columns that hold contacts; such columns are never read or kept.
CONTACT_HEADER = re.compile(r"联系人|联系电话|联系方式|电话|手机|微信|邮箱|e-?mail|phone|mobile|"
                            r"contact|wechat", re.IGNORECASE)


def strip_contacts(text: str) -> str:
    """``text`` with every contact replaced by CONTACT_REMOVED.

    Removed: mobile and landline numbers (with or without separators, +86 or an area
    code), a bare 7-8 digit number after 电话/座机/热线/手机/tel/phone, e-mail
    addresses, WeChat ids after 微信/微信号/WeChat, and a person's name after a role
    word (对接人, 联系人, 负责人, 联络人, 联系) together with the number that follows it.
    """
    return _CONTACT.sub(CONTACT_REMOVED, text)


def has_contact(text: str) -> bool:
    """True when :func:`strip_contacts` would remove something from ``text``."""
    return _CONTACT.search(text) is not None


# -- plausible dates ---------------------------------------------------------------------
# A date outside this window is a typo or an attack, never a record of the response:
# one dated 9999-12-31 moved every page to that day, one dated 0001-01-01 made an export
# span two thousand years. The window is configurable by environment (docs/DATA.md).
EARLIEST_DATE_VARIABLE = "LIFELINE_EARLIEST_DATE"
DAYS_AHEAD_VARIABLE = "LIFELINE_MAX_DAYS_AHEAD"
DEFAULT_EARLIEST_DATE = date(2000, 1, 1)
# A year and a day ahead: plans (expected deliveries, grant ends) reach into next year.
DEFAULT_MAX_DAYS_AHEAD = 366
# The most days ahead the variable may allow (ten years).
MAX_DAYS_AHEAD_LIMIT = 3660


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last plausible date, both included.

    From ``LIFELINE_EARLIEST_DATE`` (YYYY-MM-DD, default 2000-01-01) to
    ``LIFELINE_MAX_DAYS_AHEAD`` days after ``today`` (a whole number from 0 to 3660,
    default 366). A value that cannot be read, or an earliest date after today, means
    the default.
    """
    today = today or date.today()
    try:
        earliest = date.fromisoformat(os.environ.get(EARLIEST_DATE_VARIABLE, "").strip())
    except ValueError:
        earliest = DEFAULT_EARLIEST_DATE
    if earliest > today:
        earliest = DEFAULT_EARLIEST_DATE
    try:
        ahead = int(os.environ.get(DAYS_AHEAD_VARIABLE, DEFAULT_MAX_DAYS_AHEAD))
    except ValueError:
        ahead = DEFAULT_MAX_DAYS_AHEAD
    if not 0 <= ahead <= MAX_DAYS_AHEAD_LIMIT:
        ahead = DEFAULT_MAX_DAYS_AHEAD
    return earliest, today + timedelta(days=ahead)


def plausible_date(value: date) -> date:
    """``value`` when it lies in :func:`date_window`; else ValueProblem('implausible_date')
    whose ``expected`` names the window (``2000-01-01 – 2027-12-02``)."""
    earliest, latest = date_window()
    if not earliest <= value <= latest:
        raise ValueProblem("implausible_date", f"{earliest.isoformat()} – {latest.isoformat()}")
    return value


def parse_date(value: object) -> date:
    """Parse a date from ISO, ``2020/2/15``, ``2020年2月15日``, Excel cells or serials."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = unicodedata.normalize("NFKC", clean_text(value))
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _from_serial(float(text))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            try:
                return date(y, m, d)
            except ValueError as exc:
                raise ValueProblem("impossible_date") from exc
    raise ValueProblem("bad_date", "YYYY-MM-DD")


def _from_serial(serial: float) -> date:
    # Compared before any conversion: a huge int would overflow float(), NaN fails both.
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueProblem("bad_date", "YYYY-MM-DD")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


# -- numbers -----------------------------------------------------------------------------
# No cell holds a magnitude beyond this: it is more than any count, amount or population
# (the schema's columns have tighter bounds), and below 2**53, so every whole number up
# to it is exact in a float and sums of a few million of them stay finite and exact.
NUMBER_LIMIT = 1e15
# A non-zero magnitude below this is noise, not data (1e-320 is a subnormal float): no
# quantity, amount or coordinate is written that finely.
NUMBER_RESOLUTION = 1e-9


def show_number(number: float) -> str:
    """A bound as a person reads it: ``1,000,000,000``, ``-90``, ``0.000000001``."""
    if number == int(number):
        return f"{number:,.0f}"
    return f"{number:,.9f}".rstrip("0")


def check_magnitude(number: float) -> float:
    """``number`` as a float when its magnitude is plausible (0, or between
    ``NUMBER_RESOLUTION`` and ``NUMBER_LIMIT``); -0 becomes 0.

    Takes Python ints of any size without converting them first, so 10**400 is a
    problem (``above_maximum``), not an OverflowError. Too small a non-zero magnitude is
    ``tiny_number``; NaN is ``bad_number``.
    """
    if number != number:  # NaN
        raise ValueProblem("bad_number")
    if number > NUMBER_LIMIT:
        raise ValueProblem("above_maximum", f"≤ {show_number(NUMBER_LIMIT)}")
    if number < -NUMBER_LIMIT:
        raise ValueProblem("below_minimum", f"≥ {show_number(-NUMBER_LIMIT)}")
    if number and abs(number) < NUMBER_RESOLUTION:
        raise ValueProblem("tiny_number", f"0 / ≥ {show_number(NUMBER_RESOLUTION)}")
    return float(number) + 0.0


def parse_number(value: object) -> float:
    """Parse a number, tolerating thousands separators and full-width digits.

    Words (``inf``, ``nan``) and NaN are ``bad_number``; magnitudes are checked by
    :func:`check_magnitude`, so an infinite float (JSON's 1e400) is too large.
    """
    if isinstance(value, bool):
        raise ValueProblem("bad_number")
    if isinstance(value, (int, float)):
        return check_magnitude(value)
    text = unicodedata.normalize("NFKC", clean_text(value)).replace(",", "")
    # float() would read "inf", "nan" and "infinity": they are words, not numbers.
    if not any(char.isdigit() for char in text):
        raise ValueProblem("bad_number")
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueProblem("bad_number") from exc
    # A run of digits too long for a float reads as infinity: too large, not a word.
    return check_magnitude(number)


def parse_int(value: object) -> int:
    """Parse a whole number (``12``, ``12.0``); fractions are a problem."""
    number = parse_number(value)
    if number != int(number):
        raise ValueProblem("bad_integer")
    return int(number)


_TRUE = {"yes", "y", "true", "t", "1", "是", "对", "√", "✓", "定点"}
_FALSE = {"no", "n", "false", "f", "0", "否", "不是", "×", "非定点"}


def parse_bool(value: object) -> bool:
    """Parse yes/no in English or Chinese (是/否), true/false, 1/0."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueProblem("bad_bool", "yes / no")


def parse_id(value: object) -> str:
    """Parse a key: trimmed text; a number read by Excel as 12.0 becomes ``12``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)
