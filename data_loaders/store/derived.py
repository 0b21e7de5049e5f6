"""Tables derived from the records, kept current as the records change.

An analysis that recomputed, on every page, which need each of a million deliveries
counts toward would spend seconds before drawing anything. The store keeps that answer
as a table instead, ``need_links`` (delivery_id, need_id, link_rule), and updates it in
the same transaction as the write that changes it, for only the deliveries the write can
affect. Each link also carries its state on any day (``_link_state``: the quantity, the
day it counts as delivered, the days it is on the way, how late it came after the need
closed: _link_state), so the open needs at D read one narrow table: at 100x the part of the Needs
page's query that adds up what arrived and what is on the way fell from 0.55 s to 0.31 s.
A link's state depends only on its delivery and its need, and a write to either relinks
it:

- a need written or retracted relinks every delivery at its facility (before and after
  the write) and every delivery that names it;
- a delivery written or retracted relinks itself.

A delivery's link depends only on itself and on the needs of its own facility (or the
need it names), so this is exactly the set whose answer can change;
tests/test_derived.py rebuilds the table from scratch after random sequences of imports,
corrections and retractions and compares it row for row.

The rule itself (docs/METHODS.md, "Linking deliveries to needs"):

- ``explicit``: the delivery names a ``need_id``; it counts toward that need, unless the
  delivery's date (delivered, else dispatched, else expected) is before the need was
  reported. An explicit delivery without any date keeps its link.
- ``matched``: the delivery names no need; it is linked to the need at the same facility
  with the same category and item (compared after trimming spaces; two empty items are
  equal) that was reported on or before the delivery's date and still open on it (not
  cancelled; closed on or after that date). The earliest reported wins (ties: the
  smallest need_id). A delivery without any date is never matched.

The store also keeps every organisation's signs of work, ``work_signs`` (org_id,
region_adcode, county_adcode, day), one row per organisation, area and day: an activity
report (in its region), or a delivery with status delivered that the organisation supplied
or carried (in the facility's region and county, on ``delivered_on``). Reading activity
for a date range then scans a few hundred thousand rows instead of every delivery twice.
A write recomputes only the (organisation, day) pairs it touches, before and after: a
delivery's supplier and carrier on its delivered day, an activity report's organisation on
its day, and for a facility (its region may change) every delivery made there.

Per area and day, ``area_day_deltas`` (DELTA_COLUMNS) holds how the open needs, the
urgent open needs, the open needs at community and village facilities and the overdue
deliveries of the facilities there change that day, and how many deliveries were
delivered there that day (all, and to hospitals): a need opens on ``reported_on`` and
stops being open on ``closed_on`` (never, when cancelled or closed on or before the day it
was reported); a delivery is overdue from the day after ``expected_on`` until the day it
was delivered or its failure recorded (never, when it arrived failed). An area's count on
D is the sum of its changes on or before D, and its deliveries in the W days to D the
sum over those days: a few tens of thousands of rows at 100x instead of 2.7 million
needs and deliveries. A write subtracts what each row it touches added (the first time
the transaction touches it: a need, a delivery, every need and delivery of a facility
that moves) and adds what the row adds afterwards; the sums are merged in, so a write
costs what it touches, not what the store holds.

Derived tables live where the analyses run, in DuckDB: the file store keeps them as it
is written; a replica of a PostgreSQL store keeps its own as it applies the changes it
reads. Writes mark what they touch (:func:`note`) and the outermost transaction applies
the marks before it commits (:func:`apply`).
"""

from __future__ import annotations

from data_loaders.store import schema

# The migrations that made derived tables: a store brought past one is rebuilt once.
MIGRATIONS = (6, 7, 8, 9, 10)
TABLES = ("need_links", "work_signs", "area_day_deltas")

