"""Unmet needs: what was asked for, what arrived, what is on the way, and what is left.

Pure functions over a DuckDB connection and a :class:`dashboard.analytics.metrics.Scope` (as-of
date D, window W, province). SQL takes parameters; nothing formats user input into SQL.
Definitions (also in docs/METHODS.md, "Unmet needs"):

**Linking deliveries to needs.** A delivery's *date* is ``delivered_on``, else
``dispatched_on``, else ``expected_on``.

- ``explicit``: the delivery names a ``need_id``; it counts toward that need.
- ``matched``: the delivery names no need; it is linked to the need at the same
  facility with the same category and the same item (compared after trimming spaces;
  two empty items are equal) that was reported on or before the delivery's date and
  was still open on that date (not cancelled; closed_on empty or on/after that date:
  the delivery that closes a need usually arrives on the day it is closed). Among
  several candidates the earliest reported wins (ties: the smallest need_id). A
  delivery without any date is never matched.
- A delivery dated **before** its need was reported never counts toward it, also when
  it names the need explicitly (it answered something else). An explicit delivery
  without any date keeps its link.

**Per open need at D** (open as in metrics.OPEN_NEED):

- ``delivered``: sum of linked deliveries with status delivered and
  reported_on <= delivered_on <= D;
- ``in_transit``: sum of linked deliveries that are not failed, not delivered by D
  (delivered_on empty or after D) and dispatched on or before D or not yet dispatched
  (planned deliveries are in the pipeline too);
- ``unmet`` = max(requested − delivered, 0); empty when the quantity is unknown (such
  a need is a whole need: the page shows "whole need", never 0);
- ``days_open`` = D − reported_on.

Quantities are never added across units: aggregates count needs, and quantity totals
(:func:`quantities_by_item`, :func:`projection`) are per item and unit.
"""

from __future__ import annotations

import atexit
import threading
from datetime import date

import duckdb
import pandas as pd

from dashboard.access import query
from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.analytics.metrics import (
    IN_PROVINCE,
    NOT_FAILED_AT_D,
    OPEN_NEED,
    OVERDUE,
    Scope,
    fetch_frame,
)
from dashboard.present.exports import export_text

DIMENSIONS = ("region_adcode", "category", "beneficiary_group", "priority")
PRIORITY_ORDER = ("urgent", "high", "normal")
URGENCY_WEIGHTS = {"urgent": 3.0, "high": 2.0, "normal": 1.0}

# Which need each delivery counts toward is kept by the store as the records change, in
# the table need_links (data_loaders/store/derived.py holds the rule).
# The same two rules read from a link's kept state (data_loaders/store/derived.py,
# _link_state), which the store computes from the delivery and the need as they change.
LINK_DELIVERED_BY_D = "l.delivered_on <= $d"
LINK_IN_TRANSIT_AT_D = "(l.transit_from <= $d AND l.transit_until > $d)"
_FILTERS = ("($region IS NULL OR f.region_adcode = $region) "
            "AND ($category IS NULL OR n.category = $category)")


def _params(scope: Scope, region: str | None = None, category: str | None = None) -> dict:
    return {"d": scope.as_of, "prov": scope.prefix, "region": region, "category": category}


def linked_deliveries(con, scope: Scope) -> pd.DataFrame:
    """Every delivery to a facility of the province that counts toward a need.

    Columns: delivery_id, need_id, link_rule ('explicit' or 'matched'). Deliveries
    that count toward no need are absent.
    """
    return con.execute(
        f"""
        SELECT l.delivery_id, l.need_id, l.link_rule
        FROM need_links l JOIN facilities f ON f.facility_id = l.facility_id
        WHERE {IN_PROVINCE}
        ORDER BY l.delivery_id
        """,
        {"prov": scope.prefix},
    ).df()


def _weight_sql() -> str:
    """URGENCY_WEIGHTS as a SQL CASE over ``priority`` (1 for anything else)."""
    cases = " ".join(f"WHEN '{p}' THEN {w!r}" for p, w in URGENCY_WEIGHTS.items())
    return f"CASE priority {cases} ELSE 1.0 END"


