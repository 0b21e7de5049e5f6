"""Fuzzy matching of loosely written recipient names to known facilities.

Official lists name recipients the way people speak: ``中心医院``, ``同济医院``,
``市一医院``, ``武汉市五医院``. The rule below turns such a name into a ranked list of
known facilities with a confidence, and decides whether the best one may be accepted
without a person looking at it. Nothing below the threshold is ever guessed silently:
the caller sends it to the review queue (``data_loaders.ingest.review``).

The rule (docs/FORMATS-distribution-sheet.md explains it with examples):

1. **Normalise** both names: ``geo.names.normalise`` (NFKC, every whitespace and
   zero-width character removed); bracketed parts are cut out (and tried as
   alternative names); leading province and prefecture names (``湖北省``, ``武汉市``,
   ``武汉``) and a bare ``市``/``省`` are stripped; ``附属`` is removed; ``第`` before a
   numeral is dropped (``第五医院`` and ``五医院`` are the same hospital).
2. **Score** each candidate (the best over the name variants):

   - equal normalised names: 1.0;
   - a remembered alias (a person confirmed it before): 1.0, and it always wins;
   - one name contains the other: ``0.6 + 0.3 * coverage`` (coverage = share of the
     longer name the shorter one covers), so containment reaches the threshold only
     when it covers most of the name *and* the prefecture agrees;
   - otherwise similarity: ``0.8 * max(bigram Jaccard, difflib ratio)``, which alone
     never reaches the threshold: it only ever proposes;
   - numbers disagree (``三`` vs ``五``, or ``三`` vs none): capped at 0.4. A numeral is
     what tells Wuhan's hospitals apart, so ``中心医院`` never matches ``第三中心医院``;
   - prefecture: +0.05 when the candidate's prefecture is the name's (written in the
     name, or given by the caller), -0.1 when it is known and different;
   - levels disagree: when both names say who runs them and one is the province's
     (``湖北省…``, ``省…``) while the other is a prefecture's (``武汉市…``, ``市…``), they
     are different institutions (``武汉市中西医结合医院`` is not ``湖北省中西医结合医院``):
     capped at ``LEVEL_CONFLICT_CAP``, so the pair can only be proposed for review.
3. **Decide** (``accept``): a remembered alias, or the only candidate whose name is
   exactly the name written (confidence 1.0), is accepted; two candidates at 1.0 go to
   review. Otherwise the best candidate is accepted when its score is at least
   ``THRESHOLD`` and no other candidate is within ``AMBIGUITY_MARGIN`` of it; anything
   else goes to review, with the best candidate (if it scores ``PROPOSE_MIN`` or more)
   as the proposal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from geo.names import normalise

THRESHOLD = 0.85  # at or above (and unambiguous): accepted without review
AMBIGUITY_MARGIN = 0.05  # two candidates closer than this: a person decides
PROPOSE_MIN = 0.5  # below this a candidate is not even proposed
REGION_BONUS = 0.05
REGION_PENALTY = 0.10
NUMERAL_CONFLICT_CAP = 0.4

_NUMERALS = "一二三四五六七八九十零〇两百0123456789"
_NUMERAL_RE = re.compile(f"[{_NUMERALS}]")
_ORDINAL_RE = re.compile(f"第(?=[{_NUMERALS}])")
# After NFKC full-width brackets are ASCII; 【】〔〕 survive NFKC and are listed too.
_BRACKET_RE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕")
_MIN_STEM = 2  # never strip a prefix down to fewer characters than this


@dataclass(frozen=True)
class Match:
    """A candidate facility for a raw name, with the rule's confidence (0..1)."""

    facility_id: str
    name: str
    confidence: float
    rule: str = "similar"  # alias | exact | contains | similar | conflict
    score: float = 0.0  # uncapped score used for ranking and the ambiguity test


@lru_cache(maxsize=4)
def _region_prefixes(province: str) -> tuple[tuple[str, str | None], ...]:
    """(prefix, prefecture adcode) pairs to strip, longest first.

    The province's full and short names map to None (no prefecture); each prefecture's
    full and short names map to its adcode.
    """
    from geo.regions import load_registry

    registry = load_registry()
    pairs: dict[str, str | None] = {}
    try:
        prov = registry.get(province)
        pairs[normalise(prov.name)] = None
        pairs[normalise(prov.short)] = None
    except KeyError:
        pass
    for pref in registry.prefectures(province):
        for text in (pref.name, pref.short):
            key = normalise(text)
            if len(key) >= 2:
                pairs.setdefault(key, pref.adcode)
    return tuple(sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True))


