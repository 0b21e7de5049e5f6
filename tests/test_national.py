"""The whole country (issue 16, part 2): ``LIFELINE_PROVINCE=000000``.

A small store with records in Hubei and Guangdong, its figures worked out by hand, read
at the three levels a national server shows: the country (one row per province), a
province (its prefectures) and a prefecture (its counties); then every page at each
level, the map's drill-down, and the national demo.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from dashboard.analytics import metrics, reporting
from data_loaders import store
from data_loaders.ingest.importer import import_paths
from geo.config import NATIONAL
from geo.regions import COUNTRY, configured_province, load_registry
from tests.apptest import run_app
from tests.test_ui_text import problems

AS_OF = date(2020, 2, 15)

# Hubei: a hub and a partner in Wuhan, a hospital with an urgent need and an overdue
# delivery. Guangdong: a partner in Guangzhou that delivered to its hospital, a
# community in Shenzhen with an urgent need. A partner that never said where it works,
# and a Beijing foundation.
FILES = {
    "organizations.csv": """org_id,name,org_type,region,hub_id
HB,湖北枢纽,hub,武汉,
GD,广东枢纽,hub,广州,
P1,武汉伙伴,partner,武汉,HB
P2,广州伙伴,partner,广州,GD
P3,无址伙伴,partner,,GD
F1,北京基金会,foundation,北京,
""",
    "facilities.csv": """facility_id,name,facility_type,region,lat,lon,coord_system
H1,江汉医院,hospital,江汉区,30.58,114.27,gcj02
H2,越秀医院,hospital,越秀区,23.13,113.27,gcj02
C1,南山社区,community,深圳市南山区,22.53,113.93,gcj02
""",
    "needs.csv": """need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,\
priority,status,closed_on
N1,H1,P1,2020-02-10,ppe,N95口罩,1000,只,urgent,open,
N2,H2,P2,2020-02-11,medicine,奥司他韦,200,盒,normal,open,
N3,C1,P2,2020-02-12,food,蔬菜包,50,份,urgent,open,
N4,H2,P2,2020-02-05,ppe,手套,100,副,normal,met,2020-02-12
""",
    "deliveries.csv": """delivery_id,need_id,facility_id,supplier_id,carrier_id,category,item,\
quantity,unit,dispatched_on,expected_on,delivered_on,status
D1,N4,H2,P2,,ppe,手套,100,副,2020-02-10,2020-02-12,2020-02-12,delivered
D2,N1,H1,F1,,ppe,N95口罩,500,只,2020-02-10,2020-02-12,,in_transit
""",
    "activities.csv": """report_id,org_id,reported_on,region,activity_type,people_served,volunteers
