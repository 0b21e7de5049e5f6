"""Funding and duplicated donations: who pays whom, where, and who sends the same thing twice.

Pure functions over a DuckDB connection and a :class:`dashboard.analytics.metrics.Scope` (as-of
date D, province). SQL takes parameters; nothing formats user input into SQL.
Definitions (also in docs/METHODS.md, "Funding"):

**Overlaps (duplicated donations).** A delivery's *date* is ``delivered_on``, else
``dispatched_on``, else ``expected_on``. The deliveries considered are those to a
facility of the province, not failed, with a supplier, a category and a date **within
the look-back window** [D − W + 1, D] (the sidebar's window): a chain never reaches
back before it. Per facility, category, item (trimmed; two empty items are equal) and
unit — the same supply — they are ordered by date (then delivery_id) and *chained*: a
delivery joins the chain of the previous one when its date is at most ``days`` days
after the previous delivery's date; a larger gap starts a new chain. A chain is an
**overlap** when it holds deliveries from two or more different suppliers.

Each overlap is in one unit, so its quantities can be added: ``total_quantity`` is
what all its suppliers sent, ``duplicated_quantity`` = total − the quantity of the
supplier that sent most (what came on top of one supplier's delivery; NaN when no
quantity was given). Overlaps are ranked by duplicated_quantity (largest first, unknown
last; ties: more suppliers, the latest last date, facility, item). Quantities of
different units are never added or compared as one number. Deliveries without a
supplier, a category or any date cannot be compared and are left out. A category
filter keeps that category only.

**Funding flows.** Grants with start_on on or before D, or without a start date, count
with their full amount_cny (end_on is not pro-rated). A grant's region is its own
region, else its recipient's prefecture; grants whose region lies outside the province
are left out, those with no region at all are kept with an empty region.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.access import query
from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.analytics.metrics import (
    IN_PROVINCE,
    NOT_FAILED_AT_D,
    OPEN_NEED,
    Scope,
    fetch_frame,
    region_summary,
)
from dashboard.present.exports import export_text
from data_loaders.store.derived import DELIVERY_DATE  # a delivery's date: one definition

DEFAULT_DAYS = 7
SEPARATOR = "、"

OVERLAP_COLUMNS = ["facility_id", "facility_name", "region_adcode", "category", "item", "unit",
                   "suppliers", "n_suppliers", "n_deliveries", "total_quantity",
                   "duplicated_quantity", "first_date", "last_date"]
SHOWN_OVERLAPS = 20  # the Funding page lists the largest; the rest are in its CSV download

_OVERLAPS_SQL = f"""
WITH dl AS (
    SELECT d.delivery_id, d.facility_id, f.name AS facility_name, f.region_adcode,
           d.category, coalesce(trim(d.item), '') AS item, coalesce(trim(d.unit), '') AS unit,
           d.supplier_id, coalesce(o.name, d.supplier_id) AS supplier_name,
           d.quantity, {DELIVERY_DATE} AS x
    FROM deliveries d JOIN facilities f USING (facility_id)
    LEFT JOIN organizations o ON o.org_id = d.supplier_id
    WHERE {NOT_FAILED_AT_D} AND d.supplier_id IS NOT NULL AND d.category IS NOT NULL
      AND {DELIVERY_DATE} BETWEEN $start AND $d
      AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
      AND ($category IS NULL OR d.category = $category)
),
-- Only a supply that two suppliers sent in the window can hold an overlap: chaining the
-- others (most of them) is work thrown away.
shared AS (
    SELECT * FROM dl SEMI JOIN (
        SELECT facility_id, category, item, unit FROM dl GROUP BY ALL
        HAVING count(DISTINCT supplier_id) >= 2) AS two USING (facility_id, category, item, unit)
),
gaps AS (
    SELECT *, CASE WHEN date_diff('day', lag(x) OVER w, x) <= $days THEN 0 ELSE 1 END AS starts
    FROM shared
    WINDOW w AS (PARTITION BY facility_id, category, item, unit ORDER BY x, delivery_id)
),
chains AS (
    SELECT *, sum(starts) OVER (PARTITION BY facility_id, category, item, unit
                                ORDER BY x, delivery_id ROWS UNBOUNDED PRECEDING) AS chain
    FROM gaps
),
per_supplier AS (
    SELECT facility_id, category, item, unit, chain, supplier_id, sum(quantity) AS q
    FROM chains GROUP BY ALL
),
largest AS (
    SELECT facility_id, category, item, unit, chain, max(q) AS largest_supplier
    FROM per_supplier GROUP BY ALL
)
SELECT c.facility_id, any_value(c.facility_name) AS facility_name,
       any_value(c.region_adcode) AS region_adcode, c.category, c.item, c.unit,
       array_to_string(list_sort(list(DISTINCT c.supplier_name)), '{SEPARATOR}') AS suppliers,
       count(DISTINCT c.supplier_id) AS n_suppliers, count(*) AS n_deliveries,
       sum(c.quantity)::DOUBLE AS total_quantity,
       (sum(c.quantity) - any_value(l.largest_supplier))::DOUBLE AS duplicated_quantity,
       min(c.x) AS first_date, max(c.x) AS last_date
