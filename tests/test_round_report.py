"""A round's report (issue 17): the hand-computed rounds of tests/test_households.py as
Markdown and HTML, Chinese first; nothing in it names a household; data values escaped;
the command line's round-report with its refusals."""

from __future__ import annotations

import pytest

from dashboard.briefing import round_report as rr
from data_loaders import store
from data_loaders.households import rounds
from tests.conftest import BOTH
from tests.test_cli import cli
from tests.test_households import R1, R2, TOOL, _file, _orgs, rounds_db  # noqa: F401

BACKENDS = BOTH


@pytest.fixture
def rounds_read(rounds_db):  # noqa: F811
    """R1 and R2 of tests/test_households.py, read as the pages read (threshold 3)."""
    return rounds_db


def test_the_second_round_against_the_first(rounds_read):
    report = rr.build_round_report(rounds_read, "R2")
    assert (report["previous"], report["households"], report["as_of"]) == ("R1", 12, "2020-01-28")
    text = rr.render_markdown(report, "zh")
    lines = text.splitlines()
    assert lines[0] == "**困境家庭需求评估报告 · R2 轮**"
    # Protection 7 of 12 then none; livelihood 3 of 12 then 9 of 12 (tests/test_households.py).
    assert "- 防护：58.3% → 0.0%（−58.3 个百分点）" in lines
    assert "- 生计（食物、住房、出行）：25.0% → 75.0%（+50.0 个百分点）" in lines
    assert "- 与 R1 轮相比，“生计（食物、住房、出行）”需求上升最多（+50.0 个百分点）。" in lines
    assert "- “防护”需求下降最多（−58.3 个百分点）。" in lines
    assert "- 本轮最普遍的较严重需求是“生计（食物、住房、出行）”（75.0% 的家庭）。" in lines
    # Twelve cases opened by the rounds, all open on the last day of casework.
    assert "- 截至 2020-01-28：未结案个案 12 户，已解决 0 户，现金救助共 —。" in lines
    assert any(line.startswith("- 湖北省：未结案（户） 8，") for line in lines)
    # No household and no organisation is named.
    for name in ("H1", "G1", "ORG1", "武汉某社工机构"):
        assert name not in text


def test_the_first_round_alone_with_its_indicators_in_english(rounds_read):
    report = rr.build_round_report(rounds_read, "R1")
    assert report["previous"] is None
    lines = rr.render_markdown(report, "en").splitlines()
    assert "- Protection: 58.3%" in lines  # no earlier round: one share, no change
    # 7 of 12 with a contract; insurance asked of those 7, 1 yes ("<3": no share).
    assert "- Has a labour contract: 58.3% (7 of 12 households)" in lines
    assert "- Medical insurance from the employer: — (<3 of 7 households)".replace("<", "\\<") \
        in lines
    assert not any("rose most" in line for line in lines)


def test_data_values_are_escaped_in_markdown_and_html(rounds_read):
    report = rr.build_round_report(rounds_read, "R2")
    report["round"] = "<script>alert(1)</script>*R2*"
    page = rr.render_html(report, "zh")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;*R2*" in page
    text = rr.render_markdown(report, "zh")
    assert "\\<script\\>" in text and "\\*R2\\*" in text


def test_an_unknown_round_names_the_rounds_there_are(rounds_read):
    with pytest.raises(rr.UnknownRound) as refused:
        rr.build_round_report(rounds_read, "R9")
    assert refused.value.known == ["R1", "R2"]


def test_the_command_line_writes_the_report_and_refuses_what_it_must(tmp_path):
    db = tmp_path / "rounds.duckdb"
    con = store.connect(db)
    _orgs(con)
    for name, lines in (("r1.csv", R1), ("r2.csv", R2)):
        assert rounds.import_round(con, name, _file(lines), TOOL).committed
    con.close()
    env_db = ("--db", str(db))
    done = cli("round-report", "R2", *env_db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("**困境家庭需求评估报告 · R2 轮**")
    unknown = cli("round-report", "R9", *env_db, "--lang", "en")
    assert unknown.returncode == 2 and unknown.stderr.strip() == 'No round "R9"; the rounds: R1, R2'
    public = cli("round-report", "R2", *env_db, "--role", "public")
    assert public.returncode == 3 and public.stdout == ""
    no_file = cli("round-report", "R2", *env_db, "--format", "pdf")
    assert no_file.returncode == 2 and "--out" in no_file.stderr
    pdf = tmp_path / "r2.pdf"
    printed = cli("round-report", "R2", *env_db, "--format", "pdf", "--out", str(pdf))
    assert printed.returncode == 0, printed.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
