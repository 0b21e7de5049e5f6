"""Display boundaries: counts, validity, payload size, shared borders, caching."""

from __future__ import annotations

import itertools
import json

import pytest
import shapely
from shapely.geometry import Polygon, shape

from geo import boundaries, source

HUBEI = "420000"


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache directory and an empty in-process cache."""
    monkeypatch.setenv("LIFELINE_CACHE", str(tmp_path / "cache"))
    boundaries.clear_memory_cache()
    yield tmp_path / "cache"
    boundaries.clear_memory_cache()


def _shapes(fc):
    return [shape(f["geometry"]) for f in fc["features"]]


def _holes(geom):
    return [Polygon(ring) for part in getattr(geom, "geoms", [geom]) for ring in part.interiors]


def test_hubei_prefectures(fresh_cache):
    fc = boundaries.prefecture_features(HUBEI)
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 17
    codes = [f["properties"]["adcode"] for f in fc["features"]]
    assert codes == sorted(codes) and codes[0] == "420100" and codes[-1] == "429021"
    wuhan = fc["features"][0]["properties"]
    assert wuhan == {"adcode": "420100", "name": "武汉市", "short": "武汉", "name_en": "Wuhan"}
    assert all(g.is_valid and not g.is_empty for g in _shapes(fc))


def test_hubei_payload_is_small(fresh_cache):
    fc = boundaries.prefecture_features(HUBEI)
    compact = len(json.dumps(fc, separators=(",", ":")))
    assert compact < 200_000
    assert 60_000 < boundaries.payload_bytes(fc) < 200_000  # small, but not a blob
    wuhan = boundaries.county_features("420100")
    assert len(wuhan["features"]) == 13
    assert boundaries.payload_bytes(wuhan) < 120_000


def test_shared_borders_have_no_gaps_or_overlaps(fresh_cache):
    fc = boundaries.prefecture_features(HUBEI)
    shapes = _shapes(fc)
    province = source.load_geometry(HUBEI)
    union = shapely.union_all(shapes)
    # Same total area as the unsimplified province, within 1%.
    assert union.area == pytest.approx(province.area, rel=0.01)
    # Neighbours must not overlap: total pairwise overlap is a negligible share.
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(shapes, 2))
    assert overlap < 1e-6 * province.area
    # No gap between neighbours: every hole in the union is either a real hole of
    # the province (an enclave of another province) or smaller than ~0.01 km^2.
    real_holes = _holes(province)
    for hole in _holes(union):
        assert hole.area < 1e-6 or any(hole.intersects(r) for r in real_holes), hole.area


def test_per_polygon_simplify_would_fail_the_overlap_check():
    """Guard that the overlap check above can fail: naive simplification breaks it."""
    shapes = [source.load_geometry(r) for r in ("420100", "420900", "421100", "420700")]
    naive = [g.simplify(0.0025) for g in shapes]
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(naive, 2))
    assert overlap > 1e-6 * sum(g.area for g in shapes)


def test_county_level_city_returns_itself(fresh_cache):
    fc = boundaries.county_features("429004")
    assert [f["properties"]["adcode"] for f in fc["features"]] == ["429004"]
    # A county code rolls up to its prefecture's map.
    assert len(boundaries.county_features("420103")["features"]) == 13


def test_second_call_uses_disk_cache(fresh_cache, monkeypatch):
    first = boundaries.prefecture_features(HUBEI)
    files = list((fresh_cache / "geo").glob(f"prefectures_{HUBEI}_*.json"))
    assert len(files) == 1
    assert not list((fresh_cache / "geo").glob("*.tmp"))  # atomic write left nothing behind

    def boom(adcode):
        raise AssertionError("geometry must come from the cache")

    monkeypatch.setattr(source, "load_geometry", boom)
    boundaries.clear_memory_cache()
    second = boundaries.prefecture_features(HUBEI)
    assert second == first
    # Callers get their own copy: mutating it does not poison the cache.
    second["features"].clear()
    assert len(boundaries.prefecture_features(HUBEI)["features"]) == 17


def test_other_province_via_env(fresh_cache, monkeypatch):
    monkeypatch.setenv("LIFELINE_PROVINCE", "430000")
    fc = boundaries.prefecture_features()
    assert len(fc["features"]) == 14  # Hunan
    assert all(f["properties"]["adcode"].startswith("43") for f in fc["features"])
    assert boundaries.payload_bytes(fc) < 200_000


def test_province_outline(fresh_cache):
    fc = boundaries.province_outline(HUBEI)
    assert len(fc["features"]) == 1
    outline = shape(fc["features"][0]["geometry"])
    assert outline.area == pytest.approx(source.load_geometry(HUBEI).area, rel=0.01)


def test_region_centroids_lie_inside(fresh_cache):
    fc = boundaries.prefecture_features(HUBEI)
    cents = boundaries.region_centroids(fc)
    assert len(cents) == 17
    lon, lat = cents["420100"]
    assert 113.7 < lon < 115.1 and 29.9 < lat < 31.4  # Wuhan
    for feat in fc["features"]:
        pt = shapely.Point(cents[feat["properties"]["adcode"]])
        assert shape(feat["geometry"]).contains(pt)
