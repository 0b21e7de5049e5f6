"""The maps under AppTest (issue 12): colour classes kept in the URL and shared by the
pages, the Map page's legend, county names after drilling and the way back."""

from __future__ import annotations

import json

from dashboard.app.frame import open_page
from tests.apptest import run_app
from tests.conftest import BOTH
from tests.test_ui_text import problems

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL


def _figure(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _colour_bar(at) -> dict:
    return next(t for t in _figure(at)["data"] if t.get("name") == "legend")["marker"]["colorbar"]


def _deck(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def _names_on_map(at) -> set[str]:
    layer = next(layer for layer in _deck(at)["layers"] if layer["@@type"] == "TextLayer")
    return {d["t"] for d in layer["data"]}


def test_overview_classes_control_changes_the_map_and_is_kept_in_the_url(scenario_db):
    at = run_app(params={"as_of": "2020-02-15"})
    control = at.button_group(key="classes_overview_zh")
    assert control.value == "quantile" and "classes" not in at.query_params
    assert control.options == ["分位数", "线性"]
    assert _colour_bar(at)["tickmode"] == "array"  # class edges as the ticks
    control.set_value("linear").run()
    assert at.query_params["classes"] == "linear"
    assert "tickmode" not in _colour_bar(at)  # a continuous scale from 0
    # A link with the choice opens the same map.
    again = run_app(params={"as_of": "2020-02-15", "classes": "linear"})
    assert again.button_group(key="classes_overview_zh").value == "linear"
    assert json.loads(again.get("plotly_chart")[0].proto.spec)["data"] == _figure(at)["data"]


def test_classes_follow_the_session_to_the_map_page_and_its_legend(scenario_db):
    at = run_app(params={"as_of": "2020-02-15"})
    at.button_group(key="classes_overview_zh").set_value("linear").run()
    open_page(at, "map").run()
    assert not at.exception
    assert at.button_group(key="classes_map_zh").value == "linear"
    legend = next(h.proto.body for h in at.get("html") if "lifeline-legend" in h.proto.body)
    # The shading (the metric with its unit, 0 to the largest), the points and hubs.
    for text in ("未满足需求（条）", "无数据", "紧急需求", "未覆盖", "已覆盖", "枢纽"):
        assert text in legend, text
    assert "分位数" not in legend


def test_map_names_the_regions_and_after_drilling_the_counties(scenario_db):
    at = run_app("map", params={"as_of": "2020-02-15"})
    assert {"武汉", "恩施", "十堰"} <= _names_on_map(at)
    assert not any(b.key == "map_back" for b in at.button)  # nowhere to go back to
    at.selectbox(key="region_zh").set_value("420100").run()
    assert {"江岸", "江汉", "黄陂"} & _names_on_map(at)
    assert "武汉" not in _names_on_map(at)
    table = at.dataframe[0].value
    assert "江岸区" in set(table["区县"])  # and the county table names them in full


def test_the_county_table_reads_as_written_for_a_person(scenario_db):
    # 孝感: seven counties and a row for H3, whose county is not known.
    at = run_app("map", params={"as_of": "2020-02-15", "region": "420900", "lang": "en"})
    node = at.dataframe[0]
    config = json.loads(node.proto.columns)
    assert list(node.value.columns) == ["District / county", "Facilities", "Facilities covered", "Open needs"]
    assert config["District / county"]["pinned"]  # the name stays in sight on a phone
    for figure in ("Facilities", "Facilities covered", "Open needs"):
        assert config[figure]["type_config"]["format"] == "%,.0f", figure  # 12,345
    assert len(node.value) == 8 and node.value["Open needs"].sum() == 1  # V1's urgent need
    assert not problems(at, "en")


def test_back_control_returns_to_the_province(scenario_db):
    at = run_app("map", params={"as_of": "2020-02-15", "region": "420100"})
    back = next(b for b in at.button if b.key == "map_back")
    assert back.label == "← 返回全省"
    back.click().run()
    assert not at.exception
    assert "region" not in at.query_params
    assert at.selectbox(key="region_zh").value == "all"
    assert not any(b.key == "map_back" for b in at.button)
    assert {"武汉", "恩施"} <= _names_on_map(at)


def test_back_control_in_english(scenario_db):
    at = run_app("map", params={"lang": "en", "region": "420900"})
    assert next(b for b in at.button if b.key == "map_back").label == "← Back to the province"
