"""Column mapping: read a table whose headers are not Lifeline's.

Hubs receive sheets made by hospitals and volunteers (``医院名称, 所在区县, 需要物资,
数量, 填报时间``). ``suggest_mapping`` proposes, for each header, the schema column it
most likely means; a person corrects the proposal, adds constants for what the file
lacks (every row is a hospital; every row was reported on 2020-02-15) and saves it as a
named profile beside the database. ``apply_mapping`` then turns each such file into a
template-shaped ``RawTable`` that goes through the normal validation and import.

Files that name a facility instead of giving its id are supported by the profile option
``facility_from_name``: the facility id is derived from the name and region, and the
facilities themselves are emitted as a second table so the references resolve.

The suggestion weighs what the cells hold as well as the headers
(``data_loaders.ingest.mapping_content``), never maps a column of contacts or a count no
column holds (``rules/header_never.csv``), and a sheet laid out for printing is read
from the header row a person picks (``header_row``). Mapped rows then get the built-in
formats' rules (``data_loaders.ingest.mapping_rules``): facility types from names, urgency
words, one need per item of a free-text list, categories from supply items.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import pandas as pd

from data_loaders.ingest import mapping_content, mapping_rules, values
from data_loaders.ingest.formats import Note
from data_loaders.ingest.readers import RawTable, table_from_rows
from data_loaders.store import schema

# A header is mapped only when its best column scores at least this much; below it a
# person decides (an unmapped header is dropped, never guessed into the wrong column).
MIN_SCORE = 0.6
# Scores by kind of evidence: a schema spelling beats a synonym, which beats any
# resemblance, so a fuzzy match can never outrank an exact one.
EXACT, SYNONYM, FUZZY_CAP = 1.0, 0.95, 0.9
# What the cells hold moves a header's score by at most this much either way: enough to
# tell a list of foundations from a list of hospitals under the same headers, never
# enough to map a column on content alone.
CONTENT_WEIGHT = 0.25
# Content only moves headers that already resemble the column this much: a two-letter
# "id" that faintly resembles "confirmed" is not made a case count by its numbers.
CONTENT_FLOOR = 0.5
# How much covering a table's required columns counts against the evidence explained: a
# table whose required columns the file cannot fill (needs with no facility) is a poor
# fit however many of its optional columns resemble headers.
COVERAGE_WEIGHT = 2.0

# The facility fields a needs or deliveries file may carry in place of facility_id,
# when the profile says ``facility_from_name``.
FACILITY_FIELDS = ("name", "region", "facility_type")
GENERATED_PREFIX = "M-"

SYNONYMS_FILE = Path(__file__).resolve().parent / "rules" / "header_synonyms.csv"
# Why a header is never mapped: a contact (``values.CONTACT_HEADER``), or a rule of
# ``rules/header_never.csv`` (a current count, suspected cases: no column holds them).
CONTACT = "contact"
_PROFILE_NAME = re.compile(r"^[\w\-]{1,64}$")  # \w is Unicode: Chinese names are fine
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Mapping:
    """How the headers of a foreign file map onto one table of the schema.

    ``columns`` maps each header to a column name, or None to drop it; ``scores`` keeps
    the suggestion's confidence per header (0..1); ``constants`` fills a column for
    every row (the file lacks it, or leaves cells blank). ``facility_from_name``
    derives ``facility_id`` from the facility's name and region and emits the
    facilities too; ``generate_key`` derives the table's key when the file has none.
    ``header_row`` is the index of the row holding the headers (0: the first row; a
    sheet laid out for printing has titles above its table).
    """

    table: str
    columns: dict[str, str | None] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    facility_from_name: bool = False
    generate_key: bool = True
    header_row: int = 0

    def to_dict(self) -> dict:
        """The mapping as plain JSON-ready data (what a profile file holds)."""
        return {"version": 1, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        """Rebuild a mapping from ``to_dict`` output; raise ValueError if malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("table"), str):
            raise ValueError("a mapping needs a table name")
        columns = data.get("columns") or {}
        constants = data.get("constants") or {}
        scores = data.get("scores") or {}
        if not all(isinstance(d, dict) for d in (columns, constants, scores)):
            raise ValueError("columns, constants and scores must be objects")
        header_row = data.get("header_row") or 0  # profiles saved before it: the first row
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 0:
            raise ValueError("header_row must be a row index (0 or more)")
        return cls(
            table=data["table"],
            columns={str(k): (str(v) if v else None) for k, v in columns.items()},
            scores={str(k): float(v) for k, v in scores.items()},
            constants={str(k): str(v) for k, v in constants.items() if v not in (None, "")},
            facility_from_name=bool(data.get("facility_from_name", False)),
            generate_key=bool(data.get("generate_key", True)),
            header_row=header_row,
        )

    @property
    def schema_table(self) -> schema.Table:
        """The schema table this mapping fills (KeyError if unknown)."""
        return schema.TABLES[self.table]


