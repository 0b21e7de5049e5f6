"""Figures for the pages, built as plain plotly and pydeck objects (no streamlit).

Both maps work offline and fit any width. The Overview's choropleth is drawn as filled
polygons on plain plotly axes held at the map's aspect ratio (no tiles, no map library,
names in the browser's own fonts), so it shrinks with a phone's column and never
crops. pydeck runs with ``map_provider=None``; its view is computed from the
features' bounds and the width the page measured (``view_for``, ``map_height``).

Each metric has one colour scale (``colour_scale``) and one way to turn values into
colours (``shade``: linear, or quantile classes so that one large region does not
flatten the rest); the Overview, the Map page and the briefing's PNG map all use them.

Tooltips render HTML, so data never goes into markup here: plotly's hover text gets
values escaped by us, and pydeck's tooltip is a fixed template (``DECK_TOOLTIP``)
whose ``{fields}`` Streamlit fills in HTML-escaped.
"""

from __future__ import annotations

import html
import json
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk

from dashboard.analytics import metric_table
from dashboard.i18n import region_label, t, value_label
from geo.config import province_of

RATIO_METRICS = metric_table.of_kind(metric_table.RATIO)
MAP_METRICS = metric_table.in_place("map")
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
GOOD_METRICS = metric_table.better_higher()
FONT_FAMILY = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


@dataclass(frozen=True)
class ColourScale:
    """A colour ramp from low to high: hex stops at even steps along [0, 1]."""

    stops: tuple[str, ...]

    def rgb(self, position: float) -> tuple[int, int, int]:
        """The colour at ``position`` (0 = lowest, 1 = highest), interpolated in RGB."""
        position = min(1.0, max(0.0, float(position)))
        at = position * (len(self.stops) - 1)
        i = min(int(at), len(self.stops) - 2)
        low, high = _rgb(self.stops[i]), _rgb(self.stops[i + 1])
        share = at - i
        return tuple(round(a + (b - a) * share) for a, b in zip(low, high))

    def hex(self, position: float) -> str:
        """The colour at ``position`` as ``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb(position))

    def plotly(self) -> list[list]:
        """The ramp as a plotly colorscale."""
        last = len(self.stops) - 1
        return [[i / last, stop] for i, stop in enumerate(self.stops)]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


# ColorBrewer's 7-class OrRd and YlGnBu: problems (needs, overdue deliveries, gap scores)
# read red-high, what is good (coverage, active organisations) blue-high. The lightest
# stops stay visibly off-white, so a zero is never mistaken for the background.
PROBLEM_SCALE = ColourScale(("#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f",
                             "#990000"))
GOOD_SCALE = ColourScale(("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8",
                          "#0c2c84"))
# One scale per metric, for every map that shows it (Overview, Map page, briefing PNG).
METRIC_SCALES = {metric: GOOD_SCALE if metric in GOOD_METRICS else PROBLEM_SCALE
                 for metric in metric_table.BY_KEY}


def colour_scale(metric: str) -> ColourScale:
    """The colour scale of ``metric`` (the problem scale for a metric not listed)."""
    return METRIC_SCALES.get(metric, PROBLEM_SCALE)


CLASS_CHOICES = ("quantile", "linear")
DEFAULT_CLASSES = "quantile"
N_CLASSES = 5


def quantile_breaks(values, k: int = N_CLASSES) -> list[float]:
    """Edges of up to ``k`` quantile classes of the finite ``values``: the smallest value,
    then each class's upper edge, ascending (all observed values).

    With ``n`` values sorted ``v[1] <= ... <= v[n]``, class ``i`` (1 .. k) ends at
    ``v[ceil(i * n / k)]``, so each holds about ``n / k`` values however large the
    largest is. Equal edges merge (ties give fewer classes); a value belongs to the
    first class whose upper edge it does not exceed, so when many values tie at the
    minimum (regions at zero) they form a class of their own.
    """
    finite = sorted(float(v) for v in values if v is not None and not math.isnan(v))
    if not finite:
        return []
    n = len(finite)
    uppers = sorted({finite[-(-i * n // k) - 1] for i in range(1, k + 1)})  # v[ceil(i n / k)]
    return [finite[0], *uppers]


def class_of(value: float, breaks: list[float]) -> int:
    """Index of the quantile class of ``value`` (0 = lowest) for ``quantile_breaks``."""
    for i, upper in enumerate(breaks[1:]):
        if value <= upper:
            return i
    return max(0, len(breaks) - 2)


@dataclass(frozen=True)
class Shading:
    """How one metric's values became colours, and what the legend says about it.

    ``positions`` and ``colours`` are per key (an adcode); no data is ``None`` and
    ``NO_DATA_GREY``. Quantile shading has ``breaks`` (class edges, ``len - 1``
    classes); linear shading runs from ``low`` to ``high``.
    """

    metric: str
    classes: str
    positions: dict[str, float | None]
    colours: dict[str, str]
    low: float
    high: float
    breaks: tuple[float, ...] = ()

    @property
    def scale(self) -> ColourScale:
        """The metric's colour scale."""
        return colour_scale(self.metric)

    def class_colours(self) -> list[str]:
        """The colour of each quantile class, lowest first."""
        n = len(self.breaks) - 1
        return [self.scale.hex(_class_position(i, n)) for i in range(n)]


