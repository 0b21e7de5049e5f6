"""The analytics copy of a PostgreSQL store: a DuckDB database in this process's memory,
kept current from the store's change sequence.

The metrics are written in DuckDB's SQL and run on it whatever the store. For a
PostgreSQL store each process holds one replica per store. A read refreshes it when it
is older than ``LIFELINE_REFRESH_SECONDS`` (default 2) or when this process has just
written: only the record versions written since the last change it has seen are read
(as Arrow, through ADBC), and each record's latest version replaces the copy's; the
book-keeping tables (import log, quarantine, review queue, confirmed names, costs per
need) are small and read whole when anything changed. Writers commit in the order of
their change numbers (data_loaders.store.postgres), so "every change up to N" is a
complete picture.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

import duckdb

from data_loaders.store import derived, schema

# Tables read whole on a refresh that found changes (the households followed are a few
# thousand rows at most, and keep no history to read changes from).
SMALL_TABLES = ("imports", "quarantine", "review_queue", "name_aliases", "need_costs",
                "submissions", "partner_settings", "reopened_periods", *schema.HOUSEHOLD_TABLES)


def refresh_seconds() -> float:
    """How old a replica may be before a read refreshes it (``LIFELINE_REFRESH_SECONDS``)."""
    try:
        return max(0.0, float(os.environ.get("LIFELINE_REFRESH_SECONDS", "2")))
    except ValueError:
        return 2.0


class Replica:
    """One PostgreSQL store's DuckDB copy in this process."""

    def __init__(self, url: str):
        from data_loaders import store

        self.url = url
        self.db = duckdb.connect(":memory:")
        store.ensure_schema(self.db)
        self.db.execute("DELETE FROM need_costs")  # the store's own rows come on refresh
        self.seen = 0  # the last change this copy holds
        self.checked = 0.0  # monotonic time of the last look at the store
        self.refreshed_at: datetime | None = None  # UTC, when it last looked
        self.stale = True
        self.lock = threading.Lock()

    def refresh(self, force: bool = False) -> int:
        """Bring the copy up to the store's latest change; returns changes applied."""
        with self.lock:
            if not (force or self.stale) and time.monotonic() - self.checked < refresh_seconds():
                return 0
            import adbc_driver_postgresql.dbapi as adbc

            try:
                with adbc.connect(self.url) as pg, pg.cursor() as cursor:
                    cursor.execute("SELECT coalesce(max(change_id), 0) FROM changes")
                    latest = int(cursor.fetchone()[0])
                    applied = self._apply(cursor, latest) if latest > self.seen else 0
            except Exception as exc:  # the server is down or restarting: say so, retry later
                from data_loaders.store.postgres import StoreUnavailable

                raise StoreUnavailable(self.url, str(exc).splitlines()[0] if str(exc) else
                                       type(exc).__name__) from exc
            self.checked = time.monotonic()
            self.refreshed_at = datetime.now(UTC).replace(tzinfo=None)
            self.stale = False
            return applied

    def _apply(self, cursor, latest: int) -> int:
        """Read the versions of changes (seen, latest] and apply them in one transaction."""
        def fetch(sql: str, params=None):
            cursor.execute(sql, params)
            return cursor.fetch_arrow_table()

        batches = {name: fetch(f"SELECT * FROM {name}_history WHERE change_id > $1 AND "
                               "change_id <= $2", [self.seen, latest])
                   for name in schema.TABLES}
        changes = fetch("SELECT * FROM changes WHERE change_id > $1 AND change_id <= $2",
                        [self.seen, latest])
        small = {name: fetch(f"SELECT * FROM {name}") for name in SMALL_TABLES}
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            if not self.seen:
                derived.note_all(db)  # the first copy: derive everything once
            for name, rows in batches.items():
                if not rows.num_rows:
                    continue
                table = schema.TABLES[name]
                cols = ", ".join(table.column_names)
                db.register("_versions", rows)
                derived.note(db, name, "_versions")  # before the old rows go
                db.execute(f"INSERT INTO {name}_history SELECT * FROM _versions")
                db.execute(f"DELETE FROM {name} WHERE {table.key} IN "
                           f"(SELECT {table.key} FROM _versions)")
                db.execute(f"INSERT INTO {name} SELECT {cols} FROM (SELECT *, row_number() "
                           f"OVER (PARTITION BY {table.key} ORDER BY change_id DESC) AS latest "
                           "FROM _versions) AS v WHERE latest = 1 AND op = 'put'")
                db.unregister("_versions")
            db.register("_changes", changes)
            db.execute("INSERT INTO changes SELECT * FROM _changes")
            db.unregister("_changes")
            for name, rows in small.items():
                db.register("_rows", rows)
                db.execute(f"DELETE FROM {name}")
                db.execute(f"INSERT INTO {name} SELECT * FROM _rows")
                db.unregister("_rows")
            derived.apply(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied, self.seen = changes.num_rows, latest
        return applied


_REPLICAS: dict[str, Replica] = {}
_GUARD = threading.Lock()


def replica(url: str) -> Replica:
    """This process's replica of the store at ``url`` (made on first use)."""
    with _GUARD:
        if url not in _REPLICAS:
            _REPLICAS[url] = Replica(url)
        return _REPLICAS[url]


def reader(url: str):
    """A DuckDB connection (cursor) on the replica of ``url``, refreshed if due."""
    copy = replica(url)
    copy.refresh()
    return copy.db.cursor()


def changed(url: str) -> None:
    """This process wrote to ``url``: its next read refreshes at once."""
    if url in _REPLICAS:
        _REPLICAS[url].stale = True


def forget(url: str) -> None:
    """Drop this process's replica of ``url`` and free its memory (a store removed, or a
    test done with it); the next read makes a new one."""
    with _GUARD:
        copy = _REPLICAS.pop(url, None)
    if copy is not None:
        copy.db.close()


def refreshed_at(url: str) -> datetime | None:
    """When this process's replica of ``url`` last looked at the store (UTC), if ever."""
    copy = _REPLICAS.get(url)
    return copy.refreshed_at if copy else None
