"""Cached access to the store for the pages.

One DuckDB connection per database file and process (``st.cache_resource``); query
results are cached by the database's data version, so a rerun with the same filters
costs a dictionary look-up and a new import invalidates everything at once.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import metrics
from data_loaders import store


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return store.connect(path)


def cursor():
    """A cursor on the app's connection to the current database (thread-safe use)."""
    return _connection(str(store.db_path())).cursor()


def db_key() -> tuple[str, str]:
    """(database path, data version): the cache key of everything read from the store."""
    con = cursor()
    return str(store.db_path()), store.data_version(con)


@st.cache_data(show_spinner=False, max_entries=8)
def date_range(key: tuple[str, str]) -> tuple[date | None, date | None]:
    """First and latest event dates in the data."""
    return metrics.data_date_range(cursor())


@st.cache_data(show_spinner=False, max_entries=64)
def region_summary(key: tuple[str, str], as_of: date, window: int) -> pd.DataFrame:
    """Per-prefecture summary at ``as_of``."""
    return metrics.region_summary(cursor(), metrics.Scope(as_of, window))


@st.cache_data(show_spinner=False, max_entries=64)
def totals(key: tuple[str, str], as_of: date, window: int) -> dict:
    """Province headline numbers at ``as_of``."""
    scope = metrics.Scope(as_of, window)
    return metrics.totals(cursor(), scope, region_summary(key, as_of, window))


@st.cache_data(show_spinner=False, max_entries=32)
def facility_status(key: tuple[str, str], as_of: date, window: int, prefecture: str | None,
                    limit: int) -> tuple[pd.DataFrame, int]:
    """Facilities for the map (capped) and how many there are in all."""
    scope = metrics.Scope(as_of, window)
    con = cursor()
    return (metrics.facility_status(con, scope, prefecture, limit),
            metrics.facility_count(con, scope, prefecture))


@st.cache_data(show_spinner=False, max_entries=32)
def county_summary(key: tuple[str, str], as_of: date, window: int, prefecture: str) -> pd.DataFrame:
    """Per-county summary of one prefecture."""
    return metrics.county_summary(cursor(), metrics.Scope(as_of, window), prefecture)


@st.cache_data(show_spinner=False, max_entries=8)
def hubs(key: tuple[str, str]) -> pd.DataFrame:
    """Hub organisations."""
    return metrics.hubs(cursor())


def history() -> pd.DataFrame:
    """The import log (never cached: it is what changed)."""
    return store.import_history(cursor())


def counts() -> dict[str, int]:
    """Rows per table."""
    return store.row_counts(cursor())
