"""The Data & methods page under Streamlit's AppTest, on the hand-computed scenario."""

from __future__ import annotations

import pandas as pd

from tests.apptest import run_app
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "methods"


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
    # The preview in two tabs (needs and deliveries, activity reports), then the
    # dictionary, one tab per table: names and words in Chinese, the spellings of the
    # files in the columns that say so.
    labels = [t.label for t in at.tabs]
    assert labels[:2] == ["需求与配送", "活动报告"] and {"设施", "病例数"} <= set(labels)
    assert "facilities" not in labels
    dictionary = pd.concat([d.value for d in at.dataframe[2:]])
    assert list(dictionary.columns) == ["名称", "说明", "类型", "必填", "文件中的表头", "允许取值",
                                        "HXL 标签"]
    row = dictionary[dictionary["文件中的表头"] == "date / report_date / 报告日期"].iloc[0]
    assert (row["名称"], row["类型"], row["必填"]) == ("日期", "日期", "是")
    assert "report_date" not in row["说明"]
    # The methods in Chinese, without the passages for developers.
    document = next(m.value for m in at.markdown if "\n## " in m.value)
    assert "## 时间：截至日期与回看窗口" in document and "## 数字的写法" in document
    assert "dashboard/" not in document and "python -m" not in document


def test_methods_page_threshold_and_english(scenario_db, monkeypatch):
    # The threshold is the hub's policy: the page says it and offers no way to change it.
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "10")
    run_app(PAGE, params={"as_of": "2020-02-15"})  # the Chinese page first, on the same data
    at = run_app(PAGE, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Data and methods"
    assert not at.exception and not at.number_input
    assert any('read "<10"' in c.value and "set once by the hub" in c.value for c in at.caption)
    document = next(m.value for m in at.markdown if "\n## " in m.value)
    assert "## Time: the as-of date and the window" in document
    assert "tests/test_metrics.py" not in document
    # The dictionary, laid out once per language for every session, in English here
    # (the Chinese one, laid out for the same data, is never shown instead).
    dictionary = pd.concat([d.value for d in at.dataframe[2:]])
    assert list(dictionary.columns)[:4] == ["Name", "Description", "Type", "Required"]
    assert "Facilities" in [tab.label for tab in at.tabs]


def test_methods_page_empty_store_still_documents(db):
    at = run_app(PAGE)
    assert at.info and at.dataframe  # the dictionary needs no data
