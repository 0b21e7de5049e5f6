"""Text normalisation and short-name derivation for Chinese place names.

Two different strings come out of this module:

* ``normalise(text)`` - a cleaned string for *comparison* (never for display):
  Unicode NFKC, every kind of whitespace and invisible character removed,
  Latin letters lower-cased.
* ``match_key(text)`` - what the region registry indexes on: ``normalise`` plus
  folding of a few traditional characters and removal of Latin punctuation, so
  ``武漢``, ``Lu'an`` and ``wu han`` hit the same entries as ``武汉``/``luan``/``wuhan``.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that survive NFKC and are not matched by str.isspace():
# zero-width space/non-joiner/joiner, BOM, word joiner, soft hyphen. Spreadsheets
# exported from Chinese office suites contain these (see the Wuhan Red Cross list).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_RE = re.compile(r"[\s" + _INVISIBLE + r"]+")

# Administrative suffixes, longest first so 自治县 wins over 县 and 特别行政区 over 区.
ADMIN_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "特别行政区",
            "维吾尔自治区",
            "壮族自治区",
            "回族自治区",
            "自治区",
            "自治州",
            "自治县",
            "自治旗",
            "地区",
            "林区",
            "新区",
            "省",
            "市",
            "区",
            "县",
            "盟",
            "旗",
            "州",
        },
        key=len,
        reverse=True,
    )
)
# '州' is only stripped as part of 自治州; on its own it is part of the name (荆州, 鄂州).
_STANDALONE_KEEP = {"州"}

# Ethnic-group names that precede 自治州/自治县/自治旗 (恩施土家族苗族自治州,
# 巴音郭楞蒙古自治州, 克孜勒苏柯尔克孜自治州). One-character groups are only stripped
# together with 族 so that ordinary characters (白, 水, 土...) are never eaten.
_ETHNIC_MULTI = (
    "蒙古", "维吾尔", "布依", "朝鲜", "土家", "哈尼", "哈萨克", "傈僳", "高山", "拉祜",
    "东乡", "纳西", "景颇", "柯尔克孜", "达斡尔", "仫佬", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
_ETHNIC_SINGLE = (
    "回", "藏", "苗", "彝", "壮", "满", "侗", "瑶", "白", "黎", "佤", "畲", "水", "土", "羌", "怒", "京",
)
_ETHNIC_TOKENS = tuple(
    sorted(
        [g + "族" for g in _ETHNIC_MULTI + _ETHNIC_SINGLE] + list(_ETHNIC_MULTI),
        key=len,
        reverse=True,
    )
)

# A handful of traditional -> simplified characters common in Hubei place names, so
# that names typed on a traditional-Chinese keyboard still resolve (武漢 -> 武汉).
# Not a general converter: opencc would be the tool for that.
_TRAD_TO_SIMP = str.maketrans(
    {
        "漢": "汉", "黃": "黄", "門": "门", "陽": "阳", "寧": "宁", "隨": "随", "岡": "冈",
        "荊": "荆", "潛": "潜", "農": "农", "縣": "县", "區": "区", "東": "东", "鄖": "郧",
        "灣": "湾", "豐": "丰", "長": "长", "廣": "广", "慶": "庆",
        "蘇": "苏", "雲": "云", "龍": "龙", "興": "兴", "鳳": "凤", "華": "华", "當": "当",
        "孫": "孙", "應": "应", "頭": "头", "嶺": "岭", "鄉": "乡", "鎮": "镇",
    }
)
_LATIN_PUNCT_RE = re.compile(r"[\-'’`_.,·・()（）]")


def normalise(text: object) -> str:
    """Return a comparison form of ``text``.

    Parameters
    ----------
    text : object
        Any value; ``None`` and NaN-like values give ``""``. Non-strings are
        converted with ``str``.

    Returns
    -------
    str
        NFKC-normalised text with *all* whitespace removed (including NBSP
        U+00A0, ideographic space U+3000 and zero-width U+200B/C/D, U+FEFF) and
        Latin letters lower-cased. Removing inner whitespace is intended: in
        Chinese names a space is always noise (``武 汉 市``).
    """
    if text is None:
        return ""
    s = str(text)
    if s.lower() in {"nan", "none"}:
        return ""
    # NFKC first: it maps full-width Latin/digits and U+3000 to ASCII forms.
    s = unicodedata.normalize("NFKC", s)
    s = _DROP_RE.sub("", s)
    return s.lower()


def match_key(text: object) -> str:
    """Return the key the region registry indexes names under.

    Parameters
    ----------
    text : object
        A name, short name, pinyin or English name.

    Returns
    -------
    str
        ``normalise(text)`` with common traditional characters folded to
        simplified and Latin punctuation (apostrophes, hyphens, dots) removed.
    """
    s = normalise(text).translate(_TRAD_TO_SIMP)
    return _LATIN_PUNCT_RE.sub("", s)


def _strip_ethnic(stem: str) -> str:
    """Strip trailing ethnic-group tokens (``恩施土家族苗族`` -> ``恩施``)."""
    changed = True
    while changed:
        changed = False
        for token in _ETHNIC_TOKENS:
            if stem.endswith(token) and len(stem) - len(token) >= 2:
                stem = stem[: -len(token)]
                changed = True
                break
    return stem


def strip_admin_suffix(name: str) -> str:
    """Remove one administrative suffix, keeping at least two characters.

    Parameters
    ----------
    name : str
        A full name such as ``江岸区`` or ``长阳土家族自治县``.

    Returns
    -------
    str
        ``江岸``, ``长阳土家族``; ``城区``/``随县`` are returned unchanged because
        stripping would leave a single character.
    """
    for suffix in ADMIN_SUFFIXES:
        if suffix in _STANDALONE_KEEP:
            continue
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def short_name(name: str) -> str:
    """Derive the conventional short name of an administrative region.

    Parameters
    ----------
    name : str
        Full Chinese name, e.g. ``恩施土家族苗族自治州``, ``武汉市``, ``湖北省``.

    Returns
    -------
    str
        ``恩施``, ``武汉``, ``湖北``. Ethnic-group words are removed only when
        the suffix was an autonomous one (自治州/县/旗/区), and never down to
        fewer than two characters.
    """
    name = normalise(name)
    stem = strip_admin_suffix(name)
    if stem != name and name.endswith(("自治州", "自治县", "自治旗", "自治区")):
        stem = _strip_ethnic(stem)
    return stem


def name_variants(name: str) -> tuple[str, ...]:
    """Return the full name, the suffix-stripped name and the short name (deduplicated).

    ``长阳土家族自治县`` -> (``长阳土家族自治县``, ``长阳土家族``, ``长阳``): the middle form
    is what several public tables (e.g. the 2019 county list) use as "short".
    """
    name = normalise(name)
    out: list[str] = []
    for v in (name, strip_admin_suffix(name), short_name(name)):
        if v and v not in out:
            out.append(v)
    return tuple(out)
