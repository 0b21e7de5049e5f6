"""Families in difficulty (issue 17): the assessment tool as data, the privacy checks, a
round's import (all or nothing, nothing identifying ever read or written) and the
aggregates with small-cell suppression, against hand-computed answers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.analytics import households as hh
from dashboard.i18n import tool_problem_message
from data_loaders.households import cases, privacy, rounds, tool
from data_loaders.store import schema
from tests.conftest import BOTH, analytics

BACKENDS = BOTH  # the import and the aggregates, on the file and on PostgreSQL (its replica)
TOOL = tool.load(tool.DEFAULT_TOOL)
HEADER = ("household_id,org_id,region,size,children,migration_status,round_id,assessed_on,"
          "protection,livelihood,labour_contract,employer_insurance,health_good,online_classes")


def _orgs(con) -> None:
    con.execute("INSERT INTO organizations (org_id, name, org_type) VALUES "
                "('ORG1', '武汉某社工机构', 'ngo'), ('ORG2', '广州某社工机构', 'ngo')")


def _row(hid, org, region, children, round_id, protection, livelihood, contract="",
         insurance="", health="", online="") -> str:
    return (f"{hid},{org},{region},3,{children},在城市,{round_id},2020-01-28,{protection},"
            f"{livelihood},{contract},{insurance},{health},{online}")


# Round R1, by hand (threshold 3, areas at severity >= 2, level province):
#   protection: Hubei H1-H8 3,3,2,2,2,1,0,0 -> 5 of 8; Guangdong G1-G4 2,2,1,0 -> 2 of 4;
#   the network 7 of 12. Guangdong's 2 is "<3"; Hubei's 5 would give it away (7 - 5), so
#   it is "x".
#   livelihood: Hubei 0 of 8, Guangdong 2,2,2,1 -> 3 of 4, the network 3 of 12.
#   labour_contract: yes H1-H6 and G1 -> 7 of 12;
#   employer_insurance among those 7: yes H1 only -> 1 of 7 ("<3"); H7 (no contract)
#   answers yes and is not asked;
#   health_good (answer 2 counted): H1-H5 -> 5 of 12;
#   online_classes among households with children (H1-H4, G1-G3: 7): yes H1-H3 and G1
#   -> 4 of 7; H5 (no children) answers yes and is not asked.
R1 = [
    _row("H1", "ORG1", "武汉市", "是", "R1", 3, 0, "是", "是", "好", "是"),
    _row("H2", "ORG1", "武汉市", "是", "R1", 3, 1, "是", "否", "好", "是"),
    _row("H3", "ORG1", "孝感市", "是", "R1", 2, 0, "是", "否", "好", "是"),
    _row("H4", "ORG1", "孝感市", "是", "R1", 2, 1, "是", "否", "好", "否"),
    _row("H5", "ORG1", "武汉市", "否", "R1", 2, 0, "是", "否", "好", "是"),
    _row("H6", "ORG1", "武汉市", "否", "R1", 1, 0, "是", "否", "一般", ""),
    _row("H7", "ORG1", "武汉市", "否", "R1", 0, 1, "否", "是", "一般", ""),
    _row("H8", "ORG1", "武汉市", "否", "R1", 0, 0, "否", "", "一般", ""),
    _row("G1", "ORG2", "广州市", "是", "R1", 2, 2, "是", "否", "差", "是"),
    _row("G2", "ORG2", "广州市", "是", "R1", 2, 2, "否", "", "差", "否"),
    _row("G3", "ORG2", "广州市", "是", "R1", 1, 2, "否", "", "差", "否"),
    _row("G4", "ORG2", "广州市", "否", "R1", 0, 1, "否", "", "差", ""),
]
# Round R2: protection 1 everywhere (0 of 12); livelihood Hubei 3,3,3,2,2,1,1,0 -> 5 of
# 8, Guangdong 3,3,2,2 -> 4 of 4, the network 9 of 12.
R2 = [_row(f"H{i}", "ORG1", "孝感市" if i in (3, 4) else "武汉市", "是" if i <= 4 else "否", "R2", 1, s)
      for i, s in enumerate([3, 3, 3, 2, 2, 1, 1, 0], start=1)]
R2 += [_row(f"G{i}", "ORG2", "广州市", "是" if i <= 3 else "否", "R2", 1, s)
       for i, s in enumerate([3, 3, 2, 2], start=1)]


def _file(lines: list[str], header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines]).encode(encoding)


@pytest.fixture
def rounds_db(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "3")
    _orgs(db)
    for name, lines in (("r1.csv", R1), ("r2.csv", R2)):
        report = rounds.import_round(db, name, _file(lines), TOOL)
        assert report.committed, report.problems
    return analytics(db)


def _or_none(share):
    """A share as the tests spell it: None where it is not published (NaN)."""
    return None if pd.isna(share) else share


def _counts(con) -> dict[str, int]:
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in schema.HOUSEHOLD_TABLES}


# --- the aggregates -----------------------------------------------------------------------

def test_area_shares_by_province_with_subtraction_protected(rounds_db):
    shares = hh.area_shares(rounds_db)
    r1 = shares[(shares["round_id"] == "R1") & (shares["area"] == "protection")]
    got = {r.region: (r.households, r.with_need, _or_none(r.share)) for r in r1.itertuples()}
    assert got == {"420000": (8, "x", None), "440000": (4, "<3", None),
                   "all": (12, 7, pytest.approx(7 / 12))}
    live = shares[(shares["round_id"] == "R1") & (shares["area"] == "livelihood")]
    assert {r.region: (r.with_need, r.share) for r in live.itertuples()} == {
        "420000": (0, 0.0), "440000": (3, 0.75), "all": (3, 0.25)}
    # Every area of the tool, in its order, for both rounds: none asked is no row.
    assert list(shares[shares["round_id"] == "R2"]["area"].unique()) == ["protection", "livelihood"]


def test_one_region_keeps_its_rows_and_the_networks_as_suppressed_for_all(rounds_db):
    shares = hh.area_shares(rounds_db, region="440000")
    r1 = shares[(shares["round_id"] == "R1") & (shares["area"] == "protection")]
    # Filtering never un-hides what the whole table hides.
    assert list(r1["with_need"]) == ["<3", 7] and list(r1["region"]) == ["440000", "all"]


def test_prefecture_level_counts_each_prefecture(rounds_db):
    shares = hh.area_shares(rounds_db, level="prefecture")
    r1 = shares[(shares["round_id"] == "R1") & (shares["area"] == "protection")]
    # Households: Wuhan H1,H2,H5-H8 6; Xiaogan H3,H4 2 ("<3"); Guangzhou 4; 12 in all:
    # 12 - 6 - 4 gives Xiaogan away, so Guangzhou's 4 is "x". With the need: Wuhan 3,3,2,
    # 1,0,0 -> 3; Xiaogan 2 and Guangzhou 2 (both "<3"); 7 in all: 7 - 3 = 4 would pin
    # both small cells at 2, so Wuhan's 3 is "x".
    got = {r.region: (r.households, r.with_need) for r in r1.itertuples()}
    assert got == {"420100": (6, "x"), "420900": ("<3", "<3"), "440100": ("x", "<3"),
                   "all": (12, 7)}
    with pytest.raises(ValueError, match="unknown level"):
        hh.area_shares(rounds_db, level="street")


def test_the_shift_between_rounds_in_points(rounds_db):
    shift = hh.area_shift(rounds_db, "R1", "R2").set_index("area")
    assert shift.loc["livelihood", "share_first"] == pytest.approx(0.25)
    assert shift.loc["livelihood", "share_second"] == pytest.approx(0.75)
    assert shift.loc["livelihood", "change_points"] == 50.0
    assert shift.loc["protection", "change_points"] == round((0 - 7 / 12) * 100, 1)  # -58.3
    # An area no round asked has no shares and no change.
    assert pd.isna(shift.loc["education", "share_first"])
    assert pd.isna(shift.loc["education", "change_points"])


def test_indicators_with_their_denominators(rounds_db):
    got = {r.indicator: (r.asked, r.counted, _or_none(r.share))
           for r in hh.indicators(rounds_db, "R1").itertuples()}
    assert got["labour_contract"] == (12, 7, pytest.approx(7 / 12))
    assert got["employer_insurance"] == (7, "<3", None)  # among those with a contract
    assert got["health_good"] == (12, 5, pytest.approx(5 / 12))
    assert got["online_classes"] == (7, 4, pytest.approx(4 / 7))  # among households with children
    assert got["fear"] == (0, 0, None)  # not asked in this round
    assert list(got) == [q.id for q in TOOL.indicators]


# --- the round import ---------------------------------------------------------------------

def test_a_round_writes_households_assessments_and_answers(db):
    _orgs(db)
    report = rounds.import_round(db, "r1.csv", _file(R1), TOOL)
    # 12 households; answers: 12 x protection, livelihood, labour_contract, health_good,
    # + employer_insurance 8 (H8, G2-G4 blank) + online_classes 8 (H6-H8, G4 blank) = 64.
    assert (report.households, report.assessments, report.answers) == (12, 12, 64)
    assert _counts(db)["household_answers"] == 64
    row = db.execute("SELECT household_key, region_adcode, size, children, migration_status "
                     "FROM households WHERE household_id = 'H3'").fetchone()
    assert row == ("ORG1:H3", "420900", 3, True, "in_city")
    # Imported again with other answers: the assessment is replaced, not added to.
    changed = [line.replace(",R1,2020-01-28,3,0,", ",R1,2020-01-28,1,0,") for line in R1]
    assert rounds.import_round(db, "r1.csv", _file(changed), TOOL).committed
    assert _counts(db)["household_assessments"] == 12 and _counts(db)["household_answers"] == 64
    assert db.execute("SELECT answer FROM household_answers WHERE answer_key = "
                      "'ORG1:H1:R1:protection'").fetchone() == (1,)


def test_chinese_headers_and_a_gb18030_file(db):
    _orgs(db)
    header = "住户编号,机构编号,地区,家庭人数,有儿童,流动状态,评估轮次,评估日期,防护,生计（食物、住房、出行）"
    lines = ["A1,ORG1,湖北省武汉市,2,否,无法返城,第一轮,2020/1/28,严重,中度"]
    report = rounds.import_round(db, "第一轮.csv", _file(lines, header, "gb18030"), TOOL)
    assert report.committed, report.problems
    assert db.execute("SELECT question_id, answer FROM household_answers ORDER BY 1").fetchall() == [
        ("livelihood", 2), ("protection", 3)]


@pytest.mark.parametrize("header,kind", [
    ("户主姓名", "name"), ("联系电话", "contact"), ("身份证号", "id_card"), ("家庭住址", "address"),
    ("Contact name", "name"), ("phone", "contact"),
])
def test_an_identifying_column_refuses_the_file_unread(db, header, kind):
    _orgs(db)
    lines = [f"{line},13912345678" for line in R1[:2]]
    report = rounds.import_round(db, "r1.csv", _file(lines, f"{HEADER},{header}"), TOOL)
    assert not report.committed
    assert [(p.column, p.code, p.expected, p.value) for p in report.problems] == [
        (header, "identifying_column", kind, None)]
    assert set(_counts(db).values()) == {0}


def test_an_identifying_value_is_named_by_row_and_column_and_never_repeated(db):
    _orgs(db)
    lines = [R1[0].replace("H1,", "13812345678,", 1),
             R1[1].replace(",3,1,", ",42010619800101123X,1,", 1),
             R1[2].replace("孝感市", "027-88886666", 1).replace(",2,0,", ",9,0,", 1)]
    report = rounds.import_round(db, "r1.csv", _file(lines), TOOL)
    got = [(p.row, p.column, p.code, p.expected, p.value) for p in report.problems]
    # Every problem in one pass; a cell holding a person's details is named once and its
    # value appears nowhere (not as an unknown region, an answer or a missing value).
    assert got == [(2, "household_id", "identifying_value", "contact", None),
                   (3, "protection", "identifying_value", "id_card", None),
                   (4, "region", "identifying_value", "contact", None),
                   (4, "protection", "unknown_answer", "0 [没有困难], 1 [轻度], 2 [中度], 3 [严重]", "9")]
    said = repr(report.problems)
    assert "13812345678" not in said and "42010619800101123X" not in said and "88886666" not in said
    assert set(_counts(db).values()) == {0}


def test_every_other_problem_is_named_and_nothing_is_written(db):
    _orgs(db)
    lines = [
        _row("H1", "ORG1", "火星", "是", "R1", 5, 0),        # unknown region, answer out of scale
        _row("H2", "ORG9", "武汉市", "是", "R1", 1, 0),      # unknown organisation
        _row("H3", "ORG1", "武汉市", "是", "R1", "", ""),    # no answers
        _row("H4", "ORG1", "武汉市", "是", "R1", 1, 0),
        _row("H4", "ORG1", "武汉市", "是", "R1", 2, 0),      # the same household twice
    ]
    report = rounds.import_round(db, "bad.csv", _file(lines), TOOL)
    got = [(p.row, p.column, p.code) for p in report.problems]
    assert got == [(2, "protection", "unknown_answer"), (2, "region", "unknown_region"),
                   (3, "org_id", "unknown_reference"), (4, None, "no_answers"),
                   (6, "household_id", "duplicate_id")]
    assert report.problems[-1].suggestion == "bad.csv:5"
    assert report.problems[0].expected == "0 [没有困难], 1 [轻度], 2 [中度], 3 [严重]"
    assert set(_counts(db).values()) == {0}


def test_a_column_the_tool_does_not_ask_is_refused(db):
    _orgs(db)
    report = rounds.import_round(db, "r1.csv", _file([f"{R1[0]},送过米"], f"{HEADER},备注"), TOOL)
    assert [(p.column, p.code) for p in report.problems] == [("备注", "unknown_round_column")]
    assert "protection" in report.problems[0].expected


def test_a_caseworker_imports_for_their_own_organisation_only(db):
    _orgs(db)
    report = rounds.import_round(db, "r1.csv", _file(R1), TOOL, org_id="ORG1")
    assert {(p.column, p.code, p.expected) for p in report.problems} == {
        ("org_id", "other_organisation", "ORG1")}
    assert len(report.problems) == 4  # G1-G4
    assert set(_counts(db).values()) == {0}


def test_a_household_deleted_on_request_leaves_only_a_count(db):
    _orgs(db)
    assert rounds.import_round(db, "r1.csv", _file(R1), TOOL).committed
    assert rounds.import_round(db, "r2.csv", _file(R2), TOOL).committed
    assert cases.add_service(db, "ORG1", "H1", date(2020, 3, 1), "cash_aid", 500.0) == []
    before = _counts(db)
    # H1 and H2, H2 named twice, and one the organisation does not follow.
    assert rounds.delete_households(db, "ORG1", ["H1", "H2", "H2", "NOPE"]) == 2
    after = _counts(db)
    assert after["households"] == before["households"] - 2 == 10
    assert after["household_assessments"] == before["household_assessments"] - 4
    assert after["household_cases"] == before["household_cases"] - 2  # each had its case
    assert after["household_services"] == before["household_services"] - 1 == 0
    left = db.execute("SELECT count(*) FROM household_answers WHERE assessment_key LIKE 'ORG1:H1:%' "
                      "OR assessment_key LIKE 'ORG1:H2:%'").fetchone()[0]
    assert left == 0
    # Only the count stays, added up within the day; another organisation's H1 is untouched.
    assert rounds.delete_households(db, "ORG2", ["H1"]) == 0
    assert rounds.delete_households(db, "ORG1", ["H3"]) == 1
    assert db.execute("SELECT org_id, households FROM household_deletions").fetchall() == [("ORG1", 3)]
    assert rounds.delete_households(db, "ORG1", []) == 0


def test_a_file_that_is_not_a_table(db):
    report = rounds.import_round(db, "r1.csv", b"", TOOL)
    assert [p.code for p in report.problems] == ["empty_file"] and not report.committed


# --- privacy -----------------------------------------------------------------------------

@pytest.mark.parametrize("header,kind", [
    ("household_id", None), ("住户编号", None), ("org_name", None), ("地区", None), ("size", None),
    ("protection", None), ("姓名", "name"), ("Name", "name"), ("微信", "contact"),
    ("E-mail", "contact"), ("证件号码", "id_card"), ("addr", "address"), ("门牌号", "address"),
])
def test_identifying_headers(header, kind):
    assert privacy.identifying_header(header) == kind


@pytest.mark.parametrize("value,kind", [
    ("13812345678", "contact"), ("+86 138-1234-5678", "contact"), ("027-88886666", "contact"),
    ("someone@example.org", "contact"), ("42010619800101123X", "id_card"),
    ("420106800101123", "id_card"), ("H-0012", None), ("2020-01-28", None), ("420106", None),
    ("3", None), ("联系人王老师", "contact"),
])
def test_identifying_values(value, kind):
    assert privacy.identifying_value(value) == kind


def test_notes_are_scrubbed_of_contacts_and_id_card_numbers():
    note = "户主电话13812345678，身份证42010619800101123X，已送米两袋"
    assert privacy.scrub(note) == "户主电话[联系方式已删除]，身份证[联系方式已删除]，已送米两袋"
    assert privacy.scrub(None) is None and privacy.scrub("已送米") == "已送米"


# --- the tool is data -------------------------------------------------------------------

def test_the_default_tool():
    assert [a.id for a in TOOL.areas] == ["protection", "information", "livelihood", "health",
                                          "social_security", "education", "emotional",
                                          "self_realisation"]
    assert TOOL.serious == 2 and len(TOOL.indicators) == 8
    assert TOOL.question("employer_insurance").among == "labour_contract"
    assert TOOL.question("health_good").answer("好") == 2
    assert TOOL.question("fear").answer("Yes") == 1
    assert TOOL.question("protection").answer("4") is None
    assert TOOL.question("protection").answer("2.0") == 2


def test_another_network_sets_its_own_tool(tmp_path, monkeypatch):
    path = tmp_path / "tool.toml"
    path.write_text('id = "t"\nzh = "工具"\nen = "Tool"\n'
                    '[scales.s]\nvalues = [{ value = 0, zh = "无", en = "none" }, '
                    '{ value = 1, zh = "有", en = "some" }]\n'
                    '[areas]\nserious = 1\nscale = "s"\nlist = [{ id = "food", zh = "食物", en = "Food" }]\n',
                    encoding="utf-8")
    monkeypatch.setenv("LIFELINE_ASSESSMENT_TOOL", str(path))
    made = tool.configured()
    assert [q.id for q in made.questions] == ["food"] and made.serious == 1


HEAD = 'id = "t"\nzh = "工具"\nen = "Tool"\n'
ONE_SCALE = HEAD + '[scales.s]\nvalues = [{ value = 0, zh = "无", en = "none" }]\n'


@pytest.mark.parametrize("text,code,en,zh", [
    ("id = ", "not_toml_end", "The file is not valid TOML: it ends before its last value does",
     "文件不是有效的 `TOML`：在最后一个值写完之前就结束了"),
    ('id = "t"\nzh = 工具\n', "not_toml_at", "The file is not valid TOML: line 2, column 6",
     "文件不是有效的 `TOML`：第 2 行第 6 列有误"),
    (HEAD, "scales_missing", "`[scales]` is missing: each scale lists its answers (`value`, `zh`, `en`)",
     "缺少 `[scales]`：每个量表列出它的答案（`value`、`zh`、`en`）"),
    (ONE_SCALE + '[areas]\nscale = "nope"\nlist = [{ id = "food", zh = "食物", en = "Food" }]\n',
     "areas_scale_unknown", "`[areas]` `scale` = 'nope' is not one of `[scales]`",
     "`[areas]` 的 `scale` = 'nope' 不在 `[scales]` 中"),
    (ONE_SCALE + '[areas]\nserious = 0\nscale = "s"\nlist = [{ id = "Food!", zh = "食物" }]\n',
     "id_bad", "`areas.list` entry 1: the id 'Food!' must be lower-case letters, digits and _ "
     "(it names a column of the round's file)",
     "`areas.list` 第 1 条：编号 'Food!' 只能用小写字母、数字和下划线（它是轮次文件的列名）"),
    (HEAD + '[scales.s]\nvalues = [{ value = 0, zh = "无", en = "none" }, '
     '{ value = 1, zh = "有", en = "yes" }]\n[areas]\nserious = 1\nscale = "s"\n'
     'list = [{ id = "food", zh = "食物", en = "Food" }]\n'
     '[[indicators]]\nid = "x"\nzh = "某"\nen = "X"\nscale = "s"\ncounts = [1]\namong = "household.pets"\n',
     "among_unknown", "Indicator 'x': `among` = 'household.pets' is neither a yes/no indicator nor "
     "one of household.children, household.elderly, household.sick_or_disabled",
     "指标 'x'：`among` = 'household.pets' 既不是是/否指标，也不是 household.children, "
     "household.elderly, household.sick_or_disabled 之一"),
])
def test_a_tool_that_cannot_be_used_names_every_problem(tmp_path, text, code, en, zh):
    path = tmp_path / "tool.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(tool.ToolError) as caught:
        tool.load(path)
    problems = caught.value.problems
    assert code in [p.code for p in problems]
    assert en in [tool_problem_message(p, "en") for p in problems]
    assert zh in [tool_problem_message(p, "zh") for p in problems]  # said in Chinese too


def test_every_fault_a_tool_file_can_have_is_in_the_catalogue():
    from dashboard.i18n import CATALOGUE

    codes = set(re.findall(r'_problem\("(\w+)"', Path(tool.__file__).read_text(encoding="utf-8")))
    assert len(codes) >= 20  # the parse found them
    assert {c for c in codes if f"tool_problem.{c}" not in CATALOGUE} == set()


def test_a_tool_file_that_is_missing_or_not_utf8_is_said_so(tmp_path):
    with pytest.raises(tool.ToolError) as caught:
        tool.load(tmp_path / "missing.toml")
    assert [tool_problem_message(p, "zh") for p in caught.value.problems] == [
        "文件无法读取（文件不存在）"]
    (tmp_path / "gbk.toml").write_bytes('id = "t"\nzh = "工具"\n'.encode("gb18030"))
    with pytest.raises(tool.ToolError) as caught:
        tool.load(tmp_path / "gbk.toml")
    assert [tool_problem_message(p, "en") for p in caught.value.problems] == [
        "The file is not in UTF-8: save it again as UTF-8"]


# --- the demo network ---------------------------------------------------------------------

def test_the_demo_network_goes_through_the_round_import(db):
    from data_loaders.demo.households import write_households

    written = write_households(db, seed=7)
    assert {k: written[k] for k in ("organizations", "households", "assessments", "answers")} \
        == {"organizations": 3, "households": 150, "assessments": 300, "answers": 4500}
    read = analytics(db)
    # The casework went through the case functions: every service and close is stored.
    assert read.execute("SELECT count(*) FROM household_services").fetchone()[0] \
        == written["services"] > 0
    assert read.execute("SELECT count(*) FROM household_cases WHERE case_status IN "
                        "('resolved', 'lost_contact')").fetchone()[0] == written["closed"] > 0
    # Three organisations, each in its own province, fifty households each.
    assert read.execute("SELECT left(region_adcode, 2), count(*) FROM households GROUP BY 1 "
                        "ORDER BY 1").fetchall() == [("11", 50), ("36", 50), ("44", 50)]
    shift = hh.area_shift(read, "2020-R1", "2020-R2").set_index("area")["change_points"]
    # Protection and information give way to livelihood and schooling.
    assert shift["protection"] < -20 and shift["information"] < -20
    assert shift["livelihood"] > 20 and shift["education"] > 20
    asked = hh.indicators(read, "2020-R1").set_index("indicator")["asked"]
    # Insurance from the employer is asked of those with a contract only.
    assert asked["labour_contract"] == 150 and 0 < asked["employer_insurance"] < 150



def test_the_demo_network_is_the_same_for_the_same_seed():
    import numpy as np

    from data_loaders.demo import households as demo

    def first_round(seed: int) -> bytes:
        rng = np.random.default_rng(seed)
        return demo.round_file(rng, demo._households(rng), 0, TOOL)

    assert first_round(7) == first_round(7) != first_round(8)
    header = first_round(7).decode().splitlines()[0].split(",")
    assert header[:3] == ["household_id", "org_id", "region"] and header[-1] == "online_classes"


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    """An Excel workbook with ``sheets`` (title → rows), as a caseworker's Excel saves it."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _round_rows(lines: list[str]) -> list[list]:
    return [line.split(",") for line in [HEADER, *lines]]


