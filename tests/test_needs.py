"""Unmet-needs analytics on a tiny scenario whose answers were worked out by hand.

D = 2020-02-15, W = 7 (window 02-09..02-15). Wuhan 420100 holds H1 (hospital) and C1
(community); Xiaogan 420900 holds V1 (village).

Open at D: N1, N2 (H1), N4, N6 (V1). N3 closed on D (not open); N5 closed 02-05.

| need | requested | delivered | in transit | unmet | days open |
|------|-----------|-----------|------------|-------|-----------|
| N1   | 1000      | 400 (D1)  | 300 (D2, arrives 02-17, after D) | 600 | 5 |
| N2   | 200       | 0 (D3: dated 02-06, before N2's 02-12) | 140 (D8 80 + D9 60) | 200 | 3 |
| N4   | 300       | 120 (D5, no need_id, matched) | 100 (D4) | 180 | 1 |
| N6   | unknown   | 0         | 0          | unknown | 2 |

D6 arrived 02-10 for N5, closed 02-05: late by 5 days. D7 arrived on the day N3 closed:
not late.
"""

from __future__ import annotations

import json
import math
from datetime import date
from io import StringIO

import pandas as pd
import pytest

from dashboard.analytics import needs
from dashboard.analytics.metrics import Scope
from dashboard.i18n import t
from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from geo.regions import load_registry
from tests.conftest import BOTH, analytics

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

D = date(2020, 2, 15)
WUHAN, XIAOGAN = "420100", "420900"

FACILITIES = """facility_id,name,facility_type,region,lat,lon
H1,江汉医院,hospital,江汉区,30.58,114.27
C1,幸福社区,community,武汉市,30.60,114.25
V1,王家湾村,village,汉川,30.66,113.83
"""
ORGANIZATIONS = """org_id,name,org_type,region,hub_id
P1,伙伴一,partner,武汉,
L1,快运,company,上海,
"""
NEEDS = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,priority,"
         "beneficiary_group,status,closed_on\n") + """\
N1,H1,P1,2020-02-10,ppe,口罩,1000,只,urgent,medical_staff,open,
N2,H1,P1,2020-02-12,medicine,药,200,盒,high,patients,open,
N3,C1,P1,2020-02-08,food,米,100,袋,normal,elderly,met,2020-02-15
N4,V1,P1,2020-02-14,food,面,300,袋,urgent,elderly,open,
N5,C1,P1,2020-02-01,daily_necessities,毛巾,30,条,normal,elderly,met,2020-02-05
N6,V1,P1,2020-02-13,ppe,手套,,,normal,general,open,
"""
DELIVERIES = ("delivery_id,need_id,facility_id,supplier_id,carrier_id,category,item,quantity,"
              "unit,dispatched_on,expected_on,delivered_on,status\n") + """\
D1,N1,H1,,L1,ppe,口罩,400,只,2020-02-10,2020-02-11,2020-02-11,delivered
D2,N1,H1,,L1,ppe,口罩,300,只,2020-02-14,2020-02-15,2020-02-17,delivered
D3,N2,H1,,P1,medicine,药,50,盒,2020-02-05,2020-02-06,2020-02-06,delivered
D4,N4,V1,,P1,food,面,100,袋,2020-02-14,2020-02-16,,in_transit
D5,,V1,,L1,food,面,120,袋,2020-02-14,2020-02-14,2020-02-15,delivered
D6,N5,C1,,L1,daily_necessities,毛巾,30,条,2020-02-08,2020-02-09,2020-02-10,delivered
D7,N3,C1,,P1,food,米,100,袋,2020-02-13,2020-02-15,2020-02-15,delivered
D8,N2,H1,,P1,medicine,药,80,盒,,2020-02-20,,planned
D9,,H1,,L1,medicine,药,60,盒,2020-02-13,2020-02-14,,in_transit
"""


def load(con) -> None:
    files = [SourceFile(name, text.encode("utf-8")) for name, text in (
        ("facilities.csv", FACILITIES), ("organizations.csv", ORGANIZATIONS),
        ("needs.csv", NEEDS), ("deliveries.csv", DELIVERIES))]
    report = import_files(con, files)
    assert report.ok, report.problems


