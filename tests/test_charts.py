"""The figure builders: offline maps, honest gaps and tooltips that cannot run code."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dashboard.present import charts
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


def _fills(fig) -> dict[str, object]:
    """The region traces of a choropleth, by adcode."""
    return {trace.meta["adcode"]: trace for trace in fig.data if trace.fill == "toself"}


def test_choropleth_draws_every_region_offline_and_greys_out_no_data():
    features, summary = _summary()
    fig = charts.choropleth(summary, features, "open_needs", "zh")
    fills = _fills(fig)
    assert set(fills) == set(summary["adcode"])  # every region is drawn
    no_data = summary["adcode"].iloc[-1]
    assert fills[no_data].fillcolor == charts.NO_DATA_GREY  # grey, not zero
    assert "无数据" in fills[no_data].text
    assert all(f.fillcolor != charts.NO_DATA_GREY for c, f in fills.items() if c != no_data)
    # Plain axes, no map: nothing to fetch, and the map keeps its shape at any width.
    layout = fig.to_plotly_json()["layout"]
    assert "map" not in layout and "geo" not in layout and "mapbox" not in layout
    assert {trace.type for trace in fig.data} == {"scatter"}
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.constrain == "domain"


def test_choropleth_names_the_regions_inside_them_and_escapes_hover_text():
    from shapely.geometry import Point, shape

    features, summary = _summary()
    summary.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    fig = charts.choropleth(summary, features, "open_needs", "zh", width_px=900)
    labels = next(trace for trace in fig.data if trace.name == "labels")
    assert "武汉" in labels.text and "恩施" in labels.text  # short names, 武汉 not 武汉市
    by_name = {f["properties"]["short"]: shape(f["geometry"]) for f in features["features"]}
    for text, x, y in zip(labels.text, labels.x, labels.y):
        assert by_name[text].contains(Point(x, y)), text
    hover = _fills(fig)[summary["adcode"].iloc[0]].text
    assert "<img" not in hover and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in hover


def test_choropleth_drops_names_too_wide_for_their_region_on_a_phone():
    features, summary = _summary()
    names = lambda width: set(next(t for t in charts.choropleth(  # noqa: E731
        summary, features, "open_needs", "en", width_px=width).data if t.name == "labels").text)
    wide, phone = names(900), names(358)
    assert {"Ezhou", "Wuhan", "Enshi"} <= wide
    assert "Ezhou" not in phone and {"Wuhan", "Enshi"} <= phone  # 鄂州 is 9 px wide there


def test_choropleth_colour_bar_names_metric_and_unit_and_shows_the_classes():
    features, summary = _summary()  # open_needs 0 .. 16, the last region without data
    fig = charts.choropleth(summary, features, "open_needs", "zh", classes="quantile")
    bar = next(trace for trace in fig.data if trace.name == "legend").marker
    assert bar.colorbar.title.text == "未满足需求（条）"
    # 16 values 0..15 in five classes: upper edges v[ceil(i*16/5)] = v[4], v[7], v[10], v[13], v[16]
    assert list(bar.colorbar.ticktext) == ["0", "3", "6", "9", "12", "15"]
    linear = charts.choropleth(summary, features, "hospital_coverage", "en", classes="linear")
    bar = next(trace for trace in linear.data if trace.name == "legend").marker
    assert bar.colorbar.title.text == "Hospital coverage (%)"
    assert (bar.cmin, bar.cmax, bar.colorbar.tickformat) == (0, 1, ".0%")


def test_quantile_breaks_by_hand():
    # n = 10, k = 5: class i ends at v[ceil(2i)] = v[2], v[4], v[6], v[8], v[10] (1-based).
    values = [8, 0, 100, 1, 2, 3, 4, 5, 6, 7]
    breaks = charts.quantile_breaks(values)
    assert breaks == [0, 1, 3, 5, 7, 100]
    assert [charts.class_of(v, breaks) for v in (0, 1, 2, 3, 4, 5, 6, 7, 8, 100)] == \
        [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]  # 武汉's 100 shares its class with 8: the rest keep theirs
    # Ties at zero form a class of their own: n = 5, ends v[1..5] = 0, 0, 0, 0, 5.
    assert charts.quantile_breaks([0, 0, 0, 0, 5]) == [0, 0, 5]
    assert [charts.class_of(v, [0, 0, 5]) for v in (0, 5)] == [0, 1]
    assert charts.quantile_breaks([float("nan"), None]) == []


def test_shade_linear_and_quantile_on_the_metric_scale():
    scale = charts.colour_scale("open_needs")
    linear = charts.shade({"a": 0, "b": 50, "c": 100, "d": float("nan")}, "open_needs", "linear")
    assert linear.positions == {"a": 0.0, "b": 0.5, "c": 1.0, "d": None}
    assert linear.colours == {"a": "#fef0d9", "b": scale.hex(0.5), "c": "#990000",
                              "d": charts.NO_DATA_GREY}
    assert scale.hex(0.5) == "#fc8d59"  # the middle of seven stops is the fourth
    # Quantiles: 武汉 (1000) no longer washes the rest out to the lightest colour.
    values = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 1000}
    assert charts.shade(values, "open_needs", "linear").colours["d"] == scale.hex(0.004)
    quantile = charts.shade(values, "open_needs", "quantile")
    assert quantile.breaks == (1, 1, 2, 3, 4, 1000)
    assert quantile.positions == {"a": 0.0, "b": 0.25, "c": 0.5, "d": 0.75, "e": 1.0}
    # Ratios run to 100 %; coverage, a good thing, has its own blue scale.
    ratio = charts.shade({"a": 0.25}, "hospital_coverage", "linear")
    assert ratio.positions == {"a": 0.25} and ratio.scale is charts.GOOD_SCALE
    # Every value the same: one class says nothing, so linear.
    assert charts.shade({"a": 3, "b": 3}, "open_needs", "quantile").classes == "linear"


def test_legend_labels_read_as_ranges():
    shading = charts.shade({"a": 0, "b": 0, "c": 0, "d": 0, "e": 5, "f": None}, "overdue_deliveries")
    assert charts.legend_labels(shading, "zh") == [
        ("#fef0d9", "0"), ("#990000", "1–5"), (charts.NO_DATA_GREY, "无数据")]
    shading = charts.shade({"a": 0.0, "b": 0.5}, "hospital_coverage", "linear")
    assert charts.legend_labels(shading, "en") == [
        ("#ffffcc", "0%"), ("#0c2c84", "100%"), (charts.NO_DATA_GREY, "no data")]


def test_one_colour_scale_per_metric_on_every_map():
    """The Overview's choropleth and the Map page's regions colour a region alike."""
    features, summary = _summary()
    values = dict(zip(summary["adcode"], charts.metric_values(summary, "open_needs")))
    for classes in charts.CLASS_CHOICES:
        fills = _fills(charts.choropleth(summary, features, "open_needs", "zh", classes=classes))
        deck = charts.region_layer_data(features, values, {}, "zh", "未满足需求", "open_needs", classes)
        for feature in deck["features"]:
            code = feature["properties"]["adcode"]
            r, g, b, _ = feature["properties"]["fill"]
            assert f"#{r:02x}{g:02x}{b:02x}" == fills[code].fillcolor, (classes, code)
    assert charts.colour_scale("gap_score") is charts.colour_scale("open_needs") is charts.PROBLEM_SCALE


def test_metric_values_are_nan_without_data():
    _, summary = _summary()
    values = charts.metric_values(summary, "open_needs")
    assert np.isnan(values.iloc[-1]) and values.iloc[0] == 0


def test_view_fits_the_province():
    center, zoom = charts.view_for(prefecture_features(), 900, 600)
    assert 111 < center["lon"] < 113.5 and 30.5 < center["lat"] < 32
    assert 5.5 < zoom < 7


def _projected_width(features, zoom) -> float:
    x0, _, x1, _ = charts.bounds(features)
    return (x1 - x0) * 512 * 2**zoom / 360


def test_view_fits_a_phone_column():
    """At a phone's 358 px the province is whole (before: a zoom for 900 px cut off 武汉),
    and the map is short rather than a tall band around it."""
    features = prefecture_features()
    height = charts.map_height(features, 358)
    assert 240 <= height < 300
    _, zoom = charts.view_for(features, 358, height)
    assert 0.8 * 358 < _projected_width(features, zoom) <= 358
    _, wide = charts.view_for(features, 900, 600)
    assert _projected_width(features, wide) > 358  # the old view on a phone: cropped


def test_label_records_name_counties_and_drop_the_crowded_at_phone_zoom():
    from geo.boundaries import county_features

    wuhan = county_features("420100")
    near = {r["t"] for r in charts.label_records(wuhan, "zh")}
    assert {"江岸", "江汉", "硚口", "黄陂", "新洲"} <= near  # every district, by its short name
    _, zoom = charts.view_for(wuhan, 358, charts.map_height(wuhan, 358))
    far = {r["t"] for r in charts.label_records(wuhan, "zh", zoom=zoom)}
    assert "黄陂" in far and "江汉" not in far  # 江汉 is a sliver of the city centre there


def test_deck_has_no_basemap_and_a_fixed_tooltip_template():
    features, summary = _summary()
    hostile = pd.DataFrame([{
        "name": '<img src=x onerror="alert(1)">', "facility_type": "hospital",
        "state": "urgent", "map_lat": 30.6, "map_lon": 114.3, "region_adcode": "420100"}])
    points = charts.facility_points(hostile, "zh")
    regions = charts.region_layer_data(features, {}, {}, "zh", "未满足需求")
    names = charts.label_records(features, "zh")
    deck = json.loads(charts.deck(regions, points, [], charts.view_for(features), names).to_json())
    assert deck["mapStyle"] == "__MAP_STYLE__"  # Streamlit then fetches no basemap
    assert "mapProvider" not in deck
    assert deck["layers"][1]["radiusUnits"] == "pixels"
    # Names in the browser's own fonts, drawn from the characters they use; not pickable.
    text = deck["layers"][-1]
    assert text["@@type"] == "TextLayer" and text["characterSet"] == "auto"
    assert "Noto Sans CJK SC" in text["fontFamily"] and text["pickable"] is False
    assert {"p", "t", "s"} == set(text["data"][0]) and "武汉" in {d["t"] for d in text["data"]}
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


def test_briefing_map_prints_the_app_colours():
    """The briefing's PNG shades a region exactly as the Overview does (sampled inside
    large regions, away from their names)."""
    import io
    import warnings

    from PIL import Image
    from shapely.geometry import Point, shape

    from dashboard.briefing.mapimage import render_map
    from geo.boundaries import label_points

    features, summary = _summary()
    regions = [{"adcode": c, "has_data": bool(h), "open_needs": float(v)}
               for c, h, v in zip(summary["adcode"], summary["has_data"], summary["open_needs"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no CJK font: English names, same colours
        image = Image.open(io.BytesIO(render_map(regions, "zh", dpi=100))).convert("RGB")
    expected = charts.choropleth(summary, features, "open_needs", "zh")
    x0, y0, x1, y1 = charts.bounds(features)
    x0, y0, x1, y1 = x0 - 0.05, y0 - 0.05, x1 + 0.05, y1 + 0.05  # render_map's margins
    names = label_points(features)
    checked = 0
    for feature in features["features"]:
        code = feature["properties"]["adcode"]
        region = shape(feature["geometry"])
        # A point well inside the region and well away from its name.
        probe = next((Point(lon / 20, lat / 20) for lon in range(int(x0 * 20), int(x1 * 20))
                      for lat in range(int(y0 * 20), int(y1 * 20))
                      if region.contains(Point(lon / 20, lat / 20))
                      and region.boundary.distance(Point(lon / 20, lat / 20)) > 0.12
                      and Point(names[code]).distance(Point(lon / 20, lat / 20)) > 0.45), None)
        if probe is None:
            continue
        px = (probe.x - x0) / (x1 - x0) * image.width
        py = (y1 - probe.y) / (y1 - y0) * image.height
        colour = "#{:02x}{:02x}{:02x}".format(*image.getpixel((int(px), int(py))))
        assert colour == next(t.fillcolor for t in expected.data if t.name == code), code
        checked += 1
    assert checked >= 6
