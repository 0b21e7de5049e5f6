"""Overview: headline numbers, the choropleth of the regions, and the ranked table.

With the sidebar's region filter, everything is the region's: its headline numbers, a
map of its counties and its counties ranked.
"""


import streamlit as st

from dashboard.analytics.metrics import COUNTY_UNDEFINED
from dashboard.app.cache import cached, kept
from dashboard.app.components import download, headline_cards, region_table
from dashboard.app.frame import View, query_param, set_query_param
from dashboard.app.maps import classes_control
from dashboard.app.viewport import column_width
from dashboard.i18n import region_label
from dashboard.present.charts import MAP_METRICS, choropleth
from geo.boundaries import area_features, county_features
from geo.regions import load_registry


def render(view: View) -> None:
    """Overview: headline numbers, the choropleth of the regions, and the ranked table."""
    region = view.region
    st.caption(view.t("overview.caption", as_of=view.as_of.isoformat(), window=view.window))
    if region:
        place = load_registry().get(region)
        place_name = region_label(place.name, place.name_en, view.lang)
        st.caption(view.t("overview.region_caption", region=place_name))
    now = cached(view, "metrics.totals", view.scope, region=region)
    before = cached(view, "metrics.earlier_totals",
                    view.scope.previous(1), region=region)
    headline_cards(now, before, view)

    if region is None:
        areas = cached(view, "metrics.region_summary", view.scope)
        features = area_features(view.province)
        choices = list(MAP_METRICS)
    else:
        areas = cached(view, "metrics.county_summary", view.scope, region).copy()
        unknown = areas["county_unknown"]  # facilities whose county is unknown: a row of their own
        column = "name" if view.lang == "zh" else "name_en"
        areas.loc[unknown, column] = areas.loc[unknown, column] + view.t("coverage.county_unknown")
        features = county_features(region)
        # A county has no population, case count or reports of its own: those metrics are
        # offered only where they exist (a prefecture without counties keeps them).
        choices = [m for m in MAP_METRICS if m not in COUNTY_UNDEFINED or areas[m].notna().any()]

    # Keyed by language: a selectbox keeps its first labels, so a new language needs a new one.
    metric_key = f"metric_{view.lang}"
    if st.session_state.get(metric_key) not in choices:
        wanted = query_param("metric", "open_needs")
        st.session_state[metric_key] = wanted if wanted in choices else "open_needs"
    pick_metric, pick_classes = st.columns([3, 2], vertical_alignment="bottom")
    metric = pick_metric.selectbox(view.t("overview.map_metric"), choices, key=metric_key,
                                   format_func=lambda m: view.t(f"metric.{m}"))
    with pick_classes:
        classes = classes_control(view, "overview")
    set_query_param("metric", metric if metric != "open_needs" else None)

    label = view.t(f"metric.{metric}")
    width = column_width("overview", default=820)
    # Drawn once for everyone who sees this map: placing the names of 34 provinces or 17
    # prefectures is a third of a second, on every rerun.
    figure = kept(view, "overview.choropleth",
                  lambda: choropleth(areas, features, metric, view.lang, classes, width_px=width),
                  view.scope, region, metric, view.lang, classes, width)
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False})
    if region is None:
        st.caption(view.t("overview.map_caption_country" if view.national
                          else "overview.map_caption", metric=label))
        st.subheader(view.t("overview.table_title", metric=label))
        shown = region_table(areas, metric, view)
        download(shown, f"lifeline_regions_{view.as_of.isoformat()}.csv", view, key="dl_regions")
    else:
        st.caption(view.t("overview.map_caption_county", metric=label, region=place_name))
        st.subheader(view.t("overview.table_title_county", metric=label, region=place_name))
        shown = region_table(areas, metric, view, county=True)
        download(shown, f"lifeline_counties_{region}_{view.as_of.isoformat()}.csv", view,
                 key="dl_regions")