@pytest.fixture
def needs_db(db):
    load(db)
    return analytics(db)


SCOPE = Scope(D, 7)


def test_links(needs_db):
    links = needs.linked_deliveries(needs_db, SCOPE)
    got = {r.delivery_id: (r.need_id, r.link_rule) for r in links.itertuples()}
    assert got == {
        "D1": ("N1", "explicit"), "D2": ("N1", "explicit"), "D4": ("N4", "explicit"),
        "D5": ("N4", "matched"), "D6": ("N5", "explicit"), "D7": ("N3", "explicit"),
        "D8": ("N2", "explicit"), "D9": ("N2", "matched"),
    }  # D3 is dated before N2 was reported: linked to nothing


def test_matching_prefers_the_earliest_open_need(db):
    extra = NEEDS + "N7,V1,P1,2020-02-13,food,面,50,袋,normal,elderly,open,\n"
    files = [SourceFile(name, text.encode("utf-8")) for name, text in (
        ("facilities.csv", FACILITIES), ("organizations.csv", ORGANIZATIONS),
        ("needs.csv", extra), ("deliveries.csv", DELIVERIES))]
    assert import_files(db, files).ok
    links = needs.linked_deliveries(analytics(db), SCOPE).set_index("delivery_id")
    assert links.loc["D5", "need_id"] == "N7"  # reported 02-13, before N4 (02-14)


def test_needs_at(needs_db):
    frame = needs.needs_at(needs_db, SCOPE)
    assert list(frame["need_id"]) == ["N1", "N4", "N2", "N6"]  # urgent first, oldest first
    rows = frame.set_index("need_id")
    assert rows.loc["N1", ["requested", "delivered", "in_transit", "unmet", "days_open"]].tolist() \
        == [1000, 400, 300, 600, 5]
    assert rows.loc["N2", ["requested", "delivered", "in_transit", "unmet", "days_open"]].tolist() \
        == [200, 0, 140, 200, 3]
    assert rows.loc["N4", ["requested", "delivered", "in_transit", "unmet", "days_open"]].tolist() \
        == [300, 120, 100, 180, 1]
    assert math.isnan(rows.loc["N6", "requested"]) and math.isnan(rows.loc["N6", "unmet"])
    assert rows.loc["N6", "days_open"] == 2
    assert rows.loc["N1", "region_adcode"] == WUHAN and rows.loc["N4", "region_adcode"] == XIAOGAN
    assert "N3" not in rows.index  # closed on D


def test_needs_at_filters(needs_db):
    assert set(needs.needs_at(needs_db, SCOPE, region=XIAOGAN)["need_id"]) == {"N4", "N6"}
    assert set(needs.needs_at(needs_db, SCOPE, category="ppe")["need_id"]) == {"N1", "N6"}


def test_after_d_the_late_arrival_counts(needs_db):
    rows = needs.needs_at(needs_db, Scope(date(2020, 2, 17), 7)).set_index("need_id")
    assert rows.loc["N1", "delivered"] == 700 and rows.loc["N1", "in_transit"] == 0


