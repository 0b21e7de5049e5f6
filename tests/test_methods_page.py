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
    assert list(dictionary.columns) == ["表", "名称", "文件中的表头", "类型", "必填", "允许取值", "HXL 标签", "说明"]
    # Names and words in Chinese; the spellings of the files in the columns that say so.
    row = dictionary[dictionary["文件中的表头"] == "date / report_date / 报告日期"].iloc[0]
    assert (row["表"], row["名称"], row["类型"], row["必填"]) == ("病例数", "日期", "日期", "是")
    assert "report_date" not in row["说明"]
    assert "facilities" not in set(dictionary["表"]) and "设施" in set(dictionary["表"])
    # The methods in Chinese, without the passages for developers.
    document = next(m.value for m in at.markdown if m.value.startswith("# "))
    assert document.startswith("# 方法说明：生命线中每个数字的含义")
    assert "dashboard/" not in document and "python -m" not in document


def test_methods_page_threshold_and_english(scenario_db):
    at = run_app(PAGE, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Data and methods"
    at.number_input(key="methods_threshold").set_value(10).run()
    assert not at.exception
    assert any('read "<10"' in c.value for c in at.caption)
    document = next(m.value for m in at.markdown if m.value.startswith("# "))
    assert document.startswith("# Methods: what every number in Lifeline means")
    assert "tests/test_metrics.py" not in document


def test_methods_page_empty_store_still_documents(db):
    at = run_app(PAGE)
    assert at.info and at.dataframe  # the dictionary needs no data