def _prefixes() -> tuple[tuple[str, str | None], ...]:
    from geo import config

    return _region_prefixes(config.province_adcode())


LEVEL_CONFLICT_CAP = 0.6


def written_level(text: object) -> str | None:
    """``province`` or ``prefecture`` when a name starts by saying who runs it, else None.

    The innermost level written counts: ``湖北省武汉市第三医院`` is a city's hospital.
    """
    name = normalise(text)
    prefixes = _level_prefixes()
    province = next((p for p in prefixes["province"] if name.startswith(p)), None)
    if province:
        rest = name[len(province):]
        inner = rest.startswith("市") or any(rest.startswith(p) for p in prefixes["prefecture"])
        return "prefecture" if inner else "province"
    if name.startswith("省"):
        return "province"
    if name.startswith("市") or any(name.startswith(p) for p in prefixes["prefecture"]):
        return "prefecture"
    return None


@lru_cache(maxsize=1)
def _level_prefixes() -> dict[str, tuple[str, ...]]:
    from geo.regions import load_registry

    frame = load_registry().as_frame()
    out = {}
    for level in ("province", "prefecture"):
        rows = frame[frame["level"] == level]
        # Full names only (湖北省, 武汉市): a short name may begin an ordinary word.
        out[level] = tuple(sorted(set(rows["name"]), key=len, reverse=True))
    return out


def split_region(text: object) -> tuple[str, str | None]:
    """Strip leading province/prefecture names from a normalised name.

    Parameters
    ----------
    text : object
        A name, already normalised or not.

    Returns
    -------
    tuple of (str, str or None)
        The rest of the name and the adcode of the prefecture named in the prefix
        (None when no prefecture was written).
    """
    name = normalise(text)
    region = None
    changed = True
    while changed:
        changed = False
        for prefix, adcode in _prefixes():
            if name.startswith(prefix) and len(name) - len(prefix) >= _MIN_STEM:
                name = name[len(prefix):]
                region = adcode or region
                changed = True
                break
        # A bare 市/省 left in front (市一医院, 省人民医院) says "the local one".
        if name[:1] in ("市", "省") and len(name) - 1 >= _MIN_STEM:
            name = name[1:]
            changed = True
    return name, region


def is_region_name(text: object) -> bool:
    """True when ``text`` is nothing but a province or prefecture name (``武汉市``).

    A recipient cell holding only this is the first half of a name wrapped onto the
    next row, never a recipient of its own.
    """
    name = normalise(text)
    return bool(name) and any(name == prefix for prefix, _ in _prefixes())


def _clean(name: str) -> str:
    name = name.replace("附属", "")
    return _ORDINAL_RE.sub("", name)


def variants(text: object) -> tuple[list[str], str | None]:
    """The comparison forms of a name and the prefecture written in it.

    Returns
    -------
    tuple of (list of str, str or None)
        The main form (brackets cut out) first, then each bracketed part as an
        alternative name; and the prefecture adcode of a leading prefecture name.
    """
    raw = normalise(text)
    inner = [next(g for g in m.groups() if g is not None) for m in _BRACKET_RE.finditer(raw)]
    main, region = split_region(_BRACKET_RE.sub("", raw))
    out = [_clean(main)]
    for part in inner:
        stem, _ = split_region(part)
        stem = _clean(stem)
        # Only bracketed parts that look like a name (not 定向捐赠 remarks) count.
        if len(stem) >= 3 and stem not in out:
            out.append(stem)
    return [v for v in out if v], region


def normalise_name(text: object) -> str:
    """The main comparison form of a facility or recipient name (see module docstring)."""
    forms, _ = variants(text)
    return forms[0] if forms else ""


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def _pair_score(a: str, b: str) -> tuple[float, str]:
    """Score two normalised forms; returns (score, rule)."""
    if not a or not b:
        return 0.0, "similar"
    if set(_NUMERAL_RE.findall(a)) != set(_NUMERAL_RE.findall(b)):
        # Different numbers name different hospitals (第三医院 vs 第五医院).
        sim = difflib.SequenceMatcher(None, a, b).ratio()
        return min(NUMERAL_CONFLICT_CAP, 0.8 * sim), "conflict"
    if a == b:
        return 1.0, "exact"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= _MIN_STEM and short in long_:
        return 0.6 + 0.3 * len(short) / len(long_), "contains"
    jaccard = len(_bigrams(a) & _bigrams(b)) / len(_bigrams(a) | _bigrams(b))
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    return 0.8 * max(jaccard, ratio), "similar"


