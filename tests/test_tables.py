"""Tables as people read them (dashboard.app.tables.layout), without a browser."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.app.components import CONTEXT, RANKED
from dashboard.app.tables import (
    CODE,
    CODE_HELP_KEY,
    COUNT,
    DATE,
    ID,
    MONEY,
    NAME,
    PERCENT,
    TABLE_WIDTH,
    TEXT,
    Col,
    layout,
    text_width,
)
from dashboard.i18n import region_label, t
from geo.regions import load_registry


def test_text_width_counts_chinese_characters_double():
    assert text_width("武汉市") == 42 and text_width("Wuhan") == 35
    assert text_width("恩施土家族苗族自治州") > text_width("Enshi")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ranking_fits_a_1440_pixel_screen_in_both_languages(lang):
    # Every prefecture, each name with "（无数据）", figures as wide as they get in Hubei.
    regions = load_registry().prefectures()
    widest = {COUNT: 12_326.0, PERCENT: 0.631, "decimal": 149.64}
    frame = pd.DataFrame({
        "rank": range(1, len(regions) + 1),
        "region": [region_label(r.name, r.name_en, lang) + "（无数据）" for r in regions],
        **{name: [widest[kind]] * len(regions) for name, kind in RANKED.items()},
    })
    columns = [Col("rank", COUNT, header=t("metric.rank", lang)),
               Col("region", NAME, header=t("metric.region", lang)),
               *(Col(name, kind, header=t(f"metric.short.{name}", lang)) for name, kind in RANKED.items())]
    table = layout(frame, lang, columns)
    assert table.width <= TABLE_WIDTH, [(c.header, c.width) for c in table.columns]
    # No number is cut: every figure column is wider than its widest figure.
    shown = {"%,.0f": "12,326", "%.1f%%": "63.1%", "%,.2f": "149.64"}
    for column in table.columns[2:]:
        assert column.width >= text_width(shown[column.format]) + 16, column
    # The rank and the name stay in sight when the table scrolls sideways on a phone.
    assert [c.pinned for c in table.columns[:3]] == [True, True, False]
    assert set(CONTEXT) <= {"confirmed_cum", "population"}


def test_ids_never_on_screen_and_last_in_the_download():
    frame = pd.DataFrame({"need_id": ["NEED-1", "NEED-2"], "name": ["甲医院", "乙医院"],
                          "open_needs": [3, 1]})
    table = layout(frame, "zh", [Col("need_id", ID, header="需求编号"), Col("name", NAME, header="设施"),
                                 Col("open_needs", COUNT, header="未满足需求")])
    assert list(table.shown.columns) == ["设施", "未满足需求"]
    assert list(table.download.columns) == ["设施", "未满足需求", "需求编号"]
    assert list(table.download["需求编号"]) == ["NEED-1", "NEED-2"]


def test_money_reads_in_wan_yuan_in_chinese_and_in_yuan_in_english_and_downloads_in_yuan():
    frame = pd.DataFrame({"who": ["甲", "乙"], "amount": [105_701_000.0, 8_500.0]})
    zh = layout(frame, "zh", [Col("who", NAME, header="资助方"), Col("amount", MONEY, header="金额（元）")])
    money = zh.columns[1]
    assert money.header == "金额（万元）" and money.format == "%,.1f"  # above a million: one decimal
    assert list(zh.shown["金额（万元）"]) == [10_570.1, 0.85]
    assert list(zh.download["金额（元）"]) == [105_701_000.0, 8_500.0]
    small = layout(frame.assign(amount=[9_000.0, 500.0]), "zh", [Col("amount", MONEY, header="金额")])
    assert small.columns[0].header == "金额（元）" and small.columns[0].format == "%,.0f"
    middle = layout(frame.assign(amount=[85_000.0, 500.0]), "zh", [Col("amount", MONEY, header="金额")])
    assert middle.columns[0].format == "%,.2f"  # 8.50 万元: below a million, two decimals
    en = layout(frame, "en", [Col("amount", MONEY, header="Amount (CNY)")])
    assert en.columns[0].header == "Amount (CNY)" and en.columns[0].format == "%,.0f"
    assert list(en.shown["Amount (CNY)"]) == [105_701_000.0, 8_500.0]
    # One unit for the money of one table: a column of small sums follows the large one.
    both = layout(frame.assign(grants=[0.0, 900.0]), "zh",
                  [Col("amount", MONEY, header="估算成本"), Col("grants", MONEY, header="在执行资助")])
    assert [c.header for c in both.columns] == ["估算成本（万元）", "在执行资助（万元）"]
    assert list(both.shown["在执行资助（万元）"]) == [0.0, 0.09]
    assert list(both.download["在执行资助（元）"]) == [0.0, 900.0]


def test_percentages_dates_and_missing_values():
    frame = pd.DataFrame({
        "area": ["武汉市", "黄石市"], "coverage": [0.3125, None],
        "day": [pd.Timestamp("2020-02-03 00:00:00"), pd.NaT], "note": ["", None],
    })
    table = layout(frame, "zh", [Col("area", NAME, header="地区"), Col("coverage", PERCENT, header="覆盖率"),
                                 Col("day", DATE, header="日期"), Col("note", TEXT, header="说明")])
    assert table.columns[1].format == "%.1f%%"
    assert table.shown["覆盖率"].iloc[0] == 31.25 and pd.isna(table.shown["覆盖率"].iloc[1])
    assert list(table.shown["日期"]) == [date(2020, 2, 3), None]  # a date, never a datetime
    assert list(table.download["日期"]) == ["2020-02-03", ""]
    assert list(table.download["覆盖率 (%)"])[0] == 31.25
    assert list(table.shown["说明"]) == [None, None]  # empty text is unknown, drawn "—"


def test_code_columns_say_they_are_spelled_as_in_the_files_and_long_headers_get_a_tooltip():
    frame = pd.DataFrame({"column": ["facility_id"], "n": [1]})
    table = layout(frame, "zh", [Col("column", CODE, header="文件中的表头"),
                                 Col("n", COUNT, header="一个长得放不进一列数字的表头名称")])
    assert table.columns[0].help == t(CODE_HELP_KEY, "zh")
    assert table.columns[1].help == "一个长得放不进一列数字的表头名称"


def test_an_unknown_kind_or_a_repeated_header_is_refused():
    frame = pd.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="kind"):
        layout(frame, "zh", [Col("a", "amount")])
    with pytest.raises(ValueError, match="header"):
        layout(frame, "zh", [Col("a", COUNT, header="同名"), Col("b", COUNT, header="同名")])


def test_figures_under_long_headers_give_up_header_room_before_the_table_clips():
    # Nine figures under 30-character headers: 9 × 150 px would not fit 960 px. Each gives
    # up the room its header wants, down to what its figure needs; the header is its tooltip.
    header = "Open needs per 10,000 residents"
    frame = pd.DataFrame({f"c{i}": [12_326_518.0] for i in range(9)})
    table = layout(frame, "en", [Col(f"c{i}", COUNT, header=f"{header} {i}") for i in range(9)])
    assert table.width <= TABLE_WIDTH
    for column in table.columns:
        assert column.width >= text_width("12,326,518") + 18 and column.help == column.header


def test_a_laid_out_table_is_converted_for_the_browser_once_and_reads_back_the_same():
    import pyarrow as pa

    from dashboard.app.tables import _for_browser

    frame = pd.DataFrame({"facility_name": ["武汉市第一医院", None], "quantity": [1200.5, 3.0],
                          "needed_on": [date(2020, 2, 3), None]})
    table = layout(frame, "zh", {"facility_name": NAME, "quantity": COUNT, "needed_on": DATE},
                   "needs.col")
    arrow = _for_browser(table)
    assert isinstance(arrow, pa.Table) and _for_browser(table) is arrow  # once per table
    back = arrow.to_pandas()
    assert list(back.columns) == list(table.shown.columns)
    assert back.astype(object).where(back.notna(), None).values.tolist() == \
        table.shown.astype(object).where(table.shown.notna(), None).values.tolist()
    # A column Arrow refuses (numbers and words mixed) goes as the frame: Streamlit repairs it.
    mixed = layout(pd.DataFrame({"item": ["口罩", 3]}), "zh", {"item": TEXT}, "needs.col")
    mixed.shown[mixed.shown.columns[0]] = pd.Series(["口罩", 3], dtype=object)
    assert _for_browser(mixed) is mixed.shown
