"""Shared fixtures: real DuckDB stores in temporary folders, never mocks."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from data_loaders import store
from data_loaders.ingest.importer import import_paths

# No test may touch the working tree's data/ folder, not even a session fixture that
# runs before the function-scoped ones: point the store and the cache elsewhere first.
_SANDBOX = Path(tempfile.mkdtemp(prefix="lifeline-tests-"))
os.environ["LIFELINE_DB"] = str(_SANDBOX / "default.duckdb")
os.environ["LIFELINE_CACHE"] = str(_SANDBOX / "cache")
os.environ["LIFELINE_PROVINCE"] = "420000"
# No background replay after each test's import (dashboard.app.rewarm): it would spend the
# suite's time preparing pages nobody opens. tests/test_rewarm.py and the served bench's
# test turn it on where it is the subject.
os.environ["LIFELINE_REWARM_SECONDS"] = "0"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCENARIO = DATA / "scenario"
AS_OF = date(2020, 2, 15)


@pytest.fixture(autouse=True)
def references_stay_whole(monkeypatch):
    """After every write anywhere in the suite, nothing in the store points at a row
    that is not there (issue 11: a need whose facility was rejected goes with it)."""
    original = store.write

    def checked(con, frames, *args, **kwargs):
        written = original(con, frames, *args, **kwargs)
        dangling = store.dangling_references(con)
        assert not dangling, f"references to missing rows after a write: {dangling}"
        return written

    monkeypatch.setattr(store, "write", checked)


def pytest_generate_tests(metafunc):
    """A module that sets ``BACKENDS = BOTH`` runs each of its store tests on every store
    engine (issue 14: both backends pass the same suite); the rest run on the file."""
    backends = getattr(metafunc.module, "BACKENDS", None)
    chosen = any(mark.args and mark.args[0] == "backend"  # a test that names its engine
                 for mark in metafunc.definition.iter_markers("parametrize"))
    if backends and "backend" in metafunc.fixturenames and not chosen:
        metafunc.parametrize("backend", backends)


BOTH = ("duckdb", "postgres")


@pytest.fixture
def backend() -> str:
    """The store engine of ``db`` and ``scenario_db``: the embedded file unless the
    module asks for both."""
    return "duckdb"


@pytest.fixture
def db(backend, tmp_path, monkeypatch, request):
    """An empty store, also set as LIFELINE_DB: a writable connection. On PostgreSQL
    the analytics read through :func:`analytics`, as the app's pages do."""
    if backend == "postgres":
        server = request.getfixturevalue("pg_server")
        location = server.database()
    else:
        location = str(tmp_path / "lifeline.duckdb")
    monkeypatch.setenv("LIFELINE_DB", location)
    con = store.connect(location)
    yield con
    con.close()
    if backend == "postgres":
        _drop(server, location)


def analytics(con):
    """The connection the metrics read for a store written through ``con``: the file
    itself, or this process's replica of a PostgreSQL store (refreshed after the write)."""
    if store.is_shared(getattr(con, "url", None)):
        return store.reader(con.url)
    return con


def _drop(server, url: str) -> None:
    """Forget a PostgreSQL test store: its replica's memory and its database."""
    from data_loaders.store import replica

    replica.forget(url)
    server.drop(url)


@pytest.fixture(scope="session")
def pg_scenario(pg_server):
    """The scenario imported once into a PostgreSQL database that tests copy (a
    template: a copy takes milliseconds, an import a second)."""
    url = pg_server.database()
    con = store.connect(url)
    report = import_paths(con, [SCENARIO])
    con.close()
    assert report.ok, report.problems
    return url


@pytest.fixture
def scenario_db(backend, request, monkeypatch):
    """The hand-computed scenario of tests/data/scenario, imported through the importer;
    the connection the analytics read (on PostgreSQL, the replica of a fresh copy). A
    test that changes the scenario writes through :func:`writer`."""
    if backend != "postgres":
        con = request.getfixturevalue("db")
        report = import_paths(con, [SCENARIO])
        assert report.ok, report.problems
        yield con
        return
    server = request.getfixturevalue("pg_server")
    url = server.copy(request.getfixturevalue("pg_scenario"))
    monkeypatch.setenv("LIFELINE_DB", url)
    yield store.reader(url)
    _drop(server, url)


def reread(con):
    """The store ``con`` reads, read anew: after a test rewrote its past on PostgreSQL
    (changes never rewrite it in use), a replica built from scratch."""
    location = os.environ["LIFELINE_DB"]
    if not store.is_shared(location):
        return con
    from data_loaders.store import replica

    replica.forget(location)
    return store.reader(location)


@contextmanager
def writer(con):
    """A writable connection to the store ``con`` reads, for a ``with`` block: the file
    connection itself, or a new connection to the PostgreSQL store behind a replica
    (closed after the block, then the replica brought up to date)."""
    location = os.environ["LIFELINE_DB"]
    if not store.is_shared(location):
        yield con
        return
    pg = store.connect(location)
    try:
        yield pg
    finally:
        pg.close()
    store.reader(location).close()  # as a page's next read: the replica takes the write in


@pytest.fixture
def scenario_file(tmp_path, capsys):
    """The scenario imported through the command line into a file no connection holds."""
    from dashboard.cli import main

    path = tmp_path / "s.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(path)]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def served(scenario_file, monkeypatch):
    """The scenario's store as the app reads it, and every query the app's cache runs:
    (path, [(role, query, keyword arguments), ...])."""
    from dashboard.app import cache

    monkeypatch.setenv("LIFELINE_DB", str(scenario_file))
    ran: list[tuple[str | None, str, dict]] = []
    real = cache.run

    def counted(role, name, *args, **kwargs):
        ran.append((role, name, kwargs))
        return real(role, name, *args, **kwargs)

    monkeypatch.setattr(cache, "run", counted)
    return scenario_file, ran


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory):
    """A store holding the demo scenario at scale 1 (built once per test session)."""
    from data_loaders.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = store.connect(path)
    store.write(con, build_demo(seed=7, scale=1), replace=True)
    con.close()
    return path


def realworld_dir() -> Path:
    """``../shared/realworld``: skip when absent on a user's machine, fail in CI."""
    path = ROOT.parent / "shared" / "realworld"
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI requires the real-world data at {path}")
        pytest.skip(f"real-world data not found at {path} (it lives beside the project)")
    return path


def hold(path, seconds: float = 120):
    """Another process holding the store's file for writing (an import from the command
    line, another app server) for ``seconds``: started, and holding, when this returns."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         f"print('held', flush=True); time.sleep({seconds})", str(path)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def busy_store(scenario_file):
    """The scenario's store held for writing by another process for as long as the test
    runs."""
    holder = hold(scenario_file)
    try:
        yield scenario_file
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole session (tests/pg.py)."""
    from tests.pg import Server

    server = Server()
    yield server
    server.remove()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new PostgreSQL store (created by the first import or connection)."""
    return pg_server.database()


@pytest.fixture(params=["duckdb", "postgres"])
def any_store(request, tmp_path, monkeypatch):
    """An empty store on each backend, also set as LIFELINE_DB: its location."""
    if request.param == "duckdb":
        location = str(tmp_path / "lifeline.duckdb")
    else:
        location = request.getfixturevalue("pg_url")
    monkeypatch.setenv("LIFELINE_DB", location)
    return location


@pytest.fixture
def any_db(any_store):
    """A writable connection to an empty store on each backend."""
    con = store.connect(any_store)
    yield con
    con.close()
