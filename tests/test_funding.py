"""Funding flows and duplicated donations on a tiny scenario worked out by hand.

D = 2020-02-15. Wuhan 420100 holds H1 (hospital) and C1 (community); Xiaogan 420900
holds H2 (hospital). Suppliers S1 甲公司, S2 乙公司, S3 丙公司 (sorted by code point:
丙 < 乙 < 甲).

Overlaps, days=7 (chain: next delivery of the same facility, item and unit at most 7
days after the previous one), window 28 days (01-19..02-15: every delivery up to D):

| facility·item·unit | deliveries (date, supplier, quantity)            | overlap?                  |
|--------------------|---------------------------------------------------|---------------------------|
| H1 口罩 只          | X1 02-01 S1 100, X2 02-04 S2 50 (X7 S3 failed)    | yes: 150, 50 on top       |
| H1 口罩 箱          | X13 02-03 S3 2                                    | no: one supplier; not 只   |
| H1 药 盒            | X3 02-05 S1, X4 02-07 S1                          | no: one supplier          |
| H2 口罩 / 手套      | X5 02-01 S1 口罩, X6 02-11 S2 手套                | no: different items       |
| H2 药 盒            | X8 02-14 S1 5, X9 dated 02-16 (after D) S2 6      | yes at 02-20: 11, 5 on top |
| C1 米 袋            | X10 02-01 S1 10, X11 02-06 S2 4, X12 02-11 S3 5   | yes, one chain: 19, 9 on top |

"On top" = the total − what the largest supplier sent (S1's 100 只, S1's 10 袋).
Ranked by the quantity on top: H1 (50) before C1 (9). With the window of 14 days
(02-02..02-15) X1 and X10 fall out: H1 is no overlap, C1 is X11 + X12 (9, 4 on top);
with 7 days (02-09..02-15) none is left.

Grants at D (start_on <= D or empty; region = grant's, else recipient's prefecture):
G1 F1→R1 100,000 ppe 武汉 + G2 F1→R1 50,000 ppe (R1 is in Wuhan) = 150,000 in 420100;
G3 F2→R2 40,000 food (no start; R2 in 汉川 → 420900); G5 F2→R1 20,000 food 孝感 →
420900 (the grant's region wins); G4 starts 02-20 (after D); G6 is in 长沙 (not Hubei).
Per 10,000 residents: 420100 150,000 × 10,000 / 12,326,518 = 121.689;
420900 60,000 × 10,000 / 4,270,371 = 140.503. Open needs: 2 in 420100, 1 in 420900.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pandas as pd
import pytest

from dashboard.analytics import funding
from dashboard.analytics.metrics import Scope
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import BOTH, analytics

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

D = date(2020, 2, 15)
WUHAN, XIAOGAN = "420100", "420900"
SCOPE = Scope(D, 7)

FACILITIES = """facility_id,name,facility_type,region,lat,lon
H1,江汉医院,hospital,江汉区,30.58,114.27
C1,幸福社区,community,武汉市,30.60,114.25
H2,汉川医院,hospital,汉川,30.66,113.83
"""
ORGANIZATIONS = """org_id,name,org_type,region,hub_id
S1,甲公司,company,武汉,
S2,乙公司,company,武汉,
S3,丙公司,company,武汉,
F1,基金会一,foundation,北京,
F2,企业二,company,上海,
R1,伙伴一,partner,武汉,
R2,伙伴二,partner,汉川,
"""
NEEDS = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,priority,"
         "beneficiary_group,status,closed_on\n") + """\
N1,H1,R1,2020-02-10,ppe,口罩,1000,只,urgent,medical_staff,open,
N2,C1,R1,2020-02-12,food,米,20,袋,high,elderly,open,
N3,H2,R2,2020-02-13,medicine,药,50,盒,normal,patients,open,
"""
DELIVERIES = ("delivery_id,need_id,facility_id,supplier_id,carrier_id,category,item,quantity,"
              "unit,dispatched_on,expected_on,delivered_on,status\n") + """\
