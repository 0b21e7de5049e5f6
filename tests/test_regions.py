"""The region filter on every page, hand-computed on the scenario (tests/data/scenario).

As of D = 2020-02-15, window 7 ([02-09, 02-15]):

孝感 (420900): facilities H3 (孝感医院, hospital, county unknown) and V1 (王家湾村,
village, 汉川市 420984). Open needs: N4 (V1, urgent, reported on D); N5 is reported
after D. So 1 open, 1 urgent. Nothing was delivered there in the window (D3 to V1 is on
the road; D4 to H3 arrives 02-17): hospital coverage 0/1, community coverage 0/1.
Overdue: D4 (expected 02-12, arrives 02-17). Partners of 孝感: P2 (based there); its
last sign of work is A3 (02-10, in 武汉), so it is active: 1 active, 0 stale.
D−1 (02-14): N4 not yet reported (0 open); D4 already overdue (1); P2 active (A3).
D−7 (02-08): nothing open, nothing overdue (D4 is expected 02-12); P2's last sign is
A2 (02-01), before [02-02, 02-08]: stale.

武汉 (420100): H1 (江汉区), H2, C1, W1 (district unknown). Open: N1 (H1, urgent) and N7
(H2): 2, 1 urgent. Covered: H1 (D1 delivered 02-12): hospitals 1/2; C1's D2 landed
02-08: communities 0/1. Overdue: D6 (H2). Partners: P1, P3 (based), P2 (A3 there):
P1 and P2 active, P3 stale. Active organisations (all types): F1, P1, HUB1, P2 = 4.

The two add up to the province's 3 open needs, 2 urgent, 2 overdue, hospitals 1/3.
"""

from __future__ import annotations

import json

import pandas as pd

from dashboard.analytics import metrics
from dashboard.briefing import build_brief, render_html, render_markdown
from dashboard.cli import main
from tests.apptest import frame_with, run_app
from tests.conftest import AS_OF, BOTH

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN, HANCHUAN = "420100", "420900", "420984"
SCOPE = metrics.Scope(AS_OF, 7)

XIAOGAN_TOTALS = {"open_needs": 1, "urgent_open_needs": 1, "hospital_coverage": 0.0,
                  "community_coverage": 0.0, "active_partners": 1, "stale_partners": 0,
                  "overdue_deliveries": 1, "hospitals": 1, "hospitals_covered": 0,
                  "communities": 1, "communities_covered": 0}
WUHAN_TOTALS = {"open_needs": 2, "urgent_open_needs": 1, "hospital_coverage": 0.5,
                "community_coverage": 0.0, "active_partners": 2, "stale_partners": 1,
                "overdue_deliveries": 1, "hospitals": 2, "hospitals_covered": 1,
                "communities": 1, "communities_covered": 0}


def test_totals_of_a_region(scenario_db):
    assert metrics.totals(scenario_db, SCOPE, region=XIAOGAN) == XIAOGAN_TOTALS
    assert metrics.totals(scenario_db, SCOPE, region=WUHAN) == WUHAN_TOTALS
    assert metrics.region_summary(scenario_db, SCOPE).set_index("adcode").loc[WUHAN, "active_orgs"] == 4
    # Before and after: the cards' changes since the day before and a week before.
    assert metrics.totals(scenario_db, SCOPE.previous(1), region=XIAOGAN)["open_needs"] == 0
    week = metrics.totals(scenario_db, SCOPE.previous(7), region=XIAOGAN)
    assert (week["overdue_deliveries"], week["active_partners"], week["stale_partners"]) == (0, 0, 1)


def test_county_summary_of_xiaogan(scenario_db):
    counties = metrics.county_summary(scenario_db, SCOPE, XIAOGAN).set_index("adcode")
    assert len(counties) == 8  # seven counties and H3, whose county is not known
    assert counties.loc[HANCHUAN, ["open_needs", "urgent_open_needs", "communities"]].tolist() == [1, 1, 1]
    assert counties.loc[XIAOGAN, ["hospitals", "overdue_deliveries", "county_unknown"]].tolist() == [
        1, 1, True]
    assert counties["has_data"].sum() == 2


def test_briefing_of_a_region(scenario_db):
    brief = build_brief(scenario_db, SCOPE, "zh", XIAOGAN)
    assert brief["region"] == {"adcode": XIAOGAN, "name": "孝感市", "name_en": "Xiaogan"}
    assert brief["totals"] == XIAOGAN_TOTALS
    rows = {h["key"]: (h["value"], h["d1"], h["d7"]) for h in brief["headline"]}
    assert rows == {"open_needs": (1, 0, 0), "urgent_open_needs": (1, 0, 0),
                    "hospital_coverage": (0.0, 0.0, 0.0), "community_coverage": (0.0, 0.0, 0.0),
                    "active_partners": (1, 1, 0), "stale_partners": (0, 0, 1),
                    "overdue_deliveries": (1, 1, 0)}
    # Its counties are the regions listed and mapped; active organisations are not
    # known per county.
    assert [r["adcode"] for r in brief["regions"]][-2:] == [HANCHUAN, XIAOGAN]
    assert len(brief["regions"]) == 8 and all(r["active_orgs"] is None for r in brief["regions"])
    assert [d["delivery_id"] for d in brief["overdue_deliveries"]["top"]] == ["D4"]
    assert brief["overdue_deliveries"]["top"][0]["days_overdue"] == 3
    assert brief["partners"]["counts"] == {"fresh": 1, "due": 0, "overdue": 0, "silent": 0}
    # N4 was reported on D and still counts: urgent (3) × uncovered (1) × (1 + ln 1) = 3,
    # i.e. 3 × 1,000,000 ÷ 孝感's 4,270,371 residents = 0.70 per million.
    (gap,) = brief["gaps"]["regions"]
    assert (gap["adcode"], gap["rank"], gap["score_total"]) == (XIAOGAN, 1, 3.0)
    assert round(gap["score"], 2) == 0.70
    assert [(f["facility_id"], f["score"]) for f in brief["gaps"]["facilities"]] == [("V1", 3.0)]
    assert brief["narrative"] == [
        "未满足需求 1 条，其中紧急 1 条；较昨日增加 1。",
        "紧急未满足需求增加最多的地区：汉川市（+1）。",
        "逾期配送 1 单（与昨日持平）；最久的已逾期 3 天（孝感市，承运方：快运）。",
        "缺口最大的地区：孝感市（得分 0.70/百万人，紧急未满足需求 1 条）。",
    ]
    text = render_markdown(brief, "zh")
    assert text.startswith("**生命线 · 孝感市晨间简报**") and "武汉" not in text
    html_text = render_html(brief, "en")
    assert "Lifeline morning briefing · Xiaogan" in html_text


