"""Figures for the pages, built as plain plotly and pydeck objects (no streamlit).

Both map kinds work offline: plotly's tile-based choropleth uses the ``white-bg``
style (no tiles are fetched) and pydeck runs with ``map_provider=None``.

Tooltips render HTML, so data never goes into markup here: plotly's hover text gets
values escaped by us, and pydeck's tooltip is a fixed template (``DECK_TOOLTIP``)
whose ``{fields}`` Streamlit fills in HTML-escaped.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk

from dashboard.i18n import region_label, t, value_label

RATIO_METRICS = ("hospital_coverage", "community_coverage")
MAP_METRICS = (
    "open_needs", "open_needs_per_10k", "open_needs_per_1k_confirmed", "hospital_coverage",
    "community_coverage", "active_orgs", "overdue_deliveries",
)
# Colours chosen to read on white and for red-green colour blindness (red vs teal).
STATE_COLOURS = {
    "urgent": [214, 39, 40, 230],
    "uncovered": [255, 153, 0, 220],
    "covered": [0, 150, 136, 200],
}
HUB_COLOUR = [106, 61, 154, 255]
# The only markup in a pydeck tooltip; every record carries the fields n, a and b.
DECK_TOOLTIP = "<b>{n}</b><br/>{a}<br/>{b}"
NO_DATA_GREY = "#d9d9d9"
# Ratios where more is better read green-high; counts of problems read red-high.
_SCALES = {"good": "YlGnBu", "bad": "OrRd"}
GOOD_METRICS = {"hospital_coverage", "community_coverage", "active_orgs"}


def bounds(features: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a FeatureCollection."""
    xs, ys = [], []

    def walk(coords):
        if isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in features["features"]:
        walk(feature["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def view_for(features: dict, width_px: int = 900, height_px: int = 560) -> tuple[dict, float]:
    """A centre and a zoom level at which the features fill a map of the given size.

    Web-mercator maps (deck.gl, MapLibre) draw the world 512 px wide at zoom 0; a
    degree of latitude is longer than one of longitude by 1 / cos(latitude).
    """
    x0, y0, x1, y1 = bounds(features)
    lat = (y0 + y1) / 2
    dx, dy = max(x1 - x0, 0.01), max(y1 - y0, 0.01)
    fit_x = math.log2(360 * width_px / (512 * dx))
    fit_y = math.log2(360 * height_px * math.cos(math.radians(lat)) / (512 * dy))
    zoom = max(1.0, min(12.0, min(fit_x, fit_y) - 0.1))  # a little margin
    return {"lon": (x0 + x1) / 2, "lat": lat}, zoom


def metric_values(summary: pd.DataFrame, metric: str) -> pd.Series:
    """The metric per region, NaN where a region has no data (shown grey, not zero)."""
    values = summary[metric].astype("float64")
    if metric == "open_needs_per_1k_confirmed":  # defined by case data alone
        return values
    return values.where(summary["has_data"], np.nan)


def _subset(features: dict, codes) -> dict:
    """The features whose adcode is in ``codes`` (each geometry travels once)."""
    wanted = set(codes)
    return {"type": "FeatureCollection",
            "features": [f for f in features["features"] if f["properties"]["adcode"] in wanted]}


def choropleth(summary: pd.DataFrame, features: dict, metric: str, lang: str) -> go.Figure:
    """Choropleth of the prefectures: every region drawn, grey where there is no data."""
    center, zoom = view_for(features, width_px=820, height_px=520)
    names = np.array([region_label(n, e, lang) for n, e in zip(summary["name"], summary["name_en"])])
    values = metric_values(summary, metric)
    label = t(f"metric.{metric}", lang)
    shown = np.array([_format(v, metric, lang) for v in values])
    hover = "%{customdata[0]}<br>" + html.escape(label) + ": %{customdata[1]}<extra></extra>"
    has = values.notna().to_numpy()
    codes = summary["adcode"].to_numpy()
    empty = go.Choroplethmap(
        geojson=_subset(features, codes[~has]), featureidkey="properties.adcode",
        locations=codes[~has], z=[0] * int((~has).sum()),
        colorscale=[[0, NO_DATA_GREY], [1, NO_DATA_GREY]], showscale=False,
        marker_line_color="white", marker_line_width=1,
        customdata=np.column_stack([names[~has], shown[~has]]), hovertemplate=hover,
        name="no_data",
    )
    scale = _SCALES["good"] if metric in GOOD_METRICS else _SCALES["bad"]
    ratio = metric in RATIO_METRICS
    layer = go.Choroplethmap(
        geojson=_subset(features, codes[has]), featureidkey="properties.adcode",
        locations=codes[has], z=values[has], colorscale=scale,
        marker_line_color="white", marker_line_width=1,
        zmin=0, zmax=1 if ratio else None,
        colorbar=dict(title=dict(text=label), tickformat=".0%" if ratio else None),
        customdata=np.column_stack([names[has], shown[has]]), hovertemplate=hover,
        name="metric",
    )
    fig = go.Figure([layer, empty])
    fig.update_layout(
        map=dict(style="white-bg", center=center, zoom=zoom),
        margin=dict(l=0, r=0, t=0, b=0), height=520,
        font=dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif"),
    )
    return fig


def _format(value: float, metric: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("metric.no_data", lang)
    if metric in RATIO_METRICS:
        return f"{value:.0%}"
    if metric in ("open_needs_per_10k", "open_needs_per_1k_confirmed"):
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _fill(value: float, vmax: float) -> list[int]:
    """Orange-red fill for a count, grey for no data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return [217, 217, 217, 160]
    share = 0.0 if vmax <= 0 else min(1.0, value / vmax)
    low, high = np.array([254, 240, 217]), np.array([215, 48, 31])
    rgb = (low + (high - low) * share).round().astype(int).tolist()
    return rgb + [170]


def region_layer_data(features: dict, values: dict[str, float], names: dict[str, str],
                      lang: str, metric_label: str) -> dict:
    """Copy of ``features`` with a fill colour and tooltip fields per region."""
    finite = [v for v in values.values() if v is not None and not math.isnan(v)]
    vmax = max(finite) if finite else 0
    out = {"type": "FeatureCollection", "features": []}
    for feature in features["features"]:
        code = feature["properties"]["adcode"]
        value = values.get(code, float("nan"))
        shown = t("metric.no_data", lang) if value is None or math.isnan(value) else f"{value:,.0f}"
        props = {"adcode": code, "fill": _fill(value, vmax), "n": names.get(code, code),
                 "a": f"{metric_label}: {shown}", "b": ""}
        out["features"].append({"type": "Feature", "geometry": feature["geometry"],
                                "properties": props})
    return out


def facility_points(facilities: pd.DataFrame, lang: str) -> list[dict]:
    """Compact point records for the facilities layer, with tooltip fields."""
    type_label = t("map.tooltip.type", lang)
    state_label = t("map.tooltip.state", lang)
    legend = {s: t(f"map.legend.{s}", lang) for s in STATE_COLOURS}
    records = []
    for row in facilities.itertuples(index=False):
        records.append({
            "p": [round(float(row.map_lon), 5), round(float(row.map_lat), 5)],
            "c": STATE_COLOURS[row.state],
            "r": row.region_adcode,  # a click on a point drills into its prefecture
            "n": str(row.name),
            "a": f"{type_label}: {value_label('facility_type', row.facility_type, lang)}",
            "b": f"{state_label}: {legend[row.state]}",
        })
    return records


def hub_points(hubs: pd.DataFrame, centroids: dict[str, tuple[float, float]],
               lang: str) -> list[dict]:
    """Hubs drawn at the centre of the prefecture they are based in."""
    records = []
    for row in hubs.itertuples(index=False):
        where = centroids.get(row.prefecture_adcode) or centroids.get(row.region_adcode)
        if not where:
            continue
        records.append({"p": [round(where[0], 5), round(where[1], 5)], "n": str(row.name),
                        "a": t("map.legend.hub", lang), "b": ""})
    return records


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by two spaces, which puts
    every coordinate on a line of its own and sends several times the bytes."""

    def to_json(self) -> str:
        """The deck's JSON, compact."""
        return json.dumps(json.loads(super().to_json()), separators=(",", ":"),
                          ensure_ascii=False)


def deck(regions: dict, points: list[dict], hubs: list[dict], view: tuple[dict, float]) -> pdk.Deck:
    """The pydeck map: regions (pickable for drill-down), facilities and hubs; no basemap."""
    center, zoom = view
    layers = [
        pdk.Layer("GeoJsonLayer", regions, id="regions", pickable=True, stroked=True,
                  filled=True, get_fill_color="properties.fill", get_line_color=[255, 255, 255],
                  line_width_min_pixels=1, auto_highlight=True,
                  highlight_color=[0, 0, 0, 40]),  # not purple: purple marks hubs
        pdk.Layer("ScatterplotLayer", points, id="facilities", pickable=True, get_position="p",
                  get_fill_color="c", radius_units='"pixels"', get_radius=3, radius_min_pixels=2),
        pdk.Layer("ScatterplotLayer", hubs, id="hubs", pickable=True, get_position="p",
                  get_fill_color=HUB_COLOUR, get_line_color=[255, 255, 255], stroked=True,
                  radius_units='"pixels"', get_radius=9, line_width_min_pixels=2),
    ]
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(longitude=center["lon"], latitude=center["lat"],
                                         zoom=zoom),
        # No basemap: map_provider=None with pydeck's default style sentinel tells
        # Streamlit not to fetch its Carto default (map_style=None would fetch it).
        map_provider=None,
        tooltip={"html": DECK_TOOLTIP, "style": {"fontSize": "13px"}},
    )


def region_from_selection(objects: dict, prefectures: set[str]) -> str | None:
    """The prefecture a map click chose: a region, or the prefecture of a clicked point.

    ``objects`` is the selection Streamlit reports per layer id.
    """
    for layer in ("regions", "facilities", "hubs"):
        for obj in objects.get(layer) or []:
            code = (obj.get("properties") or {}).get("adcode") or obj.get("r")
            if code in prefectures:
                return code
    return None
