"""The Coverage page's sections: figures and translated tables.

Figures are plain plotly (offline: no ``geo`` maps, no tiles); tables are shown with
translated headers and downloadable through ``components.download``.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analytics import coverage
from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.app.cache import cached
from dashboard.app.components import download
from dashboard.app.tables import (
    COUNT,
    DATE,
    DECIMAL,
    LINK,
    NAME,
    PERCENT,
    REGION,
    TEXT,
    Col,
    layout,
    show_table,
)
from dashboard.i18n import CATALOGUE, region_label, t
from dashboard.present import formatting
from geo.config import is_national, province_of

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif")
# Red against teal reads for red-green colour blindness (as the map's states do).
UNDER_SERVED_COLOUR = "#d62728"
SERVED_COLOUR = "#009688"
KIND_PREFIX = {"hospital": "hospitals", "community": "communities"}
KIND_RATIO = {"hospital": "hospital_coverage", "community": "community_coverage"}


# --- helpers ----------------------------------------------------------------------

def area_labels(frame: pd.DataFrame, lang: str, region: str | None) -> list[str]:
    """Display names of the areas; a prefecture's own code under a county view is
    where facilities of unknown county are counted."""
    labels = []
    for code, name, name_en in zip(frame["adcode"], frame["name"], frame["name_en"]):
        label = region_label(name, name_en, lang)
        if region is not None and code == region:
            label += t("coverage.county_unknown", lang)
        labels.append(label)
    return labels


def map_url(adcode: str, view) -> str:
    """A link to the map page drilled down into ``adcode`` (a prefecture, or on a national
    server a province), keeping the view's filters."""
    params = {"region": adcode}
    if is_national():  # the region filter lists the chosen province's prefectures
        province = province_of(adcode)
        params = {"province": province} if adcode == province else {"province": province, **params}
    if view.lang != "zh":
        params["lang"] = view.lang
    if view.as_of and view.as_of != view.last:
        params["as_of"] = view.as_of.isoformat()
    if view.window != DEFAULT_WINDOW:
        params["window"] = view.window
    return "map?" + urlencode(params)


# --- figures (no streamlit) -------------------------------------------------------

def over_time_figure(frame: pd.DataFrame, kind: str, lang: str,
                     region: str | None = None) -> go.Figure:
    """One line per area: the share of ``kind`` facilities covered on each day."""
    ratio = KIND_RATIO[kind]
    fig = go.Figure()
    labels = dict(zip(frame["adcode"], area_labels(frame, lang, region)))
    for adcode, part in frame.groupby("adcode", sort=True):
        if part[ratio].notna().sum() == 0:
            continue  # no facilities of this kind: nothing to draw, not a 0% line
        name = html.escape(labels[adcode])
        fig.add_trace(go.Scatter(
            x=part["day"], y=part[ratio], mode="lines", name=name,
            customdata=part[[f"{KIND_PREFIX[kind]}_covered", KIND_PREFIX[kind]]].to_numpy(),
            hovertemplate=name + "<br>%{x|%Y-%m-%d}: %{y:.1%} (%{customdata[0]:,}/%{customdata[1]:,})"
                          "<extra></extra>",
        ))
    fig.update_layout(
        yaxis=dict(title=t(f"metric.{ratio}", lang), tickformat=".0%", range=[0, 1.02]),
        xaxis=dict(title=t("coverage.day", lang), tickformat="%Y-%m-%d"),  # dates read YYYY-MM-DD
        margin=dict(l=10, r=10, t=10, b=10), height=440, font=FONT, hovermode="closest",
    )
    return fig


def _drawable(frame: pd.DataFrame) -> pd.DataFrame:
    """The prefectures the scatter can place: a coverage and a burden known."""
    return frame[frame["coverage"].notna() & frame["open_needs_per_10k"].notna()]


def same_coverage(frame: pd.DataFrame) -> float | None:
    """The one coverage every drawable prefecture shares (e.g. 0 when nothing was
    delivered in the window), or None when they differ and the scatter compares them."""
    drawn = _drawable(frame)["coverage"]
    if len(drawn) < 2 or drawn.max() - drawn.min() > 1e-9:
        return None
    return float(drawn.iloc[0])


