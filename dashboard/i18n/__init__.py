"""The translation catalogue: every string a person sees, in Chinese and English.

The strings are data: one TOML file per area in dashboard/i18n/catalogue (the frame, each
page, the briefing, the problems an import finds), Chinese and English side by side per
key; :func:`t` is the one way to read them. Chinese is the default. Labels of tables,
columns and allowed values come from the schema (its Chinese names) plus English names
here, so the schema stays the single source of truth for what exists. A key built at
run time (``metric.<key>``) belongs to a family declared in :data:`FAMILIES`, so a test
can tell every key in use from one no code asks for.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from data_loaders.store import schema

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)[^{}]*\}(?!\})")


# Placeholders only English needs: plural endings, a lower-case word inside a sentence,
# and a code Chinese writes as its label. Every other placeholder is in both languages.
ENGLISH_ONLY = {"s": "plural ending", "ds": "plural ending of a day count",
                "kind_lower": "a kind of facility inside a sentence",
                "all": "the code of the all-categories row"}


class CatalogueError(ValueError):
    """A catalogue file breaks a rule: a key in two files, a language missing, or the two
    languages naming different placeholders."""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of ``text`` (``{{`` and ``}}`` are literal braces)."""
    return set(_PLACEHOLDER.findall(text))


def load_catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, tuple[str, str]]:
    """Every ``<area>.toml`` of ``folder``: key → (Chinese, English). Raises
    CatalogueError on a key defined twice, a language missing or placeholders that differ
    between the languages (a sentence that would fail, or lose a number, in one of them)."""
    out: dict[str, tuple[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with open(path, "rb") as fh:
            entries = tomllib.load(fh)
        for key, pair in entries.items():
            if key in out:
                raise CatalogueError(f"{path.name}: {key!r} is also in {where[key]}")
            if not isinstance(pair, dict) or set(pair) != set(LANGUAGES) or \
                    not all(isinstance(pair[lang], str) and pair[lang] for lang in LANGUAGES):
                raise CatalogueError(f"{path.name}: {key!r} needs a text in each of {LANGUAGES}")
            zh, en = placeholders(pair["zh"]), placeholders(pair["en"])
            if not zh <= en or not en - zh <= set(ENGLISH_ONLY):
                raise CatalogueError(f"{path.name}: {key!r} names different placeholders in "
                                     f"zh {sorted(placeholders(pair['zh']))} and en "
                                     f"{sorted(placeholders(pair['en']))}")
            out[key], where[key] = (pair["zh"], pair["en"]), path.name
    return out


# Keys built at run time, each family with what it is keyed by: a key is written whole in
# the code (so a test can tell a key in use from one no code asks for) or belongs to one
# of these. Patterns as fnmatch reads them.
FAMILIES = {
    "table.*": "a table of data_loaders.store.schema (its labels come from the schema)",
    "column.*": "a column of a schema table",
    "value.*": "an allowed value of a schema column",
    "*.title": "a page's heading (dashboard.pages)",
    "page.*": "a page's name in the menu (dashboard.pages)",
    "metric.*": "a metric of dashboard.analytics.metric_table, its short header and units",
    "map.legend.*": "a facility state on the map",
    "map.legend_title.*": "a map metric's legend title",
    "overview.classes.*": "how the map's classes are cut",
    "sidebar.*": "a sidebar filter (dashboard.app.frame.FILTERS) and its 'all' choice",
    "auth.role.*": "a role of dashboard.access",
    "casework.metric.*": "a headline figure of the Casework page",
    "casework.member.*": "a kind of household member (households.children, elderly, ...)",
    "casework.*.saved": "what a saved form of the Casework page says (case, service)",
    "casework.due.whose_*": "whose cases the follow-up list shows (mine, all)",
    "households.cases.card.*": "a headline figure of the cases on the Families page",
    "households.cases.band.*": "an age band of open cases (dashboard.analytics.households.AGE_BANDS)",
    "households.cases.col.*": "a column of the cases by region on the Families page",
    "audit.action.*": "an action of dashboard.access.audit.ACTIONS or CHANGE_ACTIONS",
    "record.reason.*": "a reason for a change (data_loaders.store.REASONS)",
    "record.col.*": "a column of a record's history on the Data page",
    "audit.col.*": "a column of the audit log on the Data page",
    "audit.export.*": "an export the command line names (dashboard.app.auditlog.EXPORTS)",
    "audit.level.*": "the level of detail of a read in the audit log",
    "data.tab.*": "a tab of the Data page",
    "format.*": "a file format of data_loaders.ingest.formats, by its name",
    "history.*": "a column of the import log",
    "mapping.*": "a column-mapping problem code, a kind of column, a column never imported",
    "problem.*": "a problem code of data_loaders.ingest.validation and the readers",
    "tool_problem.*": "a fault of the assessment tool file (data_loaders.households.tool)",
    "fix.*": "how to fix a problem code",
    "note.*": "a note code of data_loaders.ingest.formats",
    "shift.*": "the evidence that a table's columns are shifted",
    "coverage.*": "a coverage column, or a kind of facility",
    "needs.col.*": "a column of the Needs page's tables (PREFIX)",
    "needs.link.*": "how a delivery was linked to a need",
    "needs.gap.level.*": "the level of the gap ranking",
    "needs.claim.*": "how a pledge or an unconfirmed delivery on a need reads (short: on screen)",
    "partners.*": "a freshness class, a column or a profile section of the Partners page",
    "network.col.*": "a column of the Network page's tables",
    "network.column.*": "a column of the network picture",
    "network.card.*": "a headline card of the Network page",
    "network.edge.*": "a kind of link in the network",
    "funding.col.*": "a column of the Funding page's tables",
    "funding.short.*": "a short header of the Funding page's wide tables",
    "funding.costs.reason.*": "why a category's default cost per need is what it is",
    "funding.costs.problem.*": "a refused cost per need (dashboard.analytics.allocation.CostProblem)",
    "funding.whatif.*": "an allocation rule, its help, why money is left unassigned",
    "brief.map.*": "the briefing map's metric",
    "brief.nar.*": "a sentence of the briefing's narrative",
    "brief.partners.*": "a freshness class in the briefing",
    "research.*": "a column, its description or a dictionary word of the research export",
    "report.kind.*": "a form of the Report page (dashboard.app.report.FORMS)",
    "report.help.*": "what a form of the Report page is for",
    "report.refused.*": "why a filing was refused (SubmissionRefused.code)",
    "report.state.*": "a submission's review status (schema.SUBMISSION_STATUSES)",
    "report.filed.*": "a filing's outcome, by its status",
    "report.summary.*": "a part of a filing's one-line summary",
    "report.status.*": "the status-update form, per table",
    "report.col.*": "a column of the Report page's tables",
    "report.field.*": "a field of a form that chooses a record (a facility, a need)",
    "report.offline.col.*": "a column of the offline workbook's problem table",
    "workbook.col.*": "a column of the offline workbook's reference sheets",
    "workbook.guide.*": "a line of the offline workbook's guide",
}

# key -> (Chinese, English): the files of dashboard/i18n/catalogue, then the schema's labels.
CATALOGUE: dict[str, tuple[str, str]] = load_catalogue()

# English names of the schema's tables, columns and values; Chinese comes from the schema.
_EN_OVERRIDES = {
    "org_id": "Organisation id", "hub_id": "Hub", "facility_id": "Facility id",
    "need_id": "Need id", "delivery_id": "Delivery id", "grant_id": "Grant id",
    "report_id": "Report id", "lat": "Latitude", "lon": "Longitude",
    "coord_system": "Coordinate system", "amount_cny": "Amount (CNY)", "ppe": "PPE",
    "wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09",
    "counselling": "Counselling", "volunteer_mobilisation": "Volunteer mobilisation",
}


def _humanise(value: str) -> str:
    return _EN_OVERRIDES.get(value, value.replace("_", " ").capitalize())


def _schema_entries() -> dict[str, tuple[str, str]]:
    entries: dict[str, tuple[str, str]] = {}
    for table in (*schema.TABLES.values(), *schema.HOUSEHOLD_TABLES.values()):
        entries[f"table.{table.name}"] = (table.zh, _humanise(table.name))
        for col in table.columns:
            entries[f"column.{table.name}.{col.name}"] = (col.zh, _humanise(col.name))
            for choice in col.choices:
                entries[f"value.{col.name}.{choice.value}"] = (choice.zh, _humanise(choice.value))
    return entries


CATALOGUE.update(_schema_entries())


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """Translate ``key`` into ``lang``, filling ``{placeholders}`` from ``values``.

    A missing key is shown as itself so a gap is visible rather than silent.
    """
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def value_label(column: str, value: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of an enum value (``ppe`` → 防护用品)."""
    if value is None:
        return ""
    key = f"value.{column}.{value}"
    return t(key, lang) if key in CATALOGUE else str(value)


def region_label(name: str, name_en: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A region's name in the chosen language."""
    return name if lang == "zh" else name_en


def note_summary(notes, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One sentence per kind of note (``note.<code>``) with its total count."""
    from data_loaders.ingest.formats import note_counts

    return [t(f"note.{code}", lang, n=f"{n:,}") for code, n in note_counts(notes).items()]


def _column_label(problem, lang: str) -> str:
    """The problem's column under its translated header, when its table is known."""
    for part in reversed(str(problem.file).split("#")):
        table = schema.table_for_name(part)
        if table is not None and problem.column:
            return t(f"column.{table.name}.{problem.column}", lang)
    return problem.column or ""


# Problems whose value is what the operating system said (a full or read-only disk).
SYSTEM_REASON_CODES = ("upload_not_kept", "store_not_written")

# The operating system's reasons, as strerror gives them, in the catalogue's words.
_SYSTEM_REASONS = {
    "No space left on device": "os.no_space", "File too large": "os.file_too_large",
    "Read-only file system": "os.read_only", "Permission denied": "os.permission_denied",
    "Disk quota exceeded": "os.quota", "No such file or directory": "os.not_found"}


def system_reason(reason: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """An operating system's reason ("No space left on device") in ``lang``; one the
    catalogue does not know is shown as the system gave it."""
    key = _SYSTEM_REASONS.get((reason or "").strip())
    return t(key, lang) if key else (reason or "")


def tool_problem_message(problem, lang: str = DEFAULT_LANGUAGE,
                         escape: Callable[[str], str] = str) -> str:
    """What is wrong with the assessment tool file (a data_loaders.households.tool
    ToolProblem), in ``lang``; ``escape`` is applied to the values the file wrote (a
    page passes its Markdown escape: the catalogue's code spans stay code)."""
    values = dict(problem.values)
    if "reason" in values:
        values["reason"] = system_reason(values["reason"], lang)
    return t(f"tool_problem.{problem.code}", lang,
             **{k: v if k in _TOOL_SPELLINGS else escape(v) for k, v in values.items()})


# Values that are the tool format's own spellings (a table, a key), set by the code and
# shown inside code spans, where an escape would show as a backslash.
_TOOL_SPELLINGS = {"where", "label", "name"}


def problem_message(problem, lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """A problem's message and its suggested fix, in ``lang``."""
    message = t(f"problem.{problem.code}", lang, value=problem.value or "",
                column=problem.column or "")
    if problem.code in SYSTEM_REASON_CODES:  # the system's words, in the person's language
        message = t(f"problem.{problem.code}", lang, value=system_reason(problem.value, lang))
        fix = t(f"fix.{problem.code}", lang)
    elif problem.code == "unknown_region":
        fix = (t("fix.did_you_mean", lang, suggestion=problem.suggestion)
               if problem.suggestion else t("fix.no_region", lang))
    elif problem.code == "duplicate_id":
        fix = t("fix.duplicate_of", lang, suggestion=problem.suggestion)
    elif problem.code == "unknown_reference":
        fix = t("fix.reference", lang, expected=t(f"table.{problem.expected}", lang))
    elif problem.code == "parent_rejected":
        parent = t(f"table.{problem.expected}", lang)
        if problem.suggestion:  # where the rejected parent row is
            parent += f"（{problem.suggestion}）" if lang == "zh" else f" ({problem.suggestion})"
        message = t("problem.parent_rejected", lang, value=parent)
        fix = t("fix.parent_rejected", lang, expected=t(f"table.{problem.expected}", lang))
    elif problem.code == "outside_region":
        swapped = problem.suggestion == "swapped"
        fix = t("fix.outside_region_swapped" if swapped else "fix.outside_region", lang,
                expected=problem.expected, suggestion=problem.suggestion)
    elif problem.code == "columns_shifted":
        evidence = t(f"shift.{problem.expected}", lang, column=_column_label(problem, lang),
                     examples=problem.value or "", share=problem.suggestion)
        message = t("problem.columns_shifted", lang, value=evidence)
        fix = t("fix.columns_shifted", lang)
    elif problem.code == "nothing_in_file" and problem.expected:
        message = (t("problem.nothing_in_file", lang) + ("：" if lang == "zh" else ": ")
                   + t(f"note.{problem.expected}", lang, n=problem.value or ""))
        fix = t("fix.nothing_in_file", lang)
    elif problem.code in ("file_too_large", "workbook_too_large"):
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected,
                variable="LIFELINE_MAX_UPLOAD_MB")
    elif f"fix.{problem.code}" in CATALOGUE:
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected, value=problem.value or "")
    elif problem.expected:
        fix = t("fix.expected", lang, expected=problem.expected)
    elif f"fix.{problem.code}" in CATALOGUE:
        fix = t(f"fix.{problem.code}", lang, expected=problem.expected, value=problem.value or "")
    else:
        fix = ""
    return message, fix