def test_needs_by_counts_needs_and_never_adds_quantities(needs_db):
    # Uncovered shares (max(unmet − in transit, 0) ÷ requested): N1 300/1000 = 0.3,
    # N2 60/200 = 0.3, N4 80/300, N6 (no quantity, nothing moving) one whole need = 1.
    region = needs.needs_by(needs_db, SCOPE, "region_adcode").set_index("region_adcode")
    assert list(region.index) == [XIAOGAN, WUHAN]  # 1.27 uncovered before 0.6
    assert region.loc[WUHAN, ["open_needs", "urgent_needs", "quantified_needs",
                              "unquantified_needs"]].tolist() == [2, 1, 2, 0]
    assert region.loc[WUHAN, "uncovered_needs"] == pytest.approx(0.6)
    assert region.loc[WUHAN, "uncovered_share"] == pytest.approx(0.3)
    assert region.loc[XIAOGAN, ["open_needs", "quantified_needs", "unquantified_needs"]].tolist() \
        == [2, 1, 1]
    assert region.loc[XIAOGAN, "uncovered_needs"] == pytest.approx(80 / 300 + 1)
    for column in ("requested", "delivered", "in_transit", "unmet"):
        assert column not in region.columns  # 只, 盒 and 袋 are never one number
    category = needs.needs_by(needs_db, SCOPE, "category").set_index("category")
    assert category.loc["ppe", ["open_needs", "unquantified_needs"]].tolist() == [2, 1]
    assert category.loc["ppe", "uncovered_needs"] == pytest.approx(1.3)
    assert category.loc["medicine", "uncovered_share"] == pytest.approx(0.3)
    with pytest.raises(ValueError):
        needs.needs_by(needs_db, SCOPE, "facility_id")


def test_quantities_are_totalled_per_item_and_unit(needs_db):
    frame = needs.quantities_by_item(needs_db, SCOPE)
    got = {(r.category, r.item, r.unit): (r.open_needs, r.requested, r.delivered, r.in_transit,
                                          r.unmet, r.remaining) for r in frame.itertuples()}
    assert got == {("ppe", "口罩", "只"): (1, 1000, 400, 300, 600, 300),
                   ("medicine", "药", "盒"): (1, 200, 0, 140, 200, 60),
                   ("food", "面", "袋"): (1, 300, 120, 100, 180, 80)}  # N6 gave no quantity


def test_ageing_and_time_to_fulfil(needs_db):
    ageing = needs.ageing(needs_db, SCOPE)
    assert ageing.values.tolist() == [[1, 1], [2, 1], [3, 1], [5, 1]]  # days open, needs
    fulfil = needs.time_to_fulfil(needs_db, SCOPE)
    assert fulfil[["region_adcode", "category", "needs_met", "median_days"]].values.tolist() == [
        [WUHAN, "daily_necessities", 1, 4.0], [WUHAN, "food", 1, 7.0]]
    # On 02-14 N3 is not yet met.
    assert len(needs.time_to_fulfil(needs_db, Scope(date(2020, 2, 14), 7))) == 1


def test_gap_ranking(needs_db):
    # need score = weight × uncovered share × (1 + ln(1 + days open)).
    n1 = 3 * 300 / 1000 * (1 + math.log(6))
    n2 = 2 * 60 / 200 * (1 + math.log(4))
    n4 = 3 * 80 / 300 * (1 + math.log(2))
    n6 = 1 * 1 * (1 + math.log(3))
    fac = needs.gap_ranking(needs_db, SCOPE, "facility")
    # H1 2.51 + 1.43 = 3.94 before V1 1.35 + 2.10 = 3.45.
    assert list(fac["facility_id"]) == ["H1", "V1"] and list(fac["rank"]) == [1, 2]
    assert fac["score"].tolist() == pytest.approx([n1 + n2, n4 + n6])
    reg = needs.gap_ranking(needs_db, SCOPE, "region").set_index("region_adcode")
    pops = {r.adcode: r.population for r in load_registry().prefectures()}
    assert reg.loc[WUHAN, "score_total"] == pytest.approx(n1 + n2)
    assert reg.loc[XIAOGAN, "score"] == pytest.approx((n4 + n6) * 1e6 / pops[XIAOGAN])
    assert reg.loc[XIAOGAN, "uncovered_needs"] == pytest.approx(80 / 300 + 1)
    assert "unmet" not in reg.columns  # no sum of quantities across units
    assert "(1 + ln(1 + days open))" in t("needs.gap.formula", "en")
    # One pass gives both rankings; a limit keeps the first facilities with their ranks.
    regions, first = needs.gap_rankings(needs_db, SCOPE, limit=1)
    assert regions.equals(needs.gap_ranking(needs_db, SCOPE, "region"))
    assert first.values.tolist() == fac.head(1).values.tolist()
    assert needs.gap_ranking(needs_db, SCOPE, "facility", region=XIAOGAN)["facility_id"].tolist() == ["V1"]


