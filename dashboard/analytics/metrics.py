"""Metrics: pure functions over the store, as of a date D with a look-back window W.

Definitions (documented in docs/METHODS.md; the window is [D-W+1, D]):

- a need is **open** at D when reported_on <= D, status != cancelled, and closed_on is
  empty or after D;
- a facility is **covered** at D when it received at least one delivery with status
  delivered and delivered_on in the window;
- **hospital coverage**: covered hospitals / hospitals; **community coverage**: the same
  for community and village facilities;
- an organisation's **signs of work** are its activity reports (in the report's
  region, dated reported_on) and the delivered deliveries it supplied or carried (in the
  facility's region, dated delivered_on); a dispatch alone is not one (it is a plan
  until it lands). Its **last seen** is its latest sign on or before D;
- an organisation is **active** in a region when it has a sign of work there in the
  window; **active** (in the province) when it has one anywhere in the province;
- the **partners of a region** are the organisations of type partner based there
  (prefecture or region), or with a sign of work there on or before D; without a region,
  every partner;
- an **active partner** is a partner of the area that is active (anywhere in the
  province: a hub calls the partner, not the region); a **stale partner** is one that is
  not. Active + stale = the partners of the area. The Partners page's "fresh" class is
  exactly the active partners;
- a delivery is **failed** at D when its status is failed and the failure was recorded on
  or before D (``failed_recorded_on``; empty: failed from the start);
- a delivery is **overdue** at D when it is not failed at D, expected_on < D, and
  delivered_on is empty or after D.

Every function takes a DuckDB connection and plain values, and returns plain values or
DataFrames. SQL takes parameters; nothing here formats user input into SQL.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from dashboard.access import query
from dashboard.analytics import metric_table
from data_loaders.store import schema
from geo.config import province_prefix
from geo.regions import load_registry

DEFAULT_WINDOW = metric_table.DEFAULT_WINDOW
# A facility as the map and the coverage lists place it (the columns of ``facilities f``).
FACILITY_FIELDS = ("f.facility_id, f.name, f.facility_type, f.region_adcode, f.county_adcode, "
                   "f.map_lat, f.map_lon")
HOSPITAL_TYPES = schema.HOSPITAL_TYPES
COMMUNITY_TYPES = schema.COMMUNITY_TYPES


# DuckDB warns that Arrow from an executed statement copies the rows once; the copy is
# cheap next to its own conversion to a frame (below), and ``con.sql`` cannot be used
# on a connection a caller left with an unfetched result.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


def fetch_frame(con, sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """A query's rows as a frame, read through Arrow: DuckDB's own conversion of text
    columns into a frame took 2.5 s of a 4 s query at a million rows, Arrow's 0.1 s.
    Dates come as datetime64, as from DuckDB's own; a whole-number column with
    empty cells as floats."""
    return con.execute(sql, params).to_arrow_table().to_pandas(date_as_object=False)


def _sql_list(items: tuple[str, ...]) -> str:
    """A SQL list literal of constant strings defined in this module (never user input)."""
    return "(" + ", ".join(f"'{item}'" for item in items) + ")"


HOSPITALS_SQL = _sql_list(HOSPITAL_TYPES)
COMMUNITIES_SQL = _sql_list(COMMUNITY_TYPES)


@dataclass(frozen=True)
class Scope:
    """As-of date, window and province that every metric is computed for."""

    as_of: date
    window: int = DEFAULT_WINDOW
    province: str | None = None  # a province's adcode, geo.config.NATIONAL, or the configured

    @property
    def start(self) -> date:
        """First day of the window."""
        return self.as_of - timedelta(days=self.window - 1)

    @property
    def prefix(self) -> str:
        """The adcode prefix of the province (adcodes nest by prefix): two digits, or
        empty for the whole country (``starts_with(adcode, $prov)`` is "inside")."""
        return province_prefix(self.province)

    @property
    def national(self) -> bool:
        """True when the scope is the whole country: its areas are provinces."""
        return self.prefix == ""

    def params(self) -> dict:
        """Named SQL parameters."""
        return {"d": self.as_of, "start": self.start, "prov": self.prefix}

    def previous(self, days: int = 1) -> Scope:
        """The same scope ``days`` earlier."""
        return Scope(self.as_of - timedelta(days=days), self.window, self.province)


OPEN_NEED = "n.reported_on <= $d AND n.status <> 'cancelled' AND (n.closed_on IS NULL OR n.closed_on > $d)"
IN_WINDOW_DELIVERED = "d.status = 'delivered' AND d.delivered_on BETWEEN $start AND $d"
# A delivery is failed at D from the day its failure was recorded (failed_recorded_on, set
# by the store; empty when it arrived failed): one marked failed today was moving before.
FAILED_AT_D = ("(d.status = 'failed' AND (d.failed_recorded_on IS NULL "
               "OR d.failed_recorded_on <= $d))")
NOT_FAILED_AT_D = f"NOT {FAILED_AT_D}"
OVERDUE = (f"{NOT_FAILED_AT_D} AND d.expected_on < $d "
           "AND (d.delivered_on IS NULL OR d.delivered_on > $d)")
IN_PROVINCE = "starts_with(f.region_adcode, $prov)"


def area_of(column: str) -> str:
    """SQL for the area of the scope a prefecture code ``column`` falls in: the
    prefecture itself inside a province, its province (``xx0000``) for the whole country
    (``$prov`` empty), the areas ``RegionRegistry.areas`` lists. ``column`` is a constant
    of this package, never input."""
    return f"CASE WHEN $prov = '' THEN left({column}, 2) || '0000' ELSE {column} END"

# Every sign of work on or before D: (org_id, region_adcode, county_adcode, x). The one
# definition of "active" (in the window) and "last seen" (the latest x) that every page
# uses: the Overview's active organisations and partners, the Partners page's freshness,
# the briefing. The store keeps the signs, one row per organisation, area and day, as the
# records change (data_loaders.store.derived: activity reports in their region, with an
# empty county; delivered deliveries in the facility's region, by supplier and carrier).
SIGNS_CTE = """
signs AS (
    SELECT org_id, region_adcode, county_adcode, day AS x FROM work_signs
    WHERE day <= $d AND starts_with(region_adcode, $prov)
)
"""

# An organisation ``o`` of the province (any, for the whole country): based there, based
# nowhere known (a partner that never said where it works is still the hub's to call),
# or with a sign of work there on or before D. Needs SIGNS_CTE.
OF_PROVINCE = """(starts_with(coalesce(o.prefecture_adcode, o.region_adcode), $prov)
      OR (o.prefecture_adcode IS NULL AND o.region_adcode IS NULL)
      OR o.org_id IN (SELECT org_id FROM signs))"""

# The partners of the area ($region NULL: every partner of the province) with their last
# sign of work anywhere in the province: ``partner_seen(org_id, last_seen)``. Needs
# SIGNS_CTE.
PARTNER_SEEN_CTE = f"""
partner_seen AS (
    SELECT o.org_id, (SELECT max(s.x) FROM signs s WHERE s.org_id = o.org_id) AS last_seen
    FROM organizations o
    WHERE o.org_type = 'partner'
      AND CASE WHEN $region IS NULL THEN {OF_PROVINCE}
               ELSE o.prefecture_adcode = $region OR o.region_adcode = $region
                    OR o.org_id IN (SELECT org_id FROM signs WHERE region_adcode = $region) END
)
"""

def _area_counts_ctes(area: str, where: str) -> str:
    """The CTEs counting facilities, open needs and overdue deliveries per area:
    ``fac(facility_id, facility_type, adcode, covered)`` for the facilities ``where``
    selects, ``area`` being the expression of a facility's area code, then ``fac_sum``,
    ``need_sum`` and ``overdue_sum`` keyed by ``adcode``. Written once so that a
    prefecture's row and its counties' rows count alike (they must add up)."""
    return f"""
