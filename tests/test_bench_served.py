"""The benchmark's served figures on a real ``streamlit run``: sessions speaking
Streamlit's protocol open pages, and a failure is counted, never hidden."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from dashboard.cli import bench_served

pytestmark = pytest.mark.browser  # a served app, like the browser tests


def test_sessions_open_every_page_at_once_and_none_fails(demo_db_path, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, db)
    pages = ["overview", "needs", "map"]
    result = bench_served.served_bench(db, tmp_path, pages, sessions=2)
    assert result["sessions_failed"] == 0
    assert result["concurrency_page"] in ("needs", "map")  # never the start page
    assert result["concurrency_sessions"] == 2
    assert result["every_page_visits"] == 2 * len(pages)
    assert 0 < result["concurrency_p50_s"] <= result["concurrency_p95_s"] == result["concurrency_max_s"]
    assert all(result[f"served_{page}_first_s"] > 0 for page in pages)
    # After an import into the served store the server says its queries are ready again,
    # and two more people open the page.
    assert result["after_import_ready_s"] is not None
    assert 0 < result["after_import_p50_s"] <= result["after_import_p95_s"]
    # The concurrency server never served the store: it had nothing to prepare until the
    # import. The restarted one prepared what it was asked, then two people came.
    log = (tmp_path / "sessions" / "streamlit.log").read_text()
    assert log.count(bench_served.READY_LINE) == 1
    assert "ready for data version 2" in log
    assert result["after_restart_ready_s"] is not None and result["after_restart_p95_s"] > 0
    # A Python process holding pandas, DuckDB and plotly is over 100 MB, and the peak
    # never falls below what one session needed.
    assert result["app_memory_peak_mb"] >= result["served_one_session_peak_mb"] > 100


def test_a_page_that_does_not_exist_is_a_failure(demo_db_path, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, db)
    with bench_served.streamlit_server(db, tmp_path) as url:
        at_once, visits = asyncio.run(bench_served._visit(url, "no-such-page", ["overview"], 1))
    (seconds, failure), = at_once
    assert failure == "no-such-page: page not found"
    assert visits[0][1] is None  # the session goes on: the next page opens


def test_a_dead_server_fails_the_session(tmp_path):
    session = bench_served.Session(f"http://127.0.0.1:{bench_served.free_port()}", "overview")
    seconds, failure = asyncio.run(session.open("needs"))
    assert failure.startswith("needs: ")  # refused: counted, not raised
