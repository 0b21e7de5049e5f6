"""Where to direct funds next, and what a budget would change.

Pure functions over a DuckDB connection and a :class:`dashboard.metrics.Scope`. The
definitions (also in docs/METHODS.md, "Where to direct funds"):

- **uncovered needs** of a region × category: the sum over its needs open at D of their
  uncovered share (:func:`dashboard.needs.uncovered_share`: what neither deliveries
  nor in-transit deliveries cover);
- **estimated cost** = uncovered needs × the category's cost per need, a planning
  assumption kept as data in ``data_loaders/rules/need_costs.csv`` (a hub edits it);
- **active grants**: grants whose period contains D (start_on on or before D or
  missing; end_on on or after D or missing), placed in the grant's region, else the
  recipient's prefecture. A grant without a category is spread over the region's
  categories in proportion to their estimated cost; grants placed in no prefecture of
  the province cannot be placed and are reported apart;
- **to fund** = max(estimated cost − active grants, 0), in CNY; per 10,000 residents
  when the population is known;
- **gap left** = the region × category's gap score (dashboard.needs.GAP_FORMULA) ×
  to fund ÷ estimated cost — the part of the gap no money is yet assigned to.

The ranking orders region × category by to fund (largest first).

**What-if.** A budget B for chosen categories is split over their rows with to fund > 0,
either ``proportional`` (each row gets B × its to fund ÷ the total, never more than its
to fund) or ``largest_gap`` (rows in order of gap left, each funded in full until B is
spent). A row's gap left after the allocation is its gap score × max(to fund −
allocated, 0) ÷ estimated cost; regions are ranked before and after by the sum of
their rows' gap left per million residents, as on the Needs page.
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard.metrics import Scope
from dashboard.needs import need_scores, needs_at, uncovered_share
from data_loaders.rules import load_rules
from geo.regions import load_registry

RULES = ("largest_gap", "proportional")  # the first is the default: proportional never reorders

FORMULA = {
    "zh": ("待资助 = max(估算成本 − 在执行资助, 0)；估算成本 = Σ 未覆盖比例 × 类别单项成本"
           "（data_loaders/rules/need_costs.csv）；未覆盖比例 = max(未满足 − 在途, 0) ÷ 需求量；"
           "在执行资助 = 截至日期处于资助期内的资助（未注明类别者按估算成本分摊）。"
           "剩余缺口 = 缺口得分 × 待资助 ÷ 估算成本。"),
    "en": ("to fund = max(estimated cost − active grants, 0); estimated cost = Σ uncovered "
           "share × the category's cost per need (data_loaders/rules/need_costs.csv); "
           "uncovered share = max(unmet − in transit, 0) ÷ requested; active grants = grants "
           "whose period contains the as-of date (those without a category are spread in "
           "proportion to estimated cost). Gap left = gap score × to fund ÷ estimated cost."),
}

PRIORITY_COLUMNS = ["region_adcode", "category", "open_needs", "urgent_needs", "uncovered_needs",
                    "cost_per_need", "estimated_cost", "active_grants", "to_fund",
                    "to_fund_per_10k", "gap_score", "gap_left"]


def need_costs() -> dict[str, float]:
    """Cost per need in CNY by category, from ``rules/need_costs.csv``."""
    return {row["category"]: float(row["cost_per_need_cny"]) for row in load_rules("need_costs")}


_GRANTS_SQL = """
SELECT coalesce(g.region_adcode, o.prefecture_adcode) AS region_adcode, g.category,
       sum(g.amount_cny)::DOUBLE AS amount