DELIVERY_DATE = "coalesce(d.delivered_on, d.dispatched_on, d.expected_on)"
# A need open on a delivery's date c.x (closing on c.x still counts).
_OPEN_ON_X = ("n.reported_on <= c.x AND n.status <> 'cancelled' "
              "AND (n.closed_on IS NULL OR n.closed_on >= c.x)")
_TOUCH = "_derived_touch"
_RELINK = "_derived_relink"
_PAIRS = "_derived_sign_pairs"  # (org_id, day): the signs of work to recompute
_CHANGES = "_derived_changes"  # the changes a write makes to area_day_deltas
_FRESH = "_derived_fresh"
# Above this many marks a write relinks everything: one pass beats a long semi-join.
_FULL_ABOVE = 200_000


# What a link means for its need on any day (docs/METHODS.md, "Unmet needs"), from the
# delivery ``d`` and the need ``n`` it counts toward:
# - delivered_on: the day from which it counts as delivered (empty unless delivered); a
#   delivery dated before its need was reported is never linked, so no linked delivery
#   arrived before its need;
# - in transit on D when transit_from <= D < transit_until: from its dispatch (always,
#   when not dispatched) until it was delivered or its failure recorded ('infinity' when
#   neither; '-infinity' when it arrived failed: never on the way);
# - days_late: how many days after the need had closed it was delivered (empty when not).
def _link_state(d: str) -> str:
    """SQL for the state columns of a link of the delivery aliased ``d`` to the need
    aliased ``n`` (the comment above)."""
    return f"""
    {d}.facility_id, {d}.quantity::DOUBLE AS quantity,
    CASE WHEN {d}.status = 'delivered' THEN {d}.delivered_on END AS delivered_on,
    coalesce({d}.dispatched_on, '-infinity'::DATE) AS transit_from,
    CASE WHEN {d}.status = 'failed' AND {d}.failed_recorded_on IS NULL THEN '-infinity'::DATE
         ELSE coalesce(least({d}.delivered_on, CASE WHEN {d}.status = 'failed'
                                                    THEN {d}.failed_recorded_on END),
                       'infinity'::DATE) END AS transit_until,
    CASE WHEN {d}.status = 'delivered' AND {d}.delivered_on > n.closed_on
         THEN date_diff('day', n.closed_on, {d}.delivered_on)::BIGINT END AS days_late"""


# The delivery columns a link's state reads.
_STATE_INPUTS = ("facility_id", "quantity", "status", "delivered_on", "dispatched_on",
                 "failed_recorded_on")


def links_select(subset: str = "TRUE") -> str:
    """SQL selecting the rows of ``need_links`` (delivery_id, need_id, link_rule and the
    link's state: :func:`_link_state`) for the deliveries ``d`` that satisfy ``subset``
    (an SQL condition on ``d``; code-made, never user input). Each branch reads only the
    deliveries chosen, so relinking a write's rows costs what it touches."""
    inputs = ", ".join(f"d.{column}" for column in _STATE_INPUTS)
    return f"""
    SELECT d.delivery_id, d.need_id, 'explicit' AS link_rule, {_link_state("d")}
    FROM deliveries d JOIN needs n ON n.need_id = d.need_id
    WHERE ({subset}) AND ({DELIVERY_DATE} IS NULL OR {DELIVERY_DATE} >= n.reported_on)
    UNION ALL
    SELECT delivery_id, need_id, 'matched' AS link_rule, * EXCLUDE (delivery_id, need_id, rk)
    FROM (
        SELECT c.delivery_id, n.need_id, {_link_state("c")},
               row_number() OVER (PARTITION BY c.delivery_id
                                  ORDER BY n.reported_on, n.need_id) AS rk
        FROM (SELECT d.delivery_id, d.category, trim(d.item) AS item, {inputs},
                     {DELIVERY_DATE} AS x
              FROM deliveries d WHERE d.need_id IS NULL AND ({subset})) c
        JOIN needs n ON n.facility_id = c.facility_id AND n.category = c.category
             AND trim(n.item) IS NOT DISTINCT FROM c.item
        WHERE c.x IS NOT NULL AND {_OPEN_ON_X}
    ) AS ranked WHERE rk = 1
    """


