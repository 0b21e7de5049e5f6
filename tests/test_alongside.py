"""An analysis run alongside the caller's (dashboard.analytics.alongside): the same answer
as run in turn, on a connection of its own, and its error handed back to the caller."""

from __future__ import annotations

import threading

import duckdb
import pytest

from dashboard.analytics.alongside import Alongside


def _total(con, table: str, extra: int = 0):
    return (con.execute(f"SELECT sum(x) FROM {table}").fetchone()[0] + extra,
            threading.current_thread().name, con)


@pytest.fixture
def con():
    con = duckdb.connect(":memory:")  # an in-memory store, as the briefing "as known at" reads
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(1000)")
    yield con
    con.close()


def test_it_answers_as_the_caller_would_on_a_cursor_and_a_thread_of_its_own(con):
    later = Alongside(con, _total, "t", extra=1)
    own = con.execute("SELECT count(*) FROM t").fetchone()[0]  # the caller reads meanwhile
    total, thread, used = later.result()
    assert (total, own) == (499_501, 1000)
    assert thread == "lifeline-alongside" and used is not con


def test_its_error_is_raised_where_the_result_is_asked(con):
    later = Alongside(con, _total, "missing_table")
    with pytest.raises(duckdb.CatalogException, match="missing_table"):
        later.result()


def test_a_connection_without_cursors_runs_it_in_the_caller(con):
    class Plain:  # not DuckDB: one connection, one thread
        def execute(self, *args):
            return con.execute(*args)

    plain = Plain()
    later = Alongside(plain, _total, "t")
    total, thread, used = later.result()
    assert total == 499_500 and used is plain and thread == threading.current_thread().name