# Every need open at D with what arrived, what is on the way, its uncovered share and its
# gap score (the catalogue's needs.gap.formula), as the relation ``scored``; the analyses
# below aggregate it in SQL, so no page reads a row per need to count them.
#   uncovered_share = max(unmet − in transit, 0) ÷ requested; a need of unknown quantity
#   is 1 when nothing was delivered or is on the way, else 0; a quantity of 0 asks for
#   nothing (0).
#   gap_score = urgency weight × uncovered_share × (1 + ln(1 + days open)): a need
#   reported today still weighs (age factor 1), older ones more, with diminishing returns.
_OPEN_SQL = f"""
WITH nd AS (
    SELECT n.need_id, n.facility_id, f.name AS facility_name, f.facility_type,
           f.region_adcode, n.category, n.item, n.quantity AS requested, n.unit,
           n.reported_on, n.priority, n.beneficiary_group
    FROM needs n JOIN facilities f USING (facility_id)
    WHERE {OPEN_NEED} AND {IN_PROVINCE} AND {_FILTERS}
),
agg AS (
    SELECT l.need_id,
           sum(l.quantity) FILTER (WHERE {LINK_DELIVERED_BY_D}) AS delivered,
           sum(l.quantity) FILTER (WHERE {LINK_IN_TRANSIT_AT_D}) AS in_transit
    FROM nd JOIN need_links l ON l.need_id = nd.need_id
    WHERE {LINK_DELIVERED_BY_D} OR {LINK_IN_TRANSIT_AT_D}
    GROUP BY l.need_id
),
open_needs AS (
    SELECT nd.need_id, nd.facility_id, nd.facility_name, nd.facility_type, nd.region_adcode,
           nd.category, nd.item, nd.unit, nd.requested::DOUBLE AS requested,
           coalesce(agg.delivered, 0)::DOUBLE AS delivered,
           coalesce(agg.in_transit, 0)::DOUBLE AS in_transit,
           CASE WHEN nd.requested IS NULL THEN NULL
                ELSE greatest(nd.requested - coalesce(agg.delivered, 0), 0) END::DOUBLE AS unmet,
           date_diff('day', nd.reported_on, $d) AS days_open,
           nd.reported_on, nd.priority, nd.beneficiary_group
    FROM nd LEFT JOIN agg USING (need_id)
),
shared AS (
    SELECT *,
           CASE WHEN requested > 0 THEN greatest(unmet - in_transit, 0) / requested
                WHEN requested IS NOT NULL THEN 0.0
                WHEN delivered = 0 AND in_transit = 0 THEN 1.0
                ELSE 0.0 END AS uncovered_share
    FROM open_needs
),
scored AS (
    SELECT *, {_weight_sql()} * uncovered_share * (1 + ln(1 + greatest(days_open, 0)))
              AS gap_score
    FROM shared
)
"""
_URGENT = "count(*) FILTER (WHERE priority = 'urgent')"


def _exact_sum(column: str) -> str:
    """The sum of a column of shares or scores, the same to the last digit whatever order
    the rows arrive in (threads, the PostgreSQL replica): each value rounded to 12
    decimals and added as a decimal, exactly."""
    return f"sum(round({column}, 12)::DECIMAL(38, 12))::DOUBLE"


def _open(con, scope: Scope, select: str, region: str | None = None,
          category: str | None = None, frame: pd.DataFrame | None = None,
          **params) -> pd.DataFrame:
    """``select`` (a statement reading ``scored``; it may open with more common table
    expressions after a comma) over the needs open at D.

    With ``frame`` (a :func:`needs_at` result, which holds every column of ``scored``)
    the same statement reads that frame instead of the store: a page that has the open
    needs already counts them in milliseconds, not in a second pass over the store."""
    if frame is None:
        return con.execute(_OPEN_SQL + select, {**_params(scope, region, category), **params}).df()
    rows = frame
    if region is not None:
        rows = rows[rows["region_adcode"] == region]
    if category is not None:
        rows = rows[rows["category"] == category]
    # Only the columns the statement names: DuckDB reads a column of Python strings one
    # value at a time, and a country's open needs have half a million rows.
    rows = rows[[c for c in rows.columns if c in select]]
    local = _frame_cursor()  # what a cursor registers, only that cursor sees
    try:
        local.register("scored", rows)  # pandas NaN reads as NULL, as in the store
        return local.execute(select, params or None).df()
    finally:
        local.close()


