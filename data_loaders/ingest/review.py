"""The review queue: proposed matches a person confirms or rejects before they count.

A format that cannot match a name with certainty (``data_loaders.ingest.matching``) returns a
review item carrying the delivery it would create (the *payload*). The importer stores
the items here with ``enqueue``; the Data page lists the ``groups`` of pending items (one
per name as written); then

- ``decide`` confirms (with the proposed or a corrected facility id): the payload is
  validated like any imported row and written through ``store.write``, and the name is
  remembered in ``name_aliases`` so the next import matches it with confidence 1.0; or
  rejects: nothing is written;
- ``create_facility`` makes the name a new facility (type and region chosen by the
  person), validated like an imported facility, and confirms the name to it;
- ``accept_all`` confirms every group whose proposal scores at least a threshold.

Each of them lands whole or not at all (one ``store.transaction``): the deliveries, the
new facility, the alias and the status (confirmed/rejected, decided id, time). A decision
applies to every pending item with the same raw name and kind, so one confirmation
settles a recipient's whole block. Problems are ``ReviewError``s with a stable code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from data_loaders import store
from data_loaders.ingest import values
from data_loaders.ingest.formats import ReviewItem
from data_loaders.ingest.matching import normalise_name, split_region
from data_loaders.ingest.readers import RawTable
from data_loaders.store import schema

STATUSES = ("pending", "confirmed", "rejected")
# The table each kind of review writes its payload to once confirmed.
PAYLOAD_TABLE = {"facility": "deliveries"}
PAYLOAD_KEY = {"facility": "facility_id"}


DEFAULT_BULK_MIN = 0.9  # "accept all proposals at or above": the threshold offered first

# The stable codes of ReviewError, each with a sentence in the catalogue (review.error_*).
ERROR_CODES = ("not_pending", "invalid", "no_name", "unknown_type", "unknown_region",
               "facility_exists", "bad_threshold")


class ReviewError(ValueError):
    """A decision that cannot be saved; ``code`` is stable, ``detail`` names what, and
    ``problems`` holds the validation problems (``invalid``) for a translated message,
    and ``raw_name`` the name decided on when a bulk decision failed on one of several."""

    def __init__(self, code: str, detail: str = "", problems: list | None = None,
                 raw_name: str | None = None):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.problems = list(problems or [])
        self.raw_name = raw_name

    def __str__(self) -> str:  # KeyError (see NotPending) would show the repr
        return f"{self.code}: {self.detail}" if self.detail else self.code


class NotPending(ReviewError, KeyError):
    """The review item is unknown or already decided (a KeyError, as it always was)."""

    def __init__(self, review_id: str):
        super().__init__("not_pending", review_id)


@dataclass
class QueuedReview(ReviewItem):
    """A review item with the row it would create once confirmed (``payload``) and the
    region its list is about (``region``: the default of a new facility's region)."""

    payload: dict | None = None
    region: str | None = None


def ensure_review_table(con) -> None:
    """Create ``review_queue`` and ``name_aliases`` when missing (and add new columns):
    the store's migrations make them (data_loaders.store.migrations)."""
    store.ensure_schema(con)


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
            "INSERT INTO review_queue (review_id, import_id, source, \"row\", raw_name, "
            "proposed_id, proposed_name, confidence, kind, status, payload, list_region) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING",
            [review_id(item), import_id, item.source, item.row, item.raw_name, item.proposed_id,
             item.proposed_name, item.confidence, item.kind,
             json.dumps(payload, ensure_ascii=False, default=str) if payload else None,
             getattr(item, "region", None)],
        )
    return con.execute("SELECT count(*) FROM review_queue").fetchone()[0] - before


def pending(con) -> pd.DataFrame:
    """Pending review items, by file and row (an empty frame when there are none)."""
    columns = ["review_id", "import_id", "source", "row", "raw_name", "proposed_id",
               "proposed_name", "confidence", "kind", "payload", "list_region"]
    if not _has_table(con, "review_queue"):
        return pd.DataFrame(columns=columns)
    # "row" is quoted because ROW is an SQL keyword. A store made before list_region
    # existed may be opened read-only, so the column is not added here but read as NULL.
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'review_queue'"
    ).fetchall()}
    selected = ", ".join(f'"{c}"' if c in present else f'NULL AS "{c}"' for c in columns)
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




GROUP_COLUMNS = ["review_id", "raw_name", "kind", "source", "lines", "proposed_id",
                 "proposed_name", "confidence", "list_region"]


