"""Map: regions, facilities coloured by coverage and urgency, and hubs; click to drill down."""

import streamlit as st

from dashboard.app.cache import cached, kept
from dashboard.app.frame import (
    WHOLE_PROVINCE,
    View,
    choose_province,
    choose_region,
    set_province,
    set_region,
)
from dashboard.app.maps import classes_control, map_legend
from dashboard.app.tables import COUNT, NAME, Col, show_table
from dashboard.app.viewport import column_width
from dashboard.i18n import region_label
from dashboard.present.charts import (
    deck,
    facility_claims,
    facility_points,
    hub_points,
    label_records,
    map_height,
    region_from_selection,
    region_layer_data,
    shade,
    view_for,
)
from geo.boundaries import area_features, county_features, region_centroids
from geo.config import NATIONAL, is_national
from geo.regions import load_registry

MAX_POINTS = 4000
METRIC = "open_needs"  # what the regions are shaded by

def render(view: View) -> None:
    """Map: regions, facilities coloured by coverage and urgency, and hubs; click to drill down
    (on a national server: provinces, then a province's prefectures, then counties)."""
    registry = load_registry()
    names = {r.adcode: region_label(r.name, r.name_en, view.lang)
             for r in registry.areas(view.province)}
    region = view.region  # the sidebar's region filter: the map drills into it

    # The way back sits above the map, where the eye is after drilling (the sidebar is
    # hidden on a phone).
    if region is not None:
        st.button(view.t("map.back"), key="map_back", on_click=set_region, args=(WHOLE_PROVINCE,))
        st.subheader(names[region])
    elif is_national() and not view.national:
        st.button(view.t("map.back_country"), key="map_back_country", on_click=set_province,
                  args=(NATIONAL,))
        place = registry.scope(view.province)
        st.subheader(region_label(place.name, place.name_en, view.lang))

    summary = cached(view, "metrics.region_summary", view.scope)
    province = area_features(view.province)
    if region is None:
        shapes = province
        values = dict(zip(summary["adcode"], summary[METRIC].where(summary["has_data"])))
        labels = names
    else:
        shapes = county_features(region)
        counties = cached(view, "metrics.county_summary", view.scope, region)
        values = dict(zip(counties["adcode"], counties[METRIC].astype(float)))
        # Facilities whose county is not known are counted on a row of the prefecture's code.
        labels = {c: region_label(n, e, view.lang) + (view.t("coverage.county_unknown") if u else "")
                  for c, n, e, u in zip(counties["adcode"], counties["name"], counties["name_en"],
                                        counties["county_unknown"])}

    # The whole province shows only urgent facilities, so the regions stay readable.
    facilities = cached(view, "metrics.facility_status", view.scope, region, MAX_POINTS,
                        urgent_only=region is None)
    claims = facility_claims(cached(view, "contributions.pledge_state", view.as_of))
    if claims:
        facilities = facilities.assign(claimed=facilities["facility_id"].map(claims))
    total = cached(view, "metrics.facility_count", view.scope, region)
    hubs = cached(view, "metrics.hubs")
    drawn, side = st.columns([3, 1])
    with side:
        classes = classes_control(view, "map")
    with drawn:
        # The view is fitted to the column's measured width, so a phone sees the whole region.
        width = column_width("map", default=700)
        height = map_height(shapes, width)

        def drawing():
            layer = region_layer_data(shapes, values, labels, view.lang,
                                      view.t(f"metric.{METRIC}"), METRIC, classes)
            fitted = view_for(shapes, width_px=width, height_px=height)
            return deck(layer, facility_points(facilities, view.lang),
                        hub_points(hubs, region_centroids(province), view.lang), fitted,
                        labels=label_records(shapes, view.lang, zoom=fitted[1]))

        # The deck and its JSON (a megabyte for the country) are made once for everyone
        # looking at the same map of the same data at the same size.
        chart = kept(view, "map.deck", drawing, view.lang, view.scope, view.province, region,
                     classes, width, height)
        event = st.pydeck_chart(chart, on_select="rerun", selection_mode="single-object",
                                key="deck", height=height)
    with side:
        map_legend(shade(values, METRIC, classes), view)

    objects = (event.selection.objects or {}) if event and event.selection else {}
    if region is None:
        adcode = region_from_selection(objects, set(names))
        if adcode:
            (choose_province if view.national else choose_region)(adcode)

    if view.national:
        st.caption(view.t("map.caption_country"))
    elif region is None:
        st.caption(view.t("map.caption"))
    if total == 0:
        st.caption(view.t("map.no_coordinates"))
    elif region is None:
        st.caption(view.t("map.urgent_only_country" if view.national else "map.urgent_only",
                          shown=len(facilities), total=total))
    elif total > len(facilities):
        st.caption(view.t("map.points_capped", shown=len(facilities), total=total))
    if region is not None:
        st.subheader(view.t("map.county_table", region=names[region]))
        table = counties.assign(name=[labels[c] for c in counties["adcode"]])
        # Every county at once: a prefecture has at most a dozen or so.
        figures = ("facilities", "facilities_covered", "open_needs")
        show_table(table, view, [Col("name", NAME, header=view.t("metric.county")),
                                 *(Col(c, COUNT, header=view.t(f"metric.{c}")) for c in figures)],
                   rows=len(table))
