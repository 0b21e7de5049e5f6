"""Does a point lie in the region it is said to be in?

A facility declares a region and may give coordinates. When the two disagree by more
than the boundaries' own imprecision, one of them is wrong (latitude and longitude
swapped, a Baidu point declared as GPS, a copy-paste from the row above), and storing
it would put a hospital on the wrong prefecture's map. The check converts the point
to the boundaries' system (GCJ-02, ``geo.coords.to_display``) and measures its
distance to the region's simplified outline.

``LIFELINE_COORD_TOLERANCE_KM`` (default 5) absorbs the outline's simplification and
the few hundred metres between coordinate systems.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

from shapely.geometry import Point, shape
from shapely.ops import nearest_points

from geo.boundaries import county_features, prefecture_features
from geo.coords import to_display

DEFAULT_TOLERANCE_KM = 5.0
_EARTH_KM = 6371.0088


def tolerance_km() -> float:
    """The distance outside its region a point may lie (``LIFELINE_COORD_TOLERANCE_KM``)."""
    try:
        value = float(os.environ.get("LIFELINE_COORD_TOLERANCE_KM", DEFAULT_TOLERANCE_KM))
    except ValueError:
        return DEFAULT_TOLERANCE_KM
    return value if math.isfinite(value) and value >= 0 else DEFAULT_TOLERANCE_KM


@lru_cache(maxsize=64)
def _outlines(kind: str, container: str) -> dict:
    """adcode -> outline of every county of a prefecture, or prefecture of a province
    (read and parsed once per process)."""
    features = county_features(container) if kind == "county" else prefecture_features(container)
    return {f["properties"].get("adcode"): shape(f["geometry"]) for f in features.get("features", [])}


def region_shape(adcode: str, level: str, container: str | None):
    """The outline of a prefecture or county (None when the boundaries lack it);
    ``container`` is the county's prefecture or the prefecture's province."""
    if level == "county":
        return _outlines("county", container or adcode).get(adcode)
    if level == "prefecture" and container:
        return _outlines("prefecture", container).get(adcode)
    return None


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_outside(lat: float, lon: float, outline) -> float:
    """Kilometres from a display-system point to an outline (0 inside it)."""
    point = Point(lon, lat)
    if outline.contains(point):
        return 0.0
    nearest = nearest_points(outline, point)[0]
    return _km(lat, lon, nearest.y, nearest.x)


def inside_mask(lats, lons, system: str, region):
    """For many points declared in one region: True where a point surely lies inside it
    (one vectorised test; only the others need ``outside_region``). None when the
    boundaries lack the region."""
    import numpy as np
    import shapely

    container = region.prefecture if region.level == "county" else region.province
    outline = region_shape(region.adcode, region.level, container)
    if outline is None:
        return None
    ys, xs = to_display(np.asarray(lats, dtype=float), np.asarray(lons, dtype=float), system)
    return shapely.contains_xy(outline, np.atleast_1d(xs), np.atleast_1d(ys))


def outside_region(lat: float, lon: float, system: str, region) -> tuple[float, bool] | None:
    """How far outside ``region`` a point lies, or None when it is inside (or cannot tell).

    Parameters
    ----------
    lat, lon : float
        The point as the file gives it.
    system : str
        Its coordinate system (``wgs84``, ``gcj02``, ``bd09``).
    region : geo.regions.Region
        The region the row declares (a prefecture or a county).

    Returns
    -------
    tuple of (float, bool) or None
        The distance in km beyond the tolerance check, and whether swapping latitude
        and longitude would put the point inside (the likeliest mistake).
    """
    container = region.prefecture if region.level == "county" else region.province
    outline = region_shape(region.adcode, region.level, container)
    if outline is None:
        return None
    y, x = to_display(lat, lon, system)
    km = distance_outside(y, x, outline)
    if km <= tolerance_km():
        return None
    swapped = False
    if -90 <= lon <= 90:
        sy, sx = to_display(lon, lat, system)
        swapped = distance_outside(sy, sx, outline) <= tolerance_km()
    return km, swapped