# --- Targets and spellings -------------------------------------------------------


def _as_table(table: schema.Table | str) -> schema.Table:
    return table if isinstance(table, schema.Table) else schema.TABLES[table]


def facility_fields(table: schema.Table | str) -> tuple[str, ...]:
    """The facility fields ``table`` may take in place of ``facility_id``.

    Only tables that refer to a facility and lack a column of the same name have them
    (needs and deliveries): for those, ``name`` means the facility's name.
    """
    table = _as_table(table)
    names = {c.name for c in table.columns}
    refers = any(c.name == "facility_id" and c.ref == "facilities" for c in table.columns)
    return tuple(f for f in FACILITY_FIELDS if f not in names) if refers else ()


def targets(table: schema.Table | str) -> list[str]:
    """Every column a header of ``table`` may map to: its input columns, then facility fields."""
    table = _as_table(table)
    return [c.name for c in table.input_columns] + list(facility_fields(table))


def target_column(table: schema.Table | str, name: str) -> schema.Column:
    """The schema column behind a target (a facility field is a facilities column)."""
    table = _as_table(table)
    if name in facility_fields(table):
        return schema.FACILITIES.column(name)
    return table.column(name)


def _normalise(text: object) -> str:
    """Lower-case letters, digits and CJK only: ``Facility_ID`` and ``facility id`` agree."""
    text = unicodedata.normalize("NFKC", values.clean_text(text)).lower()
    return re.sub(r"[\W_]+", "", text)


