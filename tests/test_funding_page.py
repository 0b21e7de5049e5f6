"""The Funding page under Streamlit's AppTest, on the hand-computed funding scenario."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import store
from tests.apptest import APP, assert_started_ahead_are_asked, frame_with, run_app
from tests.conftest import BOTH, analytics
from tests.test_funding import load

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "funding"


@pytest.fixture
def router():
    """The app's router (kept as a fixture so each test names what it runs)."""
    return APP


def run_funding(app: str, params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app(PAGE, params, state)



def _allocation(at: AppTest):
    return next(d.value for d in at.dataframe
                if {"分配金额（元）", "类别"} <= set(d.value.columns))


WIDE = {"as_of": "2020-02-15", "window": "28"}  # a look-back window reaching every delivery


def test_the_queries_started_ahead_are_the_ones_the_page_asks(db, monkeypatch):
    """The open needs, the overlaps (at the look-back the page shows), the pledges and
    the money per region and flow start together when the page opens."""
    load(db)
    assert_started_ahead_are_asked(monkeypatch, PAGE, WIDE, at_least=5)


def test_funding_page_in_chinese(db, router):
    load(db)
    at = run_funding(router, params=WIDE)
    assert at.title[0].value == "资金流向与重复捐赠"
    overlaps = frame_with(at, "供给机构")
    # Largest quantity on top first: 50 只 of 口罩 at 江汉医院, then 9 袋 of 米 at 幸福社区.
    assert list(overlaps["设施"]) == ["江汉医院", "幸福社区"]
    first = overlaps.iloc[0]
    # The item with its unit in one column, short headers (the full name is the tooltip).
    assert (first["供给机构"], first["类别"], first["物资（单位）"], first["多出"]) == (
        "乙公司、甲公司", "防护用品", "口罩（只）", 50.0)
    assert overlaps.iloc[1]["地区"] == "武汉市"
    assert not any(c in overlaps.columns for c in ("suppliers", "n_deliveries", "配送次数", "设施编号"))
    captions = " ".join(c.value for c in at.caption)
    assert "相隔不超过 7 天" in captions and "资助方 → 受资助方 → 地区" in captions
    assert "2020-01-19 至 2020-02-15（28 天）" in captions  # the window the chains stay in
    assert len(at.get("plotly_chart")) == 2  # the Sankey and the what-if ranking
    flows = frame_with(at, "资助笔数")
    # Money in 万元 from 10,000 on (150,000 元 = 15 万元); the funder and recipient ids
    # are in the download only.
    assert flows[["资助方", "受资助方", "地区", "金额（万元）"]].values.tolist() == [
        ["基金会一", "伙伴一", "武汉市", 15.0], ["企业二", "伙伴二", "孝感市", 4.0],
        ["企业二", "伙伴一", "孝感市", 2.0]]
    assert not {"资助方编号", "受资助方编号"} & set(flows.columns)
    regions = frame_with(at, "每万人金额（元）").set_index("地区")
    # 150,000 × 10,000 ÷ 12,326,518 residents = 121.69 元; 孝感: 60,000 ÷ 1 open need = 6 万元.
    assert regions.loc["武汉市", "每万人金额（元）"] == pytest.approx(121.69, abs=0.005)
    assert regions.loc["孝感市", "每项未满足需求金额（万元）"] == 6.0


def test_overlaps_stay_in_the_sidebar_window_and_the_top_ones_are_shown(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})  # the default window of 7 days
    assert "回看窗口（7 天）内没有重复捐赠。" in [i.value for i in at.info]
    at = run_funding(router, params={"as_of": "2020-02-15", "window": "14"})
    assert list(frame_with(at, "供给机构")["设施"]) == ["幸福社区"]  # 江汉医院's pair began 02-01


def test_funding_page_days_input_and_english(db, router):
    load(db)
    at = run_funding(router, params=WIDE, state={"lang": "en"})
    assert at.title[0].value == "Funding flows and duplicated donations"
    assert list(frame_with(at, "Suppliers")["Facility"]) == ["江汉医院", "幸福社区"]
    at.number_input(key="funding_days").set_value(4).run()
    assert not at.exception
    assert list(frame_with(at, "Suppliers")["Facility"]) == ["江汉医院"]  # 幸福社区's gaps are 5 days
    assert "at most 4 days" in " ".join(c.value for c in at.caption)


