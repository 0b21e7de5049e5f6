"""Sections of the Data & methods page: the research export (suppressed, with its
provenance), the data dictionary generated from the schema, and the methods document
(docs/METHODS.md, or docs/METHODS.zh.md in Chinese) as a person reads it: without the
passages written for developers (between ``<!-- dev -->`` and ``<!-- /dev -->``).
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import formatting, research
from dashboard.access import run
from dashboard.dictionary import data_dictionary, dictionary_csv, dictionary_markdown
from dashboard.i18n import t as tn
from dashboard.i18n import value_label
from dashboard.suppression import DEFAULT_THRESHOLD
from dashboard.ui.components import audit_download
from dashboard.ui.data import connection, role_of
from dashboard.ui.frame import View
from dashboard.ui.tables import CODE, COUNT, DATE, NAME, TEXT, Col, region_name, show_table
from data_loaders import schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
METHODS = {"en": DOCS / "METHODS.md", "zh": DOCS / "METHODS.zh.md"}
PREVIEW_ROWS = 200


@st.cache_data(show_spinner=False, max_entries=16)
def _export(key: tuple[str, str], start: date, end: date, threshold: int, region: str | None,
            category: str | None) -> tuple[pd.DataFrame, dict]:
    """The suppressed aggregates and their provenance (cached by data version)."""
    with connection() as con:
        return run(role_of(key), "research.research_aggregates", con, start, end, region=region,
                   category=category, threshold=threshold)


def _parquet_bytes(frame: pd.DataFrame, meta: dict) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lifeline-export-") as tmp:
        path = Path(tmp) / "aggregates.parquet"
        research.write_parquet(frame, meta | {"format": "parquet"}, path)
        return path.read_bytes()


def research_export(view: View) -> None:
    """Choose the days, category and threshold; preview and download the export."""
    st.subheader(tn("methods.export.title", view.lang))
    left, middle, right = st.columns([2, 1, 1])
    with left:
        days = st.date_input(tn("methods.export.days", view.lang), value=(view.first, view.as_of),
                             min_value=view.first, max_value=view.last, format="YYYY-MM-DD",
                             key="methods_days")
    with middle:
        categories = [None, *research_categories(), research.CATEGORY_ALL]
        category = st.selectbox(
            tn("methods.export.category", view.lang), categories, key=f"methods_category_{view.lang}",
            format_func=lambda c: tn("methods.export.all_rows", view.lang) if c is None else
            tn("methods.export.activity_rows", view.lang) if c == research.CATEGORY_ALL else
            value_label("category", c, view.lang))
    with right:
        threshold = int(st.number_input(tn("methods.export.threshold", view.lang), min_value=2,
                                        max_value=100, value=DEFAULT_THRESHOLD, step=1,
                                        key="methods_threshold"))
    if not isinstance(days, tuple) or len(days) != 2:
        st.info(tn("methods.export.pick_range", view.lang))
        return
    start, end = days
    frame, meta = _export(view.key, start, end, threshold, view.region, category)
    region = region_name(view.region, view.lang) if view.region else tn("map.all_regions", view.lang)
    st.caption(tn("methods.export.caption", view.lang, start=start.isoformat(), end=end.isoformat(),
                  region=region, rows=formatting.count(len(frame)), threshold=threshold,
                  hidden=formatting.count(meta["suppression"]["cells_suppressed"]),
                  imports=formatting.count(len(meta["imports"]))))
    preview(frame.head(PREVIEW_ROWS), view)
    stem = f"lifeline_aggregates_{start.isoformat()}_{end.isoformat()}"
    columns = st.columns(3)
    with columns[0]:
        st.download_button(tn("methods.export.csv", view.lang),
                           data=("\ufeff" + research.to_csv_text(frame)).encode("utf-8"),
                           file_name=f"{stem}.csv", mime="text/csv", key="dl_research_csv",
                           on_click=audit_download, args=(view, f"{stem}.csv", len(frame)),
                           type="primary")
    with columns[1]:
        st.download_button(tn("methods.export.parquet", view.lang),
                           data=lambda: _parquet_bytes(frame, meta), file_name=f"{stem}.parquet",
                           mime="application/vnd.apache.parquet", key="dl_research_parquet",
                           on_click=audit_download, args=(view, f"{stem}.parquet"))
    with columns[2]:
        st.download_button(tn("methods.export.meta", view.lang),
                           data=json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
                           file_name=f"{stem}.meta.json", mime="application/json",
                           key="dl_research_meta", on_click=audit_download,
                           args=(view, f"{stem}.meta.json"))
    st.caption(tn("methods.export.cli", view.lang))


def preview(frame: pd.DataFrame, view: View) -> None:
    """The first rows of the export under the dictionary's names (the file keeps its
    identifiers); a count of people reads as published: a number, "<5" or "x"."""
    lang = view.lang
    rows = data_dictionary(lang)
    rows = rows[rows["table"] == "aggregates"]
    names = dict(zip(rows["column"], rows["name_zh" if lang == "zh" else "name_en"]))
    special = {research.CATEGORY_ALL: tn("methods.export.activity_rows", lang),
               research.UNSPECIFIED: tn("methods.export.unspecified", lang)}
    frame = frame.assign(category=[special.get(c) or value_label("category", c, lang)
                                   for c in frame["category"]])
    for column in research.PEOPLE_COLUMNS:
        frame[column] = [None if formatting.is_missing(v) else str(v) for v in frame[column]]
    kinds = {"date": DATE, "region_adcode": CODE, "region_name_zh": NAME if lang == "zh" else TEXT,
             "region_name_en": NAME if lang == "en" else TEXT, "category": TEXT}
    columns = [Col(c.name, kinds.get(c.name, TEXT if c.people else COUNT), header=names.get(c.name))
               for c in research.AGGREGATE_COLUMNS]
    show_table(frame, view, columns, rows=10)


def research_categories() -> list[str]:
    """The schema's categories, in schema order."""
    from data_loaders.schema import choices_of

    return list(choices_of("category"))


