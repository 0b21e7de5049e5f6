"""The audit log: who imported, exported or signed in, when, and what (plain Python).

One JSON object per line in ``<database>.audit.jsonl`` beside the store. A file rather
than a table because the app reads the store through short-lived connections and the
command line may hold DuckDB's write lock: appending a line never waits for a lock
and never fails because someone else is importing. Lines are appended whole, so two
processes writing at once interleave lines, not characters.
"""

from __future__ import annotations

import getpass
import json
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from dashboard.access import query
from data_loaders import store

ACTIONS = ("sign_in", "sign_out", "import", "export", "download", "review", "quarantine",
           "need_costs", "refused", "read")

# Who is acting in this thread: the app sets it at the start of every run (each run has
# its own thread), so that code far from the page (a refused query) can name the person.
_ACTOR: ContextVar[str | None] = ContextVar("lifeline_actor", default=None)


def log_path(db: str | os.PathLike | None = None) -> Path:
    """``data/lifeline.duckdb`` → ``data/lifeline.audit.jsonl``."""
    path = store.db_path(db)
    return path.with_name(path.stem + ".audit.jsonl")


def local_actor() -> str:
    """Who acts in local mode or on the command line: ``local:<account name>``."""
    try:
        return "local:" + getpass.getuser()
    except (KeyError, OSError):  # no account name in some containers
        return "local"


def acting_as(actor: str | None) -> None:
    """Name the person this thread acts for (the app calls it once per run)."""
    _ACTOR.set(actor)


def current_actor() -> str:
    """The person this thread acts for; on the command line, the local account."""
    return _ACTOR.get() or local_actor()


def refused(role: str | None, kind: str, what: str, level: str | None = None,
            db: str | os.PathLike | None = None) -> dict:
    """Record a refusal: a ``page``, ``query`` or ``export`` the role may not have."""
    return record("refused", current_actor(), role, db=db, kind=kind, what=what,
                  **({"level": level} if level else {}))


def record(action: str, actor: str, role: str | None, db: str | os.PathLike | None = None,
           **what) -> dict:
    """Append one entry and return it. ``what`` says what was done (file names, rows,
    the export's table and filters) — never the data itself."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "actor": actor,
             "role": role, "action": action, **what}
    path = log_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
    return entry


@query("raw")
def entries(db: str | os.PathLike | None = None, limit: int | None = 500) -> list[dict]:
    """The latest ``limit`` entries, newest first (all when limit is None)."""
    path = log_path(db)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash is skipped, not fatal
            continue
    rows.reverse()
    return rows if limit is None else rows[:limit]