def _class_position(i: int, n: int) -> float:
    return i / (n - 1) if n > 1 else 1.0


def shade(values: Mapping[str, float | None], metric: str, classes: str = DEFAULT_CLASSES) -> Shading:
    """Colours for ``values`` (key -> value, NaN or None = no data) on ``metric``'s scale.

    ``linear``: position = value / high, where high is 100 % for a ratio and the largest
    value otherwise. ``quantile``: up to ``N_CLASSES`` classes of about equal size
    (``quantile_breaks``) spread evenly over the scale, the lowest lightest; when every
    value is the same, linear (one class would say nothing).
    """
    if classes not in CLASS_CHOICES:
        raise ValueError(f"classes must be one of {CLASS_CHOICES}")
    known = {k: float(v) for k, v in values.items() if v is not None and not math.isnan(v)}
    high = 1.0 if metric in RATIO_METRICS else max(known.values(), default=0.0)
    high = high if high > 0 else 1.0
    breaks = quantile_breaks(known.values()) if classes == "quantile" else []
    if len(breaks) < 3:  # fewer than two classes: every value the same, or none
        classes = "linear"
    positions: dict[str, float | None] = {}
    for key in values:
        if key not in known:
            positions[key] = None
        elif classes == "quantile":
            positions[key] = _class_position(class_of(known[key], breaks), len(breaks) - 1)
        else:
            positions[key] = min(1.0, max(0.0, known[key] / high))
    scale = colour_scale(metric)
    colours = {k: NO_DATA_GREY if p is None else scale.hex(p) for k, p in positions.items()}
    return Shading(metric, classes, positions, colours, 0.0, high,
                   tuple(breaks) if classes == "quantile" else ())


def legend_title(metric: str, lang: str) -> str:
    """The metric with its unit, as a legend reads it."""
    return t(f"map.legend_title.{metric}", lang)


COUNT_METRICS = {"open_needs", "active_orgs", "overdue_deliveries"}  # whole numbers


def legend_labels(shading: Shading, lang: str) -> list[tuple[str, str]]:
    """(colour, text) per legend entry: each quantile class with its range, or the two ends
    of a linear scale, then no data.

    A class holds the values above the previous class's upper edge up to its own; for
    whole numbers that reads 31–105 after 7–30, and a class of one value reads 0.
    """
    def fmt(value: float) -> str:
        return _format(value, shading.metric, lang)

    entries = []
    if shading.classes == "quantile":
        b = shading.breaks
        for i, colour in enumerate(shading.class_colours()):
            low, high = b[i], b[i + 1]
            if i > 0 and shading.metric in COUNT_METRICS:
                low = math.floor(low) + 1
            entries.append((colour, fmt(high) if low >= high else
                            t("map.legend.class_range", lang, low=fmt(low), high=fmt(high))))
    else:
        entries = [(shading.scale.hex(0), fmt(shading.low)), (shading.scale.hex(1), fmt(shading.high))]
    return entries + [(NO_DATA_GREY, t("metric.no_data", lang))]


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


