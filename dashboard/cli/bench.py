"""The benchmark: ``python -m dashboard bench [--scale 1,100] [--national 10]
[--store FILE] [--sessions 10]``.

Speed is measured here, never asserted in unit tests. For each scale of the demo
scenario (and of the national one, read as a national server reads it), and for each
existing store named with ``--store``, it reports: demo build and write time, import
throughput through the real importer, a 1,000-row import into the store, brief latency,
each page's first-run and rerun time under AppTest, the bytes the maps send to the
browser, and the served figures (dashboard.cli.bench_served: each page through a real
server, the concurrency run's p50/p95, the app's memory peak).
Targets at Hubei 100x and national 10x: every page's first render <= 3 s and rerun <= 0.5
s, brief <= 1 s, a 1,000-row import <= 2 s, map payload <= 1 MB, app memory <= 1.5 GB,
concurrency p95 <= 5 s with no session failing.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from dashboard.analytics import metrics
from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.cli.bench_served import SESSIONS
from dashboard.present import charts
from data_loaders import store
from data_loaders.store import schema
from geo.config import is_national

ROOT = Path(__file__).resolve().parents[2]
# The importer is measured on a bounded sample (per table) so the benchmark stays
# minutes long at any scale.
IMPORT_SAMPLE_ROWS = 50_000


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def _median_time(fn, repeat: int) -> float:
    return statistics.median(_timed(fn)[1] for _ in range(repeat))


def import_throughput(frames: dict, folder: Path) -> tuple[int, float]:
    """Write organizations, facilities and needs as template CSVs; import them afresh.

    Returns (rows imported, seconds).
    """
    from data_loaders.ingest.importer import import_paths

    organizations = frames["organizations"][[c.name for c in schema.ORGANIZATIONS.input_columns]]
    facilities = frames["facilities"][[c.name for c in schema.FACILITIES.input_columns]]
    facilities = facilities.head(IMPORT_SAMPLE_ROWS)
    needs = frames["needs"][[c.name for c in schema.NEEDS.input_columns]]
    needs = needs[needs["facility_id"].isin(set(facilities["facility_id"]))].head(IMPORT_SAMPLE_ROWS)
    source = folder / "import"
    source.mkdir()
    organizations.to_csv(source / "organizations.csv", index=False)
    facilities.to_csv(source / "facilities.csv", index=False)
    needs.to_csv(source / "needs.csv", index=False, date_format="%Y-%m-%d")
    con = store.connect(folder / "import.duckdb")
    report, seconds = _timed(import_paths, con, [source])
    con.close()
    if not report.ok:
        raise RuntimeError(f"benchmark import failed: {report.problems[:3]}")
    return sum(report.written.values()), seconds


def import_into(db: Path, rows: int = 1_000) -> float:
    """Seconds to import ``rows`` new deliveries into a copy of the store at ``db``
    (:func:`import_deliveries`)."""
    import shutil

    target = db.with_name("import-into.duckdb")
    shutil.copy(db, target)
    try:
        return import_deliveries(target, rows)
    finally:
        target.unlink()


def import_deliveries(db: Path | str, rows: int = 1_000) -> float:
    """Seconds to import ``rows`` new deliveries (half naming a need, half matched by
    facility and item) into the store at ``db``, through the real importer: the write,
    its history and the upkeep of the derived tables."""
    from data_loaders.ingest.importer import SourceFile, import_files

    con = store.connect(db, wait=store.store_wait())
    try:
        needs = con.execute("SELECT need_id, facility_id, category, item, unit, reported_on "
                            "FROM needs ORDER BY need_id LIMIT ?", [rows]).fetchall()
        lines = ["delivery_id,need_id,facility_id,category,item,quantity,unit,delivered_on,status"]
        for i, (need, facility, category, item, unit, day) in enumerate(needs):
            named = need if i % 2 else ""
            lines.append(f"BENCH-D{i},{named},{facility},{category},{item or ''},1,{unit or ''},"
                         f"{day.isoformat()},delivered")
        report, seconds = _timed(import_files, con, [SourceFile("bench-deliveries.csv",
                                                                "\n".join(lines).encode())])
    finally:
        con.close()
    if not report.committed:
        raise RuntimeError(f"benchmark import failed: {report.problems[:3]}")
    return seconds


def map_payload(con, scope: metrics.Scope) -> dict[str, int]:
    """Bytes of the province map (the country's, on a national server: pydeck JSON as the
    Map page builds it) and the choropleth."""
    from geo.boundaries import area_features, region_centroids

    features = area_features()
    summary = metrics.region_summary(con, scope)
    values = dict(zip(summary["adcode"], summary["open_needs"].astype(float)))
    layer = charts.region_layer_data(features, values, dict(zip(summary["adcode"], summary["name"])),
                                     "zh", "open_needs")
    points = metrics.facility_status(con, scope, None, 4000, urgent_only=True)
    deck = charts.deck(layer, charts.facility_points(points, "zh"),
                       charts.hub_points(metrics.hubs(con), region_centroids(features), "zh"),
                       charts.view_for(features))
    wuhan = metrics.facility_status(con, scope, "420100", 4000)
    fig = charts.choropleth(summary, features, "open_needs", "zh")
    return {
        **national_payload(),
        "map_province_bytes": len(deck.to_json().encode()),
        "map_points_wuhan_bytes": len(json.dumps(charts.facility_points(wuhan, "zh"),
                                                 ensure_ascii=False).encode()),
        "choropleth_bytes": len(fig.to_json().encode()),
    }


def national_payload() -> dict[str, int]:
    """Bytes of the national map's two levels: every province, and the largest of the
    drill-downs to one province's prefectures (targets: under 1 MB and 200 KB)."""
    from geo.boundaries import payload_bytes, prefecture_features, province_features
    from geo.regions import load_registry

    largest = max(payload_bytes(prefecture_features(p.adcode))
                  for p in load_registry().provinces())
    return {"map_national_provinces_bytes": payload_bytes(province_features()),
            "map_largest_province_prefectures_bytes": largest}