def signs_select(deliveries: str = "TRUE", activities: str = "TRUE") -> str:
    """SQL selecting the distinct signs of work (org_id, region_adcode, county_adcode,
    day) of the deliveries ``d`` and activity reports ``a`` that satisfy the two SQL
    conditions (code-made, never user input). Activity reports name only the
    prefecture, so their county is empty."""
    return f"""
    SELECT DISTINCT org_id, region_adcode, county_adcode, day FROM (
        SELECT a.org_id, a.region_adcode, NULL::VARCHAR AS county_adcode,
               a.reported_on AS day
        FROM activities a WHERE ({activities})
        UNION ALL
        SELECT unnest([d.supplier_id, d.carrier_id]) AS org_id, f.region_adcode,
               f.county_adcode, d.delivered_on AS day
        FROM deliveries d JOIN facilities f USING (facility_id)
        WHERE d.status = 'delivered' AND ({deliveries})
    ) AS s WHERE org_id IS NOT NULL AND day IS NOT NULL
    """


# The columns of area_day_deltas, in the table's order: the area and day, then the changes.
DELTA_COLUMNS = ("region_adcode", "county_adcode", "day", "d_open", "d_urgent", "d_overdue",
                 "d_community_open", "d_delivered", "d_hospital_delivered")
HOSPITALS_SQL = "(" + ", ".join(f"'{t}'" for t in schema.HOSPITAL_TYPES) + ")"
COMMUNITIES_SQL = "(" + ", ".join(f"'{t}'" for t in schema.COMMUNITY_TYPES) + ")"

# The days a delivery starts and stops being overdue (METHODS "Overdue delivery"): the
# day after it was expected, and the day it was delivered or its failure recorded.
_OVERDUE_FROM = "d.expected_on + 1"
_OVERDUE_UNTIL = ("CASE WHEN d.status = 'failed' THEN least(d.delivered_on, d.failed_recorded_on) "
                  "ELSE d.delivered_on END")
# Deliveries that can be overdue: one that arrived failed never was.
_CAN_BE_OVERDUE = ("d.expected_on IS NOT NULL "
                   "AND NOT (d.status = 'failed' AND d.failed_recorded_on IS NULL)")


def _events(needs: str, deliveries: str, sign: int = 1) -> str:
    """SQL selecting one row per change (DELTA_COLUMNS) that the needs ``n`` and
    deliveries ``d`` satisfying the two code-made SQL conditions make, each multiplied by
    ``sign``. The rules are the module's. The rows are chosen before they meet the
    facilities: a write's handful of rows then costs milliseconds, not a pass over every
    need."""
    return f"""
    SELECT f.region_adcode, f.county_adcode, o.day, {sign} * o.step AS d_open,
           {sign} * CASE WHEN o.urgent THEN o.step ELSE 0 END AS d_urgent, 0 AS d_overdue,
           {sign} * CASE WHEN f.facility_type IN {COMMUNITIES_SQL} THEN o.step ELSE 0 END
               AS d_community_open,
           0 AS d_delivered, 0 AS d_hospital_delivered
    FROM (SELECT facility_id, unnest([reported_on, closed_on]) AS day,
                 unnest([1, -1]) AS step, priority = 'urgent' AS urgent
          FROM needs n WHERE ({needs}) AND n.status <> 'cancelled'
            AND (n.closed_on IS NULL OR n.closed_on > n.reported_on)) AS o
    JOIN facilities f USING (facility_id)
    WHERE o.day IS NOT NULL
    UNION ALL
    SELECT f.region_adcode, f.county_adcode, o.day, 0, 0, {sign} * o.step, 0, 0, 0
    FROM (SELECT d.facility_id, unnest([{_OVERDUE_FROM}, {_OVERDUE_UNTIL}]) AS day,
                 unnest([1, -1]) AS step, {_OVERDUE_UNTIL} AS end_day,
                 {_OVERDUE_FROM} AS first_day
          FROM deliveries d WHERE ({deliveries}) AND {_CAN_BE_OVERDUE}) AS o
    JOIN facilities f USING (facility_id)
    WHERE o.day IS NOT NULL AND (o.end_day IS NULL OR o.end_day > o.first_day)
    UNION ALL
    SELECT f.region_adcode, f.county_adcode, d.delivered_on, 0, 0, 0, 0, {sign},
           {sign} * CASE WHEN f.facility_type IN {HOSPITALS_SQL} THEN 1 ELSE 0 END
    FROM deliveries d JOIN facilities f USING (facility_id)
    WHERE ({deliveries}) AND d.status = 'delivered' AND d.delivered_on IS NOT NULL
    """