def aspect(features: dict) -> float:
    """Height over width of the features drawn on a map (degrees of longitude shrink by
    cos(latitude))."""
    x0, y0, x1, y1 = bounds(features)
    lat = math.radians((y0 + y1) / 2)
    return max(y1 - y0, 0.01) / (max(x1 - x0, 0.01) * math.cos(lat))


def map_height(features: dict, width_px: int, low: int = 240, high: int = 600) -> int:
    """Pixels of height in which the features, fitted to ``width_px``, are whole: a phone's
    column gets a short map rather than a tall one with the province in a band."""
    return int(min(high, max(low, round(width_px * aspect(features) * 1.1))))


def metric_values(summary: pd.DataFrame, metric: str) -> pd.Series:
    """The metric per region, NaN where a region has no data (shown grey, not zero)."""
    values = summary[metric].astype("float64")
    if metric == "open_needs_per_1k_confirmed":  # defined by case data alone
        return values
    return values.where(summary["has_data"], np.nan)


def feature_label(properties: dict, lang: str) -> str:
    """A region's short name on a map: 武汉 rather than 武汉市, Wuhan in English."""
    if lang == "zh":
        return properties.get("short") or properties.get("name") or properties["adcode"]
    return properties.get("name_en") or properties.get("name") or properties["adcode"]