def _candidate_tuple(candidate) -> tuple[str, str, str | None]:
    """Accept (id, name), (id, name, region) tuples or mappings with those keys."""
    if isinstance(candidate, Mapping):
        return (str(candidate["facility_id"]), str(candidate["name"]),
                candidate.get("region_adcode") or candidate.get("region"))
    items = tuple(candidate)
    region = items[2] if len(items) > 2 else None
    return str(items[0]), str(items[1]), (str(region) if region not in (None, "") else None)


def match_name(raw: object, candidates: Iterable, region: str | None = None,
               aliases: Mapping[str, str] | None = None) -> list[Match]:
    """Rank known facilities for a loosely written name, best first.

    Parameters
    ----------
    raw : object
        The name as written (``中心医院``, ``武汉市五医院``).
    candidates : iterable
        Known facilities as ``(facility_id, name, prefecture_adcode)`` tuples (the
        adcode may be omitted or None) or mappings with those keys.
    region : str, optional
        The prefecture the list is about (``420100`` for the Wuhan Red Cross); a
        prefecture written in ``raw`` itself takes precedence.
    aliases : mapping, optional
        ``normalise_name(raw) -> facility_id`` remembered from confirmed reviews; a hit
        scores 1.0 and always wins.

    Returns
    -------
    list of Match
        Every candidate scoring above zero, best first (ties by facility id).
    """
    forms, written_region = variants(raw)
    target_region = written_region or region
    alias_id = (aliases or {}).get(forms[0]) if forms else None
    out: list[Match] = []
    for candidate in candidates:
        fid, name, cand_region = _candidate_tuple(candidate)
        if fid == alias_id:
            out.append(Match(fid, name, 1.0, "alias", 2.0))
            continue
        cand_forms, cand_written = variants(name)
        cand_region = cand_region or cand_written
        best, rule = 0.0, "similar"
        for a in forms:
            for b in cand_forms:
                score, how = _pair_score(a, b)
                if score > best:
                    best, rule = score, how
        if best <= 0:
            continue
        # A numeral conflict stays capped: the prefecture cannot make it a proposal.
        if target_region and cand_region and rule != "conflict":
            best += REGION_BONUS if str(cand_region) == str(target_region) else -REGION_PENALTY
        levels = (written_level(raw), written_level(name))
        if None not in levels and levels[0] != levels[1]:
            best, rule = min(best, LEVEL_CONFLICT_CAP), "level_conflict"
        out.append(Match(fid, name, round(max(0.0, min(1.0, best)), 3), rule, round(best, 4)))
    out.sort(key=lambda m: (-m.score, m.facility_id))
    return out


def clear_best(matches: list[Match]) -> Match | None:
    """The best candidate when no other competes with it, whatever its score; else None.

    A remembered alias always stands. Two candidates at confidence 1.0 (the same
    normalised name, neither ruled out by its prefecture) compete; the one exact name
    at 1.0 stands whatever the margin; otherwise the best stands when no other
    candidate is within ``AMBIGUITY_MARGIN`` of it.
    """
    if not matches:
        return None
    best = matches[0]
    if best.rule == "alias":
        return best
    if sum(m.confidence >= 1.0 for m in matches) > 1:
        return None  # two facilities answer to the name: only a person can tell
    if best.confidence >= 1.0 and best.rule == "exact":
        return best
    # A small epsilon so that a gap of exactly the margin counts as clear.
    if len(matches) > 1 and best.score - matches[1].score < AMBIGUITY_MARGIN - 1e-9:
        return None
    return best


def accept(matches: list[Match]) -> Match | None:
    """The match that may be accepted without review, or None.

    Parameters
    ----------
    matches : list of Match
        Output of ``match_name`` (best first).

    Returns
    -------
    Match or None
        The ``clear_best`` candidate when it is a remembered alias, the one exact name
        at confidence 1.0 (no person is needed, whatever the ambiguity margin says; two
        facilities at 1.0 go to review), or scores at least ``THRESHOLD``; otherwise
        None (review).
    """
    best = clear_best(matches)
    if best is None or best.confidence < THRESHOLD:
        return None
    return best


def proposal(matches: list[Match]) -> Match | None:
    """The candidate to propose to a person: the best one if it scores ``PROPOSE_MIN``."""
    if matches and matches[0].confidence >= PROPOSE_MIN:
        return matches[0]
    return None
