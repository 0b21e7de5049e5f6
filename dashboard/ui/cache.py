"""Cached access to the store for the pages.

Connections are short-lived: opened for a query and closed straight after, because
DuckDB locks its file for as long as a connection is open, and the command line must
be able to import while someone has the app open. Query results are cached by the
database's data version, so a rerun with the same filters costs one cheap version
check and a dictionary look-up, and a new import invalidates everything at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import metrics
from dashboard.access import run
from data_loaders import store


@contextmanager
def connection() -> Iterator:
    """A connection to the current database, closed when the block ends."""
    con = store.connect()
    try:
        yield con
    finally:
        con.close()


def db_key() -> tuple[str, str]:
    """(database path, data version): the cache key of everything read from the store."""
    with connection() as con:
        return str(store.db_path()), store.data_version(con)


def role_of(key: tuple[str, ...]) -> str | None:
    """The role a view's key (path, data version, role) was made for; None denies all.

    The role is part of every cache key, so one role's cached results are never
    served to another.
    """
    return key[2] if len(key) > 2 else None


@st.cache_data(show_spinner=False, max_entries=8)
def date_range(key: tuple[str, str]) -> tuple[date | None, date | None]:
    """First and latest event dates in the data."""
    with connection() as con:
        return run(role_of(key), "metrics.data_date_range", con)


@st.cache_data(show_spinner=False, max_entries=64)
def region_summary(key: tuple[str, str], as_of: date, window: int) -> pd.DataFrame:
    """Per-prefecture summary at ``as_of``."""
    with connection() as con:
        return run(role_of(key), "metrics.region_summary", con, metrics.Scope(as_of, window))


@st.cache_data(show_spinner=False, max_entries=64)
def totals(key: tuple[str, str], as_of: date, window: int, region: str | None = None) -> dict:
    """Headline numbers at ``as_of`` of the province, or of the prefecture ``region``."""
    summary = region_summary(key, as_of, window)
    with connection() as con:
        return run(role_of(key), "metrics.totals", con, metrics.Scope(as_of, window), summary,
                   region)


@st.cache_data(show_spinner=False, max_entries=64)
def earlier_totals(key: tuple[str, str], as_of: date, window: int,
                   region: str | None = None) -> dict | None:
    """Headline numbers of the province (or of ``region``) at an earlier day to compare
    with, or None when the data begins after it ("no earlier data")."""
    with connection() as con:
        return run(role_of(key), "metrics.earlier_totals", con, metrics.Scope(as_of, window),
                   None, region)


@st.cache_data(show_spinner=False, max_entries=32)
def facility_status(key: tuple[str, str], as_of: date, window: int, prefecture: str | None,
                    limit: int, urgent_only: bool) -> tuple[pd.DataFrame, int]:
    """Facilities for the map (capped) and how many there are in all."""
    scope = metrics.Scope(as_of, window)
    with connection() as con:
        role = role_of(key)
        return (run(role, "metrics.facility_status", con, scope, prefecture, limit, urgent_only),
                run(role, "metrics.facility_count", con, scope, prefecture))


@st.cache_data(show_spinner=False, max_entries=32)
def county_summary(key: tuple[str, str], as_of: date, window: int, prefecture: str) -> pd.DataFrame:
    """Per-county summary of one prefecture."""
    with connection() as con:
        return run(role_of(key), "metrics.county_summary", con, metrics.Scope(as_of, window),
                   prefecture)


@st.cache_data(show_spinner=False, max_entries=8)
def hubs(key: tuple[str, str]) -> pd.DataFrame:
    """Hub organisations."""
    with connection() as con:
        return run(role_of(key), "metrics.hubs", con)


def history(key: tuple[str, ...]) -> pd.DataFrame:
    """The import log (never cached: it is what changed)."""
    with connection() as con:
        return run(role_of(key), "store.import_history", con)


def counts(key: tuple[str, ...]) -> dict[str, int]:
    """Rows per table."""
    with connection() as con:
        return run(role_of(key), "store.row_counts", con)
