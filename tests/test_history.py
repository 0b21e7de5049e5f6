"""Every change kept (issue 14): each write of a record keeps its previous version with
who, when, why and from which file; a retraction is recorded, not a deletion; the store
can be read as it was known at a past moment; the audit entry of a change is written in
the same transaction as the change. Real DuckDB stores, hand-made rows."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.access import audit
from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import AS_OF, BOTH, ROOT, SCENARIO, reread, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

FACILITY = "facility_id,name,facility_type,region\nF1,同济医院,hospital,武汉市\n"
NEED = ("need_id,facility_id,reported_on,category,item,quantity,unit,priority,status\n"
        "N1,F1,2020-02-01,ppe,N95口罩,{q},只,high,open\n")


def _import(con, name: str, text: str):
    report = import_files(con, [SourceFile(name, text.encode())])
    assert report.committed, report.problems
    return report


def _write(con, name: str, text: str):
    """Import into the store ``con`` reads (through a writer on PostgreSQL)."""
    with writer(con) as target:
        return _import(target, name, text)


def _moment(con) -> object:
    return con.execute("SELECT max(recorded_at) FROM changes").fetchone()[0]


def test_a_corrected_record_keeps_its_previous_version_with_file_and_reason(any_db):
    store.acting_as("hub@example.org", "hub")
    try:
        _import(any_db, "facilities.csv", FACILITY)
        first = _import(any_db, "needs.csv", NEED.format(q=500))
        again = _import(any_db, "needs-again.csv", NEED.format(q=500))  # unchanged: no version
        _import(any_db, "needs-corrected.csv", NEED.format(q=800))
    finally:
        store.acting_as(None)
    history = store.record_history(any_db, "needs", "N1")
    assert history["quantity"].tolist() == [500.0, 800.0]
    assert history["reason"].tolist() == ["import", "import"]
    assert history["actor"].tolist() == ["hub@example.org"] * 2
    assert history["files"].tolist() == ["needs.csv", "needs-corrected.csv"]
    sha = hashlib.sha256(NEED.format(q=800).encode()).hexdigest()
    assert history["sha256"].iloc[1] == sha
    assert any_db.execute("SELECT quantity FROM needs").fetchone()[0] == 800.0
    # The unchanged re-import is a change of its own (it was audited) that wrote no version.
    detail = json.loads(any_db.execute("SELECT detail FROM changes WHERE import_id = ?",
                                   [again.import_id]).fetchone()[0])
    assert "changed" not in detail and detail["files"][0]["name"] == "needs-again.csv"
    detail = json.loads(any_db.execute("SELECT detail FROM changes WHERE import_id = ?",
                                   [first.import_id]).fetchone()[0])
    assert detail["changed"] == {"needs": 1}


def test_a_record_written_twice_in_one_change_keeps_one_version_the_last(any_db):
    _import(any_db, "facilities.csv", FACILITY)
    frame = pd.read_csv(__import__("io").StringIO(NEED.format(q=1)), dtype=object)
    with store.transaction(any_db, reason="import"):
        for quantity in (1.0, 2.0):  # a feed's snapshot, then the feed itself
            store.upsert(any_db, {"needs": frame.assign(quantity=quantity,
                                                        reported_on=pd.Timestamp("2020-02-01"))})
        store.retract(any_db, "needs", ["N1"])
        store.upsert(any_db, {"needs": frame.assign(quantity=3.0,
                                                    reported_on=pd.Timestamp("2020-02-01"))})
    history = store.record_history(any_db, "needs", "N1")
    assert history[["op", "quantity"]].values.tolist() == [["put", 3.0]]


def test_a_retraction_is_recorded_and_refused_while_referred_to(any_db):
    _import(any_db, "facilities.csv", FACILITY)
    _import(any_db, "needs.csv", NEED.format(q=500))
    with pytest.raises(ValueError, match="needs rows still refer"):
        store.retract(any_db, "facilities", ["F1"])
    assert store.row_counts(any_db)["facilities"] == 1
    assert store.retract(any_db, "needs", ["N1", "N-unknown"], why="entered twice") == 1
    assert store.row_counts(any_db)["needs"] == 0
    history = store.record_history(any_db, "needs", "N1")
    assert history["op"].tolist() == ["put", "retract"]
    assert history["reason"].tolist() == ["import", "retraction"]
    assert pd.isna(history["quantity"].iloc[1])  # what it said stays in the first version
    assert store.retract(any_db, "facilities", ["F1"]) == 1


def test_the_store_as_known_at_a_past_moment(any_db):
    _import(any_db, "facilities.csv", FACILITY)
    before_need = _moment(any_db)
    time.sleep(0.01)
    _import(any_db, "needs.csv", NEED.format(q=500))
    first = _moment(any_db)
    time.sleep(0.01)
    _import(any_db, "needs.csv", NEED.format(q=800))
    time.sleep(0.01)
    store.retract(any_db, "needs", ["N1"])
    cases = [(before_need, []), (first, [500.0]), (_moment(any_db), [])]
    for moment, quantities in cases:
        known = store.as_known_at(any_db, moment)
        assert [r[0] for r in known.execute("SELECT quantity FROM needs").fetchall()] == quantities
        assert known.execute("SELECT count(*) FROM facilities").fetchone()[0] == 1
        known.close()


def test_a_failed_import_records_no_change_and_no_version(any_db):
    version = store.data_version(any_db)
    report = import_files(any_db, [SourceFile("needs.csv", NEED.format(q=500).encode())])
    assert not report.committed  # its facility is unknown: refused whole
    assert store.data_version(any_db) == version
    assert any_db.execute("SELECT count(*) FROM needs_history").fetchone()[0] == 0


def test_every_change_moves_the_data_version(any_db):
    from dashboard.analytics.allocation import save_need_costs

    seen = {store.data_version(any_db)}
    _import(any_db, "facilities.csv", FACILITY)
    seen.add(store.data_version(any_db))
    save_need_costs(any_db, {"ppe": 99.0}, "hub@example.org", "hub")
    seen.add(store.data_version(any_db))
    store.set_quarantine_status(any_db, ["q-none"], "discarded")
    seen.add(store.data_version(any_db))
    assert len(seen) == 4


def test_changes_are_in_the_audit_log_with_what_they_did(any_db):
    from dashboard.analytics.allocation import save_need_costs

    import_files(any_db, [SourceFile(p.name, p.read_bytes()) for p in sorted(SCENARIO.glob("*.csv"))])
    save_need_costs(any_db, {"ppe": 99.0}, "hub@example.org", "hub")
    store.retract(any_db, "activities", [any_db.execute("SELECT min(report_id) FROM activities"
                                                ).fetchone()[0]])
    entries = [e for e in audit.entries() if "change" in e]
    assert [e["action"] for e in entries] == ["retraction", "need_costs", "import"]
    retraction, costs, imported = entries
    assert retraction["what"] == "activities 1"
    assert costs["what"].startswith("ppe: ") and costs["what"].endswith("→ 99")
    assert set(imported["files"]) == {p.name for p in SCENARIO.glob("*.csv")}
    assert imported["rows"]["needs"] == store.row_counts(any_db)["needs"]


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)


def test_the_briefing_as_known_at_a_moment_is_the_briefing_written_then(any_store, tmp_path):
    assert _cli("import", SCENARIO, "--db", any_store).returncode == 0
    args = ["brief", "--db", any_store, "--as-of", "2020-02-15", "--lang", "en"]
    then = json.loads(_cli(*args).stdout)
    time.sleep(1.1)  # a moment between the two writes, to the second
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    needs = pd.read_csv(SCENARIO / "needs.csv", dtype=str)
    needs = needs[needs["status"] == "open"].head(1).assign(status="met", closed_on="2020-02-14")
    needs.to_csv(tmp_path / "needs.csv", index=False)
    out = _cli("import", tmp_path / "needs.csv", "--db", any_store)
    assert out.returncode == 0, out.stderr
    now = json.loads(_cli(*args).stdout)
    assert now["totals"] != then["totals"]  # the correction changed today's picture
    known = _cli(*args, "--as-known-at", moment)
    assert known.returncode == 0, known.stderr
    known = json.loads(known.stdout)
    assert known.pop("known_at") == moment.replace("T", " ")[:16]
    assert known == then
    md = _cli(*args, "--as-known-at", moment, "--format", "md").stdout
    assert f"with only what was recorded by {moment.replace('T', ' ')[:16]} UTC" in md
    refused = _cli(*args, "--as-known-at", "yesterday")
    assert refused.returncode == 2 and "not a moment" in refused.stderr


# --- on the pages ----------------------------------------------------------------------

def _history_tab(at, table: str, key: str):
    at.selectbox(key="record_table").set_value(table).run()
    at.text_input(key="record_key").input(key).run()
    assert not at.exception
    return next(d.value for d in at.dataframe if "第 1 版" in d.value.columns)


def test_the_data_page_shows_a_records_versions_side_by_side(scenario_db):
    from tests.apptest import run_app

    needs = pd.read_csv(SCENARIO / "needs.csv", dtype=str).head(1)
    text = needs.assign(quantity="1500", status="met", closed_on="2020-02-15").to_csv(index=False)
    _write(scenario_db, "needs-corrected.csv", text)
    at = run_app("data")
    frame = _history_tab(at, "needs", "N1").set_index("项目")
    assert list(frame.columns) == ["第 1 版", "第 2 版"]
    assert frame.loc["原因"].tolist() == ["导入", "导入"]
    assert frame.loc["文件"].tolist() == ["needs.csv", "needs-corrected.csv"]
    assert frame.loc["数量"].tolist() == ["1,000", "✎ 1,500"]
    assert frame.loc["状态"].tolist() == ["未满足", "✎ 已满足"]
    assert frame.loc["类别"].tolist() == ["防护用品", "防护用品"]  # values by their names
    assert frame.loc["设施编号"].tolist() == ["江汉医院", "江汉医院"]  # references too
    at.text_input(key="record_key").input("NX9").run()
    assert "没有编号为 NX9 的记录。" in [c.value for c in at.caption]


def test_the_briefing_page_as_known_before_the_latest_change(scenario_db):
    from dashboard.analytics.metrics import Scope
    from dashboard.app.briefing import _plain
    from dashboard.briefing.content import build_brief
    from tests.apptest import run_app
    from tests.conftest import AS_OF

    before = build_brief(scenario_db, Scope(AS_OF, 7), "zh")
    needs = pd.read_csv(SCENARIO / "needs.csv", dtype=str)
    needs = needs[needs["status"] == "open"].head(1).assign(status="met", closed_on="2020-02-14")
    at = run_app("briefing", {"as_of": AS_OF.isoformat()})
    at.toggle(key="brief_known").set_value(True).run()
    # One import so far: before it nothing was known, and the page says so.
    assert any("之前尚未记录任何数据" in i.value for i in at.info)
    _write(scenario_db, "needs-corrected.csv", needs.to_csv(index=False))
    at = run_app("briefing", {"as_of": AS_OF.isoformat()})  # a new visit: a new default
    at.toggle(key="brief_known").set_value(True).run()
    assert not at.exception and not at.info
    assert any("此时已记录 1 次数据变更，之后又有 1 次" in c.value for c in at.caption)
    # The briefing drawn is the one of before the correction, and says so.
    choice = at.selectbox(key="brief_known_change")
    assert choice.value == 1 and "导入之前" in choice.format_func(choice.value)
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert sentences == [f"- {_plain(s)}" for s in before["narrative"]]
    assert "仅含" in at.get("iframe")[0].proto.srcdoc
    at.selectbox(key="brief_known_change").set_value(-1).run()  # today 00:00 UTC
    # Nothing was known at midnight when the scenario was written today; a suite started
    # before midnight wrote the shared PostgreSQL scenario yesterday, and then it was.
    first = scenario_db.execute("SELECT min(recorded_at) FROM changes").fetchone()[0]
    midnight = datetime.combine(datetime.now(UTC).date(), datetime.min.time())
    assert any("之前尚未记录任何数据" in i.value for i in at.info) == (first >= midnight)


@pytest.mark.parametrize("backend", ["duckdb"])  # uploads beside the file (PostgreSQL: in it)
def test_a_full_disk_stops_the_import_with_its_reason_and_leaves_nothing(db, tmp_path):
    from dashboard.i18n import problem_message

    data = FACILITY.encode()
    folder = store.uploads_dir(db)
    folder.mkdir()
    # The copy of the upload lands on a full device: /dev/full answers ENOSPC.
    (folder / f"{hashlib.sha256(data).hexdigest()}.part").symlink_to("/dev/full")
    version = store.data_version(db)
    report = import_files(db, [SourceFile("facilities.csv", data)])
    assert not report.committed
    [problem] = report.problems
    assert (problem.code, problem.value) == ("upload_not_kept", "No space left on device")
    assert "No space left on device" in problem_message(problem, "en")[0]
    assert "磁盘" in problem_message(problem, "zh")[1]
    assert "（磁盘空间已满）" in problem_message(problem, "zh")[0]  # the system's words, in Chinese
    assert store.row_counts(db)["facilities"] == 0 and store.data_version(db) == version
    assert list(folder.iterdir()) == []  # no partial copy left behind
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    (folder / f"{hashlib.sha256(data).hexdigest()}.part").symlink_to("/dev/full")
    db.close()
    out = _cli("import", path, "--db", tmp_path / "lifeline.duckdb")
    assert out.returncode == 2 and "No space left on device" in out.stderr
    assert "Traceback" not in out.stderr and list(folder.iterdir()) == []


def _cli_on_a_full_disk(limit: int, *args) -> subprocess.CompletedProcess:
    """The command line with no file allowed beyond ``limit`` bytes (RLIMIT_FSIZE, with
    SIGXFSZ ignored: a write past it fails as a full disk's does, "File too large")."""
    import resource
    import signal

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180, preexec_fn=limited)