FROM grants g LEFT JOIN organizations o ON o.org_id = g.recipient_id
WHERE (g.start_on IS NULL OR g.start_on <= $d) AND (g.end_on IS NULL OR g.end_on >= $d)
GROUP BY ALL
"""


def active_grants(con, scope: Scope) -> pd.DataFrame:
    """Active grant money at D by region_adcode (None when unplaced) and category."""
    frame = con.execute(_GRANTS_SQL, {"d": scope.as_of}).df()
    inside = frame["region_adcode"].notna() & frame["region_adcode"].astype(str).str.startswith(
        scope.prefix)
    frame.loc[~inside, "region_adcode"] = None
    return frame


def priorities(con, scope: Scope, region: str | None = None, category: str | None = None,
               frame: pd.DataFrame | None = None, grants: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """Region × category ranked by the money still needed (see the module docstring).

    Columns PRIORITY_COLUMNS. ``frame`` may be a precomputed
    :func:`dashboard.needs.needs_at` for the whole province.
    """
    frame = needs_at(con, scope) if frame is None else frame.copy()
    if region:
        frame = frame[frame["region_adcode"] == region]
    if category:
        frame = frame[frame["category"] == category]
    if frame.empty:
        return pd.DataFrame(columns=PRIORITY_COLUMNS)
    costs = need_costs()
    frame = frame.assign(share=uncovered_share(frame), score=need_scores(frame),
                         urgent=frame["priority"] == "urgent")
    out = frame.groupby(["region_adcode", "category"]).agg(
        open_needs=("need_id", "count"), urgent_needs=("urgent", "sum"),
        uncovered_needs=("share", "sum"), gap_score=("score", "sum")).reset_index()
    out["urgent_needs"] = out["urgent_needs"].astype("int64")
    out["cost_per_need"] = out["category"].map(costs).fillna(costs.get("other", 0.0))
    out["estimated_cost"] = out["uncovered_needs"] * out["cost_per_need"]
    out["active_grants"] = _placed_grants(out, active_grants(con, scope) if grants is None else grants)
    out["to_fund"] = (out["estimated_cost"] - out["active_grants"]).clip(lower=0)
    population = _population(scope)
    out["to_fund_per_10k"] = [
        tf * 10_000 / population[r] if population.get(r) else math.nan
        for r, tf in zip(out["region_adcode"], out["to_fund"])]
    out["gap_left"] = [s * tf / c if c > 0 else 0.0
                       for s, tf, c in zip(out["gap_score"], out["to_fund"], out["estimated_cost"])]
    out = out.sort_values(["to_fund", "gap_left", "region_adcode", "category"],
                          ascending=[False, False, True, True])
    return out[PRIORITY_COLUMNS].reset_index(drop=True)


def unplaced_grants(con, scope: Scope) -> float:
    """Active grant money at D that no prefecture of the province can be given."""
    grants = active_grants(con, scope)
    return float(grants.loc[grants["region_adcode"].isna(), "amount"].sum())


def _placed_grants(rows: pd.DataFrame, grants: pd.DataFrame) -> list[float]:
    """Active grant money per row: its own category, plus a cost-weighted share of the
    region's grants without a category."""
    placed = grants.dropna(subset=["region_adcode"])
    direct = placed.dropna(subset=["category"]).groupby(["region_adcode", "category"])["amount"].sum()
    general = placed[placed["category"].isna()].groupby("region_adcode")["amount"].sum()
    region_cost = rows.groupby("region_adcode")["estimated_cost"].sum()
    out = []
    for r, c, cost in zip(rows["region_adcode"], rows["category"], rows["estimated_cost"]):
        amount = float(direct.get((r, c), 0.0))
        total = float(region_cost.get(r, 0.0))
        if r in general.index and total > 0:
            amount += float(general[r]) * cost / total
        out.append(amount)
    return out


def _population(scope: Scope) -> dict[str, float]:
    return {r.adcode: float(r.population) for r in load_registry().prefectures(scope.province)
            if r.population}


def allocate(rows: pd.DataFrame, budget: float, categories: tuple[str, ...] | None = None,
             rule: str = "proportional") -> pd.DataFrame:
    """Split ``budget`` over the rows of :func:`priorities` (see the module docstring).

    Returns the rows with ``allocated`` and ``gap_after`` added; rows of other
    categories get 0. ``budget`` beyond the total to fund stays unallocated.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    if budget < 0:
        raise ValueError("budget must be zero or more")
    out = rows.copy()
    eligible = out["to_fund"] > 0
    if categories:
        eligible &= out["category"].isin(categories)
    allocated = pd.Series(0.0, index=out.index)
    total = float(out.loc[eligible, "to_fund"].sum())
    if total > 0 and budget > 0:
        if rule == "proportional":
            allocated[eligible] = (out.loc[eligible, "to_fund"] * min(budget / total, 1.0))
        else:
            left = float(budget)
            order = out[eligible].sort_values(["gap_left", "to_fund"], ascending=False).index
            for i in order:
                give = min(left, float(out.at[i, "to_fund"]))
                allocated[i] = give
                left -= give
                if left <= 0:
                    break
    out["allocated"] = allocated
    out["gap_after"] = [s * max(tf - a, 0.0) / c if c > 0 else 0.0
                        for s, tf, a, c in zip(out["gap_score"], out["to_fund"], out["allocated"],
                                               out["estimated_cost"])]
    return out


RANKING_COLUMNS = ["region_adcode", "allocated", "gap_before", "gap_after", "rank_before",
                   "rank_after", "rank_change"]


def ranking_change(allocated: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Regions ranked by gap left per million residents, before and after an allocation.

    ``rank_change`` > 0 means the region moved down the list (its gap shrank relative
    to others). A region without a known population is ranked by its unscaled gap.
    Ordered by rank after.
    """
    population = _population(scope)
    per = allocated.groupby("region_adcode").agg(
        allocated=("allocated", "sum"), gap_before=("gap_left", "sum"),
        gap_after=("gap_after", "sum")).reset_index()
    for col in ("gap_before", "gap_after"):
        per[col] = [g * 1_000_000 / population[r] if population.get(r) else g
                    for r, g in zip(per["region_adcode"], per[col])]
    per["rank_before"] = per["gap_before"].rank(ascending=False, method="min").astype("int64")
    per["rank_after"] = per["gap_after"].rank(ascending=False, method="min").astype("int64")
    per["rank_change"] = per["rank_after"] - per["rank_before"]
    return per.sort_values(["rank_after", "region_adcode"])[RANKING_COLUMNS].reset_index(drop=True)