fac AS (
    SELECT f.facility_id, f.facility_type, {area} AS adcode,
           -- A semi-join on the window's deliveries, not EXISTS per facility: 4x faster.
           f.facility_id IN (SELECT d.facility_id FROM deliveries d
                             WHERE {IN_WINDOW_DELIVERED}) AS covered
    FROM facilities f WHERE {where}
),
fac_sum AS (
    SELECT adcode,
           count(*) FILTER (WHERE facility_type IN {HOSPITALS_SQL}) AS hospitals,
           count(*) FILTER (WHERE facility_type IN {HOSPITALS_SQL} AND covered) AS hospitals_covered,
           count(*) FILTER (WHERE facility_type IN {COMMUNITIES_SQL}) AS communities,
           count(*) FILTER (WHERE facility_type IN {COMMUNITIES_SQL} AND covered) AS communities_covered,
           count(*) AS facilities,
           count(*) FILTER (WHERE covered) AS facilities_covered
    FROM fac GROUP BY adcode
),
day_sum AS (
    -- The store keeps each area's day-by-day changes (data_loaders.store.derived, by the
    -- definitions of OPEN_NEED and OVERDUE): a count at D is the sum of those up to D.
    SELECT {area} AS adcode, sum(f.d_open)::BIGINT AS open_needs,
           sum(f.d_urgent)::BIGINT AS urgent_open_needs,
           sum(f.d_overdue)::BIGINT AS overdue_deliveries
    FROM area_day_deltas f WHERE f.day <= $d AND {where}
    GROUP BY 1
),
need_sum AS (SELECT adcode, open_needs, urgent_open_needs FROM day_sum),
overdue_sum AS (SELECT adcode, overdue_deliveries FROM day_sum)"""


# The counted columns of one area's row (``s``, ``n``, ``o``: the CTEs above).
_AREA_COUNTS = """
       coalesce(n.open_needs, 0) AS open_needs,
       coalesce(n.urgent_open_needs, 0) AS urgent_open_needs,
       coalesce(s.hospitals, 0) AS hospitals,
       coalesce(s.hospitals_covered, 0) AS hospitals_covered,
       coalesce(s.communities, 0) AS communities,
       coalesce(s.communities_covered, 0) AS communities_covered,
       coalesce(s.facilities, 0) AS facilities,
       coalesce(s.facilities_covered, 0) AS facilities_covered,
       coalesce(o.overdue_deliveries, 0) AS overdue_deliveries"""

_PREFECTURE_COUNTS_CTE = _area_counts_ctes(area_of("f.region_adcode"), IN_PROVINCE)
_COUNTY_COUNTS_CTE = _area_counts_ctes("coalesce(f.county_adcode, f.region_adcode)",
                                       f"f.region_adcode = $pref AND {IN_PROVINCE}")

_REGION_SQL = f"""
WITH {_PREFECTURE_COUNTS_CTE},
{SIGNS_CTE},
active_sum AS (
    SELECT {area_of("region_adcode")} AS adcode, count(DISTINCT org_id) AS active_orgs
    FROM signs WHERE x >= $start GROUP BY 1
),
cases AS (
    -- Context layer: the latest cumulative count on or before D, per prefecture (the
    -- store keeps case counts by prefecture), summed over the area.
    SELECT {area_of("region_adcode")} AS adcode, sum(confirmed_cum) AS confirmed_cum
    FROM (SELECT region_adcode, arg_max(confirmed_cum, date) AS confirmed_cum
          FROM case_counts WHERE date <= $d AND starts_with(region_adcode, $prov)
          GROUP BY region_adcode)
    GROUP BY 1
)
SELECT r.adcode, {_AREA_COUNTS},
       coalesce(a.active_orgs, 0) AS active_orgs,
       c.confirmed_cum