FROM chains c JOIN largest l USING (facility_id, category, item, unit, chain)
GROUP BY c.facility_id, c.category, c.item, c.unit, c.chain
HAVING count(DISTINCT c.supplier_id) >= 2
ORDER BY duplicated_quantity DESC NULLS LAST, n_suppliers DESC, last_date DESC,
         c.facility_id, c.category, c.item, c.unit, first_date
"""


@query("facility")
def overlaps(con, scope: Scope, days: int = DEFAULT_DAYS, region: str | None = None,
             category: str | None = None) -> pd.DataFrame:
    """Chains of deliveries of one supply (facility, category, item, unit) from two or
    more suppliers within the look-back window, largest duplicated quantity first.

    One row per overlap (see the module docstring for the chaining rule and the
    ranking); columns OVERLAP_COLUMNS. Quantities are NaN when no delivery of the chain
    gave one; item and unit are '' when none was given.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    frame = fetch_frame(con, _OVERLAPS_SQL, {"d": scope.as_of, "start": scope.start,
                                             "prov": scope.prefix, "region": region,
                                             "days": int(days), "category": category})
    frame = frame[OVERLAP_COLUMNS] if not frame.empty else pd.DataFrame(columns=OVERLAP_COLUMNS)
    for col in ("n_suppliers", "n_deliveries"):
        frame[col] = frame[col].astype("int64")
    for col in ("total_quantity", "duplicated_quantity"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("first_date", "last_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame.reset_index(drop=True)


@query("facility")
def export_overlaps(con, as_of: date, days: int = DEFAULT_DAYS, fmt: str = "csv",
                    province: str | None = None, window: int = DEFAULT_WINDOW) -> str:
    """Every overlap within the ``window`` days up to ``as_of``, ranked as on the page, as
    CSV (formula-looking cells neutralised) or JSON."""
    frame = overlaps(con, Scope(as_of, window, province), days=days).copy()
    for col in ("first_date", "last_date"):
        frame[col] = [d.isoformat() if hasattr(d, "isoformat") else d for d in frame[col]]
    return export_text(frame, fmt)


FLOW_COLUMNS = ["funder_id", "funder_name", "funder_type", "recipient_id", "recipient_name",
                "region_adcode", "category", "grants", "amount_cny"]

_FLOWS_SQL = """
WITH g AS (
    SELECT g.funder_id, coalesce(fo.name, g.funder_id) AS funder_name, fo.org_type AS funder_type,
           g.recipient_id, coalesce(ro.name, g.recipient_id) AS recipient_name,
           coalesce(g.region_adcode, ro.prefecture_adcode) AS region_adcode,
           g.category, g.amount_cny
    FROM grants g
    LEFT JOIN organizations fo ON fo.org_id = g.funder_id
    LEFT JOIN organizations ro ON ro.org_id = g.recipient_id
    WHERE (g.start_on IS NULL OR g.start_on <= $d)
      AND ($category IS NULL OR g.category = $category)
      AND ($funder_type IS NULL OR fo.org_type = $funder_type)
)
SELECT funder_id, funder_name, funder_type, recipient_id, recipient_name, region_adcode, category,
       count(*) AS grants, sum(amount_cny)::DOUBLE AS amount_cny
FROM g
WHERE region_adcode IS NULL OR starts_with(region_adcode, $prov)
GROUP BY ALL
ORDER BY amount_cny DESC, funder_id, recipient_id, region_adcode NULLS LAST, category NULLS LAST
"""


@query("partner")
def funding_flows(con, scope: Scope, category: str | None = None,
                  funder_type: str | None = None) -> pd.DataFrame:
    """Grant money funder → recipient → region × category, counted at D (see docstring).

    ``category`` keeps grants of that category; ``funder_type`` grants from funders of
    that org_type.
    """
    frame = con.execute(_FLOWS_SQL, {"d": scope.as_of, "prov": scope.prefix, "category": category,
                                     "funder_type": funder_type}).df()
    if frame.empty:
        frame = pd.DataFrame(columns=FLOW_COLUMNS)
    frame["grants"] = frame["grants"].astype("int64")
    frame["amount_cny"] = pd.to_numeric(frame["amount_cny"], errors="coerce").astype("float64")
    return frame[FLOW_COLUMNS].reset_index(drop=True)


REGION_COLUMNS = ["region_adcode", "name", "name_en", "population", "amount_cny",
                  "amount_per_10k", "open_needs", "amount_per_open_need"]


@query("partner", reuses={"flows": "funding.funding_flows"})
def funding_by_region(con, scope: Scope, flows: pd.DataFrame | None = None,
                      category: str | None = None, funder_type: str | None = None) -> pd.DataFrame:
    """Grant money per prefecture of the province (all of them), against people and needs.

    amount_per_10k = amount_cny × 10,000 ÷ resident population (NaN without one);
    open_needs from :func:`dashboard.analytics.metrics.region_summary` at D (of ``category`` only
    when one is given); amount_per_open_need
    = amount_cny ÷ open_needs (NaN when none is open). Most money first.
    """
    flows = funding_flows(con, scope, category, funder_type) if flows is None else flows
    summary = region_summary(con, scope)
    if category:  # open needs of that category only, like the money
        counts = dict(con.execute(
            f"SELECT f.region_adcode, count(*) FROM needs n JOIN facilities f USING (facility_id) "
            f"WHERE {OPEN_NEED} AND {IN_PROVINCE} AND n.category = $category GROUP BY 1",
            {"d": scope.as_of, "prov": scope.prefix, "category": category}).fetchall())
        summary = summary.assign(open_needs=[counts.get(a, 0) for a in summary["adcode"]])
    amounts = flows.dropna(subset=["region_adcode"]).groupby("region_adcode")["amount_cny"].sum()
    out = pd.DataFrame({
        "region_adcode": summary["adcode"], "name": summary["name"],
        "name_en": summary["name_en"],
        "population": pd.to_numeric(summary["population"], errors="coerce").astype("float64"),
        "open_needs": summary["open_needs"].astype("int64"),
    })
    out["amount_cny"] = [float(amounts.get(a, 0.0)) for a in out["region_adcode"]]
    out["amount_per_10k"] = [a * 10_000 / p if p == p and p else float("nan")
                             for a, p in zip(out["amount_cny"], out["population"])]
    out["amount_per_open_need"] = [a / n if n else float("nan")
                                   for a, n in zip(out["amount_cny"], out["open_needs"])]
    out = out.sort_values(["amount_cny", "region_adcode"], ascending=[False, True])
    return out[REGION_COLUMNS].reset_index(drop=True)
