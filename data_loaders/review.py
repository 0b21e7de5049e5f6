"""The review queue: proposed matches a person confirms or rejects before they count.

A format that cannot match a name with certainty (``data_loaders.matching``) returns a
review item carrying the delivery it would create (the *payload*). The importer stores
the items here with ``enqueue``; the Data page lists ``pending`` ones; ``decide`` then

- confirms (with the proposed or a corrected facility id): the payload is validated like
  any imported row and written through ``store.write``, and the name is remembered in
  ``name_aliases`` so the next import matches it with confidence 1.0;
- rejects: nothing is written.

Both are recorded (status, decided id, time). A decision applies to every pending item
with the same raw name and kind, so one confirmation settles a recipient's whole block.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from data_loaders import schema, store
from data_loaders.formats import ReviewItem
from data_loaders.matching import normalise_name
from data_loaders.readers import RawTable

REVIEW_DDL = """
CREATE TABLE IF NOT EXISTS review_queue (
    review_id VARCHAR PRIMARY KEY,
    import_id VARCHAR,
    source VARCHAR,
    "row" BIGINT,
    raw_name VARCHAR,
    proposed_id VARCHAR,
    proposed_name VARCHAR,
    confidence DOUBLE,
    kind VARCHAR,
    status VARCHAR DEFAULT 'pending',
    decided_id VARCHAR,
    decided_at TIMESTAMP,
    payload JSON
)
"""

ALIASES_DDL = """
CREATE TABLE IF NOT EXISTS name_aliases (
    name_key VARCHAR,
    kind VARCHAR,
    raw_name VARCHAR,
    target_id VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (name_key, kind)
)
"""

STATUSES = ("pending", "confirmed", "rejected")
# The table each kind of review writes its payload to once confirmed.
PAYLOAD_TABLE = {"facility": "deliveries"}
PAYLOAD_KEY = {"facility": "facility_id"}


@dataclass
class QueuedReview(ReviewItem):
    """A review item with the row it would create once confirmed (``payload``)."""

    payload: dict | None = None


def ensure_review_table(con) -> None:
    """Create ``review_queue`` and ``name_aliases`` when missing."""
    con.execute(REVIEW_DDL)
    con.execute(ALIASES_DDL)


def _has_table(con, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def review_id(item: ReviewItem) -> str:
    """A stable id for an item: the same line of the same file is queued once only."""
    text = f"{item.source}|{item.row}|{item.raw_name}|{item.kind}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def enqueue(con, items: Iterable[ReviewItem], import_id: str,
            payloads: list[dict | None] | None = None) -> int:
    """Store review items as pending; returns how many were new.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to the store.
    items : iterable of ReviewItem
        From ``Conversion.review``.
    import_id : str
        The import that produced them.
    payloads : list of dict, optional
        The row each item would create, parallel to ``items``; by default each item's
        own ``payload`` (``QueuedReview``).

    Notes
    -----
    An item already queued (same file, row, name and kind) is left as it is, pending or
    decided: re-importing a file never reopens a decision.
    """
    ensure_review_table(con)
    items = list(items)
    if payloads is None:
        payloads = [getattr(item, "payload", None) for item in items]
    before = con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
    for item, payload in zip(items, payloads):
        con.execute(
            "INSERT OR IGNORE INTO review_queue (review_id, import_id, source, \"row\", raw_name, "
            "proposed_id, proposed_name, confidence, kind, status, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            [review_id(item), import_id, item.source, item.row, item.raw_name, item.proposed_id,
             item.proposed_name, item.confidence, item.kind,
             json.dumps(payload, ensure_ascii=False, default=str) if payload else None],
        )
    return con.execute("SELECT count(*) FROM review_queue").fetchone()[0] - before


def pending(con) -> pd.DataFrame:
    """Pending review items, by file and row (an empty frame when there are none)."""
    columns = ["review_id", "import_id", "source", "row", "raw_name", "proposed_id",
               "proposed_name", "confidence", "kind", "payload"]
    if not _has_table(con, "review_queue"):
        return pd.DataFrame(columns=columns)
    # "row" is quoted because ROW is an SQL keyword.
    selected = ", ".join(f'"{c}"' for c in columns)
    return con.execute(
        f"SELECT {selected} FROM review_queue WHERE status = 'pending' "
        'ORDER BY source, "row", review_id'
    ).df()


def aliases(con, kind: str = "facility") -> dict[str, str]:
    """Remembered ``normalise_name(raw) -> id`` of confirmed reviews (for matching)."""
    if con is None or not _has_table(con, "name_aliases"):
        return {}
    rows = con.execute("SELECT name_key, target_id FROM name_aliases WHERE kind = ?",
                       [kind]).fetchall()
    return dict(rows)


def _write_payloads(con, kind: str, payloads: list[dict], target_id: str) -> int:
    """Validate the payload rows with the chosen id and write them; returns rows written."""
    from data_loaders.validation import validate

    table = schema.TABLES[PAYLOAD_TABLE[kind]]
    rows = [{**p, PAYLOAD_KEY[kind]: target_id} for p in payloads]
    frame = pd.DataFrame(rows, dtype=object)
    raw = RawTable("review_queue", frame, list(range(1, len(rows) + 1)), table)
    known = {name: store.existing_keys(con, name) for name in schema.TABLES}
    # The same validation as an import: a bad id or a missing supplier is an error here
    # too, and nothing half-valid reaches the store.
    known[table.name] = set()
    result = validate([raw], known)
    if result.problems:
        detail = "; ".join(f"{p.column}={p.value}: {p.code}" for p in result.problems[:5])
        raise ValueError(f"cannot confirm: {detail}")
    return store.write(con, {table.name: result.frames[table.name]}).get(table.name, 0)


def decide(con, review_id: str, facility_id: str | None, same_name: bool = True) -> dict:
    """Confirm (with ``facility_id``) or reject (``None``) a pending review item.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to the store.
    review_id : str
        The item decided on.
    facility_id : str or None
        The facility the name means (the proposal or a correction); None rejects.
    same_name : bool
        Apply the decision to every pending item with the same raw name and kind
        (default), so one decision settles a recipient's whole block.

    Returns
    -------
    dict
        ``{"status", "facility_id", "review_ids", "written"}``.

    Raises
    ------
    KeyError
        When ``review_id`` is unknown or already decided.
    ValueError
        When a payload does not validate with ``facility_id`` (for example an unknown
        facility); nothing is then written or recorded.
    """
    ensure_review_table(con)
    row = con.execute(
        "SELECT raw_name, kind FROM review_queue WHERE review_id = ? AND status = 'pending'",
        [review_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no pending review item {review_id!r}")
    raw_name, kind = row
    if same_name:
        found = con.execute(
            "SELECT review_id, payload FROM review_queue "
            "WHERE status = 'pending' AND raw_name = ? AND kind = ? ORDER BY review_id",
            [raw_name, kind],
        ).fetchall()
    else:
        found = con.execute("SELECT review_id, payload FROM review_queue WHERE review_id = ?",
                            [review_id]).fetchall()
    ids = [r[0] for r in found]
    status = "confirmed" if facility_id else "rejected"
    written = 0
    if facility_id:
        payloads = [json.loads(r[1]) for r in found if r[1]]
        if payloads:
            # Written before the status update: delivery ids are stable, so should the
            # update fail, deciding again rewrites the same rows instead of duplicating.
            written = _write_payloads(con, kind, payloads, facility_id)
        con.execute(
            "INSERT OR REPLACE INTO name_aliases VALUES (?, ?, ?, ?, ?)",
            [normalise_name(raw_name), kind, raw_name, facility_id, store.now_utc()],
        )
    placeholders = ", ".join("?" for _ in ids)
    con.execute(
        f"UPDATE review_queue SET status = ?, decided_id = ?, decided_at = ? "
        f"WHERE review_id IN ({placeholders})",
        [status, facility_id, store.now_utc(), *ids],
    )
    return {"status": status, "facility_id": facility_id, "review_ids": ids, "written": written}
