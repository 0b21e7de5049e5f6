"""The Coverage page under Streamlit's AppTest, on the hand-computed scenario."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.apptest import run_app
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "coverage"


def app(params: dict | None = None, state: dict | None = None) -> AppTest:
    return run_app(PAGE, params, state)


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_coverage_page_as_of_the_scenario_date(scenario_db):
    at = app(params={"as_of": "2020-02-15"})
    assert at.title[0].value == "覆盖情况"
    values = metric_values(at)
    # H1 of H1, H2, H3; none of C1, V1. Never reached: H2, H3, V1. Reached once: H1, C1.
    assert values["医院覆盖率"] == "33.3%"
    assert values["社区/村覆盖率"] == "0.0%"
    assert values["从未送达"] == "3" and values["仅送达一次"] == "2"
    assert values["未覆盖且紧急"] == "1"
    helps = {m.label: m.help for m in at.metric}  # the card's tooltip says what is counted
    assert helps["从未送达"] == "从未送达的医院与社区/村"
    # One tab per kind of facility, each table short enough to fit the page.
    assert [t.label for t in at.tabs] == ["医院", "社区/村"]
    areas = at.tabs[0].dataframe[0].value
    assert len(areas) == 17 and "地区" in areas.columns and "hospitals" not in areas.columns
    assert list(areas.columns) == ["地区", "设施数", "已覆盖", "覆盖率", "从未送达", "仅送达一次"]
    wuhan = areas[areas["地区"] == "武汉市"].iloc[0]
    assert wuhan["设施数"] == 2 and wuhan["已覆盖"] == 1 and wuhan["覆盖率"] == 50.0  # drawn 50.0%
    empty = areas[areas["地区"] == "黄石市"].iloc[0]
    assert pd.isna(empty["覆盖率"])  # drawn "—", never 0%
    assert at.tabs[0].dataframe[0].proto.placeholder == "—"
    urgent = at.dataframe[2].value
    assert list(urgent["设施"]) == ["王家湾村"] and urgent["地图"].iloc[0].startswith("map?region=420900")
    assert list(urgent["最近送达"]) == ["从未送达"]
    assert len(at.get("plotly_chart")) == 2
    burden = at.dataframe[3].value
    assert list(burden.loc[burden["服务不足"] == "是", "地区"]) == ["孝感市"]
    assert len(at.get("download_button")) == 4


def test_coverage_page_in_english_per_county_and_by_communities(scenario_db):
    at = app(params={"as_of": "2020-02-15", "region": "420900"}, state={"lang": "en"})
    assert at.title[0].value == "Coverage"
    hospitals, communities = (at.tabs[i].dataframe[0].value for i in (0, 1))
    assert "District / county" in communities.columns
    hanchuan = communities[communities["District / county"] == "Hanchuan"].iloc[0]
    assert hanchuan["Facilities"] == 1 and hanchuan["Never reached"] == 1
    unknown = hospitals[hospitals["District / county"] == "Xiaogan (county unknown)"].iloc[0]
    assert unknown["Facilities"] == 1
    at.radio(key="coverage_kind_en").set_value("community").run()
    assert not at.exception
    values = metric_values(at)
    assert values["Hospital coverage"] == "0.0%" and values["Uncovered, urgent"] == "1"


def test_coverage_page_on_an_empty_store(db):
    at = app()
    assert at.info  # says there is no data, draws nothing else
    assert not at.dataframe


def test_coverage_vs_burden_says_so_when_every_prefecture_has_the_same_coverage(scenario_db):
    """Before the scenario's first delivery every coverage is 0%: a scatter would pile the
    names on one vertical line; a sentence says it and the table keeps the burden."""
    at = app(params={"as_of": "2020-02-07"})
    assert not at.exception
    assert ("窗口内每个地市的覆盖率都是 0.0%，散点图无从比较覆盖；各地市的需求负担见下表。"
            in [i.value for i in at.info])
    assert len(at.get("plotly_chart")) == 1  # coverage over time only
    assert any("服务不足" in d.value.columns for d in at.dataframe)