def burden_figure(frame: pd.DataFrame, lang: str, region: str | None = None) -> go.Figure:
    """Coverage across, open needs per 10,000 up; under-served prefectures in red.

    With ``region`` that prefecture stands out: the others are drawn faint and unnamed,
    as the background it is judged against (the medians are the province's)."""
    drawn = _drawable(frame)
    fig = go.Figure()
    for flagged, colour, key in ((False, SERVED_COLOUR, "coverage.served"),
                                 (True, UNDER_SERVED_COLOUR, "coverage.under_served")):
        part = drawn[drawn["under_served"] == flagged]
        names = [html.escape(region_label(n, e, lang)) for n, e in zip(part["name"], part["name_en"])]
        confirmed = [formatting.decimal(v) for v in part["confirmed_per_10k"]]
        chosen = [region is None or code == region for code in part["adcode"]]
        fig.add_trace(go.Scatter(
            x=part["coverage"], y=part["open_needs_per_10k"], mode="markers+text",
            text=[n if c else "" for n, c in zip(names, chosen)], textposition="top center",
            name=t(key, lang),
            marker=dict(color=colour, size=[13 if c and region is None else 18 if c else 9
                                            for c in chosen],
                        opacity=[1.0 if c else 0.3 for c in chosen],
                        symbol="diamond" if flagged else "circle",
                        line=dict(color="white", width=1)),
            customdata=list(zip(names, confirmed)),
            hovertemplate="%{customdata[0]}<br>" + html.escape(t("coverage.coverage", lang))
                          + ": %{x:.1%}<br>" + html.escape(t("metric.open_needs_per_10k", lang))
                          + ": %{y:.3f}<br>" + html.escape(t("coverage.confirmed_per_10k", lang))
                          + ": %{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(
        # Coverage lies in [0, 1]: no negative axis when every point sits at 0%.
        xaxis=dict(title=t("coverage.coverage", lang), tickformat=".0%", range=[-0.04, 1.04]),
        yaxis=dict(title=t("metric.open_needs_per_10k", lang)),
        margin=dict(l=10, r=10, t=10, b=10), height=460, font=FONT,
    )
    return fig


# --- tables -----------------------------------------------------------------------

AREA_COLUMNS = [
    "hospitals", "hospitals_covered", "hospital_coverage", "hospitals_never_reached",
    "hospitals_reached_once", "communities", "communities_covered", "community_coverage",
    "communities_never_reached", "communities_reached_once",
]
# Per kind of facility: the columns of its tab, and the short headers they carry there
# (the tab says which kind: "设施数" under the hospitals tab is the number of hospitals).
KIND_COLUMNS = {kind: [(f"{prefix}{suffix}", short) for suffix, short in (
    ("", "coverage.col.facilities"), ("_covered", "coverage.col.covered"),
    ("_never_reached", "coverage.col.never_reached"), ("_reached_once", "coverage.col.reached_once"))]
    for kind, prefix in KIND_PREFIX.items()}


def _label(column: str, lang: str) -> str:
    key = f"metric.{column}"
    return t(key if key in CATALOGUE else f"coverage.{column}", lang)


def _area_columns(view, region: str | None, kind: str | None) -> list[Col]:
    """The area table's columns: every column with its full header (``kind`` None, the
    download), or one kind's columns with short headers (its tab)."""
    lang = view.lang
    first = Col("area", NAME, header=t("metric.county" if region else "metric.region", lang))
    if kind is None:
        return [first, *(Col(c, PERCENT if c.endswith("coverage") else COUNT, header=_label(c, lang))
                         for c in AREA_COLUMNS)]
    counts = [Col(c, COUNT, header=t(short, lang), help=_label(c, lang))
              for c, short in KIND_COLUMNS[kind]]
    ratio = KIND_RATIO[kind]
    coverage_col = Col(ratio, PERCENT, header=t("coverage.col.coverage", lang), help=_label(ratio, lang))
    return [first, counts[0], counts[1], coverage_col, *counts[2:]]


def area_table(frame: pd.DataFrame, view, region: str | None) -> pd.DataFrame:
    """The per-area table, one tab per kind of facility; returns what the download holds
    (both kinds, full headers)."""
    frame = frame.assign(area=area_labels(frame, view.lang, region))
    for tab, kind in zip(st.tabs([t(f"coverage.kind.{k}", view.lang) for k in KIND_PREFIX]), KIND_PREFIX):
        with tab:
            show_table(frame, view, _area_columns(view, region, kind))
    return layout(frame, view.lang, _area_columns(view, region, None)).download


# The uncovered facilities on screen: the most urgent first; the download holds them all.
SHOWN_UNCOVERED = 2_000


def _uncovered(frame: pd.DataFrame, view) -> tuple[pd.DataFrame, list[Col]]:
    """The uncovered-urgent rows with their last delivery in words and a map link, and
    the table's columns."""
    lang = view.lang
    frame = frame.assign(
        last=[t("coverage.never", lang) if formatting.is_missing(v) else formatting.day(v)
              for v in frame["last_delivered_on"]],
        map=[map_url(c, view) for c in frame["region_adcode"]])
    return frame, [
        Col("name", NAME, header=t("coverage.facility", lang)),
        Col("facility_type", TEXT, header=t("coverage.facility_type", lang), values="facility_type"),
        Col("region_adcode", REGION, header=t("metric.region", lang)),
        Col("county_adcode", REGION, header=t("metric.county", lang)),
        Col("urgent_needs", COUNT, header=t("coverage.urgent_needs", lang)),
        Col("open_needs", COUNT, header=t("metric.open_needs", lang)),
        Col("oldest_need_days", COUNT, header=t("coverage.oldest_need_days", lang)),
        Col("last", TEXT, header=t("coverage.last_delivered_on", lang)),
        Col("map", LINK, header=t("coverage.map_link", lang),
            link_text=t("coverage.map_link_text", lang)),
    ]


def uncovered_table(frame: pd.DataFrame, view) -> pd.DataFrame:
    """The uncovered-urgent table (sortable by any header), with a link to the map: its
    first SHOWN_UNCOVERED rows; returns what their download holds."""
    rows, columns = _uncovered(frame.head(SHOWN_UNCOVERED), view)
    return show_table(rows, view, columns)


def uncovered_download(frame: pd.DataFrame, view) -> pd.DataFrame:
    """Every uncovered-urgent facility as the download holds it (laid out when pressed)."""
    rows, columns = _uncovered(frame, view)
    return layout(rows, view.lang, columns).download


def over_time_download(frame: pd.DataFrame, view, region: str | None) -> pd.DataFrame:
    """The coverage-over-time series with translated headers, for the download."""
    lang = view.lang
    frame = frame.assign(area=area_labels(frame, lang, region))
    return layout(frame, lang, [
        Col("day", DATE, header=t("coverage.day", lang)),
        Col("area", NAME, header=t("metric.county" if region else "metric.region", lang)),
        *(Col(c, PERCENT if c.endswith("coverage") else COUNT, header=_label(c, lang))
          for c in ("hospitals", "hospitals_covered", "hospital_coverage", "communities",
                    "communities_covered", "community_coverage")),
    ]).download


def burden_table(frame: pd.DataFrame, view, region: str | None = None) -> pd.DataFrame:
    """The coverage-vs-burden figures per prefecture, under-served first (the row of
    ``region`` alone, when given)."""
    lang = view.lang
    if region:
        frame = frame[frame["adcode"] == region]
    ordered = frame.sort_values(["under_served", "open_needs_per_10k"], ascending=[False, False])
    ordered = ordered.assign(
        region=[region_label(n, e, lang) for n, e in zip(ordered["name"], ordered["name_en"])],
        flagged=[t("coverage.yes" if f else "coverage.no", lang) for f in ordered["under_served"]])
    def short(name: str, short_key: str, full_key: str, kind: str, **more) -> Col:
        return Col(name, kind, header=t(short_key, lang), help=t(full_key, lang), **more)

    return show_table(ordered, view, [
        Col("region", NAME, header=t("metric.region", lang)),
        Col("flagged", TEXT, header=t("coverage.under_served", lang)),
        short("coverage", "coverage.col.coverage", "coverage.coverage", PERCENT),
        Col("open_needs", COUNT, header=t("metric.open_needs", lang)),
        short("open_needs_per_10k", "metric.short.open_needs_per_10k", "metric.open_needs_per_10k",
              DECIMAL, digits=3),
        short("confirmed_cum", "metric.short.confirmed_cum", "metric.confirmed_cum", COUNT),
        short("confirmed_per_10k", "coverage.col.confirmed_per_10k", "coverage.confirmed_per_10k", DECIMAL),
        short("population", "metric.short.population", "metric.population", COUNT),
    ])


# --- the page ---------------------------------------------------------------------

def cards(areas: pd.DataFrame, urgent: pd.DataFrame, view) -> None:
    """Headline numbers of the selection."""
    lang = view.lang
    sums = areas[["hospitals", "hospitals_covered", "communities", "communities_covered",
                  "hospitals_never_reached", "communities_never_reached",
                  "hospitals_reached_once", "communities_reached_once"]].sum()
    hosp = sums["hospitals_covered"] / sums["hospitals"] if sums["hospitals"] else None
    comm = sums["communities_covered"] / sums["communities"] if sums["communities"] else None
    no_data = t("metric.no_data", lang)
    columns = st.columns(5)
    columns[0].metric(t("metric.hospital_coverage", lang), formatting.percent(hosp, missing=no_data))
    columns[1].metric(t("metric.community_coverage", lang), formatting.percent(comm, missing=no_data))
    # Short labels (five cards share a row); the tooltip says in full what is counted.
    columns[2].metric(t("coverage.card.never_reached", lang),
                      formatting.count(sums["hospitals_never_reached"] + sums["communities_never_reached"]),
                      help=t("coverage.never_reached", lang))
    columns[3].metric(t("coverage.card.reached_once", lang),
                      formatting.count(sums["hospitals_reached_once"] + sums["communities_reached_once"]),
                      help=t("coverage.reached_once", lang))
    columns[4].metric(t("coverage.card.uncovered_urgent", lang), formatting.count(len(urgent)),
                      help=t("coverage.uncovered_urgent", lang))


def render(view) -> None:
    """Draw the Coverage page for ``view``."""
    lang = view.lang
    region = getattr(view, "region", None)
    stamp = view.as_of.isoformat()
    st.caption(t("coverage.caption", lang, as_of=stamp, window=view.window))

    areas = cached(view, "coverage.coverage_by_area", view.scope,
                   "county" if region else "region", region)
    urgent = cached(view, "coverage.uncovered_urgent", view.scope, region)
    region_name = None
    if region:
        from geo.regions import load_registry
        r = load_registry().get(region)
        region_name = region_label(r.name, r.name_en, lang)
        st.caption(t("coverage.cards_region", lang, region=region_name))
    cards(areas, urgent, view)

    # Per area
    st.subheader(t("coverage.area_title_county", lang, region=region_name) if region
                 else t("coverage.area_title_country" if view.national else "coverage.area_title",
                        lang))
    st.caption(t("coverage.area_caption", lang))
    shown = area_table(areas, view, region)
    download(shown, f"lifeline_coverage_{region or 'regions'}_{stamp}.csv", view, key="dl_cov_areas")

    # Uncovered with urgent needs
    st.subheader(t("coverage.uncovered_title", lang))
    if urgent.empty:
        st.info(t("coverage.uncovered_empty", lang))
    else:
        st.caption(t("coverage.uncovered_caption", lang, count=len(urgent)))
        uncovered_table(urgent, view)
        if len(urgent) > SHOWN_UNCOVERED:
            st.caption(t("coverage.uncovered_capped", lang, shown=SHOWN_UNCOVERED,
                         total=len(urgent)))
        download(lambda: uncovered_download(urgent, view),
                 f"lifeline_uncovered_urgent_{stamp}.csv", view, key="dl_cov_urgent",
                 rows=len(urgent))

    # Over time
    st.subheader(t("coverage.time_title", lang))
    series = cached(view, "coverage.coverage_over_time", view.scope, region)
    kind_key = f"coverage_kind_{lang}"
    kind = st.radio(t("coverage.time_kind", lang), ("hospital", "community"), key=kind_key,
                    horizontal=True, format_func=lambda k: t(f"coverage.kind.{k}", lang))
    if series.empty:
        st.info(t("coverage.time_empty", lang))
    else:
        st.plotly_chart(over_time_figure(series, kind, lang, region), width="stretch",
                        config={"displayModeBar": False})
        kind_name = t(f"coverage.kind.{kind}", lang)
        st.caption(t("coverage.time_caption", lang, kind=kind_name.lower(), kind_lower=kind_name.lower(),
                      window=view.window))
        download(over_time_download(series, view, region),
                 f"lifeline_coverage_over_time_{stamp}.csv", view, key="dl_cov_time")

    # Coverage vs burden: the prefectures of the province, against which a region is judged
    st.subheader(t("coverage.burden_title", lang))
    burden = cached(view, "coverage.coverage_vs_burden", view.scope)
    flat = same_coverage(burden)
    if flat is None:
        st.plotly_chart(burden_figure(burden, lang, region), width="stretch",
                        config={"displayModeBar": False})
    else:  # every point on one vertical line: names piled on each other, nothing compared
        st.info(t("coverage.burden_flat", lang, coverage=formatting.percent(flat)))
    if view.national:  # the points are provinces, judged against the country's medians
        rule = (coverage.UNDER_SERVED_RULE_COUNTRY_ZH if lang == "zh"
                else coverage.UNDER_SERVED_RULE_COUNTRY)
        st.caption(t("coverage.burden_caption_country", lang, rule=rule))
    else:
        rule = coverage.UNDER_SERVED_RULE_ZH if lang == "zh" else coverage.UNDER_SERVED_RULE
        st.caption(t("coverage.burden_caption", lang, rule=rule))
    if region:
        st.caption(t("coverage.burden_region", lang, region=region_name))
    shown = burden_table(burden, view, region)
    download(shown, f"lifeline_coverage_vs_burden_{region or 'regions'}_{stamp}.csv", view,
             key="dl_cov_burden")
