"""Sections of the Needs page: each draws one analysis of dashboard.needs, with a caption
saying what it counts and, for tables, a CSV download. Headers are translated; no raw
column name reaches the screen.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import needs
from dashboard.access import run
from dashboard.i18n import t as tn
from dashboard.i18n import value_label
from dashboard.metrics import Scope
from dashboard.ui.components import download
from dashboard.ui.data import connection, role_of
from dashboard.ui.frame import View
from dashboard.ui.tables import region_name, translated

# Enum columns whose values are shown through the schema's labels.
_VALUE_COLUMNS = {"category": "category", "priority": "priority",
                  "beneficiary_group": "beneficiary_group", "facility_type": "facility_type",
                  "need_status": "status"}
_SHARE_COLUMNS = ("uncovered_share", "on_time_rate")


_FROM_OPEN_NEEDS = ("needs_by", "quantities_by_item", "ageing", "gap_ranking", "projection")


@st.cache_data(show_spinner=False, max_entries=128)
def _compute(key: tuple[str, str], name: str, as_of: date, window: int, region: str | None,
             **kwargs) -> pd.DataFrame:
    """A cached call of ``dashboard.needs.<name>`` (keyed by the data version).

    Analyses built on the open needs at D reuse one cached ``needs_at`` frame instead of
    linking deliveries to needs again (seconds each at a country's scale).
    """
    if name in _FROM_OPEN_NEEDS:
        kwargs["frame"] = _compute(key, "needs_at", as_of, window, region)
    with connection() as con:
        return run(role_of(key), f"needs.{name}", con, Scope(as_of, window), region=region, **kwargs)


def open_needs(key: tuple[str, str], as_of: date, window: int) -> pd.DataFrame:
    """The cached needs open at D in the whole province (shared with other pages)."""
    return _compute(key, "needs_at", as_of, window, None)


def _get(view: View, name: str, **kwargs) -> pd.DataFrame:
    return _compute(view.key, name, view.as_of, view.window, region_of(view), **kwargs)


def region_of(view: View) -> str | None:
    """The prefecture filter of the view (None: the whole province)."""
    return getattr(view, "region", None)


def _region_name(adcode: str, lang: str) -> str:
    return region_name(adcode, lang)


def shown(frame: pd.DataFrame, view: View, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``frame`` with translated values and headers, shares in per cent."""
    per_cent = lambda v: round(float(v) * 100, 1) if v == v and v is not None else v  # noqa: E731
    special = {"link_rule": lambda v: tn(f"needs.link.{v}", view.lang)}
    special |= {col: per_cent for col in _SHARE_COLUMNS}
    return translated(frame, view, columns, "needs.col", _VALUE_COLUMNS, special)


# A browser table of hundreds of thousands of rows helps nobody and costs seconds; the
# rows come urgent and oldest first, and the command line exports them all.
SHOWN_ROWS = 2_000
DOWNLOAD_ROWS = 50_000


def _table(frame: pd.DataFrame, view: View, columns: list[str], file_stem: str,
           prepare=None) -> pd.DataFrame:
    total = len(frame)
    rows = frame.head(DOWNLOAD_ROWS)
    display = shown(prepare(rows) if prepare else rows, view, columns)
    st.dataframe(display.head(SHOWN_ROWS), hide_index=True, width="stretch")
    if total > SHOWN_ROWS:
        st.caption(tn("needs.rows_capped", view.lang, shown=min(SHOWN_ROWS, total), total=total,
                      download=min(DOWNLOAD_ROWS, total), as_of=view.as_of.isoformat()))
    download(display, f"lifeline_{file_stem}_{view.as_of.isoformat()}.csv", view,
             key=f"dl_needs_{file_stem}")
    return display


def caption(view: View) -> None:
    """What the page is computed for."""
    region = region_of(view)
    suffix = tn("needs.region_suffix", view.lang, name=_region_name(region, view.lang)) if region else ""
    st.caption(tn("needs.caption", view.lang, as_of=view.as_of.isoformat(), window=view.window,
                  region=suffix))


def headlines(view: View) -> pd.DataFrame:
    """Four cards, all counts of needs (quantities of different units are never added:
    they are totalled per item and unit under "Totals")."""
    frame = _get(view, "needs_at")
    uncovered = float(needs.uncovered_share(frame).sum()) if not frame.empty else 0.0
    cards = (
        ("needs.headline.open", f"{len(frame):,}"),
        ("needs.headline.urgent", f"{int((frame['priority'] == 'urgent').sum()):,}"),
        ("needs.headline.uncovered", f"{uncovered:,.0f}" if round(uncovered, 1).is_integer()
         else f"{uncovered:,.1f}"),
        ("needs.headline.unquantified", f"{int(frame['requested'].isna().sum()):,}"),
    )
    for column, (label, value) in zip(st.columns(4), cards):
        with column:
            st.metric(tn(label, view.lang), value)
    return frame


NEED_COLUMNS = ["need_id", "facility_name", "facility_type", "region_adcode", "category", "item",
                "unit", "requested", "delivered", "in_transit", "unmet", "days_open",
                "reported_on", "priority", "beneficiary_group"]


def need_table(view: View) -> None:
    """Every open need, urgent and oldest first, with an optional category filter."""
    st.subheader(tn("needs.table.title", view.lang))
    frame = _get(view, "needs_at")
    categories = sorted(frame["category"].dropna().unique())
    chosen = st.selectbox(tn("needs.category_filter", view.lang), [None, *categories],
                          key=f"needs_category_{view.lang}",
                          format_func=lambda c: tn("needs.all", view.lang) if c is None
                          else value_label("category", c, view.lang))
    if chosen:
        frame = frame[frame["category"] == chosen]
    st.caption(tn("needs.table.caption", view.lang))
    _table(frame, view, NEED_COLUMNS, "needs", prepare=lambda f: whole_needs(f, view.lang))


def _plain(value) -> str:
    """A quantity as text that reads as it was reported: 600, not 600.0."""
    if value is None or value != value:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def whole_needs(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The need table's quantities for reading: a need that gave no quantity is a whole
    need — its requested cell says "not given" and its unmet cell "whole need", never 0
    (the quantity columns become text, since a column holds one type)."""
    out = frame.copy()
    out["unit"] = out["unit"].fillna("")  # no unit reads blank, not "None"
    missing = out["requested"].isna()
    if not missing.any():
        return out
    for col in ("requested", "delivered", "in_transit", "unmet"):
        out[col] = [_plain(v) for v in out[col]]
    out.loc[missing, "requested"] = tn("needs.not_given", lang)
    out.loc[missing, "unmet"] = tn("needs.whole_need", lang)
    return out


def aggregates(view: View) -> None:
    """Open needs summed by a chosen dimension."""
    st.subheader(tn("needs.by.title", view.lang))
    dimension = st.selectbox(tn("needs.by.dimension", view.lang), needs.DIMENSIONS,
                             key=f"needs_dimension_{view.lang}",
                             format_func=lambda d: tn(f"needs.col.{d}", view.lang))
    frame = _get(view, "needs_by", dimension=dimension).copy()
    frame["uncovered_needs"] = frame["uncovered_needs"].astype("float64").round(1)
    st.caption(tn("needs.by.caption", view.lang))
    _table(frame, view, list(frame.columns), f"needs_by_{dimension}")
    st.markdown(f"**{tn('needs.quantities.title', view.lang)}**")
    st.caption(tn("needs.quantities.caption", view.lang))
    quantities = _get(view, "quantities_by_item")
    _table(quantities, view, needs.QUANTITY_COLUMNS, "needs_quantities")


def _histogram(values: pd.Series, x_label: str, view: View) -> go.Figure:
    """Counts per whole day, counted here: sending every value to the browser for plotly
    to bin costs megabytes at a country's scale."""
    counts = pd.to_numeric(values, errors="coerce").dropna().round().astype("int64").value_counts()
    counts = counts.sort_index()
    fig = go.Figure(go.Bar(x=counts.index, y=counts.to_numpy(), marker_color="#d9534f"))
    fig.update_layout(xaxis_title=x_label, yaxis_title=tn("needs.count", view.lang),
                      height=300, margin=dict(l=10, r=10, t=10, b=10), bargap=0.05)
    return fig


def ageing(view: View) -> None:
    """Histogram of days open, and the median time to fulfil."""
    st.subheader(tn("needs.ageing.title", view.lang))
    frame = _get(view, "ageing")
    st.plotly_chart(_histogram(frame["days_open"], tn("needs.col.days_open", view.lang), view),
                    width="stretch", config={"displayModeBar": False})
    st.caption(tn("needs.ageing.caption", view.lang))
    fulfil = _get(view, "time_to_fulfil")
    st.caption(tn("needs.ageing.fulfil_caption", view.lang))
    _table(fulfil, view, ["region_adcode", "category", "needs_met", "median_days"], "time_to_fulfil")


def gap_ranking(view: View) -> None:
    """Regions or facilities ranked by the gap score, with the formula beside it."""
    st.subheader(tn("needs.gap.title", view.lang))
    level = st.radio(tn("needs.gap.level", view.lang), ("region", "facility"), horizontal=True,
                     key=f"needs_gap_level_{view.lang}",
                     format_func=lambda v: tn(f"needs.gap.level.{v}", view.lang))
    frame = _get(view, "gap_ranking", level=level).copy()
    st.caption(tn("needs.gap.caption", view.lang, formula=needs.GAP_FORMULA[view.lang]))
    frame["uncovered_needs"] = frame["uncovered_needs"].astype("float64").round(1)
    if level == "region":
        frame = frame.rename(columns={"score": "score_per_million"})
        frame["score_total"] = frame["score_total"].astype("float64").round(3)
        frame["score_per_million"] = frame["score_per_million"].astype("float64").round(3)
        columns = ["rank", "region_adcode", "population", "open_needs", "urgent_needs",
                   "uncovered_needs", "score_total", "score_per_million"]
    else:
        frame["score"] = frame["score"].astype("float64").round(3)
        columns = ["rank", "facility_name", "facility_type", "region_adcode", "open_needs",
                   "urgent_needs", "uncovered_needs", "score"]
    _table(frame, view, columns, f"gap_{level}")


def mismatch(view: View) -> None:
    """Line chart: supplies to hospitals vs needs at communities and villages; late ones."""
    st.subheader(tn("needs.mismatch.title", view.lang))
    frame = _get(view, "mismatch_over_time")
    fig = go.Figure()
    for col, label, colour in (
        ("hospital_delivered_share", "needs.mismatch.hospital", "#1f77b4"),
        ("community_open_share", "needs.mismatch.community", "#ff7f0e"),
    ):
        fig.add_trace(go.Scatter(x=[d.isoformat() for d in frame["day"]], y=frame[col] * 100,
                                 mode="lines+markers", name=tn(label, view.lang),
                                 line=dict(color=colour)))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title=tn("needs.mismatch.day", view.lang),
                      yaxis_title=tn("needs.mismatch.share", view.lang) + " (%)",
                      yaxis_range=[0, 100], legend=dict(orientation="h"))
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
    st.caption(tn("needs.mismatch.caption", view.lang, window=view.window))
    st.markdown(f"**{tn('needs.late.title', view.lang)}**")
    st.caption(tn("needs.late.caption", view.lang))
    late = _get(view, "late_deliveries")
    _table(late, view, ["delivery_id", "need_id", "link_rule", "region_adcode", "category", "item",
                        "quantity", "closed_on", "delivered_on", "days_late", "need_status"],
           "late_deliveries")


def logistics(view: View) -> None:
    """Per-carrier table and the histogram of delays."""
    st.subheader(tn("needs.logistics.title", view.lang))
    frame = _get(view, "logistics").copy()
    st.caption(tn("needs.logistics.caption", view.lang))
    frame["carrier_name"] = [n or tn("needs.no_carrier", view.lang) for n in frame["carrier_name"]]
    _table(frame, view, ["carrier_name", "in_transit", "planned", "overdue", "delivered_with_date",
                         "on_time", "on_time_rate"], "logistics")
    delays = _get(view, "delay_distribution")
    if delays.empty:  # an empty chart says nothing: say why instead
        st.info(tn("needs.delay.none", view.lang))
    else:
        st.plotly_chart(_histogram(delays["delay_days"], tn("needs.col.delay_days", view.lang), view),
                        width="stretch", config={"displayModeBar": False})
    st.caption(tn("needs.delay.caption", view.lang))


def projection(view: View) -> None:
    """How long the remaining open quantity takes at the window's delivery rate."""
    st.subheader(tn("needs.projection.title", view.lang))
    frame = _get(view, "projection").copy()
    never = tn("needs.projection.never", view.lang)
    frame["rate_per_day"] = frame["rate_per_day"].astype("float64").round(2)
    frame["days"] = [never if d is None or d != d else f"{d:.1f}" for d in frame["days"]]
    st.caption(tn("needs.projection.caption", view.lang, window=view.window))
    _table(frame, view, ["region_adcode", "category", "item", "unit", "open_needs", "unmet",
                         "in_transit", "remaining", "delivered_in_window", "rate_per_day", "days"],
           "projection")
