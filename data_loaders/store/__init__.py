"""The DuckDB store: where every page and command reads and writes Lifeline's data.

The default file is ``data/lifeline.duckdb`` under the project root; the environment
variable ``LIFELINE_DB`` overrides it. Writes happen in one transaction: a batch of
tables lands whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_loaders.store import schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def db_path(path: str | os.PathLike | None = None) -> Path:
    """Resolve the store's file: an explicit ``path``, else ``LIFELINE_DB``, else the default."""
    if path:
        return Path(path)
    env = os.environ.get("LIFELINE_DB")
    if env:
        return Path(env)
    return PROJECT_ROOT / "data" / "lifeline.duckdb"


class StoreBusy(RuntimeError):
    """Another process holds the store's file for writing (an import from the command
    line, another app server): DuckDB lets one process write a file at a time."""

    def __init__(self, path: Path):
        super().__init__(f"the store {path} is in use by another process (an import?); "
                         "try again when it has finished")
        self.path = path


def connect(path: str | os.PathLike | None = None, read_only: bool = False):
    """A connection to the store whose tables follow data_loaders.store.schema.

    ``read_only``: a connection that cannot write, for a process that only reads (the
    command line's exports and briefing); it fails while another process writes. The
    app's reads use the writable form because DuckDB refuses, within one process, a
    read-only connection to a file another connection has open for writing (an import
    in another session). Either way the tables are made (and an older store brought up
    to date) once per process and file, not on every connection.
    """
    target = db_path(path)
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(target) from exc
        raise
    if read_only:
        return con
    made = _made(target)
    if made not in _READY:
        ensure_schema(con)
        _READY.add(_made(target))
    return con


# Files whose tables this process has made: (path, inode), so a file replaced under the
# same name is made again.
_READY: set[tuple[str, int]] = set()


def _made(target: Path) -> tuple[str, int]:
    try:
        return str(target.resolve()), target.stat().st_ino
    except OSError:
        return str(target), -1


def database_file(con) -> Path:
    """The file behind an open connection (raw uploads are kept beside it)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0])


def ensure_schema(con) -> None:
    """Create any missing table of the store (data_loaders.store.schema.store_ddl), bring an
    older store up to date, and seed the costs per need from ``rules/need_costs.csv``
    while empty."""
    for statement in schema.store_ddl():
        con.execute(statement)
    if not con.execute("SELECT count(*) FROM need_costs").fetchone()[0]:
        from data_loaders.ingest.rules import load_rules

        con.executemany(
            "INSERT OR IGNORE INTO need_costs VALUES (?, ?, NULL, ?)",
            [[row["category"], float(row["cost_per_need_cny"]), schema.NEED_COSTS_SEEDED_BY]
             for row in load_rules("need_costs")])


def _conform(table: schema.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` exactly the table's columns, in order, with missing ones empty."""
    out = frame.reindex(columns=table.column_names)
    return out