def _synonym_rows() -> list[dict]:
    """Rows of ``rules/header_synonyms.csv``: synonym, column, table (blank = any)."""
    try:
        from data_loaders.ingest.rules import load_rules  # the shared rule loader
    except ImportError:  # a checkout without it: the file is plain CSV all the same
        with open(SYNONYMS_FILE, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    return load_rules(SYNONYMS_FILE.name)


@lru_cache(maxsize=1)
def synonyms() -> dict[tuple[str, str], set[str]]:
    """Normalised synonyms per (table, column); table ``""`` applies to every table."""
    found: dict[tuple[str, str], set[str]] = {}
    for row in _synonym_rows():
        word, column = _normalise(row.get("synonym") or ""), (row.get("column") or "").strip()
        if word and column:
            found.setdefault(((row.get("table") or "").strip(), column), set()).add(word)
    return found


def _spellings(table: schema.Table, target: str) -> tuple[set[str], set[str]]:
    """(schema spellings, synonyms) of a target, normalised."""
    col = target_column(table, target)
    exact = {_normalise(s) for s in (col.name, col.zh, *col.aliases)}
    owner = "facilities" if target in facility_fields(table) else table.name
    table_syn = synonyms().get((table.name, target), set()) | synonyms().get((owner, target), set())
    return exact, synonyms().get(("", target), set()) | table_syn


def _is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def similarity(header: str, spelling: str) -> float:
    """How much a normalised header resembles a normalised spelling (0..FUZZY_CAP).

    The best of: difflib's ratio (typos: ``facilty`` / ``facility``), shared characters
    (Chinese word order: ``县区`` / ``区县``), containment (``需要物资`` holds ``物资``)
    and, for Latin headers, abbreviation (``qty`` is a subsequence of ``quantity``).
    """
    if not header or not spelling:
        return 0.0
    score = SequenceMatcher(None, header, spelling).ratio()
    cjk = bool(_CJK.search(header) or _CJK.search(spelling))
    if cjk:
        shared = sum((Counter(header) & Counter(spelling)).values())
        score = max(score, 2 * shared / (len(header) + len(spelling)))
    short, long = sorted((header, spelling), key=len)
    if len(short) >= (2 if _CJK.search(short) else 3) and short in long:
        score = max(score, 0.6 + 0.3 * len(short) / len(long))
    if (not cjk and 3 <= len(header) < len(spelling) and header[0] == spelling[0]
            and _is_subsequence(header, spelling)):
        score = max(score, 0.7)
    return min(score, FUZZY_CAP)


def header_score(header: str, table: schema.Table | str, target: str) -> float:
    """Confidence (0..1) that ``header`` means column ``target`` of ``table``."""
    table = _as_table(table)
    key = _normalise(header)
    exact, syn = _spellings(table, target)
    if key in exact:
        return EXACT
    if key in syn:
        return SYNONYM
    return max((similarity(key, s) for s in exact | syn), default=0.0)


# --- Headers never mapped -----------------------------------------------------------


@lru_cache(maxsize=1)
def never_rules() -> tuple[tuple[re.Pattern, str, str, str], ...]:
    """``rules/header_never.csv`` as (pattern, table, column, reason); blanks mean any."""
    from data_loaders.ingest.rules import load_rules

    return tuple((re.compile(row["pattern"], re.IGNORECASE), row["table"], row["column"],
                  row["reason"]) for row in load_rules("header_never"))


def never_reason(header: str, table: schema.Table | str, target: str | None = None) -> str | None:
    """Why ``header`` must never map to ``target`` of ``table`` (None: it may).

    ``contact`` for a column of contacts (``values.CONTACT_HEADER``: 联系人, 联系电话,
    手机, 微信, 邮箱, phone...), in every table and whatever the similarity: Lifeline
    never stores them. Otherwise the reason of the first matching rule of
    ``rules/header_never.csv`` (``current_count`` for 现有确诊 in case counts). With no
    target, only rules that forbid every column of the table count: the header maps to
    nothing there.
    """
    table = _as_table(table)
    if values.CONTACT_HEADER.search(str(header)):
        return CONTACT
    key = _normalise(header)
    for pattern, rule_table, column, reason in never_rules():
        if rule_table not in ("", table.name):
            continue
        if column and (target is None or column != target):
            continue
        if pattern.search(key):
            return reason
    return None


# --- Suggestion -------------------------------------------------------------------


def _guess_facility_type(header: str) -> str | None:
    """``医院名称`` names hospitals: the longest facility type named in the header."""
    found = [(len(s), c.value) for c in schema.FACILITY_TYPES
             for s in (c.zh, *c.aliases) if len(s) >= 2 and s in header]
    return max(found)[1] if found else None


def _suggest_for(headers: list[str], table: schema.Table,
                 profiles: list[mapping_content.ColumnProfile]) -> tuple[Mapping, float]:
    """The best mapping of ``headers`` onto ``table``, and the evidence it explains."""
    pairs = []
    for i, header in enumerate(headers):
        profile = profiles[i] if i < len(profiles) else mapping_content.ColumnProfile()
        for target in targets(table):
            if never_reason(header, table, target):
                continue
            score = header_score(header, table, target)
            evidence, _ = mapping_content.content_evidence(
                profile, table, target, target_column(table, target))
            if score and evidence == mapping_content.VETO:
                continue  # cells this column cannot take: never suggested
            if score >= CONTENT_FLOOR:
                score += CONTENT_WEIGHT * evidence
            pairs.append((score, -i, header, target))
    pairs.sort(reverse=True)
    columns: dict[str, str | None] = dict.fromkeys(headers)
    scores: dict[str, float] = dict.fromkeys(headers, 0.0)
    taken: set[str] = set()
    explained = 0.0
    # Greedy by score: each header and each column is used once, best evidence first.
    for score, _, header, target in pairs:
        if score < MIN_SCORE:
            break
        if columns[header] is None and target not in taken:
            columns[header], scores[header] = target, round(min(score, 1.0), 3)
            taken.add(target)
            explained += score
    mapping = Mapping(table.name, columns, scores)
    if facility_fields(table) and "name" in taken and "facility_id" not in taken:
        mapping.facility_from_name = True
    return mapping, explained


def _derivable(mapping: Mapping, present: set[str]) -> set[str]:
    """Required columns the mapping derives from others: ids and types from names,
    categories from items (``mapping_rules``)."""
    table = mapping.schema_table
    found = set()
    named = "name" in present
    if named and (mapping.facility_from_name or table is schema.FACILITIES and mapping.generate_key):
        found.add("facility_id")
    if named and (mapping.facility_from_name or table is schema.FACILITIES):
        found.add("facility_type")
    names = {c.name for c in table.columns}
    if "item" in present and {"item", "category"} <= names:
        found.add("category")
    return found


def _table_fit(mapping: Mapping, explained: float) -> float:
    """How well a suggestion fits its table: evidence for the headers, plus coverage.

    Coverage alone misleads: a needs file naming hospitals covers every required
    column of facilities with two of its five headers, and deliveries need only a
    facility. So the evidence the table explains (header scores moved by content)
    comes first, and the share of required columns covered (0..1, weighted by the
    evidence; a constant counts fully; the generated key is left out, as every table
    could generate one) separates near-ties.
    """
    table = mapping.schema_table
    by_target = {t: mapping.scores.get(h, 0.0) for h, t in mapping.columns.items() if t}
    for col, value in mapping.constants.items():
        if value not in (None, ""):
            by_target[col] = 1.0
    for col in _derivable(mapping, set(by_target)):
        source = "item" if col == "category" else "name"
        by_target.setdefault(col, by_target.get(source, 0.0))
    required = [c.name for c in table.input_columns
                if c.required and c.default is None and not (c.name == table.key and mapping.generate_key)]
    coverage = sum(by_target.get(c, 0.0) for c in required) / len(required) if required else 1.0
    return explained + COVERAGE_WEIGHT * coverage


def suggest_mapping(headers: list[str], table: schema.Table | str | None = None,
                    sample: pd.DataFrame | None = None) -> Mapping:
    """Suggest, for each header, the schema column it most likely means.

    Parameters
    ----------
    headers : list of str
        The file's headers, as read.
    table : Table or str, optional
        The table the file fills; when None, the table that explains most of the
        headers and their content, near-ties going to the one whose required columns
        are best covered (exact ties to the earlier table of ``schema.TABLES``).
    sample : DataFrame, optional
        The file's cells, one column per header (by position). Their content moves
        each header's score by up to ``CONTENT_WEIGHT`` (``mapping_content``).

    Returns
    -------
    Mapping
        Headers scoring below ``MIN_SCORE`` map to None, and so do contacts and the
        headers ``never_reason`` rules out. ``facility_from_name`` is set when a needs
        or deliveries file names facilities without ids.
    """
    headers = [str(h) for h in headers]
    profiles = mapping_content.profile_frame(sample)
    if table is not None:
        return _suggest_for(headers, _as_table(table), profiles)[0]
    best: tuple[float, Mapping] | None = None
    for candidate in schema.TABLES.values():
        mapping, explained = _suggest_for(headers, candidate, profiles)
        fit = _table_fit(mapping, explained)
        if best is None or fit > best[0]:
            best = (fit, mapping)
    return best[1]


def suggest_for_rows(rows: list[list], table: schema.Table | str | None = None,
                     header_row: int | None = None, source: str = "") -> Mapping:
    """Suggest a mapping for a sheet's raw rows (``readers.read_rows``).

    The header row is ``header_row``, else ``mapping_content.suggest_header_row``; the
    mapping records it, and the rows below it are the sample.
    """
    if header_row is None:
        header_row = mapping_content.suggest_header_row(rows)
    raw = table_from_rows(source, rows, header_row)
    mapping = suggest_mapping([str(h) for h in raw.frame.columns], table, raw.frame)
    mapping.header_row = header_row
    return mapping


def suggestion_reason(mapping: Mapping, sample: pd.DataFrame | None
                      ) -> list[tuple[str, str | None, int]]:
    """Why the content fits the mapping's table: kinds of mapped columns, grouped.

    Returns ``mapping_content.explain`` output, e.g. ``[("facility", "hospital", 1),
    ("supply", None, 1)]`` for a needs sheet ("a column of hospital names and a column
    of supplies"); empty when no sample or no content counted.
    """
    if sample is None:
        return []
    table = mapping.schema_table
    kinds = []
    for i, header in enumerate(str(h) for h in sample.columns):
        target = mapping.columns.get(header)
        if not target:
            continue
        profile = mapping_content.profile_column(sample.iloc[:, i])
        evidence, kind = mapping_content.content_evidence(
            profile, table, target, target_column(table, target))
        if evidence > 0 and kind:
            kinds.append((kind, profile.facility_type if kind == "facility" else None))
    return mapping_content.explain(kinds)


def check_mapping(mapping: Mapping) -> list[tuple[str, str]]:
    """What is wrong with a mapping, as ``(code, column)`` pairs (empty when fine).

    Codes: ``unknown_table``, ``unknown_column`` (not a target of the table, or a
    derived column), ``duplicate_column`` (two headers for one column),
    ``never_mapped`` (a header ``never_reason`` rules out, such as a contact column;
    the pair names the header), ``missing_required`` (a required column neither
    mapped, constant, defaulted nor derived). All but the last make ``apply_mapping``
    refuse; the last is left to validation, which reports it against the file.
    """
    if mapping.table not in schema.TABLES:
        return [("unknown_table", mapping.table)]
    table = mapping.schema_table
    allowed = set(targets(table))
    issues: list[tuple[str, str]] = []
    mapped = [t for t in mapping.columns.values() if t]
    for target in dict.fromkeys([*mapped, *mapping.constants]):
        if target not in allowed:
            issues.append(("unknown_column", target))
    for target, n in Counter(mapped).items():
        if n > 1:
            issues.append(("duplicate_column", target))
    for header, target in mapping.columns.items():
        if target and never_reason(header, table, target):
            issues.append(("never_mapped", header))
    present = set(mapped) | {c for c, v in mapping.constants.items() if v not in (None, "")}
    present |= _derivable(mapping, present)
    for col in table.input_columns:
        if not col.required or col.name in present or col.default is not None:
            continue
        if col.name == table.key and mapping.generate_key:
            continue
        issues.append(("missing_required", col.name))
    if mapping.facility_from_name and facility_fields(table):
        for name in ("name", "region", "facility_type"):
            if name not in present:
                issues.append(("missing_required", name))
    return issues


# --- Applying a mapping -----------------------------------------------------------

_FATAL = ("unknown_table", "unknown_column", "duplicate_column", "never_mapped")


def facility_id_for(name: object, region: object = "") -> str | None:
    """The stable id of a facility known only by name: ``M-`` + sha1(name|region)[:10].

    Name and region are normalised (NFKC, spaces collapsed, lower case) so that the
    same facility written twice gets the same id. Returns None for a blank name.
    """
    if values.is_blank(name):
        return None

    def norm(text: object) -> str:
        if values.is_blank(text):
            return ""
        return " ".join(unicodedata.normalize("NFKC", values.clean_text(text)).lower().split())

    digest = hashlib.sha1(f"{norm(name)}|{norm(region)}".encode()).hexdigest()
    return GENERATED_PREFIX + digest[:10]


def _row_keys(frame: pd.DataFrame, columns: list[str], table: str) -> list[str]:
    """Keys from row content: the same file re-imported yields the same keys (an upsert)."""
    seen: Counter = Counter()
    keys = []
    for row in zip(*(frame[c] for c in sorted(columns))) if columns else ((),) * len(frame):
        text = "\x1f".join("" if values.is_blank(v) else values.clean_text(v) for v in row)
        seen[text] += 1  # identical rows stay distinct by their occurrence
        digest = hashlib.sha1(f"{table}\x1e{text}\x1e{seen[text]}".encode()).hexdigest()
        keys.append(GENERATED_PREFIX + digest[:10])
    return keys


def _fill(existing: pd.Series | None, filler: list) -> list:
    if existing is None:
        return filler
    return [f if values.is_blank(v) else v for v, f in zip(existing, filler)]


def _constants(out: pd.DataFrame, constants: dict[str, str]) -> None:
    for col, value in constants.items():
        if value in (None, ""):
            continue
        # A constant fills the column the file lacks, or the blanks of one it has.
        out[col] = pd.Series(_fill(out.get(col), [value] * len(out)), index=out.index, dtype=object)


@dataclass
class MappedRows:
    """Rows of a mapped sheet under schema column names (facility fields included),
    with the row numbers a person sees and the notes of the rules applied."""

    frame: pd.DataFrame
    rows: list[int]
    notes: list[Note] = field(default_factory=list)


def map_rows(raw: RawTable, mapping: Mapping) -> MappedRows:
    """Apply ``mapping`` and the built-in rules to one raw table.

    In order: the mapped cells (contacts are never read), constants (except
    ``mapping_rules.LATE_CONSTANTS``), facility types from names, derived facility ids
    and keys, one need per item of free-text lists, urgency, categories from supply
    items, then the late constants. Raises ValueError for an unusable mapping.
    """
    fatal = [f"{code}: {col}" for code, col in check_mapping(mapping) if code in _FATAL]
    if fatal:
        raise ValueError("unusable mapping (" + "; ".join(fatal) + ")")
    table = mapping.schema_table
    out = pd.DataFrame(index=range(len(raw.frame)))
    for i, header in enumerate(raw.frame.columns):
        target = mapping.columns.get(str(header))
        if never_reason(str(header), table):
            continue  # a contact column is never read, whatever a profile says
        if target and target not in out.columns:  # a repeated header: the first one counts
            out[target] = pd.Series(raw.frame.iloc[:, i].tolist(), dtype=object)
    from_file = list(out.columns)
    late = {c: v for c, v in mapping.constants.items() if c in mapping_rules.LATE_CONSTANTS}
    _constants(out, {c: v for c, v in mapping.constants.items() if c not in late})
    notes: list[Note] = []
    names_facilities = (mapping.facility_from_name and facility_fields(table)) or table is schema.FACILITIES
    if names_facilities:
        name_header = next((h for h, t in mapping.columns.items() if t == "name"), "")
        notes += mapping_rules.fill_facility_types(out, _guess_facility_type(name_header))
    if table is schema.ORGANIZATIONS:
        mapping_rules.fill_org_types(out)
    derive_facility = "name" in out.columns and (
        (mapping.facility_from_name and facility_fields(table))
        or (table is schema.FACILITIES and mapping.generate_key))
    if derive_facility:
        regions = out["region"] if "region" in out.columns else [""] * len(out)
        ids = [facility_id_for(n, r) for n, r in zip(out["name"], regions)]
        out["facility_id"] = pd.Series(_fill(out.get("facility_id"), ids), dtype=object)
    key = table.column(table.key)
    if mapping.generate_key and not key.derived and not (derive_facility and key.name == "facility_id"):
        keys = _row_keys(out, [c for c in from_file if c != key.name], table.name)
        out[key.name] = pd.Series(_fill(out.get(key.name), keys), dtype=object)
    rows = list(raw.rows)
    names = {c.name for c in table.columns}
    if {"item", "quantity", "priority"} <= names:  # needs: one need per item of a list
        out, rows, split_notes = mapping_rules.split_item_lists(out, rows, key.name)
        notes += split_notes
        mapping_rules.mark_urgent(out)
    if {"item", "category"} <= names:
        mapping_rules.fill_categories(out)
    _constants(out, late)
    return MappedRows(out.reset_index(drop=True), rows, notes)


def apply_mapping(raw: RawTable, mapping: Mapping) -> RawTable:
    """Rename mapped headers, drop unmapped ones, add constants, apply the rules.

    Parameters
    ----------
    raw : RawTable
        A table as ``readers.read_file`` (or ``readers.table_from_rows``) returns it.
    mapping : Mapping
        The mapping to apply (a suggestion, or a loaded profile).

    Returns
    -------
    RawTable
        Template-shaped cells of ``mapping.table`` with the row numbers of the sheet
        (a row split into one need per item keeps its number), ready for
        ``validation.validate``. Facility fields (``facility_from_name``) are turned
        into ``facility_id`` and left out; ``facility_table`` emits them.

    Raises
    ------
    ValueError
        When the mapping names an unknown table or column, one column twice, or maps
        a header that is never mapped (a contact).
    """
    mapped = map_rows(raw, mapping)
    frame = mapped.frame.drop(columns=[f for f in facility_fields(mapping.table)
                                       if f in mapped.frame.columns])
    return RawTable(raw.source, frame, mapped.rows, mapping.schema_table, raw.sheet,
                    raw.encoding, list(raw.notes))


def _facilities_of(raw: RawTable, mapping: Mapping, mapped: MappedRows) -> RawTable | None:
    if not (mapping.facility_from_name and facility_fields(mapping.table)):
        return None
    frame = mapped.frame
    if "facility_id" not in frame.columns:
        return None
    keep = ["facility_id", *(f for f in FACILITY_FIELDS if f in frame.columns)]
    facilities = frame[keep]
    first = ~facilities["facility_id"].isna() & ~facilities["facility_id"].duplicated()
    rows = [n for n, ok in zip(mapped.rows, first) if ok]
    sheet = f"{raw.sheet}.facilities" if raw.sheet else "facilities"
    return RawTable(raw.source, facilities[first].reset_index(drop=True), rows,
                    schema.FACILITIES, sheet, raw.encoding)


def facility_table(raw: RawTable, mapping: Mapping) -> RawTable | None:
    """The facilities a ``facility_from_name`` file names, one row per derived id.

    Returns None when the mapping does not derive facilities. Each facility keeps the
    row number where it first appears; its label is ``file#facilities``.
    """
    return _facilities_of(raw, mapping, map_rows(raw, mapping))


def map_sheet(raw: RawTable, mapping: Mapping) -> tuple[list[RawTable], list[Note]]:
    """Everything a mapped sheet brings: its derived facilities (if any), then its
    table, and the notes of the rules applied (types by default, texts kept...)."""
    mapped = map_rows(raw, mapping)
    derived = _facilities_of(raw, mapping, mapped)
    frame = mapped.frame.drop(columns=[f for f in facility_fields(mapping.table)
                                       if f in mapped.frame.columns])
    table = RawTable(raw.source, frame, mapped.rows, mapping.schema_table, raw.sheet,
                     raw.encoding, list(raw.notes))
    return ([derived] if derived is not None else []) + [table], mapped.notes


def map_tables(raw: RawTable, mapping: Mapping) -> list[RawTable]:
    """Everything a mapped file brings: its derived facilities (if any), then its table."""
    return map_sheet(raw, mapping)[0]


# --- Profiles -----------------------------------------------------------------------


def profiles_folder(folder: str | os.PathLike | None = None, db: str | None = None) -> Path:
    """Where profiles live: ``folder``, else ``mappings/`` beside the store's file."""
    if folder is not None:
        return Path(folder)
    from data_loaders import store

    return store.profiles_dir(db)


def _in_store(folder, db) -> bool:
    """True when profiles live in the store (a PostgreSQL store, no folder named)."""
    from data_loaders import store

    return folder is None and store.is_shared(db)


def check_profile_name(name: str) -> str:
    """Return ``name`` if it is a safe profile name, else raise ValueError.

    Letters (Chinese included), digits, ``-`` and ``_`` only, at most 64 characters: a
    name becomes a file name, so no separators, dots or ``..``.
    """
    if not isinstance(name, str) or not _PROFILE_NAME.fullmatch(name):
        raise ValueError(f"invalid profile name {name!r}: use letters, digits, - and _")
    return name


def save_profile(name: str, mapping: Mapping, folder: str | os.PathLike | None = None,
                 db: str | None = None) -> Path | str:
    """Save ``mapping`` as profile ``name`` (replacing one of that name): in a PostgreSQL
    store's ``mapping_profiles`` table (one change, reason ``mapping``), else as a file in
    ``folder`` (default ``mappings/`` beside the store's file). Returns where it went."""
    text = json.dumps(mapping.to_dict(), ensure_ascii=False, indent=2)
    check_profile_name(name)
    if _in_store(folder, db):
        from data_loaders import store

        con = store.connect(db)
        try:
            with store.transaction(con, reason="mapping", profile=name):
                con.execute(
                    "INSERT INTO mapping_profiles VALUES (?, ?, ?, ?) ON CONFLICT (name) DO "
                    "UPDATE SET profile = excluded.profile, saved_at = excluded.saved_at, "
                    "saved_by = excluded.saved_by", [name, text, store.now_utc(), store.actor()[0]])
        finally:
            con.close()
        return name
    target = profiles_folder(folder, db) / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)  # never leave a half-written profile behind
    return target