FROM (SELECT adcode FROM fac_sum UNION SELECT adcode FROM need_sum
      UNION SELECT adcode FROM active_sum UNION SELECT adcode FROM overdue_sum
      UNION SELECT adcode FROM cases) r
LEFT JOIN fac_sum s USING (adcode)
LEFT JOIN need_sum n USING (adcode)
LEFT JOIN active_sum a USING (adcode)
LEFT JOIN overdue_sum o USING (adcode)
LEFT JOIN cases c USING (adcode)
"""

COUNT_COLUMNS = [
    "open_needs", "urgent_open_needs", "hospitals", "hospitals_covered", "communities",
    "communities_covered", "facilities", "facilities_covered", "active_orgs",
    "overdue_deliveries",
]


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


@query("aggregate")
def region_summary(con, scope: Scope) -> pd.DataFrame:
    """One row per area of the scope, all of them even when empty: the province's
    prefectures, or for the whole country the 31 mainland provinces.

    Columns: adcode, name, short, name_en, population, the counts in COUNT_COLUMNS,
    hospital_coverage, community_coverage and open_needs_per_10k (NaN when undefined).
    """
    registry = load_registry()
    regions = pd.DataFrame(
        [
            {"adcode": r.adcode, "name": r.name, "short": r.short, "name_en": r.name_en,
             "population": r.population}
            for r in registry.areas(scope.province)
        ]
    )
    counts = con.execute(_REGION_SQL, scope.params()).df()
    out = regions.merge(counts, on="adcode", how="left")
    out[COUNT_COLUMNS] = out[COUNT_COLUMNS].fillna(0).astype("int64")
    out["hospital_coverage"] = [
        ratio(c, h) for c, h in zip(out["hospitals_covered"], out["hospitals"])
    ]
    out["community_coverage"] = [
        ratio(c, h) for c, h in zip(out["communities_covered"], out["communities"])
    ]
    out["open_needs_per_10k"] = [
        ratio(n * 10_000, p) if p else None for n, p in zip(out["open_needs"], out["population"])
    ]
    # No case data is not zero cases: confirmed_cum stays empty, and so does the rate.
    out["confirmed_cum"] = pd.to_numeric(out["confirmed_cum"], errors="coerce").astype("float64")
    out["open_needs_per_1k_confirmed"] = [
        ratio(n * 1_000, c) if c == c and c > 0 else None
        for n, c in zip(out["open_needs"], out["confirmed_cum"])
    ]
    for col in ("hospital_coverage", "community_coverage", "open_needs_per_10k",
                "open_needs_per_1k_confirmed"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["has_data"] = (out["facilities"] > 0) | (out["open_needs"] > 0) | (out["active_orgs"] > 0)
    # A rate over cases needs case data, whatever else the region has.
    out.loc[out["confirmed_cum"].isna(), "open_needs_per_1k_confirmed"] = float("nan")
    return out


@query("aggregate")
def partner_activity(con, scope: Scope, region: str | None = None) -> dict[str, int]:
    """Active and stale partners of the province, or of one prefecture ``region``.

    The definitions are the module's (active partner, stale partner, partners of a
    region); ``partners`` is how many partners the area has, active + stale.
    """
    row = con.execute(
        f"""
        WITH {SIGNS_CTE}, {PARTNER_SEEN_CTE}
        SELECT count(*) FILTER (WHERE last_seen >= $start) AS active_partners,
               count(*) FILTER (WHERE last_seen IS NULL OR last_seen < $start) AS stale_partners,
               count(*) AS partners
        FROM partner_seen
        """,
        scope.params() | {"region": region},
    ).fetchone()
    return {"active_partners": row[0], "stale_partners": row[1], "partners": row[2]}


def area_rows(summary: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """The rows of a :func:`region_summary` that make up the area: all of them, or the
    prefecture ``region``."""
    return summary if region is None else summary[summary["adcode"] == region]


@query("aggregate", reuses={"summary": "metrics.region_summary"})
def totals(con, scope: Scope, summary: pd.DataFrame | None = None,
           region: str | None = None) -> dict:
    """Headline numbers of the province, or of one prefecture ``region``; ratios are
    floats in [0, 1] or None.

    ``summary`` is the province's :func:`region_summary` (computed when not given); with
    a ``region`` only its row counts, so a region's headline equals its row in the
    Overview's ranking and the sum of its counties.
    """
    summary = region_summary(con, scope) if summary is None else summary
    sums = area_rows(summary, region)[COUNT_COLUMNS].sum()
    partners = partner_activity(con, scope, region)
    return {
        "open_needs": int(sums["open_needs"]),
        "urgent_open_needs": int(sums["urgent_open_needs"]),
        "hospital_coverage": ratio(sums["hospitals_covered"], sums["hospitals"]),
        "community_coverage": ratio(sums["communities_covered"], sums["communities"]),
        "active_partners": partners["active_partners"],
        "stale_partners": partners["stale_partners"],
        "overdue_deliveries": int(sums["overdue_deliveries"]),
        # Not cards, but counts other pages show: they must agree with these.
        "hospitals": int(sums["hospitals"]),
        "hospitals_covered": int(sums["hospitals_covered"]),
        "communities": int(sums["communities"]),
        "communities_covered": int(sums["communities_covered"]),
    }


@query("aggregate")
def has_earlier_data(con, day: date) -> bool:
    """True when the data reaches back to ``day``: something happened on or before it.

    A comparison with a day before the data begins has nothing to compare with: it is
    "no earlier data", never a change from zero.
    """
    first, _ = data_date_range(con)
    return first is not None and first <= day


@query("aggregate")
def earlier_totals(con, scope: Scope, summary: pd.DataFrame | None = None,
                   region: str | None = None) -> dict | None:
    """:func:`totals` at ``scope`` (an earlier day to compare with) of the province or of
    ``region``, or None when the data begins after that day (see :func:`has_earlier_data`)."""
    if not has_earlier_data(con, scope.as_of):
        return None
    return totals(con, scope, summary, region)


BRIEF_REGION_FIELDS = [
    "adcode", "name", "open_needs", "urgent_open_needs", "hospitals", "hospitals_covered",
    "communities", "communities_covered", "active_orgs", "overdue_deliveries",
]


@query("aggregate")
def brief(con, scope: Scope) -> dict:
    """The briefing data: totals and every prefecture of the province (JSON-ready)."""
    summary = region_summary(con, scope)
    regions = [
        {k: (int(v) if k not in ("adcode", "name") else v) for k, v in row.items()}
        for row in summary[BRIEF_REGION_FIELDS].to_dict("records")
    ]
    return {
        "as_of": scope.as_of.isoformat(),
        "window_days": scope.window,
        "totals": totals(con, scope, summary),
        "regions": regions,
    }


@query("aggregate")
def data_date_range(con) -> tuple[date | None, date | None]:
    """The first and latest dates on which something happened in the data.

    Expected arrival dates are plans, not events, so they do not extend the range.
    """
    row = con.execute(
        """
        SELECT min(x), max(x) FROM (
            SELECT reported_on AS x FROM needs UNION ALL
            SELECT closed_on FROM needs UNION ALL
            SELECT dispatched_on FROM deliveries UNION ALL
            SELECT delivered_on FROM deliveries UNION ALL
            SELECT reported_on FROM activities)
        """
    ).fetchone()
    return row[0], row[1]


@query("facility")
def facility_status(con, scope: Scope, prefecture: str | None = None,
                    limit: int | None = None, urgent_only: bool = False) -> pd.DataFrame:
    """Facilities with coordinates and their state at D, most pressing first.

    ``state`` is ``urgent`` (has an urgent open need), ``covered`` or ``uncovered``.
    ``limit`` caps the rows (the map cannot carry hundreds of thousands of points);
    urgent facilities come first, then uncovered, then covered. ``urgent_only`` keeps
    just the facilities with an urgent open need.
    """
    params = scope.params() | {"pref": prefecture, "lim": limit or 2**62, "urgent": urgent_only}
    return con.execute(
        f"""
        WITH fac AS (
            SELECT {FACILITY_FIELDS}
            FROM facilities f
            WHERE {IN_PROVINCE} AND f.map_lat IS NOT NULL
              AND ($pref IS NULL OR f.region_adcode = $pref)
        ),
        covered AS (
            SELECT DISTINCT d.facility_id FROM deliveries d
            WHERE {IN_WINDOW_DELIVERED} AND d.facility_id IN (SELECT facility_id FROM fac)
        ),
        open AS (
            SELECT n.facility_id, count(*) AS open_needs,
                   count(*) FILTER (WHERE n.priority = 'urgent') AS urgent_needs
            FROM needs n
            WHERE {OPEN_NEED} AND n.facility_id IN (SELECT facility_id FROM fac)
            GROUP BY n.facility_id
        )
        SELECT fac.*, c.facility_id IS NOT NULL AS covered,
               coalesce(o.open_needs, 0) AS open_needs,
               coalesce(o.urgent_needs, 0) AS urgent_needs
        FROM fac
        LEFT JOIN covered c USING (facility_id)
        LEFT JOIN open o USING (facility_id)
        WHERE NOT $urgent OR coalesce(o.urgent_needs, 0) > 0
        ORDER BY coalesce(o.urgent_needs, 0) > 0 DESC, c.facility_id IS NOT NULL ASC,
                 coalesce(o.open_needs, 0) DESC, fac.facility_id
        LIMIT $lim
        """,
        params,
    ).df().assign(
        state=lambda df: [
            "urgent" if u > 0 else ("covered" if c else "uncovered")
            for u, c in zip(df["urgent_needs"], df["covered"])
        ]
    )


@query("facility")
def facility_count(con, scope: Scope, prefecture: str | None = None) -> int:
    """How many facilities with coordinates the map could show."""
    return con.execute(
        f"SELECT count(*) FROM facilities f WHERE {IN_PROVINCE} AND f.map_lat IS NOT NULL "
        "AND ($pref IS NULL OR f.region_adcode = $pref)",
        {"prov": scope.prefix, "pref": prefecture},
    ).fetchone()[0]


_COUNTY_SQL = f"""
WITH {_COUNTY_COUNTS_CTE}
SELECT r.adcode, {_AREA_COUNTS}
FROM (SELECT adcode FROM fac_sum UNION SELECT adcode FROM need_sum
      UNION SELECT adcode FROM overdue_sum) r