def groups(con) -> pd.DataFrame:
    """One row per pending name as written (and kind): what a person decides on.

    Columns ``GROUP_COLUMNS``: the id of the group's item with the best proposal (any of
    a group's ids settles the whole group), its file, the number of lines, the proposal
    and its confidence, and the list's region. Most lines first, then by name.
    """
    items = pending(con)
    if items.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    ordered = items.sort_values(["raw_name", "kind", "confidence", "source", "row"],
                                ascending=[True, True, False, True, True])
    # drop_duplicates keeps whole rows: groupby().first() would mix columns of
    # different rows where one is NULL.
    first = ordered.drop_duplicates(["raw_name", "kind"])
    counts = items.groupby(["raw_name", "kind"]).size().rename("lines").reset_index()
    out = first.merge(counts, on=["raw_name", "kind"])
    out = out.sort_values(["lines", "raw_name"], ascending=[False, True], kind="stable")
    out = out[GROUP_COLUMNS].reset_index(drop=True)
    for column in ("proposed_id", "proposed_name", "list_region"):  # None, never NaN
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def facilities(con) -> pd.DataFrame:
    """The facilities a name may be given to: id, name, type, prefecture and county."""
    return con.execute(
        "SELECT facility_id, name, facility_type, region_adcode, county_adcode "
        "FROM facilities ORDER BY name, facility_id").df()


def _pending_items(con, review_id: str, same_name: bool = True) -> tuple[str, str, list]:
    """(raw name, kind, [(review id, payload text)]) of the pending items a decision on
    ``review_id`` settles; NotPending when it is unknown or decided."""
    row = con.execute(
        "SELECT raw_name, kind FROM review_queue WHERE review_id = ? AND status = 'pending'",
        [review_id],
    ).fetchone()
    if row is None:
        raise NotPending(review_id)
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
    return raw_name, kind, found


def _payload_table(kind: str, payloads: list[dict], target_id: str) -> RawTable:
    table = schema.TABLES[PAYLOAD_TABLE[kind]]
    rows = [{**p, PAYLOAD_KEY[kind]: target_id} for p in payloads]
    return RawTable("review_queue", pd.DataFrame(rows, dtype=object),
                    list(range(1, len(rows) + 1)), table)


def _validate_and_write(con, raws: list[RawTable], replaced: str) -> dict[str, int]:
    """Validate ``raws`` as an import does and write them; ReviewError('invalid') if not.

    Rows of table ``replaced`` (the payloads) may replace stored rows with the same key:
    delivery ids are stable, so deciding again rewrites the same rows.
    """
    from data_loaders.ingest.validation import validate

    result = validate(raws, store.StoredKeys(con, ignored=(replaced,)))
    if result.problems:
        # The same validation as an import: a bad id or a missing supplier is an error
        # here too, and nothing half-valid reaches the store.
        detail = "; ".join(f"{p.column}={p.value}: {p.code}" for p in result.problems[:5])
        raise ReviewError("invalid", detail, result.problems)
    return store.write(con, {name: result.frames[name] for name in result.frames})