def upsert(con, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Insert or replace rows by natural key, inside the caller's transaction.

    Returns rows written per table.
    """
    written: dict[str, int] = {}
    for name, table in schema.TABLES.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        staged = _conform(table, frame)
        con.register("_staged", staged)
        try:
            cols = ", ".join(table.column_names)
            casts = ", ".join(
                f"CAST({c.name} AS {schema.SQL_TYPES[c.kind]}) AS {c.name}" for c in table.columns
            )
            con.execute(f"INSERT OR REPLACE INTO {table.name} ({cols}) SELECT {casts} FROM _staged")
        finally:
            con.unregister("_staged")
        written[name] = len(staged)
    return written


# Connections (by id) inside a ``transaction`` block, and how deeply.
_OPEN: dict[int, int] = {}


def in_transaction(con) -> bool:
    """True inside a ``transaction`` block on ``con``."""
    return bool(_OPEN.get(id(con)))


@contextmanager
def transaction(con, commit: bool = True) -> Iterator:
    """Everything done on ``con`` inside the block lands whole or not at all.

    A block inside another joins it: the outermost block commits (or, with
    ``commit=False``, as a dry run does, rolls back whatever happened) and any
    exception rolls everything back. Reads inside the block see its own writes, so a
    later step of an import can match against rows an earlier step wrote.
    """
    key = id(con)
    if _OPEN.get(key):
        _OPEN[key] += 1
        try:
            yield con
        finally:
            _OPEN[key] -= 1
        return
    con.execute("BEGIN TRANSACTION")
    _OPEN[key] = 1
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT" if commit else "ROLLBACK")
    finally:
        _OPEN.pop(key, None)
    if commit:
        try:
            con.execute("CHECKPOINT")
        except duckdb.TransactionException:
            # Another connection of this process (a page of another session) is in the
            # middle of a transaction. The block has committed: reporting a failure now
            # would tell the person their data was lost when it was saved. DuckDB
            # checkpoints on its own later.
            pass


def write(con, frames: dict[str, pd.DataFrame], log_rows: list[dict] | None = None,
          replace: bool = False, quarantine: list[dict] | None = None) -> dict[str, int]:
    """Write ``frames``, their import-log rows and quarantined rows in one transaction.

    With ``replace=True`` every table is emptied first (used by the demo builder).
    Nothing is written if any statement fails. Inside a ``transaction`` block the
    write joins it.
    """
    with transaction(con):
        if replace:
            for name in schema.TABLES:
                con.execute(f"DELETE FROM {name}")
            con.execute("DELETE FROM imports")
        written = upsert(con, frames)
        for row in log_rows or []:
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?)",
                [row["import_id"], row["file_name"], row["sha256"], row["table_name"],
                 row["rows"], row.get("imported_at") or now_utc()],
            )
        for row in quarantine or []:
            con.execute(
                # The id is made from the file and row: the same row is kept back once.
                "INSERT OR IGNORE INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                [row["quarantine_id"], row["import_id"], row["table_name"], row["file_name"],
                 row["row"], row["record"], row["problems"], now_utc()],
            )
    return written


def now_utc() -> datetime:
    """The current time in UTC, without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def read_table(con, name: str) -> pd.DataFrame:
    """Read a whole table as a DataFrame (small tables and tests only)."""
    table = schema.TABLES[name]
    return con.execute(f"SELECT * FROM {table.name} ORDER BY {table.key}").df()


def existing_keys(con, name: str) -> set[str]:
    """The natural keys already stored in table ``name``."""
    table = schema.TABLES[name]
    return {r[0] for r in con.execute(f"SELECT {table.key} FROM {table.name}").fetchall()}


def dangling_references(con, tables: list[str] | None = None) -> list[tuple[str, str, str, int]]:
    """References that point at no row: ``(table, column, referenced table, rows)``.

    Validation refuses them on import; this is the store-wide check behind it (the
    import runs it before committing, and the test suite after every write). Only
    ``tables`` are checked when given (a write can break only its own references).
    """
    found = []
    for table in schema.TABLES.values():
        if tables is not None and table.name not in tables:
            continue
        for col in table.columns:
            if not col.ref:
                continue
            parent = schema.TABLES[col.ref]
            n = con.execute(
                f"SELECT count(*) FROM {table.name} AS child WHERE child.{col.name} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {parent.name} AS p "
                f"WHERE p.{parent.key} = child.{col.name})").fetchone()[0]
            if n:
                found.append((table.name, col.name, parent.name, n))
    return found


def row_counts(con) -> dict[str, int]:
    """Rows per table."""
    return {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in schema.TABLES
    }


def import_history(con, limit: int = 200) -> pd.DataFrame:
    """The most recent import-log rows, newest first."""
    return con.execute(
        "SELECT imported_at, file_name, table_name, rows, sha256 FROM imports "
        "ORDER BY imported_at DESC, file_name LIMIT ?",
        [limit],
    ).df()


def quarantined(con, status: str = "pending") -> pd.DataFrame:
    """Rows kept back by imports, newest first."""
    return con.execute(
        "SELECT quarantine_id, import_id, table_name, file_name, row, record, problems, "
        "created_at FROM quarantine WHERE status = ? ORDER BY created_at DESC, file_name, row",
        [status],
    ).df()


def set_quarantine_status(con, ids: list[str], status: str) -> None:
    """Mark quarantined rows as re-submitted or discarded (they stay, for the record);
    no ids changes nothing."""
    if not ids:
        return
    con.executemany("UPDATE quarantine SET status = ? WHERE quarantine_id = ?",
                    [[status, i] for i in ids])


def data_version(con) -> str:
    """A cheap fingerprint that changes whenever data is written (for caches)."""
    n, last = con.execute("SELECT count(*), max(imported_at) FROM imports").fetchone()
    counts = row_counts(con)
    return f"{n}:{last}:{sorted(counts.items())}"
