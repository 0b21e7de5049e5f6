"""The data dictionary, generated from the schema and the research export's columns.

Nothing here restates what a column means by hand: names, types, required flags,
allowed values and HXL hashtags come from ``data_loaders.store.schema`` (and, for the
research aggregates, ``dashboard.analytics.research.AGGREGATE_COLUMNS``); descriptions are
assembled from the columns' declared properties; words come from the one translation
catalogue (``dashboard.i18n``). A column added to the schema appears here by itself.
"""

from __future__ import annotations

import pandas as pd

from dashboard.access import query
from dashboard.analytics.research import AGGREGATE_COLUMNS, CATEGORY_ALL, UNSPECIFIED
from dashboard.analytics.suppression import DEFAULT_THRESHOLD, SECONDARY_MARK, primary_mark
from dashboard.i18n import t, value_label
from data_loaders.store import schema

RESEARCH_TABLE = "aggregates"
FIELDS = ["table", "column", "name_zh", "name_en", "type", "required", "allowed_values",
          "hxl", "description", "aliases"]


def _number(value: float) -> str:
    """A bound as a person reads it: ``1,000,000,000``, ``-90``, ``0.5``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _allowed(column: schema.Column, lang: str) -> str:
    return "; ".join(f"{v} ({value_label(column.name, v, lang)})" for v in column.values)


def _default(column: schema.Column, lang: str) -> str:
    """A default value by its label when it is one of the allowed values (``planned`` →
    计划中), else as written."""
    if column.default in column.values:
        return value_label(column.name, column.default, lang)
    return str(column.default)


def _describe(table: schema.Table, column: schema.Column, lang: str) -> str:
    """A description assembled from what the schema declares about the column."""
    parts: list[str] = []
    if column.name == table.key:
        parts.append(t("research.dict.key", lang))
    if column.derived:
        parts.append(t("research.dict.derived", lang))
    if column.ref:
        parts.append(t("research.dict.ref", lang, table=t(f"table.{column.ref}", lang)))
    if column.rollup == "prefecture":
        parts.append(t("research.dict.rollup_prefecture", lang))
    elif column.rollup == "any":
        parts.append(t("research.dict.rollup_any", lang))
    if column.kind == schema.DATE:
        parts.append(t("research.dict.date", lang))
    if column.kind == schema.BOOL:
        parts.append(t("research.dict.bool", lang))
    if column.minimum is not None and column.maximum is not None:
        parts.append(t("research.dict.range", lang, minimum=_number(column.minimum),
                       maximum=_number(column.maximum)))
    elif column.minimum is not None:
        parts.append(t("research.dict.minimum", lang, minimum=_number(column.minimum)))
    if column.default is not None:
        parts.append(t("research.dict.default", lang, default=_default(column, lang)))
    if column.free_text_quantity:
        parts.append(t("research.dict.free_text", lang))
    return ("；" if lang == "zh" else ". ").join(parts)


def _schema_rows(lang: str) -> list[dict]:
    rows = []
    for table in schema.TABLES.values():
        for column in table.columns:
            rows.append({
                "table": table.name,
                "column": column.name,
                "name_zh": column.zh,
                "name_en": t(f"column.{table.name}.{column.name}", "en"),
                "type": column.kind,
                "required": bool(column.required),
                "allowed_values": _allowed(column, lang),
                "hxl": column.hxl,
                "description": _describe(table, column, lang),
                "aliases": ", ".join(column.aliases),
            })
    return rows


def _research_rows(lang: str) -> list[dict]:
    categories = schema.NEEDS.column("category")
    allowed = "; ".join([_allowed(categories, lang),
                         f"{CATEGORY_ALL} ({t('methods.export.activity_rows', lang)})",
                         f"{UNSPECIFIED} ({t('methods.export.unspecified', lang)})"])
    rows = []
    for column in AGGREGATE_COLUMNS:
        rows.append({
            "table": RESEARCH_TABLE,
            "column": column.name,
            "name_zh": t(f"research.col.{column.name}", "zh"),
            "name_en": t(f"research.col.{column.name}", "en"),
            "type": column.kind,
            "required": column.name in ("date", "region_adcode", "category"),
            "allowed_values": allowed if column.name == "category" else "",
            "hxl": column.hxl,
            "description": t(f"research.desc.{column.name}", lang, all=CATEGORY_ALL,
                             max=DEFAULT_THRESHOLD - 1, mark=primary_mark(DEFAULT_THRESHOLD),
                             secondary=SECONDARY_MARK),
            "aliases": "",
        })
    return rows


@query("suppressed")
def data_dictionary(lang: str = "zh") -> pd.DataFrame:
    """Every column of every stored table, then of the research aggregates.

    Columns: table, column, name_zh, name_en, type (the schema's kind), required,
    allowed_values ("value (label)" joined with "; "), hxl, description, aliases (other
    headers an import accepts, joined with ", ") — the labels and descriptions in ``lang``.
    """
    return pd.DataFrame(_schema_rows(lang) + _research_rows(lang), columns=FIELDS)


def _cell(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return t("research.dict.yes" if value else "research.dict.no", lang)
    return str(value).replace("|", "\\|").replace("\n", " ")


@query("suppressed")
def dictionary_markdown(lang: str = "zh", frame: pd.DataFrame | None = None) -> str:
    """The dictionary as Markdown: one section and one table per table."""
    frame = data_dictionary(lang) if frame is None else frame
    fields = [f for f in FIELDS if f != "table"]
    lines = [f"# {t('research.dict.title', lang)}", ""]
    for table, rows in frame.groupby("table", sort=False):
        title = t(f"table.{table}", lang) if table in schema.TABLES else t(
            f"research.table.{table}", lang)
        lines += [f"## {title} (`{table}`)", "",
                  "| " + " | ".join(t(f"research.dict.{f}", lang) for f in fields) + " |",
                  "|" + "---|" * len(fields)]
        for row in rows.to_dict("records"):
            cells = [f"`{row[f]}`" if f in ("column", "hxl", "aliases") and row[f] else _cell(row[f], lang)
                     for f in fields]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


@query("suppressed")
def dictionary_csv(lang: str = "zh") -> str:
    """The dictionary as CSV; headers stay the stable identifiers of FIELDS. Cells that a
    spreadsheet would run as a formula (``-90 至 90``) are neutralised like every download."""
    from dashboard.present.exports import safe_frame

    return safe_frame(data_dictionary(lang)).to_csv(index=False)
