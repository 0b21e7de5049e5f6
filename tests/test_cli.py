"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dashboard.cli import main
from data_loaders import store
from tests.conftest import ROOT, SCENARIO


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_then_brief_end_to_end(tmp_path):
    db = tmp_path / "cli.duckdb"
    done = cli("import", str(SCENARIO), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "needs: 7 rows" in done.stdout and "deliveries: 7 rows" in done.stdout
    brief = cli("brief", "--as-of", "2020-02-15", "--db", str(db), "--format", "json")
    assert brief.returncode == 0, brief.stderr
    data = json.loads(brief.stdout)
    assert data["totals"]["open_needs"] == 3 and data["totals"]["overdue_deliveries"] == 2
    assert len(data["regions"]) == 17


def test_invalid_import_exits_2_names_every_problem_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "facilities.csv"
    bad.write_text("facility_id,name,facility_type,region\nH1,甲,hospital,大治市\n"
                   "H2,乙,hospital,武汉\nH2,丙,clinic,武汉\n", encoding="utf-8")
    db = tmp_path / "bad.duckdb"
    assert main(["import", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "facilities.csv:2 [region] '大治市': Unknown region — Did you mean 大冶市" in err
    assert "facilities.csv:4 [facility_id] 'H2': Duplicate id" in err
    assert "facilities.csv:4 [facility_type] 'clinic': Not an allowed value" in err
    assert "Problems found: 3; nothing was written." in err
    con = store.connect(db)
    assert store.row_counts(con)["facilities"] == 0
    assert store.import_history(con).empty


def test_brief_defaults_to_the_latest_date(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(db)]) == 0
    capsys.readouterr()
    out = tmp_path / "brief.json"
    assert main(["brief", "--db", str(db), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["as_of"] == "2020-02-20"


def test_brief_rejects_a_bad_date(tmp_path, capsys):
    try:
        main(["brief", "--as-of", "2020-02-31", "--db", str(tmp_path / "x.duckdb")])
    except SystemExit as exc:
        assert exc.code == 2
    assert "not a date" in capsys.readouterr().err


def test_demo_if_missing_keeps_an_existing_database(tmp_path, capsys):
    db = tmp_path / "keep.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(db)]) == 0
    assert main(["demo", "--db", str(db), "--if-missing"]) == 0
    assert "using existing database" in capsys.readouterr().out
    assert store.row_counts(store.connect(db))["facilities"] == 6


def test_accept_valid_imports_the_good_rows_and_quarantines_the_rest(tmp_path, capsys):
    data = tmp_path / "facilities.csv"
    data.write_text("facility_id,name,facility_type,region\nH1,甲,hospital,武汉\n"
                    "H2,乙,hospital,大治市\nH3,丙,clinic,武汉\n", encoding="utf-8")
    db = tmp_path / "q.duckdb"
    assert main(["import", str(data), "--db", str(db), "--accept-valid"]) == 0
    captured = capsys.readouterr()
    assert "2 rows kept in the quarantine" in captured.err
    assert "facilities: 1 rows" in captured.out
    con = store.connect(db)
    assert list(store.read_table(con, "facilities")["facility_id"]) == ["H1"]
    kept = store.quarantined(con)
    assert sorted(kept["row"]) == [3, 4]
    record = json.loads(kept.set_index("row").loc[3, "record"])
    assert record == {"facility_id": "H2", "name": "乙", "facility_type": "hospital",
                      "region": "大治市"}
    problems = json.loads(kept.set_index("row").loc[4, "problems"])
    assert problems[0]["code"] == "unknown_value"


def test_unknown_format_is_refused(tmp_path, capsys):
    assert main(["import", str(SCENARIO), "--db", str(tmp_path / "x.duckdb"),
                 "--format", "nope"]) == 2
    assert "unknown format 'nope'" in capsys.readouterr().err


def test_export_needs_open_at_a_date(tmp_path, capsys):
    db = tmp_path / "e.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["export", "needs", "--as-of", "2020-02-15", "--db", str(db)]) == 0
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert set(frame["need_id"]) == {"N1", "N4", "N7"}  # open at D (tests/data/scenario)
    for column in ("need_id", "facility_id", "region_adcode", "category", "item", "requested",
                   "delivered", "in_transit", "unmet", "days_open", "priority"):
        assert column in frame.columns
    assert main(["export", "needs", "--as-of", "2020-02-15", "--db", str(db),
                 "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_export_partners_and_overlaps(tmp_path, capsys):
    import io

    import pandas as pd

    db = tmp_path / "p.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["export", "partners", "--as-of", "2020-02-15", "--db", str(db)]) == 0
    partners = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert dict(zip(partners["org_id"], partners["freshness"])) == {
        "P1": "fresh", "P2": "fresh", "P3": "silent"}  # tests/data/scenario/README.md
    # Reporting against the default schedule (tests/test_reporting.py, by hand).
    assert partners.set_index("org_id").loc[["P1", "P2", "P3"], [
        "expected_reports", "received_reports", "late_periods", "reporting_status"]
    ].values.tolist() == [["2", "1", "0", "ok"], ["7", "1", "3", "silent"],
                          ["7", "0", "4", "silent"]]
    assert partners["on_time_rate"].isna().all()  # imported afterwards: not known
    assert main(["export", "overlaps", "--as-of", "2020-02-15", "--days", "7", "--db", str(db),
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # one supplier per facility there


@pytest.mark.parametrize("args", [["export", "needs", "--as-of", "2020-02-15"], ["export", "needs"],
                                  ["export", "aggregates"], ["brief", "--as-of", "2020-02-15"]])
def test_a_read_from_a_database_that_does_not_exist_says_so_and_creates_none(tmp_path, capsys, args):
    missing = tmp_path / "typo.duckdb"
    assert main([*args, "--db", str(missing)]) == 2
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()  # never an empty store reported as a successful export


def test_a_store_another_process_holds_is_said_not_a_traceback(busy_store, capsys):
    for argv in (["export", "partners", "--as-of", "2020-02-15"], ["brief", "--as-of", "2020-02-15"],
                 ["import", str(SCENARIO)]):
        assert main([*argv, "--db", str(busy_store)]) == 2
        err = capsys.readouterr().err
        assert "in use by another process" in err and "nothing was written" in err
        assert "Traceback" not in err


@pytest.mark.parametrize("value, says", [
    ("999999", "is no province's code"),
    ("420100", "is no province's code"),   # Wuhan: a prefecture, not a province
    ("湖北", "is no province's code"),      # a name: the setting takes the code
])
def test_a_wrong_province_setting_is_one_sentence_and_touches_nothing(tmp_path, monkeypatch,
                                                                       value, says):
    db = tmp_path / "never.duckdb"
    env = {**os.environ, "LIFELINE_PROVINCE": value}
    done = cli("brief", "--db", str(db), env=env)
    assert done.returncode == 2
    assert done.stderr.strip() == done.stderr.strip().splitlines()[0]  # one line, no traceback
    assert f"LIFELINE_PROVINCE={value}" in done.stderr and says in done.stderr
    assert "420000 (Hubei)" in done.stderr and not db.exists()


def test_bench_names_a_store_that_is_not_there(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    done = cli("bench", "--scale", "", "--store", str(missing), "--sessions", "0")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"no store at {missing}: --store takes a DuckDB file"
    assert not missing.exists()  # nothing created


def test_import_round_says_a_sheet_it_did_not_read(tmp_path):
    import openpyxl

    db = tmp_path / "round.duckdb"
    con = store.connect(db)
    con.execute("INSERT INTO organizations (org_id, name, org_type) VALUES ('P1', '伙伴一', 'partner')")
    con.close()
    book = openpyxl.Workbook()
    book.active.title = "Instructions"
    book.active.append(["One row per household"])
    sheet = book.create_sheet("R1")
    for row in (["household_id", "org_id", "region", "round_id", "assessed_on", "protection"],
                ["H1", "P1", "武汉市", "R1", "2020-01-28", 3]):
        sheet.append(row)
    book.save(tmp_path / "r1.xlsx")
    done = cli("import-round", str(tmp_path / "r1.xlsx"), "--org", "P1", "--db", str(db),
               "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Written: 1 households, 1 assessments, 1 answers.",
        "1 sheets ask no question of the assessment tool (instructions, a summary, say) and "
        "were not read"]


def test_import_round_with_a_broken_tool_file_says_each_fault_in_the_language(tmp_path):
    db = tmp_path / "round.duckdb"
    store.connect(db).close()
    broken = tmp_path / "tool.toml"
    broken.write_text('id = "t"\nzh = "工具"\nen = "Tool"\n', encoding="utf-8")
    good = tmp_path / "r1.csv"
    good.write_text("household_id,org_id,region,round_id,assessed_on\n", encoding="utf-8")
    env = dict(os.environ) | {"LIFELINE_ASSESSMENT_TOOL": str(broken)}
    done = cli("import-round", str(good), "--org", "P1", "--db", str(db), env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"评估工具文件 {broken}（LIFELINE_ASSESSMENT_TOOL）无法使用：",
        "  - 缺少 `[scales]`：每个量表列出它的答案（`value`、`zh`、`en`）",
        "  - 缺少 `[areas]`：需求领域，及其量表和列表",
        "  - `areas.list` 必须是条目列表，每条有 `id`、`zh`、`en`"]


def test_bench_times_each_page_in_a_process_of_its_own(demo_db_path):
    from dashboard.cli.bench import page_times

    times = page_times(demo_db_path, ("overview", "needs"), repeat=1)
    assert sorted(times) == ["needs_page_first_s", "needs_page_rerun_s",
                             "overview_page_first_s", "overview_page_rerun_s"]
    assert all(isinstance(v, float) and v > 0 for v in times.values())
    # A page the app does not have fails in its own process and is named.
    with pytest.raises(RuntimeError, match="^no-such-page: "):
        page_times(demo_db_path, ("no-such-page",), repeat=0)


def test_import_round_writes_a_round_or_names_every_problem(tmp_path):
    db = tmp_path / "round.duckdb"
    con = store.connect(db)
    con.execute("INSERT INTO organizations (org_id, name, org_type) VALUES ('P1', '伙伴一', 'partner')")
    con.close()
    good = tmp_path / "第一轮.csv"
    good.write_text("household_id,org_id,region,round_id,assessed_on,protection,fear\n"
                    "H1,P1,武汉市,R1,2020-01-28,3,是\nH2,P1,孝感市,R1,2020-01-29,1,否\n",
                    encoding="gb18030")
    done = cli("import-round", str(good), "--org", "P1", "--db", str(db), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Written: 2 households, 2 assessments, 4 answers."
    bad = tmp_path / "bad.csv"
    bad.write_text("household_id,户主姓名,org_id,region,round_id,assessed_on,protection\n"
                   "13912345678,张三,P1,武汉市,R1,2020-01-28,5\n", encoding="utf-8")
    done = cli("import-round", str(bad), "--org", "P1", "--db", str(db))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("bad.csv [户主姓名]: 此列会记录可识别个人的信息")
    assert lines[1].startswith("bad.csv:2 [household_id]: 单元格中有电话、邮箱或身份证号")
    assert lines[2].startswith("bad.csv:2 [protection] '5': 不是该问题的答案")
    assert lines[-1] == "发现 3 个问题，未写入任何数据。"
    assert "13912345678" not in done.stderr and "张三" not in done.stderr
    con = store.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM households").fetchone() == (2,)  # only the good round
    con.close()
    missing = cli("import-round", str(tmp_path / "none.csv"), "--org", "P1", "--db", str(db))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    # Another organisation's households are that organisation's to import.
    other = cli("import-round", str(good), "--org", "P2", "--db", str(db), "--lang", "en")
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert other.stderr.count("You can import only the households your organisation") == 2