def _settle(con, raw_name: str, kind: str, found: list, target_id: str | None,
            extra: list[RawTable] = (), decision: str | None = None) -> int:
    """Write the payloads (and ``extra`` tables), remember the name, record the status
    and the decision in the change's history (``decision``: ``confirm``, ``correct``,
    ``reject``, ``create_facility``, ``bulk_accept``; by default confirm, correct or
    reject from the proposal).

    Runs inside the caller's transaction; returns the payload rows written.
    """
    ids = [r[0] for r in found]
    if decision is None:
        proposed = con.execute("SELECT proposed_id FROM review_queue WHERE review_id = ?",
                               [ids[0]]).fetchone()[0] if ids else None
        decision = ("reject" if not target_id
                    else "confirm" if target_id == proposed else "correct")
    store.describe(con, "review")
    store.note(con, "decisions", {"decision": decision, "name": raw_name,
                                  "facility_id": target_id, "lines": len(ids)})
    written = 0
    if target_id:
        payloads = [json.loads(r[1]) for r in found if r[1]]
        raws = list(extra) + ([_payload_table(kind, payloads, target_id)] if payloads else [])
        if raws:
            table = PAYLOAD_TABLE[kind]
            counts = _validate_and_write(con, raws, table)
            written = counts.get(table, 0) if payloads else 0
        con.execute(
            "INSERT INTO name_aliases VALUES (?, ?, ?, ?, ?) ON CONFLICT (name_key, kind) "
            "DO UPDATE SET raw_name = excluded.raw_name, target_id = excluded.target_id, "
            "created_at = excluded.created_at",
            [normalise_name(raw_name), kind, raw_name, target_id, store.now_utc()],
        )
    placeholders = ", ".join("?" for _ in ids)
    con.execute(
        f"UPDATE review_queue SET status = ?, decided_id = ?, decided_at = ? "
        f"WHERE review_id IN ({placeholders})",
        ["confirmed" if target_id else "rejected", target_id, store.now_utc(), *ids],
    )
    return written


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
        ``{"status", "facility_id", "raw_name", "review_ids", "written"}``.

    Raises
    ------
    NotPending
        (a KeyError) When ``review_id`` is unknown or already decided.
    ReviewError
        (a ValueError, code ``invalid``) When a payload does not validate with
        ``facility_id`` (for example an unknown facility).

    Notes
    -----
    The deliveries, the alias and the status land in one ``store.transaction``: on any
    error nothing is written or recorded.
    """
    ensure_review_table(con)
    with store.transaction(con, reason="review"):
        raw_name, kind, found = _pending_items(con, review_id, same_name)
        written = _settle(con, raw_name, kind, found, facility_id)
    return {"status": "confirmed" if facility_id else "rejected", "facility_id": facility_id,
            "raw_name": raw_name, "review_ids": [r[0] for r in found], "written": written}


def new_facility_id(name: str, region_adcode: str) -> str:
    """The stable id of a facility created from the queue (as ``mapping`` derives one):
    the same name in the same region always gets the same id."""
    from data_loaders.ingest.mapping import facility_id_for

    return facility_id_for(name, region_adcode)


def province_region(region: object):
    """The prefecture or county of the configured province (anywhere, for the whole
    country) that ``region`` names, or None."""
    from geo import config
    from geo.regions import load_registry

    found = load_registry().resolve(region) if not values.is_blank(region) else None
    if found is None or found.level not in ("prefecture", "county") \
            or not found.adcode.startswith(config.province_prefix()):
        return None
    return found


def default_prefecture(raw_name: str, list_region: str | None = None) -> str | None:
    """The prefecture a name most likely lies in: one written in the name (``黄石市…``),
    else the list's region (``420100`` for the Wuhan Red Cross), else None."""
    written = split_region(raw_name)[1]
    if written:
        return written
    place = province_region(list_region)
    return place.prefecture if place else None


def default_region(raw_name: str, list_region: str | None = None) -> str | None:
    """The region a new facility of this name most likely lies in (an adcode), or None.

    The prefecture of ``default_prefecture``, narrowed to a county written after it
    (``武汉市青山区…``, or ``青山区商务局`` on a Wuhan list).
    """
    from geo.regions import load_registry

    prefecture = default_prefecture(raw_name, list_region)
    if prefecture is None:
        return None
    rest = split_region(raw_name)[0]
    for county in load_registry().counties(prefecture):
        # Full names only (青山区): a short name (青山) may begin an ordinary word.
        if rest.startswith(county.name) and len(rest) > len(county.name):
            return county.adcode
    return prefecture