A1,P1,2020-02-14,武汉,distribution,30,4
""",
}


@pytest.fixture
def national(monkeypatch):
    monkeypatch.setenv("LIFELINE_PROVINCE", NATIONAL)


@pytest.fixture
def national_db(national, tmp_path, monkeypatch):
    folder = tmp_path / "national"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    location = tmp_path / "national.duckdb"
    monkeypatch.setenv("LIFELINE_DB", str(location))
    con = store.connect(location)
    report = import_paths(con, [folder])
    assert report.ok, report.problems
    yield con
    con.close()


def _rows(summary) -> dict[str, dict]:
    return {r["adcode"]: r for r in summary.to_dict("records")}


def test_the_setting_names_the_country():
    assert configured_province() is not None  # the default: Hubei


def test_000000_is_the_whole_country(national):
    registry = load_registry()
    assert configured_province() is None
    assert registry.scope() is COUNTRY and COUNTRY.name == "全国"
    areas = registry.areas()
    assert len(areas) == 31 and {a.level for a in areas} == {"province"}
    assert sum(a.population for a in areas) == COUNTRY.population == 1_409_778_724
    prefectures = {p.adcode for p in registry.prefectures()}
    assert {"420100", "440100", "440300", "110100"} <= prefectures


def test_the_country_has_a_row_per_province_counted_by_hand(national_db):
    scope = metrics.Scope(AS_OF, 7)
    summary = metrics.region_summary(national_db, scope)
    assert len(summary) == 31
    rows = _rows(summary)
    hubei, guangdong = rows["420000"], rows["440000"]
    assert (hubei["open_needs"], hubei["urgent_open_needs"], hubei["overdue_deliveries"]) == (1, 1, 1)
    assert (hubei["hospitals"], hubei["hospitals_covered"], hubei["active_orgs"]) == (1, 0, 1)
    # N4 was met on 02-12; D1 delivered on 02-12, inside the window: H2 is covered.
    assert (guangdong["open_needs"], guangdong["urgent_open_needs"]) == (2, 1)
    assert (guangdong["hospitals"], guangdong["hospitals_covered"]) == (1, 1)
    assert (guangdong["communities"], guangdong["communities_covered"]) == (1, 0)
    assert guangdong["active_orgs"] == 1  # P2, by its delivery
    assert not rows["110000"]["has_data"] and rows["110000"]["open_needs"] == 0
    # Per 10,000 residents of the province (the 2020 census): 2 / 126,012,510.
    assert guangdong["open_needs_per_10k"] == pytest.approx(2 * 10_000 / 126_012_510)
    totals = metrics.totals(national_db, scope, summary)
    assert (totals["open_needs"], totals["urgent_open_needs"], totals["overdue_deliveries"]) == (3, 2, 1)
    assert totals["hospital_coverage"] == 0.5
    # P1 and P2 worked in the window; P3 never said where it works, nor did anything.
    assert (totals["active_partners"], totals["stale_partners"]) == (2, 1)


def test_a_province_of_the_country_counts_its_own(national_db):
    scope = metrics.Scope(AS_OF, 7, "440000")
    rows = _rows(metrics.region_summary(national_db, scope))
    assert len(rows) == 21  # Guangdong's prefectures
    assert (rows["440100"]["open_needs"], rows["440300"]["open_needs"]) == (1, 1)
    assert "420100" not in rows
    totals = metrics.totals(national_db, scope)
    assert (totals["open_needs"], totals["overdue_deliveries"]) == (2, 0)
    # Its partners: P2 (based there) and P3 (based nowhere known), not Wuhan's P1.
    assert (totals["active_partners"], totals["stale_partners"]) == (1, 1)
    assert set(reporting.reporting(national_db, scope)["org_id"]) == {"P2", "P3"}
    hubei = metrics.totals(national_db, metrics.Scope(AS_OF, 7, "420000"))
    assert (hubei["open_needs"], hubei["active_partners"], hubei["stale_partners"]) == (1, 1, 1)


def test_the_levels_add_up(national_db):
    """A province's row of the country is the sum of its prefectures' rows, and a
    prefecture's row the sum of its counties'."""
    country = _rows(metrics.region_summary(national_db, metrics.Scope(AS_OF, 7)))
    for province in ("420000", "440000"):
        scope = metrics.Scope(AS_OF, 7, province)
        prefectures = metrics.region_summary(national_db, scope)
        for column in ("open_needs", "urgent_open_needs", "hospitals", "hospitals_covered",
                       "communities", "overdue_deliveries"):
            assert prefectures[column].sum() == country[province][column], (province, column)
    counties = metrics.county_summary(national_db, metrics.Scope(AS_OF, 7, "440000"), "440300")
    assert counties["open_needs"].sum() == 1
    assert set(counties.loc[counties["open_needs"] > 0, "adcode"]) == {"440305"}  # 南山区


PAGES = ("overview", "briefing", "map", "coverage", "needs", "partners", "network",
         "funding", "report", "data", "methods", "households")


@pytest.mark.parametrize("params", [{}, {"province": "440000"},
                                    {"province": "440000", "region": "440300"}],
                         ids=["country", "province", "prefecture"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_reads_at_every_level(national_db, params, lang):
    for page in PAGES:
        at = run_app(page, params={"as_of": AS_OF.isoformat(), "lang": lang, **params})
        assert not at.error, (page, [e.value for e in at.error])
        assert not problems(at, lang), (page, problems(at, lang))
        assert at.selectbox(key=f"province_{lang}").value == params.get("province", NATIONAL)
        if not params and page not in ("methods", "households"):  # never "the province"
            shown = [e.value for kind in ("markdown", "caption", "subheader", "info", "button")
                     for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
            shown += [b.label for b in at.button]
            assert not [text for text in shown
                        if "全省" in text or re.search(r"\bthe province\b", text)], page


def _deck(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def _regions_drawn(at) -> set[str]:
    layer = next(layer for layer in _deck(at)["layers"] if layer.get("id") == "regions")
    return {f["properties"]["adcode"] for f in layer["data"]["features"]}


def test_the_map_drills_from_the_country_to_a_county(national_db):
    at = run_app("map", params={"as_of": AS_OF.isoformat()})
    drawn = _regions_drawn(at)
    assert {r.adcode for r in load_registry().areas()} <= drawn  # every province
    assert not any(b.key in ("map_back", "map_back_country") for b in at.button)
    at.selectbox(key="province_zh").set_value("440000").run()
    assert at.query_params["province"] == "440000"
    assert "440300" in _regions_drawn(at) and "420100" not in _regions_drawn(at)
    assert [s.value for s in at.subheader][:1] == ["广东省"]
    at.selectbox(key="region_zh_440000").set_value("440300").run()
    assert "440305" in _regions_drawn(at)  # 南山区: a county
    table = at.dataframe[0].value
    assert "南山区" in set(table["区县"])
    # Back to the province, then to the country.
    next(b for b in at.button if b.key == "map_back").click().run()
    assert "region" not in at.query_params
    back = next(b for b in at.button if b.key == "map_back_country")
    assert back.label == "← 返回全国"
    back.click().run()
    assert not at.exception and "province" not in at.query_params
    assert "440000" in _regions_drawn(at)


def test_a_map_link_into_a_prefecture_names_its_province(national_db):
    from dashboard.app.coverage import map_url

    class View:  # the fields map_url reads
        lang, as_of, last, window = "zh", AS_OF, AS_OF, 7

    url = map_url("440300", View())
    assert url == "map?province=440000&region=440300"
    assert map_url("440000", View()) == "map?province=440000"  # a province's row
    at = run_app("map", params={"province": "440000", "region": "440300"})
    assert at.selectbox(key="region_zh_440000").value == "440300"


def test_the_national_demo_covers_every_province_with_a_hub_each(national):
    from data_loaders.demo import build_demo

    frames = build_demo(seed=3, scale=0.2, province=NATIONAL)
    facilities, orgs = frames["facilities"], frames["organizations"]
    provinces = {a.adcode[:2] for a in load_registry().areas(NATIONAL)}
    assert set(facilities["region_adcode"].str[:2]) == provinces
    hubs = orgs[orgs["org_type"] == "hub"]
    assert set(hubs["prefecture_adcode"].dropna().str[:2]) == provinces
    assert len(hubs) == 32  # Hubei's two, one in each other province
    assert orgs["org_id"].is_unique and orgs["name"].is_unique  # each organisation once
    # Partners report to their province's hub (Hubei's to one of its two).
    partners = orgs[orgs["org_type"] == "partner"].merge(
        hubs[["org_id", "prefecture_adcode"]].rename(
            columns={"org_id": "hub_id", "prefecture_adcode": "hub_at"}), on="hub_id", how="left")
    outside = partners[partners["prefecture_adcode"].str[:2] != "42"]
    assert (outside["prefecture_adcode"].str[:2] == outside["hub_at"].str[:2]).all()
    # Funders give across provinces: one foundation's supplies land in several.
    deliveries = frames["deliveries"].merge(facilities[["facility_id", "region_adcode"]],
                                            on="facility_id")
    funders = set(orgs.loc[orgs["org_type"] == "foundation", "org_id"])
    reach = (deliveries[deliveries["supplier_id"].isin(funders)]
             .groupby("supplier_id")["region_adcode"].agg(lambda c: c.str[:2].nunique()))
    assert reach.max() >= 5
    assert deliveries["region_adcode"].str[:2].nunique() >= 25
    # Every place is written so that a national server reads it as the demo meant
    # (张家口市桥西区, not a bare 桥西区, which three cities have).
    registry = load_registry()
    where = facilities.drop_duplicates("county_adcode")
    read = [registry.resolve(text).adcode for text in where["region"]]
    assert read == list(where["county_adcode"])
    assert [text for text in where["region"] if not registry.candidates(text)]  # some written so
    # Hubei is the centre: most needs are there.
    needs = frames["needs"].merge(facilities[["facility_id", "region_adcode"]], on="facility_id")
    assert (needs["region_adcode"].str[:2] == "42").mean() > 0.3


def test_a_hostile_province_in_the_link_shows_the_country(national_db):
    for value in ("420000' OR '1'='1", "999999", "420100", ""):
        at = run_app("overview", params={"province": value, "region": "' OR 1=1 --"})
        assert at.selectbox(key="province_zh").value == NATIONAL
        assert "province" not in at.query_params and "region" not in at.query_params
