"""Where to direct funds and the what-if allocation, against hand-computed answers."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from dashboard import access
from dashboard.access import AccessDenied, audit
from dashboard.analytics import allocation
from dashboard.analytics.metrics import Scope
from data_loaders.ingest.importer import import_paths
from geo.regions import load_registry
from tests.conftest import AS_OF, BOTH, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN = "420100", "420900"


def _population(adcode: str) -> float:
    return float(next(r.population for r in load_registry().prefectures() if r.adcode == adcode))


def test_priorities_on_the_scenario(scenario_db):
    # Open at 02-15 (tests/data/scenario/README.md): N1 武汉 ppe, nothing delivered or on
    # the way (share 1); N4 孝感 food reported on D — D3 left on 02-14, before it was
    # reported, so it does not count (share 1); N7 武汉 medicine, fully covered by D6 in
    # transit (share 0). Costs per need: ppe 8000, food 3000, medicine 5000.
    # G1 (100,000 CNY of ppe for 武汉, 02-01..03-31) is active and covers 武汉's ppe.
    rows = allocation.priorities(scenario_db, Scope(AS_OF, 7))
    got = {(r.region_adcode, r.category): (r.uncovered_needs, r.estimated_cost, r.active_grants,
                                            r.to_fund) for r in rows.itertuples()}
    assert got == {(XIAOGAN, "food"): (1.0, 3000.0, 0.0, 3000.0),
                   (WUHAN, "ppe"): (1.0, 8000.0, 100000.0, 0.0),
                   (WUHAN, "medicine"): (0.0, 0.0, 0.0, 0.0)}
    # The gap ranking's order: 孝感 3 × 1e6 / 4,270,371 = 0.70 before 武汉 3 × (1 + ln 6)
    # × 1e6 / 12,326,518 = 0.68; within 武汉 the larger gap (ppe) first.
    assert list(zip(rows["rank"], rows["region_adcode"], rows["category"])) == [
        (1, XIAOGAN, "food"), (2, WUHAN, "ppe"), (2, WUHAN, "medicine")]
    first = rows.iloc[0]
    assert first["to_fund_per_10k"] == pytest.approx(3000 * 10_000 / _population(XIAOGAN))
    assert first["gap_score"] == pytest.approx(3.0)  # urgent, reported today: 3 × 1 × 1
    wuhan_ppe = rows.iloc[1]
    assert wuhan_ppe["gap_score"] == pytest.approx(3 * (1 + math.log(6)))


def test_grants_without_category_are_spread_and_outside_grants_unplaced(scenario_db, tmp_path):
    (tmp_path / "grants.csv").write_text(
        "grant_id,funder_id,recipient_id,amount_cny,category,region,start_on,end_on\n"
        "G8,F1,P2,1000,,孝感,2020-02-10,\n"      # no category: all of it to 孝感's food
        "G9,F1,L1,7000,food,,2020-02-01,2020-02-20\n"  # L1 is in 上海: cannot be placed
        "G10,F1,P2,5000,food,孝感,2020-02-01,2020-02-14\n",  # ended before D
        encoding="utf-8")
    with writer(scenario_db) as con:
        assert import_paths(con, [tmp_path / "grants.csv"]).ok
    rows = allocation.priorities(scenario_db, Scope(AS_OF, 7)).set_index(["region_adcode", "category"])
    assert rows.loc[(XIAOGAN, "food"), "active_grants"] == 1000.0
    assert rows.loc[(XIAOGAN, "food"), "to_fund"] == 2000.0
    assert allocation.unplaced_grants(scenario_db, Scope(AS_OF, 7)) == 7000.0


def test_filters_by_region_and_category(scenario_db):
    rows = allocation.priorities(scenario_db, Scope(AS_OF, 7), region=WUHAN)
    assert set(rows["region_adcode"]) == {WUHAN}
    rows = allocation.priorities(scenario_db, Scope(AS_OF, 7), category="food")
    assert list(rows["category"]) == ["food"]


def _rows() -> pd.DataFrame:
    # Three region × category rows, worked by hand; 孝感's ppe is paid for by a grant.
    # Ranks as the gap ranking gives them: 孝感 3 × 1e6 / 4,270,371 = 0.70 per million
    # before 武汉 4 × 1e6 / 12,326,518 = 0.32.
    return pd.DataFrame({
        "rank": [2, 1, 1],
        "region_adcode": [WUHAN, XIAOGAN, XIAOGAN],
        "category": ["ppe", "food", "ppe"],
        "estimated_cost": [8000.0, 4000.0, 2000.0],
        "to_fund": [6000.0, 4000.0, 0.0],
        "gap_score": [4.0, 2.0, 1.0],
    })


def test_proportional_allocation():
    out = allocation.allocate(_rows(), 5000, rule="proportional")
    # 5000 of 10000 to fund: half of each row's need.
    assert list(out["allocated"]) == [3000.0, 2000.0, 0.0]
    # gap after = gap score × (1 − allocated ÷ estimated cost).
    assert list(out["gap_after"]) == [4.0 * (1 - 3000 / 8000), 2.0 * (1 - 2000 / 4000), 1.0]
    # 武汉 keeps 62.5 % of its gap, 孝感 two thirds (its granted ppe stays): the shares
    # differ, so the ranking can change — the rule's wording says so.
    assert allocation.allocation_summary(out, 5000)["reason"] is None


def test_largest_gap_follows_the_ranking_and_says_why_money_is_left():
    out = allocation.allocate(_rows(), 7000, rule="largest_gap")
    assert list(out["allocated"]) == [3000.0, 4000.0, 0.0]  # rank 1 (孝感) in full, then 武汉
    summary = allocation.allocation_summary(out, 7000)
    assert (summary["allocated"], summary["unassigned"], summary["reason"]) == (7000.0, 0.0, None)
    out = allocation.allocate(_rows(), 1_000_000, rule="largest_gap")
    assert list(out["allocated"]) == [6000.0, 4000.0, 0.0]
    # 武汉's 2,000 paid by an active grant is not on the ground yet: a quarter stays.
    assert list(out["gap_after"]) == [1.0, 0.0, 1.0]
    summary = allocation.allocation_summary(out, 1_000_000)
    assert summary == {"budget": 1_000_000.0, "allocated": 10_000.0, "unassigned": 990_000.0,
                       "to_fund": 10_000.0, "categories": ["food", "ppe"], "reason": "all_funded"}


def test_allocation_only_to_the_chosen_categories():
    out = allocation.allocate(_rows(), 5000, categories=("food",))
    assert list(out["allocated"]) == [0.0, 4000.0, 0.0]
    summary = allocation.allocation_summary(out, 5000, ("food",))
    assert (summary["unassigned"], summary["reason"], summary["categories"]) == (
        1000.0, "all_funded", ["food"])
    none = allocation.allocate(_rows(), 5000, categories=())
    assert none["allocated"].sum() == 0
    assert allocation.allocation_summary(none, 5000, ())["reason"] == "no_categories"
    paid = _rows().assign(to_fund=[6000.0, 4000.0, 0.0])
    paid = allocation.allocate(paid[paid["region_adcode"] == XIAOGAN], 500, categories=("ppe",))
    summary = allocation.allocation_summary(paid, 500, ("ppe",))
    assert (summary["unassigned"], summary["reason"]) == (500.0, "nothing_to_fund")
    with pytest.raises(ValueError):
        allocation.allocate(_rows(), -1)
    with pytest.raises(ValueError):
        allocation.allocate(_rows(), 1, rule="lottery")


def test_ranking_change_per_million_residents():
    out = allocation.allocate(_rows(), 4000, categories=("food",))
    ranks = allocation.ranking_change(out, Scope(AS_OF, 7)).set_index("region_adcode")
    wuhan, xiaogan = _population(WUHAN), _population(XIAOGAN)
    assert ranks.loc[XIAOGAN, "gap_before"] == pytest.approx(3.0 * 1e6 / xiaogan)
    assert ranks.loc[WUHAN, "gap_before"] == pytest.approx(4.0 * 1e6 / wuhan)
    # 孝感's food is bought in full (gap 2 → 0); its granted ppe (1) stays: 0.23 < 0.32.
    assert ranks.loc[XIAOGAN, "gap_after"] == pytest.approx(1.0 * 1e6 / xiaogan)
    assert ranks.loc[WUHAN, "gap_after"] == pytest.approx(4.0 * 1e6 / wuhan)
    assert (ranks.loc[XIAOGAN, "rank_before"], ranks.loc[WUHAN, "rank_before"]) == (1, 2)
    assert (ranks.loc[WUHAN, "rank_after"], ranks.loc[XIAOGAN, "rank_after"]) == (1, 2)
    assert ranks.loc[WUHAN, "rank_change"] == -1 and ranks.loc[XIAOGAN, "rank_change"] == 1
    assert ranks.loc[XIAOGAN, "allocated"] == 4000.0
    # No budget: after is before, the gap ranking itself.
    still = allocation.ranking_change(allocation.allocate(_rows(), 0), Scope(AS_OF, 7))
    assert (still["rank_change"] == 0).all()


def _orders(con, scope: Scope) -> tuple[list[str], list[str], list[str], list[str]]:
    """The regions in the order the Briefing, the Needs page and the Funding page (its
    table and its what-if before any budget) rank them."""
    from dashboard.analytics.needs import gap_ranking
    from dashboard.briefing import build_brief

    brief = build_brief(con, scope, "zh")
    briefing = [r["adcode"] for r in sorted(brief["regions"], key=lambda r: r["gap_rank"] or 99)
                if r["gap_rank"] is not None]
    needs_page = list(gap_ranking(con, scope, "region")["region_adcode"])
    rows = allocation.priorities(con, scope)
    funding_table = list(dict.fromkeys(rows["region_adcode"]))
    what_if = allocation.ranking_change(allocation.allocate(rows, 0), scope)
    funding_what_if = list(what_if.sort_values("rank_before")["region_adcode"])
    return briefing, needs_page, funding_table, funding_what_if


def test_briefing_needs_and_funding_rank_regions_alike_on_the_demo(demo_db_path):
    from data_loaders import store

    con = store.connect(demo_db_path, read_only=True)
    scope = Scope(date(2020, 3, 31), 7)
    briefing, needs_page, funding_table, funding_what_if = _orders(con, scope)
    assert len(needs_page) == 17
    assert briefing == needs_page == funding_table == funding_what_if
    con.close()


def test_cost_table_is_seeded_from_the_csv(db):
    table = allocation.cost_table(db).set_index("category")
    assert len(table) == 12 and table.loc["ppe", "cost_per_need_cny"] == 8000.0
    assert table.loc["food", "updated_by"] is None  # the shipped default
    assert db.execute("SELECT count(*) FROM need_costs").fetchone()[0] == 12


def test_an_edited_cost_changes_the_allocation_and_is_audited(scenario_db):
    scope = Scope(AS_OF, 7)
    before = allocation.priorities(scenario_db, scope).set_index(["region_adcode", "category"])
    assert before.loc[(XIAOGAN, "food"), "to_fund"] == 3000.0
    with writer(scenario_db) as con:
        changes = allocation.save_need_costs(con, {"food": 4500, "ppe": 8000}, "alice", "hub")
    assert changes == [{"category": "food", "before": 3000.0, "after": 4500.0}]  # ppe unchanged
    after = allocation.priorities(scenario_db, scope).set_index(["region_adcode", "category"])
    assert after.loc[(XIAOGAN, "food"), "to_fund"] == 4500.0
    out = allocation.allocate(after.reset_index(), 10_000)
    assert out["allocated"].sum() == 4500.0  # 武汉's ppe is paid by G1: 5,500 stays
    [entry] = [e for e in audit.entries() if e["action"] == "need_costs"]
    assert (entry["actor"], entry["role"], entry["category"], entry["before"], entry["after"]) == (
        "alice", "hub", "food", 3000.0, 4500.0)
    table = allocation.cost_table(scenario_db).set_index("category")
    assert table.loc["food", "updated_by"] == "alice" and table.loc["food", "updated_at"] is not None


def test_bad_costs_are_all_reported_and_nothing_is_saved(scenario_db):
    with pytest.raises(allocation.CostProblem) as caught, writer(scenario_db) as con:
        allocation.save_need_costs(con, {
            "food": 0.5, "ppe": "abc", "medicine": float("inf"), "rockets": 5,
            "education": 2e8, "transport": 2500}, "alice", "hub")
    assert sorted(code for _c, _v, code in caught.value.problems) == [
        "above-maximum", "below-minimum", "not-a-number", "not-finite", "unknown-category"]
    assert allocation.need_costs(scenario_db)["transport"] == 2000.0  # all or nothing
    assert not [e for e in audit.entries() if e["action"] == "need_costs"]


def test_only_the_hub_may_change_costs(scenario_db):
    with pytest.raises(AccessDenied), writer(scenario_db) as con:
        allocation.save_need_costs(con, {"food": 4000}, "bob", "funder")
    with pytest.raises(AccessDenied):
        access.run("funder", "allocation.save_need_costs", scenario_db, {"food": 4000}, "bob",
                   "funder")
    assert access.run("funder", "allocation.cost_table", scenario_db).shape[0] == 12
    assert allocation.need_costs(scenario_db)["food"] == 3000.0