def _many_needs(path) -> int:
    """3,000 needs of the scenario's H1 in a CSV (a journal three times its size)."""
    rows = [f"NX{i},H1,P1,2020-02-10,ppe,N95口罩,{100 + i},只,urgent,medical_staff,open,"
            for i in range(3000)]
    path.write_text("\n".join([NEED_HEADER, *rows]), encoding="utf-8")
    return path.stat().st_size


NEED_HEADER = ("need_id,facility_id,reported_by,reported_on,category,item,quantity,unit,"
               "priority,beneficiary_group,status,closed_on")


def test_a_full_disk_at_the_commit_saves_nothing_and_says_why(scenario_file, tmp_path):
    """The upload fits, the store's journal does not: DuckDB's commit fails. The import
    says the system's reason (not "cannot rollback") and leaves the store as it was."""
    size = _many_needs(tmp_path / "needs.csv")
    out = _cli_on_a_full_disk(int(size * 1.5), "import", tmp_path / "needs.csv",
                              "--db", scenario_file)
    assert out.returncode == 2, out.stderr
    assert "could not be written (File too large), so nothing was imported" in out.stderr
    assert "Traceback" not in out.stderr and "rollback" not in out.stderr
    con = store.connect(scenario_file, read_only=True)
    assert store.row_counts(con)["needs"] == 7 and store.data_version(con) == "1"
    con.close()
    assert not list((scenario_file.parent / "uploads").glob("*.part"))


