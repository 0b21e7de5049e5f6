"""Parsing of single cell values: dates, numbers, booleans and text.

Each parser returns the parsed value or raises ``ValueProblem`` with a stable code,
so validation can report exactly what was wrong with a cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

# Characters that Excel and web copy-paste leave in cells and that are never meaningful.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of plausible dates (1954..2118): anything else is not a date.
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


# Phone numbers (mainland mobiles, with or without +86 and separators; landlines with an
# area code) and e-mail addresses. Contacts of people in need or of volunteers are
# personal data Lifeline never stores (docs/SECURITY.md); free text loses them on import.
_CONTACT = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"
    r"|(?<!\d)0\d{2,3}[- ]\d{7,8}(?!\d)"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CONTACT_REMOVED = "[联系方式已删除]"
# Headers of columns that hold contacts; such columns are never read or kept.
CONTACT_HEADER = re.compile(r"联系人|联系电话|联系方式|电话|手机|微信|邮箱|e-?mail|phone|mobile|"
                            r"contact|wechat", re.IGNORECASE)


def strip_contacts(text: str) -> str:
    """``text`` with phone numbers and e-mail addresses replaced by CONTACT_REMOVED."""
    return _CONTACT.sub(CONTACT_REMOVED, text)


def parse_date(value: object) -> date:
    """Parse a date from ISO, ``2020/2/15``, ``2020年2月15日``, Excel cells or serials."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
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
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueProblem("bad_date", "YYYY-MM-DD")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_number(value: object) -> float:
    """Parse a number, tolerating thousands separators and full-width digits."""
    if isinstance(value, bool):
        raise ValueProblem("bad_number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem("bad_number")
        return float(value)
    text = unicodedata.normalize("NFKC", clean_text(value)).replace(",", "")
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueProblem("bad_number") from exc
    if not math.isfinite(number):
        raise ValueProblem("bad_number")
    return number


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