def test_a_workbooks_instructions_sheet_is_noted_and_its_round_imported(db):
    _orgs(db)
    data = _workbook({"填写说明": [["每户一行；答案填 0–3 或文字"], ["评估日期写成 2020-01-28"]],
                      "第一轮": _round_rows(R1[:3]),
                      "汇总": [["地区", "户数"], ["武汉市", 2], ["孝感市", 1]]})
    report = rounds.import_round(db, "第一轮.xlsx", data, TOOL)
    assert report.committed, report.problems
    assert (report.households, report.assessments) == (3, 3)
    assert [(n.code, n.where, n.file) for n in report.notes] == [
        ("sheet_not_round", "填写说明", "第一轮.xlsx"), ("sheet_not_round", "汇总", "第一轮.xlsx")]
    from dashboard.i18n import note_summary

    assert note_summary(report.notes, "zh") == ["2 个工作表没有评估工具的问题（如填写说明、汇总），未读取"]


def test_a_workbook_with_a_sheet_of_names_and_phones_is_refused_whole(db):
    _orgs(db)
    data = _workbook({"第一轮": _round_rows(R1[:3]),
                      "联系人": [["姓名", "联系电话"], ["张三", "13812345678"]]})
    report = rounds.import_round(db, "第一轮.xlsx", data, TOOL)
    assert not report.committed
    assert [(p.file, p.column, p.code) for p in report.problems] == [
        ("第一轮.xlsx#联系人", "姓名", "identifying_column"),
        ("第一轮.xlsx#联系人", "联系电话", "identifying_column"),
        ("第一轮.xlsx#联系人", None, "not_a_round_file")]
    assert "张三" not in repr(report.problems) and "13812345678" not in repr(report.problems)
    assert set(_counts(db).values()) == {0}


