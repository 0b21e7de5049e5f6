"""The partner network on the hand-computed scenario (tests/data/scenario/README.md)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from dashboard.analytics import partners
from dashboard.analytics.metrics import Scope, partner_activity
from data_loaders import store
from tests.conftest import AS_OF, BOTH, analytics, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN = "420100", "420900"


def _rows(frame: pd.DataFrame) -> dict:
    return {
        r.org_id: (None if r.last_seen is None else r.last_seen.isoformat(), r.freshness,
                   None if pd.isna(r.days_since_seen) else int(r.days_since_seen),
                   int(r.active_regions))
        for r in frame.itertuples()
    }


def test_freshness_as_of_scenario_date(scenario_db):
    frame = partners.freshness(scenario_db, Scope(AS_OF, 7))
    # P1: D7 delivered 02-15 (also A1 02-14, D1 delivered 02-12). P2: A3 02-10; its D3
    # (dispatched 02-14) and D6 (02-09) are still on the road, and a dispatch is not a
    # sign of work. Active regions: P1 in 武汉 (A1, D1, D7); P2 in 武汉 (A3); 孝感's A2 is
    # before the window.
    assert _rows(frame) == {
        "P1": ("2020-02-15", "fresh", 0, 1),
        "P2": ("2020-02-10", "fresh", 5, 1),
        "P3": (None, "silent", None, 0),
    }
    # The quietest first: P3 never seen, then P2 (5 days), then P1 (today).
    assert list(frame["org_id"]) == ["P3", "P2", "P1"]
    assert set(frame["hub_name"]) == {"湖北枢纽"} and set(frame["hub_id"]) == {"HUB1"}
    # Consistent with dashboard.analytics.metrics: stale partners are exactly the ones not fresh.
    counts = partners.freshness_counts(frame)
    assert counts == {"fresh": 2, "due": 0, "overdue": 0, "silent": 1}
    assert partner_activity(scenario_db, Scope(AS_OF, 7))["stale_partners"] == 1


@pytest.mark.parametrize(("as_of", "window", "expected"), [
    # D 02-25, W 7: fresh from 02-19, due from 02-12. Nothing is dated after 02-17
    # (D4, carried by L1), so P1 (02-15) is due and P2 (A3, 02-10) overdue.
    ("2020-02-25", 7, {"P1": ("2020-02-15", "due", 10, 0), "P2": ("2020-02-10", "overdue", 15, 0),
                       "P3": (None, "silent", None, 0)}),
    # D 02-22, W 4: fresh from 02-19, due from 02-15: P1 on the boundary is due, P2 is
    # overdue.
    ("2020-02-22", 4, {"P1": ("2020-02-15", "due", 7, 0), "P2": ("2020-02-10", "overdue", 12, 0),
                       "P3": (None, "silent", None, 0)}),
    # D 02-12: A1 (02-14), D7 and D3 are in the future. P1 was last seen delivering D1
    # on 02-12; P2 reported A3 on 02-10. W 1: fresh only on 02-12, due from 02-11.
    ("2020-02-12", 1, {"P1": ("2020-02-12", "fresh", 0, 1), "P2": ("2020-02-10", "overdue", 2, 0),
                       "P3": (None, "silent", None, 0)}),
])
def test_freshness_due_and_overdue(scenario_db, as_of, window, expected):
    frame = partners.freshness(scenario_db, Scope(date.fromisoformat(as_of), window))
    assert _rows(frame) == expected


def test_freshness_for_a_region(scenario_db):
    # 孝感: P2 is based there (not active there in the window); 武汉: all three (P1, P3
    # based there, P2 active there).
    assert list(partners.freshness(scenario_db, Scope(AS_OF, 7), region=XIAOGAN)["org_id"]) == ["P2"]
    assert list(partners.freshness(scenario_db, Scope(AS_OF, 7), region=WUHAN)["org_id"]) == [
        "P3", "P2", "P1"]
    assert partners.freshness(scenario_db, Scope(AS_OF, 7), region="421000").empty
    # The metric cards of a region count the same partners: 武汉 2 active (P1, P2) and
    # 1 stale (P3); 孝感 1 active (P2: fresh through A3 in 武汉, a partner is called
    # wherever it works), none stale.
    assert partner_activity(scenario_db, Scope(AS_OF, 7), WUHAN) == {
        "active_partners": 2, "stale_partners": 1, "partners": 3}
    assert partner_activity(scenario_db, Scope(AS_OF, 7), XIAOGAN) == {
        "active_partners": 1, "stale_partners": 0, "partners": 1}


def test_a_partner_that_worked_in_a_region_is_one_of_its_partners(scenario_db):
    # P1 (based in 武汉) reported once in 荆州 long before the window: it is one of 荆州's
    # partners, so 荆州's hub sees it, and it is fresh through its work in 武汉.
    with writer(scenario_db) as con:
        store.write(con, {"activities": pd.DataFrame([{
            "report_id": "A9", "org_id": "P1", "reported_on": date(2020, 1, 20),
            "region_adcode": "421000"}])})
    frame = partners.freshness(scenario_db, Scope(AS_OF, 7), region="421000")
    assert _rows(frame) == {"P1": ("2020-02-15", "fresh", 0, 1)}
    assert partner_activity(scenario_db, Scope(AS_OF, 7), "421000")["active_partners"] == 1
    # Before that report P1 had no sign of work in 荆州, and is not one of its partners.
    assert partners.freshness(scenario_db, Scope(date(2020, 1, 19), 7), region="421000").empty


def test_reminder_lines_group_the_stale_partners_by_hub(scenario_db):
    # D 02-25, W 7: P3 never seen, P2 15 days (A3 02-10), P1 10 days (D7 02-15); all of
    # HUB1 (湖北枢纽). The quietest first; no fresh partner is listed.
    frame = partners.freshness(scenario_db, Scope(date(2020, 2, 25), 7))
    assert partners.reminder_lines(frame, "zh") == [
        "【湖北枢纽】伙伴三 从未报告", "【湖北枢纽】伙伴二 已 15 天未报告",
        "【湖北枢纽】伙伴一 已 10 天未报告"]
    assert partners.reminder_lines(frame, "en")[1] == "[湖北枢纽] 伙伴二: no report for 15 days"
    # At D only P3 is stale.
    fresh = partners.freshness(scenario_db, Scope(AS_OF, 7))
    assert partners.reminder_lines(fresh, "zh") == ["【湖北枢纽】伙伴三 从未报告"]


def test_reminder_lines_put_partners_without_a_hub_last_on_one_line_each():
    frame = pd.DataFrame({
        "org_id": ["X", "Y", "Z"], "name": ["甲\n乙", "丙", "丁"],
        "hub_id": [None, "H", "H"], "hub_name": [None, "北区  枢纽", "北区  枢纽"],
        "last_seen": [None, date(2020, 2, 1), date(2020, 2, 14)],
        "freshness": ["silent", "overdue", "fresh"],
        "days_since_seen": pd.array([None, 14, 1], dtype="Int64"), "active_regions": [0, 0, 1]})
    assert partners.reminder_lines(frame, "zh") == [
        "【北区 枢纽】丙 已 14 天未报告", "【无所属枢纽】甲 乙 从未报告"]
    assert partners.reminder_lines(frame[frame["freshness"] == "fresh"], "zh") == []


def test_who_does_what_where_by_activity_type(scenario_db):
    frame = partners.who_does_what_where(scenario_db, Scope(AS_OF, 7))
    got = [(r.org_id, r.region_adcode, r.activity_type, r.count, r.last_date.isoformat())
           for r in frame.itertuples()]
    # A2 (02-01) is before the window but after the first data date: it counts.
    assert got == [("P1", WUHAN, "distribution", 1, "2020-02-14"),
                   ("P2", WUHAN, "transport", 1, "2020-02-10"),
                   ("P2", XIAOGAN, "distribution", 1, "2020-02-01")]
    # Before A1 was reported only P2 had reported.
    early = partners.who_does_what_where(scenario_db, Scope(date(2020, 2, 13), 7))
    assert set(early["org_id"]) == {"P2"}


def test_who_does_what_where_by_category(scenario_db):
    frame = partners.who_does_what_where(scenario_db, Scope(AS_OF, 7), by="category")
    got = {(r.org_id, r.region_adcode, r.category): (r.count, r.last_date.isoformat())
           for r in frame.itertuples()}
    assert got == {
        ("F1", WUHAN, "food"): (1, "2020-02-08"),       # D2
        ("F1", WUHAN, "medicine"): (1, "2020-02-12"),   # D1
        ("F1", WUHAN, "ppe"): (1, "2020-02-11"),        # D5 (failed, dispatched 02-11)
        ("F1", XIAOGAN, "food"): (1, "2020-02-14"),     # D3 dispatched
        ("F1", XIAOGAN, "ppe"): (1, "2020-02-10"),      # D4 arrives after D: dispatch date
        ("HUB1", WUHAN, "ppe"): (1, "2020-02-15"),      # D7
        ("L1", WUHAN, "food"): (1, "2020-02-08"),
        ("L1", WUHAN, "ppe"): (1, "2020-02-11"),
        ("L1", XIAOGAN, "ppe"): (1, "2020-02-10"),
        ("P1", WUHAN, "medicine"): (1, "2020-02-12"),
        ("P1", WUHAN, "ppe"): (1, "2020-02-15"),
        ("P2", WUHAN, "medicine"): (1, "2020-02-09"),   # D6
        ("P2", XIAOGAN, "food"): (1, "2020-02-14"),     # D3
    }
    matrix = partners.who_matrix(frame)
    assert matrix.loc["基金会一", WUHAN] == 3 and matrix.loc["基金会一", XIAOGAN] == 2
    assert matrix.loc["湖北枢纽", XIAOGAN] == 0
    with pytest.raises(ValueError):
        partners.who_does_what_where(scenario_db, Scope(AS_OF, 7), by="colour")


def test_single_partner_regions(scenario_db):
    frame = partners.single_partner_regions(scenario_db, Scope(AS_OF, 7))
    # 武汉 has two active partners (P1, P2); every other prefecture of Hubei has none.
    assert WUHAN not in set(frame["adcode"])
    assert len(frame) == 16 and set(frame["active_partners"]) == {0}
    assert frame["partner_name"].isna().all()
    # Window of one day (02-15): only P1 (D7) is active in 武汉.
    one = partners.single_partner_regions(scenario_db, Scope(AS_OF, 1))
    assert one.iloc[0][["adcode", "active_partners", "org_id", "partner_name"]].tolist() == [
        WUHAN, 1, "P1", "伙伴一"]
    assert len(one) == 17 and (one["active_partners"].iloc[1:] == 0).all()


def test_partner_profile(scenario_db):
    profile = partners.partner_profile(scenario_db, Scope(AS_OF, 7), "P2")
    regions = profile["regions"].set_index("region_adcode")
    assert regions.loc[WUHAN, ["reports", "deliveries", "active"]].tolist() == [1, 1, True]
    assert regions.loc[XIAOGAN, ["reports", "deliveries", "active"]].tolist() == [1, 1, False]
    assert list(profile["facilities"]["facility_id"]) == ["H2", "V1"]
    assert profile["deliveries"].values.tolist() == [["in_transit", 2]]  # D3, D6
    assert [(d.isoformat(), n, p) for d, n, p in profile["reports"].values.tolist()] == [
        ("2020-02-01", 1, 40), ("2020-02-10", 1, 10)]
    assert profile["grants"].empty
    hub = partners.partner_profile(scenario_db, Scope(AS_OF, 7), "HUB1")
    assert hub["grants"][["grant_id", "funder_name", "amount_cny"]].values.tolist() == [
        ["G1", "基金会一", 100000.0]]
    # L1 carried D2 (delivered), D4 (arrives 02-17: in transit at D) and D5 (failed).
    l1 = partners.partner_profile(scenario_db, Scope(AS_OF, 7), "L1")["deliveries"]
    assert dict(l1.values.tolist()) == {"delivered": 1, "failed": 1, "in_transit": 1}


def test_export_partners(scenario_db):
    text = partners.export_partners(scenario_db, AS_OF, 7)
    lines = text.strip().splitlines()
    assert lines[0] == ("org_id,name,hub_id,hub_name,last_seen,freshness,days_since_seen,"
                        "active_regions,report_every_days,report_grace_days,expected_reports,"
                        "received_reports,reporting_rate,on_time_rate,late_periods,"
                        "reporting_status")
    # Reporting against the default schedule, as computed by hand in tests/test_reporting.py;
    # the on-time rate is not known for records imported afterwards: empty, never 0.
    assert lines[1:] == ["P3,伙伴三,HUB1,湖北枢纽,,silent,,0,1,2,7,0,0.0,,4,silent",
                         "P2,伙伴二,HUB1,湖北枢纽,2020-02-10,fresh,5,1,1,2,7,1,"
                         "0.14285714285714285,,3,silent",
                         "P1,伙伴一,HUB1,湖北枢纽,2020-02-15,fresh,0,1,1,2,2,1,0.5,,0,ok"]
    records = json.loads(partners.export_partners(scenario_db, AS_OF, 7, fmt="json"))
    assert records[0] == {"org_id": "P3", "name": "伙伴三", "hub_id": "HUB1",
                          "hub_name": "湖北枢纽", "last_seen": None, "freshness": "silent",
                          "days_since_seen": None, "active_regions": 0,
                          "report_every_days": 1, "report_grace_days": 2,
                          "expected_reports": 7, "received_reports": 0, "reporting_rate": 0.0,
                          "on_time_rate": None, "late_periods": 4, "reporting_status": "silent"}
    with pytest.raises(ValueError):
        partners.export_partners(scenario_db, AS_OF, 7, fmt="xml")


def test_empty_store(db):
    db = analytics(db)
    assert partners.freshness(db, Scope(AS_OF, 7)).empty
    assert partners.who_does_what_where(db, Scope(AS_OF, 7)).empty
    assert partners.who_matrix(partners.who_does_what_where(db, Scope(AS_OF, 7))).empty
    assert len(partners.single_partner_regions(db, Scope(AS_OF, 7))) == 17


def test_partners_are_chosen_by_name_told_apart_by_hub_then_prefecture_never_by_id():
    # Five organisations, three named 伙伴一: one of hub 甲 and two of hub 乙, one based
    # in 武汉 and one in 孝感; two named 伙伴二 alike in hub and prefecture (numbered in
    # the order of their ids); 伙伴三 has a name of its own and keeps it bare.
    frame = pd.DataFrame({
        "org_id": ["P5", "P1", "P2", "P3", "P4", "P6"],
        "name": ["伙伴一", "伙伴一", "伙伴一", "伙伴二", "伙伴二", "伙伴三"],
        "hub_name": ["枢纽甲", "枢纽乙", "枢纽乙", None, None, "枢纽甲"],
        "prefecture_adcode": [WUHAN, WUHAN, XIAOGAN, WUHAN, WUHAN, None],
    })
    assert partners.choice_labels(frame, "zh") == {
        "P5": "伙伴一（枢纽甲）", "P1": "伙伴一（枢纽乙、武汉市）", "P2": "伙伴一（枢纽乙、孝感市）",
        "P3": "伙伴二（无所属枢纽、武汉市、同名第 1 家）", "P4": "伙伴二（无所属枢纽、武汉市、同名第 2 家）",
        "P6": "伙伴三"}
    english = partners.choice_labels(frame, "en")
    assert english["P1"] == "伙伴一 (枢纽乙, Wuhan)" and english["P6"] == "伙伴三"
    assert english["P4"] == "伙伴二 (No hub, Wuhan, no. 2 of that name)"
    assert len(set(english.values())) == len(frame)


def test_the_scenario_partners_have_names_of_their_own_and_a_prefecture(scenario_db):
    frame = partners.freshness(scenario_db, Scope(AS_OF, 7))
    assert dict(zip(frame["org_id"], frame["prefecture_adcode"])) == {
        "P1": WUHAN, "P2": XIAOGAN, "P3": WUHAN}
    assert partners.choice_labels(frame, "zh") == {"P3": "伙伴三", "P2": "伙伴二", "P1": "伙伴一"}
