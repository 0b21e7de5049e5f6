"""Where to direct funds and the what-if allocation, against hand-computed answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard import allocation
from dashboard.metrics import Scope
from data_loaders.importer import import_paths
from geo.regions import load_registry
from tests.conftest import AS_OF

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
    assert list(zip(rows["region_adcode"], rows["category"])) == [
        (XIAOGAN, "food"), (WUHAN, "medicine"), (WUHAN, "ppe")]
    first = rows.iloc[0]
    assert first["to_fund_per_10k"] == pytest.approx(3000 * 10_000 / _population(XIAOGAN))
    # N1: urgent (3) × share 1 × ln(1 + 5 days) — all of it paid for by G1, so none left.
    wuhan_ppe = rows[(rows["region_adcode"] == WUHAN) & (rows["category"] == "ppe")].iloc[0]
    assert wuhan_ppe["gap_score"] == pytest.approx(3 * math.log(6))
    assert wuhan_ppe["gap_left"] == 0.0


def test_grants_without_category_are_spread_and_outside_grants_unplaced(scenario_db, tmp_path):
    (tmp_path / "grants.csv").write_text(
        "grant_id,funder_id,recipient_id,amount_cny,category,region,start_on,end_on\n"
        "G8,F1,P2,1000,,孝感,2020-02-10,\n"      # no category: all of it to 孝感's food
        "G9,F1,L1,7000,food,,2020-02-01,2020-02-20\n"  # L1 is in 上海: cannot be placed
        "G10,F1,P2,5000,food,孝感,2020-02-01,2020-02-14\n",  # ended before D
        encoding="utf-8")
    assert import_paths(scenario_db, [tmp_path / "grants.csv"]).ok
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
    # Three region × category rows, worked by hand.
    return pd.DataFrame({
        "region_adcode": [WUHAN, XIAOGAN, XIAOGAN],
        "category": ["ppe", "food", "ppe"],
        "estimated_cost": [8000.0, 4000.0, 2000.0],
        "to_fund": [6000.0, 4000.0, 0.0],
        "gap_score": [4.0, 2.0, 1.0],
        "gap_left": [3.0, 2.0, 0.0],
    })


def test_proportional_allocation():
    out = allocation.allocate(_rows(), 5000, rule="proportional")
    # 5000 of 10000 to fund: half of each row's need.
    assert list(out["allocated"]) == [3000.0, 2000.0, 0.0]
    # gap after = gap score × (to fund − allocated) ÷ estimated cost.
    assert list(out["gap_after"]) == [4.0 * 3000 / 8000, 2.0 * 2000 / 4000, 0.0]


def test_largest_gap_first_and_a_budget_beyond_the_need():
    out = allocation.allocate(_rows(), 7000, rule="largest_gap")
    assert list(out["allocated"]) == [6000.0, 1000.0, 0.0]
    out = allocation.allocate(_rows(), 1_000_000, rule="largest_gap")
    assert list(out["allocated"]) == [6000.0, 4000.0, 0.0]
    assert list(out["gap_after"]) == [0.0, 0.0, 0.0]


def test_allocation_only_to_the_chosen_categories():
    out = allocation.allocate(_rows(), 5000, categories=("food",))
    assert list(out["allocated"]) == [0.0, 4000.0, 0.0]
    with pytest.raises(ValueError):
        allocation.allocate(_rows(), -1)
    with pytest.raises(ValueError):
        allocation.allocate(_rows(), 1, rule="lottery")


def test_ranking_change_per_million_residents():
    out = allocation.allocate(_rows(), 6000, categories=("ppe",))
    ranks = allocation.ranking_change(out, Scope(AS_OF, 7)).set_index("region_adcode")
    wuhan, xiaogan = _population(WUHAN), _population(XIAOGAN)
    assert ranks.loc[WUHAN, "gap_before"] == pytest.approx(3.0 * 1e6 / wuhan)
    assert ranks.loc[WUHAN, "gap_after"] == 0.0
    assert ranks.loc[XIAOGAN, "gap_after"] == pytest.approx(2.0 * 1e6 / xiaogan)
    assert ranks.loc[XIAOGAN, "rank_after"] == 1 and ranks.loc[WUHAN, "rank_after"] == 2
    assert ranks.loc[WUHAN, "allocated"] == 6000.0
    before_first = ranks["rank_before"].idxmin()
    assert ranks.loc[before_first, "rank_change"] == ranks.loc[before_first, "rank_after"] - 1
