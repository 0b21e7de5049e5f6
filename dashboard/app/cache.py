"""The one cached edge between the pages and the store.

:func:`cached` turns (view, query, arguments) into a result: it runs the registered query
through the gate (dashboard.access.run) for the view's role and caches the result keyed
by the database, its data version and the role, so a rerun with the same filters costs
one cheap version check and a dictionary look-up, a new import invalidates everything at
once, and one role's results are never served to another. A query that takes another's
result (``reuses`` in its registration: the Needs analyses take the open needs at D)
gets that result from the same cache, so the work is done once for every page.

Connections are short-lived: opened for a query and closed straight after, because
DuckDB locks its file for as long as a connection is open, and the command line must
be able to import while someone has the app open.

Results are kept as objects (``st.cache_resource``), not pickled: a 500,000-row frame
pickled into the cache and unpickled for every section that reads it cost seconds per
page at 100 times the demo. A page is handed a shallow copy of a frame (pandas copies on
write, so what the page changes is its own) and a deep copy of anything else (a dict of
totals, a list).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

from dashboard.access import Query, allowed, audit, registered, run
from data_loaders import store

# Reads of this much detail are written to the audit log, once per session, page, level
# and data version: who looked at facility-level rows, at a family's rows, or at the store
# as it is.
AUDITED_LEVELS = ("facility", "raw", "household")


@contextmanager
def connection(writes: bool = False) -> Iterator:
    """A connection to the current store, closed when the block ends: the writer for a
    change, else the analytics reader (store.reader). A read of a store that does not
    exist yet sees an empty one and creates nothing; only a write (an import) creates
    the store."""
    con = (store.connect(missing="create", wait=min(store.PAGE_WAIT, store.store_wait()))
           if writes else store.reader())
    try:
        yield con
    finally:
        con.close()


def db_key() -> tuple[str, str]:
    """(database path, data version): the cache key of everything read from the store."""
    return db_keys()[:2]


def db_keys() -> tuple[str, str, str]:
    """(database path, data version, casework version): the casework version moves with a
    case's follow-up, which the data version leaves alone (store.data_versions); it keys
    only the queries that read the cases (registered with ``casework=True``)."""
    with connection() as con:
        return (store.location(), *store.data_versions(con))


def role_of(key: tuple[str, ...]) -> str | None:
    """The role a view's key (path, data version, role) was made for; None denies all.

    The role is part of every cache key, so one role's cached results are never
    served to another.
    """
    return key[2] if len(key) > 2 else None


def _arguments(entry: Query, args: tuple, kwargs: dict) -> tuple[tuple[str, object], ...]:
    """The call's arguments by name, defaults filled in (one cache entry however a page
    spells the call); arguments taken from another query's result are left out."""
    bound = entry.signature.bind_partial(None, *args, **kwargs)
    bound.apply_defaults()
    reused = {argument for argument, _ in entry.reuses}
    return tuple((name, value) for name, value in list(bound.arguments.items())[1:]
                 if name not in reused)


class _OpenedOnUse:
    """A reader of the store opened the first time the query uses it. A query that takes
    what it needs from other results (``reuses``: the Needs page's counts of the open
    needs) then never opens the file; each opening cost 35–45 ms of the page's thread."""

    def __init__(self):
        self._con = None

    def __getattr__(self, name: str):
        if self._con is None:
            self._con = store.reader()
        return getattr(self._con, name)

    def close(self) -> None:
        """Close the reader if it was opened."""
        if self._con is not None:
            self._con.close()


@st.cache_resource(show_spinner=False, max_entries=256)
def _result(key: tuple[str, ...], name: str, arguments: tuple[tuple[str, object], ...]):
    """The cached result of query ``name`` for the role in ``key``."""
    entry = registered(name)
    values = dict(arguments)
    for argument, source in entry.reuses:
        wanted = registered(source)
        accepted = wanted.signature.parameters
        values[argument] = handed_out(_result(key, source, _arguments(
            wanted, (), {k: v for k, v in values.items() if k in accepted})))
    if not entry.reuses:
        with connection() as con:
            return run(role_of(key), name, con, **values)
    con = _OpenedOnUse()
    try:
        return run(role_of(key), name, con, **values)
    finally:
        con.close()


def cached(view, name: str, *args, **kwargs):
    """The result of the registered query ``name`` with these arguments (the connection
    is supplied), for ``view``'s role, from the cache when it holds it."""
    entry = registered(name)
    if entry.writes:
        raise ValueError(f"{name!r} changes the store: run it, never cache it")
    arguments = _arguments(entry, args, kwargs)
    _audit_read(view, entry)
    if entry.casework:
        # Keyed (path, data version, role, casework version), and not noted for the
        # rewarm, which knows only the data version: the case queries take milliseconds.
        return handed_out(_result((*view.key, view.casework), entry.name, arguments))
    return handed_out(prepare(view.key, entry.name, arguments))


# What was asked, most recent last: (path, role, query, arguments' fingerprint) -> (the
# data version it was last asked under, the arguments). dashboard.app.rewarm replays it
# after the data changes. Bounded: a few hundred distinct calls cover every page's default
# view for every role.
ASKED_KEPT = 256
_asked: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
_asked_lock = threading.Lock()
_asked_news = [0]  # how many calls were noted for the first time: the file is kept fresh by it


def _fingerprint(arguments: tuple) -> object:
    """``arguments`` as a dictionary key: themselves, or their text when one is a dict
    or a list (the Funding page passes its weights as a dict)."""
    try:
        hash(arguments)
        return arguments
    except TypeError:
        return repr(arguments)


