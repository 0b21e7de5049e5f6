"""The Families in difficulty page under Streamlit's AppTest: the hand-computed rounds of
tests/test_households.py, in both languages, with the small counts hidden."""

from __future__ import annotations

import pytest

from data_loaders.households import rounds
from tests.apptest import run_app
from tests.conftest import BOTH
from tests.test_households import R1, R2, TOOL, _file, _orgs

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "households"


@pytest.fixture
def rounds_store(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "3")
    _orgs(db)
    for name, lines in (("r1.csv", R1), ("r2.csv", R2)):
        assert rounds.import_round(db, name, _file(lines), TOOL).committed
    return db


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_page_in_chinese(rounds_store):
    at = run_app(PAGE)
    assert not at.exception and at.title[0].value == "困境家庭"
    assert [s.value for s in at.selectbox if s.label in ("较早一轮", "较近一轮")] == ["R1", "R2"]
    shift = _table(at, "需求领域")
    assert list(shift.columns) == ["需求领域", "R1 有此需求", "R2 有此需求", "变化",
                                   "R1 被评估家庭（户）", "R2 被评估家庭（户）"]
    rows = {r["需求领域"]: r for _, r in shift.iterrows()}
    # Protection: 7 of 12 (58.3%), then none; livelihood 3 of 12 (25.0%), then 9 of 12.
    assert (rows["防护"]["R1 有此需求"], rows["防护"]["R2 有此需求"], rows["防护"]["变化"]) == (
        "58.3%", "0.0%", "−58.3 个百分点")
    assert rows["生计（食物、住房、出行）"]["变化"] == "+50.0 个百分点"
    assert rows["子女教育"]["R1 被评估家庭（户）"] == "—"  # not asked in either round
    indicators = _table(at, "指标")
    by_name = {r["指标"]: r for _, r in indicators.iterrows()}
    # R2 asked no indicator: every count is a true zero and no share is shown.
    assert (by_name["签有劳动合同"]["询问家庭（户）"], by_name["签有劳动合同"]["比例"]) == ("0", "—")
    regions = _table(at, "地区")
    assert list(regions["地区"]) == ["湖北省", "广东省"]
    # R2 livelihood: Hubei 5 of 8, Guangdong 4 of 4.
    assert list(regions["生计（食物、住房、出行）"]) == ["62.5%", "100.0%"]
    captions = " ".join(c.value for c in at.caption)
    assert "少于 3 户的数量显示为“<3”" in captions and "共 2 轮评估" in captions


def test_the_earlier_round_by_region_hides_what_subtraction_would_give_away(rounds_store):
    at = run_app(PAGE, params={"lang": "en"})
    at.selectbox(key="hh_second").set_value("R1").run()
    assert not at.exception
    # One round chosen twice is shown once, with no change column.
    assert list(_table(at, "Need area").columns) == ["Need area", "R1 with the need",
                                                     "R1 households assessed"]
    regions = _table(at, "Region")
    protection = dict(zip(regions["Region"], regions["Protection"]))
    # Guangdong's 2 is under 3; Hubei's 5 would give it away from the total of 7.
    assert protection == {"Hubei": "x", "Guangdong": "<3"}
    at.radio(key="hh_level").set_value("prefecture").run()
    regions = _table(at, "Region")
    assert set(regions["Region"]) == {"Wuhan", "Xiaogan", "Guangzhou"}
    assert "Indicators (R1)" in [s.value for s in at.subheader]
    indicators = _table(at, "Indicator")
    row = indicators[indicators["Indicator"] == "Medical insurance from the employer"].iloc[0]
    assert (row["Households counted"], row["Households asked"], row["Share"]) == ("<3", "7", "—")


def test_a_store_without_rounds_says_so(db):
    at = run_app(PAGE, params={"lang": "en"})
    assert not at.exception
    assert ("No assessment of families in difficulty yet. Once the organisations' caseworkers "
            "enter assessments or import a round on the Casework page, this page shows the "
            "share of households with each need and how it shifts.") in [i.value for i in at.info]
    assert not at.dataframe