def test_briefing_of_a_region_says_where_coverage_moved(scenario_db):
    # 武汉 loses C1's coverage (D2 of 02-08 leaves the window): 1/1 → 0/1.
    brief = build_brief(scenario_db, SCOPE, "zh", WUHAN)
    assert "武汉市社区/村覆盖率由昨日的 100.0% 降至 0.0%。" in brief["narrative"]
    assert "Community coverage in Wuhan fell from 100.0% yesterday to 0.0%." in build_brief(
        scenario_db, SCOPE, "en", WUHAN)["narrative"]


def test_cli_brief_for_a_region_by_name_or_adcode(scenario_file, capsys):
    for name in ("孝感", "420900", "Xiaogan"):
        assert main(["brief", "--db", str(scenario_file), "--as-of", "2020-02-15",
                     "--region", name]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["region"]["adcode"] == XIAOGAN and data["totals"] == XIAOGAN_TOTALS
    assert main(["brief", "--db", str(scenario_file), "--region", "大治"]) == 2
    assert "unknown prefecture" in capsys.readouterr().err
    assert main(["brief", "--db", str(scenario_file), "--region", "长沙"]) == 2


# -- every page, rendered ----------------------------------------------------------------

def _page(name: str, region: str, lang: str = "zh"):
    state = {"lang": "en"} if lang == "en" else None
    return run_app(name, {"as_of": "2020-02-15", "region": region}, state)


def test_overview_of_a_region(scenario_db):
    at = _page("overview", XIAOGAN)
    assert {m.label: m.value for m in at.metric} == {
        "未满足需求": "1", "紧急未满足需求": "1", "医院覆盖率": "0.0%", "社区/村覆盖率": "0.0%",
        "活跃一线机构": "1", "失联一线机构": "0", "逾期配送": "1"}
    table = frame_with(at, "区县")
    assert table["区县"].tolist()[0] == "汉川市" and len(table) == 8
    assert "孝感市（区县不详）" in table["区县"].tolist()
    assert [s.value for s in at.subheader] == ["孝感市各区县排名（按未满足需求）"]
    # A county has no population or case count: those metrics are not offered.
    assert "open_needs_per_10k" not in at.selectbox(key="metric_zh").options
    at = _page("overview", WUHAN, "en")
    assert {m.label: m.value for m in at.metric} == {
        "Open needs": "2", "Urgent open needs": "1", "Hospital coverage": "50.0%",
        "Community coverage": "0.0%", "Active partners": "2",
        "Stale partners": "1", "Overdue deliveries": "1"}


def test_the_other_pages_of_a_region(scenario_db):
    needs = {m.label: m.value for m in _page("needs", XIAOGAN).metric}
    assert (needs["未满足需求"], needs["其中紧急"]) == ("1", "1")
    cov = _page("coverage", XIAOGAN)
    cards = {m.label: m.value for m in cov.metric}
    assert (cards["医院覆盖率"], cards["社区/村覆盖率"]) == ("0.0%", "0.0%")
    assert cards["未覆盖且紧急"] == "1"  # V1
    assert frame_with(cov, "服务不足")["地区"].tolist() == ["孝感市"]
    mapped = frame_with(_page("map", XIAOGAN), "区县")
    assert len(mapped) == 8
    net = _page("network", XIAOGAN)
    hubs = frame_with(net, "活跃伙伴")
    assert hubs[["伙伴数", "活跃伙伴"]].values.tolist() == [[1, 1]]  # HUB1: P2, active
    fund = _page("funding", XIAOGAN)
    # No grant reaches 孝感: said in a sentence, not a row of zeros; the ranking keeps its need.
    assert any(i.value.startswith("所选范围内没有资助记录") for i in fund.info)
    ranked = frame_with(fund, "未覆盖")
    assert set(ranked["地区"]) == {"孝感市"} and ranked["未满足"].sum() == 1
    methods = _page("methods", XIAOGAN)
    assert any("孝感市" in c.value for c in methods.caption)
    export = frame_with(methods, "新上报需求")
    assert set(export["地区"]) == {"孝感市"}
    on_d = export[export["日期"].astype(str) == "2020-02-15"]
    assert pd.to_numeric(on_d["未满足需求"], errors="coerce").sum() == 1


def test_whole_province_is_unchanged(scenario_db):
    at = run_app("overview", {"as_of": "2020-02-15"})
    assert {m.label: m.value for m in at.metric}["未满足需求"] == "3"
    assert len(frame_with(at, "地区")) == 17