def _summed(changes: str) -> str:
    """The ``changes`` relation summed per area and day; a day whose changes cancel out
    keeps no row."""
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in DELTA_COLUMNS[3:])
    kept = " OR ".join(f"sum({c}) <> 0" for c in DELTA_COLUMNS[3:])
    return f"""
    SELECT region_adcode, county_adcode, day, {sums}
    FROM ({changes}) AS changes
    GROUP BY region_adcode, county_adcode, day
    HAVING {kept}
    """


def deltas_select() -> str:
    """SQL selecting the day-by-day changes (region_adcode, county_adcode, day, d_open,
    d_urgent, d_overdue) of every area, from the records."""
    return _summed(_events("TRUE", "TRUE"))


def _in_pairs(org: str, day: str) -> str:
    return f"EXISTS (SELECT 1 FROM {_PAIRS} p WHERE p.org_id = {org} AND p.day = {day})"


def rebuild(con) -> None:
    """Recompute every derived table from the records (a DuckDB connection)."""
    con.execute("DELETE FROM need_links")
    con.execute(f"INSERT INTO need_links BY NAME {links_select()}")
    con.execute("DELETE FROM work_signs")
    con.execute(f"INSERT INTO work_signs {signs_select()}")
    con.execute("DELETE FROM area_day_deltas")
    con.execute(f"INSERT INTO area_day_deltas BY NAME {deltas_select()}")


def _has(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                            "AND table_name = ?", [name]).fetchone()[0])


def _marks(con) -> None:
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCH} (kind VARCHAR, k VARCHAR)")
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PAIRS} (org_id VARCHAR, day DATE)")
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_CHANGES} AS "
                "SELECT * FROM area_day_deltas LIMIT 0")


def _withdraw(con, kind: str, key: str, where: str) -> None:
    """Subtract what the rows of ``kind`` ('need' or 'delivery', key column ``key``)
    satisfying ``where`` add to area_day_deltas as the tables hold them now, the first
    time a write in this transaction touches each; :func:`apply` adds what they add
    after the write. Each row's change is then counted once, whatever touched it."""
    table, alias = {"need": ("needs", "n"), "delivery": ("deliveries", "d")}[kind]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_FRESH} AS SELECT {key} AS k FROM {table} "
                f"{alias} WHERE ({where}) AND {key} NOT IN "
                f"(SELECT k FROM {_TOUCH} WHERE kind = '{kind}_counted')")
    chosen = f"{alias}.{key} IN (SELECT k FROM {_FRESH})"
    con.execute(f"INSERT INTO {_CHANGES} " + _events(
        chosen if kind == "need" else "FALSE", chosen if kind == "delivery" else "FALSE", -1))
    con.execute(f"INSERT INTO {_TOUCH} SELECT '{kind}_counted', k FROM {_FRESH}")
    con.execute(f"DROP TABLE {_FRESH}")