def _markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_where_to_direct_funds_and_what_if(db, router):
    # tests/test_funding.py's data at D: N3 (孝感, medicine, 50 asked, 5 delivered: share 0.9
    # × 5,000) = 4,500 to fund, G4 not started yet; N2 (武汉, food, share 1 × 3,000) = 3,000;
    # 武汉's ppe (8,000) is paid for by G1 + G2 (150,000). G6 (长沙) cannot be placed.
    # Gap scores: N1 3 × 1 × (1 + ln 6) = 8.38, N2 2 × 1 × (1 + ln 4) = 4.77, N3 1 × 0.9 ×
    # (1 + ln 3) = 1.89: 武汉 13.15 / 12.33 M = 1.07 per million ranks before 孝感 0.44.
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    # One unit for the table's money: the 150,000 元 of active grants put it all in 万元.
    ranked = frame_with(at, "待资助（万元）")
    assert ranked[["排名", "地区", "类别", "待资助（万元）"]].values.tolist() == [
        [1, "武汉市", "防护用品", 0.0], [1, "武汉市", "食品", 0.3], [2, "孝感市", "药品", 0.45]]
    assert "估算成本（万元）" in ranked.columns and "在执行资助（万元）" in ranked.columns
    captions = " ".join(c.value for c in at.caption)
    assert "待资助 = max(估算成本 − 在执行资助, 0)" in captions
    assert "另有 1.00 万元在执行资助" in captions  # G6's 10,000 元, in 万元 from 10,000 on
    # Default budget: half of the 7,500 to fund, rounded to thousands = 4,000.
    assert at.number_input(key="whatif_budget").value == 4000.0
    # In ranking order (the default): 武汉's food gets its 3,000 in full, 孝感 the other 1,000.
    allocated = _allocation(at)
    shares = dict(zip(allocated["地区"] + allocated["类别"], allocated["分配金额（元）"]))
    assert shares == {"武汉市食品": 3000.0, "孝感市药品": 1000.0}
    assert "预算已全部分配：4,000 元。" in _markdown(at)
    ranks = frame_with(at, "分配后排名").set_index("地区")
    # Before is the gap ranking. After: 武汉 keeps its ppe gap (G1 pays, nothing arrived):
    # 8.38 / 12.33 M = 0.68; 孝感 1.89 × (1 − 1,000 / 4,500) / 4.27 M = 0.34.
    assert (ranks.loc["武汉市", "分配前排名"], ranks.loc["孝感市", "分配前排名"]) == (1, 2)
    assert (ranks.loc["武汉市", "分配后排名"], ranks.loc["孝感市", "分配后排名"]) == (1, 2)
    assert ranks.loc["武汉市", "分配后缺口"] == pytest.approx(0.68, abs=0.005)  # drawn as 0.68
    at.radio(key="whatif_rule_zh").set_value("proportional").run()
    # In proportion: 4,000 × 4,500/7,500 = 2,400 and 4,000 × 3,000/7,500 = 1,600.
    allocated = _allocation(at)
    shares = dict(zip(allocated["地区"] + allocated["类别"], allocated["分配金额（元）"]))
    assert shares == {"孝感市药品": 2400.0, "武汉市食品": 1600.0}
    assert "排名可能变化" in " ".join(c.value for c in at.caption)
    # More than everything costs: the rest stays, and the page says exactly why.
    at.number_input(key="whatif_budget").set_value(10_000.0).run()
    assert "2,500 元未分配" in _markdown(at)
    assert "食品、药品 中每项有成本估算的缺口都已足额资助（待资助合计 7,500 元）" in _markdown(at)
    at.multiselect(key="whatif_categories_zh").set_value([]).run()
    assert "**1.00 万元未分配**：没有选择投向类别。" in _markdown(at)


def test_the_hub_edits_a_cost_and_the_allocation_follows(db, router):
    from dashboard.access import audit

    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    costs = frame_with(at, "代表什么").set_index("类别")
    assert len(costs) == 12 and costs.loc["食品", "单项成本（元）"] == 3000.0
    at.selectbox(key="cost_category_zh").set_value("food").run()
    at.number_input(key="cost_value_food").set_value(4500.0).run()
    at.button(key="cost_save").click().run()
    assert not at.exception
    assert "食品 的单项成本由 3,000 元改为 4,500 元" in at.success[0].value
    ranked = frame_with(at, "待资助（元）").set_index(["地区", "类别"])
    assert ranked.loc[("武汉市", "食品"), "待资助（元）"] == 4500.0  # 1 whole need × 4,500
    assert frame_with(at, "代表什么").set_index("类别").loc["食品", "修改人"].startswith("local")
    [entry] = [e for e in audit.entries() if e["action"] == "need_costs"]
    assert (entry["category"], entry["before"], entry["after"]) == ("food", 3000.0, 4500.0)


def test_a_funder_sees_the_costs_but_may_not_change_them(db, router, tmp_path, monkeypatch):
    load(db)
    roles = tmp_path / "roles.toml"
    roles.write_text('[domains]\n"foundation.example" = "funder"\n', encoding="utf-8")
    monkeypatch.setenv("LIFELINE_AUTH", "oidc")
    monkeypatch.setenv("LIFELINE_ROLES", str(roles))
    at = run_app(PAGE, {"as_of": "2020-02-15"},
                 user={"is_logged_in": True, "email": "board@foundation.example"})
    assert len(frame_with(at, "代表什么")) == 12
    assert "只有枢纽角色可以修改单项成本。" in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "cost_save"]