def test_gap_ties_break_by_open_needs_whatever_the_last_bits(db):
    """Two facilities whose scores are equal in exact arithmetic tie, though floating
    point makes 0.3 + 0.6 = 0.8999999999999999 < 0.9: the facility with more open needs
    ranks first, as the stated keys say, on every run."""
    files = [SourceFile(name, text.encode("utf-8")) for name, text in (
        ("facilities.csv", FACILITIES), ("organizations.csv", ORGANIZATIONS),
        ("needs.csv", TIE_NEEDS), ("deliveries.csv", TIE_DELIVERIES))]
    assert import_files(db, files).ok
    db = analytics(db)
    fac = needs.gap_ranking(db, SCOPE, "facility")
    # Reported on D (age factor 1), normal (weight 1): H1 0.3 + 0.6, V1 0.9.
    assert fac["score"].tolist() == pytest.approx([0.9, 0.9])
    assert fac[["facility_id", "open_needs"]].values.tolist() == [["H1", 2], ["V1", 1]]


TIE_NEEDS = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,priority,"
             "beneficiary_group,status,closed_on\n") + """\
T1,H1,P1,2020-02-15,food,米,10,袋,normal,elderly,open,
T2,H1,P1,2020-02-15,food,面,10,袋,normal,elderly,open,
T3,V1,P1,2020-02-15,food,米,10,袋,normal,elderly,open,
"""
TIE_DELIVERIES = ("delivery_id,need_id,facility_id,supplier_id,carrier_id,category,item,quantity,"
                  "unit,dispatched_on,expected_on,delivered_on,status\n") + """\
Y1,T1,H1,,P1,food,米,7,袋,2020-02-15,2020-02-15,2020-02-15,delivered
Y2,T2,H1,,P1,food,面,4,袋,2020-02-15,2020-02-15,2020-02-15,delivered
Y3,T3,V1,,P1,food,米,1,袋,2020-02-15,2020-02-15,2020-02-15,delivered
"""


NEW_NEEDS = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,priority,"
             "beneficiary_group,status,closed_on\n") + """\
A,H1,P1,2020-02-15,ppe,防护服,100,套,urgent,medical_staff,open,
B,H1,P1,2020-02-13,food,米,,,normal,elderly,open,
C1,V1,P1,2020-02-14,ppe,口罩,100,只,high,general,open,
C2,V1,P1,2020-02-14,ppe,口罩,10,箱,high,general,open,
E,V1,P1,2020-02-05,medicine,药,50,盒,normal,patients,open,
"""
NEW_DELIVERIES = ("delivery_id,need_id,facility_id,supplier_id,carrier_id,category,item,quantity,"
                  "unit,dispatched_on,expected_on,delivered_on,status\n") + """\
X1,E,V1,,P1,medicine,药,25,盒,2020-02-06,2020-02-07,2020-02-07,delivered
"""


def test_gap_score_of_new_unquantified_two_unit_and_old_needs(db):
    """A reported on D (0 days: age factor 1, not 0); B without a quantity (one whole
    need); C1 and C2 one item in two units; E open 10 days, half delivered."""
    files = [SourceFile(name, text.encode("utf-8")) for name, text in (
        ("facilities.csv", FACILITIES), ("organizations.csv", ORGANIZATIONS),
        ("needs.csv", NEW_NEEDS), ("deliveries.csv", NEW_DELIVERIES))]
    assert import_files(db, files).ok
    db = analytics(db)
    frame = needs.needs_at(db, SCOPE).set_index("need_id")
    scores = frame["gap_score"]
    assert scores["A"] == pytest.approx(3.0)                         # 3 × 1 × (1 + ln 1)
    assert scores["B"] == pytest.approx(1 + math.log(3))             # 1 × 1 × (1 + ln 3)
    assert scores["C1"] == scores["C2"] == pytest.approx(2 * (1 + math.log(2)))
    assert scores["E"] == pytest.approx(0.5 * (1 + math.log(11)))    # 25 of 50 delivered
    assert math.isnan(frame.loc["B", "unmet"])  # unknown, shown as a whole need, never 0
    reg = needs.gap_ranking(db, SCOPE, "region").set_index("region_adcode")
    assert reg.loc[WUHAN, "score_total"] == pytest.approx(3 + 1 + math.log(3))
    assert reg.loc[XIAOGAN, "score_total"] == pytest.approx(
        4 * (1 + math.log(2)) + 0.5 * (1 + math.log(11)))
    assert reg.loc[WUHAN, "uncovered_needs"] == 2.0  # A and B, whole
    quantities = needs.quantities_by_item(db, SCOPE).set_index(["item", "unit"])
    assert quantities.loc[("口罩", "只"), "requested"] == 100
    assert quantities.loc[("口罩", "箱"), "requested"] == 10  # never 110
    assert ("米", "") not in quantities.index  # B gave no quantity


