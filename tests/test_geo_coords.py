"""Coordinate conversions checked against published values and an independent library.

Reference values: coord-convert 0.2.1 (sshuair/coord-convert) computed
wgs2gcj(116.397470, 39.908823) = (116.4037135824225, 39.91022649807321) and
gcj2bd(116.403714, 39.910225) = (116.41008687378967, 39.91656431953168);
eviltransform 0.1.1 agrees to 3e-8 degrees. The often-quoted Tiananmen pair
WGS-84 (39.908823, 116.397470) -> GCJ-02 ~ (39.910225, 116.403714) is met to 2e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo import coords
from geo.coords import (
    BOUNDARY_SYSTEM,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    offset_metres,
    to_display,
    to_system,
    wgs84_to_gcj02,
)

TIANANMEN_WGS = (39.908823, 116.397470)
WUHAN_WGS = (30.5928, 114.3055)


def test_boundary_system_is_gcj02():
    assert BOUNDARY_SYSTEM == "gcj02"


def test_tiananmen_matches_published_value():
    lat, lon = wgs84_to_gcj02(*TIANANMEN_WGS)
    assert lat == pytest.approx(39.910225, abs=2e-6)
    assert lon == pytest.approx(116.403714, abs=2e-6)
    # independent implementation (coord-convert), to 1e-9
    assert (lat, lon) == pytest.approx((39.91022649807321, 116.4037135824225), abs=1e-9)
    assert isinstance(lat, float)


def test_gcj_to_bd_matches_independent_value():
    lat, lon = gcj02_to_bd09(39.910225, 116.403714)
    assert (lat, lon) == pytest.approx((39.91656431953168, 116.41008687378967), abs=1e-9)


def test_wgs_round_trip_is_exact_enough():
    rng = np.random.default_rng(0)
    lat = rng.uniform(18, 53, 1000)
    lon = rng.uniform(74, 134, 1000)
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    w_lat, w_lon = gcj02_to_wgs84(g_lat, g_lon)
    assert np.max(np.abs(w_lat - lat)) < 1e-6
    assert np.max(np.abs(w_lon - lon)) < 1e-6
    assert isinstance(w_lat, np.ndarray) and w_lat.shape == (1000,)


def test_bd09_round_trip():
    rng = np.random.default_rng(1)
    lat = rng.uniform(18, 53, 500)
    lon = rng.uniform(74, 134, 500)
    b_lat, b_lon = gcj02_to_bd09(lat, lon)
    g_lat, g_lon = bd09_to_gcj02(b_lat, b_lon)
    assert np.max(np.abs(g_lat - lat)) < 1e-6
    assert np.max(np.abs(g_lon - lon)) < 1e-6
    # full chain through to_system
    w = to_system(*to_system(*WUHAN_WGS, "wgs84", "bd09"), "bd09", "wgs84")
    assert w == pytest.approx(WUHAN_WGS, abs=1e-6)


def test_out_of_china_unchanged():
    outside = [(51.5007, -0.1246), (40.7484, -73.9857), (-33.8568, 151.2153), (35.68, 139.77)]
    for lat, lon in outside:
        assert wgs84_to_gcj02(lat, lon) == (lat, lon)
        assert gcj02_to_wgs84(lat, lon) == pytest.approx((lat, lon), abs=1e-12)
    assert coords.out_of_china(51.5, -0.12) is True
    assert coords.out_of_china(*WUHAN_WGS) is False


def test_wuhan_offset_is_a_few_hundred_metres():
    g = wgs84_to_gcj02(*WUHAN_WGS)
    d = offset_metres(*WUHAN_WGS, *g)
    assert 300 < d < 700
    # In Wuhan GCJ-02 moves points east and slightly south.
    assert g[1] > WUHAN_WGS[1] and g[0] < WUHAN_WGS[0]


def test_to_system_and_to_display():
    assert to_display(*WUHAN_WGS, "WGS-84") == wgs84_to_gcj02(*WUHAN_WGS)
    assert to_display(*WUHAN_WGS, "gcj02") == WUHAN_WGS
    bd = gcj02_to_bd09(*WUHAN_WGS)
    assert to_display(*bd, "bd09") == pytest.approx(WUHAN_WGS, abs=1e-9)
    lat, lon = to_system([30.5, 31.0], [114.3, 112.0], "wgs84", "gcj02")
    assert lat.shape == (2,) and lon.shape == (2,)
    with pytest.raises(ValueError):
        to_system(30.5, 114.3, "wgs84", "utm50n")
    with pytest.raises(ValueError):
        to_display(30.5, 114.3, "epsg:3857")


def test_scalar_and_array_broadcasting():
    lat, lon = wgs84_to_gcj02(np.array([[30.5, 31.0]]), 114.3)
    assert lat.shape == (1, 2)
    s_lat, s_lon = wgs84_to_gcj02(30.5, 114.3)
    assert lat[0, 0] == pytest.approx(s_lat) and lon[0, 0] == pytest.approx(s_lon)
