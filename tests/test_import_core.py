"""The importer's failure classes (issue 11): layouts that lie, rows that depend on each
other, files that give nothing, paths that do not exist, the order of stages and the
one transaction around them. Fixtures: tests/data/import/README.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dashboard.i18n import problem_message
from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files, import_paths, recognise
from data_loaders.ingest.readers import read_file
from data_loaders.ingest.validation import validate
from tests.conftest import BOTH, DATA, ROOT

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

IMPORT = DATA / "import"


def source(path) -> SourceFile:
    return SourceFile(path.name, path.read_bytes(), str(path))


def codes(report) -> list[tuple]:
    return [(p.file, p.row, p.column, p.code) for p in report.problems]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


# -- layouts that lie --------------------------------------------------------------------
def test_a_table_shifted_by_one_cell_is_refused_with_its_evidence(db):
    report = import_paths(db, [IMPORT / "shifted_facilities.csv"])
    assert not report.committed
    found = {(p.code, p.expected, p.column) for p in report.problems}
    assert ("columns_shifted", "required_column_empty", "facility_id") in found
    assert ("columns_shifted", "values_beyond_header", None) in found
    # One problem per piece of evidence, none per row: the rows were never read.
    assert all(p.row is None for p in report.problems)
    assert store.row_counts(db)["facilities"] == 0
    message, fix = problem_message(report.problems[0], "zh")
    assert "错位" in message and "表头" in fix


def test_names_that_are_place_names_are_refused(db):
    report = import_paths(db, [IMPORT / "names_are_districts.csv"])
    (problem,) = report.problems
    assert (problem.code, problem.expected, problem.column) == ("columns_shifted",
                                                               "name_holds_regions", "name")
    assert problem.value == "江岸区、江汉区、硚口区"
    message, _ = problem_message(problem, "en")
    assert "place names" in message and "江岸区" in message


def test_items_that_are_hospital_names_are_refused(db):
    import_paths(db, [DATA / "scenario" / "organizations.csv"])
    facilities = "facility_id,name,facility_type,region\nH1,武汉市第一医院,hospital,硚口区\n"
    report = import_files(db, [SourceFile("facilities.csv", facilities.encode()),
                               source(IMPORT / "items_are_hospitals.csv")])
    assert [(p.code, p.expected) for p in report.problems] == [
        ("columns_shifted", "item_holds_facilities")]
    assert store.row_counts(db)["facilities"] == 0  # all or nothing


def test_real_layouts_are_not_called_shifted(scenario_db):
    # The hand-computed scenario's every table passes the layout rules.
    assert store.row_counts(scenario_db)["needs"] > 0


# -- rows that depend on each other --------------------------------------------------
def test_children_of_a_rejected_row_are_rejected_with_it(db):
    import_paths(db, [DATA / "scenario" / "organizations.csv"])
    report = import_paths(db, [IMPORT / "cascade"], accept_valid=True)
    assert report.committed
    rejected = {(item["table"], item["row"]) for item in report.validation.rejected}
    assert rejected == {("facilities", 3), ("needs", 3), ("deliveries", 3), ("deliveries", 4)}
    reasons = {(p.file, p.row): p.code for p in report.problems}
    assert reasons[("needs.csv", 3)] == "parent_rejected"
    assert reasons[("deliveries.csv", 3)] == "parent_rejected"
    assert reasons[("deliveries.csv", 4)] == "parent_rejected"  # its need, not its facility
    assert store.read_table(db, "needs")["need_id"].tolist() == ["N1"]
    assert store.read_table(db, "deliveries")["delivery_id"].tolist() == ["D1"]
    assert not store.dangling_references(db)
    need = next(p for p in report.problems if p.code == "parent_rejected")
    message, fix = problem_message(need, "zh")
    # It says which row to fix first: the facility's, by file and row.
    assert message == "它所属的设施（facilities.csv:3）行未通过检查，此行随之不导入"
    assert "设施" in fix


def test_without_accept_valid_every_problem_is_listed_and_nothing_written(db):
    import_paths(db, [DATA / "scenario" / "organizations.csv"])
    report = import_paths(db, [IMPORT / "cascade"])
    assert not report.committed
    assert ("facilities.csv", 3, "region", "unknown_region") in codes(report)
    assert ("needs.csv", 3, "facility_id", "parent_rejected") in codes(report)
    assert store.row_counts(db)["needs"] == 0


def test_a_parent_already_stored_keeps_its_children(db):
    import_paths(db, [DATA / "scenario" / "organizations.csv"])
    import_files(db, [SourceFile("facilities.csv",
                                 "facility_id,name,facility_type,region\nH2,某医院,hospital,江岸区\n".encode())])
    # H2 is stored; a new, broken version of it is rejected, but its need still points
    # at a row that exists, so the need goes in.
    report = import_paths(db, [IMPORT / "cascade"], accept_valid=True)
    assert {(i["table"], i["row"]) for i in report.validation.rejected} == {("facilities", 3)}
    assert sorted(store.read_table(db, "needs")["need_id"]) == ["N1", "N2"]


def test_rejected_keys_of_an_earlier_stage_cascade():
    raw = read_file("needs.csv", (IMPORT / "cascade" / "needs.csv").read_bytes())
    result = validate(raw, {"facilities": {"H1"}}, rejected={"facilities": {"H2"}})
    assert [(p.row, p.code) for p in result.problems] == [(3, "parent_rejected")]
    assert result.rejected_keys["needs"] == {"N2"}


def test_the_store_is_asked_only_for_the_keys_an_import_names(db):
    import_files(db, [SourceFile("facilities.csv",
                                 "facility_id,name,facility_type,region\nH1,某医院,hospital,江岸区\n"
                                 .encode())])
    keys = store.StoredKeys(db)
    assert keys.among("facilities", {"H1", "H9", None}) == {"H1"}
    assert keys.among("facilities", ["H2", "H1"]) == {"H1"}  # H1 answered from memory
    assert keys.among("needs", set()) == set()
    assert store.StoredKeys(db, ignored=("facilities",)).among("facilities", {"H1"}) == set()
    # The same answers as reading every key: a stored parent keeps its child, and a
    # cascade still takes a child whose parent this import brings and rejects.
    raw = read_file("needs.csv", (IMPORT / "cascade" / "needs.csv").read_bytes())
    by_store = validate(raw, store.StoredKeys(db), rejected={"facilities": {"H2"}})
    by_sets = validate(raw, {"facilities": store.existing_keys(db, "facilities")},
                       rejected={"facilities": {"H2"}})
    assert [(p.row, p.column, p.code) for p in by_store.problems] == \
        [(p.row, p.column, p.code) for p in by_sets.problems]
    assert [(p.row, p.code) for p in by_store.problems] == [(3, "parent_rejected")]
    assert by_store.rejected_keys == by_sets.rejected_keys == {"facilities": {"H2"}, "needs": {"N2"}}


def test_rows_are_written_after_a_result_read_only_in_part(db):
    # DuckDB 2 keeps a result read in part (fetchone) open on its connection and refuses
    # to stage a frame on it: a format that peeks at the store must not break the write.
    import pandas as pd

    with store.transaction(db):
        db.execute("SELECT count(*) FROM organizations WHERE org_id = ?", ["x"]).fetchone()
        store.upsert(db, {"facilities": pd.DataFrame({
            "facility_id": ["H7"], "name": ["某医院"], "facility_type": ["hospital"],
            "region_adcode": ["420104"]})})
    assert store.read_table(db, "facilities")["facility_id"].tolist() == ["H7"]


def test_importing_the_same_file_twice_quarantines_nothing_twice(db):
    import_paths(db, [DATA / "scenario" / "organizations.csv"])
    for _ in range(2):
        import_paths(db, [IMPORT / "cascade"], accept_valid=True)
    assert len(store.quarantined(db)) == 4
    assert store.read_table(db, "deliveries")["delivery_id"].tolist() == ["D1"]


# -- coordinates ---------------------------------------------------------------------
def test_coordinates_outside_their_region_are_reported_with_the_distance(db):
    report = import_paths(db, [IMPORT / "coordinates.csv"])
    found = {p.row: p for p in report.problems if p.code != "above_maximum"}
    assert set(found) == {3, 4}
    assert found[3].code == "coordinates_swapped"
    assert found[4].code == "outside_region" and found[4].expected == "江夏区"
    assert found[4].suggestion.endswith(" km") and int(found[4].suggestion[:-3]) >= 5
    _, fix = problem_message(found[3], "zh")
    assert "对调" in fix
    message, fix = problem_message(found[4], "en")
    assert "30.45, 114.87" in message and "km outside 江夏区" in fix


def test_the_tolerance_is_configurable(db, monkeypatch):
    far = "facility_id,name,facility_type,region,lat,lon\nH3,甲医院,hospital,江夏区,30.45,114.87\n"
    assert not import_files(db, [SourceFile("facilities.csv", far.encode())], dry_run=True).ok
    monkeypatch.setenv("LIFELINE_COORD_TOLERANCE_KM", "50")
    report = import_files(db, [SourceFile("facilities.csv", far.encode())])
    assert report.ok, report.problems


# -- never a silent nothing ------------------------------------------------------------
def test_a_header_only_file_writes_nothing_and_says_so(db):
    report = import_paths(db, [IMPORT / "header_only.csv"])
    assert codes(report) == [("header_only.csv", None, None, "nothing_in_file")]
    assert not report.committed


def test_a_header_only_file_on_the_command_line(tmp_path):
    done = cli("import", IMPORT / "header_only.csv", "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2
    assert "no record to import" in done.stderr and "Traceback" not in done.stderr


def test_a_feed_whose_records_all_lack_a_name_says_why(db):
    feed = json.dumps([{"province": "湖北", "city": "武汉市", "name": "", "supplies": []}] * 3)
    report = import_files(db, [SourceFile("wuhanshi.json", feed.encode(), "fe_2020-02-19/wuhanshi.json")])
    (problem,) = report.problems
    assert (problem.code, problem.expected, problem.value) == ("nothing_in_file",
                                                               "skipped_no_name", "3")
    message, _ = problem_message(problem, "en")
    assert message == "The file holds no record to import: 3 records had no name and were skipped"


def test_a_dry_run_reports_what_it_would_write_and_writes_nothing(db):
    report = import_paths(db, [DATA / "scenario"], dry_run=True)
    assert report.ok and not report.committed
    assert report.written["needs"] == 7
    assert sum(store.row_counts(db).values()) == 0
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_dry_run_on_the_command_line_prints_what_it_would_write(tmp_path):
    done = cli("import", DATA / "scenario", "--db", tmp_path / "x.duckdb", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "needs: 7 rows would be written" in done.stdout
    assert "Dry run: nothing was written." in done.stdout


# -- no traceback ----------------------------------------------------------------------
HOSTILE = [
    ("missing", None),
    ("numbers.json", b"[1, 2, 3]"),
    ("nested.json", b'[{"a": {"b": [1, {"c": 2}]}}]'),
    ("object.json", b'{"name": "x"}'),
    ("notes.txt", "只是一段文字\n没有表格\n".encode()),
    ("header_only.json", b"[]"),
]


@pytest.mark.parametrize("name, data", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_no_input_ends_in_a_traceback(tmp_path, name, data):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    done = cli("import", path, "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert name in lines[0].split(":")[0] and len(lines) == 2, done.stderr


def test_a_csv_forced_through_another_format_is_one_line(tmp_path):
    done = cli("import", DATA / "scenario" / "needs.csv", "--format", "hospital_feed",
               "--as-of", "2020-02-19", "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "needs.csv" in done.stderr


def test_an_empty_sheet_is_one_line(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "needs"
    path = tmp_path / "empty.xlsx"
    book.save(path)
    done = cli("import", path, "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "empty.xlsx" in done.stderr


def test_a_missing_path_is_a_problem_not_an_exception(db, tmp_path):
    report = import_paths(db, [tmp_path / "nope.csv", DATA / "scenario"])
    assert codes(report) == [(str(tmp_path / "nope.csv"), None, None, "missing_file")]
    assert sum(store.row_counts(db).values()) == 0


def test_an_unforeseen_reader_failure_is_a_problem(db, monkeypatch):
    from data_loaders.ingest.formats.template import TemplateFormat

    def explode(self, name, data, ctx):
        raise ZeroDivisionError("a bug nobody foresaw")

    monkeypatch.setattr(TemplateFormat, "convert", explode)
    report = import_paths(db, [DATA / "scenario" / "organizations.csv"])
    assert codes(report) == [("organizations.csv", None, None, "unreadable")]
    assert report.problems[0].value == "ZeroDivisionError"


# -- one importer, in stages, in one transaction -----------------------------------------
def test_recognition_is_the_registry_s(tmp_path):
    assert recognise(source(DATA / "scenario" / "needs.csv")).format == "template"
    foreign = SourceFile("医院.csv", "医院名称,缺少物资\n协和医院,口罩\n".encode())
    assert recognise(foreign).needs_mapping
    feed = SourceFile("wuhanshi.json", json.dumps(
        [{"province": "湖北", "city": "武汉市", "name": "甲", "supplies": []}]).encode())
    found = recognise(feed)
    assert (found.format, found.needs_date, found.date_hint) == ("hospital_feed", True, None)
    dated = SourceFile("wuhanshi.json", feed.data, "fe_2020-02-19/wuhanshi.json")
    assert str(recognise(dated).date_hint) == "2020-02-19"


def test_a_feed_without_a_date_asks_for_one(db):
    feed = json.dumps([{"province": "湖北", "city": "武汉市", "name": "武汉市第一医院",
                        "supplies": [{"key": "防护服", "value": 1}]}]).encode()
    report = import_files(db, [SourceFile("wuhanshi.json", feed)])
    assert codes(report) == [("wuhanshi.json", None, None, "needs_date")]
    message, fix = problem_message(report.problems[0], "zh")
    assert "--" not in message + fix and "日期" in message


def test_a_failure_while_queueing_reviews_rolls_back_the_deliveries(db, monkeypatch):
    from data_loaders.ingest import review

    sheet = ROOT.parent / "shared" / "realworld" / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx"
    if not sheet.exists():
        pytest.skip("real-world data absent")
    import_files(db, [SourceFile("f.csv", "facility_id,name,facility_type,region\n"
                                 "H1,武汉市第一医院,hospital,硚口区\n".encode())])

    def fail(con, items, import_id, payloads=None):
        con.execute("INSERT INTO imports VALUES ('x', 'half', '', 'deliveries', 1, now())")
        raise RuntimeError("killed half way")

    monkeypatch.setattr(review, "enqueue", fail)
    with pytest.raises(RuntimeError):
        import_files(db, [source(sheet)])
    assert store.row_counts(db)["deliveries"] == 0
    assert db.execute("SELECT count(*) FROM imports WHERE file_name = 'half'").fetchone()[0] == 0


def test_the_store_makes_its_tables_once_per_process_and_file(tmp_path, monkeypatch):
    """A read does not re-run the store's DDL: the tables are made on the first
    connection to a file (an older store brought up to date then), not on each."""
    made = []
    original = store.migrations.migrate
    monkeypatch.setattr(store.migrations, "migrate", lambda con: (made.append(1), original(con)))
    path = tmp_path / "once.duckdb"
    for _ in range(3):
        store.connect(path).close()
    assert len(made) == 1
    con = store.connect(path)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"needs", "imports", "quarantine", "need_costs", "review_queue", "name_aliases"} <= tables
    con.close()
    store.connect(tmp_path / "other.duckdb").close()  # another file is made on its own
    assert len(made) == 2