def test_a_workbook_with_no_round_sheet_is_still_not_a_round(db):
    data = _workbook({"填写说明": [["每户一行"]], "汇总": [["地区", "户数"], ["武汉市", 2]]})
    report = rounds.import_round(db, "说明.xlsx", data, TOOL)
    assert [p.code for p in report.problems] == ["not_a_round_file", "not_a_round_file"]
    assert not report.notes and set(_counts(db).values()) == {0}


def test_another_kind_of_file_is_said_once(db):
    _orgs(db)
    needs = "need_id,facility_id,联系电话,category,quantity\nN1,F1,13812345678,ppe,500\nN2,F1,,ppe,20\n"
    report = rounds.import_round(db, "needs.csv", needs.encode(), TOOL)
    assert [(p.column, p.code) for p in report.problems] == [
        ("联系电话", "identifying_column"), (None, "not_a_round_file")]
    assert set(_counts(db).values()) == {0}


@pytest.mark.realworld
@pytest.mark.parametrize("relative", [
    "wuhan2020-hospital-needs/hospital_needs_history_daily.csv",
    "redcross-wuhan/武汉市红十字会发放物资一览表.xlsx",
    "wuhan2020-orgs/donation_channels.csv",
])
def test_the_real_files_of_2020_are_not_taken_for_a_round(db, relative):
    from tests.conftest import realworld_dir

    path = realworld_dir() / relative
    report = rounds.import_round(db, path.name, path.read_bytes(), TOOL)
    assert not report.committed and report.problems[-1].code == "not_a_round_file"
    assert {p.code for p in report.problems} <= {"not_a_round_file", "identifying_column"}
    assert set(_counts(db).values()) == {0}