LEFT JOIN fac_sum s USING (adcode)
LEFT JOIN need_sum n USING (adcode)
LEFT JOIN overdue_sum o USING (adcode)
"""

# What a county cannot have: reports name only the prefecture (so "active organisations"
# is not known per county), and population and cases are known per prefecture only.
COUNTY_UNDEFINED = metric_table.county_undefined()


@query("aggregate")
def county_summary(con, scope: Scope, prefecture: str) -> pd.DataFrame:
    """Per county of one prefecture, the columns of :func:`region_summary`.

    Every county of the registry is listed, also when empty. Facilities whose county is
    unknown are counted on a row of the prefecture's own code (``county_unknown`` True),
    listed only when it has something, so the rows always add up to the prefecture's row
    of :func:`region_summary`. The columns of ``COUNTY_UNDEFINED`` are empty (NaN): no
    county value exists for them.
    """
    registry = load_registry()
    region = registry.get(prefecture)
    counties = registry.counties(region.adcode)
    if not counties:  # 仙桃, 潜江, 天门, 神农架: the prefecture is its own only county
        row = area_rows(region_summary(con, scope), region.adcode).reset_index(drop=True)
        return row.assign(county_unknown=False)
    frame = pd.DataFrame(
        [{"adcode": c.adcode, "name": c.name, "short": c.short, "name_en": c.name_en}
         for c in counties]
    )
    counts = con.execute(_COUNTY_SQL, scope.params() | {"pref": region.adcode}).df()
    if region.adcode in set(counts["adcode"]):
        frame = pd.concat([frame, pd.DataFrame([{
            "adcode": region.adcode, "name": region.name, "short": region.short,
            "name_en": region.name_en}])], ignore_index=True)
    out = frame.merge(counts, on="adcode", how="left")
    counted = [c for c in COUNT_COLUMNS if c != "active_orgs"]
    out[counted] = out[counted].fillna(0).astype("int64")
    out["county_unknown"] = out["adcode"] == region.adcode
    out["hospital_coverage"] = [ratio(c, h) for c, h in zip(out["hospitals_covered"], out["hospitals"])]
    out["community_coverage"] = [
        ratio(c, h) for c, h in zip(out["communities_covered"], out["communities"])]
    for col in ("hospital_coverage", "community_coverage", *COUNTY_UNDEFINED):
        out[col] = pd.to_numeric(out.get(col), errors="coerce").astype("float64")
    out["has_data"] = (out["facilities"] > 0) | (out["open_needs"] > 0)
    return out


@query("partner")
def hubs(con) -> pd.DataFrame:
    """Hub organisations with the prefecture they are based in."""
    return con.execute(
        "SELECT org_id, name, region_adcode, prefecture_adcode FROM organizations "
        "WHERE org_type = 'hub' ORDER BY org_id"
    ).df()
