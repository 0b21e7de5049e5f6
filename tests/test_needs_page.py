"""The Needs page under Streamlit's AppTest, on the hand-computed needs scenario."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import run_app
from tests.test_needs import load


def run_needs(params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app("pages/needs.py", params, state)


def test_needs_page_in_chinese(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"})
    assert at.title[0].value == "未满足需求"
    # Counts only: 只, 盒 and 袋 are never one number. Uncovered: N1 0.3 + N2 0.3 + N4
    # 80/300 + N6 (no quantity, nothing moving) 1 = 1.87.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"未满足需求": "4", "其中紧急": "2", "未覆盖需求（折合条数）": "1.9",
                       "未报数量的需求": "1"}
    table = at.dataframe[0].value
    assert list(table["需求编号"]) == ["N1", "N4", "N2", "N6"]
    rows = table.set_index("需求编号")
    assert rows.loc["N1", "未满足"] == "600"
    assert (rows.loc["N6", "需求量"], rows.loc["N6", "未满足"]) == ("未报数量", "整项需求")  # never 0
    quantities = next(d.value for d in at.dataframe if "剩余（扣除在途）" in d.value.columns
                      and "物资" in d.value.columns and "地区" not in d.value.columns)
    assert quantities[["物资", "单位", "需求量", "未满足"]].values.tolist() == [
        ["面", "袋", 300, 180], ["药", "盒", 200, 200], ["口罩", "只", 1000, 600]]
    assert table.iloc[0]["紧急程度"] == "紧急" and table.iloc[0]["地区"] == "武汉市"
    assert not any(c in table.columns for c in ("need_id", "unmet", "in_transit"))
    captions = " ".join(c.value for c in at.caption)
    assert "紧急权重" in captions  # the gap formula is shown beside the ranking
    assert len(at.get("plotly_chart")) == 3  # ageing, mismatch, delays
    frames = [d.value for d in at.dataframe]
    late = next(f for f in frames if "晚到天数" in f.columns)
    assert late[["配送编号", "晚到天数"]].values.tolist() == [["D6", 5]]
    carriers = next(f for f in frames if "按时率（%）" in f.columns).set_index("执行机构")
    assert carriers.loc["快运", "按时率（%）"] == 33.3
    projection = next(f for f in frames if "预计天数" in f.columns)
    # One row per region × category × item × unit that gave a quantity (N6 gave none).
    assert sorted(projection["预计天数"]) == ["4.7", "5.2", "按当前速度无法满足"]


def test_needs_page_in_english(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Unmet needs"
    assert {m.label: m.value for m in at.metric}["Needs without a quantity"] == "1"
    table = at.dataframe[0].value
    assert "Unmet" in table.columns and table.iloc[0]["Priority"] == "Urgent"
    assert table.set_index("Need").loc["N6", "Unmet"] == "whole need"


def test_needs_page_dimension_and_gap_level(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    at.selectbox(key="needs_dimension_en").set_value("category").run()
    assert not at.exception
    by = next(d.value for d in at.dataframe if "Uncovered share (%)" in d.value.columns)
    assert by.set_index("Category").loc["Medicine", "Uncovered share (%)"] == 30.0  # 60 of 200
    at.radio(key="needs_gap_level_en").set_value("facility").run()
    assert not at.exception
    gap = next(d.value for d in at.dataframe if "Score" in d.value.columns)
    assert list(gap["Facility"]) == ["江汉医院", "王家湾村"] and list(gap["Rank"]) == [1, 2]


def test_needs_page_empty_store(db):
    at = run_needs()
    assert at.info and "还没有数据" in at.info[0].value


def test_needs_page_follows_the_region_filter(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15", "region": "420900"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["未满足需求"] == "2" and metrics["未报数量的需求"] == "1"  # N4 and N6 in 孝感
    assert set(at.dataframe[0].value["需求编号"]) == {"N4", "N6"}
    assert any("孝感市" in c.value for c in at.caption)
