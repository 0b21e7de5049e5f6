"""The store's schema versions (issue 14): a store made by the previous release is brought
up to date on first connection with nothing lost, a newer one is refused, a failing step
leaves the store as it was, and the migrated tables are exactly those declared in
data_loaders.store.schema. Real DuckDB files in temporary folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest

from data_loaders import store
from data_loaders.store import migrations, schema
from tests.conftest import DATA, ROOT

# The DDL of the release before versioning, as its store_ddl() printed it.
PREVIOUS = DATA / "store_before_versions.sql"


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";\n") if s.strip()]


def _previous_release_store(path, review_list_region: bool = True):
    """A store as the previous release left it, holding a facility, a need and an import."""
    text = PREVIOUS.read_text(encoding="utf-8")
    if not review_list_region:  # a still older store: the queue before list_region
        text = text.replace(",\n    list_region VARCHAR", "").replace(
            "ALTER TABLE review_queue ADD COLUMN IF NOT EXISTS list_region VARCHAR;", "")
    con = duckdb.connect(str(path))
    for statement in _statements(text):
        con.execute(statement)
    con.execute("INSERT INTO facilities (facility_id, name, facility_type, region) "
                "VALUES ('F1', '同济医院', 'hospital', '武汉市')")
    con.execute("INSERT INTO needs (need_id, facility_id, reported_on, category, quantity, "
                "status) VALUES ('N1', 'F1', DATE '2020-02-01', 'ppe', 500, 'open')")
    con.execute("INSERT INTO imports VALUES ('imp1', 'needs.csv', 'abc', 'needs', 1, "
                "TIMESTAMP '2020-02-02 08:00:00')")
    con.execute("INSERT INTO need_costs VALUES ('ppe', 42.0, NULL, 'need_costs.csv')")
    con.close()


def _columns(con, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]


def test_the_migrated_tables_are_the_declared_ones(tmp_path):
    con = store.connect(tmp_path / "new.duckdb")
    assert migrations.version(con) == migrations.LATEST == len(migrations.migrations())
    declared_types = {"VARCHAR": "VARCHAR", "DATE": "DATE", "BIGINT": "BIGINT",
                      "DOUBLE PRECISION": "DOUBLE", "BOOLEAN": "BOOLEAN"}
    for table in schema.TABLES.values():
        declared = [(c.name, declared_types[schema.SQL_TYPES[c.kind]]) for c in table.columns]
        assert _columns(con, table.name) == declared, table.name
        assert _columns(con, f"{table.name}_history") == [
            ("change_id", "BIGINT"), ("op", "VARCHAR"), *declared], table.name
    for table in schema.HOUSEHOLD_TABLES.values():  # no history: a deleted household leaves none
        declared = [(c.name, declared_types[schema.SQL_TYPES[c.kind]]) for c in table.columns]
        assert _columns(con, table.name) == declared, table.name
        assert _columns(con, f"{table.name}_history") == [], table.name
    con.close()


def test_a_store_of_the_previous_release_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.duckdb"
    _previous_release_store(path)
    con = store.connect(path)
    assert migrations.version(con) == migrations.LATEST
    # Nothing lost: the rows, the import log and the hub's own cost are as they were.
    assert con.execute("SELECT need_id, quantity FROM needs").fetchall() == [("N1", 500.0)]
    assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
    assert con.execute("SELECT cost_per_need_cny FROM need_costs WHERE category = 'ppe'"
                       ).fetchone()[0] == 42.0
    # Its history starts with one baseline change dated by its last import.
    assert con.execute("SELECT change_id, recorded_at, reason FROM changes").fetchall() == [
        (1, datetime(2020, 2, 2, 8, 0), "baseline")]
    history = store.record_history(con, "needs", "N1")
    assert history[["change_id", "op", "reason", "quantity"]].values.tolist() == [
        [1, "put", "baseline", 500.0]]
    assert len(store.record_history(con, "facilities", "F1")) == 1
    applied = con.execute("SELECT version FROM lifeline_schema ORDER BY version").fetchall()
    assert applied == [(v,) for v in range(1, migrations.LATEST + 1)]
    con.close()
    # Migrated once: the next connection of another process finds nothing to do.
    out = subprocess.run([sys.executable, "-c", (
        "from data_loaders import store; from data_loaders.store import migrations\n"
        f"con = store.connect({str(path)!r})\n"
        "print(migrations.migrate(con), store.data_version(con))")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["[]", "1"], out.stderr


def test_a_still_older_review_queue_gains_its_column(tmp_path):
    path = tmp_path / "older.duckdb"
    _previous_release_store(path, review_list_region=False)
    con = store.connect(path)
    assert "list_region" in [c for c, _ in _columns(con, "review_queue")]
    con.close()


def test_a_read_only_connection_brings_an_older_store_up_to_date_first(tmp_path):
    path = tmp_path / "old.duckdb"
    _previous_release_store(path)
    con = store.connect(path, read_only=True)
    assert migrations.version(con) == migrations.LATEST
    assert store.record_history(con, "needs", "N1")["reason"].tolist() == ["baseline"]
    con.close()


def _newer(path) -> None:
    con = store.connect(path)
    con.execute("INSERT INTO lifeline_schema VALUES (?, 'from_the_future', now())",
                [migrations.LATEST + 1])
    con.close()
    store._READY.clear()  # as in a process that has not opened it yet


def test_a_store_newer_than_the_code_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "newer.duckdb"
    _newer(path)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(store.StoreTooNew, match="newer Lifeline.*Update Lifeline"):
            store.connect(path, read_only=read_only)
    assert path.read_bytes() == before
    for args in (["brief", "--db", path], ["export", "needs", "--db", path],
                 ["import", DATA / "scenario" / "organizations.csv", "--db", path]):
        out = subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, (args, out.stderr)
        assert "newer Lifeline" in out.stderr and "Traceback" not in out.stderr
    assert path.read_bytes() == before


def test_a_failing_step_leaves_the_store_at_the_version_before(tmp_path, monkeypatch):
    folder = tmp_path / "steps"
    folder.mkdir()
    shutil.copy(migrations.FOLDER / "0001_baseline.sql", folder)
    (folder / "0002_half.sql").write_text(
        "CREATE TABLE half_made (x INTEGER);\nSELECT no_such_column FROM needs;\n")
    monkeypatch.setattr(migrations, "FOLDER", folder)
    con = duckdb.connect(str(tmp_path / "half.duckdb"))
    with pytest.raises(duckdb.BinderException):
        migrations.migrate(con)
    assert migrations.version(con) == 1
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "half_made" not in tables and "needs" in tables
    con.close()


def test_migration_files_are_numbered_without_gaps(tmp_path, monkeypatch):
    folder = tmp_path / "steps"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("SELECT 1;")
    (folder / "0003_c.sql").write_text("SELECT 1;")
    monkeypatch.setattr(migrations, "FOLDER", folder)
    with pytest.raises(ValueError, match="without gaps"):
        migrations.migrations()
    (folder / "0002_b.postgres.sql").write_text("SELECT 2;")
    assert [m.version for m in migrations.migrations("postgres")] == [1, 2, 3]
    with pytest.raises(ValueError, match="without gaps"):
        migrations.migrations("duckdb")  # the postgres-only step leaves duckdb a gap
