"""Reusable page pieces: headline cards, ranked region tables, safe downloads and the
network's assessment tool."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.analytics import metric_table
from dashboard.analytics.metrics import COUNTY_UNDEFINED
from dashboard.app.frame import View
from dashboard.app.tables import COUNT, DECIMAL, NAME, PERCENT, Col, layout, show_table
from dashboard.i18n import region_label, t, tool_problem_message
from dashboard.present import formatting
from dashboard.present.charts import GOOD_METRICS
from dashboard.present.exports import csv_bytes
from dashboard.present.markup import md
from data_loaders.households.tool import Tool, ToolError, configured

HEADLINES = metric_table.in_place("headline")
# How a change is drawn: its colour says better or worse (dashboard.analytics.metric_table),
# its arrow which way the number went.
_COLOURS = {"better": "green", "worse": "red", "same": "gray", None: "gray"}


def headline_card(metric: str, now, before, view: View) -> None:
    """One ``st.metric`` card: the value as the measure reads, and its change since
    ``before`` computed from the unrounded values, green when better and red when worse."""
    kind = formatting.measure(metric).kind
    delta = formatting.change(now, before, kind, view.lang)
    verdict = formatting.verdict(metric, now, before)
    rising = delta is not None and delta.startswith("+")
    falling = delta is not None and delta.startswith(formatting.MINUS)
    st.metric(
        view.t(f"metric.{metric}"),
        formatting.value(metric, now, view.lang, missing=view.t("metric.no_data")),
        delta=delta, delta_color=_COLOURS[verdict],
        delta_arrow="up" if rising else "down" if falling else "off",
        help=view.t("metric.delta_help"),
    )


def headline_cards(now: dict, before: dict | None, view: View) -> None:
    """One card per headline number, with the change since the previous day; ``before``
    None (the data begins on this day) reads "no earlier data", never +N. Four to a row,
    each row its own columns: on a phone the cards then stack in reading order."""
    for start in range(0, len(HEADLINES), 4):
        for column, metric in zip(st.columns(4), HEADLINES[start:start + 4]):
            with column:
                if before is None:
                    st.metric(view.t(f"metric.{metric}"),
                              formatting.value(metric, now[metric], view.lang,
                                               missing=view.t("metric.no_data")),
                              delta=view.t("brief.no_earlier_data"), delta_color="off",
                              delta_arrow="off", help=view.t("metric.delta_help"))
                else:
                    headline_card(metric, now[metric], before[metric], view)


# The ranking's columns on screen; the download adds the context figures behind the rates.
_COLUMN_KINDS = {metric_table.COUNT: COUNT, metric_table.RATE: DECIMAL,
                 metric_table.RATIO: PERCENT}
RANKED = {key: _COLUMN_KINDS[metric_table.BY_KEY[key].kind]
          for key in metric_table.in_place("ranking")}
CONTEXT = {key: COUNT for key in metric_table.context_figures()}


def region_table(summary: pd.DataFrame, metric: str, view: View, county: bool = False) -> pd.DataFrame:
    """The regions ranked by ``metric``, worst first; returns what the download holds.

    A region without data keeps its place at the bottom with "（无数据）" after its name
    and "—" for its figures (no data is not zero). Headers are short (the full name is
    the header's tooltip) so every column fits the page at 1440 px; the confirmed cases
    and the population behind the rates are in the download only. ``county``: the rows
    are the counties of one prefecture (metrics.county_summary), and the columns no
    county has a value for are left out.
    """
    ranked = {c: k for c, k in RANKED.items()
              if not county or c not in COUNTY_UNDEFINED or summary[c].notna().any()}
    context = {c: k for c, k in CONTEXT.items()
               if not county or c not in COUNTY_UNDEFINED or summary[c].notna().any()}
    frame = summary.copy()
    frame["region"] = [region_label(n, e, view.lang) for n, e in zip(frame["name"], frame["name_en"])]
    empty = ~frame["has_data"]
    frame.loc[empty, "region"] = frame.loc[empty, "region"] + f"（{view.t('metric.no_data')}）"
    figures = list(ranked)
    frame[figures] = frame[figures].astype("float64")
    frame.loc[empty, figures] = float("nan")
    frame = frame.sort_values(metric, ascending=metric in GOOD_METRICS, na_position="last")
    frame.insert(0, "rank", range(1, len(frame) + 1))

    def col(name: str, kind: str) -> Col:
        return Col(name, kind, header=view.t(f"metric.short.{name}"), help=view.t(f"metric.{name}"))

    area = view.t("metric.county") if county else view.t("metric.region")
    columns = [Col("rank", COUNT, header=view.t("metric.rank")),
               Col("region", NAME, header=area),
               *(col(name, kind) for name, kind in ranked.items())]
    # Tall enough for every region at once: the ranking is read top to bottom.
    show_table(frame, view, columns, rows=len(frame))
    st.caption(view.t("overview.table_download_note"))
    # The download names every column in full.
    every = [*columns[:2], *(Col(name, kind, header=view.t(f"metric.{name}"))
                             for name, kind in (ranked | context).items())]
    return layout(frame, view.lang, every).download


def download(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, view: View,
             key: str, rows: int | None = None) -> None:
    """A CSV download of ``frame`` whose formula-looking cells are neutralised (see
    :func:`offer`: built only when pressed, and the press is audited). ``frame`` may be a
    function that lays the table out, called only then (a table of 50,000 rows costs
    seconds to translate); give its ``rows`` for the audit log."""
    if callable(frame):
        offer(view.t("overview.download"), lambda: csv_bytes(frame()), file_name, "text/csv",
              view, key, rows=rows)
        return
    offer(view.t("overview.download"), lambda: csv_bytes(frame), file_name, "text/csv", view,
          key, rows=len(frame))


def offer(label: str, build: Callable[[], bytes], file_name: str, mime: str, view: View,
          key: str, rows: int | None = None, **options) -> None:
    """A download button whose file is built only when this session presses it.

    Streamlit asks for the file over the session's own connection and runs ``build``
    then; the file it serves is dropped once no session refers to it. Nothing is stored
    ready to fetch when the page is drawn, so a download link outlives neither the
    session nor the moment, and a page costs nothing for the downloads no one takes. The
    press is written to the audit log (who, which file, how many rows) as the file is
    built. ``options`` are passed to ``st.download_button`` (``type``, ``disabled``, ``help``).
    """

    def deliver() -> bytes:
        data = build()
        audit_download(view, file_name, rows)
        return data

    st.download_button(label, data=deliver, file_name=file_name, mime=mime, key=key,
                       on_click="ignore", **options)


def audit_download(view: View, file_name: str, rows: int | None = None) -> None:
    """Record a download in the audit log (when its file is built)."""
    from dashboard.access import audit

    audit.record("download", view.actor, view.role, file=file_name, rows=rows,
                 as_of=view.as_of.isoformat() if view.as_of else None)


def assessment_tool(lang: str) -> Tool | None:
    """The network's assessment tool; when its file cannot be used, None, with every
    fault said in ``lang`` (the file's own spellings as text, never as markup)."""
    try:
        return configured()
    except ToolError as error:  # the network's tool file is wrong: say which and how
        faults = "".join(f"\n- {tool_problem_message(p, lang, md)}" for p in error.problems)
        st.error(t("households.tool_error", lang, problems=faults))
        return None
