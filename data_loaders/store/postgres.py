"""PostgreSQL as the shared store: the connection every write goes through.

A store named by a ``postgresql://`` URL keeps its tables in PostgreSQL; many app servers
and command lines write to it at once. :class:`PgConnection` gives the store's write
paths (imports, review decisions, quarantine, costs per need, retractions) the same
surface a DuckDB connection does (``execute`` with ``?`` placeholders, ``executemany``,
``register`` of a pandas frame, results read with ``fetchone``, ``fetchall`` or ``df``),
so one store API serves both engines; the SQL they run is written in the subset both
read. Analytics never run here: they read a DuckDB replica of the store kept current
from the change sequence (data_loaders.store.replica).

Writers take one lock for the length of their transaction (a PostgreSQL advisory lock):
changes then commit in the order of their numbers, so a replica that has read up to
change N has seen every change before it, and two imports never interleave.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

# The advisory lock every writing transaction holds (any number unique to Lifeline).
WRITE_LOCK = 7_414_2020


def is_url(target: object) -> bool:
    """True when ``target`` names a PostgreSQL store (``postgresql://…``)."""
    return str(target).startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(str(url))
    if parts.password is None:
        return str(url)
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class StoreUnavailable(ConnectionError):
    """The PostgreSQL server cannot be reached (stopped, restarting, a wrong address)."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"the store {shown(url)} is unavailable ({reason.strip()}); "
                         "nothing was read or written — try again shortly")
        self.url = url


class Result:
    """Rows of one statement, read as DuckDB's results are."""

    def __init__(self, cursor):
        self.description = cursor.description
        self._rows = cursor.fetchall() if cursor.description else []

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def df(self) -> pd.DataFrame:
        """The rows as a frame typed as DuckDB types it (dates and times as datetime64,
        integers as nullable Int64, floats as float64), so code reading a store gets the
        same frame from either engine."""
        columns = [c.name for c in self.description or []]
        frame = pd.DataFrame(self._rows, columns=columns)
        for position, column in enumerate(self.description or []):
            kind = _FRAME_TYPES.get(column.type_code)
            if kind == "datetime":
                frame.isetitem(position, pd.to_datetime(frame.iloc[:, position]).astype(
                    "datetime64[us]"))
            elif kind is not None:
                frame.isetitem(position, frame.iloc[:, position].astype(kind))
        return frame


# PostgreSQL type numbers (pg_type.oid) and the dtype DuckDB gives the same column.
_FRAME_TYPES = {20: "Int64", 21: "Int64", 23: "Int64", 700: "float64", 701: "float64",
                1082: "datetime", 1114: "datetime"}


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(\?)|(%)")


def translate(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s`` (a ``%`` doubled), quotes untouched."""
    def one(match: re.Match) -> str:
        if match.group(1):
            return "%s"
        if match.group(2):
            return "%%"
        return match.group(0)
    return _PLACEHOLDER.sub(one, sql)


def _value(v: object) -> object:
    """A frame's cell as psycopg adapts it: numpy scalars as Python ones, blanks as NULL."""
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):  # a list or an array is not a blank
        pass
    return v.item() if hasattr(v, "item") else v


def _sql_type(series: pd.Series) -> str:
    """The PostgreSQL type of a frame's column, from its dtype or its first value; a
    column with no value at all is text (a blank casts to any type, a NaN does not)."""
    if series.isna().all():
        return "TEXT"
    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    first = next((v for v in series if _value(v) is not None), None)
    if isinstance(first, bool):
        return "BOOLEAN"
    if isinstance(first, int):
        return "BIGINT"
    if isinstance(first, float):
        return "DOUBLE PRECISION"
    if isinstance(first, dt.datetime):
        return "TIMESTAMP"
    if isinstance(first, dt.date):
        return "DATE"
    return "TEXT"


class PgConnection:
    """A connection to a PostgreSQL store with the surface of a DuckDB connection."""

    dialect = "postgres"

    def __init__(self, url: str, connect_timeout: int = 5):
        import psycopg
        from psycopg.types.json import JsonLoader

        self.url = url
        try:
            self._con = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(url, str(exc).splitlines()[0] if str(exc) else "") from exc

        class Text(JsonLoader):  # JSON columns read as text, as DuckDB returns them
            def load(self, data):
                return bytes(data).decode("utf-8")

        for name in ("json", "jsonb"):
            self._con.adapters.register_loader(name, Text)

    def execute(self, sql: str, params=None) -> Result:
        with self._reached(), self._con.cursor() as cursor:
            cursor.execute(translate(sql), list(params) if params is not None else None)
            return Result(cursor)

    def executemany(self, sql: str, rows) -> None:
        rows = [list(r) for r in rows]
        if rows:
            with self._reached(), self._con.cursor() as cursor:
                cursor.executemany(translate(sql), rows)

    @contextmanager
    def _reached(self):
        """A lost connection (the server stopped) is StoreUnavailable, not a traceback."""
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(self.url, str(exc).splitlines()[0] if str(exc) else
                                   "connection lost") from exc

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """``frame`` as a temporary table ``name`` (what DuckDB's register does)."""
        columns = ", ".join(f'"{c}" {_sql_type(frame[c])}' for c in frame.columns)
        self.execute(f"DROP TABLE IF EXISTS {name}")
        self.execute(f"CREATE TEMP TABLE {name} ({columns})")
        with self._con.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_value(v) for v in row])

    def unregister(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {name}")

    def cursor(self) -> PgConnection:
        return self

    def close(self) -> None:
        self._con.close()

    @property
    def closed(self) -> bool:
        return self._con.closed


def create_database(url: str) -> None:
    """Create the database a URL names when it does not exist (``import`` and ``demo``
    create a store; reads never do)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            try:
                con.execute(f'CREATE DATABASE "{name}"')
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # another process created it a moment ago


def database_exists(url: str) -> bool:
    """True when the database the URL names exists (StoreUnavailable when the server
    cannot be reached)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as con:
            return bool(con.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [parts.path.lstrip("/")]).fetchone())
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(url, str(exc).splitlines()[0] if str(exc) else "") from exc
