"""Tables derived from the records, kept current as the records change.

An analysis that recomputed, on every page, which need each of a million deliveries
counts toward would spend seconds before drawing anything. The store keeps that answer
as a table instead, ``need_links`` (delivery_id, need_id, link_rule), and updates it in
the same transaction as the write that changes it, for only the deliveries the write can
affect:

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

Derived tables live where the analyses run, in DuckDB: the file store keeps them as it
is written; a replica of a PostgreSQL store keeps its own as it applies the changes it
reads. Writes mark what they touch (:func:`note`) and the outermost transaction applies
the marks before it commits (:func:`apply`).
"""

from __future__ import annotations

# The migration that made the derived tables: a store brought past it is rebuilt once.
MIGRATION = 6
TABLES = ("need_links",)

DELIVERY_DATE = "coalesce(d.delivered_on, d.dispatched_on, d.expected_on)"
# A need open on a delivery's date c.x (closing on c.x still counts).
_OPEN_ON_X = ("n.reported_on <= c.x AND n.status <> 'cancelled' "
              "AND (n.closed_on IS NULL OR n.closed_on >= c.x)")
_TOUCH = "_derived_touch"
_RELINK = "_derived_relink"
# Above this many marks a write relinks everything: one pass beats a long semi-join.
_FULL_ABOVE = 200_000


def links_select(subset: str = "TRUE") -> str:
    """SQL selecting (delivery_id, need_id, link_rule) for the deliveries ``d`` that
    satisfy ``subset`` (an SQL condition on ``d``; code-made, never user input)."""
    return f"""
    SELECT d.delivery_id, d.need_id, 'explicit' AS link_rule
    FROM deliveries d JOIN needs n ON n.need_id = d.need_id
    WHERE ({subset}) AND ({DELIVERY_DATE} IS NULL OR {DELIVERY_DATE} >= n.reported_on)
    UNION ALL
    SELECT delivery_id, need_id, 'matched' AS link_rule FROM (
        SELECT c.delivery_id, n.need_id,
               row_number() OVER (PARTITION BY c.delivery_id
                                  ORDER BY n.reported_on, n.need_id) AS rk
        FROM (SELECT d.delivery_id, d.facility_id, d.category, trim(d.item) AS item,
                     {DELIVERY_DATE} AS x
              FROM deliveries d WHERE d.need_id IS NULL AND ({subset})) c
        JOIN needs n ON n.facility_id = c.facility_id AND n.category = c.category
             AND trim(n.item) IS NOT DISTINCT FROM c.item
        WHERE c.x IS NOT NULL AND {_OPEN_ON_X}
    ) AS ranked WHERE rk = 1
    """


def rebuild(con) -> None:
    """Recompute every derived table from the records (a DuckDB connection)."""
    con.execute("DELETE FROM need_links")
    con.execute(f"INSERT INTO need_links {links_select()}")


def _has(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                            "AND table_name = ?", [name]).fetchone()[0])


def _marks(con) -> None:
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCH} (kind VARCHAR, k VARCHAR)")


def note_all(con) -> None:
    """Mark that the write in progress replaces the records wholesale (the demo, a first
    replica refresh): the derived tables are rebuilt before it commits."""
    _marks(con)
    con.execute(f"INSERT INTO {_TOUCH} VALUES ('all', NULL)")


def note(con, name: str, rows: str) -> None:
    """Mark what a write to table ``name`` can change, before it is applied: ``rows`` is
    a relation (a temporary table's name) holding the rows about to be written or
    retracted, at least their key. Call it while the table still holds the old rows."""
    if name not in ("needs", "deliveries"):
        return
    _marks(con)
    if con.execute(f"SELECT count(*) FROM {_TOUCH} WHERE kind = 'all'").fetchone()[0]:
        return
    if name == "deliveries":
        con.execute(f"INSERT INTO {_TOUCH} SELECT 'delivery', delivery_id FROM {rows}")
        return
    columns = {r[0] for r in con.execute(f"SELECT * FROM {rows} LIMIT 0").description}
    con.execute(f"INSERT INTO {_TOUCH} SELECT 'need', need_id FROM {rows}")
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
    elif marks[0]:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {_RELINK} AS
            SELECT delivery_id AS k FROM deliveries WHERE facility_id IN
                (SELECT k FROM {_TOUCH} WHERE kind = 'facility')
            UNION SELECT delivery_id FROM deliveries WHERE need_id IN
                (SELECT k FROM {_TOUCH} WHERE kind = 'need')
            UNION SELECT k FROM {_TOUCH} WHERE kind = 'delivery'""")
        con.execute(f"DELETE FROM need_links WHERE delivery_id IN (SELECT k FROM {_RELINK})")
        con.execute("INSERT INTO need_links "
                    + links_select(f"d.delivery_id IN (SELECT k FROM {_RELINK})"))
        con.execute(f"DROP TABLE {_RELINK}")
    con.execute(f"DROP TABLE {_TOUCH}")