def _outer_rings(geometry: dict) -> tuple[list, list]:
    """x and y of a (Multi)Polygon's outer rings, parts separated by None (plotly fills
    each part on its own)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list = []
    ys: list = []
    for polygon in polygons:
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(p[0] for p in polygon[0])
        ys.extend(p[1] for p in polygon[0])
    return xs, ys


def _area(geometry: dict) -> float:
    """Planar area of a (Multi)Polygon's outer rings (shoelace), to draw large regions
    first and enclaves on top."""
    xs, ys = _outer_rings(geometry)
    total, start = 0.0, 0
    xs, ys = xs + [None], ys + [None]
    for i, x in enumerate(xs):
        if x is None:
            ring_x, ring_y = xs[start:i], ys[start:i]
            total += abs(sum(ring_x[j] * ring_y[j + 1] - ring_x[j + 1] * ring_y[j]
                             for j in range(len(ring_x) - 1))) / 2
            start = i + 1
    return total


LEGEND_PX = 64  # the colour bar under the map, with its title and ticks
DECK_LABEL_PX = 13  # the size of the names on the pydeck map


def choropleth(summary: pd.DataFrame, features: dict, metric: str, lang: str,
               classes: str = DEFAULT_CLASSES, width_px: int | None = None) -> go.Figure:
    """Choropleth of the regions in ``features`` (any FeatureCollection with adcodes):
    every region drawn and named, grey where there is no data, a colour bar titled with
    the metric and its unit.

    ``classes`` is ``linear`` or ``quantile`` (see ``shade``). The map keeps its aspect
    ratio on plain axes, so it is whole at any width; ``width_px`` (the column's width,
    when the page knows it) only sets a height that leaves no empty band.
    """
    from geo.boundaries import label_points, label_room

    rows = summary.set_index("adcode")
    values = metric_values(summary, metric)
    by_code = dict(zip(summary["adcode"], values))
    codes = [f["properties"]["adcode"] for f in features["features"]]
    shading = shade({c: by_code.get(c, float("nan")) for c in codes}, metric, classes)
    label = t(f"metric.{metric}", lang)
    points = label_points(features)

    traces = []
    for feature in sorted(features["features"], key=lambda f: -_area(f["geometry"])):
        props = feature["properties"]
        code = props["adcode"]
        name = (region_label(rows.at[code, "name"], rows.at[code, "name_en"], lang)
                if code in rows.index else feature_label(props, lang))
        shown = _format(by_code.get(code, float("nan")), metric, lang)
        xs, ys = _outer_rings(feature["geometry"])
        traces.append(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=shading.colours[code],
            line=dict(color="white", width=1), hoveron="fills", hoverinfo="text",
            # A fill's hover shows this one text; every value in it is escaped.
            text=f"<b>{html.escape(name)}</b><br>{html.escape(label)}: {html.escape(shown)}",
            name=code, meta={"adcode": code, "value": shown}, showlegend=False,
        ))
    x0, y0, x1, y1 = bounds(features)
    stretch = 1 / math.cos(math.radians((y0 + y1) / 2))
    width = width_px or 820
    height = int(min(560, max(260, width * aspect(features) + LEGEND_PX + 16)))
    # Pixels per degree of longitude: the map fills the width or the height, whichever
    # binds first (the axes keep the aspect ratio).
    per_degree = min(width / ((x1 - x0) * 1.02), (height - LEGEND_PX) / ((y1 - y0) * 1.02 * stretch))
    size = 11 if per_degree >= 70 else 10
    room = label_room(features)
    texts = {f["properties"]["adcode"]: feature_label(f["properties"], lang) for f in features["features"]}
    # A name much wider than its region would sit on its neighbours' names (鄂州 beside
    # 武汉 on a phone, in English): it is left to the hover and the table.
    names = [c for c in codes if c in points
             and _fits(texts[c], size, room[c] * per_degree)]
    traces.append(go.Scatter(
        x=[points[c][0] for c in names], y=[points[c][1] for c in names], mode="text",
        text=[html.escape(texts[c]) for c in names], cliponaxis=False,
        # A halo of the opposite colour keeps a name legible where it overlaps a border.
        textfont=dict(size=size, shadow="auto",
                      color=["white" if (shading.positions[c] or 0) > 0.6 else "#222222" for c in names]),
        hoverinfo="skip", showlegend=False, name="labels",
    ))
    traces.append(_colour_bar(shading, features, lang))

    pad_x, pad_y = (x1 - x0) * 0.01, (y1 - y0) * 0.01
    axis = dict(visible=False, fixedrange=True, constrain="domain")
    fig = go.Figure(traces)
    fig.update_layout(
        xaxis=axis | dict(range=[x0 - pad_x, x1 + pad_x]),
        yaxis=axis | dict(range=[y0 - pad_y, y1 + pad_y], scaleanchor="x", scaleratio=stretch),
        margin=dict(l=0, r=0, t=0, b=LEGEND_PX), height=height, dragmode=False,
        hovermode="closest", plot_bgcolor="white", paper_bgcolor="white",
        font=dict(family=FONT_FAMILY),
    )
    return fig


def _text_px(text: str, size: float) -> float:
    """About how wide ``text`` is at font ``size``: a CJK character is square, a Latin
    letter a little over half as wide."""
    return sum(size if ord(ch) >= 0x2E80 else 0.56 * size for ch in text)


LABEL_SPILL = 1.8  # a name may be this many times as wide as its region's inner circle


def _fits(text: str, size: float, room_px: float) -> bool:
    """Whether a name of ``size`` px reads inside a region whose label point is
    ``room_px`` from its border: a little spill is fine, a name across a neighbour's
    is not."""
    return _text_px(text, size) <= LABEL_SPILL * 2 * room_px


def _colour_bar(shading: Shading, features: dict, lang: str) -> go.Scatter:
    """An invisible point carrying the colour bar: stepped with the class edges as ticks
    for quantiles, continuous from 0 for linear shading."""
    x0, y0, x1, y1 = bounds(features)
    bar = dict(orientation="h", x=0.5, xanchor="center", y=0, yanchor="top", ypad=6,
               thickness=10, len=0.9, outlinewidth=0,
               title=dict(text=html.escape(legend_title(shading.metric, lang)), side="top",
                          font=dict(size=12)),
               tickfont=dict(size=10))
    if shading.classes == "quantile":
        colours = shading.class_colours()
        n = len(colours)
        scale = [step for i, c in enumerate(colours) for step in ([i / n, c], [(i + 1) / n, c])]
        low, high = 0, n
        bar |= dict(tickmode="array", tickvals=list(range(n + 1)),
                    ticktext=[_format(b, shading.metric, lang) for b in shading.breaks])
    else:
        scale, low, high = shading.scale.plotly(), shading.low, shading.high
        bar |= dict(tickformat=".0%" if shading.metric in RATIO_METRICS else ",~r", nticks=6)
    return go.Scatter(
        x=[(x0 + x1) / 2] * 2, y=[(y0 + y1) / 2] * 2, mode="markers", hoverinfo="skip",
        marker=dict(size=0, opacity=0, color=[low, high], cmin=low, cmax=high, colorscale=scale,
                    showscale=True, colorbar=bar),
        showlegend=False, name="legend",
    )


def _format(value: float, metric: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("metric.no_data", lang)
    if metric in RATIO_METRICS:
        return f"{value:.0%}"
    if metric in ("open_needs_per_10k", "open_needs_per_1k_confirmed"):
        return f"{value:.2f}"
    return f"{value:,.0f}"


def region_layer_data(features: dict, values: dict[str, float], names: dict[str, str],
                      lang: str, metric_label: str, metric: str = "open_needs",
                      classes: str = DEFAULT_CLASSES) -> dict:
    """Copy of ``features`` with a fill colour (``shade`` of ``metric``, the same colours
    as the Overview) and tooltip fields per region."""
    codes = [f["properties"]["adcode"] for f in features["features"]]
    shading = shade({c: values.get(c, float("nan")) for c in codes}, metric, classes)
    out = {"type": "FeatureCollection", "features": []}
    for feature in features["features"]:
        code = feature["properties"]["adcode"]
        shown = _format(values.get(code, float("nan")), metric, lang)
        fill = [*_rgb(shading.colours[code]), 255]  # opaque: the Overview's very colours
        props = {"adcode": code, "fill": fill, "n": names.get(code, code),
                 "a": f"{metric_label}: {shown}", "b": ""}
        out["features"].append({"type": "Feature", "geometry": feature["geometry"],
                                "properties": props})
    return out


def label_records(features: dict, lang: str, zoom: float | None = None) -> list[dict]:
    """One record per region for the map's name layer: its short name (``t``) at a point
    inside it (``p``), in pixels of size ``s``.

    At ``zoom`` (the deck's) the names are a little smaller on a phone's scale, and a
    name much wider than its region is left out, as on the choropleth: it would cover its
    neighbours' names; the tooltip and the table name it.
    """
    from geo.boundaries import label_points, label_room

    points, room = label_points(features), label_room(features)
    per_degree = 512 * 2**zoom / 360 if zoom is not None else math.inf
    size = DECK_LABEL_PX if per_degree >= 70 else DECK_LABEL_PX - 2
    records = []
    for feature in features["features"]:
        code = feature["properties"]["adcode"]
        text = feature_label(feature["properties"], lang)
        if code in points and _fits(text, size, room[code] * per_degree):
            records.append({"p": list(points[code]), "t": text, "s": size})
    return records


def facility_points(facilities: pd.DataFrame, lang: str) -> list[dict]:
    """Compact point records for the facilities layer, with tooltip fields."""
    type_label = t("map.tooltip.type", lang)
    state_label = t("map.tooltip.state", lang)
    legend = {s: t(f"map.legend.{s}", lang) for s in STATE_COLOURS}
    claimed = facilities["claimed"] if "claimed" in facilities else pd.Series("", facilities.index)
    records = []
    for row, claim in zip(facilities.itertuples(index=False), claimed):
        state = f"{state_label}: {legend[row.state]}"
        if isinstance(claim, str) and claim:  # who pledged to cover its needs, until when
            state += f" · {t('map.tooltip.claimed', lang)}: {claim}"
        records.append({
            "p": [round(float(row.map_lon), 5), round(float(row.map_lat), 5)],
            "c": STATE_COLOURS[row.state],
            "r": row.region_adcode,  # a click on a point drills into its prefecture
            "n": str(row.name),
            "a": f"{type_label}: {value_label('facility_type', row.facility_type, lang)}",
            "b": state,
        })
    return records


def facility_claims(pledges: pd.DataFrame) -> dict[str, str]:
    """Who pledged to cover each facility's needs and until when (``基金会一 至02-20``),
    from dashboard.analytics.contributions.pledge_state: the open pledges not lapsed."""
    live = pledges[~pledges["expired"].astype(bool)] if not pledges.empty else pledges
    out: dict[str, list[str]] = {}
    for row in live.itertuples():
        who = row.organisation if isinstance(row.organisation, str) else row.org_id
        text = f"{who} {pd.Timestamp(row.due_on).strftime('%m-%d')}"
        out.setdefault(row.facility_id, [])
        if text not in out[row.facility_id]:
            out[row.facility_id].append(text)
    return {facility: "、".join(texts) for facility, texts in out.items()}


def hub_points(hubs: pd.DataFrame, centroids: dict[str, tuple[float, float]],
               lang: str) -> list[dict]:
    """Hubs drawn at the centre of the prefecture they are based in (of their province on
    the national map, whose ``centroids`` are the provinces')."""
    records = []
    for row in hubs.itertuples(index=False):
        codes = [c for c in (row.prefecture_adcode, row.region_adcode) if isinstance(c, str)]
        where = next((centroids[c] for c in (*codes, *map(province_of, codes))
                      if c in centroids), None)
        if not where:
            continue
        records.append({"p": [round(where[0], 5), round(where[1], 5)], "n": str(row.name),
                        "a": t("map.legend.hub", lang), "b": ""})
    return records


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by two spaces, which puts
    every coordinate on a line of its own and sends several times the bytes. The JSON is
    written once: a page that keeps a deck (dashboard.app.cache.kept) draws it again
    without three passes over a megabyte of shapes."""

    def to_json(self) -> str:
        """The deck's JSON, compact."""
        if self not in _DECK_JSON:
            _DECK_JSON[self] = json.dumps(json.loads(super().to_json()), separators=(",", ":"),
                                          ensure_ascii=False)
        return _DECK_JSON[self]


# Each deck's JSON, kept beside it rather than on it: pydeck writes every attribute of a
# deck into its JSON. A deck is never changed once drawn (the pages build a new one).
_DECK_JSON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def deck(regions: dict, points: list[dict], hubs: list[dict], view: tuple[dict, float],
         labels: list[dict] | None = None) -> pdk.Deck:
    """The pydeck map: regions (pickable for drill-down), facilities, hubs and the regions'
    names (``label_records``); no basemap."""
    center, zoom = view
    layers = [
        pdk.Layer("GeoJsonLayer", regions, id="regions", pickable=True, stroked=True,
                  filled=True, get_fill_color="properties.fill", get_line_color=[255, 255, 255],
                  line_width_min_pixels=1, auto_highlight=True,
                  highlight_color=[0, 0, 0, 40]),  # not purple: purple marks hubs
        # A white rim keeps a red point visible on a region shaded red.
        pdk.Layer("ScatterplotLayer", points, id="facilities", pickable=True, get_position="p",
                  get_fill_color="c", radius_units='"pixels"', get_radius=3, radius_min_pixels=2,
                  stroked=True, get_line_color=[255, 255, 255, 220], line_width_units='"pixels"',
                  get_line_width=1),
        pdk.Layer("ScatterplotLayer", hubs, id="hubs", pickable=True, get_position="p",
                  get_fill_color=HUB_COLOUR, get_line_color=[255, 255, 255], stroked=True,
                  radius_units='"pixels"', get_radius=9, line_width_min_pixels=2),
    ]
    if labels:
        # Names on top, dark on a pale box so they read on any fill and over points, in
        # the browser's own CJK font (the glyph atlas is drawn from the characters in the
        # data: "auto"); not pickable, so a tooltip still answers for what lies beneath.
        layers.append(pdk.Layer(
            "TextLayer", labels, id="names", pickable=False, get_position="p", get_text="t",
            get_size="s", size_units='"pixels"', get_color=[34, 34, 34, 255],
            font_family='"\'Noto Sans CJK SC\', \'Microsoft YaHei\', sans-serif"', character_set='"auto"',
            background=True, get_background_color=[255, 255, 255, 200], background_padding=[3, 1],
            get_text_anchor='"middle"', get_alignment_baseline='"center"'))
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
