"""Daily snapshots of the hospital feed: need life-cycles rebuilt, then the real history."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from data_loaders.ingest import validation
from data_loaders.ingest.formats import ImportContext, Note, choose
from data_loaders.ingest.formats.hospital_history import HospitalHistoryFormat
from tests.conftest import BOTH, ROOT, realworld_dir

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

FMT = HospitalHistoryFormat()
HEADER = ("snapshot_date,commit,commit_time,prefecture_adcode,prefecture_name,district,hospital_name,"
          "review_status,n_supplies_needed,supplies_needed,n_items_with_quantity,"
          "sum_requested_quantity,need:防护服,need:84消毒液\n")


def row(day, name, coverall, bleach, district="江岸区"):
    return f"{day},abc,{day}T10:00:00+08:00,420100,武汉市,{district},{name},已审核,,,,,{coverall},{bleach}\n"


# Four snapshots; 2020-02-03 is absent (no change that day, carried forward).
CSV = (HEADER
       + row("2020-02-01", "武汉市第一医院", 1, 0) + row("2020-02-01", "武汉市红十字会", 0, 500)
       + row("2020-02-02", "武汉市第一医院", 0, 0) + row("2020-02-02", "武汉市红十字会", 0, 500)
       + row("2020-02-04", "武汉市第一医院", 3000, 0)
       + row("2020-02-04", "武汉市第一医院", 1, "")  # listed twice that day: the larger counts
       + row("2020-02-04", "", 0, 0, district="")  # a nameless row: skipped
       + row("2020-02-05", "武汉市第一医院", 3000, 1)).encode("utf-8")


def fid(key: str) -> str:
    return "W2020-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


HOSPITAL = fid("武汉市|江岸区|武汉市第一医院")
RED_CROSS = fid("武汉市|江岸区|武汉市红十字会")


def test_sniff():
    assert FMT.sniff("h.csv", CSV)
    assert choose("h.csv", CSV).name == "hospital_history"
    assert not FMT.sniff("needs.csv", b"need_id,facility_id\nN1,F1\n")


def test_life_cycle_appear_disappear_reappear_and_skipped_day():
    conv = FMT.convert("h.csv", CSV, ImportContext())
    facilities, needs = (t.frame for t in conv.tables)
    assert facilities[["facility_id", "facility_type", "region"]].values.tolist() == [
        [HOSPITAL, "hospital", "420102"], [RED_CROSS, "other", "420102"]]
    got = {r["need_id"]: (r["reported_on"], r["status"], r["closed_on"], r["quantity"], r["unit"])
           for r in needs.to_dict("records")}
    assert got == {
        # listed on 02-01, gone on 02-02: met on 02-02
        f"{HOSPITAL}:coverall:20200201": ("2020-02-01", "met", "2020-02-02", None, None),
        # listed 02-01 and 02-02; 02-03 absent (carried forward); gone on 02-04: met then
        f"{RED_CROSS}:disinfectant_84:20200201": ("2020-02-01", "met", "2020-02-04", 500.0, "瓶"),
        # back on 02-04: a new need, still listed on the last snapshot
        f"{HOSPITAL}:coverall:20200204": ("2020-02-04", "open", None, 3000.0, "套"),
        f"{HOSPITAL}:disinfectant_84:20200205": ("2020-02-05", "open", None, None, None),
    }
    # Rows point at the CSV line that opened each need (header = line 1).
    assert conv.tables[1].rows == [2, 3, 6, 9]
    assert conv.notes == [Note("skipped_no_name", count=1)]
    result = validation.validate(conv.tables)
    assert result.ok, result.problems


# -- the real history, through the command line ------------------------------------------
def _history():
    path = realworld_dir() / "wuhan2020-hospital-needs" / "hospital_needs_history_daily.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return path, rows


def _listed(rows, day):
    """(prefecture, district, hospital, item) pairs with value > 0 on a snapshot day."""
    out = set()
    for r in rows:
        if r["snapshot_date"] != day or not r["hospital_name"].strip():
            continue
        for col, value in r.items():
            if col.startswith("need:") and value.strip() and float(value) > 0:
                out.add((r["prefecture_name"], "".join(r["district"].split()),
                         "".join(r["hospital_name"].split()), col))
    return out


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    path, rows = _history()
    db = tmp_path_factory.mktemp("history") / "history.duckdb"
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(path), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(db), read_only=True)
    yield con, rows, db
    con.close()


@pytest.mark.realworld
def test_real_history_open_needs_equal_last_snapshot(history_db):
    con, rows, _ = history_db
    last = max(r["snapshot_date"] for r in rows)
    assert last == "2020-02-19"
    expected_open = len(_listed(rows, last))
    assert con.execute("SELECT count(*) FROM needs WHERE status = 'open'").fetchone()[0] == expected_open


@pytest.mark.realworld
def test_real_history_met_needs_equal_disappearances(history_db):
    con, rows, _ = history_db
    days = sorted({r["snapshot_date"] for r in rows})
    expected = {}
    for before, after in zip(days, days[1:]):
        gone = _listed(rows, before) - _listed(rows, after)
        if gone:
            expected[date.fromisoformat(after)] = len(gone)
    got = dict(con.execute("SELECT closed_on, count(*) FROM needs WHERE status = 'met' GROUP BY 1")
               .fetchall())
    assert got == expected
    opened = sum(len(_listed(rows, a) - (_listed(rows, b) if b else set()))
                 for b, a in zip([None, *days], days))
    assert con.execute("SELECT count(*) FROM needs").fetchone()[0] == opened


@pytest.mark.realworld
def test_real_history_and_feed_share_facility_ids(history_db, tmp_path):
    """Importing the 02-19 feed on top of the history adds no facility: the ids agree."""
    _, _, db = history_db
    copy = tmp_path / "both.duckdb"
    copy.write_bytes(db.read_bytes())
    before = duckdb.connect(str(copy), read_only=True)
    count = before.execute("SELECT count(*) FROM facilities").fetchone()[0]
    before.close()
    folder = realworld_dir() / "wuhan2020-hospital-needs" / "fe_2020-02-19"
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(folder), "--db", str(copy),
                           "--as-of", "2020-02-19"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    after = duckdb.connect(str(copy), read_only=True)
    try:
        assert after.execute("SELECT count(*) FROM facilities").fetchone()[0] == count
    finally:
        after.close()