def test_a_full_disk_after_the_commit_keeps_what_was_saved(scenario_file, tmp_path):
    """The journal fits, the store's file cannot grow: the commit stands (DuckDB synced
    its journal), so the import says it is done, warns, and the rows are there when the
    store is next opened."""
    _many_needs(tmp_path / "needs.csv")
    out = _cli_on_a_full_disk(scenario_file.stat().st_size, "import", tmp_path / "needs.csv",
                              "--db", scenario_file)
    assert out.returncode == 0, out.stderr
    assert "not yet in the file: File too large" in out.stderr
    assert "Traceback" not in out.stderr and "needs: 3,000 rows" in out.stdout
    con = store.connect(scenario_file, read_only=True)
    assert store.row_counts(con)["needs"] == 7 + 3000 and store.data_version(con) == "2"
    con.close()


def test_the_briefing_says_when_late_reports_changed_yesterday(scenario_db):
    from datetime import date, timedelta

    from dashboard.analytics.metrics import Scope
    from dashboard.briefing.content import build_brief

    today = date.today()
    # The scenario was reported yesterday (its change recorded then) ...
    with writer(scenario_db) as con:
        con.execute("UPDATE changes SET recorded_at = recorded_at - INTERVAL '1 day'")
    scenario_db = reread(scenario_db)  # a rewritten past: a replica reads it anew
    scope = Scope(today, 7)
    assert build_brief(scenario_db, scope, "en")["late"] is None  # nothing since
    # ... and today a partner reports that one need was met before yesterday.
    needs = pd.read_csv(SCENARIO / "needs.csv", dtype=str)
    needs = needs[needs["status"] == "open"].head(1).assign(status="met", closed_on="2020-02-14")
    _write(scenario_db, "late.csv", needs.to_csv(index=False))
    brief = build_brief(scenario_db, scope, "en")
    late = brief["late"]
    assert late["day"] == (today - timedelta(days=1)).isoformat()
    assert late["then"] - late["now"] == 1
    assert (f"Late reports changed yesterday's numbers: {late['day']}'s {late['then']} open needs "
            f"are {late['now']} with reports received since.") in brief["narrative"]
    # A history imported long after (the 2020 files) has no "then": no sentence.
    assert build_brief(scenario_db, Scope(date(2020, 2, 15), 7), "en")["late"] is None