def load_profile(name: str, folder: str | os.PathLike | None = None, db: str | None = None
                 ) -> Mapping:
    """Load profile ``name``.

    Raises
    ------
    ValueError
        For an invalid name or a malformed file.
    FileNotFoundError
        When no profile of that name exists.
    """
    check_profile_name(name)
    if _in_store(folder, db):
        from data_loaders import store

        con = store.connect(db, missing="raise")
        try:
            row = con.execute("SELECT profile FROM mapping_profiles WHERE name = ?",
                              [name]).fetchone()
        finally:
            con.close()
        if row is None:
            raise FileNotFoundError(f"no mapping profile {name!r} in the store")
        text = row[0]
    else:
        path = profiles_folder(folder, db) / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"no mapping profile {name!r} in {path.parent}")
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"profile {name!r} is not valid JSON: {exc.msg}") from exc
    return Mapping.from_dict(data)


def list_profiles(folder: str | os.PathLike | None = None, db: str | None = None) -> list[str]:
    """Names of the saved profiles, sorted."""
    if _in_store(folder, db):
        from data_loaders import store

        try:
            con = store.connect(db, missing="raise")
        except store.StoreMissing:
            return []
        try:
            return sorted(r[0] for r in con.execute("SELECT name FROM mapping_profiles").fetchall())
        finally:
            con.close()
    path = profiles_folder(folder, db)
    if not path.is_dir():
        return []
    return sorted(p.stem for p in path.glob("*.json") if _PROFILE_NAME.fullmatch(p.stem))
