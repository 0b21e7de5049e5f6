"""Every page under Streamlit's AppTest, with its interactions, on a real store."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import frame_with, run_app
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL


def app(page: str | None = None, params: dict | None = None, state: dict | None = None) -> AppTest:
    """Run the app (see tests.apptest.run_app)."""
    return run_app(page, params, state)


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_in_chinese_by_default(scenario_db):
    at = app()
    assert at.title[0].value == "总览"
    values = metric_values(at)
    assert values["未满足需求"] == "3"  # as of the latest date 2020-02-20: N1, N4, N5
    assert values["医院覆盖率"] == "33.3%"  # H3 via D4 on 02-17: 1 of 3, one decimal
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert len(table) == 17 and "地区" in table.columns
    # Regions without data say so and show no figures: never a zero (the table draws "—").
    last = table.iloc[-1]
    assert last["地区"].endswith("（无数据）") and pd.isna(last["未满足需求"])
    assert at.dataframe[0].proto.placeholder == "—"
    assert "open_needs" not in table.columns  # no raw column names on screen


def test_overview_as_of_from_the_url_and_the_day_before(scenario_db):
    at = app(params={"as_of": "2020-02-15"})
    values = metric_values(at)
    assert values["未满足需求"] == "3" and values["逾期配送"] == "2"
    assert values["医院覆盖率"] == "33.3%"
    deltas = {m.label: m.delta for m in at.metric}
    # 02-14: N1, N7 and N3 open (N3 closes on 02-15); 02-15 adds N4 and closes N3.
    assert deltas["未满足需求"] == "±0"


@pytest.mark.parametrize(("as_of", "expected"), [
    # 02-14 → 02-15: community coverage falls from 1 of 2 to none (−50.0 points), urgent
    # open needs rise from 1 to 2, open needs stay at 3.
    ("2020-02-15", {"社区/村覆盖率": ("−50.0 个百分点", "RED", "DOWN"),
                    "紧急未满足需求": ("+1", "RED", "UP"), "未满足需求": ("±0", "GRAY", "NONE")}),
    # 02-16 → 02-17: hospital coverage rises from 1 of 3 to 2 of 3 (+33.3 points), one
    # overdue delivery fewer, one active partner fewer.
    ("2020-02-17", {"医院覆盖率": ("+33.3 个百分点", "GREEN", "UP"), "逾期配送": ("−1", "GREEN", "DOWN"),
                    "活跃一线机构": ("−1", "RED", "DOWN")}),
])
def test_headline_changes_are_green_when_better_and_red_when_worse(scenario_db, as_of, expected):
    from streamlit.proto.Metric_pb2 import Metric

    cards = {m.label: m.proto for m in app(params={"as_of": as_of}).metric}
    for label, (delta, colour, direction) in expected.items():
        card = cards[label]
        assert (card.delta, Metric.MetricColor.Name(card.color),
                Metric.MetricDirection.Name(card.direction)) == (delta, colour, direction), label


def test_overview_switches_to_english_and_keeps_it_in_the_url(scenario_db):
    at = app(state={"lang": "en"})
    assert at.sidebar.radio(key="lang").value == "en"
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"
    assert "Open needs" in metric_values(at)
    assert "Region" in at.dataframe[0].value.columns


def test_overview_metric_selector_reranks_the_table(scenario_db):
    from dashboard.i18n import t

    at = app(params={"as_of": "2020-02-15"})
    first = at.get("plotly_chart")[0].proto.spec
    at.selectbox(key="metric_zh").set_value("overdue_deliveries").run()
    # The map is drawn once per metric and kept: the new metric's map, not the one kept.
    spec = at.get("plotly_chart")[0].proto.spec
    shown = json.dumps(json.loads(spec), ensure_ascii=False)
    assert spec != first and t("metric.overdue_deliveries", "zh") in shown
    assert at.query_params["metric"] == "overdue_deliveries"
    table = at.dataframe[0].value
    assert set(table.iloc[:2]["地区"]) == {"武汉市", "孝感市"}
    assert at.subheader[0].value == "各地区排名（按逾期配送）"


def test_window_filter_is_kept_in_the_url(scenario_db):
    at = app(params={"as_of": "2020-02-15"}, state={"window": 14})
    assert at.query_params["window"] == "14"
    assert metric_values(at)["社区/村覆盖率"] == "50.0%"  # D2 to C1 now inside the window


@pytest.mark.parametrize("value, key", [("999999", "config.province.unknown"),
                                        ("420100", "config.province.unknown")])
def test_a_wrong_province_setting_is_said_on_the_page(scenario_db, monkeypatch, value, key):
    """A server set up for no province (a prefecture's code, a made-up one) says so in
    the reader's language and who can fix it; the setting's name stays in the log."""
    from dashboard.i18n import t

    monkeypatch.setenv("LIFELINE_PROVINCE", value)
    for lang in ("zh", "en"):
        at = app(params={"lang": lang})
        assert not at.exception
        assert [e.value for e in at.error] == [t(key, lang, value=value)]
        assert "LIFELINE_PROVINCE" not in at.error[0].value
        assert not at.metric  # no page was drawn


def test_empty_store_says_what_to_do(db):
    at = app()
    assert at.info[0].value.startswith("还没有数据。请在“数据”页导入文件")
    assert "python" not in at.info[0].value  # a person is told what to do, not a command
    assert at.sidebar.info[0].value == "数据库中还没有数据。"


def test_map_page_draws_and_drills_down(scenario_db):
    at = app("map", params={"as_of": "2020-02-15"})
    assert at.title[0].value == "地图"
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    at.selectbox(key="region_zh").set_value("420100").run()
    assert not at.exception
    assert at.query_params["region"] == "420100"
    table = at.dataframe[0].value
    # 13 districts, and H2, C1 and W1, whose district is not known, on a row of their own.
    assert len(table) == 14 and "江汉区" in set(table.iloc[:, 0])
    assert table.iloc[-1, :2].tolist() == ["武汉市（区县不详）", 3]


def test_url_parameters_restore_the_view(scenario_db):
    at = app(params={"lang": "en", "as_of": "2020-02-15", "window": "14", "metric": "active_orgs"})
    assert at.sidebar.radio(key="lang").value == "en"
    assert str(at.sidebar.date_input(key="as_of").value) == "2020-02-15"
    assert at.sidebar.select_slider(key="window").value == 14
    assert at.selectbox(key="metric_en").value == "active_orgs"


def test_map_region_from_the_url(scenario_db):
    at = app("map", params={"region": "420900"})
    assert at.selectbox(key="region_zh").value == "420900"


def test_data_page_lists_counts_history_and_template(scenario_db):
    at = app("data")
    assert at.title[0].value == "数据"
    assert [t.label for t in at.tabs] == ["① 上传与导入", "② 待确认匹配", "③ 隔离区", "④ 导入记录",
                                          "⑤ 模板说明"]
    counts = frame_with(at, "行数")
    assert list(counts["行数"]) == [6, 6, 7, 7, 1, 3, 0, 0]  # no pledge, no case count
    history = frame_with(at, "导入时间（UTC）")
    assert "facilities.csv" in set(history["文件"])
    assert "文件校验码" in history.columns
    assert len(at.tabs[4].expander) == 8  # one per table


def test_sidebar_interaction_survives_a_rerun(scenario_db):
    # Every run goes through the router, so the sidebar is still there after a rerun.
    at = app(params={"as_of": "2020-02-15"})
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    at.sidebar.select_slider(key="window").set_value(14).run()
    assert at.query_params["window"] == "14"
    assert {m.label: m.value for m in at.metric}["Community coverage"] == "50.0%"


def test_data_page_upload_shows_the_report_and_writes_nothing(scenario_db):
    at = app("data")
    bad = "facility_id,name,facility_type,region\nX1,<b>医院</b>,hospital,大治市\n".encode()
    at.file_uploader[0].set_value([("facilities.csv", bad, "text/csv")]).run()
    assert not at.exception
    recognised = frame_with(at, "识别为")
    assert list(recognised.iloc[0]) == ["facilities.csv", "模板", "可以检查"]
    assert at.error[0].value == "发现 1 个问题，未写入任何数据。"
    report = frame_with(at, "问题")
    assert list(report.iloc[0][["行", "列", "值", "问题"]]) == ["2", "地区", "大治市", "未知地区"]
    assert "文件" not in report.columns  # one file: the download keeps its name
    assert "大冶市" in report.iloc[0]["建议"]
    # The problem is the second column: in sight without scrolling sideways.
    assert list(report.columns[:2]) == ["行", "问题"]
    assert [b.label for b in at.button] == []  # nothing to import
    assert list(frame_with(at, "行数")["行数"])[1] == 6  # facilities unchanged


def test_data_page_upload_then_import(scenario_db):
    at = app("data")
    good = "org_id,name,org_type,region\nNEW1,新机构,一线机构,武汉\n".encode()
    at.file_uploader[0].set_value([("organizations.csv", good, "text/csv")]).run()
    assert at.success[0].value == "检查通过。将写入：机构 1 行"
    at.button(key="import_0").click().run()
    assert not at.exception
    assert at.success[0].value == "已导入：机构 1 行"
    assert list(frame_with(at, "行数")["行数"])[0] == 7
    assert "organizations.csv" in set(frame_with(at, "导入时间（UTC）")["文件"])


def test_data_page_accept_valid_quarantines_and_discards(scenario_db):
    at = app("data")
    mixed = ("facility_id,name,facility_type,region\nN1,新医院,hospital,武汉\n"
             "N2,坏地区医院,hospital,大治市\n").encode()
    at.file_uploader[0].set_value([("facilities.csv", mixed, "text/csv")]).run()
    at.checkbox(key="import_accept_valid").check().run()
    assert at.warning[0].value == "将写入：设施 1 行；1 行将放入隔离区。"
    assert at.button(key="import_0").label == "导入有效行，隔离其余"
    at.button(key="import_0").click().run()
    assert not at.exception
    assert at.success[0].value == "已导入：设施 1 行、1 行放入隔离区"
    assert "隔离区" in [h.value for h in at.subheader]
    editor = at.get("arrow_data_frame") or at.dataframe
    assert "大治市" in set(editor[0].value["region"])
    # The reason names the column by its header, never by its schema name.
    assert editor[0].value["⚠"].iloc[0].startswith("地区：未知地区")
    at.button(key="discard_facilities").click().run()
    assert "隔离区是空的。" in [c.value for c in at.caption]


def test_a_store_another_process_holds_says_so_on_the_page(busy_store, monkeypatch):
    monkeypatch.setenv("LIFELINE_DB", str(busy_store))
    at = app("needs")
    assert [i.value for i in at.info] == ["数据正在导入（另一个程序占用着数据库），请稍后刷新页面。"]
