"""Coverage analytics: who is reached, who was never reached, and how it changes.

Pure functions over the store (no streamlit), SQL with named parameters. Definitions
(documented in docs/METHODS.md, "Coverage"; the window is [D-W+1, D] as in
``dashboard.analytics.metrics``):

- **covered** at D: at least one delivery with status delivered and delivered_on in the
  window (the definition of ``dashboard.analytics.metrics``);
- **never reached** at D: no delivery with status delivered and delivered_on <= D, ever;
- **reached only once** at D: exactly one such delivery;
- **hospitals** are facilities of type hospital; **communities** are community and
  village facilities; other facility types (warehouses, makeshift hospitals, ...) are not
  counted in coverage;
- a coverage ratio is covered / facilities, None when there are no facilities.
"""

from __future__ import annotations

import pandas as pd

from dashboard.access import query
from dashboard.analytics.metrics import (
    COMMUNITIES_SQL,
    FACILITY_FIELDS,
    HOSPITALS_SQL,
    IN_PROVINCE,
    IN_WINDOW_DELIVERED,
    OPEN_NEED,
    Scope,
    area_of,
    data_date_range,
    region_summary,
)
from geo.regions import load_registry

KINDS = ("hospital", "community")
# A facility's kind for coverage: NULL for types that coverage does not count.
_KIND_SQL = (
    f"CASE WHEN f.facility_type IN {HOSPITALS_SQL} THEN 'hospital' "
    f"WHEN f.facility_type IN {COMMUNITIES_SQL} THEN 'community' END"
)
# The area a facility is counted in: its prefecture, or its county (the prefecture
# itself when the county is unknown, as in ``metrics.county_summary``).
_AREA_SQL = {
    "region": area_of("f.region_adcode"),  # a prefecture, or a province for the country
    "county": "coalesce(f.county_adcode, f.region_adcode)",
}
_PREFIX = {"hospital": "hospitals", "community": "communities"}
_RATIO = {"hospital": "hospital_coverage", "community": "community_coverage"}

UNDER_SERVED_RULE = (
    "A prefecture is under-served when its open needs per 10,000 residents are above the "
    "provincial median AND its coverage (hospitals and communities together) is below the "
    "provincial median; both medians are taken over the prefectures where both figures "
    "are defined (at least one hospital or community, and a known population)."
)
UNDER_SERVED_RULE_ZH = (
    "判定“服务不足”：每万人未满足需求高于全省中位数，且覆盖率（医院与社区/村合计）低于全省"
    "中位数；两个中位数均只在两项指标都有定义（至少有一家医院或社区/村、人口已知）的地市中计算。"
)
# The same rule for the whole country, whose areas are the provinces.
UNDER_SERVED_RULE_COUNTRY = (
    "A province is under-served when its open needs per 10,000 residents are above the "
    "national median AND its coverage (hospitals and communities together) is below the "
    "national median; both medians are taken over the provinces where both figures are "
    "defined (at least one hospital or community, and a known population)."
)
UNDER_SERVED_RULE_COUNTRY_ZH = (
    "判定“服务不足”：每万人未满足需求高于全国中位数，且覆盖率（医院与社区/村合计）低于全国"
    "中位数；两个中位数均只在两项指标都有定义（至少有一家医院或社区/村、人口已知）的省份中计算。"
)


def _areas(level: str, region: str | None, province: str | None) -> pd.DataFrame:
    """The areas to list: every prefecture (every province, for the whole country), or
    every county of ``region``."""
    registry = load_registry()
    if level == "region":
        rows = registry.areas(province)
        if region is not None:
            rows = [r for r in rows if r.adcode == region]
    elif level == "county":
        if region is None:
            raise ValueError("level='county' needs a prefecture (region)")
        rows = registry.counties(region) or [registry.get(region)]
    else:
        raise ValueError(f"unknown level {level!r}")
    return pd.DataFrame(
        [{"adcode": r.adcode, "name": r.name, "name_en": r.name_en} for r in rows],
        columns=["adcode", "name", "name_en"],
    )


