"""The Data & methods page under Streamlit's AppTest, on the hand-computed scenario."""

from __future__ import annotations

from tests.apptest import run_app

PAGE = "pages/methods.py"


def test_methods_page_in_chinese(scenario_db):
    at = run_app(PAGE, params={"as_of": "2020-02-15"})
    assert at.title[0].value == "数据与方法"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:3] == ["下载 CSV（含 HXL 标签行）", "下载 Parquet", "下载来源说明（JSON）"]
    preview = at.dataframe[0].value
    assert "date" not in preview.columns and "region_adcode" not in preview.columns
    assert "防护用品" in set(preview["类别"]) and "ppe" not in set(preview["类别"])
    # By default the days run from the data's first day (A2 and D2's dispatch, 02-01) to D.
    caption = next(c.value for c in at.caption if "每日 × 地市 × 类别" in c.value)
    assert "2020-02-01 至 2020-02-15" in caption and "“<5”" in caption
    dictionary = at.dataframe[1].value
    assert {"表", "列", "HXL 标签"} <= set(dictionary.columns)
    assert "facility_id" in set(dictionary["列"])
    assert any("Methods: what every number in Lifeline means" in m.value for m in at.markdown)


def test_methods_page_threshold_and_english(scenario_db):
    at = run_app(PAGE, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Data and methods"
    at.number_input(key="methods_threshold").set_value(10).run()
    assert not at.exception
    assert any('read "<10"' in c.value for c in at.caption)


def test_methods_page_empty_store_still_documents(db):
    at = run_app(PAGE)
    assert at.info and at.dataframe  # the dictionary needs no data
