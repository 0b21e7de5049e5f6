"""The DuckDB store: where every page and command reads and writes Lifeline's data.

The default file is ``data/lifeline.duckdb`` under the project root; the environment
variable ``LIFELINE_DB`` overrides it. Writes happen in one transaction: a batch of
tables lands whole or not at all.
"""

from __future__ import annotations

import getpass
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_loaders.store import arrow_memory, derived, migrations, postgres, schema
from data_loaders.store.migrations import StoreTooNew  # noqa: F401  (raised by connect)
from data_loaders.store.postgres import StoreUnavailable  # noqa: F401  (raised by connect)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Every process that reads the store turns its results into frames through Arrow: set
# the allocator once, here, before the first frame (the module says why and how much).
arrow_memory.use_system_allocator()


def location(path: str | os.PathLike | None = None) -> str:
    """The store named by ``path``, else ``LIFELINE_DB``, else the default file: a file
    path (DuckDB) or a ``postgresql://`` URL."""
    if path:
        return str(path)
    return os.environ.get("LIFELINE_DB") or str(PROJECT_ROOT / "data" / "lifeline.duckdb")


def is_shared(path: str | os.PathLike | None = None) -> bool:
    """True when the store is a PostgreSQL database (shared by many processes)."""
    return postgres.is_url(location(path))


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The store's file (for a file store: uploads, profiles and the audit file sit beside
    it). A PostgreSQL store has no file: its local things live under ``data/``."""
    if is_shared(path):
        return PROJECT_ROOT / "data" / "shared.duckdb"
    return Path(location(path))


def shown(path: str | os.PathLike | None = None) -> str:
    """The store as a message names it (a URL without its password)."""
    return postgres.shown(location(path))


def exists(path: str | os.PathLike | None = None) -> bool:
    """True when there is a store at ``path`` (StoreUnavailable when its server is down)."""
    if is_shared(path):
        return postgres.database_exists(location(path))
    return db_path(path).exists()


class StoreBusy(RuntimeError):
    """Another process holds the store's file for writing (an import from the command
    line, another app server): DuckDB lets one process write a file at a time."""

    def __init__(self, path: Path):
        super().__init__(f"the store {path} is in use by another process (an import?); "
                         "try again when it has finished")
        self.path = path


class StoreNotWritten(OSError):
    """The store's file could not take a commit (a full or read-only disk, a file-size
    limit): nothing of the transaction was saved. ``reason`` is the system's own words
    ("No space left on device"), never DuckDB's later "cannot rollback"."""

    def __init__(self, path, reason: str):
        super().__init__(f"the store {path} could not be written ({reason}); nothing was "
                         "saved — free space on its disk (or make it writable) and try again")
        self.path, self.reason = path, reason


