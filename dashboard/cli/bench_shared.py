"""The benchmark's PostgreSQL figures: ``python -m dashboard bench --postgres``.

For each scale of the demo scenario, on a throwaway PostgreSQL server on loopback
(dashboard/cli/pgserver.py): moving the demo's file into PostgreSQL, a new app server's
first full refresh of its replica, the write latency of twenty writers importing and
correcting at once (median and 95th percentile), how long an app server takes to see a
change (the refresh interval plus the incremental refresh it triggers), and the first
render of the Overview and Needs pages on the replica.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from data_loaders import store

WRITERS = 20


def _needs_csv(writer: int, facility: str, rows: int = 5, quantity: int = 100) -> bytes:
    header = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,"
              "priority,beneficiary_group,status,closed_on")
    lines = [f"BENCH-{writer}-{i},{facility},,2020-03-30,ppe,N95口罩,{quantity + i},只,"
             "urgent,medical_staff,open," for i in range(rows)]
    return "\n".join([header, *lines]).encode()


def _write(url: str, writer: int, facility: str) -> float:
    """One writer: an import of five needs, then a correction of one it shares with all."""
    from data_loaders.ingest.importer import SourceFile, import_files

    con = store.connect(url)
    started = time.perf_counter()
    report = import_files(con, [SourceFile(f"bench-{writer}.csv", _needs_csv(writer, facility))])
    shared = _needs_csv(0, facility, rows=1, quantity=1000 + writer)
    report2 = import_files(con, [SourceFile(f"shared-{writer}.csv", shared)])
    con.close()
    if not (report.committed and report2.committed):
        raise RuntimeError(f"writer {writer}: {report.problems[:3]} {report2.problems[:3]}")
    return (time.perf_counter() - started) / 2  # per write


def bench_postgres(scale: float, folder: Path) -> dict:
    """The PostgreSQL measurements for one scale (see the module docstring)."""
    from dashboard.cli.bench import _timed, page_times
    from dashboard.cli.pgserver import Server
    from data_loaders.store import replica

    server = Server()
    try:
        source = folder / "pg-source.duckdb"
        subprocess.run([sys.executable, "-m", "dashboard", "demo", "--db", str(source),
                        "--scale", str(scale)], check=True, capture_output=True)
        url = server.database()
        moved = _timed(subprocess.run, [sys.executable, "-m", "dashboard", "migrate-store",
                                        str(source), url], check=True, capture_output=True)[1]
        _, first_refresh = _timed(replica.Replica(url).refresh, True)
        facility = store.connect(source, read_only=True).execute(
            "SELECT min(facility_id) FROM facilities").fetchone()[0]
        watcher = replica.Replica(url)
        watcher.refresh(force=True)
        with ThreadPoolExecutor(WRITERS) as pool:
            latencies = sorted(pool.map(lambda n: _write(url, n, facility),
                                        range(1, WRITERS + 1)))
        _, incremental = _timed(watcher.refresh, True)
        os.environ["LIFELINE_DB"] = url
        pages = page_times(url, ("briefing", "needs", "funding"))
    finally:
        server.remove()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return {
        "pg_migrate_store_s": moved, "pg_replica_first_refresh_s": first_refresh,
        "pg_write_median_s": statistics.median(latencies), "pg_write_p95_s": p95,
        "pg_incremental_refresh_s": incremental,
        "pg_refresh_delay_max_s": replica.refresh_seconds() + incremental,
        **{f"pg_{k}": v for k, v in pages.items()},
    }
