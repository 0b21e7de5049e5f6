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


def _feature(code: str, coordinates, kind: str = "Polygon") -> dict:
    return {"type": "Feature", "properties": {"adcode": code},
            "geometry": {"type": kind, "coordinates": coordinates}}


def test_label_points_lie_inside_even_where_the_centroid_does_not():
    # A U open to the north, 3 wide and 3 tall with 1-wide arms: its centroid (1.5, 1.3)
    # falls in the gap between the arms. The widest circle inside sits where the base
    # meets an arm: centre (r, r), touching the outer walls and the inner corner (1, 1),
    # so sqrt(2) (1 - r) = r, r = 2 - sqrt(2) = 0.586 (or its mirror at x = 3 - r).
    u = [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]]
    # Two islands: the name goes on the larger one.
    islands = [[[[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]],
               [[[20, 0], [23, 0], [23, 3], [20, 3], [20, 0]]]]
    fc = {"type": "FeatureCollection",
          "features": [_feature("U", u), _feature("I", islands, "MultiPolygon")]}
    assert not shape(fc["features"][0]["geometry"]).contains(shape(fc["features"][0]["geometry"]).centroid)
    points, room = boundaries.label_points(fc), boundaries.label_room(fc)
    r = 2 - 2**0.5
    assert points["U"] in (pytest.approx((r, r), abs=0.03), pytest.approx((3 - r, r), abs=0.03))
    assert room["U"] == pytest.approx(r, abs=0.03)
    assert points["I"] == pytest.approx((21.5, 1.5), abs=0.05) and room["I"] == pytest.approx(1.5, abs=0.05)


def test_hand_placed_label_is_used_only_inside_its_region(monkeypatch):
    square = [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]
    fc = {"type": "FeatureCollection", "features": [_feature("S", square)]}
    monkeypatch.setitem(boundaries.LABEL_AT, "S", (1.0, 1.0))
    boundaries._label_point.cache_clear()
    assert boundaries.label_points(fc)["S"] == (1.0, 1.0)
    assert boundaries.label_room(fc)["S"] == pytest.approx(1.0)
    monkeypatch.setitem(boundaries.LABEL_AT, "S", (9.0, 9.0))  # outside: ignored
    boundaries._label_point.cache_clear()
    assert boundaries.label_points(fc)["S"] == pytest.approx((2, 2), abs=0.05)
    boundaries._label_point.cache_clear()


def test_label_points_of_hubei_and_of_wuhan_lie_inside(fresh_cache):
    for fc in (boundaries.prefecture_features(HUBEI), boundaries.county_features("420100")):
        points = boundaries.label_points(fc)
        assert set(points) == {f["properties"]["adcode"] for f in fc["features"]}
        for feat in fc["features"]:
            assert shape(feat["geometry"]).contains(shapely.Point(points[feat["properties"]["adcode"]]))
    # 仙桃's name is placed by hand, clear of 武汉's; 武汉's sits in the city, not on 鄂州.
    points = boundaries.label_points(boundaries.prefecture_features(HUBEI))
    assert points["429004"] == boundaries.LABEL_AT["429004"]
    lon, lat = points["420100"]
    assert 113.9 < lon < 114.7 and 30.3 < lat < 31.0


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The national map's two levels, built once into a cache of their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIFELINE_CACHE", str(tmp_path_factory.mktemp("national")))
        boundaries.clear_memory_cache()
        yield {"provinces": boundaries.province_features(),
               "guangdong": boundaries.prefecture_features("440000"),
               "taiwan": boundaries.prefecture_features("710000")}
    boundaries.clear_memory_cache()


def test_national_map_has_every_province_under_a_megabyte(national):
    provinces = national["provinces"]
    codes = [f["properties"]["adcode"] for f in provinces["features"]]
    # 31 mainland provinces, Taiwan, Hong Kong and Macao, in code order.
    assert len(codes) == 34 and codes == sorted(codes)
    assert codes[0] == "110000" and "420000" in codes and codes[-1] == "820000"
    hubei = provinces["features"][codes.index("420000")]["properties"]
    assert (hubei["name"], hubei["name_en"]) == ("湖北省", "Hubei")
    assert 100_000 < boundaries.payload_bytes(provinces) < 1_000_000
    # The largest province's prefectures (Guangdong, 21) travel under 200 KB on drill-down.
    assert len(national["guangdong"]["features"]) == 21
    assert boundaries.payload_bytes(national["guangdong"]) < 200_000
    # A province listed without prefectures is drawn as itself.
    assert [f["properties"]["adcode"] for f in national["taiwan"]["features"]] == ["710000"]


def test_national_borders_are_shared_not_overlapping(national):
    shapes = _shapes(national["provinces"])
    assert all(s.is_valid and not s.is_empty for s in shapes)
    total = sum(s.area for s in shapes)
    tree = shapely.STRtree(shapes)
    overlap = sum(shapes[i].intersection(shapes[j]).area
                  for i, j in zip(*tree.query(shapes, predicate="intersects")) if i < j)
    assert overlap < 1e-5 * total
    # Hubei and Henan touch along their simplified shared border.
    by_code = {f["properties"]["adcode"]: shape(f["geometry"])
               for f in national["provinces"]["features"]}
    assert by_code["420000"].intersection(by_code["410000"]).length > 1.0  # degrees of border
