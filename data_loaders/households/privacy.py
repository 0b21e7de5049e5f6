"""What a household record must never hold: a name, a phone number, an ID-card number, an
exact address or another contact. Lifeline follows families in difficulty without ever
becoming a register of people that could hurt them.

Two checks run before anything is written: a file's headers (a column that would hold a
name, a phone, an ID-card number, an address or a contact is refused whole, with its
values unread) and every value (a phone or ID-card number written into any cell, the
household's own id included, is refused and named by row and column, never echoed).
Free-text notes are scrubbed instead of refused (:func:`scrub`): caseworkers write
notes in a hurry, and losing the note would lose the follow-up.
"""

from __future__ import annotations

import re

from data_loaders.ingest.values import CONTACT_HEADER, CONTACT_REMOVED, has_contact, strip_contacts

# Header spellings that name identifying columns, besides the contact columns every
# import already drops (values.CONTACT_HEADER): Chinese as substrings (户主姓名,
# 家庭住址), Latin as words of the header (contact_name, Home address).
_ZH_HEADERS = {
    "name": ("姓名", "名字", "户主", "称呼"),
    "id_card": ("身份证", "证件"),
    "address": ("地址", "住址", "门牌", "住所"),
}
_EN_WORDS = {
    "name": {"name", "names", "fullname", "surname", "firstname", "lastname"},
    "id_card": {"idcard", "passport", "nationalid", "ssn"},
    "address": {"address", "street", "addr"},
}
# The headers that hold the household's own pseudonymous id and the organisation that
# follows it: safe, although an organisation's column may be called "org_name".
_SAFE_HEADERS = {"household_id", "household", "org_id", "org_name", "organization",
                 "organisation", "住户编号", "家庭编号", "户编号", "机构", "机构编号"}
# ID-card numbers: 18 characters (17 digits and a digit or X) or the old 15 digits.
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")


def identifying_header(header: str) -> str | None:
    """The kind of identifying detail a column called ``header`` would hold ("name",
    "contact", "id_card", "address"), or None when the header is safe."""
    text = str(header).strip().lower()
    if not text or text in _SAFE_HEADERS:
        return None
    words = {w for w in re.split(r"[^a-z]+", text) if w}
    joined = re.sub(r"[^a-z]+", "", text)
    for kind in _ZH_HEADERS:
        if any(part in text for part in _ZH_HEADERS[kind]):
            return kind
        if words & _EN_WORDS[kind] or joined in _EN_WORDS[kind]:
            return kind
    return "contact" if CONTACT_HEADER.search(text) else None


def identifying_value(value: object) -> str | None:
    """The kind of identifying detail written in ``value`` ("id_card" or "contact": a
    phone number, an e-mail address, a WeChat id, a person named after a role word), or
    None. ID-card numbers are looked for first: 18 digits also hold a phone number."""
    text = "" if value is None else str(value)
    if _ID_CARD.search(text):
        return "id_card"
    if has_contact(text):
        return "contact"
    return None


def scrub(text: str | None) -> str | None:
    """``text`` with every ID-card number and contact replaced by the words that say a
    contact was removed."""
    if text is None:
        return None
    return strip_contacts(_ID_CARD.sub(CONTACT_REMOVED, text))