def prepare(key: tuple[str, ...], name: str, arguments: tuple[tuple[str, object], ...]):
    """The cached result of query ``name`` for ``key`` (path, data version, role),
    computed when the cache does not hold it, and noted as asked."""
    call = (key[0], role_of(key), name, _fingerprint(arguments))
    with _asked_lock:
        _asked_news[0] += call not in _asked
        _asked[call] = (key[1], arguments)
        _asked.move_to_end(call)
        while len(_asked) > ASKED_KEPT:
            _asked.popitem(last=False)
    return _result(key, name, arguments)


def asked_news() -> int:
    """How many calls have been noted for the first time since the server started."""
    return _asked_news[0]


def asked(path: str, version: str) -> list[tuple[str | None, str, tuple]]:
    """(role, query, arguments) of the calls last asked of the store at ``path`` under
    data version ``version``, the most recent first."""
    with _asked_lock:
        return [(role, name, arguments) for (where, role, name, _), (seen, arguments)
                in reversed(_asked.items()) if where == path and seen == version]


@st.cache_resource(show_spinner=False, max_entries=64)
def _kept(key: tuple, _build):
    return _build()


def forget_results() -> None:
    """Drop every cached result and kept display work. Called when the data version has
    moved: every later run asks under the new version, so the old entries only hold
    memory (at 100 times the demo, the old and new versions together passed 1.5 GB)."""
    _result.clear()
    _kept.clear()


def kept(view, name: str, build, *parts):
    """What ``build()`` returns, made once for the view's data and role (its key), ``name``
    and ``parts`` (everything else it depends on: the language, the scope, the filters),
    and kept for every rerun and session that shows the same. For display work, such as a
    2,000-row table laid out for the screen; what it returns must never be changed."""
    return _kept((*view.key, name, *parts), build)


def handed_out(result):
    """What a page may change freely, so no page or session alters what the cache holds
    for the others: a frame as a shallow copy (free: pandas copies a column on write,
    only when one is written), a tuple part by part, anything else as a deep copy."""
    if isinstance(result, pd.DataFrame | pd.Series):
        return result.copy(deep=False)
    if isinstance(result, tuple):  # (frame, its metadata): each part as itself, never a
        return tuple(handed_out(part) for part in result)  # deep copy of the frame
    if getattr(result, "frozen", False) is True:  # it refuses changes (a network's graph)
        return result
    return copy.deepcopy(result)


# Threads that start a page's queries before its sections ask for them (see ahead). Two,
# as the machines we size for have two cores: DuckDB spends a query on its own threads,
# but the Arrow-to-pandas step and the page's own drawing hold the interpreter, so two
# queries at once overlap one's Python with the other's SQL. Shared by every session,
# so many people opening pages together queue here instead of multiplying threads.
AHEAD_WORKERS = 2
_ahead_pool = ThreadPoolExecutor(max_workers=AHEAD_WORKERS, thread_name_prefix="lifeline-ahead")
_LOG = get_logger(__name__)


def ahead(view, *calls: tuple[str, tuple, dict]) -> None:
    """Start computing ``calls`` ((query, positional arguments, keyword arguments), as a
    page's sections will pass them to :func:`cached`) in the background, and return at
    once. A section that asks for one of them later gets its result, waits for its run
    if it is still going, or starts it itself if no thread has yet: never a second run.

    A page lists here the queries that do not wait on each other, so they run while it
    draws the first sections. A call the role may not make is left to the page (which
    shows the refusal); an error is too (the page's own call raises it)."""
    for name, args, kwargs in calls:
        entry = registered(name)
        if entry.writes or entry.scope or not allowed(view.role, entry.level):
            continue
        _ahead_pool.submit(_started_ahead, view.key, entry.name, _arguments(entry, args, kwargs))


def _started_ahead(key: tuple[str, ...], name: str, arguments: tuple) -> None:
    try:
        prepare(key, name, arguments)
    except Exception as error:  # noqa: BLE001 - the page's own call shows the error
        _LOG.debug("lifeline: %s, started ahead, failed: %s", name, error)


def fresh(view, name: str, *args, **kwargs):
    """Run the registered query ``name`` now (a write, or a read that must not be cached:
    the import log, the review queue), through the gate for ``view``'s role."""
    entry = registered(name)
    if not entry.writes:
        _audit_read(view, entry)
    if not entry.takes_connection:  # the audit log is a file beside the store
        return run(view.role, name, *args, **kwargs)
    with connection(writes=entry.writes) as con:
        return run(view.role, name, con, *args, **kwargs)


def _audit_read(view, entry: Query) -> None:
    """Write a read of facility or raw detail to the audit log: one entry per session,
    page, level and data version, naming the page and the query that read first (a
    rerun, or the page's other queries of that level, are not more entries)."""
    if entry.level not in AUDITED_LEVELS:
        return
    seen = st.session_state.setdefault("_audited_reads", set())
    mark = (*view.key, view.page, entry.level)
    if mark in seen:
        return
    seen.add(mark)
    audit.record("read", view.actor, view.role, page=view.page or None, what=entry.name,
                 level=entry.level, as_of=view.as_of.isoformat() if view.as_of else None)


def date_range(key: tuple[str, ...]) -> tuple[date | None, date | None]:
    """First and latest event dates in the data (read before the view exists)."""
    return handed_out(prepare(key, "metrics.data_date_range", ()))
