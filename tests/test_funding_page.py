"""The Funding page under Streamlit's AppTest, on the hand-computed funding scenario."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, run_app
from tests.test_funding import load

PAGE = "pages/funding.py"


@pytest.fixture
def router():
    """The app's router (kept as a fixture so each test names what it runs)."""
    return APP


def run_funding(app: str, params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app(PAGE, params, state)


def _frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_funding_page_in_chinese(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"})
    assert at.title[0].value == "资金流向与重复捐赠"
    overlaps = _frame_with(at, "供给机构")
    assert list(overlaps["设施"]) == ["幸福社区", "江汉医院"]
    assert overlaps.iloc[1]["供给机构"] == "乙公司、甲公司" and overlaps.iloc[1]["类别"] == "防护用品"
    assert overlaps.iloc[0]["单位"] == "箱、袋" and overlaps.iloc[0]["地区"] == "武汉市"
    assert not any(c in overlaps.columns for c in ("suppliers", "n_deliveries"))
    captions = " ".join(c.value for c in at.caption)
    assert "相隔不超过 7 天" in captions and "资助方 → 受资助方 → 地区" in captions
    assert len(at.get("plotly_chart")) == 1  # the Sankey
    flows = _frame_with(at, "资助笔数")
    assert flows[["资助方", "受资助方", "地区", "金额（元）"]].values.tolist() == [
        ["基金会一", "伙伴一", "武汉市", 150000.0], ["企业二", "伙伴二", "孝感市", 40000.0],
        ["企业二", "伙伴一", "孝感市", 20000.0]]
    regions = _frame_with(at, "每万人金额（元）").set_index("地区")
    assert regions.loc["武汉市", "每万人金额（元）"] == 121.69
    assert regions.loc["孝感市", "每项未满足需求金额（元）"] == 60000.0


def test_funding_page_days_input_and_english(db, router):
    load(db)
    at = run_funding(router, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Funding flows and duplicated donations"
    assert list(_frame_with(at, "Suppliers")["Facility"]) == ["幸福社区", "江汉医院"]
    at.number_input(key="funding_days").set_value(14).run()
    assert not at.exception
    assert list(_frame_with(at, "Suppliers")["Facility"]) == ["幸福社区", "江汉医院", "汉川医院"]
    assert "at most 14 days" in " ".join(c.value for c in at.caption)


def test_funding_page_empty_store(db, router):
    at = run_funding(router)
    assert not at.exception
