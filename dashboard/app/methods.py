"""Sections of the Data & methods page: the research export (suppressed, with its
provenance), the data dictionary generated from the schema, and the methods document
(docs/METHODS.md, or docs/METHODS.zh.md in Chinese) as a person reads it: without the
passages written for developers (between ``<!-- dev -->`` and ``<!-- /dev -->``).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.analytics import research
from dashboard.analytics.dictionary import data_dictionary, dictionary_csv, dictionary_markdown
from dashboard.analytics.suppression import policy_threshold
from dashboard.app.cache import cached, kept
from dashboard.app.components import offer
from dashboard.app.frame import View
from dashboard.app.tables import (
    CODE,
    COUNT,
    DATE,
    NAME,
    TEXT,
    Col,
    Table,
    draw,
    layout,
    region_name,
    show_table,
)
from dashboard.i18n import t, value_label
from dashboard.present import formatting
from data_loaders.store import schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
METHODS = {"en": DOCS / "METHODS.md", "zh": DOCS / "METHODS.zh.md"}
PREVIEW_ROWS = 200


def _parquet_bytes(frame: pd.DataFrame, meta: dict) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lifeline-export-") as tmp:
        path = Path(tmp) / "aggregates.parquet"
        research.write_parquet(frame, meta | {"format": "parquet"}, path)
        return path.read_bytes()


def research_export(view: View) -> None:
    """Choose the days and category; preview and download the export (small counts hidden
    at the hub's threshold)."""
    st.subheader(t("methods.export.title", view.lang))
    left, middle = st.columns([2, 1])
    with left:
        days = st.date_input(t("methods.export.days", view.lang), value=(view.first, view.as_of),
                             min_value=view.first, max_value=view.last, format="YYYY-MM-DD",
                             key="methods_days")
    with middle:
        categories = [None, *research_categories(), research.CATEGORY_ALL]
        category = st.selectbox(
            t("methods.export.category", view.lang), categories, key=f"methods_category_{view.lang}",
            format_func=lambda c: t("methods.export.all_rows", view.lang) if c is None else
            t("methods.export.activity_rows", view.lang) if c == research.CATEGORY_ALL else
            value_label("category", c, view.lang))
    # The hub's policy, never a widget: two exports at two thresholds would reveal the
    # counts between them.
    threshold = policy_threshold()
    if not isinstance(days, tuple) or len(days) != 2:
        st.info(t("methods.export.pick_range", view.lang))
        return
    start, end = days
    frame, meta = cached(view, "research.research_aggregates", start, end, region=view.region,
                         category=category, threshold=threshold)
    region = region_name(view.region, view.lang) if view.region else t("map.all_regions", view.lang)
    st.caption(t("methods.export.caption", view.lang, start=start.isoformat(), end=end.isoformat(),
                  region=region, rows=formatting.count(len(frame)), threshold=threshold,
                  hidden=formatting.count(meta["suppression"]["cells_suppressed"]),
                  imports=formatting.count(len(meta["imports"])))
               + t("methods.export.policy", view.lang))
    preview(frame, view)
    stem = f"lifeline_aggregates_{start.isoformat()}_{end.isoformat()}"
    columns = st.columns(3)
    with columns[0]:
        offer(t("methods.export.csv", view.lang),
              lambda: ("\ufeff" + research.to_csv_text(frame)).encode("utf-8"), f"{stem}.csv",
              "text/csv", view, "dl_research_csv", rows=len(frame), type="primary")
    with columns[1]:
        offer(t("methods.export.parquet", view.lang), lambda: _parquet_bytes(frame, meta),
              f"{stem}.parquet", "application/vnd.apache.parquet", view, "dl_research_parquet",
              rows=len(frame))
    with columns[2]:
        offer(t("methods.export.meta", view.lang),
              lambda: json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
              f"{stem}.meta.json", "application/json", view, "dl_research_meta")
    st.caption(t("methods.export.cli", view.lang))


def preview(frame: pd.DataFrame, view: View) -> None:
    """The first rows of the export under the dictionary's names, in two tabs so each fits
    the page: the need and delivery measures (rows of a category) and the activity
    measures (the activity rows). The region shows by its name in the view's language;
    the file also holds its code and both names. A count of people reads as published:
    a number, "<5" or "x"."""
    lang = view.lang
    rows = data_dictionary(lang)
    rows = rows[rows["table"] == "aggregates"]
    names = dict(zip(rows["column"], rows["name_zh" if lang == "zh" else "name_en"]))
    activity = frame["category"] == research.CATEGORY_ALL
    region = "region_name_zh" if lang == "zh" else "region_name_en"
    head = [Col("date", DATE, header=names["date"]), Col(region, NAME, header=t("metric.region", lang))]
    parts = (
        ("methods.export.tab.needs", ~activity,
         [Col("category", TEXT, header=names["category"]),
          *(Col(c, COUNT, header=names[c]) for c in research.NEED_MEASURES)]),
        ("methods.export.tab.activities", activity,
         [Col(c, TEXT if c in research.PEOPLE_COLUMNS else COUNT, header=names[c])
          for c in research.ACTIVITY_MEASURES]),
    )
    for tab, (_, keep, columns) in zip(st.tabs([t(key, lang) for key, _, _ in parts]), parts):
        with tab:
            # The first rows only, by position: ``frame[keep]`` would first copy every kept
            # row (90 MB for the whole country at 10 times the demo, once per session).
            first = np.flatnonzero(keep.to_numpy())[:PREVIEW_ROWS]
            show_table(_readable(frame.iloc[first], lang), view, [*head, *columns], rows=10)
    st.caption(t("methods.export.preview_note", lang, n=formatting.count(PREVIEW_ROWS)))


def _readable(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The previewed rows with their category named and counts of people as published;
    only the rows shown (the export holds a row per day, region and category)."""
    frame = frame.assign(category=[t("methods.export.unspecified", lang) if c == research.UNSPECIFIED
                                   else value_label("category", c, lang) for c in frame["category"]])
    for column in research.PEOPLE_COLUMNS:
        frame[column] = [None if formatting.is_missing(v) else str(v) for v in frame[column]]
    return frame


def research_categories() -> list[str]:
    """The schema's categories, in schema order."""
    from data_loaders.store.schema import choices_of

    return list(choices_of("category"))


def dictionary_shown(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[Col]]:
    """The dictionary as a person reads it: names, kinds and yes/no in ``lang``; the
    spellings of the files (headers, allowed values, HXL tags) in columns that say so.
    The frame keeps its ``table`` column (one tab per table on the page)."""
    shown = frame.assign(
        name=frame["name_zh" if lang == "zh" else "name_en"],
        headers=[" / ".join([c, *filter(None, a.split(", "))])
                 for c, a in zip(frame["column"], frame["aliases"])],
        type=[t(f"research.dict.kind.{k}", lang) for k in frame["type"]],
        required=[t("research.dict.yes" if v else "research.dict.no", lang) for v in frame["required"]])
    # What a column means comes second and keeps its room; the spellings of the files last.
    kinds = {"name": NAME, "description": TEXT, "type": TEXT, "required": TEXT, "headers": CODE,
             "allowed_values": CODE, "hxl": CODE}
    return shown, [Col(f, kind, header=t(f"research.dict.{f}", lang),
                       width=300 if f == "description" else None) for f, kind in kinds.items()]


def table_name(name: str, lang: str) -> str:
    """A stored table's name, or the research export's, in ``lang``."""
    return t(f"table.{name}" if name in schema.TABLES else f"research.table.{name}", lang)


def _dictionary_tables(frame: pd.DataFrame, lang: str) -> list[tuple[str, Table]]:
    """Each table's part of the dictionary laid out for the screen, in schema order and
    the export last: made once per language for every session (cutting and laying out
    the parts was most of the page's work when ten people opened it at once)."""
    shown, columns = dictionary_shown(frame, lang)
    return [(name, layout(part, lang, columns))
            for name, part in shown.groupby("table", sort=False)]


def dictionary(view: View) -> None:
    """Every table and column, generated from the schema, plus the export's columns."""
    st.subheader(t("methods.dictionary.title", view.lang))
    st.caption(t("methods.dictionary.caption", view.lang))
    frame = data_dictionary(view.lang)
    laid_out = kept(view, "methods.dictionary", lambda: _dictionary_tables(frame, view.lang),
                    view.lang)
    for tab, (_, table) in zip(st.tabs([table_name(n, view.lang) for n, _ in laid_out]), laid_out):
        with tab:
            draw(table, rows=len(table.shown))
    left, right = st.columns(2)
    name = f"lifeline_data_dictionary_{view.lang}"
    with left:
        offer(t("methods.dictionary.md", view.lang),
              lambda: dictionary_markdown(view.lang, frame).encode("utf-8"), f"{name}.md",
              "text/markdown", view, "dl_dictionary_md")
    with right:
        offer(t("methods.dictionary.csv", view.lang),
              lambda: ("\ufeff" + dictionary_csv(view.lang)).encode("utf-8"), f"{name}.csv",
              "text/csv", view, "dl_dictionary_csv")


def methods(view: View) -> None:
    """The definition of every number, in the view's language, as a person reads it."""
    st.subheader(t("methods.document.title", view.lang))
    st.caption(t("methods.document.caption", view.lang))
    with st.expander(t("methods.document.open", view.lang), expanded=True):
        st.markdown(methods_text(view.lang, title=False))


# A passage that fills its own lines takes its line break with it; one inside a line
# leaves the break, so the paragraph after it stays a paragraph of its own.
_DEV = re.compile(r"^<!-- dev -->.*?<!-- /dev -->\n?|<!-- dev -->.*?<!-- /dev -->", re.S | re.M)
_HTML = re.compile(r"<!--.*?-->|<a id=\"[^\"]*\"></a>\n?", re.S)


def methods_text(lang: str, title: bool = True) -> str:
    """The methods document in ``lang`` without the passages for developers (the code,
    tests and commands behind each definition) and without HTML comments and anchors;
    without its title line when ``title`` is False (the page has its own heading)."""
    text = METHODS[lang].read_text(encoding="utf-8")
    text = re.sub(r"\n{3,}", "\n\n", _HTML.sub("", _DEV.sub("", text))).strip() + "\n"
    if not title and text.startswith("# "):
        text = text.split("\n", 1)[1].lstrip("\n")
    # A line break inside a Chinese paragraph would be drawn as a space between characters.
    return _CJK_BREAK.sub("", text)


_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_FULL = "\u3000-\u303f\uff00-\uffef"  # full-width punctuation: never a space before or after
_QUOTES = "\u2014\u2018\u2019\u201c\u201d\u2026"  # — ‘ ’ “ ” …, which Chinese sets without spaces
# Joined: a break between two Chinese characters, after full-width punctuation unless a list
# item, table row or heading starts there, and before full-width punctuation. The
# indentation of a list item's next line goes too, or the break still draws a space.
_CJK_BREAK = re.compile(f"(?<=[{_WIDE}{_QUOTES}])\\n[ \\t]*(?=[{_WIDE}{_QUOTES}])"
                        f"|(?<=[{_FULL}])\\n[ \\t]*(?=[^\\s|#>])(?![-*+] |\\d+[.)] )"
                        f"|(?<=\\S)\\n[ \\t]*(?=[{_FULL}])")


def render(view: View) -> None:
    """Data & methods: the research export, the data dictionary and how every number is made."""
    if view.has_data:
        research_export(view)
    else:
        st.info(view.t("overview.empty"))
    dictionary(view)
    methods(view)