def test_late_deliveries(needs_db):
    late = needs.late_deliveries(needs_db, SCOPE)
    assert late[["delivery_id", "need_id", "days_late"]].values.tolist() == [["D6", "N5", 5]]


def test_late_deliveries_first_rows_and_count(demo_db_path):
    # The page reads a screenful and the count, not every late delivery: the first rows
    # are the full list's first rows, and the count is its length.
    from data_loaders import store

    con = store.connect(demo_db_path, read_only=True)
    scope = Scope(date(2020, 3, 10), 7)
    full = needs.late_deliveries(con, scope)
    assert len(full) > 5
    first = needs.late_deliveries(con, scope, limit=5)
    assert first.equals(full.head(5))
    shown = needs.late_deliveries_shown(con, scope, limit=5)
    assert shown["rows"].equals(first) and shown["total"] == len(full)
    wuhan = needs.late_deliveries(con, scope, region="420100")
    shown = needs.late_deliveries_shown(con, scope, region="420100", limit=5)
    assert shown["total"] == len(wuhan) < len(full)
    assert shown["rows"].equals(wuhan.head(5))
    assert needs.late_deliveries(con, scope, limit=0).empty
    con.close()


def test_mismatch_over_time(needs_db):
    frame = needs.mismatch_over_time(needs_db, SCOPE).set_index("day")
    assert len(frame) == 15  # 02-01 .. 02-15
    at_d = frame.loc[D]
    # Deliveries counted, not quantities (只, 袋 and 条 cannot be added): D1, D5, D6, D7
    # were delivered in 02-09..02-15, D1 of them to a hospital.
    assert at_d["delivered"] == 4 and at_d["hospital_delivered"] == 1
    assert at_d["hospital_delivered_share"] == pytest.approx(1 / 4)
    assert at_d["community_open_share"] == pytest.approx(0.5)  # N4, N6 of N1, N2, N4, N6
    feb10 = frame.loc[date(2020, 2, 10)]
    assert feb10["hospital_delivered_share"] == pytest.approx(1 / 2)  # D3 (H1) and D6 (C1)
    assert feb10["community_open_share"] == pytest.approx(0.5)  # N1 and N3
    assert math.isnan(frame.loc[date(2020, 2, 1), "hospital_delivered_share"])


def test_logistics(needs_db):
    frame = needs.logistics(needs_db, SCOPE).set_index("carrier_id")
    assert frame.loc["L1", ["in_transit", "planned", "overdue"]].tolist() == [2, 0, 1]  # D2, D9; D9
    assert frame.loc["L1", "on_time_rate"] == pytest.approx(1 / 3)  # D1 of D1, D5, D6
    assert frame.loc["P1", ["in_transit", "planned", "overdue"]].tolist() == [1, 1, 0]  # D4; D8
    assert frame.loc["P1", "on_time_rate"] == 1.0  # D3, D7
    delays = needs.delay_distribution(needs_db, SCOPE)
    assert dict(zip(delays["delivery_id"], delays["delay_days"])) == {
        "D1": 0, "D3": 0, "D5": 1, "D6": 1, "D7": 0}
    counts = needs.delay_counts(needs_db, SCOPE)  # what the chart draws: the same, counted
    assert counts.values.tolist() == [[0, 3], [1, 2]]


