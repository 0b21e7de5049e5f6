"""Reporting rates from the store (issue 15): each partner's schedule (the hub's, or the
default daily with two days' grace), its activity reports and when they arrived; the
Partners page's section and the briefing's line, on hand-computed figures."""

from __future__ import annotations

from dashboard.access import run
from dashboard.analytics.metrics import Scope
from data_loaders.ingest import submissions
from tests.apptest import run_app
from tests.conftest import AS_OF, BOTH, writer

BACKENDS = BOTH
SCOPE = Scope(AS_OF, 7)  # the window is 2020-02-09 … 2020-02-15


def _by_org(frame):
    return frame.set_index("org_id")


def test_rates_of_the_scenario_by_hand(scenario_db):
    rates = run("hub", "reporting.reporting", scenario_db, SCOPE)
    # P1 starts on its first report (02-14): periods 02-14, 02-15 expected, 02-14 received;
    #   02-15's deadline (02-17) has not passed: nothing late, due today, heard 02-14: ok.
    # P2 starts 02-01: 7 periods in the window, one received (A3, 02-10); periods 02-09,
    #   02-11, 02-12 are past their deadline (+2 days < 02-15): 3 late; last heard 02-10,
    #   more than 3 days ago: silent.
    # P3 never reported: from the window's start, 7 expected, none received; 02-09 … 02-12
    #   past their deadlines: 4 late; silent.
    got = _by_org(rates)[["expected", "received", "late", "status"]]
    assert got.loc[["P1", "P2", "P3"]].values.tolist() == [
        [2, 1, 0, "ok"], [7, 1, 3, "silent"], [7, 0, 4, "silent"]]
    assert bool(_by_org(rates).loc["P1", "due_today"])
    assert _by_org(rates).loc["P2", "rate"] == 1 / 7
    # The reports were imported long after 2020: when they arrived as of D is not known.
    assert rates.attrs["on_time_known"] is False
    assert set(rates["every_days"]) == {1} and set(rates["grace_days"]) == {2}
    # Per hub: a ratio of the sums, 2 of 16.
    hubs = run("hub", "reporting.reporting_rollup", scenario_db, SCOPE, by="hub")
    assert hubs[["hub_id", "expected", "received", "partners", "silent_partners"]
                ].values.tolist() == [["HUB1", 16, 2, 3, 2]]
    assert hubs["rate"].iloc[0] == 2 / 16


def test_the_hubs_schedule_replaces_the_default(scenario_db):
    from datetime import date

    with writer(scenario_db) as w:
        run("hub", submissions.set_partner, w, "P2", every_days=7, grace_days=3,
            starts_on=date(2020, 2, 3))
    rates = _by_org(run("hub", "reporting.reporting", scenario_db, SCOPE))
    # Weekly from 02-03: 02-03…02-09 is cut by the window; 02-10…02-16 ends after D. No
    # whole period lies in the window: nothing expected, and A3 (02-10) heard 5 days ago
    # is within 7 + 3 days: not silent.
    assert rates.loc["P2", ["expected", "received", "status"]].tolist() == [0, 0, "ok"]
    assert bool(rates.loc["P2", "set_by_hub"])


def test_partners_page_shows_rates_and_the_reminder(scenario_db):
    at = run_app("partners", {"as_of": "2020-02-15"})
    assert "报告率（按报告计划）" in [h.value for h in at.subheader]
    assert [m.value for m in at.metric][-4:] == ["12%", "2 / 16", "2", "0"]
    table = next(d.value for d in at.dataframe if "报告计划" in d.value.columns)
    assert table["伙伴"].tolist() == ["伙伴三", "伙伴二", "伙伴一"]
    assert table["报告计划"].tolist() == ["每天，宽限 2 天（默认）"] * 3
    assert "按时率" not in table.columns  # imported afterwards: not known
    reminder = [c.value for c in at.code if "活动报告在" in c.value][0]
    assert "【湖北枢纽】伙伴二：最近一次活动报告在 5 天前，请今天提交。" in reminder
    assert "【湖北枢纽】伙伴一：今天应交报告。" in reminder


def test_the_briefing_says_the_rate_and_where_the_quiet_partners_are(scenario_db):
    brief = run("hub", "briefing.build_brief", scenario_db, SCOPE)
    # P2 (孝感, 420900) and P3 (武汉, 420100) are quiet: one each, the lower code named.
    assert brief["reporting"] == {"partners": 3, "silent": 2, "late": 0, "expected": 16,
                                  "received": 2, "top_region": {
                                      "adcode": "420100", "n": 1, "name": "武汉市"}}
    from dashboard.briefing.render import reporting_lines

    assert reporting_lines(brief, "zh")[0].startswith(
        "报告率 12%（按报告计划收到 2 / 应交 16 期）；3 个伙伴中 2 个近期未提交活动报告")


def test_the_briefing_marks_a_claimed_facility_among_the_largest_gaps(scenario_db):
    from dashboard.briefing.render import render_html, render_markdown
    from tests.conftest import writer as write_to

    with write_to(scenario_db) as w:
        run("hub", "submissions.submit", w, "F1", "pledges", {
            "need_id": "N1", "org_id": "F1", "quantity": 500, "pledged_on": "2020-02-12",
            "due_on": "2020-02-20"}, approve=True)
    brief = run("hub", "briefing.build_brief", scenario_db, SCOPE)
    claimed = {f["name"]: f["claimed_by"] for f in brief["gaps"]["facilities"]}
    assert claimed["江汉医院"] == "基金会一 02-20" and claimed["王家湾村"] is None
    assert "江汉医院（武汉市）" in render_markdown(brief, "zh")
    assert "（已认领：基金会一 02-20）" in render_markdown(brief, "zh")
    assert "江汉医院 · 已认领" in render_html(brief, "zh")