def _known(adcode: str) -> tuple[str, str] | None:
    """(name, name_en) of a registry region, None when the registry lacks it."""
    try:
        r = load_registry().get(adcode)
    except (KeyError, ValueError):
        return None
    return r.name, r.name_en


@query("facility")
def coverage_by_area(con, scope: Scope, level: str = "region",
                     region: str | None = None) -> pd.DataFrame:
    """Per prefecture (or per county of ``region``): coverage of hospitals and communities.

    Columns: adcode, name, name_en, then for ``hospitals`` and ``communities``:
    ``<kind>``, ``<kind>_covered``, ``<kind>_never_reached``, ``<kind>_reached_once``,
    and ``hospital_coverage``, ``community_coverage`` (floats; NaN, i.e. no value, without
    facilities, never 0). Every
    area is listed, also when empty. With ``level='region'`` and a ``region``, just that
    prefecture. A facility whose county is unknown counts under its prefecture's code.
    """
    areas = _areas(level, region, scope.province)
    counts = con.execute(
        f"""
        WITH fac AS (
            SELECT f.facility_id, {_AREA_SQL[level]} AS adcode, {_KIND_SQL} AS kind
            FROM facilities f
            WHERE {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
              AND {_KIND_SQL} IS NOT NULL
        ),
        reached AS (
            SELECT d.facility_id, count(*) AS deliveries,
                   bool_or(d.delivered_on >= $start) AS covered
            FROM deliveries d
            WHERE d.status = 'delivered' AND d.delivered_on <= $d
              AND d.facility_id IN (SELECT facility_id FROM fac)
            GROUP BY d.facility_id
        )
        SELECT fac.adcode, fac.kind, count(*) AS facilities,
               count(*) FILTER (WHERE coalesce(r.covered, false)) AS covered,
               count(*) FILTER (WHERE r.facility_id IS NULL) AS never_reached,
               count(*) FILTER (WHERE r.deliveries = 1) AS reached_once
        FROM fac LEFT JOIN reached r USING (facility_id)
        GROUP BY fac.adcode, fac.kind
        """,
        scope.params() | {"region": region},
    ).df()
    wide = areas[["adcode"]].copy()
    for kind in KINDS:
        part = counts[counts["kind"] == kind].drop(columns="kind")
        p = _PREFIX[kind]
        part = part.rename(columns={
            "facilities": p, "covered": f"{p}_covered",
            "never_reached": f"{p}_never_reached", "reached_once": f"{p}_reached_once",
        })
        wide = wide.merge(part, on="adcode", how="outer")
    out = areas.merge(wide, on="adcode", how="outer")
    # An area the registry does not list (a retired code) keeps its facilities.
    for i in out.index[out["name"].isna()]:
        known = _known(out.at[i, "adcode"])
        out.at[i, "name"], out.at[i, "name_en"] = known or (out.at[i, "adcode"],) * 2
    for kind in KINDS:
        p = _PREFIX[kind]
        cols = [p, f"{p}_covered", f"{p}_never_reached", f"{p}_reached_once"]
        out[cols] = out[cols].fillna(0).astype("int64")
        out[_RATIO[kind]] = (out[f"{p}_covered"] / out[p].where(out[p] > 0)).astype("float64")
    order = {code: i for i, code in enumerate(areas["adcode"])}
    out = out.sort_values("adcode", key=lambda s: s.map(lambda c: (order.get(c, len(order)), c)))
    return out.reset_index(drop=True)


