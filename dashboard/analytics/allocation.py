"""Where to direct funds next, and what a budget would change.

Pure functions over a DuckDB connection and a :class:`dashboard.analytics.metrics.Scope`. The
definitions (also in docs/METHODS.md, "Where to direct funds"):

- **uncovered needs** of a region × category: the sum over its needs open at D of their
  uncovered share (``uncovered_share`` of :func:`dashboard.analytics.needs.needs_at`: what neither deliveries
  nor in-transit deliveries cover; a need without a quantity is one whole need);
- **estimated cost** = uncovered needs × the category's cost per need, a planning
  assumption kept in the store's ``need_costs`` table (seeded from
  ``data_loaders/ingest/rules/need_costs.csv``; a hub edits it on the Funding page, every
  change audited);
- **active grants**: grants whose period contains D (start_on on or before D or
  missing; end_on on or after D or missing), placed in the grant's region, else the
  recipient's prefecture. A grant without a category is spread over the region's
  categories in proportion to their estimated cost; grants placed in no prefecture of
  the province cannot be placed and are reported apart;
- **to fund** = max(estimated cost − active grants, 0), in CNY; per 10,000 residents
  when the population is known;
- **gap score** of a region × category = the sum of its needs' scores
  (the catalogue's needs.gap.formula); **rank** = its region's place in THE gap ranking
  (:func:`dashboard.analytics.needs.gap_ranking`), the one the Briefing and the Needs page show.

Rows are ordered as the gap ranking orders their regions (rank 1 first), and within a
region by gap score.

**What-if.** A budget B for chosen categories is split over their rows with to fund > 0,
either ``largest_gap`` (rows in ranking order, each funded in full until B is spent) or
``proportional`` (each row gets B × its to fund ÷ the total, never more than its to
fund). B beyond the total to fund of the chosen categories stays unassigned, and
:func:`allocation_summary` says why. The money is assumed to buy uncovered needs at
the category's cost: a row's gap after = its gap score × max(1 − allocated ÷ estimated
cost, 0). What active grants already pay for is not yet on the ground either, so it
stays in the ranking. Regions are ranked before (exactly the gap ranking) and after by
the sum of their rows' gap per million residents.
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard import access
from dashboard.access import query
from dashboard.analytics.metrics import Scope
from dashboard.analytics.needs import gap_ranking, gap_sums
from data_loaders import store
from data_loaders.ingest.rules import load_rules
from data_loaders.store import schema
from geo.regions import load_registry

RULES = ("largest_gap", "proportional")  # the first is the default: it follows the ranking

PRIORITY_COLUMNS = ["rank", "region_adcode", "category", "open_needs", "urgent_needs",
                    "uncovered_needs", "cost_per_need", "estimated_cost", "active_grants",
                    "to_fund", "to_fund_per_10k", "gap_score"]

COST_COLUMNS = ["category", "cost_per_need_cny", "reason", "updated_at", "updated_by"]


def default_costs() -> dict[str, float]:
    """Cost per need in CNY by category, as shipped in ``rules/need_costs.csv``."""
    return {row["category"]: float(row["cost_per_need_cny"]) for row in load_rules("need_costs")}


def _stored_costs(con) -> dict[str, float]:
    """The store's need_costs rows."""
    return {c: float(v) for c, v in con.execute(
        "SELECT category, cost_per_need_cny FROM need_costs").fetchall()}


@query("aggregate")
def need_costs(con=None) -> dict[str, float]:
    """Cost per need in CNY by category: the store's table where it has a row, else the
    shipped default (``con=None``: the defaults only)."""
    costs = default_costs()
    if con is not None:
        costs |= _stored_costs(con)
    return costs


@query("aggregate")
def cost_table(con) -> pd.DataFrame:
    """One row per category of the schema: its cost per need, what the default stands
    for, and who last changed it when (empty for the shipped default). Columns
    COST_COLUMNS."""
    reasons = {row["category"]: row["reason"] for row in load_rules("need_costs")}
    costs = need_costs(con)
    changed = {}
    if _stored_costs(con):
        changed = {c: (at, by) for c, at, by in con.execute(
            "SELECT category, updated_at, updated_by FROM need_costs").fetchall()}
    rows = []
    for category in schema.choices_of("category"):
        at, by = changed.get(category, (None, None))
        rows.append({"category": category,
                     "cost_per_need_cny": costs.get(category, costs.get("other", math.nan)),
                     "reason": reasons.get(category, ""),
                     "updated_at": at, "updated_by": by if by != schema.NEED_COSTS_SEEDED_BY else None})
    return pd.DataFrame(rows, columns=COST_COLUMNS)


