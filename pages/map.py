"""Map: regions, facilities coloured by coverage and urgency, and hubs; click to drill down."""

import streamlit as st

from dashboard.charts import (
    deck,
    facility_points,
    hub_points,
    region_from_selection,
    region_layer_data,
    view_for,
)
from dashboard.i18n import region_label
from dashboard.ui import data
from dashboard.ui.frame import choose_region, current_view
from geo.boundaries import county_features, prefecture_features, region_centroids
from geo.regions import load_registry

MAX_POINTS = 4000

view = current_view()
st.title(view.t("map.title"))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

registry = load_registry()
names = {r.adcode: region_label(r.name, r.name_en, view.lang) for r in registry.prefectures()}
region = view.region  # the sidebar's region filter: the map drills into it

summary = data.region_summary(view.key, view.as_of, view.window)
province = prefecture_features()
if region is None:
    shapes = province
    values = dict(zip(summary["adcode"], summary["open_needs"].where(summary["has_data"])))
    labels = names
else:
    shapes = county_features(region)
    counties = data.county_summary(view.key, view.as_of, view.window, region)
    values = dict(zip(counties["adcode"], counties["open_needs"].astype(float)))
    # Facilities whose county is not known are counted on a row of the prefecture's code.
    labels = {c: region_label(n, e, view.lang) + (view.t("coverage.county_unknown") if u else "")
              for c, n, e, u in zip(counties["adcode"], counties["name"], counties["name_en"],
                                    counties["county_unknown"])}

# The whole province shows only urgent facilities, so the regions stay readable.
facilities, total = data.facility_status(view.key, view.as_of, view.window, region, MAX_POINTS,
                                         urgent_only=region is None)
hubs = data.hubs(view.key)
layer = region_layer_data(shapes, values, labels, view.lang, view.t("metric.open_needs"))
chart = deck(layer, facility_points(facilities, view.lang),
             hub_points(hubs, region_centroids(province), view.lang),
             view_for(shapes, width_px=900, height_px=600))
event = st.pydeck_chart(chart, on_select="rerun", selection_mode="single-object",
                        key="deck", height=600)

objects = (event.selection.objects or {}) if event and event.selection else {}
if region is None:
    adcode = region_from_selection(objects, set(names))
    if adcode:
        choose_region(adcode)

st.caption(view.t("map.caption"))
if total == 0:
    st.caption(view.t("map.no_coordinates"))
elif region is None:
    st.caption(view.t("map.urgent_only", shown=len(facilities), total=total))
elif total > len(facilities):
    st.caption(view.t("map.points_capped", shown=len(facilities), total=total))
if region is not None:
    st.subheader(view.t("map.county_table", region=names[region]))
    table = counties.assign(name=list(labels.values()))[
        ["name", "facilities", "facilities_covered", "open_needs"]]
    st.dataframe(table.rename(columns={"name": view.t("metric.county")} | {
        c: view.t(f"metric.{c}") for c in ("facilities", "facilities_covered", "open_needs")}),
        hide_index=True, width="stretch", height=36 * (len(table) + 1) + 3)