def test_projection(needs_db):
    frame = needs.projection(needs_db, SCOPE).set_index(["region_adcode", "category", "item", "unit"])
    ppe = frame.loc[(WUHAN, "ppe", "口罩", "只")]
    assert ppe["remaining"] == 300 and ppe["rate_per_day"] == pytest.approx(400 / 7)
    assert ppe["days"] == pytest.approx(5.25)
    medicine = frame.loc[(WUHAN, "medicine", "药", "盒")]
    assert medicine["remaining"] == 60 and medicine["days"] is None  # nothing delivered
    food = frame.loc[(XIAOGAN, "food", "面", "袋")]
    assert food["remaining"] == 80 and food["days"] == pytest.approx(80 * 7 / 120)
    assert len(frame) == 3  # N6 gave no quantity: no projection; N3 closed on D


def test_export_needs(needs_db):
    text = needs.export_needs(needs_db, D, fmt="csv")
    frame = pd.read_csv(StringIO(text), dtype={"region_adcode": str})
    for column in ("need_id", "facility_id", "region_adcode", "category", "item", "requested",
                   "delivered", "in_transit", "unmet", "days_open", "priority"):
        assert column in frame.columns
    assert list(frame["need_id"]) == ["N1", "N4", "N2", "N6"]
    assert frame.set_index("need_id").loc["N1", "unmet"] == 600
    records = json.loads(needs.export_needs(needs_db, D, fmt="json"))
    by_id = {r["need_id"]: r for r in records}
    assert by_id["N4"]["delivered"] == 120 and by_id["N6"]["unmet"] is None
    assert by_id["N1"]["reported_on"] == "2020-02-10"


def test_export_neutralises_formulas(db):
    load(db)
    n1 = analytics(db).execute("SELECT * FROM needs WHERE need_id = 'N1'").df()
    store.write(db, {"needs": n1.assign(item="=HYPERLINK(1)")})
    text = needs.export_needs(analytics(db), D)
    assert "'=HYPERLINK(1)" in text


def test_empty_store(db):
    db = analytics(db)
    assert needs.needs_at(db, SCOPE).empty
    assert needs.needs_by(db, SCOPE, "category").empty
    assert needs.projection(db, SCOPE).empty
    assert needs.mismatch_over_time(db, SCOPE).empty
    assert needs.gap_ranking(db, SCOPE, "region").empty
    assert needs.export_needs(db, D).startswith("need_id,")


def test_counting_a_frame_of_open_needs_equals_counting_the_store(needs_db):
    """A page that holds the open needs counts them with the same statements as the store
    (the frame stands for ``scored``): every aggregate is equal, for the province and for
    one region, and a region's frame filtered again changes nothing."""
    for region in (None, WUHAN, XIAOGAN):
        frame = needs.needs_at(needs_db, SCOPE, region)
        assert needs.open_summary(needs_db, SCOPE, region) == needs.open_summary(
            needs_db, SCOPE, region, frame=frame)
        pairs = [(needs.needs_by, (dim,)) for dim in needs.DIMENSIONS] + [
            (needs.quantities_by_item, ()), (needs.ageing, ()), (needs.projection, ())]
        for function, args in pairs:
            pd.testing.assert_frame_equal(function(needs_db, SCOPE, *args, region=region),
                                          function(needs_db, SCOPE, *args, region=region, frame=frame))
        for level in ("region", "facility"):
            pd.testing.assert_frame_equal(
                needs.gap_ranking(needs_db, SCOPE, level, region),
                needs.gap_ranking(needs_db, SCOPE, level, region, frame=frame))
    summary = needs.open_summary(needs_db, SCOPE)
    # N1, N2, N4, N6 open at D; N1 and N4 urgent; N6 without a quantity.
    assert (summary["open"], summary["urgent"], summary["unquantified"]) == (4, 2, 1)