class CostProblem(ValueError):
    """Costs that cannot be saved: every problem at once, as (category, value, code)."""

    def __init__(self, problems: list[tuple[str, object, str]]):
        super().__init__("; ".join(f"{c}: {v!r} ({code})" for c, v, code in problems))
        self.problems = problems


def check_costs(costs: dict[str, object]) -> dict[str, float]:
    """The costs as floats, or :class:`CostProblem` listing every bad one.

    Codes: ``unknown-category``, ``not-a-number``, ``not-finite``, ``below-minimum``
    (under schema.MIN_COST_CNY), ``above-maximum`` (over schema.MAX_COST_CNY).
    """
    known = set(schema.choices_of("category"))
    out, problems = {}, []
    for category, value in costs.items():
        if category not in known:
            problems.append((category, value, "unknown-category"))
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            problems.append((category, value, "not-a-number"))
            continue
        if not math.isfinite(number):
            problems.append((category, value, "not-finite"))
        elif number < schema.MIN_COST_CNY:
            problems.append((category, value, "below-minimum"))
        elif number > schema.MAX_COST_CNY:
            problems.append((category, value, "above-maximum"))
        else:
            out[category] = number
    if problems:
        raise CostProblem(problems)
    return out


@query("raw", writes=True)
def save_need_costs(con, costs: dict[str, object], actor: str, role: str | None) -> list[dict]:
    """Store new costs per need (hub only), audit each change, return the changes.

    All are checked first (:func:`check_costs`); nothing is written unless all pass.
    The changes are one change of the store (reason ``need_costs``, shown in the audit
    log) listing each category's old and new cost. Unchanged values are not written.
    """
    access.require(role, "raw", "editing the costs per need")
    checked = check_costs(costs)
    current = need_costs(con)
    changes = [{"category": c, "before": current.get(c), "after": v}
               for c, v in checked.items() if current.get(c) != v]
    if not changes:
        return []
    now = store.now_utc()
    with store.acting(actor, role), store.transaction(con, reason="need_costs", costs=changes):
        for change in changes:
            con.execute("INSERT INTO need_costs VALUES (?, ?, ?, ?) ON CONFLICT (category) "
                        "DO UPDATE SET cost_per_need_cny = excluded.cost_per_need_cny, "
                        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                        [change["category"], change["after"], now, actor])
    return changes


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


@query("facility", reuses={"frame": "needs.needs_at"})
def priorities(con, scope: Scope, region: str | None = None, category: str | None = None,
               frame: pd.DataFrame | None = None, grants: pd.DataFrame | None = None,
               costs: dict[str, float] | None = None) -> pd.DataFrame:
    """Region × category in the order of the gap ranking, with the money still needed
    (see the module docstring).

    Columns PRIORITY_COLUMNS; ``rank`` is the region's rank in
    :func:`dashboard.analytics.needs.gap_ranking` of the whole province (filters by region or
    category keep the rows, not recompute the rank). ``frame`` may be the open needs
    (:func:`dashboard.analytics.needs.needs_at`) of the area asked for, counted instead of
    the store; ``costs`` (category → CNY) defaults to :func:`need_costs` of the store.
    """
    out = gap_sums(con, scope, region, category, frame=frame)
    if out.empty:
        return pd.DataFrame(columns=PRIORITY_COLUMNS)
    # The rank is the province's: from the frame only when it holds the whole province.
    whole = frame if region is None and category is None else None
    ranks = gap_ranking(con, scope, "region", frame=whole).set_index("region_adcode")["rank"]
    costs = need_costs(con) if costs is None else dict(costs)
    out["rank"] = out["region_adcode"].map(ranks).astype("int64")
    out["cost_per_need"] = out["category"].map(costs).fillna(costs.get("other", 0.0))
    out["estimated_cost"] = out["uncovered_needs"] * out["cost_per_need"]
    out["active_grants"] = _placed_grants(out, active_grants(con, scope) if grants is None else grants)
    out["to_fund"] = (out["estimated_cost"] - out["active_grants"]).clip(lower=0)
    population = _population(scope)
    out["to_fund_per_10k"] = [
        tf * 10_000 / population[r] if population.get(r) else math.nan
        for r, tf in zip(out["region_adcode"], out["to_fund"])]
    out = out.sort_values(["rank", "gap_score", "category"], ascending=[True, False, True])
    return out[PRIORITY_COLUMNS].reset_index(drop=True)