X1,,H1,S1,,ppe,口罩,100,只,2020-01-31,2020-02-01,2020-02-01,delivered
X2,,H1,S2,,ppe,口罩,50,只,2020-02-03,2020-02-04,2020-02-04,delivered
X7,,H1,S3,,ppe,口罩,70,只,2020-02-02,2020-02-03,,failed
X3,,H1,S1,,medicine,药,10,盒,,,2020-02-05,delivered
X4,,H1,S1,,medicine,药,20,盒,,,2020-02-07,delivered
X5,,H2,S1,,ppe,口罩,200,只,,,2020-02-01,delivered
X6,,H2,S2,,ppe,手套,300,副,,,2020-02-11,delivered
X8,,H2,S1,,medicine,药,5,盒,,,2020-02-14,delivered
X9,,H2,S2,,medicine,药,6,盒,2020-02-16,2020-02-17,,planned
X10,,C1,S1,,food,米,10,袋,,,2020-02-01,delivered
X11,,C1,S2,,food,米,4,袋,2020-02-06,2020-02-08,,in_transit
X12,,C1,S3,,food,米,5,袋,,2020-02-11,,planned
X13,,H1,S3,,ppe,口罩,2,箱,,,2020-02-03,delivered
"""
GRANTS = "grant_id,funder_id,recipient_id,amount_cny,category,region,start_on,end_on\n" + """\
G1,F1,R1,100000,ppe,武汉市,2020-02-01,2020-03-01
G2,F1,R1,50000,ppe,,2020-02-10,
G3,F2,R2,40000,food,,,
G4,F1,R2,30000,medicine,孝感市,2020-02-20,
G5,F2,R1,20000,food,孝感市,2020-02-14,2020-02-14
G6,F2,R1,10000,food,长沙市,2020-02-01,
"""


def load(con) -> None:
    files = [SourceFile(name, text.encode("utf-8")) for name, text in (
        ("facilities.csv", FACILITIES), ("organizations.csv", ORGANIZATIONS),
        ("needs.csv", NEEDS), ("deliveries.csv", DELIVERIES), ("grants.csv", GRANTS))]
    report = import_files(con, files)
    assert report.ok, report.problems


@pytest.fixture
def fdb(db):
    load(db)
    return analytics(db)


WIDE = Scope(D, 28)  # a window reaching back to every delivery of the scenario


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [(r.facility_id, r.category, r.item, r.unit, r.suppliers, r.n_suppliers, r.n_deliveries,
             r.total_quantity, r.duplicated_quantity, r.first_date.isoformat(),
             r.last_date.isoformat()) for r in frame.itertuples()]


H1_ROW = ("H1", "ppe", "口罩", "只", "乙公司、甲公司", 2, 2, 150.0, 50.0, "2020-02-01", "2020-02-04")
C1_ROW = ("C1", "food", "米", "袋", "丙公司、乙公司、甲公司", 3, 3, 19.0, 9.0, "2020-02-01",
          "2020-02-11")


def test_overlaps_seven_days_ranked_by_the_quantity_on_top(fdb):
    frame = funding.overlaps(fdb, WIDE)
    assert list(frame.columns) == funding.OVERLAP_COLUMNS
    assert _rows(frame) == [H1_ROW, C1_ROW]  # 50 只 on top before 9 袋
    h1 = frame.set_index("facility_id").loc["H1"]
    assert h1["facility_name"] == "江汉医院" and h1["region_adcode"] == WUHAN


def test_overlaps_are_limited_to_the_window(fdb):
    assert _rows(funding.overlaps(fdb, Scope(D, 14))) == [
        ("C1", "food", "米", "袋", "丙公司、乙公司", 2, 2, 9.0, 4.0, "2020-02-06", "2020-02-11")]
    assert funding.overlaps(fdb, Scope(D, 7)).empty


def test_overlaps_compare_one_item_in_one_unit(fdb):
    # 14 days would join H2's 10-day gap, but 口罩 and 手套 are different supplies; and
    # H1's 2 箱 of 口罩 are neither added to its 150 只 nor an overlap on their own.
    assert _rows(funding.overlaps(fdb, WIDE, days=14)) == [H1_ROW, C1_ROW]
    assert funding.overlaps(fdb, WIDE, days=14, region=XIAOGAN).empty


def test_overlaps_boundaries(fdb):
    # A gap of exactly ``days`` still chains: C1's 5-day gaps join from days=5.
    assert list(funding.overlaps(fdb, WIDE, days=5)["facility_id"]) == ["H1", "C1"]
    assert list(funding.overlaps(fdb, WIDE, days=4)["facility_id"]) == ["H1"]
    assert list(funding.overlaps(fdb, WIDE, days=3)["facility_id"]) == ["H1"]
    assert list(funding.overlaps(fdb, WIDE, days=2)["facility_id"]) == []


def test_overlaps_ignore_later_deliveries_until_their_date(fdb):
    later = funding.overlaps(fdb, Scope(date(2020, 2, 20), 28))
    h2 = later[later["facility_id"] == "H2"]
    assert _rows(h2) == [("H2", "medicine", "药", "盒", "乙公司、甲公司", 2, 2, 11.0, 5.0,
                          "2020-02-14", "2020-02-16")]


def test_overlaps_empty_store(db):
    frame = funding.overlaps(analytics(db), SCOPE)
    assert frame.empty and list(frame.columns) == funding.OVERLAP_COLUMNS


def test_export_overlaps(fdb):
    text = funding.export_overlaps(fdb, D, window=28)
    frame = pd.read_csv(StringIO(text), dtype=str)
    assert list(frame.columns) == funding.OVERLAP_COLUMNS
    assert list(frame["facility_id"]) == ["H1", "C1"]
    assert frame.loc[0, "first_date"] == "2020-02-01" and frame.loc[0, "duplicated_quantity"] == "50.0"
    records = json.loads(funding.export_overlaps(fdb, D, days=14, fmt="json", window=28))
    assert [r["facility_id"] for r in records] == ["H1", "C1"]
    assert records[1]["total_quantity"] == 19.0 and records[1]["unit"] == "袋"
    assert funding.export_overlaps(fdb, D).count("\n") == 1  # the default window of 7: header only
    with pytest.raises(ValueError):
        funding.export_overlaps(fdb, D, fmt="xml")


def test_funding_flows(fdb):
    flows = funding.funding_flows(fdb, SCOPE)
    got = [(r.funder_id, r.recipient_id, r.region_adcode, r.category, r.grants, r.amount_cny)
           for r in flows.itertuples()]
    assert got == [
        ("F1", "R1", WUHAN, "ppe", 2, 150000.0),
        ("F2", "R2", XIAOGAN, "food", 1, 40000.0),
        ("F2", "R1", XIAOGAN, "food", 1, 20000.0),
    ]
    assert flows.loc[0, "funder_name"] == "基金会一" and flows.loc[0, "recipient_name"] == "伙伴一"
    # Before G1 and G2 started only the undated G3 counts.
    early = funding.funding_flows(fdb, Scope(date(2020, 1, 20), 7))
    assert early["amount_cny"].tolist() == [40000.0]


def test_funding_by_region(fdb):
    frame = funding.funding_by_region(fdb, SCOPE)
    assert list(frame.columns) == funding.REGION_COLUMNS
    assert len(frame) == 17  # every prefecture of Hubei
    rows = frame.set_index("region_adcode")
    assert list(frame["region_adcode"][:2]) == [WUHAN, XIAOGAN]  # most money first
    assert rows.loc[WUHAN, "amount_cny"] == 150000.0
    assert rows.loc[WUHAN, "amount_per_10k"] == pytest.approx(121.689, abs=1e-3)
    assert rows.loc[WUHAN, "open_needs"] == 2
    assert rows.loc[WUHAN, "amount_per_open_need"] == 75000.0
    assert rows.loc[XIAOGAN, "amount_cny"] == 60000.0
    assert rows.loc[XIAOGAN, "amount_per_10k"] == pytest.approx(140.503, abs=1e-3)
    assert rows.loc[XIAOGAN, "open_needs"] == 1
    assert rows.loc[XIAOGAN, "amount_per_open_need"] == 60000.0
    other = rows.drop([WUHAN, XIAOGAN])
    assert (other["amount_cny"] == 0).all() and other["amount_per_open_need"].isna().all()