@query("facility")
def uncovered_urgent(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """Facilities not covered in the window that have at least one open urgent need.

    Columns: facility_id, name, facility_type, region_adcode, county_adcode, map_lat,
    map_lon, urgent_needs, open_needs, oldest_need_days (days since the oldest open need,
    of any priority, was reported), last_delivered_on (latest delivered delivery on or
    before D, None when never reached). Sorted by urgent_needs descending, then the
    oldest need first, then facility_id. All facility types are considered.
    """
    return con.execute(
        f"""
        WITH fac AS (
            SELECT {FACILITY_FIELDS}
            FROM facilities f
            WHERE {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
        ),
        open AS (
            SELECT n.facility_id, count(*) AS open_needs,
                   count(*) FILTER (WHERE n.priority = 'urgent') AS urgent_needs,
                   min(n.reported_on) AS oldest
            FROM needs n
            WHERE {OPEN_NEED} AND n.facility_id IN (SELECT facility_id FROM fac)
            GROUP BY n.facility_id
            HAVING count(*) FILTER (WHERE n.priority = 'urgent') > 0
        ),
        last AS (
            SELECT d.facility_id, max(d.delivered_on) AS last_delivered_on,
                   bool_or({IN_WINDOW_DELIVERED}) AS covered
            FROM deliveries d
            WHERE d.status = 'delivered' AND d.delivered_on <= $d
              AND d.facility_id IN (SELECT facility_id FROM open)
            GROUP BY d.facility_id
        )
        SELECT fac.facility_id, fac.name, fac.facility_type, fac.region_adcode,
               fac.county_adcode, fac.map_lat, fac.map_lon,
               o.urgent_needs, o.open_needs,
               date_diff('day', o.oldest, $d) AS oldest_need_days,
               l.last_delivered_on
        FROM open o JOIN fac USING (facility_id)
        LEFT JOIN last l USING (facility_id)
        WHERE NOT coalesce(l.covered, false)
        ORDER BY o.urgent_needs DESC, oldest_need_days DESC, fac.facility_id
        """,
        scope.params() | {"region": region},
    ).df().pipe(_dates_or_none, "last_delivered_on")


def _dates_or_none(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A date column as python dates, None where empty."""
    frame[column] = pd.Series(
        [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]],
        index=frame.index, dtype="object")
    return frame


# Coverage on every day t of [first, D], in one query. A facility is covered on day t
# when its latest delivered delivery on or before t is less than W days old. So each
# distinct delivery day e of a facility covers the days [e, min(next e, e + W) - 1], and
# these spans never overlap. Each span becomes a +1 event on its first day and a -1
# event on the day after its last; per area and kind the events are summed by day and a
# running sum over the days gives the number of facilities covered on each day. The work
# grows with the number of deliveries, not with facilities x days.
_OVER_TIME_SQL = f"""
WITH fac AS (
    SELECT f.facility_id, {{area}} AS adcode, {_KIND_SQL} AS kind
    FROM facilities f
    WHERE {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
      AND {_KIND_SQL} IS NOT NULL
),
totals AS (
    SELECT adcode, kind, count(*) AS facilities FROM fac GROUP BY adcode, kind
),
days AS (
    SELECT e.day, d.facility_id,
           lead(e.day) OVER (PARTITION BY d.facility_id ORDER BY e.day) AS next_day
    FROM (SELECT DISTINCT facility_id, delivered_on AS day FROM deliveries
          WHERE status = 'delivered' AND delivered_on <= $d
            AND facility_id IN (SELECT facility_id FROM fac)) e
    JOIN (SELECT DISTINCT facility_id FROM fac) d USING (facility_id)
),
events AS (
    SELECT facility_id, day, 1 AS delta FROM days
    UNION ALL
    SELECT facility_id, least(coalesce(next_day, day + $w), day + $w) AS day, -1 AS delta
    FROM days
),
daily AS (
    SELECT fac.adcode, fac.kind, greatest(e.day, $first) AS day, sum(e.delta) AS delta
    FROM events e JOIN fac USING (facility_id)
    WHERE e.day <= $d
    GROUP BY ALL
),
grid AS (
    SELECT t.adcode, t.kind, t.facilities, CAST(g.day AS DATE) AS day
    FROM totals t CROSS JOIN generate_series($first, $d, INTERVAL 1 DAY) AS g(day)
)
SELECT grid.day, grid.adcode, grid.kind, grid.facilities,
       CAST(sum(coalesce(daily.delta, 0)) OVER (
           PARTITION BY grid.adcode, grid.kind ORDER BY grid.day) AS BIGINT) AS covered
FROM grid LEFT JOIN daily USING (adcode, kind, day)
ORDER BY grid.day, grid.adcode, grid.kind
"""


@query("facility")
def coverage_over_time(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """Hospital and community coverage on every day from the first data date to D.

    Per prefecture, or per county of ``region`` when given; each day t uses the window
    [t-W+1, t] with the scope's W. Columns: day (date), adcode, name, name_en,
    hospitals, hospitals_covered, hospital_coverage, communities, communities_covered,
    community_coverage. Areas without facilities of a kind have no coverage (NaN).
    The facilities counted are today's (the store keeps no date a facility was added).
    Empty when the store holds no dated data or D is before it.
    """
    first, _last = data_date_range(con)
    level = "region" if region is None else "county"
    areas = _areas(level, region, scope.province)
    columns = ["day", "adcode", "name", "name_en", "hospitals", "hospitals_covered",
               "hospital_coverage", "communities", "communities_covered", "community_coverage"]
    if first is None or first > scope.as_of:
        return pd.DataFrame(columns=columns)
    long = con.execute(
        _OVER_TIME_SQL.format(area=_AREA_SQL[level]),
        {"d": scope.as_of, "w": scope.window, "first": first, "prov": scope.prefix,
         "region": region},
    ).df()
    long["day"] = pd.to_datetime(long["day"]).dt.date
    days = [d.date() for d in pd.date_range(first, scope.as_of, freq="D")]
    out = pd.MultiIndex.from_product([days, list(areas["adcode"])],
                                     names=["day", "adcode"]).to_frame(index=False)
    for kind in KINDS:
        p = _PREFIX[kind]
        part = long[long["kind"] == kind][["day", "adcode", "facilities", "covered"]]
        part = part.rename(columns={"facilities": p, "covered": f"{p}_covered"})
        out = out.merge(part, on=["day", "adcode"], how="left")
        out[[p, f"{p}_covered"]] = out[[p, f"{p}_covered"]].fillna(0).astype("int64")
        out[_RATIO[kind]] = (out[f"{p}_covered"] / out[p].where(out[p] > 0)).astype("float64")
    out = out.merge(areas, on="adcode", how="left")
    return out[columns]


@query("facility")
def coverage_vs_burden(con, scope: Scope) -> pd.DataFrame:
    """Per prefecture: coverage against burden, with the ``under_served`` flag.

    Columns: adcode, name, name_en, population, facilities (hospitals + communities),
    facilities_covered, coverage (None without facilities), open_needs,
    open_needs_per_10k, confirmed_cum, confirmed_per_10k (None without case data) and
    under_served (see ``UNDER_SERVED_RULE``; False where a figure is undefined).
    """
    summary = region_summary(con, scope)
    out = summary[["adcode", "name", "name_en", "population", "open_needs",
                   "open_needs_per_10k", "confirmed_cum"]].copy()
    out["facilities"] = summary["hospitals"] + summary["communities"]
    out["facilities_covered"] = summary["hospitals_covered"] + summary["communities_covered"]
    out["coverage"] = (out["facilities_covered"] / out["facilities"].where(out["facilities"] > 0)
                       ).astype("float64")
    pop = out["population"].where(out["population"] > 0)
    out["confirmed_per_10k"] = (out["confirmed_cum"] * 10_000 / pop).astype("float64")
    defined = out["coverage"].notna() & out["open_needs_per_10k"].notna()
    burden_median = out.loc[defined, "open_needs_per_10k"].median()
    coverage_median = out.loc[defined, "coverage"].median()
    out["under_served"] = (defined & (out["open_needs_per_10k"] > burden_median)
                           & (out["coverage"] < coverage_median)).astype(bool)
    out.attrs["burden_median"] = burden_median
    out.attrs["coverage_median"] = coverage_median
    return out[["adcode", "name", "name_en", "population", "facilities", "facilities_covered",
                "coverage", "open_needs", "open_needs_per_10k", "confirmed_cum",
                "confirmed_per_10k", "under_served"]]
