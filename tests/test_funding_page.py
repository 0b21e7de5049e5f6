"""The Funding page under Streamlit's AppTest, on the hand-computed funding scenario."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, frame_with, run_app
from tests.test_funding import load

PAGE = "pages/funding.py"


@pytest.fixture
def router():
    """The app's router (kept as a fixture so each test names what it runs)."""
    return APP


def run_funding(app: str, params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app(PAGE, params, state)



def _allocation(at: AppTest):
    return next(d.value for d in at.dataframe
                if {"分配金额（元）", "类别"} <= set(d.value.columns))


def test_funding_page_in_chinese(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    assert at.title[0].value == "资金流向与重复捐赠"
    overlaps = frame_with(at, "供给机构")
    assert list(overlaps["设施"]) == ["幸福社区", "江汉医院"]
    assert overlaps.iloc[1]["供给机构"] == "乙公司、甲公司" and overlaps.iloc[1]["类别"] == "防护用品"
    assert overlaps.iloc[0]["单位"] == "箱、袋" and overlaps.iloc[0]["地区"] == "武汉市"
    assert not any(c in overlaps.columns for c in ("suppliers", "n_deliveries"))
    captions = " ".join(c.value for c in at.caption)
    assert "相隔不超过 7 天" in captions and "资助方 → 受资助方 → 地区" in captions
    assert len(at.get("plotly_chart")) == 2  # the Sankey and the what-if ranking
    flows = frame_with(at, "资助笔数")
    assert flows[["资助方", "受资助方", "地区", "金额（元）"]].values.tolist() == [
        ["基金会一", "伙伴一", "武汉市", 150000.0], ["企业二", "伙伴二", "孝感市", 40000.0],
        ["企业二", "伙伴一", "孝感市", 20000.0]]
    regions = frame_with(at, "每万人金额（元）").set_index("地区")
    assert regions.loc["武汉市", "每万人金额（元）"] == 121.69
    assert regions.loc["孝感市", "每项未满足需求金额（元）"] == 60000.0


def test_funding_page_days_input_and_english(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Funding flows and duplicated donations"
    assert list(frame_with(at, "Suppliers")["Facility"]) == ["幸福社区", "江汉医院"]
    at.number_input(key="funding_days").set_value(14).run()
    assert not at.exception
    assert list(frame_with(at, "Suppliers")["Facility"]) == ["幸福社区", "江汉医院", "汉川医院"]
    assert "at most 14 days" in " ".join(c.value for c in at.caption)


def test_where_to_direct_funds_and_what_if(db, router):
    # tests/test_funding.py's data at D: N3 (孝感, medicine, 50 asked, 5 delivered: share 0.9
    # × 5,000) = 4,500 to fund, G4 not started yet; N2 (武汉, food, share 1 × 3,000) = 3,000;
    # 武汉's ppe (8,000) is paid for by G1 + G2 (150,000). G6 (长沙) cannot be placed.
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    ranked = frame_with(at, "待资助（元）")
    assert ranked[["地区", "类别", "待资助（元）"]].values.tolist() == [
        ["孝感市", "药品", 4500.0], ["武汉市", "食品", 3000.0], ["武汉市", "防护用品", 0.0]]
    captions = " ".join(c.value for c in at.caption)
    assert "待资助 = max(估算成本 − 在执行资助, 0)" in captions
    assert "另有 10,000 元" in captions
    # Default budget: half of the 7,500 to fund, rounded to thousands = 4,000.
    assert at.number_input(key="whatif_budget").value == 4000.0
    # Largest gap left first (the default): 武汉 food (2.77) gets its 3,000 in full,
    # 孝感 medicine (0.99) the other 1,000.
    allocated = _allocation(at)
    shares = dict(zip(allocated["地区"] + allocated["类别"], allocated["分配金额（元）"]))
    assert shares == {"武汉市食品": 3000.0, "孝感市药品": 1000.0}
    ranks = frame_with(at, "分配后排名").set_index("地区")
    # Per million residents: 孝感 0.989 → 0.989 × 3,500/4,500, 武汉 2.773 → 0; so 孝感
    # (ranked 1st before: 0.2315 against 武汉's 0.2249) stays first and 武汉 drops to 2nd.
    assert ranks.loc["孝感市", "分配前排名"] == 1 and ranks.loc["武汉市", "分配后排名"] == 2
    assert ranks.loc["武汉市", "分配后缺口"] == 0.0
    at.radio(key="whatif_rule_zh").set_value("proportional").run()
    # In proportion: 4,000 × 4,500/7,500 = 2,400 and 4,000 × 3,000/7,500 = 1,600.
    allocated = _allocation(at)
    shares = dict(zip(allocated["地区"] + allocated["类别"], allocated["分配金额（元）"]))
    assert shares == {"孝感市药品": 2400.0, "武汉市食品": 1600.0}


def test_category_and_org_type_filters_are_kept_in_the_url(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15", "category": "food",
                                     "org_type": "company"})
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