def _counted(con, kind: str, rows: str, key: str) -> None:
    """Mark the rows ``rows`` (keys ``key``) about to be written as counted anew."""
    con.execute(f"INSERT INTO {_TOUCH} SELECT '{kind}_counted', {key} FROM {rows} "
                f"WHERE {key} NOT IN (SELECT k FROM {_TOUCH} WHERE kind = '{kind}_counted')")


def _delivery_pairs(con, where: str) -> None:
    """Mark the (supplier, day) and (carrier, day) of the delivered deliveries ``d``
    that satisfy ``where``, as the table holds them now."""
    con.execute(f"INSERT INTO {_PAIRS} SELECT * FROM (SELECT unnest([d.supplier_id, "
                f"d.carrier_id]) AS org_id, d.delivered_on AS day FROM deliveries d "
                f"WHERE d.status = 'delivered' AND d.delivered_on IS NOT NULL AND ({where})) "
                "AS p WHERE org_id IS NOT NULL")


def note_all(con) -> None:
    """Mark that the write in progress replaces the records wholesale (the demo, a first
    replica refresh): the derived tables are rebuilt before it commits."""
    _marks(con)
    con.execute(f"INSERT INTO {_TOUCH} VALUES ('all', NULL)")


def note(con, name: str, rows: str) -> None:
    """Mark what a write to table ``name`` can change, before it is applied: ``rows`` is
    a relation (a temporary table's name) holding the rows about to be written or
    retracted, at least their key. Call it while the table still holds the old rows."""
    if name not in ("needs", "deliveries", "activities", "facilities"):
        return
    _marks(con)
    if con.execute(f"SELECT count(*) FROM {_TOUCH} WHERE kind = 'all'").fetchone()[0]:
        return
    if name == "deliveries":
        con.execute(f"INSERT INTO {_TOUCH} SELECT 'delivery', delivery_id FROM {rows}")
        _delivery_pairs(con, f"d.delivery_id IN (SELECT delivery_id FROM {rows})")
        _withdraw(con, "delivery", "delivery_id",
                  f"d.delivery_id IN (SELECT delivery_id FROM {rows})")
        _counted(con, "delivery", rows, "delivery_id")
        return
    if name == "activities":
        con.execute(f"INSERT INTO {_TOUCH} SELECT 'activity', report_id FROM {rows}")
        con.execute(f"INSERT INTO {_PAIRS} SELECT org_id, reported_on FROM activities "
                    f"WHERE report_id IN (SELECT report_id FROM {rows})")
        return
    if name == "facilities":  # its region may move every delivery and need there
        _delivery_pairs(con, f"d.facility_id IN (SELECT facility_id FROM {rows})")
        there = f"facility_id IN (SELECT facility_id FROM {rows})"
        _withdraw(con, "need", "need_id", f"n.{there}")
        _withdraw(con, "delivery", "delivery_id", f"d.{there}")
        return
    columns = {r[0] for r in con.execute(f"SELECT * FROM {rows} LIMIT 0").description}
    con.execute(f"INSERT INTO {_TOUCH} SELECT 'need', need_id FROM {rows}")
    _withdraw(con, "need", "need_id", f"n.need_id IN (SELECT need_id FROM {rows})")
    _counted(con, "need", rows, "need_id")
    con.execute(f"INSERT INTO {_TOUCH} SELECT 'facility', facility_id FROM needs "
                f"WHERE need_id IN (SELECT need_id FROM {rows})")
    if "facility_id" in columns:
        con.execute(f"INSERT INTO {_TOUCH} SELECT 'facility', facility_id FROM {rows} "
                    "WHERE facility_id IS NOT NULL")


def apply(con) -> None:
    """Bring the derived tables up to the records for what :func:`note` marked, inside
    the caller's transaction; then clear the marks."""
    if not _has(con, _TOUCH):
        return
    marks = con.execute(f"SELECT count(*), count(*) FILTER (WHERE kind = 'all') "
                        f"FROM {_TOUCH}").fetchone()
    if marks[1] or marks[0] > _FULL_ABOVE:
        rebuild(con)
    else:
        _relink(con)
        _resign(con)
        _recount(con)
    for temporary in (_TOUCH, _PAIRS, _CHANGES):
        con.execute(f"DROP TABLE {temporary}")


