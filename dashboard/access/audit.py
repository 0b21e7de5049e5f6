"""The audit log: who imported, exported or signed in, when, and what (plain Python).

Two sources, read as one log. Every change of the store (an import, a review decision,
a quarantine action, a cost per need, a retraction) is its own record, written by the
store in the same transaction as the change (``changes``, data_loaders.store): a change
is never without its entry, nor an entry without its change. What changes nothing (a
sign-in, an export, a download, a refusal, a read of detail) is one JSON object per line
in ``<database>.audit.jsonl`` beside the store: appending a line never waits for the
store's write lock and never fails because someone else is importing. Lines are
appended whole, so two processes writing at once interleave lines, not characters.
"""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from dashboard.access import query
from data_loaders import store

# What a line of the file records; changes of the store are read from the store.
ACTIONS = ("sign_in", "sign_out", "export", "download", "refused", "read")
# The action a change of the store is shown as, by the reason it was made.
CHANGE_ACTIONS = {"import": "import", "demo": "import", "review": "review",
                  "resubmit": "quarantine", "quarantine": "quarantine",
                  "need_costs": "need_costs", "retraction": "retraction",
                  "correction": "correction", "baseline": "baseline", "mapping": "mapping",
                  "submission": "submission", "approval": "approval"}

# Who is acting in this thread: the app sets it at the start of every run (each run has
# its own thread), so that code far from the page (a refused query) can name the person.
_ACTOR: ContextVar[str | None] = ContextVar("lifeline_actor", default=None)


def log_path(db: str | os.PathLike | None = None) -> Path:
    """``data/lifeline.duckdb`` → ``data/lifeline.audit.jsonl``."""
    path = store.db_path(db)
    return path.with_name(path.stem + ".audit.jsonl")


def local_actor() -> str:
    """Who acts in local mode or on the command line: ``local:<account name>``."""
    return store.local_actor()


def acting_as(actor: str | None, role: str | None = None) -> None:
    """Name the person this thread acts for (the app calls it once per run); the
    store records its changes under the same name."""
    _ACTOR.set(actor)
    store.acting_as(actor, role)


def current_actor() -> str:
    """The person this thread acts for; on the command line, the local account."""
    return _ACTOR.get() or local_actor()


def refused(role: str | None, kind: str, what: str, level: str | None = None,
            db: str | os.PathLike | None = None) -> dict:
    """Record a refusal: a ``page``, ``query`` or ``export`` the role may not have."""
    org = getattr(role, "org_id", None)  # a partner or funder acting for its organisation
    return record("refused", current_actor(), role, db=db, kind=kind, what=what,
                  **({"level": level} if level else {}), **({"org": org} if org else {}))


def record(action: str, actor: str, role: str | None, db: str | os.PathLike | None = None,
           **what) -> dict:
    """Append one entry and return it. ``what`` says what was done (file names, rows,
    the export's table and filters) — never the data itself."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "actor": actor,
             "role": role, "action": action, **what}
    if store.is_shared(db) and _record_shared(db, entry):
        return entry
    path = log_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return entry


def _record_shared(db, entry: dict) -> bool:
    """Write ``entry`` to a PostgreSQL store's ``audit_events`` (every app server's
    entries in one place); False when the store cannot take it (it does not exist, or
    its server is down): the line then goes to the file, and is never lost."""
    try:
        con = store.connect(db, missing="raise")
    except (store.StoreMissing, store.StoreUnavailable):
        return False
    try:
        detail = {k: v for k, v in entry.items() if k not in ("at", "actor", "role", "action")}
        con.execute("INSERT INTO audit_events VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?)",
                    [datetime.fromisoformat(entry["at"]).replace(tzinfo=None), entry["actor"],
                     entry["role"], entry["action"],
                     json.dumps(detail, ensure_ascii=False, default=str)])
    except store.StoreUnavailable:
        return False
    finally:
        con.close()
    return True


def _shared_entries(db, limit: int | None) -> list[dict]:
    """A PostgreSQL store's audit entries that change nothing, newest first."""
    try:
        con = store.connect(db, missing="raise")
    except store.StoreMissing:
        return []
    try:
        rows = con.execute(
            "SELECT recorded_at, actor, role, action, detail FROM audit_events ORDER BY "
            "event_id DESC" + (" LIMIT ?" if limit is not None else ""),
            [limit] if limit is not None else None).fetchall()
    finally:
        con.close()
    return [{"at": at.replace(tzinfo=UTC).isoformat(timespec="seconds"), "actor": actor,
             "role": role, "action": action, **(json.loads(detail) if detail else {})}
            for at, actor, role, action, detail in rows]


@query("raw")
def entries(db: str | os.PathLike | None = None, limit: int | None = 500) -> list[dict]:
    """The latest ``limit`` entries of every source, newest first (all when None)."""
    rows = _file_entries(db) + _change_entries(db, limit)
    if store.is_shared(db):
        rows += _shared_entries(db, limit)
    rows.sort(key=lambda e: str(e.get("at", "")), reverse=True)
    return rows if limit is None else rows[:limit]


def _file_entries(db) -> list[dict]:
    path = log_path(db)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash is skipped, not fatal
            continue
    rows.reverse()  # newest first, as the other sources: the sort keeps it within a second
    return rows


def _change_entries(db, limit: int | None) -> list[dict]:
    """The store's changes as entries: when, who, what was done (files, rows changed; a
    review decision or a cost per need is an entry of its own, as a person made it)."""
    con = store.reader(db)
    try:
        frame = store.changes(con, limit)
        details = [json.loads(d) if isinstance(d, str) else {} for d in frame["detail"]]
        # Only the facilities the decisions name: a country's store holds a million.
        named = sorted({d["facility_id"] for detail in details
                        for d in detail.get("decisions", []) if d.get("facility_id")})
        names = dict(con.execute("SELECT facility_id, name FROM facilities "
                                 "WHERE list_contains(?, facility_id)", [named]).fetchall()
                     ) if named else {}
    finally:
        con.close()
    rows = []
    for change, detail in zip(frame.itertuples(index=False), details):
        entry = {"at": change.recorded_at.replace(tzinfo=UTC).isoformat(timespec="seconds"),
                 "actor": change.actor, "role": change.role, "change": int(change.change_id),
                 "action": CHANGE_ACTIONS.get(change.reason, "correction")}
        if detail.get("files"):
            entry["files"] = [f["name"] for f in detail["files"]]
        if detail.get("changed"):
            entry["rows"] = detail["changed"]
        if detail.get("quarantined"):
            entry["quarantined"] = sum(detail["quarantined"].values())
        if detail.get("profile"):
            entry["what"] = detail["profile"]
        if detail.get("retracted"):
            entry["what"] = "; ".join(f"{t} {n}" for t, n in detail["retracted"].items())
        parts = [{"decision": d["decision"], "name": d["name"], "lines": d["lines"],
                  "facility": names.get(d["facility_id"]) if d["facility_id"] else None,
                  **({"threshold": detail["threshold"]} if "threshold" in detail else {}),
                  "what": f"{d['name']} → {names.get(d['facility_id'], '—')}"
                  if d["facility_id"] else f"{d['name']} ✕"}
                 for d in detail.get("decisions", [])]
        parts += [{**c, "what": f"{c['category']}: {c['before'] or 0:,.0f} → {c['after']:,.0f}"}
                  for c in detail.get("costs", [])]
        rows.extend({**entry, **part} for part in parts) if parts else rows.append(entry)
    return rows
