"""The Coverage page's sections: cached data, figures and translated tables.

Figures are plain plotly (offline: no ``geo`` maps, no tiles); tables are shown with
translated headers and downloadable through ``components.download``.
"""

from __future__ import annotations

import html
import math
from datetime import date
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import coverage
from dashboard.access import run
from dashboard.i18n import CATALOGUE, region_label, value_label
from dashboard.i18n import t as tc
from dashboard.metrics import Scope
from dashboard.ui.components import download
from dashboard.ui.data import connection, role_of

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif")
# Red against teal reads for red-green colour blindness (as the map's states do).
UNDER_SERVED_COLOUR = "#d62728"
SERVED_COLOUR = "#009688"
KIND_PREFIX = {"hospital": "hospitals", "community": "communities"}
KIND_RATIO = {"hospital": "hospital_coverage", "community": "community_coverage"}


# --- cached data ------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=32)
def by_area(key: tuple[str, str], as_of: date, window: int, region: str | None) -> pd.DataFrame:
    """Coverage per prefecture, or per county of ``region``."""
    level = "county" if region else "region"
    with connection() as con:
        return run(role_of(key), "coverage.coverage_by_area", con, Scope(as_of, window), level, region)


@st.cache_data(show_spinner=False, max_entries=32)
def uncovered(key: tuple[str, str], as_of: date, window: int, region: str | None) -> pd.DataFrame:
    """Uncovered facilities with urgent open needs."""
    with connection() as con:
        return run(role_of(key), "coverage.uncovered_urgent", con, Scope(as_of, window), region)


@st.cache_data(show_spinner=False, max_entries=16)
def over_time(key: tuple[str, str], as_of: date, window: int, region: str | None) -> pd.DataFrame:
    """Daily coverage per area from the first data date."""
    with connection() as con:
        return run(role_of(key), "coverage.coverage_over_time", con, Scope(as_of, window), region)


@st.cache_data(show_spinner=False, max_entries=32)
def vs_burden(key: tuple[str, str], as_of: date, window: int) -> pd.DataFrame:
    """Coverage against burden per prefecture."""
    with connection() as con:
        return run(role_of(key), "coverage.coverage_vs_burden", con, Scope(as_of, window))


# --- helpers ----------------------------------------------------------------------

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent_text(value) -> str:
    """A ratio as "50.0%", or "—" when undefined (never 0%)."""
    return "—" if _missing(value) else f"{value * 100:.1f}%"


def area_labels(frame: pd.DataFrame, lang: str, region: str | None) -> list[str]:
    """Display names of the areas; a prefecture's own code under a county view is
    where facilities of unknown county are counted."""
    labels = []
    for code, name, name_en in zip(frame["adcode"], frame["name"], frame["name_en"]):
        label = region_label(name, name_en, lang)
        if region is not None and code == region:
            label += tc("coverage.county_unknown", lang)
        labels.append(label)
    return labels


def map_url(adcode: str, view) -> str:
    """A link to the map page drilled down into ``adcode``, keeping the view's filters."""
    params = {"region": adcode}
    if view.lang != "zh":
        params["lang"] = view.lang
    if view.as_of and view.as_of != view.last:
        params["as_of"] = view.as_of.isoformat()
    if view.window != 7:
        params["window"] = view.window
    return "map?" + urlencode(params)


def _height(rows: int) -> int:
    return 36 * (min(rows, 20) + 1) + 3


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
        yaxis=dict(title=tc(f"metric.{ratio}", lang), tickformat=".0%", range=[0, 1.02]),
        xaxis=dict(title=tc("coverage.day", lang)),
        margin=dict(l=10, r=10, t=10, b=10), height=440, font=FONT, hovermode="closest",
    )
    return fig


