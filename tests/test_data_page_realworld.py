"""The data manager's day on real files: every real format goes in through the Data page,
recognised exactly as the command line recognises it, and lands as the command line
lands it (issue 11)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest

from dashboard.i18n import t
from data_loaders import store
from data_loaders.ingest import formats
from tests.apptest import frame_with
from tests.conftest import ROOT, realworld_dir

pytestmark = pytest.mark.realworld

# The real files a hub has, one of each kind (the feed's 16 prefecture files count as one
# kind here; all of them go in together below).
REAL = [
    "wuhan2020-orgs/donation_channels.csv",
    "wuhan2020-orgs/logistics_channels.csv",
    "wuhan2020-hospital-needs/hospital_needs_history_daily.csv",
    "wuhan2020-hospital-needs/fe_2020-02-19/wuhanshi.json",
    "hubei-cases/hubei_17_prefectures_daily.csv",
    "redcross-wuhan/武汉市红十字会发放物资一览表.xlsx",
    "redcross-wuhan/wuhan_rc_distributed_supplies.csv",
]


def cli_formats(path) -> str:
    """What ``python -m dashboard import --dry-run`` says it read a file as."""
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(path), "--dry-run",
                           "--as-of", "2020-02-19", "--db", str(path.parent / "never.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    found = re.search(r": read as (\w+)", done.stdout)
    if found:
        return found.group(1)
    return "template" if "Cannot tell which table" not in done.stderr else ""


def upload(at, paths):
    at.file_uploader[0].set_value([(p.name, p.read_bytes(), "application/octet-stream")
                                   for p in paths]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def empty_store(tmp_path, monkeypatch):
    path = tmp_path / "page.duckdb"
    monkeypatch.setenv("LIFELINE_DB", str(path))
    store.connect(path).close()
    return path


@pytest.mark.parametrize("relative", REAL)
def test_each_real_file_is_recognised_on_the_page_as_the_cli_does(relative, empty_store, tmp_path):
    from tests.apptest import run_app

    path = realworld_dir() / relative
    copy = tmp_path / path.name  # the CLI may not see the folder's date: neither can a browser
    copy.write_bytes(path.read_bytes())
    expected = cli_formats(copy)
    at = upload(run_app("data"), [path])
    row = frame_with(at, "识别为").iloc[0]
    formats.choose("", b"")
    label = t(f"format.{expected}", "zh") if expected else "—"
    assert row["识别为"] == label, (relative, expected)
    if not expected:  # no format knows it: the mapping step opens, and only then
        assert "列映射" in [s.value for s in at.subheader]
    else:
        assert "列映射" not in [s.value for s in at.subheader]
        shown = [e.value for kind in (at.error, at.info, at.caption) for e in kind]
        assert not any("--" in text for text in shown), shown


def test_every_real_file_at_once_goes_in_through_the_page(empty_store):
    from tests.apptest import run_app

    real = realworld_dir()
    paths = [real / r for r in REAL if not r.endswith("wuhanshi.json")
             and not r.endswith("supplies.csv")]
    paths += sorted((real / "wuhan2020-hospital-needs" / "fe_2020-02-19").glob("*.json"))
    at = upload(run_app("data"), paths)
    # The feed has no dates and the browser sends no folder: the page asks for the day.
    assert "请先选择数据日期，然后才能检查这些文件。" in [i.value for i in at.info]
    at.date_input(key="import_as_of_0").set_value(date(2020, 2, 19)).run()
    assert not at.exception
    summary = at.success[0].value
    assert summary.startswith("检查通过。将写入：") and "54 行等待人工确认接收单位" in summary
    at.button(key="import_0").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.success[0].value.startswith("已导入：")
    con = store.connect(empty_store, read_only=True)
    counts = store.row_counts(con)
    assert counts["facilities"] == 238 and counts["deliveries"] == 148
    assert counts["case_counts"] == 5490 and counts["organizations"] == 80
    # The snapshots and the feed describe each open need once, whatever the upload order.
    doubled = con.execute(
        "SELECT count(*) FROM (SELECT facility_id, item FROM needs WHERE status = 'open' "
        "AND need_id NOT LIKE '%:remark:%' GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    assert doubled == 0
    assert con.execute("SELECT count(*) FROM review_queue WHERE status = 'pending'").fetchone()[0] == 54
    assert not store.dangling_references(con)