def page_times(db: Path | str, names: tuple[str, ...] | None = None,
               repeat: int = 3) -> dict[str, float]:
    """First run of each page (or of ``names``) under AppTest, each in a fresh process
    (dashboard.cli.bench_page: nothing cached, nothing of the store read), and the median
    of ``repeat`` reruns (what a click costs once the results are cached); ``db`` a file
    or a PostgreSQL URL. Keys: ``<page>_page_first_s``, ``<page>_page_rerun_s``."""
    import subprocess
    import sys

    from dashboard.pages import PAGES

    times = {}
    for name in names or [page.name for page in PAGES]:
        done = subprocess.run([sys.executable, "-m", "dashboard.cli.bench_page", str(db), name,
                               str(repeat)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            said = done.stderr.strip().splitlines() or ["no output"]
            raise RuntimeError(f"{name}: {said[-1]}")
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        times[f"{name}_page_first_s"] = measured["first"]
        if repeat:
            times[f"{name}_page_rerun_s"] = measured["rerun"]
    return times


@contextmanager
def _province(national: bool):
    """LIFELINE_PROVINCE set to the country's code for the block (with ``national``)."""
    from geo.config import NATIONAL

    before = os.environ.get("LIFELINE_PROVINCE")
    if national:
        os.environ["LIFELINE_PROVINCE"] = NATIONAL
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LIFELINE_PROVINCE", None)
        else:
            os.environ["LIFELINE_PROVINCE"] = before


def bench_scale(scale: float, repeat: int, folder: Path, national: bool = False,
                sessions: int = SESSIONS) -> dict:
    """Every measurement for one scale of the demo scenario (of the national one, read
    by a national server, with ``national``)."""
    from data_loaders.demo import build_demo
    from geo.config import NATIONAL

    with _province(national):
        frames, build = _timed(build_demo, seed=7, scale=scale,
                               province=NATIONAL if national else None)
        db = folder / "bench.duckdb"
        con = store.connect(db)
        _, write = _timed(store.write, con, frames, None, True)
        rows = {name: len(frame) for name, frame in frames.items()}
        imported, import_seconds = import_throughput(frames, folder)
        del frames
        con.close()
        return {"scale": scale, "national": national, "rows": sum(rows.values()),
                "facilities": rows["facilities"], "needs": rows["needs"],
                "deliveries": rows["deliveries"], "demo_build_s": build, "demo_write_s": write,
                "import_rows": imported, "import_rows_per_s": imported / import_seconds,
                **measure_store(db, repeat, folder, sessions)}


def bench_store(db: Path, repeat: int, national: bool = False,
                sessions: int = SESSIONS) -> dict:
    """Every measurement that reads a store, on a copy of the existing store ``db``
    (``--store``: a real network's data, or a demo built once)."""
    import shutil

    with _province(national), tempfile.TemporaryDirectory(prefix="lifeline-bench-") as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copy(db, copy)
        return {"store": str(db), "national": national,
                **measure_store(copy, repeat, Path(tmp), sessions)}


def measure_store(db: Path, repeat: int, folder: Path, sessions: int = SESSIONS) -> dict:
    """The brief, map payloads, every page under AppTest, a 1,000-row import into the
    store, and (with ``sessions``) the served figures: dashboard.cli.bench_served."""
    from dashboard.access import pages_for
    from dashboard.cli.bench_served import served_bench
    from dashboard.pages import PAGES

    con = store.connect(db)
    as_of = metrics.data_date_range(con)[1]
    scope = metrics.Scope(as_of, DEFAULT_WINDOW)
    brief_first = _timed(metrics.brief, con, scope)[1]
    brief = _median_time(lambda: metrics.brief(con, scope), repeat)
    payload = map_payload(con, scope)
    con.close()
    pages = page_times(db, repeat=repeat)
    into = import_into(db)
    # The served sessions work as the hub: its pages (Casework is a caseworker's).
    hub_pages = [page.name for page in PAGES if page.name in pages_for("hub")]
    served = served_bench(db, folder, hub_pages, sessions) if sessions else {}
    return {"import_1000_into_store_s": into,
            "brief_first_s": brief_first, "brief_median_s": brief,
            **pages, **payload,
            **served}


def run_bench(scales: list[float], repeat: int = 5, postgres: bool = False,
              national: list[float] = (), sessions: int = SESSIONS,
              stores: list[Path] = ()) -> list[dict]:
    """Run the benchmark for each scale of the province's demo, then each of
    ``national`` of the country's, and print one block per scale; with ``postgres`` the
    PostgreSQL figures too (dashboard.cli.bench_shared, the province's scales)."""
    results = []
    for scale, whole in [*((s, False) for s in scales), *((s, True) for s in national)]:
        with tempfile.TemporaryDirectory(prefix="lifeline-bench-") as tmp:
            result = bench_scale(scale, repeat, Path(tmp), national=whole, sessions=sessions)
            if postgres and not whole:
                from dashboard.cli.bench_shared import bench_postgres

                os.chmod(tmp, 0o755)  # the server's account reads nothing here, but may list
                result.update(bench_postgres(scale, Path(tmp)))
        results.append(result)
        _print(f"scale {scale:g}{', national' if whole else ''}:", result)
    for db in stores:
        result = bench_store(Path(db), repeat, national=is_national(), sessions=sessions)
        results.append(result)
        _print(f"store {db}:", result)
    return results


def _print(title: str, result: dict) -> None:
    print(title)
    for key, value in result.items():
        if key in ("scale", "national", "store"):
            continue
        shown = (f"{value:,.3f}" if isinstance(value, float)
                 else f"{value:,}" if isinstance(value, int) else value)
        print(f"  {key:34s} {shown}", flush=True)