def _relink(con) -> None:
    """Relink the deliveries the marks can affect."""
    if con.execute(f"SELECT count(*) FROM {_TOUCH} WHERE kind IN "
                   "('facility', 'need', 'delivery')").fetchone()[0]:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {_RELINK} AS
            SELECT delivery_id AS k FROM deliveries WHERE facility_id IN
                (SELECT k FROM {_TOUCH} WHERE kind = 'facility')
            UNION SELECT delivery_id FROM deliveries WHERE need_id IN
                (SELECT k FROM {_TOUCH} WHERE kind = 'need')
            UNION SELECT k FROM {_TOUCH} WHERE kind = 'delivery'""")
        con.execute(f"DELETE FROM need_links WHERE delivery_id IN (SELECT k FROM {_RELINK})")
        con.execute("INSERT INTO need_links BY NAME "
                    + links_select(f"d.delivery_id IN (SELECT k FROM {_RELINK})"))
        con.execute(f"DROP TABLE {_RELINK}")


def _resign(con) -> None:
    """Recompute the signs of work of the marked (organisation, day) pairs: those the
    records held before the write (marked by :func:`note`) and those they hold now."""
    _delivery_pairs(con, f"d.delivery_id IN (SELECT k FROM {_TOUCH} WHERE kind = 'delivery')")
    con.execute(f"INSERT INTO {_PAIRS} SELECT org_id, reported_on FROM activities WHERE "
                f"report_id IN (SELECT k FROM {_TOUCH} WHERE kind = 'activity')")
    if not con.execute(f"SELECT count(*) FROM {_PAIRS}").fetchone()[0]:
        return
    con.execute(f"DELETE FROM work_signs w WHERE {_in_pairs('w.org_id', 'w.day')}")
    days = f"(SELECT day FROM {_PAIRS})"
    orgs = f"(SELECT org_id FROM {_PAIRS})"
    con.execute("INSERT INTO work_signs SELECT * FROM (" + signs_select(
        deliveries=f"d.delivered_on IN {days} AND (d.supplier_id IN {orgs} "
                   f"OR d.carrier_id IN {orgs})",
        activities=f"a.reported_on IN {days} AND a.org_id IN {orgs}")
        + f") AS s WHERE {_in_pairs('s.org_id', 's.day')}")


def _recount(con) -> None:
    """Add what the touched needs and deliveries add to area_day_deltas now (what they
    added before was subtracted by :func:`note`), and merge the changes in."""
    counted = "IN (SELECT k FROM {} WHERE kind = '{}_counted')"
    con.execute(f"INSERT INTO {_CHANGES} " + _events(
        f"n.need_id {counted.format(_TOUCH, 'need')}",
        f"d.delivery_id {counted.format(_TOUCH, 'delivery')}"))
    if not con.execute(f"SELECT count(*) FROM {_CHANGES}").fetchone()[0]:
        return
    same = (f"EXISTS (SELECT 1 FROM {_CHANGES} c WHERE c.day = w.day AND c.region_adcode "
            "IS NOT DISTINCT FROM w.region_adcode AND c.county_adcode IS NOT DISTINCT FROM "
            "w.county_adcode)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_FRESH} AS " + _summed(
        f"SELECT * FROM area_day_deltas w WHERE {same} UNION ALL BY NAME "
        f"SELECT * FROM {_CHANGES}"))
    con.execute(f"DELETE FROM area_day_deltas w WHERE {same}")
    con.execute(f"INSERT INTO area_day_deltas BY NAME SELECT * FROM {_FRESH}")
    con.execute(f"DROP TABLE {_FRESH}")