def test_a_delivery_marked_failed_today_was_moving_before(scenario_db):
    from dashboard.analytics.metrics import Scope, totals

    today = store.now_utc().date()

    def overdue(day) -> int:
        return totals(scenario_db, Scope(day, 7))["overdue_deliveries"]

    # D6 (expected 2020-02-10, never delivered) is overdue at 2020-02-15 and today.
    before = {"then": overdue(AS_OF), "today": overdue(today)}
    deliveries = pd.read_csv(SCENARIO / "deliveries.csv", dtype=str)
    d6 = deliveries[deliveries["delivery_id"] == "D6"].assign(status="failed")
    _write(scenario_db, "failed.csv", d6.to_csv(index=False))
    query = "SELECT failed_recorded_on FROM deliveries WHERE delivery_id = ?"
    assert scenario_db.execute(query, ["D6"]).fetchone()[0] == today
    # Marking it failed today does not rewrite 2020-02-15, when it was still on its way;
    # from today on it is failed, and no longer overdue.
    assert overdue(AS_OF) == before["then"]
    assert overdue(today) == before["today"] - 1
    _write(scenario_db, "failed-again.csv", d6.assign(quantity="81").to_csv(index=False))
    assert scenario_db.execute(query, ["D6"]).fetchone()[0] == today  # still failed since
    # D5 arrived failed: failed on every day, as before.
    assert scenario_db.execute(query, ["D5"]).fetchone()[0] is None


def test_a_problem_of_the_store_is_shown_without_blank_columns_or_none():
    """A full disk names no row, column, value or file: the page shows the problem and
    what to do, in the person's language, and the download keeps every column."""
    from dashboard.app.frame import View
    from dashboard.app.importing import on_screen, report_table
    from data_loaders.ingest.importer import ImportReport
    from data_loaders.ingest.validation import Problem, ValidationResult

    report = ImportReport(ValidationResult())
    report.validation.problems.append(
        Problem("", None, None, "No space left on device", "store_not_written"))
    view = View("zh", None, 7, ("", "", "hub"), None, None)
    frame = report_table(report, view)
    assert list(frame.columns) == ["行", "问题", "列", "值", "建议", "文件"]
    assert frame.iloc[0].tolist() == ["", "数据库无法写入（磁盘空间已满），因此没有导入任何数据", "",
                                      "", "请管理员检查服务器磁盘是否已满或只读，然后重新导入", ""]
    assert list(on_screen(frame, view).columns) == ["问题", "建议"]