@query("partner")
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
             rule: str = "largest_gap") -> pd.DataFrame:
    """Split ``budget`` over the rows of :func:`priorities` (see the module docstring).

    ``categories`` None means every category; an empty tuple means none. Returns the
    rows with ``allocated`` and ``gap_after`` added; rows of other categories get 0.
    ``budget`` beyond the total to fund stays unassigned (:func:`allocation_summary`).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    if budget < 0 or not math.isfinite(budget):
        raise ValueError("budget must be a finite amount, zero or more")
    out = rows.copy()
    eligible = out["to_fund"] > 0
    if categories is not None:
        eligible &= out["category"].isin(categories)
    allocated = pd.Series(0.0, index=out.index)
    total = float(out.loc[eligible, "to_fund"].sum())
    if total > 0 and budget > 0:
        if rule == "proportional":
            allocated[eligible] = (out.loc[eligible, "to_fund"] * min(budget / total, 1.0))
        else:
            left = float(budget)
            # The ranking's order: region rank, then the larger gap within the region.
            order = out[eligible].sort_values(["rank", "gap_score", "category"],
                                              ascending=[True, False, True]).index
            for i in order:
                give = min(left, float(out.at[i, "to_fund"]))
                allocated[i] = give
                left -= give
                if left <= 0:
                    break
    out["allocated"] = allocated
    out["gap_after"] = [s * max(1.0 - a / c, 0.0) if c > 0 else s
                        for s, a, c in zip(out["gap_score"], out["allocated"], out["estimated_cost"])]
    return out


def allocation_summary(result: pd.DataFrame, budget: float,
                       categories: tuple[str, ...] | None = None) -> dict:
    """What an :func:`allocate` result did with the budget, and why any of it is left.

    Keys: budget, allocated, unassigned (budget − allocated), to_fund (the total to fund
    of the chosen categories), categories (the chosen ones, in the rows' order) and
    reason: None when the whole budget is assigned; ``no_categories`` when none was
    chosen; ``nothing_to_fund`` when the chosen categories have no costed gap left to
    fund; ``all_funded`` when every costed gap in them is funded and money is left.
    """
    chosen = (sorted(set(result["category"])) if categories is None
              else [c for c in dict.fromkeys(categories)])
    in_chosen = result["category"].isin(chosen)
    to_fund = float(result.loc[in_chosen, "to_fund"].sum())
    given = float(result["allocated"].sum())
    unassigned = max(float(budget) - given, 0.0)
    reason = None
    if unassigned >= 0.5:  # less than half a yuan is rounding, not money left over
        reason = ("no_categories" if not chosen else
                  "nothing_to_fund" if to_fund <= 0 else "all_funded")
    return {"budget": float(budget), "allocated": given, "unassigned": unassigned,
            "to_fund": to_fund, "categories": chosen, "reason": reason}


RANKING_COLUMNS = ["region_adcode", "allocated", "gap_before", "gap_after", "rank_before",
                   "rank_after", "rank_change"]


def ranking_change(allocated: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Regions ranked by gap per million residents, before and after an allocation.

    Before is the gap ranking itself (the rows' ``rank``; on the rows of the whole
    province exactly :func:`dashboard.analytics.needs.gap_ranking`, and 1, 2, 3, … in its order
    when the rows were filtered). After: by the sum of the rows' ``gap_after`` per
    million residents, highest first (ties keep the order before; a region without a
    known population is ranked by its unscaled gap). ``rank_change`` > 0 means the
    region moved down the list. Ordered by rank after.
    """
    if allocated.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    population = _population(scope)
    per = allocated.groupby("region_adcode").agg(
        rank=("rank", "min"), allocated=("allocated", "sum"), gap_before=("gap_score", "sum"),
        gap_after=("gap_after", "sum")).reset_index()
    for col in ("gap_before", "gap_after"):
        per[col] = [g * 1_000_000 / population[r] if population.get(r) else g
                    for r, g in zip(per["region_adcode"], per[col])]
    per = per.sort_values(["rank", "region_adcode"]).reset_index(drop=True)
    per["rank_before"] = range(1, len(per) + 1)
    # As in the gap ranking, regions without a population come after those with one.
    per["known"] = [bool(population.get(r)) for r in per["region_adcode"]]
    after = per.sort_values(["known", "gap_after", "rank_before"],
                            ascending=[False, False, True]).index
    per.loc[after, "rank_after"] = range(1, len(per) + 1)
    per["rank_after"] = per["rank_after"].astype("int64")
    per["rank_change"] = per["rank_after"] - per["rank_before"]
    return per.sort_values("rank_after")[RANKING_COLUMNS].reset_index(drop=True)