def test_category_and_org_type_filters_are_kept_in_the_url(db, router):
    load(db)
    at = run_funding(router, params={**WIDE, "category": "food", "org_type": "company"})
    assert at.query_params["category"] == "food"
    flows = frame_with(at, "资助笔数")
    # Food grants from companies: G3 (企业二 → 伙伴二) and G5 (企业二 → 伙伴一, 孝感).
    assert set(flows["资助方"]) == {"企业二"} and set(flows["类别"]) == {"食品"}
    overlaps = frame_with(at, "供给机构")
    assert list(overlaps["设施"]) == ["幸福社区"]
    at.selectbox(key="category_zh").set_value("all").run()
    assert "category" not in at.query_params
    assert len(frame_with(at, "供给机构")) == 2


def test_funding_page_empty_store(db, router):
    at = run_funding(router)
    assert not at.exception


@pytest.fixture
def downloads(monkeypatch):
    """What each download button of the Funding page holds, by file name."""
    from dashboard.app import funding as ui

    held: dict[str, object] = {}
    # A download laid out when pressed (a function) is pressed here.
    monkeypatch.setattr(ui, "download", lambda frame, name, view, key, rows=None: held.__setitem__(
        name, frame() if callable(frame) else frame))
    return held


def test_tables_show_names_and_money_as_read_and_downloads_keep_ids_and_yuan(db, router, downloads,
                                                                           monkeypatch):
    from dashboard.analytics import funding

    load(db)
    monkeypatch.setattr(funding, "SHOWN_OVERLAPS", 1)  # one on screen, both in the download
    at = run_funding(router, params=WIDE)
    overlaps = frame_with(at, "供给机构")
    assert list(overlaps["设施"]) == ["江汉医院"]
    [every] = [f for name, f in downloads.items() if name.startswith("lifeline_overlaps_")]
    assert list(every["设施"]) == ["江汉医院", "幸福社区"]
    assert list(every.columns) == ["设施", "地区", "类别", "物资", "单位", "多出的数量", "数量合计",
                                   "供给机构数", "配送次数", "首次日期", "末次日期", "供给机构", "设施编号"]
    # Flows: 万元 on screen, yuan in the download, the funder and recipient ids last.
    flows = downloads["lifeline_funding_flows_2020-02-15.csv"]
    assert list(flows.columns) == ["资助方", "受资助方", "地区", "类别", "资助笔数", "金额（元）",
                                   "资助方编号", "受资助方编号"]
    assert flows["金额（元）"].tolist() == [150000.0, 40000.0, 20000.0]
    # The region's code is in the download, never on screen.
    assert "地区代码" not in frame_with(at, "待资助（元）").columns
    # The download holds every column in full, the ones left off the screen too.
    assert list(downloads["lifeline_direct_funds_2020-02-15.csv"].columns) == [
        "缺口排名", "地区", "类别", "未满足需求数", "紧急需求数", "未覆盖需求（折合项）", "单项成本（元）",
        "估算成本（元）", "在执行资助（元）", "待资助（元）", "每万人待资助（元）", "缺口得分", "地区代码"]
    # Where no need is open there is no amount per open need: unknown, not zero.
    regions = frame_with(at, "每万人金额（元）").set_index("地区")
    assert pd.isna(regions.loc["黄石市", "每项未满足需求金额（万元）"])


def test_costs_read_in_yuan_like_the_editor_even_above_ten_thousand(db, router):
    # A cost of 30,000 元 stays 30,000 in the table: the hub types a new cost in 元 below,
    # and a column in 万元 (3.00) beside an input in 元 invites a cost 10,000 times too small.
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    costs = frame_with(at, "代表什么").set_index("类别")
    assert costs["单项成本（元）"].max() >= 10_000
    assert costs.loc["食品", "单项成本（元）"] == 3000.0


def test_without_grants_the_region_table_says_so_instead_of_zeros(db, router):
    """Needs but no grant: the per-region money table would be all zeros; it is a sentence."""
    load(db)
    grants = analytics(db).execute("SELECT grant_id FROM grants").fetchall()
    store.retract(db, "grants", [g for (g,) in grants], why="a test of a store without grants")
    at = run_funding(router, params=WIDE)
    assert not at.exception
    assert "所选范围内没有资助记录，无从按地区比较金额；各地区的缺口见下方“资金应投向哪里”。" in [
        i.value for i in at.info]
    assert not [d for d in at.dataframe if "每万人金额（元）" in d.value.columns]
    assert frame_with(at, "待资助（元）").shape[0] > 0  # the ranking is still there
