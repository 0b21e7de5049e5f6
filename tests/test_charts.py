"""The figure builders: offline maps, honest gaps and tooltips that cannot run code."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dashboard import charts
from geo.boundaries import prefecture_features


def _summary():
    features = prefecture_features()
    codes = [f["properties"]["adcode"] for f in features["features"]]
    summary = pd.DataFrame({
        "adcode": codes, "name": [f"地区{i}" for i in range(17)],
        "name_en": [f"Region {i}" for i in range(17)],
        "open_needs": range(17), "hospital_coverage": [0.5] * 17,
        "has_data": [True] * 16 + [False],
    })
    return features, summary


def test_choropleth_draws_every_region_offline_and_greys_out_no_data():
    features, summary = _summary()
    fig = charts.choropleth(summary, features, "open_needs", "zh")
    layer, empty = fig.data
    assert len(layer.locations) + len(empty.locations) == 17  # every region is drawn
    assert list(empty.locations) == [summary["adcode"].iloc[-1]]  # grey, not zero
    assert len(layer.geojson["features"]) == 16 and len(empty.geojson["features"]) == 1
    assert fig.layout.map.style == "white-bg"  # no tiles to fetch


def test_metric_values_are_nan_without_data():
    _, summary = _summary()
    values = charts.metric_values(summary, "open_needs")
    assert np.isnan(values.iloc[-1]) and values.iloc[0] == 0


def test_view_fits_the_province():
    center, zoom = charts.view_for(prefecture_features(), 900, 600)
    assert 111 < center["lon"] < 113.5 and 30.5 < center["lat"] < 32
    assert 5.5 < zoom < 7


def test_deck_has_no_basemap_and_a_fixed_tooltip_template():
    features, summary = _summary()
    hostile = pd.DataFrame([{
        "name": '<img src=x onerror="alert(1)">', "facility_type": "hospital",
        "state": "urgent", "map_lat": 30.6, "map_lon": 114.3, "region_adcode": "420100"}])
    points = charts.facility_points(hostile, "zh")
    regions = charts.region_layer_data(features, {}, {}, "zh", "未满足需求")
    deck = json.loads(charts.deck(regions, points, [], charts.view_for(features)).to_json())
    assert deck["mapStyle"] == "__MAP_STYLE__"  # Streamlit then fetches no basemap
    assert "mapProvider" not in deck
    assert deck["layers"][1]["radiusUnits"] == "pixels"
    # Data only ever sits in fields, which Streamlit escapes; markup only in the template.
    assert points[0]["n"] == '<img src=x onerror="alert(1)">'
    assert charts.DECK_TOOLTIP == "<b>{n}</b><br/>{a}<br/>{b}"
    for record in points:
        assert set(record) == {"p", "c", "r", "n", "a", "b"}
    assert all({"n", "a", "b"} <= set(f["properties"]) for f in regions["features"])


def test_region_from_selection():
    prefectures = {"420100", "420800"}
    assert charts.region_from_selection(
        {"regions": [{"properties": {"adcode": "420800"}}]}, prefectures) == "420800"
    assert charts.region_from_selection({"facilities": [{"r": "420100"}]}, prefectures) == "420100"
    assert charts.region_from_selection({"facilities": [{"r": "110100"}]}, prefectures) is None
    assert charts.region_from_selection({}, prefectures) is None
