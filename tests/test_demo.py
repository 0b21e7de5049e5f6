"""Tests of the demo scenario generator (data_loaders.demo)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from data_loaders.demo import (
    CONFIRMED_BY_2020_03_31,
    DEMO_END,
    DEMO_START,
    build_demo,
    epidemic_curve,
)
from data_loaders.store.schema import DATE, ENUM, TABLES

HUBEI = "420000"
END = pd.Timestamp(DEMO_END)
START = pd.Timestamp(DEMO_START)


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return build_demo(seed=7, province=HUBEI)


@pytest.fixture(scope="module")
def registry():
    from geo.regions import load_registry

    return load_registry()


def _days(series: pd.Series) -> pd.Series:
    return series.dt.days


# -- shape of the output -------------------------------------------------------------
def test_same_seed_gives_identical_frames(demo):
    again = build_demo(seed=7, province=HUBEI)
    for name, frame in demo.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_other_seed_differs(demo):
    other = build_demo(seed=8, province=HUBEI)
    assert not other["needs"].equals(demo["needs"])
    assert not other["facilities"]["map_lat"].equals(demo["facilities"]["map_lat"])


def test_columns_match_schema(demo):
    assert set(demo) == set(TABLES)
    for name, table in TABLES.items():
        assert list(demo[name].columns) == table.column_names, name


def test_dtypes(demo):
    for name, table in TABLES.items():
        frame = demo[name]
        for col in table.columns:
            if col.kind == DATE:
                assert frame[col.name].dtype == "datetime64[s]", (name, col.name)
    assert demo["facilities"]["capacity"].dtype == "Int64"
    assert demo["facilities"]["designated"].dtype == "boolean"
    assert demo["activities"]["people_served"].dtype == "Int64"
    assert demo["activities"]["volunteers"].dtype == "Int64"
    assert demo["needs"]["quantity"].dtype == "float64"


def test_enum_values_are_canonical(demo):
    for name, table in TABLES.items():
        for col in table.columns:
            if col.kind == ENUM:
                values = set(demo[name][col.name].dropna())
                assert values <= set(col.values), (name, col.name, values - set(col.values))


def test_keys_unique_and_readable(demo):
    patterns = {"organizations": r"ORG-\d{4}", "facilities": r"FAC-\d{6}",
                "needs": r"NEED-\d{7}", "deliveries": r"DLV-\d{7}", "grants": r"GRT-\d{5}",
                "activities": r"ACT-\d{7}", "case_counts": r"\d{6}:2020-\d\d-\d\d",
                "pledges": r"PLG-\d{5}"}
    for name, table in TABLES.items():
        keys = demo[name][table.key]
        assert keys.notna().all() and keys.is_unique, name
        assert keys.str.fullmatch(patterns[name]).all(), name


def test_volumes_at_scale_one(demo):
    sizes = {name: len(frame) for name, frame in demo.items()}
    assert 100 <= sizes["organizations"] <= 130
    assert sizes["facilities"] >= 3000
    assert 10_000 <= sizes["needs"] <= 15_000
    assert 12_000 <= sizes["deliveries"] <= 18_000
    assert 250 <= sizes["grants"] <= 350
    assert 6_000 <= sizes["activities"] <= 10_000


def test_scale_multiplies_volumes():
    small = build_demo(seed=7, scale=0.25, province=HUBEI)
    assert 700 <= len(small["facilities"]) <= 1500
    assert len(small["needs"]) == 3125
    assert small["facilities"]["region_adcode"].nunique() == 17


# -- references ----------------------------------------------------------------------
def test_references_resolve(demo):
    for name, table in TABLES.items():
        for col in table.columns:
            if col.ref:
                target = demo[col.ref][TABLES[col.ref].key]
                values = demo[name][col.name].dropna()
                assert values.isin(target).all(), (name, col.name)


def test_delivery_matches_its_need(demo):
    d = demo["deliveries"].merge(demo["needs"], on="need_id", suffixes=("", "_need"))
    assert len(d) == demo["deliveries"]["need_id"].notna().sum()
    assert (d["facility_id"] == d["facility_id_need"]).all()
    assert (d["category"] == d["category_need"]).all()
    assert (d["item"] == d["item_need"]).all()
    assert (d["dispatched_on"].dropna() > d.loc[d["dispatched_on"].notna(), "reported_on"]).all()


def test_hub_ids_point_at_hubs(demo):
    orgs = demo["organizations"]
    hubs = orgs.loc[orgs["org_type"] == "hub", "org_id"]
    assert len(hubs) == 2
    partners = orgs[orgs["org_type"] == "partner"]
    assert partners["hub_id"].notna().all()
    assert orgs["hub_id"].dropna().isin(hubs).all()


def test_suppliers_and_carriers_have_the_right_types(demo):
    orgs = demo["organizations"].set_index("org_id")["org_type"]
    dl = demo["deliveries"]
    assert set(orgs[dl["supplier_id"]]) <= {"foundation", "company", "hub"}
    assert set(orgs[dl["carrier_id"]]) <= {"partner", "company"}
    funders = orgs[demo["grants"]["funder_id"]]
    assert set(funders) <= {"foundation", "company"}
    assert set(orgs[demo["grants"]["recipient_id"]]) <= {"hub", "partner"}


# -- dates ---------------------------------------------------------------------------
def test_need_dates(demo):
    needs = demo["needs"]
    closed = needs["closed_on"].notna()
    assert (closed == needs["status"].isin(["met", "cancelled"])).all()
    assert (needs.loc[closed, "closed_on"] >= needs.loc[closed, "reported_on"]).all()
    assert (needs["closed_on"].dropna() <= END).all()
    assert needs["reported_on"].between(START, END).all()
    assert (needs["status"] == "open").sum() > 0


def test_delivery_dates(demo):
    dl = demo["deliveries"]
    delivered = dl["status"] == "delivered"
    assert (delivered == dl["delivered_on"].notna()).all()
    both = dl["delivered_on"].notna()
    assert (dl.loc[both, "dispatched_on"] <= dl.loc[both, "delivered_on"]).all()
    assert (dl["delivered_on"].dropna() <= END).all()
    assert (dl["dispatched_on"].dropna() <= END).all()
    assert dl["expected_on"].notna().all()
    sent = dl["dispatched_on"].notna()
    assert (dl.loc[sent, "expected_on"] > dl.loc[sent, "dispatched_on"]).all()
    assert dl.loc[dl["status"] == "planned", "dispatched_on"].isna().all()
    assert dl.loc[dl["status"] == "in_transit", "dispatched_on"].notna().all()
    assert {"failed", "in_transit", "planned"} <= set(dl["status"])


def test_grant_dates_and_regions(demo, registry):
    g = demo["grants"]
    assert (g["end_on"] > g["start_on"]).all()
    assert g["start_on"].between(START, END).all()
    prefs = {p.adcode for p in registry.prefectures(HUBEI)}
    assert set(g["region_adcode"]) <= prefs
    assert (g["amount_cny"] > 0).all()


# -- geography -----------------------------------------------------------------------
def test_every_prefecture_has_facilities(demo, registry):
    prefs = {p.adcode for p in registry.prefectures(HUBEI)}
    assert len(prefs) == 17
    assert set(demo["facilities"]["region_adcode"]) == prefs
    shennongjia = (demo["facilities"]["region_adcode"] == "429021").sum()
    assert 3 <= shennongjia <= 20


def test_facility_county_is_in_its_prefecture(demo, registry):
    fac = demo["facilities"]
    for pref, group in fac.groupby("region_adcode"):
        counties = {c.adcode: c.name for c in registry.counties(pref)} or {
            pref: registry.get(pref).name}
        assert set(group["county_adcode"]) <= set(counties), pref
        assert (group["region"] == group["county_adcode"].map(counties)).all(), pref


def test_facility_points_inside_prefecture(demo):
    from geo.boundaries import prefecture_features

    shapes = {f["properties"]["adcode"]: shape(f["geometry"]).buffer(1e-4)
              for f in prefecture_features(HUBEI)["features"]}
    fac = demo["facilities"]
    assert fac[["map_lat", "map_lon", "lat", "lon"]].notna().all().all()
    for pref, group in fac.groupby("region_adcode"):
        inside = shapely.contains_xy(shapes[pref], group["map_lon"], group["map_lat"])
        assert inside.all(), (pref, int((~inside).sum()))


def test_declared_coordinates_convert_to_map_coordinates(demo):
    from geo.coords import BOUNDARY_SYSTEM, to_system

    fac = demo["facilities"]
    assert set(fac["coord_system"]) == {"gcj02", "wgs84"}
    assert 0.05 < (fac["coord_system"] == "wgs84").mean() < 0.3
    for system, group in fac.groupby("coord_system"):
        lat, lon = to_system(group["lat"].to_numpy(), group["lon"].to_numpy(), system,
                             BOUNDARY_SYSTEM)
        assert np.allclose(lat, group["map_lat"], atol=2e-6)
        assert np.allclose(lon, group["map_lon"], atol=2e-6)
    wgs = fac[fac["coord_system"] == "wgs84"]
    assert (wgs["lat"] != wgs["map_lat"]).all()  # a real offset, not a relabel


def test_facility_mix(demo):
    fac = demo["facilities"]
    counts = fac["facility_type"].value_counts()
    for kind in ("hospital", "community", "village", "quarantine_site", "warehouse",
                 "makeshift_hospital"):
        assert counts.get(kind, 0) > 0, kind
    makeshift = fac[fac["facility_type"] == "makeshift_hospital"]
    assert (makeshift["region_adcode"] == "420100").mean() > 0.5
    hospitals = fac[fac["facility_type"] == "hospital"]
    assert hospitals["designated"].notna().all() and hospitals["designated"].any()
    assert hospitals["capacity"].notna().all()
    assert fac.loc[fac["facility_type"] == "community", "designated"].isna().all()


def test_activity_regions_resolve_to_their_prefecture(demo, registry):
    acts = demo["activities"]
    sample = acts.drop_duplicates("region")
    for region, pref in zip(sample["region"], sample["region_adcode"], strict=True):
        found = registry.resolve(region)
        assert found is not None, region
        assert (found.prefecture or found.adcode) == pref, region


def test_outside_organisations_roll_up_to_a_prefecture(demo):
    orgs = demo["organizations"]
    beijing = orgs[orgs["region_adcode"] == "110000"]
    assert len(beijing) > 0
    assert (beijing["prefecture_adcode"] == "110100").all()
    assert (orgs["region_adcode"].str[:2] != "42").sum() >= 5


# -- the story -----------------------------------------------------------------------
def test_partners_silent_and_quiet(demo):
    orgs, acts, needs, dl = (demo[k] for k in ("organizations", "activities", "needs",
                                               "deliveries"))
    partners = orgs.loc[orgs["org_type"] == "partner", "org_id"]
    assert 80 <= len(partners) <= 100
    seen = set(acts["org_id"]) | set(needs["reported_by"].dropna()) | set(dl["carrier_id"])
    silent = set(partners) - seen
    assert 4 <= len(silent) <= 12
    last = acts[acts["org_id"].isin(partners)].groupby("org_id")["reported_on"].max()
    quiet = last[last < pd.Timestamp("2020-02-27")]
    assert 8 <= len(quiet) <= 22
    # Quiet partners stop everything: nothing is carried by them after mid-February.
    carried = dl[dl["carrier_id"].isin(quiet.index)]["dispatched_on"].dropna()
    assert (carried < pd.Timestamp("2020-02-26")).all()


def test_reporting_cadence_varies(demo):
    per_org = demo["activities"].groupby("org_id").size()
    assert per_org.max() > 5 * per_org.median() or per_org.quantile(0.9) > 3 * per_org.quantile(0.1)


def test_2020_mismatch(demo):
    fac = demo["facilities"][["facility_id", "facility_type"]]
    hospital_like = {"hospital", "makeshift_hospital"}
    dl = demo["deliveries"].merge(fac, on="facility_id")
    got = dl[dl["status"] == "delivered"]
    delivered_share = got.loc[got["facility_type"].isin(hospital_like), "quantity"].sum() / \
        got["quantity"].sum()
    needs = demo["needs"].merge(fac, on="facility_id")
    day = pd.Timestamp("2020-03-15")
    open_then = needs[(needs["reported_on"] <= day)
                      & (needs["closed_on"].isna() | (needs["closed_on"] > day))]
    open_share = open_then["facility_type"].isin(hospital_like).mean()
    assert delivered_share > open_share + 0.3
    community = needs[needs["facility_type"].isin({"community", "village"})]
    hospitals = needs[needs["facility_type"].isin(hospital_like)]
    assert (community["status"] == "open").mean() > (hospitals["status"] == "open").mean()
    # Community needs come later than hospital needs.
    assert community["reported_on"].median() > hospitals["reported_on"].median()


def test_deliveries_after_need_closed(demo):
    d = demo["deliveries"].merge(demo["needs"][["need_id", "closed_on"]], on="need_id")
    assert (d["delivered_on"] > d["closed_on"]).sum() > 50


def test_third_party_logistics_run_late(demo):
    orgs = demo["organizations"].set_index("org_id")["org_type"]
    dl = demo["deliveries"]
    third = dl[dl["carrier_id"].map(orgs) == "company"].dropna(subset=["delivered_on"])
    own = dl[dl["carrier_id"].map(orgs) == "partner"].dropna(subset=["delivered_on"])
    late_third = (_days(third["delivered_on"] - third["expected_on"]) >= 2).mean()
    late_own = (_days(own["delivered_on"] - own["expected_on"]) >= 2).mean()
    assert late_third > 0.5 and late_own < 0.25


def test_need_priorities_and_items(demo):
    needs = demo["needs"]
    share = needs["priority"].value_counts(normalize=True)
    assert abs(share["urgent"] - 0.2) < 0.06 and abs(share["normal"] - 0.5) < 0.08
    assert {"N95口罩", "医用防护服", "蔬菜包", "降压药", "网课设备"} <= set(needs["item"])
    assert needs["quantity"].gt(0).all() and needs["unit"].notna().all()
    assert set(needs.loc[needs["category"] == "education", "beneficiary_group"]) == {"children"}


def test_names_are_generic(demo):
    names = pd.concat([demo["organizations"]["name"], demo["facilities"]["name"]])
    assert not names.str.contains(r"\d{5,}").any()  # no phone numbers
    assert demo["organizations"]["name"].is_unique
    for real in ("红十字", "壹基金", "慈善总会", "顺丰", "京东", "协和", "同济"):
        assert not names.str.contains(real).any(), real


# -- the epidemic curve --------------------------------------------------------------
def test_epidemic_curve_matches_official_totals():
    curve = epidemic_curve(HUBEI)
    totals = curve.groupby("region_adcode")["new_cases"].sum()
    assert totals.to_dict() == CONFIRMED_BY_2020_03_31
    assert totals.sum() == 67_801  # Hubei's cumulative confirmed count on 2020-03-31
    assert (curve["new_cases"] >= 0).all()
    assert curve["date"].min() == START and curve["date"].max() == END
    wuhan = curve[curve["region_adcode"] == "420100"].set_index("date")["new_cases"]
    assert wuhan.idxmax().month == 2
    last = curve.groupby("region_adcode")["cumulative"].last()
    assert (last == totals).all()


def test_needs_follow_the_curve(demo):
    needs = demo["needs"].merge(demo["facilities"][["facility_id", "region_adcode"]],
                                on="facility_id")
    share = needs["region_adcode"].value_counts(normalize=True)
    assert share.idxmax() == "420100"
    assert share["420100"] > share["420900"] > share["429021"]
    weekly = needs.set_index("reported_on").resample("W").size()
    assert weekly.idxmax() < pd.Timestamp("2020-03-01")


def test_silent_partners_never_report_activities(demo):
    orgs = demo["organizations"]
    acts = demo["activities"]
    assert set(orgs.set_index("org_id").loc[acts["org_id"].unique(), "org_type"]) <= {
        "partner", "volunteer_team", "hub"}
    assert (acts["people_served"].dropna() > 0).all()
    assert acts["reported_on"].between(START, END).all()
