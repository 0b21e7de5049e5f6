"""PostgreSQL as the shared store (issue 14), against a real server on loopback: the same
answers as the embedded file for every registered query, a store moved either way with
identical briefings, writes seen by another server within seconds, twenty writers at once,
and the faults (a writer killed mid-transaction, the server stopped and restarted, a
busy file, a store that does not exist)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pandas as pd
import pytest

from dashboard import access
from data_loaders import store
from data_loaders.households import rounds, tool
from data_loaders.ingest.importer import SourceFile, import_files, import_paths
from data_loaders.ingest.mapping import Mapping, list_profiles, load_profile, save_profile
from data_loaders.store import migrations, replica
from tests.conftest import ROOT, SCENARIO, hold
from tests.test_access import _arguments


def _cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def both(tmp_path, pg_url):
    """The scenario imported into a file and into PostgreSQL: (file reader, pg replica)."""
    path = tmp_path / "s.duckdb"
    # Two rounds of one household P1 follows: the household queries and the round's
    # report answer on both stores too.
    round_file = ("household_id,org_id,region,round_id,assessed_on,protection,fear\n"
                  "H1,P1,武汉市,R1,2020-01-28,3,是\nH1,P1,武汉市,R2,2020-02-25,1,否\n")
    for location in (path, pg_url):
        writer = store.connect(location)
        assert import_paths(writer, [SCENARIO]).ok
        assert rounds.import_round(writer, "rounds.csv", round_file.encode(),
                                   tool.configured()).committed
        writer.close()
    file_con = store.connect(path)
    yield file_con, store.connect(pg_url, read_only=True)
    file_con.close()


# What differs between two stores by nature, not by answer: when each import ran, its id.
VOLATILE = {"imported_at", "recorded_at", "import_id", "generated_at"}


def _same(a, b) -> bool:
    if hasattr(a, "graph"):  # the network: its nodes and edges with their attributes
        return _same(sorted(a.graph.nodes(data=True), key=repr),
                     sorted(b.graph.nodes(data=True), key=repr)) and _same(
            sorted(a.graph.edges(data=True), key=repr),
            sorted(b.graph.edges(data=True), key=repr))
    if isinstance(a, set | frozenset):
        return a == b
    if isinstance(a, datetime):  # when a write happened differs by nature between stores
        return isinstance(b, datetime)
    if isinstance(a, pd.DataFrame):
        a, b = (f.drop(columns=[c for c in f.columns if c in VOLATILE]) for f in (a, b))
        return isinstance(b, pd.DataFrame) and a.reset_index(drop=True).astype(str).equals(
            b.reset_index(drop=True).astype(str))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a if k not in VOLATILE)
    return repr(a) == repr(b)


READS = sorted(name for name, entry in access.all_queries().items()
               if not entry.writes and entry.takes_connection)


def test_every_registered_query_answers_the_same_on_both_backends(both):
    file_con, pg_con = both
    differ = []
    for name in READS:
        entry = access.registered(name)
        # A family's rows are read by its organisation's caseworker only.
        role = access.bound("caseworker", "P1") if entry.level == "household" else "hub"
        answers = [access.run(role, name, **_arguments(entry, con, role))
                   for con in (file_con, pg_con)]
        if not _same(*answers):
            differ.append(name)
    assert len(READS) > 40 and not differ, differ


def test_a_store_moves_into_postgresql_and_back_with_identical_briefings(tmp_path, pg_url):
    source, back = tmp_path / "hub.duckdb", tmp_path / "elsewhere" / "back.duckdb"
    back.parent.mkdir()
    assert _cli("import", SCENARIO, "--db", source).returncode == 0
    store.acting_as("hub@example.org")
    writer = store.connect(source)
    store.retract(writer, "activities", ["A3"])  # a history beyond one import
    # A household a partner follows, with its round's answers (no history: they move as they are).
    round_file = ("household_id,org_id,region,round_id,assessed_on,protection,fear\n"
                  "H1,P1,武汉市,R1,2020-01-28,3,是\n")
    assert rounds.import_round(writer, "r1.csv", round_file.encode(), tool.configured()).committed
    writer.close()
    store.acting_as(None)
    mapping = Mapping("organizations", {"机构名称": "name", "编号": "org_id"})
    save_profile("机构名录", mapping, db=str(source))
    moved = _cli("migrate-store", source, pg_url)
    assert moved.returncode == 0, moved.stderr
    assert "briefings as of 2020-02-20 are identical" in moved.stdout
    assert _cli("migrate-store", pg_url, back).returncode == 0
    for location in (pg_url, back):
        con = store.connect(location, read_only=True)
        history = store.record_history(con, "activities", "A3")
        assert history["op"].tolist() == ["put", "retract"]
        assert history["actor"].iloc[1] == "hub@example.org"
        assert con.execute("SELECT question_id, answer FROM household_answers ORDER BY 1").fetchall() == [
            ("fear", 1), ("protection", 3)]
        assert con.execute("SELECT household_key, region_adcode FROM households").fetchall() == [
            ("P1:H1", "420100")]
    # The uploads moved with it: into the database, and back beside the file.
    kept = sorted(f.name for f in (tmp_path / "uploads").iterdir())
    assert len(kept) == 6
    con = store.connect(pg_url)
    assert sorted(r[0] for r in con.execute("SELECT sha256 FROM uploads").fetchall()) == kept
    assert {r[0] for r in con.execute("SELECT file_name FROM uploads").fetchall()} == {
        p.name for p in SCENARIO.glob("*.csv")}
    con.close()
    assert sorted(f.name for f in (back.parent / "uploads").iterdir()) == kept
    # and the column-mapping profiles: into the store's table, and back into files.
    assert list_profiles(db=pg_url) == ["机构名录"] and load_profile("机构名录", db=pg_url) == mapping
    assert (back.parent / "mappings" / "机构名录.json").is_file()
    again = _cli("migrate-store", source, pg_url)
    assert again.returncode == 2 and "already holds data" in again.stderr
    # The next change is numbered after the moved ones.
    writer = store.connect(pg_url)
    with store.transaction(writer, reason="correction"):
        number = store.change_id(writer)
    assert number == 4  # the import, the retraction, the round, then this
    writer.close()


def test_a_write_on_one_server_is_seen_by_another_within_seconds(pg_url, monkeypatch):
    monkeypatch.setenv("LIFELINE_REFRESH_SECONDS", "0.5")
    writer = store.connect(pg_url)
    assert import_paths(writer, [SCENARIO / "organizations.csv"]).ok
    before = store.row_counts(store.reader(pg_url))["facilities"]
    # Another server (another process) imports the facilities.
    assert _cli("import", SCENARIO / "facilities.csv", "--db", pg_url).returncode == 0
    deadline = time.monotonic() + 5
    while store.row_counts(store.reader(pg_url))["facilities"] == before:
        assert time.monotonic() < deadline, "the other server's write never arrived"
        time.sleep(0.1)
    assert replica.refreshed_at(pg_url) is not None


def _needs_file(writer: int, n: int = 5) -> SourceFile:
    rows = [f"N-{writer}-{i},H1,P1,2020-02-10,ppe,N95口罩,{100 + i},只,urgent,medical_staff,open,"
            for i in range(n)]
    header = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,priority,"
              "beneficiary_group,status,closed_on")
    return SourceFile(f"needs-{writer}.csv", "\n".join([header, *rows]).encode())


class AppServer:
    """``python -m tests.app_server``: another app server on the same store, rendering
    pages in a loop; its JSON lines are collected as they come."""

    def __init__(self, url: str, folder):
        self.stop = folder / f"stop-{id(self)}"
        self.lines: list[dict] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.app_server", url, str(self.stop)], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._collect, daemon=True)
        self.thread.start()

    def _collect(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def wait_for(self, check, seconds: float = 120) -> dict:
        """The first render (from now on) for which ``check`` holds."""
        start, deadline = len(self.lines), time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [line for line in self.lines[start:] if check(line)]
            if found:
                return found[0]
            assert self.proc.poll() is None, self.proc.stderr.read()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"no such render in {seconds} s: {self.lines[-3:]}")

    def close(self) -> None:
        self.stop.touch()
        try:
            self.proc.wait(120)
        finally:
            self.proc.kill()
        self.thread.join(10)


def test_twenty_writers_while_two_app_servers_render_pages_lose_nothing(pg_url, tmp_path):
    setup = store.connect(pg_url)
    assert import_paths(setup, [SCENARIO]).ok
    before = setup.execute("SELECT count(*) FROM needs").fetchone()[0]
    setup.close()
    servers = [AppServer(pg_url, tmp_path) for _ in range(2)]

    def write(number: int) -> float:
        con = store.connect(pg_url)
        started = time.perf_counter()
        report = import_files(con, [_needs_file(number)])
        assert report.committed, report.problems
        # and a correction of the need every writer shares
        shared = _needs_file(0, 1)
        text = shared.data.decode().replace(",100,", f",{1000 + number},")
        assert import_files(con, [SourceFile(f"shared-{number}.csv", text.encode())]).committed
        con.close()
        return time.perf_counter() - started

    try:
        for server in servers:  # both are up and rendering before the writers start
            server.wait_for(lambda line: True)
        during = [len(server.lines) for server in servers]
        with ThreadPoolExecutor(20) as pool:
            latencies = list(pool.map(write, range(1, 21), timeout=240))
        ended = time.monotonic()
        total = before + 20 * 5 + 1
        for server in servers:  # each shows the whole picture within seconds
            server.wait_for(lambda line, total=total: line["needs"] == total)
        delay = time.monotonic() - ended
    finally:
        for server in servers:
            server.close()
    con = store.connect(pg_url)
    assert con.execute("SELECT count(*) FROM needs").fetchone()[0] == total
    # Every version is kept: 100 needs once each, the shared one once per writer.
    assert con.execute("SELECT count(*) FROM needs_history WHERE need_id LIKE 'N-%'"
                       ).fetchone()[0] == 100 + 20
    quantities = {r[0] for r in con.execute(
        "SELECT quantity FROM needs_history WHERE need_id = 'N-0-0'").fetchall()}
    assert quantities == {1000.0 + n for n in range(1, 21)}
    # The current version is the last change's.
    last = con.execute("SELECT quantity FROM needs_history WHERE need_id = 'N-0-0' "
                       "ORDER BY change_id DESC LIMIT 1").fetchone()[0]
    assert con.execute("SELECT quantity FROM needs WHERE need_id = 'N-0-0'").fetchone()[0] == last
    assert con.execute("SELECT count(*) FROM changes WHERE reason = 'import'").fetchone()[0] == 1 + 40
    for server, start in zip(servers, during):
        lines = server.lines
        assert not [line for line in lines if line["errors"]], lines
        assert len(lines) > start  # it rendered while the writers wrote
        assert {line["page"] for line in lines} >= {"overview", "needs"}
        # No render ever saw the picture go back.
        changes = [line["change"] for line in lines]
        assert changes == sorted(changes)
    assert max(latencies) < 240 and delay < 60


def test_a_writer_killed_mid_transaction_leaves_the_store_as_before(pg_url):
    con = store.connect(pg_url)
    assert import_paths(con, [SCENARIO / "organizations.csv", SCENARIO / "facilities.csv"]).ok
    version, counts = store.data_version(con), store.row_counts(con)
    script = (
        "import sys, time\n"
        "from data_loaders import store\n"
        "from data_loaders.ingest.importer import import_files, SourceFile\n"
        "con = store.connect(sys.argv[1])\n"
        "with store.transaction(con, reason='import'):\n"
        "    store.upsert(con, {})\n"
        "    con.execute(\"INSERT INTO organizations (org_id, name) VALUES ('X', 'half')\")\n"
        "    print('inside', flush=True)\n"
        "    time.sleep(60)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, pg_url], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "inside"
    writer.kill()
    writer.wait()
    assert store.row_counts(con) == counts and store.data_version(con) == version
    # Its lock went with it: the next writer does not wait.
    started = time.perf_counter()
    assert import_files(con, [_needs_file(1)]).committed
    assert time.perf_counter() - started < 30


def test_the_server_stopped_and_restarted_while_the_app_runs(monkeypatch):
    from tests.apptest import run_app
    from tests.pg import Server

    server = Server()
    try:
        url = server.database()
        monkeypatch.setenv("LIFELINE_DB", url)
        monkeypatch.setenv("LIFELINE_REFRESH_SECONDS", "0")
        assert _cli("import", SCENARIO, "--db", url).returncode == 0
        at = run_app("overview", {"as_of": "2020-02-15"})
        assert at.metric and not at.warning
        server.stop()
        at.run()
        assert not at.exception
        assert any("cannot be reached" in w.value or "连不上" in w.value for w in at.warning)
        out = _cli("brief", "--db", url)
        assert out.returncode == 2 and "unavailable" in out.stderr
        assert "Traceback" not in out.stderr
        server.start()
        at.run()
        assert not at.exception and at.metric and not at.warning
    finally:
        server.remove()


def test_a_second_writer_of_a_file_waits_with_a_message(scenario_file):
    holder = hold(scenario_file, 3)
    out = _cli("import", SCENARIO / "grants.csv", "--db", scenario_file)
    holder.wait()
    assert out.returncode == 0, out.stderr
    assert "in use by another process" in out.stderr and "waiting up to 30 s" in out.stderr
    busy = hold(scenario_file, 30)
    try:
        out = _cli("import", SCENARIO / "grants.csv", "--db", scenario_file,
                   env={"LIFELINE_STORE_WAIT": "1"})
        assert out.returncode == 2 and "nothing was written" in out.stderr
        assert "Traceback" not in out.stderr
    finally:
        busy.kill()
        busy.wait()


@pytest.mark.parametrize("kind", ["file", "postgres"])
def test_a_mistyped_store_is_never_created_by_a_read(kind, tmp_path, pg_server):
    location = (str(tmp_path / "typo.duckdb") if kind == "file"
                else f"{pg_server.url}/no_such_store")
    for args in (["brief"], ["export", "needs"], ["export", "aggregates"]):
        out = _cli(*args, "--db", location)
        assert out.returncode == 2 and "no database at" in out.stderr, (args, out.stderr)
    assert not store.exists(location)
    # A page shows no data and creates nothing either.
    con = store.reader(location)
    assert sum(store.row_counts(con).values()) == 0
    assert not store.exists(location)


def test_a_postgresql_store_has_the_declared_tables_and_refuses_a_newer_one(pg_url):
    con = store.connect(pg_url)
    assert migrations.version(con) == migrations.LATEST
    kinds = {"VARCHAR": "character varying", "DATE": "date", "BIGINT": "bigint",
             "DOUBLE PRECISION": "double precision", "BOOLEAN": "boolean"}
    from data_loaders.store import schema

    for table in schema.TABLES.values():
        found = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = ? ORDER BY ordinal_position",
                            [table.name]).fetchall()
        assert found == [(c.name, kinds[schema.SQL_TYPES[c.kind]]) for c in table.columns]
    con.execute("INSERT INTO lifeline_schema VALUES (?, 'future', now())", [migrations.LATEST + 1])
    con.close()
    store._READY_URLS.discard(pg_url)
    with pytest.raises(store.StoreTooNew):
        store.connect(pg_url)
    out = _cli("brief", "--db", pg_url)
    assert out.returncode == 2 and "newer Lifeline" in out.stderr


def test_a_profile_saved_through_one_server_is_read_by_another(pg_url, monkeypatch):
    monkeypatch.setenv("LIFELINE_DB", pg_url)
    mapping = Mapping("needs", {"需求物资": "item"}, constants={"category": "ppe"})
    access.run("hub", "mapping.save_profile", "医院需求", mapping)
    assert not (store.profiles_dir() / "医院需求.json").exists()  # nothing on this server
    out = _cli("import", SCENARIO / "organizations.csv", "--mapping", "医院需求", "--db", pg_url)
    assert "unknown" not in out.stderr and "no mapping profile" not in out.stderr
    assert access.run("hub", "mapping.list_profiles") == ["医院需求"]
    assert access.run("hub", "mapping.load_profile", "医院需求") == mapping
    con = store.connect(pg_url)
    assert con.execute("SELECT reason, detail FROM changes ORDER BY change_id DESC LIMIT 1"
                       ).fetchone()[0] == "mapping"
    with pytest.raises(FileNotFoundError):
        load_profile("没有这个", db=pg_url)


def test_servers_starting_together_make_the_store_once(pg_url):
    script = ("import sys; from data_loaders import store; from data_loaders.store import "
              "migrations; con = store.connect(sys.argv[1]); print(migrations.version(con))")
    starts = [subprocess.Popen([sys.executable, "-c", script, pg_url], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in starts]
    assert [o.strip() for o, _ in outs] == [str(migrations.LATEST)] * 4, [e for _, e in outs]
    con = store.connect(pg_url)
    assert con.execute("SELECT count(*) FROM lifeline_schema").fetchone()[0] == migrations.LATEST


def test_fifty_partners_filing_at_once_are_each_stored_once(pg_url):
    """Issue 15 §5: fifty partners send their report at the same moment through the gate
    on PostgreSQL, each a second time (a retry after a dropped answer); every report is
    stored once and none is lost, and approving them all at once writes fifty records."""
    import pandas as pd

    from dashboard.access import bound, run
    from data_loaders.ingest import submissions

    setup = store.connect(pg_url)
    assert import_paths(setup, [SCENARIO]).ok
    orgs = pd.DataFrame({"org_id": [f"Q{i:02d}" for i in range(50)],
                         "name": [f"伙伴{i:02d}" for i in range(50)], "org_type": "partner",
                         "hub_id": "HUB1"})
    store.write(setup, {"organizations": orgs})
    setup.close()

    def file(org: str) -> tuple[str, str]:
        con = store.connect(pg_url)
        try:
            row = {"org_id": org, "reported_on": "2020-02-15", "region": "武汉",
                   "activity_type": "distribution", "people_served": 10}
            first = run(bound("partner", org), "submissions.submit", con, org, "activities",
                        row, submission_id=f"s-{org}")
            again = run(bound("partner", org), "submissions.submit", con, org, "activities",
                        row, submission_id=f"s-{org}")
            assert again == first
            return first.submission_id, first.record_key
        finally:
            con.close()

    with ThreadPoolExecutor(25) as pool:  # bounded: 25 connections at a time
        filed = list(pool.map(file, orgs["org_id"], timeout=240))
    con = store.connect(pg_url)
    assert con.execute("SELECT count(*), count(DISTINCT org_id) FROM submissions "
                       "WHERE status = 'submitted'").fetchone() == (50, 50)
    assert run("hub", submissions.approve, con, [s for s, _ in filed]) == 50
    keys = [k for _, k in filed]
    assert con.execute("SELECT count(*) FROM activities WHERE report_id IN ("
                       + ", ".join("?" for _ in keys) + ")", keys).fetchone()[0] == 50
    con.close()


def test_sessions_opening_the_file_store_at_once_are_all_served(tmp_path):
    """Two sessions of the app opening a page at the same moment open the same file from
    two threads; DuckDB refused one ("Unique file handle conflict") and the page showed
    a traceback (issue 15's screenshots, issue 16's server log)."""
    import threading

    path = tmp_path / "busy.duckdb"
    store.connect(path).close()
    errors: list[str] = []

    def visit() -> None:
        for _ in range(30):
            try:
                con = store.connect(path, wait=5)
                con.execute("SELECT count(*) FROM needs").fetchall()
                con.close()
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
