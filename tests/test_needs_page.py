"""The Needs page under Streamlit's AppTest, on the hand-computed needs scenario."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics import needs
from dashboard.analytics.metrics import Scope
from dashboard.app import needs as ui
from dashboard.app.tables import TABLE_WIDTH, layout, text_width
from dashboard.i18n import t
from tests.apptest import assert_started_ahead_are_asked, frame_with, run_app
from tests.conftest import BOTH, analytics
from tests.test_needs import load

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

SCOPE = Scope(date(2020, 2, 15), 7)


def run_needs(params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app("needs", params, state)


def _config(at: AppTest, column: str) -> dict:
    """How the first table with a column headed ``column`` draws it."""
    node = next(d for d in at.dataframe if column in d.value.columns)
    return json.loads(node.proto.columns)[column]


def test_the_queries_started_ahead_are_the_ones_the_page_asks(db, monkeypatch):
    load(db)
    assert_started_ahead_are_asked(monkeypatch, "needs", {"as_of": "2020-02-15"}, at_least=5)


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
    # Urgent first, then oldest: N1 (江汉医院 口罩), N4, N2, N6. The facility is what a row
    # is about (first, pinned); need ids are in the download only.
    assert table.columns[0] == "设施" and _config(at, "设施")["pinned"]
    assert table[["设施", "物资"]].values.tolist() == [
        ["江汉医院", "口罩"], ["王家湾村", "面"], ["江汉医院", "药"], ["王家湾村", "手套"]]
    rows = table.set_index("物资")
    # Each quantity with its unit: 1000 requested, 400 delivered, 300 in transit, 600 unmet.
    assert rows.loc["口罩", ["需求量", "已送达", "在途", "未满足"]].tolist() == [
        "1,000只", "400只", "300只", "600只"]
    assert (rows.loc["手套", "需求量"], rows.loc["手套", "未满足"]) == ("未报数量", "整项需求")  # never 0
    assert _config(at, "需求量")["alignment"] == "right"  # figures line up, words or not
    assert rows.loc["口罩", "已开放天数"] == 5
    quantities = next(d.value for d in at.dataframe if "剩余（扣除在途）" in d.value.columns
                      and "物资" in d.value.columns and "地区" not in d.value.columns)
    assert quantities[["物资", "单位", "需求量", "未满足"]].values.tolist() == [
        ["面", "袋", 300, 180], ["药", "盒", 200, 200], ["口罩", "只", 1000, 600]]
    assert table.iloc[0]["紧急程度"] == "紧急" and table.iloc[0]["地区"] == "武汉市"
    assert not any(c in table.columns for c in ("need_id", "需求编号", "unmet", "in_transit"))
    captions = " ".join(c.value for c in at.caption)
    assert "紧急权重" in captions  # the gap formula is shown beside the ranking
    assert len(at.get("plotly_chart")) == 3  # ageing, mismatch, delays
    late = frame_with(at, "晚到天数")
    # D6 brought 30 条 of towels to 幸福社区 on 02-10, five days after N5 closed (02-05).
    assert late[["设施", "数量", "单位", "需求关闭日期", "送达日期", "晚到天数"]].values.tolist() == [
        ["幸福社区", 30, "条", date(2020, 2, 5), date(2020, 2, 10), 5]]
    assert "配送编号" not in late.columns and _config(at, "送达日期")["type_config"]["type"] == "date"
    carriers = frame_with(at, "按时率").set_index("执行机构")
    # 快运 delivered D1 on time, D5 and D6 late: one of three.
    assert carriers.loc["快运", "按时率"] == pytest.approx(100 / 3)
    assert _config(at, "按时率")["type_config"]["format"] == "%.1f%%"  # reads 33.3%
    projection = frame_with(at, "预计天数")
    # One row per region × category × item × unit that gave a quantity (N6 gave none).
    assert sorted(projection["预计天数"]) == ["4.7", "5.2", "按当前速度无法满足"]


def test_needs_page_in_english(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Unmet needs"
    assert {m.label: m.value for m in at.metric}["Needs without a quantity"] == "1"
    table = at.dataframe[0].value
    assert "Unmet" in table.columns and table.iloc[0]["Priority"] == "Urgent"
    assert table.set_index("Item").loc["手套", ["Requested", "Unmet"]].tolist() == ["not given", "whole need"]
    assert "Need ID" not in table.columns


def test_the_need_tables_download_holds_the_ids_last_and_plain_quantities(db):
    load(db)
    frame = ui.with_claims(needs.needs_at(analytics(db), SCOPE), pd.DataFrame(), "zh")
    data = ui.downloadable(frame, "zh", ui.NEED_DOWNLOAD,
                           lambda rows, screen: ui.whole_needs(rows, "zh", screen))
    assert list(data.columns[-2:]) == ["需求编号", "设施编号"]
    rows = data.set_index("需求编号")
    # For a file: the number as reported beside its unit, the report date as a day.
    assert rows.loc["N1", ["需求量", "单位", "未满足", "上报日期"]].tolist() == [
        "1000", "只", "600", "2020-02-10"]
    assert rows.loc["N6", ["需求量", "未满足"]].tolist() == ["未报数量", "整项需求"]
    assert rows.loc["N6", "设施编号"] == "V1"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_need_table_fits_a_1440_pixel_screen_with_the_widest_values(lang):
    # The longest prefecture and category, a long item and facility, a million 只.
    frame = pd.DataFrame({
        "facility_name": ["长治医学院附属和平医院驰援武汉医疗队（武汉大学人民医院东院）"],
        "region_adcode": ["422800"], "priority": ["urgent"], "category": ["daily_necessities"],
        "item": ["医用一次性防护服（符合 GB19082-2009）"], "unit": ["只"],
        "requested": [1_000_000.0], "delivered": [250_000.0], "in_transit": [120_000.0],
        "unmet": [750_000.0], "days_open": [19],
        "claimed": ["晴川携手公益基金会 至03-31；长江共济基金会 至04-02"]})
    table = layout(ui.whole_needs(frame, lang), lang, ui.NEED_COLUMNS, ui.PREFIX, ui._VALUE_COLUMNS)
    assert table.width <= TABLE_WIDTH, [(c.header, c.width) for c in table.columns]
    # No quantity is cut: each column is as wide as its quantity with its unit.
    for column in table.columns[4:8]:
        assert column.width >= text_width(table.shown[column.header].iloc[0]) + 16, column
    assert t("needs.col.facility_name", lang) == table.columns[0].header and table.columns[0].pinned


def test_needs_page_dimension_and_gap_level(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    at.selectbox(key="needs_dimension_en").set_value("category").run()
    assert not at.exception
    by = frame_with(at, "Uncovered share")
    assert by.set_index("Category").loc["Medicine", "Uncovered share"] == pytest.approx(30.0)  # 60 of 200
    assert _config(at, "Uncovered share")["type_config"]["format"] == "%.1f%%"
    at.radio(key="needs_gap_level_en").set_value("facility").run()
    assert not at.exception
    gap = frame_with(at, "Score")
    assert list(gap["Facility"]) == ["江汉医院", "王家湾村"] and list(gap["Rank"]) == [1, 2]
    assert "Facility ID" not in gap.columns


def test_needs_page_empty_store(db):
    at = run_needs()
    assert at.info and "还没有数据" in at.info[0].value


def test_needs_page_follows_the_region_filter(db):
    load(db)
    at = run_needs(params={"as_of": "2020-02-15", "region": "420900"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["未满足需求"] == "2" and metrics["未报数量的需求"] == "1"  # N4 and N6 in 孝感
    assert at.dataframe[0].value[["设施", "物资"]].values.tolist() == [
        ["王家湾村", "面"], ["王家湾村", "手套"]]
    assert any("孝感市" in c.value for c in at.caption)


def test_an_empty_table_is_said_in_words_and_days_read_as_dates(db):
    load(db)
    # On 02-09 no delivery had arrived after its need closed (D6 came on 02-10).
    at = run_needs(params={"as_of": "2020-02-09"})
    assert "截至该日期，没有在需求关闭后才送达的配送。" in [i.value for i in at.info]
    assert not any("晚到天数" in d.value.columns for d in at.dataframe)  # no grid reading "empty"
    mismatch = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                    if len(json.loads(c.proto.spec)["data"]) == 2)
    assert mismatch["layout"]["xaxis"]["tickformat"] == "%Y-%m-%d"  # not "Feb 9"


def test_the_laid_out_table_follows_the_category_and_the_language(db):
    # The screen's table is laid out once and kept for every session showing the same:
    # choosing a category or a language must never show the table kept for another.
    load(db)
    at = run_needs(params={"as_of": "2020-02-15"})
    every = needs.needs_at(analytics(db), SCOPE)
    assert at.dataframe[0].value["物资"].tolist() == ["口罩", "面", "药", "手套"]
    category = every.loc[every["item"] == "口罩", "category"].iloc[0]
    at.selectbox(key="needs_category_zh").set_value(category).run()
    assert at.dataframe[0].value["物资"].tolist() == every.loc[
        every["category"] == category, "item"].tolist()
    assert "口罩" in at.dataframe[0].value["物资"].tolist() and len(at.dataframe[0].value) < 4
    at.selectbox(key="needs_category_zh").set_value(None).run()
    assert at.dataframe[0].value["物资"].tolist() == ["口罩", "面", "药", "手套"]
    english = run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert english.dataframe[0].value.columns[0] == "Facility"
    assert english.dataframe[0].value["Item"].tolist() == ["口罩", "面", "药", "手套"]


def test_the_kept_charts_follow_the_language_the_date_and_the_region(db):
    # Each chart is built once and kept for every session showing the same: another
    # language, date or region must never be shown the figure kept for the first.
    load(db)

    def mismatch(at: AppTest) -> dict:
        return next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                    if len(json.loads(c.proto.spec)["data"]) == 2)

    chinese = mismatch(run_needs(params={"as_of": "2020-02-15"}))
    assert [trace["name"] for trace in chinese["data"]] == [
        t("needs.mismatch.hospital", "zh"), t("needs.mismatch.community", "zh")]
    english = mismatch(run_needs(params={"as_of": "2020-02-15"}, state={"lang": "en"}))
    assert [trace["name"] for trace in english["data"]] == [
        t("needs.mismatch.hospital", "en"), t("needs.mismatch.community", "en")]
    assert english["layout"]["xaxis"]["title"]["text"] == t("needs.mismatch.day", "en")
    earlier = mismatch(run_needs(params={"as_of": "2020-02-09"}))
    assert earlier["data"][0]["x"][-1] == "2020-02-09" != chinese["data"][0]["x"][-1]
    def shares(figure: dict) -> list[float]:  # plotly sends a series as typed bytes
        y = figure["data"][1]["y"]
        return list(np.frombuffer(base64.b64decode(y["bdata"]), y["dtype"]))

    region = mismatch(run_needs(params={"as_of": "2020-02-15", "region": "420900"}))
    every = needs.mismatch_over_time(analytics(db), SCOPE, region="420900")
    assert shares(region) == pytest.approx(list(every["community_open_share"] * 100), nan_ok=True)
    assert shares(region) != pytest.approx(shares(chinese), nan_ok=True)
