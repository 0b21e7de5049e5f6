"""Region registry: names, codes, roll-up, ambiguity rules (hand-checked values)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo import config
from geo.names import normalise, short_name, strip_admin_suffix
from geo.regions import Region, load_registry
from tests.conftest import realworld_dir

HUBEI_17 = [
    "420100", "420200", "420300", "420500", "420600", "420700", "420800", "420900",
    "421000", "421100", "421200", "421300", "422800", "429004", "429005", "429006", "429021",
]


@pytest.fixture
def reg():
    # Function scope so the conftest's LIFELINE_CACHE is already set; the registry
    # itself is lru-cached, so this costs nothing after the first test.
    return load_registry()


# -- names ------------------------------------------------------------------------
def test_normalise_strips_every_kind_of_space():
    assert normalise(" 武\u200b汉\u00a0市\u3000\ufeff") == "武汉市"
    assert normalise("Ｗｕｈａｎ") == "wuhan"  # full-width Latin via NFKC
    assert normalise(None) == ""


@pytest.mark.parametrize(
    "full, short",
    [
        ("江岸区", "江岸"),
        ("恩施土家族苗族自治州", "恩施"),
        ("长阳土家族自治县", "长阳"),
        ("湖北省", "湖北"),
        ("神农架林区", "神农架"),
        ("新疆维吾尔自治区", "新疆"),
        ("香港特别行政区", "香港"),
        ("巴音郭楞蒙古自治州", "巴音郭楞"),
        ("城区", "城区"),  # would leave one character
        ("随县", "随县"),
        ("荆州市", "荆州"),  # 州 alone is part of the name
    ],
)
def test_short_name(full, short):
    assert short_name(full) == short


def test_strip_admin_suffix_keeps_ethnic_part():
    assert strip_admin_suffix("长阳土家族自治县") == "长阳土家族"


# -- registry structure -------------------------------------------------------------
def test_hubei_has_17_prefectures(reg):
    prefs = reg.prefectures("420000")
    assert [r.adcode for r in prefs] == HUBEI_17
    assert all(r.level == "prefecture" and r.parent == "420000" for r in prefs)


def test_default_province_comes_from_config(reg, monkeypatch):
    monkeypatch.setenv("LIFELINE_PROVINCE", "430000")
    assert config.province_adcode() == "430000"
    assert len(reg.prefectures()) == 14  # Hunan
    monkeypatch.setenv("LIFELINE_PROVINCE", "420000")
    assert len(reg.prefectures()) == 17


def test_population_and_names(reg):
    wuhan = reg.get("420100")
    assert isinstance(wuhan, Region)
    assert (wuhan.name, wuhan.short, wuhan.name_en) == ("武汉市", "武汉", "Wuhan")
    assert wuhan.population == 12326518
    assert reg.get("429021").population == 66570
    assert reg.get("420000").population == 57752557
    # The published prefecture figures sum to one less than the province total.
    assert abs(sum(r.population for r in reg.prefectures("420000")) - 57752557) <= 1
    # Every mainland province has its census figure; below them, only Hubei's regions.
    assert reg.get("430000").population == 66444864  # Hunan
    assert reg.get("430100").population is None


def test_province_populations_add_up_to_the_census(reg):
    """The 31 mainland provinces add up to the 7th census's national figure,
    1,411,778,724, less the 2,000,000 active servicemen it counts apart; Taiwan, Hong
    Kong and Macao are not in it (None: their per-capita rates stay empty)."""
    provinces = reg.provinces()
    assert len(provinces) == 34 and [r.level for r in provinces] == ["province"] * 34
    mainland = [r for r in provinces if r.adcode not in ("710000", "810000", "820000")]
    assert all(r.population for r in mainland)
    assert sum(r.population for r in mainland) == 1_411_778_724 - 2_000_000
    assert [reg.get(c).population for c in ("710000", "810000", "820000")] == [None] * 3
    assert max(mainland, key=lambda r: r.population).adcode == "440000"  # Guangdong


def test_prefecture_property(reg):
    assert reg.get("420103").prefecture == "420100"
    assert reg.get("420100").prefecture == "420100"
    assert reg.get("420000").prefecture is None


def test_get_accepts_int_and_float_text(reg):
    assert reg.get(420100).adcode == "420100"
    assert reg.get("420100.0").adcode == "420100"
    with pytest.raises(KeyError):
        reg.get("999999")


def test_county_level_cities_have_no_separate_county(reg):
    assert reg.get("429004").level == "prefecture"
    assert reg.counties("429004") == []
    assert len(reg.counties("420100")) == 13  # Wuhan's 13 districts


def test_municipalities_are_handled(reg):
    assert [r.adcode for r in reg.prefectures("110000")] == ["110100"]
    cq = reg.prefectures("500000")  # Chongqing: districts promoted to prefecture level
    assert len(cq) == 38 and all(r.parent == "500000" for r in cq)
    assert reg.resolve_prefecture("渝中区").adcode == "500103"


def test_english_names_and_polyphones(reg):
    expected = {
        "420200": "Huangshi", "422800": "Enshi", "429021": "Shennongjia", "420600": "Xiangyang",
        "500000": "Chongqing", "430100": "Changsha", "350200": "Xiamen", "340300": "Bengbu",
    }
    for code, en in expected.items():
        assert reg.get(code).name_en == en
    assert reg.get("341500").name_en.replace("'", "") == "Luan"


def test_enshi_aliases(reg):
    enshi = reg.get("422800")
    assert enshi.short == "恩施"
    for alias in ("恩施州", "恩施土家族苗族自治州", "Enshi"):
        assert alias in enshi.aliases


# -- resolution ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, code",
    [
        ("武汉", "420100"),
        ("武汉市", "420100"),
        ("Wuhan", "420100"),
        ("WUHAN", "420100"),
        ("wuhanshi", "420100"),
        ("wuhan", "420100"),
        (420100, "420100"),
        ("420100.0", "420100"),
        (" 武汉\u200b市 ", "420100"),
        ("武漢", "420100"),
        ("襄樊", "420600"),
        ("Enshi", "422800"),
        ("恩施州", "422800"),
        ("恩施", "422800"),  # prefecture beats 恩施市 (county) on level
        ("荆州", "421000"),  # prefecture beats 荆州区
        ("北京", "110000"),
        ("北京市", "110000"),
        ("Beijing", "110000"),
        ("湖北", "420000"),
        ("监利县", "421088"),
        ("421023", "421088"),  # retired 2019 code
        ("江汉区", "420103"),
    ],
)
def test_resolve(reg, text, code):
    region = reg.resolve(text)
    assert region is not None, text
    assert region.adcode == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("江汉区", "420100"),
        ("汉川市", "420900"),
        ("汉川", "420900"),
        ("武汉", "420100"),
        ("监利县", "421000"),
        ("长阳土家族", "420500"),
        ("仙桃", "429004"),
    ],
)
def test_resolve_prefecture(reg, text, code):
    assert reg.resolve_prefecture(text).adcode == code


def test_resolve_prefecture_of_province_is_none(reg):
    assert reg.resolve_prefecture("湖北省") is None
    assert reg.resolve_prefecture("北京") is None
    assert reg.resolve("no such place") is None
    assert reg.resolve_prefecture("") is None


def test_ambiguous_names_are_deterministic(reg, monkeypatch):
    # 朝阳区 exists in Beijing (110105) and Changchun (220104): smallest code wins outside.
    assert reg.resolve("朝阳区").adcode == "110105"
    # ...but the configured province wins when the name exists there.
    monkeypatch.setenv("LIFELINE_PROVINCE", "220000")
    assert reg.resolve("朝阳区").adcode == "220104"
    # 朝阳 (short) means Liaoning's prefecture 朝阳市 outside, since prefecture > county.
    monkeypatch.setenv("LIFELINE_PROVINCE", "420000")
    assert reg.resolve("朝阳").adcode == "211300"


def test_suggest(reg):
    assert "大冶市" in reg.suggest("大治市")
    assert reg.suggest("大治市")[0] == "大冶市"
    assert reg.suggest("武漢")[0] == "武汉市"
    assert reg.suggest("Wuhna")[0] == "武汉市"
    assert len(reg.suggest("孝感", n=5)) <= 5


def test_as_frame(reg):
    frame = reg.as_frame()
    assert list(frame.columns) == [
        "adcode", "level", "parent", "prefecture", "name", "short", "name_en", "population",
    ]
    hubei = frame[(frame.level == "prefecture") & (frame.parent == "420000")]
    assert len(hubei) == 17
    assert hubei.population.sum() == 57752556  # see test_population_and_names
    assert frame.set_index("adcode").loc["420103", "prefecture"] == "420100"


def test_registry_is_read_from_its_disk_cache(monkeypatch):
    # Speed lives in the benchmark; here: the second load reads the cache, not the index.
    import geo.source

    load_registry.cache_clear()
    load_registry()  # builds (or reads) and writes the on-disk cache in this cache dir
    load_registry.cache_clear()

    def boom():
        raise AssertionError("the registry must come from its cache")

    monkeypatch.setattr(geo.source, "index_rows", boom)
    reg = load_registry()
    load_registry.cache_clear()
    assert len(reg) > 3000


def test_many_threads_asking_at_once_build_the_registry_once(monkeypatch):
    """Ten people opening a fresh server at once: one build, which all of them get."""
    import threading

    import geo.regions

    built = []
    real = geo.regions.RegionRegistry
    monkeypatch.setattr(geo.regions, "RegionRegistry",
                        lambda *args, **kwargs: built.append(1) or real(*args, **kwargs))
    load_registry.cache_clear()
    gate, got = threading.Barrier(8), []

    def ask():
        gate.wait(30)
        got.append(load_registry())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    load_registry.cache_clear()  # the next test builds a registry of the real class
    assert len(got) == 8 and all(registry is got[0] for registry in got)
    assert built == [1]


# -- real-world check ---------------------------------------------------------------
def _realworld() -> Path:
    return realworld_dir() / "hubei-admin"


@pytest.mark.realworld
def test_realworld_prefecture_name_variants(reg):
    with open(_realworld() / "hubei_prefecture_name_variants.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 17
    assert sorted(r["adcode"] for r in rows) == HUBEI_17
    for row in rows:
        for col in ("adcode", "name_full", "name_short", "name_dxy_cissieab", "name_english",
                    "wuhan2020_file_slug"):
            if not row[col]:
                continue
            got = reg.resolve_prefecture(row[col])
            assert got is not None and got.adcode == row["adcode"], (col, row[col], got)


@pytest.mark.realworld
def test_realworld_county_to_prefecture(reg):
    with open(_realworld() / "hubei_county_to_prefecture_2019.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 100
    for row in rows:
        for col in ("code", "name", "short"):
            got = reg.resolve_prefecture(row[col])
            assert got is not None and got.adcode == row["prefecture_adcode"], (col, row[col], got)
        assert reg.resolve_prefecture(row["prefecture_name"]).adcode == row["prefecture_adcode"]


def test_compound_names_resolve_to_the_innermost_place(reg):
    assert reg.resolve_prefecture("荆门钟祥").adcode == "420800"
    assert reg.resolve("荆门钟祥").name == "钟祥市"
    assert reg.resolve("湖北省荆门市钟祥市").name == "钟祥市"
    assert reg.resolve("武汉江汉区").adcode == "420103"
    assert reg.resolve("荆门江汉区") is None  # 江汉区 is not in 荆门: no guess


def test_a_place_written_with_its_city_is_that_city_s_even_when_its_name_is_shared():
    """A bare 南山区 is Hegang's (the smaller code); 深圳市南山区 is Shenzhen's."""
    registry = load_registry()
    assert registry.resolve("南山区").adcode == "230404"
    for text in ("深圳市南山区", "深圳南山区", "广东省深圳市南山区"):
        assert registry.resolve(text).adcode == "440305", text