def dictionary_shown(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[Col]]:
    """The dictionary as a person reads it: tables, names, kinds and yes/no in ``lang``;
    the spellings of the files (headers, allowed values, HXL tags) in columns that say so."""
    def table_name(name: str) -> str:
        return tn(f"table.{name}" if name in schema.TABLES else f"research.table.{name}", lang)

    shown = frame.assign(
        table=[table_name(n) for n in frame["table"]],
        name=frame["name_zh" if lang == "zh" else "name_en"],
        headers=[" / ".join([c, *filter(None, a.split(", "))])
                 for c, a in zip(frame["column"], frame["aliases"])],
        type=[tn(f"research.dict.kind.{k}", lang) for k in frame["type"]],
        required=[tn("research.dict.yes" if v else "research.dict.no", lang) for v in frame["required"]])
    header = {f: tn(f"research.dict.{f}", lang) for f in FIELDS_SHOWN}
    kinds = {"table": TEXT, "name": NAME, "headers": CODE, "type": TEXT, "required": TEXT,
             "allowed_values": CODE, "hxl": CODE, "description": TEXT}
    return shown, [Col(f, kinds[f], header=header[f]) for f in FIELDS_SHOWN]


FIELDS_SHOWN = ("table", "name", "headers", "type", "required", "allowed_values", "hxl", "description")


def dictionary(view: View) -> None:
    """Every table and column, generated from the schema, plus the export's columns."""
    st.subheader(tn("methods.dictionary.title", view.lang))
    st.caption(tn("methods.dictionary.caption", view.lang))
    frame = data_dictionary(view.lang)
    shown, columns = dictionary_shown(frame, view.lang)
    show_table(shown, view, columns, rows=12)
    left, right = st.columns(2)
    with left:
        st.download_button(tn("methods.dictionary.md", view.lang),
                           data=dictionary_markdown(view.lang, frame).encode("utf-8"),
                           file_name=f"lifeline_data_dictionary_{view.lang}.md",
                           mime="text/markdown", key="dl_dictionary_md", on_click=audit_download,
                           args=(view, f"lifeline_data_dictionary_{view.lang}.md"))
    with right:
        st.download_button(tn("methods.dictionary.csv", view.lang),
                           data=("\ufeff" + dictionary_csv(view.lang)).encode("utf-8"),
                           file_name=f"lifeline_data_dictionary_{view.lang}.csv",
                           mime="text/csv", key="dl_dictionary_csv", on_click=audit_download,
                           args=(view, f"lifeline_data_dictionary_{view.lang}.csv"))


def methods(view: View) -> None:
    """The definition of every number, in the view's language, as a person reads it."""
    st.subheader(tn("methods.document.title", view.lang))
    st.caption(tn("methods.document.caption", view.lang))
    with st.expander(tn("methods.document.open", view.lang), expanded=True):
        st.markdown(methods_text(view.lang))


_DEV = re.compile(r"<!-- dev -->.*?<!-- /dev -->\n?", re.S)
_HTML = re.compile(r"<!--.*?-->|<a id=\"[^\"]*\"></a>\n?", re.S)


def methods_text(lang: str) -> str:
    """The methods document in ``lang`` without the passages for developers (the code,
    tests and commands behind each definition) and without HTML comments and anchors."""
    text = METHODS[lang].read_text(encoding="utf-8")
    return re.sub(r"\n{3,}", "\n\n", _HTML.sub("", _DEV.sub("", text))).strip() + "\n"
