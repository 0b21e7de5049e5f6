"""Reusable page pieces: headline cards, ranked region tables and safe downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.charts import GOOD_METRICS, RATIO_METRICS
from dashboard.exports import csv_bytes
from dashboard.i18n import region_label
from dashboard.metrics import COUNTY_UNDEFINED
from dashboard.ui.frame import View

HEADLINES = (
    "open_needs", "urgent_open_needs", "hospital_coverage", "community_coverage",
    "active_partners", "stale_partners", "overdue_deliveries",
)
# Headlines where a rise is bad news: their delta is drawn red when it goes up.
_RISE_IS_BAD = {"open_needs", "urgent_open_needs", "stale_partners", "overdue_deliveries"}


def _shown(value, metric: str, view: View) -> str:
    if value is None:
        return view.t("metric.no_data")
    return f"{value:.0%}" if metric in RATIO_METRICS else f"{value:,}"


def _delta(now, before, metric: str) -> str | None:
    if now is None or before is None:
        return None
    change = now - before
    if metric in RATIO_METRICS:
        return f"{change * 100:+.1f} pp"
    return f"{change:+,}"


def headline_cards(now: dict, before: dict | None, view: View) -> None:
    """One card per headline number, with the change since the previous day; ``before``
    None (the data begins on this day) reads "no earlier data", never +N."""
    columns = st.columns(4)
    for i, metric in enumerate(HEADLINES):
        with columns[i % 4]:
            if before is None:
                st.metric(view.t(f"metric.{metric}"), _shown(now[metric], metric, view),
                          delta=view.t("brief.no_earlier_data"), delta_color="off",
                          delta_arrow="off", help=view.t("metric.delta_day"))
                continue
            st.metric(
                view.t(f"metric.{metric}"), _shown(now[metric], metric, view),
                delta=_delta(now[metric], before[metric], metric),
                delta_color="inverse" if metric in _RISE_IS_BAD else "normal",
                help=view.t("metric.delta_day"),
            )


def region_table(summary: pd.DataFrame, metric: str, view: View, county: bool = False) -> pd.DataFrame:
    """The regions ranked by ``metric``, worst first, with translated headers.

    Ratios are shown as per cent (0-100, one decimal) under a header saying so; the
    frame returned is what is shown and what the download holds. ``county``: the rows
    are the counties of one prefecture (metrics.county_summary), and the columns no
    county has a value for are left out.
    """
    columns = ["open_needs", "urgent_open_needs", "open_needs_per_10k", "hospital_coverage",
               "community_coverage", "active_orgs", "overdue_deliveries",
               "open_needs_per_1k_confirmed", "confirmed_cum", "population"]
    if county:
        columns = [c for c in columns if c not in COUNTY_UNDEFINED or summary[c].notna().any()]
    frame = summary.copy()
    frame["region"] = [region_label(n, e, view.lang) for n, e in zip(frame["name"], frame["name_en"])]
    # No data is not zero: such a region keeps its place at the bottom, its figures empty.
    empty = ~frame["has_data"]
    frame.loc[empty, "region"] = frame.loc[empty, "region"] + f"（{view.t('metric.no_data')}）"
    figures = [c for c in columns if c not in ("population", "confirmed_cum",
                                               "open_needs_per_1k_confirmed")]
    frame[figures] = frame[figures].astype("float64")
    frame.loc[empty, figures] = float("nan")
    frame = frame.sort_values(metric, ascending=metric in GOOD_METRICS, na_position="last")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    for ratio in RATIO_METRICS:
        frame[ratio] = (frame[ratio] * 100).round(1)
    frame["open_needs_per_10k"] = frame["open_needs_per_10k"].round(2)
    frame["open_needs_per_1k_confirmed"] = frame["open_needs_per_1k_confirmed"].round(2)
    shown = frame[["rank", "region", *columns]].reset_index(drop=True)
    labels = {c: view.t(f"metric.{c}") for c in shown.columns}
    if county:
        labels["region"] = view.t("metric.county")
    for ratio in RATIO_METRICS:
        labels[ratio] += " (%)"
    config = {
        labels[ratio]: st.column_config.ProgressColumn(labels[ratio], format="%.0f%%",
                                                       min_value=0, max_value=100)
        for ratio in RATIO_METRICS
    } | {
        labels["region"]: st.column_config.TextColumn(width="medium"),
    }
    display = shown.rename(columns=labels)
    # Figures are shown as text so an empty one reads "—", not the table's English "None";
    # the download keeps the numbers.
    shown_text = display.copy()
    formats = {"open_needs": "{:,.0f}", "urgent_open_needs": "{:,.0f}", "active_orgs": "{:,.0f}",
               "overdue_deliveries": "{:,.0f}", "population": "{:,.0f}", "confirmed_cum": "{:,.0f}",
               "open_needs_per_10k": "{:.2f}", "open_needs_per_1k_confirmed": "{:.2f}"}
    for column, pattern in formats.items():
        if column not in labels:
            continue
        shown_text[labels[column]] = [
            "—" if v != v or v is None else pattern.format(v) for v in display[labels[column]]]
    # Tall enough for every region at once: the ranking is read top to bottom.
    st.dataframe(shown_text, hide_index=True, column_config=config, width="stretch",
                 height=36 * (len(display) + 1) + 3)
    return display


def download(frame: pd.DataFrame, file_name: str, view: View, key: str) -> None:
    """A CSV download whose formula-looking cells are neutralised; each click is
    written to the audit log (who, which file, how many rows)."""
    st.download_button(view.t("overview.download"), csv_bytes(frame), file_name=file_name,
                       mime="text/csv", key=key, on_click=audit_download,
                       args=(view, file_name, len(frame)))


def audit_download(view: View, file_name: str, rows: int | None = None) -> None:
    """Record a download in the audit log (a download button's on_click)."""
    from dashboard import audit

    audit.record("download", view.actor, view.role, file=file_name, rows=rows,
                 as_of=view.as_of.isoformat() if view.as_of else None)
