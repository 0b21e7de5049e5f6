"""Sections of the Data & methods page: the research export (suppressed, with its
provenance), the data dictionary generated from the schema, and docs/METHODS.md.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import research
from dashboard.access import run
from dashboard.dictionary import data_dictionary, dictionary_csv, dictionary_markdown
from dashboard.i18n import t as tn
from dashboard.i18n import value_label
from dashboard.suppression import DEFAULT_THRESHOLD
from dashboard.ui.components import audit_download
from dashboard.ui.data import connection, role_of
from dashboard.ui.frame import View
from dashboard.ui.tables import region_name

METHODS = Path(__file__).resolve().parents[2] / "docs" / "METHODS.md"
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
                  region=region, rows=len(frame), threshold=threshold,
                  hidden=meta["suppression"]["cells_suppressed"], imports=len(meta["imports"])))
    st.dataframe(_headed(frame.head(PREVIEW_ROWS), view.lang), hide_index=True, width="stretch")
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


def _headed(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The preview with the dictionary's names as headers (the file keeps identifiers)."""
    rows = data_dictionary(lang)
    rows = rows[rows["table"] == "aggregates"]
    names = dict(zip(rows["column"], rows["name_zh" if lang == "zh" else "name_en"]))
    special = {research.CATEGORY_ALL: tn("methods.export.activity_rows", lang),
               research.UNSPECIFIED: tn("methods.export.unspecified", lang)}
    frame = frame.assign(category=[special.get(c) or value_label("category", c, lang)
                                   for c in frame["category"]])
    return frame.rename(columns={c: names.get(c) or c for c in frame.columns})


def research_categories() -> list[str]:
    """The schema's categories, in schema order."""
    from data_loaders.schema import choices_of

    return list(choices_of("category"))


def dictionary(view: View) -> None:
    """Every table and column, generated from the schema, plus the export's columns."""
    st.subheader(tn("methods.dictionary.title", view.lang))
    st.caption(tn("methods.dictionary.caption", view.lang))
    frame = data_dictionary(view.lang)
    display = frame.assign(required=[tn("research.dict.yes" if v else "research.dict.no", view.lang)
                                     for v in frame["required"]])
    display = display.rename(columns={f: tn(f"research.dict.{f}", view.lang) for f in frame.columns})
    st.dataframe(display, hide_index=True, width="stretch")
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
    """docs/METHODS.md, the definition of every number, as the repository holds it."""
    st.subheader(tn("methods.document.title", view.lang))
    st.caption(tn("methods.document.caption", view.lang))
    with st.expander(tn("methods.document.open", view.lang), expanded=view.lang == "en"):
        st.markdown(METHODS.read_text(encoding="utf-8"))