def _system_words(exc: Exception) -> str:
    """What the operating system said, from a DuckDB error that wraps it ('Could not
    write file "x.wal": No space left on device' → 'No space left on device')."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rsplit(": ", 1)[-1]


class StoreMissing(FileNotFoundError):
    """There is no store at the path given: a read never creates one (a mistyped
    ``--db`` or ``LIFELINE_DB`` would otherwise show an empty picture as if it were true)."""

    def __init__(self, path):
        super().__init__(f"there is no store at {postgres.shown(path)}: import data first, "
                         "or name the store with --db or LIFELINE_DB")
        self.path = path


# How long a connection waits for another process's write lock before saying the store
# is busy (seconds; LIFELINE_STORE_WAIT overrides). An import takes seconds at most.
DEFAULT_WAIT = 30.0
_POLL = 0.2


def store_wait() -> float:
    """Seconds a connection waits for a busy store (``LIFELINE_STORE_WAIT``, default 30)."""
    try:
        return max(0.0, float(os.environ.get("LIFELINE_STORE_WAIT", DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def connect(path: str | os.PathLike | None = None, read_only: bool = False,
            missing: str = "create", wait: float | None = None,
            on_wait: Callable[[Path, float], None] | None = None):
    """A connection to the store, its tables at the latest schema version: for a file, a
    DuckDB connection; for a ``postgresql://`` location, the PostgreSQL writer
    (data_loaders.store.postgres), or with ``read_only`` this process's replica.

    ``missing`` says what to do when no store exists at the path: ``create`` it (an
    import, the demo), ``raise`` :class:`StoreMissing` (the command line's reads), or
    return an ``empty`` store in memory that creates no file (the app's reads: the page
    says there is no data yet). ``read_only``: a connection that cannot write, for a
    process that only reads (the command line's exports and briefing). The app's reads
    use the writable form because DuckDB refuses, within one process, a read-only
    connection to a file another connection has open for writing (an import in another
    session).

    While another process writes the file, the connection waits up to ``wait`` seconds
    (default :func:`store_wait`), calling ``on_wait(path, seconds)`` once when it starts
    waiting, then raises :class:`StoreBusy`. A store older than this code is brought up to
    date (data_loaders.store.migrations) once per process and file; a newer one raises
    :class:`~data_loaders.store.migrations.StoreTooNew`.
    """
    if is_shared(path):
        return _connect_shared(location(path), read_only, missing)
    target = db_path(path)
    if not target.exists():
        if missing == "raise" or (read_only and missing != "empty"):
            raise StoreMissing(target)
        if missing == "empty":
            return _empty_store()
        target.parent.mkdir(parents=True, exist_ok=True)
    con = _open(target, read_only, store_wait() if wait is None else wait, on_wait)
    made = _made(target)
    if made in _READY:
        return con
    try:
        found = migrations.version(con)
        migrations.check(found)
        if found < migrations.LATEST or not read_only:
            if read_only:  # bring it up to date once through a writable connection
                con.close()
                _prepare(_open(target, False, 0.0, None), close=True)
                con = _open(target, True, 0.0, None)
            else:
                _prepare(con)
    except BaseException:
        con.close()
        raise
    _READY.add(_made(target))
    return con


def reader(path: str | os.PathLike | None = None, missing: str = "empty"):
    """A connection for the analytics (DuckDB SQL): the file itself for a file store; for
    a PostgreSQL store, this process's DuckDB replica brought up to date with the changes
    since its last refresh (data_loaders.store.replica). ``missing`` as in :func:`connect`
    (``empty`` by default: a page shows no data rather than creating a store)."""
    if is_shared(path):
        return _connect_shared(location(path), True, missing)
    return connect(path, missing=missing, wait=min(PAGE_WAIT, store_wait()))


# How long a page waits for an import from another process before saying the store is
# busy (seconds): a person looking at a page should not wait as long as a script.
PAGE_WAIT = 5.0


def _connect_shared(url: str, read_only: bool, missing: str):
    """A PostgreSQL store: the writer connection, or (``read_only``) the replica."""
    if url not in _READY_URLS:
        if not postgres.database_exists(url):
            if missing == "empty":
                return _empty_store()
            if missing == "raise" or read_only:
                raise StoreMissing(url)
            postgres.create_database(url)
        con = postgres.PgConnection(url)
        try:
            migrations.migrate(con, "postgres")
            seed_need_costs(con)
        finally:
            con.close()
        _READY_URLS.add(url)
    if read_only:
        from data_loaders.store import replica

        return replica.reader(url)
    return postgres.PgConnection(url)


# PostgreSQL stores this process has brought up to date.
_READY_URLS: set[str] = set()


def dialect(con) -> str:
    """``duckdb`` or ``postgres``: the engine behind a connection."""
    return getattr(con, "dialect", "duckdb")


def profiles_dir(path: str | os.PathLike | None = None) -> Path:
    """Where a file store keeps its column-mapping profiles: ``mappings/`` beside it (a
    PostgreSQL store keeps them in its ``mapping_profiles`` table)."""
    return db_path(path).parent / "mappings"


def uploads_dir(con) -> Path:
    """The folder beside a store's file where uploaded files are kept (a PostgreSQL store
    keeps them in its ``uploads`` table)."""
    return database_file(con).parent / "uploads"


def keep_uploads(con, uploads: list[tuple[str, str, bytes]], folder: Path | None = None
                 ) -> None:
    """Keep uploaded files, (sha256, file name, bytes) each: in a PostgreSQL store's
    ``uploads`` table, inside the caller's transaction; else as files named by their
    sha256 in ``folder`` (default: beside the store's file). A copy cut short (a full
    disk) is removed, never left behind as ``.part``, and the OSError raised."""
    if dialect(con) == "postgres":
        con.executemany("INSERT INTO uploads VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                        [[sha, name, data, now_utc()] for sha, name, data in uploads])
        return
    folder = folder or uploads_dir(con)
    folder.mkdir(parents=True, exist_ok=True)
    for sha, _, data in uploads:
        target = folder / sha
        if target.exists():
            continue
        part = target.with_suffix(".part")
        try:
            part.write_bytes(data)
            os.replace(part, target)
        except OSError:
            part.unlink(missing_ok=True)
            raise


# DuckDB refuses a connection when another thread of this process opens or closes the
# same file at that moment ("Unique file handle conflict"): two sessions of the app
# opening a page together. Connections are opened one at a time, and a conflict with a
# closing one is tried again.
_CONNECTING = threading.Lock()
_CONFLICT_TRIES = 50


def _open(target: Path, read_only: bool, wait: float, on_wait):
    """``duckdb.connect``, waiting up to ``wait`` seconds while another process writes."""
    deadline = time.monotonic() + wait
    told = False
    conflicts = 0
    while True:
        try:
            with _CONNECTING:
                return duckdb.connect(str(target), read_only=read_only)
        except duckdb.ResourceInUseException as exc:
            if "file handle conflict" not in str(exc).lower() or conflicts >= _CONFLICT_TRIES:
                raise
            conflicts += 1
            time.sleep(_POLL / 5)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(target) from exc
            if on_wait and not told:
                on_wait(target, wait)
                told = True
            time.sleep(_POLL)


def _prepare(con, close: bool = False) -> None:
    """Migrate ``con``'s store to the latest version and seed what starts filled."""
    try:
        applied = migrations.migrate(con)
        if any(version in applied for version in derived.MIGRATIONS):
            derived.rebuild(con)  # a store from before a derived table: fill them once
        seed_need_costs(con)
    finally:
        if close:
            con.close()


def _empty_store():
    """An empty store in memory, at the latest version: what a page reads when there is
    no store yet (nothing is created on disk)."""
    con = duckdb.connect(":memory:")
    _prepare(con)
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
    """Bring the store behind ``con`` to the latest schema version (an in-memory store
    made by a test, a file opened without :func:`connect`)."""
    _prepare(con)


def seed_need_costs(con) -> None:
    """Seed the costs per need from ``rules/need_costs.csv`` while the table is empty."""
    if con.execute("SELECT count(*) FROM need_costs").fetchone()[0]:
        return
    from data_loaders.ingest.rules import load_rules

    con.executemany(
        "INSERT INTO need_costs VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING",
        [[row["category"], float(row["cost_per_need_cny"]), schema.NEED_COSTS_SEEDED_BY]
         for row in load_rules("need_costs")])


def _conform(table: schema.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` exactly the table's columns, in order, with missing ones empty."""
    out = frame.reindex(columns=table.column_names)
    return out


def upsert(con, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Insert or replace rows by natural key, inside the caller's transaction.

    Only rows that are new or differ from the stored version are written, each with a
    version in its table's history tagged with the open transaction's change (a row
    written again unchanged adds nothing). Returns rows given per table; how many were
    new or changed is kept in the change's detail (``changed``).
    """
    written: dict[str, int] = {}
    for name, table in schema.TABLES.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        staged = _conform(table, frame)
        if dialect(con) == "duckdb":
            # DuckDB 2 refuses to register a frame while a result of this connection is
            # read only in part (a caller's fetchone()); a statement of ours ends it.
            con.execute("SELECT 1").fetchall()
        con.register("_staged", staged)
        try:
            cols = ", ".join(table.column_names)
            casts = ", ".join(f"{_staged_value(table, c)} AS {c.name}" for c in table.columns)
            con.execute("DROP TABLE IF EXISTS _changed")
            con.execute(
                f"CREATE TEMP TABLE _changed AS SELECT {casts} FROM _staged "
                f"EXCEPT SELECT {cols} FROM {name} WHERE {table.key} IN "
                f"(SELECT CAST({table.key} AS VARCHAR) FROM _staged)")
        finally:
            con.unregister("_staged")
        changed = con.execute("SELECT count(*) FROM _changed").fetchone()[0]
        if changed:
            change = change_id(con)
            updates = ", ".join(f"{c} = excluded.{c}" for c in table.column_names
                                if c != table.key)
            if dialect(con) == "duckdb":
                derived.note(con, name, "_changed")
            # A record written twice in one change (a feed's snapshot, then the feed) keeps
            # one version for the change: the last.
            con.execute(f"INSERT INTO {name}_history (change_id, op, {cols}) "
                        f"SELECT ?, 'put', {cols} FROM _changed "
                        f"ON CONFLICT ({table.key}, change_id) DO UPDATE SET op = 'put', "
                        f"{updates}", [change])
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _changed "
                        f"ON CONFLICT ({table.key}) DO UPDATE SET {updates}")
            _count(con, "changed", name, changed)
        con.execute("DROP TABLE _changed")
        written[name] = len(staged)
    return written


def _staged_value(table: schema.Table, column: schema.Column) -> str:
    """A staged row's value of ``column`` as it is stored: its own, cast; a delivery's
    ``failed_recorded_on`` is the store's to set (today, when a stored delivery first
    turns failed; kept while it stays failed; empty when it arrives failed)."""
    if (table.name, column.name) != ("deliveries", "failed_recorded_on"):
        return f"CAST({column.name} AS {schema.SQL_TYPES[column.kind]})"
    today = now_utc().date().isoformat()  # a date the code makes: no input reaches the SQL
    return ("CASE WHEN CAST(_staged.status AS VARCHAR) = 'failed' THEN (SELECT CASE WHEN "
            f"c.status = 'failed' THEN c.failed_recorded_on ELSE DATE '{today}' END "
            "FROM deliveries c WHERE c.delivery_id = CAST(_staged.delivery_id AS VARCHAR)) END")


def retract(con, name: str, keys: list[str], **detail) -> int:
    """Retract the records ``keys`` of table ``name``: each leaves the table and its
    history gains a ``retract`` version (what it said stays in the history). Refused
    (ValueError, nothing changed) while another table's rows point at one of them.
    Returns the records retracted; a key not stored is ignored."""
    table = schema.TABLES[name]
    if not keys:
        return 0
    with transaction(con, reason="retraction", table=name, **detail):
        con.execute("DROP TABLE IF EXISTS _gone")
        con.execute("CREATE TEMP TABLE _gone (k VARCHAR)")
        con.executemany("INSERT INTO _gone VALUES (?)", [[k] for k in keys])
        for child in schema.TABLES.values():
            for col in child.columns:
                if col.ref != name or (child.name == name and col.name == table.key):
                    continue
                n = con.execute(f"SELECT count(*) FROM {child.name} WHERE {col.name} IN "
                                "(SELECT k FROM _gone)").fetchone()[0]
                if n:
                    raise ValueError(f"{n} {child.name} rows still refer to these {name} "
                                     f"({col.name}); retract or correct them first")
        cols = ", ".join(table.column_names)
        nulls = ", ".join("NULL" if c != table.key else c for c in table.column_names)
        gone = con.execute(f"SELECT count(*) FROM {name} WHERE {table.key} IN "
                           "(SELECT k FROM _gone)").fetchone()[0]
        if gone and dialect(con) == "duckdb":
            derived.note(con, name, f"(SELECT k AS {table.key} FROM _gone)")
        if gone:
            cleared = ", ".join(f"{c} = excluded.{c}" for c in ["op", *table.column_names]
                                if c != table.key)
            con.execute(f"INSERT INTO {name}_history (change_id, op, {cols}) SELECT ?, "
                        f"'retract', {nulls} FROM {name} WHERE {table.key} IN "
                        f"(SELECT k FROM _gone) ON CONFLICT ({table.key}, change_id) "
                        f"DO UPDATE SET {cleared}", [change_id(con)])
            con.execute(f"DELETE FROM {name} WHERE {table.key} IN (SELECT k FROM _gone)")
            _count(con, "retracted", name, gone)
        con.execute("DROP TABLE _gone")
    return gone


# Who is making changes in this thread: the app names the signed-in person at the start
# of every run; elsewhere it is the local account (the command line).
_ACTING: ContextVar[tuple[str | None, str | None]] = ContextVar("lifeline_store_actor",
                                                                default=(None, None))


def acting_as(actor: str | None, role: str | None = None) -> None:
    """Name the person (and role) this thread's changes are recorded for."""
    _ACTING.set((actor, role))


@contextmanager
def acting(who: str | None, role: str | None = None) -> Iterator:
    """Record the changes made inside the block for ``who`` (and ``role``)."""
    token = _ACTING.set((who, role))
    try:
        yield
    finally:
        _ACTING.reset(token)


def local_actor() -> str:
    """Who acts on the command line: ``local:<account name>``."""
    try:
        return "local:" + getpass.getuser()
    except (KeyError, OSError):  # no account name in some containers
        return "local"


def actor() -> tuple[str, str | None]:
    """(actor, role) this thread's changes are recorded for."""
    who, role = _ACTING.get()
    return who or local_actor(), role


# Why a change was made: the reasons a history shows.
REASONS = ("import", "correction", "review", "resubmit", "quarantine", "need_costs", "demo",
           "retraction", "baseline", "mapping", "submission", "approval", "household_round",
           "household_deletion", "household_case", "household_service")


@dataclass
class _Open:
    """An open ``transaction`` block on one connection: its depth and its change."""

    depth: int = 1
    reason: str = "correction"
    import_id: str | None = None
    detail: dict = field(default_factory=dict)
    change_id: int | None = None


# Connections (by id) inside a ``transaction`` block.
_OPEN: dict[int, _Open] = {}


def in_transaction(con) -> bool:
    """True inside a ``transaction`` block on ``con``."""
    return id(con) in _OPEN


def change_id(con) -> int:
    """The change the open transaction on ``con`` records, made on first use: who, when,
    why. Every version written in the block carries it."""
    state = _OPEN.get(id(con))
    if state is None:
        raise RuntimeError("a change is recorded inside store.transaction only")
    if state.change_id is None:
        who, role = actor()
        state.change_id = con.execute("SELECT nextval('change_seq')").fetchone()[0]
        con.execute("INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [state.change_id, now_utc(), who, role, state.reason, state.import_id])
    return state.change_id


def describe(con, reason: str | None = None, import_id: str | None = None, **detail) -> None:
    """Say why the open transaction on ``con`` changes the store and what it did (file
    names, rows, a decision: never the data itself); an outer block's reason stands."""
    state = _OPEN.get(id(con))
    if state is None:
        return
    if reason:
        if reason not in REASONS:
            raise ValueError(f"unknown reason for a change {reason!r}")
        if state.reason == "correction":
            state.reason = reason
    state.import_id = state.import_id or import_id
    state.detail.update({k: v for k, v in detail.items() if v is not None})


def note(con, key: str, item: dict) -> None:
    """Add ``item`` to the list ``key`` of the open change's detail (one per decision of
    a bulk review, say)."""
    state = _OPEN.get(id(con))
    if state is not None:
        state.detail.setdefault(key, []).append(item)


def _count(con, kind: str, name: str, n: int) -> None:
    state = _OPEN[id(con)]
    counts = state.detail.setdefault(kind, {})
    counts[name] = counts.get(name, 0) + n


@contextmanager
def transaction(con, commit: bool = True, reason: str | None = None, record: bool = True,
                **detail) -> Iterator:
    """Everything done on ``con`` inside the block lands whole or not at all, recorded as
    one change (``changes``: who, when, ``reason``, ``detail``) in the same transaction.

    A block inside another joins it: the outermost block commits (or, with
    ``commit=False``, as a dry run does, rolls back whatever happened) and any
    exception rolls everything back. Reads inside the block see its own writes, so a
    later step of an import can match against rows an earlier step wrote. With
    ``record=False`` no change is recorded (moving a whole store, changes included).
    """
    key = id(con)
    if key in _OPEN:
        _OPEN[key].depth += 1
        try:
            describe(con, reason, **detail)
            yield con
        finally:
            _OPEN[key].depth -= 1
        return
    con.execute("BEGIN TRANSACTION")
    if dialect(con) == "postgres":
        # One writer at a time: changes commit in the order of their numbers, so a
        # replica that has read change N has every change before it.
        con.execute("SELECT pg_advisory_xact_lock(?)", [postgres.WRITE_LOCK])
    _OPEN[key] = _Open()
    try:
        describe(con, reason, **detail)
        if record:
            change_id(con)  # every committed block is a change: the data version moves
        yield con
        if dialect(con) == "duckdb":
            derived.apply(con)  # the derived tables follow the records, in the same block
        state = _OPEN[key]
        if record:
            con.execute("UPDATE changes SET reason = ?, import_id = ?, detail = ? "
                        "WHERE change_id = ?",
                        [state.reason, state.import_id,
                         json.dumps(state.detail, ensure_ascii=False, default=str) or None,
                         state.change_id])
    except BaseException:
        _OPEN.pop(key, None)
        con.execute("ROLLBACK")
        raise
    _OPEN.pop(key, None)
    if dialect(con) == "postgres":
        con.execute("COMMIT" if commit else "ROLLBACK")
        if commit:
            from data_loaders.store import replica

            replica.changed(con.url)  # this process's next read refreshes at once
        return
    path = database_file(con)  # named before the commit: a failed one may spend con
    try:
        con.execute("COMMIT" if commit else "ROLLBACK")
    except duckdb.Error as exc:
        # The journal could not be written (a full disk): DuckDB has ended the
        # transaction, so nothing is saved. Say why, in the system's words.
        raise StoreNotWritten(path, _system_words(exc)) from exc
    if commit:
        _checkpoint(con, path)


def _checkpoint(con, path: Path) -> None:
    """Fold the journal of a committed block into the store's file. The block is saved
    either way (DuckDB's journal is synced at the commit): a failure here must not tell
    the person their data was lost."""
    try:
        con.execute("CHECKPOINT")
    except duckdb.TransactionException:
        # Another connection of this process (a page of another session) is in the
        # middle of a transaction; DuckDB checkpoints on its own later.
        pass
    except duckdb.Error as exc:
        # The file could not grow (a full disk). The journal holds the block and is
        # folded in when the store is next opened with room; this connection is spent.
        import logging

        logging.getLogger(__name__).warning(
            "saved in the journal of %s, not yet in the file: %s", path, _system_words(exc))


# The tables a rebuild (the demo) empties: the records, their history and the changes.
def _clear(con) -> None:
    for name in schema.TABLES:
        con.execute(f"DELETE FROM {name}")
        con.execute(f"DELETE FROM {name}_history")
    con.execute("DELETE FROM imports")
    con.execute("DELETE FROM changes WHERE change_id <> ?", [change_id(con)])
    derived.note_all(con)


def write(con, frames: dict[str, pd.DataFrame], log_rows: list[dict] | None = None,
          replace: bool = False, quarantine: list[dict] | None = None,
          reason: str | None = None) -> dict[str, int]:
    """Write ``frames``, their import-log rows and quarantined rows in one transaction.

    With ``replace=True`` every table, its history and the changes are emptied first
    (the demo builder). Nothing is written if any statement fails. Inside a
    ``transaction`` block the write joins it.
    """
    with transaction(con, reason=reason or ("demo" if replace else None)):
        if replace:
            _clear(con)
        written = upsert(con, frames)
        for row in log_rows or []:
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?)",
                [row["import_id"], row["file_name"], row["sha256"], row["table_name"],
                 row["rows"], row.get("imported_at") or now_utc()],
            )
        if log_rows:
            describe(con, import_id=log_rows[0]["import_id"])
        for row in quarantine or []:
            con.execute(
                # The id is made from the file and row: the same row is kept back once.
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT DO NOTHING",
                [row["quarantine_id"], row["import_id"], row["table_name"], row["file_name"],
                 row["row"], row["record"], row["problems"], now_utc()],
            )
        for row in quarantine or []:
            _count(con, "quarantined", row["table_name"], 1)
    return written


def now_utc() -> datetime:
    """The current time in UTC, without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def read_table(con, name: str) -> pd.DataFrame:
    """Read a whole table as a DataFrame (small tables and tests only)."""
    table = schema.TABLES[name]
    return con.execute(f"SELECT * FROM {table.name} ORDER BY {table.key}").df()


def existing_keys(con, name: str) -> set[str]:
    """The natural keys already stored in table ``name`` (read as one column: a million
    keys fetched as rows took a second)."""
    table = schema.TABLES[name]
    if dialect(con) == "postgres":
        return {r[0] for r in con.execute(f"SELECT {table.key} FROM {table.name}").fetchall()}
    return set(con.execute(f"SELECT {table.key} FROM {table.name}").fetchnumpy()[table.key].tolist())


class StoredKeys:
    """Which of the keys an import names the store already holds, table by table, asked
    of the store for those keys only: an import names a few thousand, the store may hold
    millions (reading every key of the needs took 0.5 s at 100 times the demo). What
    validation takes as ``known_keys`` (data_loaders.ingest.validation)."""

    def __init__(self, con, ignored: tuple[str, ...] = ()):
        self._con = con
        self._ignored = ignored  # tables whose stored keys count as absent
        self._held: dict[str, dict[str, bool]] = {}  # table -> key -> in the store

    def among(self, name: str, values) -> set[str]:
        """The ``values`` that are keys of table ``name`` in the store."""
        if name in self._ignored:
            return set()
        held = self._held.setdefault(name, {})
        asked = sorted({str(v) for v in values if v is not None} - held.keys())
        if asked:
            table = schema.TABLES[name]
            found = {row[0] for row in self._con.execute(
                f"SELECT {table.key} FROM {table.name} "
                f"WHERE {table.key} IN (SELECT unnest(?::VARCHAR[]))", [asked]).fetchall()}
            held.update((key, key in found) for key in asked)
        return {v for v in values if v is not None and held.get(str(v))}


def dangling_references(con, tables: list[str] | None = None,
                        changed_only: bool = False) -> list[tuple[str, str, str, int]]:
    """References that point at no row: ``(table, column, referenced table, rows)``.

    Validation refuses them on import; this is the store-wide check behind it (the
    import runs it before committing, and the test suite after every write). Only
    ``tables`` are checked when given (a write can break only its own references), and
    with ``changed_only`` only the rows the open transaction's change wrote (a key is
    never rewritten and a referred-to row cannot be retracted, so no other row can
    have lost its parent).
    """
    found = []
    written = (" AND child.{key} IN (SELECT {key} FROM {table}_history WHERE change_id = ?)"
               if changed_only else "")
    params = [change_id(con)] if changed_only else []
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
                f"WHERE p.{parent.key} = child.{col.name})"
                + written.format(key=table.key, table=table.name), params).fetchone()[0]
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
    with transaction(con, reason="resubmit" if status == "resubmitted" else "quarantine",
                     quarantine_status=status, quarantine_rows=len(ids)):
        con.executemany("UPDATE quarantine SET status = ? WHERE quarantine_id = ?",
                        [[status, i] for i in ids])


# The changes that follow one case (an update, a service). A caseworker saves many a day;
# if each moved the data version, every cached page of every person would turn cold and
# the server would prepare them all again (12-14 s of work at Hubei 100x) after each save.
# They move the casework version instead, which keys only what reads the cases.
CASEWORK_REASONS = ("household_case", "household_service")


def data_versions(con) -> tuple[str, str]:
    """(data version, casework version): the latest change recorded other than a case's
    follow-up, which keys every cache, and the latest follow-up of a case
    (:data:`CASEWORK_REASONS`), which keys also what reads the cases."""
    marks = ", ".join(f"'{reason}'" for reason in CASEWORK_REASONS)
    data, casework = con.execute(
        f"SELECT coalesce(max(change_id) FILTER (WHERE reason NOT IN ({marks})), 0), "
        f"coalesce(max(change_id) FILTER (WHERE reason IN ({marks})), 0) FROM changes").fetchone()
    return str(data), str(casework)


def data_version(con) -> str:
    """The latest change recorded other than a case's follow-up (see :func:`data_versions`):
    every other write moves it, so it keys every cache."""
    return data_versions(con)[0]


def record_history(con, name: str, key: str) -> pd.DataFrame:
    """Every version of record ``key`` of table ``name``, oldest first: the change that
    wrote it (when, who, why, the import and its files) and the record's columns as that
    version had them (empty on a retraction)."""
    table = schema.TABLES[name]
    cols = ", ".join(f"h.{c}" for c in table.column_names)
    return con.execute(
        f"SELECT h.change_id, c.recorded_at, c.actor, c.role, c.reason, h.op, c.import_id, "
        f"(SELECT string_agg(DISTINCT i.file_name, '; ') FROM imports i "
        f" WHERE i.import_id = c.import_id AND i.table_name = ?) AS files, "
        f"(SELECT string_agg(DISTINCT i.sha256, '; ') FROM imports i "
        f" WHERE i.import_id = c.import_id AND i.table_name = ?) AS sha256, {cols} "
        f"FROM {name}_history h JOIN changes c USING (change_id) "
        f"WHERE h.{table.key} = ? ORDER BY h.change_id", [name, name, key]).df()


def table_history(con, name: str) -> pd.DataFrame:
    """Every version of every record of table ``name``, by record then change: the
    change's when, who, role and why, ``op`` (put or retract) and the columns."""
    table = schema.TABLES[name]
    cols = ", ".join(f"h.{c}" for c in table.column_names)
    return con.execute(
        f"SELECT h.change_id, c.recorded_at, c.actor, c.role, c.reason, h.op, c.import_id, "
        f"{cols} FROM {name}_history h JOIN changes c USING (change_id) "
        f"ORDER BY h.{table.key}, h.change_id").df()


def names_of(con, name: str, keys: list[str]) -> dict[str, str]:
    """The names of the records ``keys`` of table ``name`` (organisations, facilities)."""
    table = schema.TABLES[name]
    if "name" not in table.column_names or not keys:
        return {}
    marks = ", ".join("?" for _ in keys)
    return dict(con.execute(f"SELECT {table.key}, name FROM {name} WHERE {table.key} IN "
                            f"({marks})", list(keys)).fetchall())


def change_moments(con) -> list[tuple[datetime, str]]:
    """When each change was recorded and why, oldest first (not who, nor what)."""
    return [(r[0], r[1]) for r in con.execute(
        "SELECT recorded_at, reason FROM changes ORDER BY change_id").fetchall()]


def changes(con, limit: int | None = 500) -> pd.DataFrame:
    """The latest changes, newest first: when, who, role, why, the import, and what it
    did (``detail``, JSON)."""
    return con.execute(
        "SELECT change_id, recorded_at, actor, role, reason, import_id, detail FROM changes "
        "ORDER BY change_id DESC" + (" LIMIT ?" if limit is not None else ""),
        [limit] if limit is not None else []).df()


def as_known_at(con, moment: datetime):
    """A new in-memory store holding the records as they were known at ``moment`` (UTC,
    naive): for each record its latest version recorded at or before then, retracted
    ones left out; the import log and the changes up to then; today's costs per need,
    review queue and confirmed names. Every query of the app runs on it unchanged."""
    if dialect(con) == "postgres":  # read from this process's replica, brought up to date
        from data_loaders.store import replica

        con = replica.reader(con.url)
    known = duckdb.connect(":memory:")
    _prepare(known)
    known.execute("DELETE FROM need_costs")

    # A cursor of its own: a result the caller left unfetched on ``con`` stays untouched.
    reader = con.cursor()

    def copy(name: str, select: str, params: list) -> None:
        rows = reader.sql(select, params=params or None).to_arrow_table()
        known.register("_rows", rows)
        try:
            known.execute(f"INSERT INTO {name} SELECT * FROM _rows")
        finally:
            known.unregister("_rows")

    for name, table in schema.TABLES.items():
        cols = ", ".join(table.column_names)
        copy(name, f"SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY "
                   f"{table.key} ORDER BY change_id DESC) AS latest FROM {name}_history "
                   "WHERE change_id IN (SELECT change_id FROM changes WHERE recorded_at <= ?)) "
                   "AS versions WHERE latest = 1 AND op = 'put'", [moment])
    copy("imports", "SELECT * FROM imports WHERE imported_at <= ?", [moment])
    copy("changes", "SELECT * FROM changes WHERE recorded_at <= ?", [moment])
    for name in ("need_costs", "review_queue", "name_aliases"):
        copy(name, f"SELECT * FROM {name}", [])
    reader.close()
    derived.rebuild(known)
    return known
