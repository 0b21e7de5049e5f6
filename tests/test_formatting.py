"""How numbers read (dashboard.present.formatting), with answers worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard.present import formatting as f


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (7, "7"), (1234, "1,234"), (12_326_518, "12,326,518"), (-3, "−3"),
    (2.5, "2"), (3.5, "4"),  # Python rounds halves to even; counts are whole anyway
    (None, "—"), (float("nan"), "—"), (pd.NA, "—"),
])
def test_counts_have_thousands_separators_and_unknown_is_a_dash(value, text):
    assert f.count(value) == text


@pytest.mark.parametrize(("value", "shown", "in_file"), [
    (600.0, "600", "600"), (22_280.0, "22,280", "22280"), (2.5, "2.5", "2.5"),
    (1234.125, "1,234.12", "1234.12"), (0.25, "0.25", "0.25"), (None, "—", "—"),
])
def test_quantities_read_as_reported(value, shown, in_file):
    # A quantity is not a count: 2.5 吨 stays 2.5 (a count would round it to 2).
    assert f.quantity(value) == shown
    assert f.quantity(value, separators=False) == in_file


def test_a_missing_value_can_say_no_data():
    assert f.count(None, missing="无数据") == "无数据"
    assert f.percent(float("nan"), missing="no data") == "no data"


@pytest.mark.parametrize(("ratio", "text"), [
    (0.1342, "13.4%"), (0.1458, "14.6%"), (0, "0.0%"), (1, "100.0%"), (1 / 3, "33.3%"),
    (None, "—"),
])
def test_percentages_have_one_decimal(ratio, text):
    assert f.percent(ratio) == text


@pytest.mark.parametrize(("amount", "zh", "en"), [
    (0, "0 元", "CNY 0"),
    (8_500, "8,500 元", "CNY 8,500"),
    (9_999, "9,999 元", "CNY 9,999"),
    (10_000, "1.00 万元", "CNY 10,000"),
    (85_000, "8.50 万元", "CNY 85,000"),          # 85,000 / 10,000 = 8.5
    (105_701, "10.57 万元", "CNY 105,701"),       # 10.5701 → 10.57
    (999_999, "100.00 万元", "CNY 999,999"),      # below a million: two decimals
    (1_000_000, "100.0 万元", "CNY 1.00 million"),
    (10_570_100, "1,057.0 万元", "CNY 10.57 million"),  # 1,057.01 万; 10.5701 million
    (105_701_000, "10,570.1 万元", "CNY 105.70 million"),
    (-25_000, "−2.50 万元", "CNY −25,000"),
])
def test_money_reads_in_yuan_or_wan_yuan(amount, zh, en):
    assert f.money(amount, "zh") == zh
    assert f.money(amount, "en") == en


@pytest.mark.parametrize(("value", "text"), [
    (date(2020, 2, 3), "2020-02-03"),
    (datetime(2020, 2, 3, 0, 0), "2020-02-03"),
    (pd.Timestamp("2020-02-03 00:00:00"), "2020-02-03"),
    (pd.NaT, "—"), (None, "—"),
])
def test_dates_never_carry_a_time(value, text):
    assert f.day(value) == text


def test_a_change_is_computed_from_the_unrounded_values():
    # 13.42% and 14.58% are shown as 13.4% and 14.6%; the change is −1.16 points → −1.2,
    # not the −1 of "13% vs 15%" nor a change of rounded values.
    assert f.change(0.1342, 0.1458, f.RATIO, "en") == "−1.2 pp"
    assert f.change(0.1342, 0.1458, f.RATIO, "zh") == "−1.2 个百分点"
    # 0.1300 − 0.1296 = 0.0004 → 0.04 points, which one decimal cannot tell from no change
    assert f.change(0.1300, 0.1296, f.RATIO, "en") == "±0 pp"
    # 0.1304 − 0.1296 = 0.0008 → 0.08 points → +0.1 (shown 13.0% and 13.0%: the change
    # is the truth, the shown values are rounded)
    assert f.change(0.1304, 0.1296, f.RATIO, "en") == "+0.1 pp"
    assert f.change(12, 9, f.COUNT, "en") == "+3"
    assert f.change(1_200, 1_235, f.COUNT, "en") == "−35"
    assert f.change(5, 5, f.COUNT, "en") == "±0"
    assert f.change(0.74, 0.70, f.RATE, "en") == "+0.04"
    assert f.change(125_000, 100_000, f.MONEY, "zh") == "+2.50 万元"
    assert f.change(None, 3, f.COUNT, "en") is None


@pytest.mark.parametrize(("name", "now", "before", "verdict", "colour"), [
    ("open_needs", 10, 12, "better", "inverse"),          # fewer open needs: better
    ("urgent_open_needs", 5, 3, "worse", "inverse"),
    ("overdue_deliveries", 2, 1, "worse", "inverse"),
    ("stale_partners", 4, 6, "better", "inverse"),
    ("silent_partners", 1, 0, "worse", "inverse"),
    ("hospital_coverage", 0.12, 0.15, "worse", "normal"),  # falling coverage is worse (red)
    ("community_coverage", 0.30, 0.20, "better", "normal"),
    ("active_partners", 8, 9, "worse", "normal"),
    ("open_needs", 7, 7, "same", "inverse"),
    ("population", 2, 1, None, "off"),                     # context: neither
    ("hospital_coverage", None, 0.1, None, "normal"),      # unknown: no verdict
])
def test_each_measure_knows_which_way_is_better(name, now, before, verdict, colour):
    assert f.verdict(name, now, before) == verdict
    assert f.delta_color(name) == colour


def test_a_measure_formats_by_its_kind():
    assert f.value("hospital_coverage", 0.3125, "en") == "31.2%"  # 31.25 rounds to even
    assert f.value("open_needs_per_10k", 2.2246, "en") == "2.22"
    assert f.value("open_needs", 2742, "en") == "2,742"
    assert f.value("community_coverage", None, "zh", missing="无数据") == "无数据"


def test_the_core_never_imports_streamlit():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(f))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name and name.startswith("streamlit") for name in imported)