def test_a_broken_tool_file_is_said_not_raised(rounds_store, tmp_path, monkeypatch):
    broken = tmp_path / "tool.toml"
    broken.write_text('id = "t"\n', encoding="utf-8")
    monkeypatch.setenv("LIFELINE_ASSESSMENT_TOOL", str(broken))
    at = run_app(PAGE, params={"lang": "en"})
    assert not at.exception
    said = at.error[0].value  # the file's problems as text, never as markup
    assert said.startswith("The assessment tool file cannot be used: \n- `[scales]` is missing")
    assert "\n- `[areas]` is missing" in said  # every fault, one per line
    at = run_app(PAGE, params={"lang": "zh"})
    assert at.error[0].value.startswith("评估工具文件无法使用：\n- 缺少 `[scales]`")
    # What the file wrote is shown as text: a scale named like markup is escaped.
    broken.write_text('id = "t"\nzh = "工具"\nen = "Tool"\n[scales.s]\nvalues = [{ value = 0, zh = "无", '
                      'en = "none" }]\n[areas]\nscale = "**x**<b>"\nlist = [{ id = "food", zh = "食物", '
                      'en = "Food" }]\n', encoding="utf-8")
    at = run_app(PAGE, params={"lang": "zh"})
    assert at.error[0].value == ("评估工具文件无法使用：\n- `[areas]` 的 `scale` = "
                                 "\\'\\*\\*x\\*\\*\\<b\\>\\' 不在 `[scales]` 中")


def test_a_round_named_like_markup_reads_as_its_text(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "3")
    _orgs(db)
    hostile = "**R1**<img src=x>[a](javascript:alert(1))"
    lines = [line.replace(",R1,", f',"{hostile}",') for line in R1]
    assert rounds.import_round(db, "r1.csv", _file(lines), TOOL).committed
    at = run_app(PAGE, params={"lang": "en"})
    assert not at.exception
    heading = next(s.value for s in at.subheader if s.value.startswith("Indicators"))
    assert "\\*\\*R1\\*\\*\\<img" in heading and "](javascript" not in heading
    assert at.selectbox(key="hh_second").value == hostile  # the choice reads as typed


def test_the_cases_and_the_rounds_report(rounds_store):
    at = run_app(PAGE)
    assert not at.exception
    # The rounds opened twelve cases on 28 January; none closed, no cash aid yet.
    assert any(s.value.startswith("个案跟进情况（截至") for s in at.subheader)
    cards = {m.label: m.value for m in at.metric}
    assert (cards["未结案个案（户）"], cards["已解决（户）"], cards["现金救助总额"]) == ("12", "0", "—")
    cases = _table(at, "未结案（户）")
    assert list(cases["省"]) == ["湖北省", "广东省"] and list(cases["未结案（户）"]) == ["8", "4"]
    assert "本轮报告（R2）" in [s.value for s in at.subheader]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[-2:] == ["下载本轮报告（PDF）", "下载本轮报告（Markdown）"]


def test_a_case_closed_shows_at_the_next_run_without_turning_every_page_cold(rounds_store):
    """A caseworker's save moves the casework version, not the data version: the cases
    on this page follow at the next run, and every other cached result stays valid."""
    from datetime import date

    from dashboard.app import cache
    from data_loaders.households import cases

    at = run_app(PAGE)
    cards = {m.label: m.value for m in at.metric}
    assert (cards["未结案个案（户）"], cards["已解决（户）"]) == ("12", "0")
    path, data, casework = cache.db_keys()
    for household in ("H1", "H2", "H3"):
        assert cases.update_case(rounds_store, "ORG1", household, "resolved", date(2020, 3, 1),
                                 close_reason="已返城复工", today=date(2020, 3, 31)) == []
    after = cache.db_keys()
    assert after[:2] == (path, data) and int(after[2]) > int(casework)
    at.run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    # Three of Hubei's eight resolved: nine open in the network, three resolved.
    assert (cards["未结案个案（户）"], cards["已解决（户）"]) == ("9", "3")
    table = _table(at, "未结案（户）")
    assert list(table["未结案（户）"]) == ["5", "4"]