def burden_figure(frame: pd.DataFrame, lang: str, region: str | None = None) -> go.Figure:
    """Coverage across, open needs per 10,000 up; under-served prefectures in red.

    With ``region`` that prefecture stands out: the others are drawn faint and unnamed,
    as the background it is judged against (the medians are the province's)."""
    drawn = frame[frame["coverage"].notna() & frame["open_needs_per_10k"].notna()]
    fig = go.Figure()
    for flagged, colour, key in ((False, SERVED_COLOUR, "coverage.served"),
                                 (True, UNDER_SERVED_COLOUR, "coverage.under_served")):
        part = drawn[drawn["under_served"] == flagged]
        names = [html.escape(region_label(n, e, lang)) for n, e in zip(part["name"], part["name_en"])]
        confirmed = ["—" if _missing(v) else f"{v:.2f}" for v in part["confirmed_per_10k"]]
        chosen = [region is None or code == region for code in part["adcode"]]
        fig.add_trace(go.Scatter(
            x=part["coverage"], y=part["open_needs_per_10k"], mode="markers+text",
            text=[n if c else "" for n, c in zip(names, chosen)], textposition="top center",
            name=tc(key, lang),
            marker=dict(color=colour, size=[13 if c and region is None else 18 if c else 9
                                            for c in chosen],
                        opacity=[1.0 if c else 0.3 for c in chosen],
                        symbol="diamond" if flagged else "circle",
                        line=dict(color="white", width=1)),
            customdata=list(zip(names, confirmed)),
            hovertemplate="%{customdata[0]}<br>" + html.escape(tc("coverage.coverage", lang))
                          + ": %{x:.1%}<br>" + html.escape(tc("metric.open_needs_per_10k", lang))
                          + ": %{y:.3f}<br>" + html.escape(tc("coverage.confirmed_per_10k", lang))
                          + ": %{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(
        xaxis=dict(title=tc("coverage.coverage", lang), tickformat=".0%"),
        yaxis=dict(title=tc("metric.open_needs_per_10k", lang)),
        margin=dict(l=10, r=10, t=10, b=10), height=460, font=FONT,
    )
    return fig


# --- tables -----------------------------------------------------------------------

AREA_COLUMNS = [
    "hospitals", "hospitals_covered", "hospital_coverage", "hospitals_never_reached",
    "hospitals_reached_once", "communities", "communities_covered", "community_coverage",
    "communities_never_reached", "communities_reached_once",
]


def _label(column: str, lang: str) -> str:
    key = f"metric.{column}"
    return tc(key if key in CATALOGUE else f"coverage.{column}", lang)


def area_table(frame: pd.DataFrame, view, region: str | None) -> pd.DataFrame:
    """The per-area table with translated headers; returns what the download holds."""
    lang = view.lang
    region_header = tc("metric.county" if region else "metric.region", lang)
    out = pd.DataFrame({region_header: area_labels(frame, lang, region)})
    for column in AREA_COLUMNS:
        header = _label(column, lang)
        if column.endswith("coverage"):
            out[header + " (%)"] = (frame[column] * 100).round(1).to_numpy()
        else:
            out[header] = frame[column].to_numpy()
    shown = out.copy()
    for column in AREA_COLUMNS:
        if column.endswith("coverage"):
            header = _label(column, lang) + " (%)"
            shown[header] = [percent_text(v) for v in frame[column]]
    st.dataframe(shown, hide_index=True, width="stretch", height=_height(len(shown)))
    return out


def uncovered_table(frame: pd.DataFrame, view) -> pd.DataFrame:
    """The uncovered-urgent table (sortable by any header), with a link to the map."""
    lang = view.lang
    from geo.regions import load_registry
    registry = load_registry()

    def name_of(code) -> str:
        if code is None or (isinstance(code, float) and math.isnan(code)):
            return "—"
        try:
            r = registry.get(code)
        except (KeyError, ValueError):
            return str(code)
        return region_label(r.name, r.name_en, lang)

    h = {
        "facility": tc("coverage.facility", lang),
        "type": tc("coverage.facility_type", lang),
        "region": tc("metric.region", lang),
        "county": tc("metric.county", lang),
        "urgent": tc("coverage.urgent_needs", lang),
        "open": tc("metric.open_needs", lang),
        "oldest": tc("coverage.oldest_need_days", lang),
        "last": tc("coverage.last_delivered_on", lang),
        "map": tc("coverage.map_link", lang),
    }
    out = pd.DataFrame({
        h["facility"]: frame["name"].astype(str).to_numpy(),
        h["type"]: [value_label("facility_type", v, lang) for v in frame["facility_type"]],
        h["region"]: [name_of(c) for c in frame["region_adcode"]],
        h["county"]: [name_of(c) for c in frame["county_adcode"]],
        h["urgent"]: frame["urgent_needs"].astype("int64").to_numpy(),
        h["open"]: frame["open_needs"].astype("int64").to_numpy(),
        h["oldest"]: frame["oldest_need_days"].astype("int64").to_numpy(),
        h["last"]: [tc("coverage.never", lang) if v is None else v.isoformat()
                    for v in frame["last_delivered_on"]],
        h["map"]: [map_url(c, view) for c in frame["region_adcode"]],
    })
    st.dataframe(
        out, hide_index=True, width="stretch", height=_height(len(out)),
        column_config={h["map"]: st.column_config.LinkColumn(
            h["map"], display_text=tc("coverage.map_link_text", lang))},
    )
    return out


def over_time_download(frame: pd.DataFrame, view, region: str | None) -> pd.DataFrame:
    """The coverage-over-time series with translated headers, for the download."""
    lang = view.lang
    return pd.DataFrame({
        tc("coverage.day", lang): [d.isoformat() for d in frame["day"]],
        tc("metric.county" if region else "metric.region", lang): area_labels(frame, lang, region),
        tc("metric.hospitals", lang): frame["hospitals"].to_numpy(),
        tc("metric.hospitals_covered", lang): frame["hospitals_covered"].to_numpy(),
        tc("metric.hospital_coverage", lang) + " (%)": (frame["hospital_coverage"] * 100).round(1).to_numpy(),
        tc("metric.communities", lang): frame["communities"].to_numpy(),
        tc("metric.communities_covered", lang): frame["communities_covered"].to_numpy(),
        tc("metric.community_coverage", lang) + " (%)":
            (frame["community_coverage"] * 100).round(1).to_numpy(),
    })


def burden_table(frame: pd.DataFrame, view, region: str | None = None) -> pd.DataFrame:
    """The coverage-vs-burden figures per prefecture, under-served first (the row of
    ``region`` alone, when given)."""
    lang = view.lang
    if region:
        frame = frame[frame["adcode"] == region]
    ordered = frame.sort_values(["under_served", "open_needs_per_10k"], ascending=[False, False])
    out = pd.DataFrame({
        tc("metric.region", lang): [region_label(n, e, lang)
                                    for n, e in zip(ordered["name"], ordered["name_en"])],
        tc("coverage.under_served", lang): [tc("coverage.yes" if f else "coverage.no", lang)
                                            for f in ordered["under_served"]],
        tc("coverage.coverage", lang) + " (%)": (ordered["coverage"] * 100).round(1).to_numpy(),
        tc("metric.open_needs", lang): ordered["open_needs"].to_numpy(),
        tc("metric.open_needs_per_10k", lang): ordered["open_needs_per_10k"].round(4).to_numpy(),
        tc("metric.confirmed_cum", lang): ordered["confirmed_cum"].to_numpy(),
        tc("coverage.confirmed_per_10k", lang): ordered["confirmed_per_10k"].round(2).to_numpy(),
        tc("metric.population", lang): ordered["population"].to_numpy(),
    })
    shown = out.copy()
    cov = tc("coverage.coverage", lang) + " (%)"
    shown[cov] = [percent_text(v) for v in ordered["coverage"]]
    for column in (tc("metric.confirmed_cum", lang), tc("coverage.confirmed_per_10k", lang)):
        shown[column] = ["—" if _missing(v) else f"{v:,.2f}".rstrip("0").rstrip(".")
                         for v in out[column]]
    st.dataframe(shown, hide_index=True, width="stretch", height=_height(len(shown)))
    return out


# --- the page ---------------------------------------------------------------------

def cards(areas: pd.DataFrame, urgent: pd.DataFrame, view) -> None:
    """Headline numbers of the selection."""
    lang = view.lang
    sums = areas[["hospitals", "hospitals_covered", "communities", "communities_covered",
                  "hospitals_never_reached", "communities_never_reached",
                  "hospitals_reached_once", "communities_reached_once"]].sum()
    hosp = sums["hospitals_covered"] / sums["hospitals"] if sums["hospitals"] else None
    comm = sums["communities_covered"] / sums["communities"] if sums["communities"] else None
    columns = st.columns(5)
    columns[0].metric(tc("metric.hospital_coverage", lang), percent_text(hosp).replace(".0%", "%"))
    columns[1].metric(tc("metric.community_coverage", lang), percent_text(comm).replace(".0%", "%"))
    columns[2].metric(tc("coverage.never_reached", lang),
                      f"{int(sums['hospitals_never_reached'] + sums['communities_never_reached']):,}")
    columns[3].metric(tc("coverage.reached_once", lang),
                      f"{int(sums['hospitals_reached_once'] + sums['communities_reached_once']):,}")
    columns[4].metric(tc("coverage.uncovered_urgent", lang), f"{len(urgent):,}")


def render(view) -> None:
    """Draw the Coverage page for ``view``."""
    lang = view.lang
    region = getattr(view, "region", None)
    stamp = view.as_of.isoformat()
    st.caption(tc("coverage.caption", lang, as_of=stamp, window=view.window))

    areas = by_area(view.key, view.as_of, view.window, region)
    urgent = uncovered(view.key, view.as_of, view.window, region)
    region_name = None
    if region:
        from geo.regions import load_registry
        r = load_registry().get(region)
        region_name = region_label(r.name, r.name_en, lang)
        st.caption(tc("coverage.cards_region", lang, region=region_name))
    cards(areas, urgent, view)

    # Per area
    st.subheader(tc("coverage.area_title_county", lang, region=region_name) if region
                 else tc("coverage.area_title", lang))
    st.caption(tc("coverage.area_caption", lang))
    shown = area_table(areas, view, region)
    download(shown, f"lifeline_coverage_{region or 'regions'}_{stamp}.csv", view, key="dl_cov_areas")

    # Uncovered with urgent needs
    st.subheader(tc("coverage.uncovered_title", lang))
    if urgent.empty:
        st.info(tc("coverage.uncovered_empty", lang))
    else:
        st.caption(tc("coverage.uncovered_caption", lang, count=len(urgent)))
        shown = uncovered_table(urgent, view)
        download(shown, f"lifeline_uncovered_urgent_{stamp}.csv", view, key="dl_cov_urgent")

    # Over time
    st.subheader(tc("coverage.time_title", lang))
    series = over_time(view.key, view.as_of, view.window, region)
    kind_key = f"coverage_kind_{lang}"
    kind = st.radio(tc("coverage.time_kind", lang), ("hospital", "community"), key=kind_key,
                    horizontal=True, format_func=lambda k: tc(f"coverage.kind.{k}", lang))
    if series.empty:
        st.info(tc("coverage.time_empty", lang))
    else:
        st.plotly_chart(over_time_figure(series, kind, lang, region), width="stretch",
                        config={"displayModeBar": False})
        kind_name = tc(f"coverage.kind.{kind}", lang)
        st.caption(tc("coverage.time_caption", lang, kind=kind_name, kind_lower=kind_name.lower(),
                      window=view.window))
        download(over_time_download(series, view, region),
                 f"lifeline_coverage_over_time_{stamp}.csv", view, key="dl_cov_time")

    # Coverage vs burden: the prefectures of the province, against which a region is judged
    st.subheader(tc("coverage.burden_title", lang))
    burden = vs_burden(view.key, view.as_of, view.window)
    st.plotly_chart(burden_figure(burden, lang, region), width="stretch",
                    config={"displayModeBar": False})
    rule = coverage.UNDER_SERVED_RULE_ZH if lang == "zh" else coverage.UNDER_SERVED_RULE
    st.caption(tc("coverage.burden_caption", lang, rule=rule))
    if region:
        st.caption(tc("coverage.burden_region", lang, region=region_name))
    shown = burden_table(burden, view, region)
    download(shown, f"lifeline_coverage_vs_burden_{region or 'regions'}_{stamp}.csv", view,
             key="dl_cov_burden")