_FRAMES: list[duckdb.DuckDBPyConnection] = []
_FRAMES_LOCK = threading.Lock()


def _frame_cursor() -> duckdb.DuckDBPyConnection:
    """A new cursor on the one in-memory database that counts frames, shared by every
    call (taken under a lock: threads share the database): opening a database costs
    30–40 ms, and the Needs page counts its open needs a dozen ways."""
    with _FRAMES_LOCK:
        if not _FRAMES:
            _FRAMES.append(duckdb.connect())
            atexit.register(_close_frames)
        return _FRAMES[0].cursor()


def _close_frames() -> None:
    """Close the shared database before the interpreter tears the bindings down (left
    open, DuckDB's bindings report leaked objects on exit)."""
    with _FRAMES_LOCK:
        while _FRAMES:
            _FRAMES.pop().close()


@query("facility")
def needs_at(con, scope: Scope, region: str | None = None,
             category: str | None = None) -> pd.DataFrame:
    """One row per need open at D in the province (optionally one prefecture/category).

    Urgent first, then high, then normal; within a priority the oldest first.
    ``requested`` and ``unmet`` are NaN when the need gave no quantity;
    ``uncovered_share`` and ``gap_score`` are the need's parts of the gap ranking.
    """
    # Through Arrow (as metrics.fetch_frame), which also makes the dates: pandas made
    # them from datetimes in 0.07 s at 100x (0.4 s with the page's other queries
    # running), Arrow in 0.004 s.
    frame = con.execute(_OPEN_SQL + """
        SELECT * FROM scored
        ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,
                 days_open DESC, need_id
        """, _params(scope, region, category)).to_arrow_table().to_pandas(date_as_object=True)
    for col in ("requested", "delivered", "in_transit", "unmet", "uncovered_share", "gap_score"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["days_open"] = frame["days_open"].astype("int64")
    return frame


@query("facility", reuses={"frame": "needs.needs_at"})
def open_summary(con, scope: Scope, region: str | None = None,
                 frame: pd.DataFrame | None = None) -> dict[str, float]:
    """The open needs at D in four counts: open, urgent, uncovered (a sum of shares, in
    whole needs) and unquantified (without a quantity)."""
    row = _open(con, scope, f"""
        SELECT count(*) AS open, {_URGENT} AS urgent,
               coalesce({_exact_sum('uncovered_share')}, 0) AS uncovered,
               count(*) FILTER (WHERE requested IS NULL) AS unquantified
        FROM scored""", region, frame=frame).iloc[0]
    return {"open": int(row["open"]), "urgent": int(row["urgent"]),
            "uncovered": float(row["uncovered"]), "unquantified": int(row["unquantified"])}


@query("facility", reuses={"frame": "needs.needs_at"})
def needs_by(con, scope: Scope, dimension: str, region: str | None = None,
             frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open needs at D counted by ``dimension`` (one of DIMENSIONS).

    Columns: the dimension, open_needs, urgent_needs, quantified_needs (with a
    quantity), unquantified_needs, uncovered_needs (the sum of the needs' uncovered
    shares, in whole needs) and uncovered_share = uncovered_needs ÷ open_needs. Counts
    only: quantities of different items and units are never added (see
    :func:`quantities_by_item`). Most uncovered first.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; use one of {DIMENSIONS}")
    # ``dimension`` is one of DIMENSIONS (checked above): a column name, never user text.
    out = _open(con, scope, f"""
        SELECT coalesce({dimension}, '') AS {dimension}, count(*) AS open_needs,
               {_URGENT} AS urgent_needs, count(requested) AS quantified_needs,
               count(*) FILTER (WHERE requested IS NULL) AS unquantified_needs,
               {_exact_sum('uncovered_share')} AS uncovered_needs
        FROM scored GROUP BY 1""", region, frame=frame)
    for col in ("open_needs", "urgent_needs", "quantified_needs", "unquantified_needs"):
        out[col] = out[col].astype("int64")
    out["uncovered_needs"] = out["uncovered_needs"].astype("float64")
    out["uncovered_share"] = out["uncovered_needs"] / out["open_needs"]
    out = out.sort_values(["uncovered_needs", "open_needs", dimension],
                          ascending=[False, False, True])
    return out.reset_index(drop=True)


QUANTITY_COLUMNS = ["category", "item", "unit", "open_needs", "requested", "delivered",
                    "in_transit", "unmet", "remaining"]
# Item and unit as they are compared: trimmed, '' when the need gave none.
_ITEM_UNIT = "coalesce(trim(item), '') AS item, coalesce(trim(unit), '') AS unit"


@query("facility", reuses={"frame": "needs.needs_at"})
def quantities_by_item(con, scope: Scope, region: str | None = None,
                       frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Quantities of the open needs at D that gave one, per category, item and unit.

    The only place quantities are totalled: within one item and one unit, never across
    (masks in 只 and suits in 套 are two rows). Columns QUANTITY_COLUMNS; remaining =
    Σ max(unmet − in transit, 0); item and unit are '' when the need gave none. Most
    open needs first.
    """
    out = _open(con, scope, f"""
        SELECT category, {_ITEM_UNIT}, count(*) AS open_needs,
               sum(requested) AS requested, sum(delivered) AS delivered,
               sum(in_transit) AS in_transit, sum(unmet) AS unmet,
               sum(greatest(unmet - in_transit, 0)) AS remaining
        FROM scored WHERE requested IS NOT NULL
        GROUP BY ALL ORDER BY open_needs DESC, category, item, unit""", region,
                frame=frame)
    out["open_needs"] = out["open_needs"].astype("int64")
    return out[QUANTITY_COLUMNS]


@query("facility", reuses={"frame": "needs.needs_at"})
def ageing(con, scope: Scope, region: str | None = None,
           frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many needs open at D have been open for how many days (for a bar chart).

    Columns: days_open, open_needs; one row per number of days that occurs, fewest days
    first.
    """
    out = _open(con, scope, """
        SELECT days_open, count(*) AS open_needs FROM scored GROUP BY 1 ORDER BY 1""", region, frame=frame)
    return out.astype({"days_open": "int64", "open_needs": "int64"})


@query("facility")
def time_to_fulfil(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """Median days from reported_on to closed_on of needs met on or before D.

    Columns: region_adcode, category, needs_met, median_days. Cancelled needs are not
    fulfilled and are left out.
    """
    return con.execute(
        f"""
        SELECT f.region_adcode, n.category, count(*) AS needs_met,
               median(date_diff('day', n.reported_on, n.closed_on))::DOUBLE AS median_days
        FROM needs n JOIN facilities f USING (facility_id)
        WHERE n.status = 'met' AND n.closed_on IS NOT NULL AND n.closed_on <= $d
          AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
        GROUP BY ALL ORDER BY f.region_adcode, n.category
        """,
        {"d": scope.as_of, "prov": scope.prefix, "region": region},
    ).df()


REGION_GAP_COLUMNS = ["rank", "region_adcode", "name", "name_en", "population", "open_needs",
                      "urgent_needs", "uncovered_needs", "score_total", "score"]
FACILITY_GAP_COLUMNS = ["rank", "facility_id", "facility_name", "facility_type", "region_adcode",
                        "open_needs", "urgent_needs", "uncovered_needs", "score"]
# What a gap ranking sums per region or facility. Scores are compared rounded to 9
# decimals, so two scores equal but for the last bits of floating point (a need's share ×
# weight reached two ways) tie, and the stated keys break the tie on every run.
_GAP_SUMS = (f"count(*) AS open_needs, {_URGENT} AS urgent_needs, "
             f"{_exact_sum('uncovered_share')} AS uncovered_needs, {_exact_sum('gap_score')} AS score")


@query("facility", reuses={"frame": "needs.needs_at"})
def gap_ranking(con, scope: Scope, level: str = "region", region: str | None = None,
                limit: int | None = None, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """THE gap ranking (its formula: the catalogue's needs.gap.formula): the Briefing,
    the Needs page and the Funding page all rank by this function's ``rank``.

    level='region': REGION_GAP_COLUMNS — score is per million residents (NaN without
    a population), score_total the unscaled sum. level='facility':
    FACILITY_GAP_COLUMNS. uncovered_needs = Σ uncovered shares (whole needs); no
    quantity is added across units. Highest score first (no population last; ties:
    the larger unscaled score, more open needs, then the code); rank = 1, 2, 3, … in
    that order. ``limit`` keeps the first rows of the facility ranking (their ranks are
    their places among all).
    """
    if level not in ("region", "facility"):
        raise ValueError("level must be 'region' or 'facility'")
    regions, facilities = gap_rankings(con, scope, region, limit, levels=(level,),
                                          frame=frame)
    return regions if level == "region" else facilities


def gap_rankings(con, scope: Scope, region: str | None = None, limit: int | None = None,
                 levels: tuple[str, ...] = ("region", "facility"),
                 frame: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """:func:`gap_ranking` of the regions and of the facilities (the first ``limit``)
    from one pass over the open needs; a level not in ``levels`` is None."""
    sets = {"region": "(region_adcode)",
            "facility": "(facility_id, facility_name, facility_type, region_adcode)"}
    grouping = ", ".join(sets[level] for level in levels)
    facility = ("facility_id, facility_name, facility_type" if "facility" in levels else
                "NULL AS facility_id, NULL AS facility_name, NULL AS facility_type")
    # A region's row has no facility: the facilities are ranked among themselves here,
    # the regions in Python (their order needs the population).
    out = _typed(_open(con, scope, f"""
        SELECT *, CASE WHEN is_region = 0 THEN row_number() OVER (
                      PARTITION BY is_region
                      ORDER BY round(score, 9) DESC, open_needs DESC, facility_id) END AS rank
        FROM (SELECT (facility_id IS NULL)::INTEGER AS is_region, *
              FROM (SELECT {facility}, region_adcode, {_GAP_SUMS}
                    FROM scored GROUP BY GROUPING SETS ({grouping})))
        QUALIFY is_region = 1 OR $limit IS NULL OR rank <= $limit
        ORDER BY is_region, rank""", region, frame=frame, limit=limit))
    facilities = None
    if "facility" in levels:
        facilities = out[out["is_region"] == 0].reset_index(drop=True)
        facilities["rank"] = facilities["rank"].astype("int64")
        facilities = facilities[FACILITY_GAP_COLUMNS]
    regions = _rank_regions(out[out["is_region"] == 1], scope) if "region" in levels else None
    return regions, facilities


def _rank_regions(out: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The regions' gap sums ranked: per million residents, REGION_GAP_COLUMNS."""
    from geo.regions import load_registry

    info = {r.adcode: r for r in load_registry().prefectures(scope.province)}
    out = out.reset_index(drop=True)
    out["name"] = [info[a].name if a in info else a for a in out["region_adcode"]]
    out["name_en"] = [info[a].name_en if a in info else a for a in out["region_adcode"]]
    out["population"] = [
        float(info[a].population) if a in info and info[a].population else float("nan")
        for a in out["region_adcode"]]
    out = out.rename(columns={"score": "score_total"})
    out["score"] = out["score_total"] * 1_000_000 / out["population"]
    order = out.assign(score=out["score"].round(9), score_total=out["score_total"].round(9))
    order = order.sort_values(["score", "score_total", "open_needs", "region_adcode"],
                              ascending=[False, False, False, True], na_position="last")
    out = out.loc[order.index].reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    return out[REGION_GAP_COLUMNS]


def gap_sums(con, scope: Scope, region: str | None = None, category: str | None = None,
             frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The gap ranking's sums per region × category (for the Funding page's priorities):
    region_adcode, category, open_needs, urgent_needs, uncovered_needs, gap_score."""
    out = _open(con, scope, f"SELECT region_adcode, category, {_GAP_SUMS} FROM scored GROUP BY ALL",
                region, category, frame=frame)
    return _typed(out).rename(columns={"score": "gap_score"})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A ranking's counts as integers and sums as floats (an empty result too)."""
    for col in ("open_needs", "urgent_needs"):
        frame[col] = frame[col].astype("int64")
    for col in ("uncovered_needs", "score"):
        frame[col] = frame[col].astype("float64")
    return frame


# Deliveries delivered (on or before D) after their linked need had closed, as narrow
# rows from the links' kept state (days_late): the names, items and the need's closing
# are read afterwards, for the rows asked for only.
_LATE = f"""
    WITH late AS (
        SELECT l.delivery_id, l.need_id, l.link_rule, l.facility_id, l.delivered_on,
               l.days_late
        FROM need_links l JOIN facilities f ON f.facility_id = l.facility_id
        WHERE l.days_late IS NOT NULL AND l.delivered_on <= $d
          AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
    ),
    chosen AS (
        SELECT *, count(*) OVER () AS late_total FROM late
        ORDER BY days_late DESC, delivery_id LIMIT $limit
    )
    SELECT c.delivery_id, c.need_id, c.link_rule, c.facility_id, f.name AS facility_name,
           f.region_adcode, d.category, d.item, d.quantity, d.unit, n.closed_on, c.delivered_on,
           c.days_late, n.status AS need_status, c.late_total
    FROM chosen c JOIN deliveries d USING (delivery_id) JOIN needs n ON n.need_id = c.need_id
    JOIN facilities f ON f.facility_id = c.facility_id
    ORDER BY c.days_late DESC, c.delivery_id
"""


def _late(con, scope: Scope, region: str | None, limit: int | None) -> tuple[pd.DataFrame, int]:
    frame = fetch_frame(con, _LATE, {"d": scope.as_of, "prov": scope.prefix, "region": region,
                                     "limit": None if limit is None else int(limit)})
    total = int(frame["late_total"].iloc[0]) if len(frame) else 0
    return frame.drop(columns="late_total"), total


@query("facility")
def late_deliveries(con, scope: Scope, region: str | None = None,
                    limit: int | None = None) -> pd.DataFrame:
    """Deliveries delivered (on or before D) after their linked need had closed, the
    latest first; the first ``limit`` of them.

    Columns: delivery_id, need_id, link_rule, facility_id, facility_name, region_adcode,
    category, item, quantity, unit, closed_on, delivered_on, days_late, need_status.
    """
    return _late(con, scope, region, limit)[0]


@query("facility")
def late_deliveries_shown(con, scope: Scope, region: str | None = None,
                          limit: int = 2_000) -> dict:
    """What a page shows of :func:`late_deliveries`: ``rows``, the first ``limit`` of
    them (a screenful, not 100,000), and ``total``, how many there are in all (one pass)."""
    rows, total = _late(con, scope, region, limit)
    return {"rows": rows, "total": total}


def _share(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


@query("facility")
def mismatch_over_time(con, scope: Scope, region: str | None = None,
                       first: date | None = None) -> pd.DataFrame:
    """Per day from the first data date to D: where supplies went vs where needs are.

    hospital_delivered_share: deliveries delivered to hospitals ÷ all deliveries
    delivered, over the W days ending that day (NaN when nothing was delivered) — a
    count, because quantities in different units cannot be added;
    community_open_share: open needs at community and village facilities ÷ all open
    needs that day (NaN when none is open). Columns: day, delivered, hospital_delivered,
    open_needs, community_open_needs and the two shares.
    """
    if first is None:
        from dashboard.analytics.metrics import data_date_range

        first = data_date_range(con)[0]
    if first is None or first > scope.as_of:
        return pd.DataFrame(columns=["day", "delivered", "hospital_delivered", "open_needs",
                                     "community_open_needs", "hospital_delivered_share",
                                     "community_open_share"])
    # Running sums of the store's per-area daily changes (area_day_deltas, kept as the
    # records change): deliveries in the W days ending on a day are the running count
    # then minus the running count W days before; needs open on a day are the running
    # sum of needs opened and closed by then.
    frame = con.execute(
        f"""
        WITH days AS (
            SELECT day, day - $w::INTEGER AS before FROM (SELECT unnest(generate_series(
                $first::DATE, $d::DATE, INTERVAL 1 DAY))::DATE AS day) AS calendar
        ),
        cum AS (
            SELECT day, sum(sum(d_delivered)) OVER (ORDER BY day) AS n,
                   sum(sum(d_hospital_delivered)) OVER (ORDER BY day) AS h,
                   sum(sum(d_open)) OVER (ORDER BY day) AS open,
                   sum(sum(d_community_open)) OVER (ORDER BY day) AS copen
            FROM area_day_deltas f
            WHERE f.day <= $d AND {IN_PROVINCE}
              AND ($region IS NULL OR f.region_adcode = $region)
            GROUP BY day
        )
        SELECT days.day,
               coalesce(a.n, 0) - coalesce(b.n, 0) AS delivered,
               coalesce(a.h, 0) - coalesce(b.h, 0) AS hospital_delivered,
               coalesce(a.open, 0) AS open_needs,
               coalesce(a.copen, 0) AS community_open_needs
        FROM days
        ASOF LEFT JOIN cum a ON days.day >= a.day
        ASOF LEFT JOIN cum b ON days.before >= b.day
        ORDER BY days.day
        """,
        {"first": first, "d": scope.as_of, "w": scope.window, "prov": scope.prefix,
         "region": region},
    ).df()
    for col in ("delivered", "hospital_delivered", "open_needs", "community_open_needs"):
        frame[col] = frame[col].astype("int64")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["hospital_delivered_share"] = [
        _share(h, t) for h, t in zip(frame["hospital_delivered"], frame["delivered"])]
    frame["community_open_share"] = [
        _share(c, o) for c, o in zip(frame["community_open_needs"], frame["open_needs"])]
    return frame


@query("facility")
def logistics(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """Per carrier at D, for deliveries to facilities of the province.

    in_transit: not failed, dispatched on or before D, not delivered by D; planned: not
    failed, not yet dispatched by D and not delivered by D; overdue as in metrics;
    on_time_rate: among deliveries delivered on or before D that had an expected date,
    the share with delivered_on <= expected_on (NaN when none). Carrier empty → ''.
    """
    return con.execute(
        f"""
        SELECT coalesce(d.carrier_id, '') AS carrier_id, coalesce(o.name, '') AS carrier_name,
               count(*) FILTER (WHERE {NOT_FAILED_AT_D} AND d.dispatched_on <= $d
                   AND (d.delivered_on IS NULL OR d.delivered_on > $d)) AS in_transit,
               count(*) FILTER (WHERE {NOT_FAILED_AT_D}
                   AND (d.dispatched_on IS NULL OR d.dispatched_on > $d)
                   AND (d.delivered_on IS NULL OR d.delivered_on > $d)) AS planned,
               count(*) FILTER (WHERE {OVERDUE}) AS overdue,
               count(*) FILTER (WHERE d.status = 'delivered' AND d.delivered_on <= $d
                   AND d.expected_on IS NOT NULL) AS delivered_with_date,
               count(*) FILTER (WHERE d.status = 'delivered' AND d.delivered_on <= $d
                   AND d.delivered_on <= d.expected_on) AS on_time
        FROM deliveries d JOIN facilities f USING (facility_id)
        LEFT JOIN organizations o ON o.org_id = d.carrier_id
        WHERE {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
          AND (d.dispatched_on <= $d OR d.delivered_on <= $d OR d.status IN ('planned', 'in_transit'))
        GROUP BY ALL ORDER BY carrier_id
        """,
        {"d": scope.as_of, "prov": scope.prefix, "region": region},
    ).df().assign(on_time_rate=lambda df: [
        _share(o, n) for o, n in zip(df["on_time"], df["delivered_with_date"])])


@query("facility")
def delay_distribution(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """delivered_on − expected_on in days, per delivery delivered on or before D.

    Negative is early. Columns: delivery_id, carrier_id, delay_days.
    """
    return fetch_frame(con, f"""
        SELECT d.delivery_id, coalesce(d.carrier_id, '') AS carrier_id,
               date_diff('day', d.expected_on, d.delivered_on) AS delay_days
        FROM deliveries d JOIN facilities f USING (facility_id)
        WHERE d.status = 'delivered' AND d.delivered_on <= $d AND d.expected_on IS NOT NULL
          AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
        ORDER BY d.delivery_id
        """,
        {"d": scope.as_of, "prov": scope.prefix, "region": region},
    )


@query("aggregate")
def delay_counts(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """How many deliveries arrived each number of days after they were expected (as
    :func:`delay_distribution`, counted in the store: a chart needs the counts, never a
    row per delivery). Columns: delay_days, deliveries; shortest delay first."""
    return fetch_frame(con, f"""
        SELECT date_diff('day', d.expected_on, d.delivered_on) AS delay_days,
               count(*) AS deliveries
        FROM deliveries d JOIN facilities f USING (facility_id)
        WHERE d.status = 'delivered' AND d.delivered_on <= $d AND d.expected_on IS NOT NULL
          AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
        GROUP BY delay_days ORDER BY delay_days
        """,
        {"d": scope.as_of, "prov": scope.prefix, "region": region},
    )


PROJECTION_COLUMNS = ["region_adcode", "category", "item", "unit", "open_needs", "unmet",
                      "in_transit", "remaining", "delivered_in_window", "rate_per_day", "days"]


@query("facility")
def delivery_rates(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """Quantities delivered (status delivered) within the window to facilities of the
    province, per region, category, item and unit (trimmed; '' when empty), in that
    order: the rates :func:`projection` divides by. Columns: region_adcode, category, item, unit,
    delivered_in_window."""
    return con.execute(
        f"""
        SELECT f.region_adcode, d.category, coalesce(trim(d.item), '') AS item,
               coalesce(trim(d.unit), '') AS unit,
               coalesce(sum(d.quantity), 0)::DOUBLE AS delivered_in_window
        FROM deliveries d JOIN facilities f USING (facility_id)
        WHERE d.status = 'delivered' AND d.delivered_on BETWEEN $start AND $d AND {IN_PROVINCE}
          AND ($region IS NULL OR f.region_adcode = $region)
        GROUP BY ALL ORDER BY ALL
        """,
        {"d": scope.as_of, "start": scope.start, "prov": scope.prefix, "region": region},
    ).df()


@query("facility", reuses={"frame": "needs.needs_at", "rates": "needs.delivery_rates"})
def projection(con, scope: Scope, region: str | None = None,
               frame: pd.DataFrame | None = None,
               rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per region × category × item × unit with open needs at D that gave a quantity:
    how long the rest takes at this rate.

    remaining = Σ max(unmet − in_transit, 0) over those needs; rate = quantity of the
    same category, item (trimmed) and unit delivered (status delivered) to facilities
    of the region within the window ÷ W (:func:`delivery_rates`, read from the store
    unless given); days = remaining ÷ rate, 0 when nothing remains, None ("not at this
    rate") when the rate is 0. Quantities are never added across items or units; needs
    without a quantity have no projection.
    """
    keys = ["region_adcode", "category", "item", "unit"]
    out = _open(con, scope, f"""
        SELECT region_adcode, category, {_ITEM_UNIT}, count(*) AS open_needs,
               sum(unmet) AS unmet, sum(in_transit) AS in_transit,
               sum(greatest(unmet - in_transit, 0)) AS remaining
        FROM scored WHERE requested IS NOT NULL GROUP BY ALL""", region, frame=frame)
    if out.empty:
        return pd.DataFrame(columns=PROJECTION_COLUMNS)
    if rates is None:
        rates = delivery_rates(con, scope, region)
    out = out.merge(rates, on=keys, how="left")
    out["open_needs"] = out["open_needs"].astype("int64")
    out["delivered_in_window"] = out["delivered_in_window"].fillna(0.0).astype("float64")
    out["rate_per_day"] = out["delivered_in_window"] / scope.window

    def days(remaining: float, rate: float) -> float | None:
        if remaining == 0:
            return 0.0
        return remaining / rate if rate > 0 else None

    out["days"] = pd.Series([days(r, v) for r, v in zip(out["remaining"], out["rate_per_day"])],
                            index=out.index, dtype="object")
    return out[PROJECTION_COLUMNS].sort_values(keys).reset_index(drop=True)


EXPORT_COLUMNS = ["need_id", "facility_id", "facility_name", "facility_type", "region_adcode",
                  "category", "item", "unit", "requested", "delivered", "in_transit", "unmet",
                  "days_open", "reported_on", "priority", "beneficiary_group"]


@query("facility")
def export_needs(con, as_of: date, window: int = DEFAULT_WINDOW, fmt: str = "csv",
                 province: str | None = None) -> str:
    """Every need open at ``as_of`` with its delivered, in-transit and unmet quantities,
    as ``fmt`` (dashboard.present.exports.export_text: csv or json)."""
    frame = needs_at(con, Scope(as_of, window, province))[EXPORT_COLUMNS].copy()
    frame["reported_on"] = [d.isoformat() if hasattr(d, "isoformat") else d
                            for d in frame["reported_on"]]
    return export_text(frame, fmt)