def create_facility(con, review_id: str, name: str, facility_type: str, region: str) -> dict:
    """Make a pending name a new facility and confirm the name's lines to it.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to the store.
    review_id : str
        Any pending item of the name (the whole name is settled).
    name : str
        The new facility's name (usually the name as written).
    facility_type : str
        One of ``schema.FACILITY_TYPES`` (``hospital``...).
    region : str
        A prefecture or county of the province (adcode or name).

    Returns
    -------
    dict
        ``{"status": "confirmed", "created": True, "facility_id", "name", "region",
        "raw_name", "review_ids", "written"}``.

    Raises
    ------
    NotPending, ReviewError
        Codes ``no_name``, ``unknown_type``, ``unknown_region`` (not a prefecture or
        county of the province), ``facility_exists`` (a facility of that name is already
        in that prefecture: choose it instead), ``invalid`` (validation failed).

    Notes
    -----
    The facility (validated as an imported one: id ``M-`` + hash of the normalised name
    and region, like ``mapping.facility_id_for``), the deliveries, the alias and the
    status land in one ``store.transaction``.
    """
    ensure_review_table(con)
    name = " ".join(values.clean_text(name).split()) if not values.is_blank(name) else ""
    if not name:
        raise ReviewError("no_name")
    if facility_type not in schema.FACILITIES.column("facility_type").values:
        raise ReviewError("unknown_type", str(facility_type))
    place = province_region(region)
    if place is None:
        raise ReviewError("unknown_region", str(region))
    facility_id = new_facility_id(name, place.adcode)
    with store.transaction(con, reason="review"):
        raw_name, kind, found = _pending_items(con, review_id)
        key = normalise_name(name)
        for existing, existing_name, prefecture in con.execute(
                "SELECT facility_id, name, region_adcode FROM facilities").fetchall():
            if existing == facility_id or (normalise_name(existing_name) == key
                                           and prefecture == place.prefecture):
                raise ReviewError("facility_exists", existing_name)
        row = {"facility_id": facility_id, "name": name, "facility_type": facility_type,
               "region": place.adcode}
        facility = RawTable("review_queue", pd.DataFrame([row], dtype=object), [1],
                            schema.FACILITIES)
        written = _settle(con, raw_name, kind, found, facility_id, extra=[facility],
                          decision="create_facility")
    return {"status": "confirmed", "created": True, "facility_id": facility_id, "name": name,
            "region": place.adcode, "raw_name": raw_name,
            "review_ids": [r[0] for r in found], "written": written}


def bulk_candidates(con, min_confidence: float = DEFAULT_BULK_MIN
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The groups ``accept_all`` would confirm, and those it leaves to a person.

    A group qualifies when its proposal scores at least ``min_confidence``. It is left
    to a person when, matched again against today's facilities, its proposal is no
    longer the clear best (``matching.clear_best``): two facilities of the same name,
    a second candidate within the ambiguity margin, or a better one added since. A
    name queued *because* two candidates tie is exactly what a bulk decision must not
    settle by their order.

    Returns
    -------
    tuple of DataFrame
        ``(to_accept, left)``, both with ``GROUP_COLUMNS``.
    """
    from data_loaders.ingest.matching import clear_best, match_name

    if not 0 < float(min_confidence) <= 1:
        raise ReviewError("bad_threshold", str(min_confidence))
    frame = groups(con)
    frame = frame[frame["proposed_id"].notna()
                  & (frame["confidence"].astype(float) >= float(min_confidence) - 1e-9)]
    if frame.empty:
        return frame, frame
    candidates = con.execute(
        "SELECT facility_id, name, region_adcode FROM facilities").fetchall()
    remembered = aliases(con)
    clear = []
    for group in frame.itertuples(index=False):
        region = group.list_region or split_region(group.raw_name)[1]
        best = clear_best(match_name(group.raw_name, candidates, region, remembered))
        clear.append(best is not None and best.facility_id == group.proposed_id)
    keep = pd.Series(clear, index=frame.index)
    return frame[keep], frame[~keep]


def accept_all(con, min_confidence: float = DEFAULT_BULK_MIN) -> dict:
    """Confirm every pending name whose proposal scores at least ``min_confidence``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to the store.
    min_confidence : float
        The threshold, 0 < x <= 1 (default ``DEFAULT_BULK_MIN`` = 0.9).

    Returns
    -------
    dict
        ``{"groups": [{"raw_name", "facility_id", "lines", "written"}, ...],
        "lines": total lines settled, "written": total deliveries written,
        "left": [names whose proposal competes with another facility]}``
        (see ``bulk_candidates``: a tie is never settled in bulk).

    Raises
    ------
    ReviewError
        ``bad_threshold``; ``invalid`` (naming the name whose lines did not validate).
        All groups land in one ``store.transaction``: on any error none is confirmed.
    """
    ensure_review_table(con)
    done = []
    with store.transaction(con, reason="review", threshold=float(min_confidence)):
        chosen, left = bulk_candidates(con, min_confidence)
        for group in chosen.itertuples(index=False):
            raw_name, kind, found = _pending_items(con, group.review_id)
            try:
                written = _settle(con, raw_name, kind, found, group.proposed_id,
                                  decision="bulk_accept")
            except ReviewError as exc:
                raise ReviewError(exc.code, f"{raw_name}: {exc.detail}", exc.problems,
                                  raw_name) from exc
            done.append({"raw_name": raw_name, "facility_id": group.proposed_id,
                         "lines": len(found), "written": written})
    return {"groups": done, "lines": sum(g["lines"] for g in done),
            "written": sum(g["written"] for g in done), "left": list(left["raw_name"])}
