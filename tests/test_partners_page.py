"""The Partners page under Streamlit's AppTest, on the hand-computed scenario."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import frame_with, run_app
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL


@pytest.fixture
def run_partners():
    def run(params: dict | None = None, state: dict | None = None) -> AppTest:
        return run_app("partners", params, state)

    return run



def test_partners_page_in_chinese(scenario_db, run_partners):
    at = run_partners(params={"as_of": "2020-02-15"})
    assert at.title[0].value == "伙伴网络"
    metrics = {m.label: m.value for m in at.metric}
    # The Overview's two cards (same definition), then the stale partners by class.
    assert metrics == {"活跃一线机构": "2", "失联一线机构": "1", "待跟进": "0", "久无动态": "0",
                       "从未报告": "1",
                       # Reporting against schedules (tests/test_reporting.py, by hand).
                       "报告率": "12%", "已收到 / 应交报告": "2 / 16", "近期未报告": "2",
                       "有逾期": "0"}
    # The quietest first: P3 never seen, P2 five days (A3 02-10), P1 today (D7).
    table = frame_with(at, "动态状态")
    assert table[["机构名称", "动态状态", "最近动态"]].values.tolist() == [
        ["伙伴三", "从未报告", None], ["伙伴二", "近期有动态", date(2020, 2, 10)],
        ["伙伴一", "近期有动态", date(2020, 2, 15)]]
    assert list(table.columns[:3]) == ["机构名称", "无动态天数", "所属枢纽"]
    # P3 was never seen: no count of days, drawn as the table's "—" (never "None").
    days = table["无动态天数"].tolist()
    assert pd.isna(days[0]) and days[1:] == [5, 0]
    assert "机构编号" not in table.columns and "所属枢纽编号" not in table.columns
    assert [c.value for c in at.code] == [
        "【湖北枢纽】伙伴三 从未报告",  # freshness: no sign of work at all
        # against the schedule: P2 last filed 5 days ago, P3 never, P1's is due today
        "【湖北枢纽】伙伴二：最近一次活动报告在 5 天前，请今天提交。\n"
        "【湖北枢纽】伙伴三：还没有提交过活动报告，请今天提交。\n"
        "【湖北枢纽】伙伴一：今天应交报告。"]
    assert not any(c in table.columns for c in ("org_id", "freshness", "last_seen"))
    single = frame_with(at, "唯一的一线机构")
    assert len(single) == 16 and "武汉市" not in set(single["地区"])
    matrix = frame_with(at, "武汉市")
    assert matrix.set_index("机构名称").loc["伙伴二", "孝感市"] == 1
    captions = " ".join(c.value for c in at.caption)
    assert "失联一线机构" in captions and "截至 2020-02-15" in captions
    # The profile is chosen by name, never by id ("伙伴一", not "伙伴一 (P1)").
    choice = at.selectbox(key="partners_profile_zh")
    assert choice.options == ["伙伴三", "伙伴二", "伙伴一"]
    choice.set_value("P1").run()
    regions = frame_with(at, "窗口内活跃")
    assert regions["地区"].tolist() == ["武汉市"]  # P1 serves 武汉 only
    assert len(at.get("download_button")) >= 5


def test_partners_page_for_a_region(scenario_db, run_partners):
    # 孝感 (420900): its one partner is P2 (based there), active through A3 in 武汉; in
    # the window no partner worked in 孝感, so it is listed as a prefecture with none.
    at = run_partners(params={"as_of": "2020-02-15", "region": "420900"})
    assert {m.label: m.value for m in at.metric} == {
        "活跃一线机构": "1", "失联一线机构": "0", "待跟进": "0", "久无动态": "0", "从未报告": "0",
        "报告率": "14%", "已收到 / 应交报告": "1 / 7", "近期未报告": "1", "有逾期": "0"}
    assert frame_with(at, "动态状态")["机构名称"].tolist() == ["伙伴二"]
    # Fresh (it delivered), so no call for silence; but its activity reports are behind.
    assert any("无需催报" in i.value for i in at.info)
    assert [c.value for c in at.code] == [
        "【湖北枢纽】伙伴二：最近一次活动报告在 5 天前，请今天提交。"]
    single = frame_with(at, "唯一的一线机构")
    assert single[["地区", "活跃一线机构数"]].values.tolist() == [["孝感市", 0]]
    matrix = frame_with(at, "孝感市")
    assert list(matrix.columns) == ["机构名称", "孝感市"] and matrix["机构名称"].tolist() == ["伙伴二"]
    # 武汉: two partners active there in the window, so not listed; P3 is to be reminded.
    at = run_partners(params={"as_of": "2020-02-15", "region": "420100"})
    assert any("不止一家" in i.value for i in at.info)
    assert [c.value for c in at.code] == [
        "【湖北枢纽】伙伴三 从未报告",  # freshness: no sign of work at all
        # and against the schedule: P3 never filed, P1's report for today is due
        "【湖北枢纽】伙伴三：还没有提交过活动报告，请今天提交。\n"
        "【湖北枢纽】伙伴一：今天应交报告。"]


def test_partners_page_in_english_hub_and_profile(scenario_db, run_partners):
    at = run_partners(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Partner network"
    assert {m.label: m.value for m in at.metric}["Silent"] == "1"
    at.selectbox(key="partners_hub_en").set_value("HUB1").run()
    assert not at.exception
    assert len(frame_with(at, "Freshness")) == 3
    at.radio(key="partners_who_by_en").set_value("category").run()
    assert not at.exception
    matrix = frame_with(at, "Wuhan").set_index("Organisation")
    assert matrix.loc["基金会一", "Wuhan"] == 3
    at.selectbox(key="partners_profile_en").set_value("P2").run()
    assert not at.exception
    status = frame_with(at, "Status")
    assert status.values.tolist() == [["In transit", 2]]
    regions = frame_with(at, "Active in window")
    assert regions.values.tolist()[1][0] == "Xiaogan" and regions.values.tolist()[1][-1] == "no"


def test_partners_page_empty_store(db, run_partners):
    at = run_partners()
    assert at.info and not at.dataframe


def test_partners_page_organisation_type_and_category_filters(scenario_db, run_partners):
    # Deliveries by category (scenario README): 基金会一 supplied D1 (medicine), D2 (food),
    # D3 (food), D4 (ppe), D5 (failed ppe); with org_type=foundation only it remains, and
    # with category=food only its food rows: D2 to 武汉 (C1) and D3 to 孝感 (V1).
    at = run_partners(params={"as_of": "2020-02-15", "org_type": "foundation",
                              "category": "food"}, state={"lang": "en"})
    at.radio(key="partners_who_by_en").set_value("category").run()
    matrix = frame_with(at, "Wuhan").set_index("Organisation")
    assert list(matrix.index) == ["基金会一"]
    assert matrix.loc["基金会一", "Wuhan"] == 1 and matrix.loc["基金会一", "Xiaogan"] == 1
    assert at.query_params["org_type"] == "foundation"


def test_tables_keep_ids_out_of_sight_and_last_in_the_downloads(scenario_db, run_partners, monkeypatch):
    from dashboard.app import partners as ui

    held: dict[str, pd.DataFrame] = {}
    # A download laid out when pressed (a function) is pressed here.
    monkeypatch.setattr(ui, "download", lambda frame, name, view, key, rows=None: held.__setitem__(
        name, frame() if callable(frame) else frame))
    at = run_partners(params={"as_of": "2020-02-15"}, state={"lang": "en"})
    fresh = held["lifeline_partners_all_2020-02-15.csv"]
    assert list(fresh.columns)[-2:] == ["Organisation ID", "Hub ID"]
    assert fresh["Organisation ID"].tolist() == ["P3", "P2", "P1"]
    assert fresh["Last seen"].tolist() == ["", "2020-02-10", "2020-02-15"]
    at.selectbox(key="partners_profile_en").set_value("P1").run()
    # The facilities it served are headed as facilities (not as the organisation).
    facilities = frame_with(at, "Facility type")
    assert "Facility" in facilities.columns and "Organisation" not in facilities.columns
    assert "Facility ID" not in facilities.columns
    assert list(held["lifeline_partner_P1_facilities_2020-02-15.csv"].columns)[-1] == "Facility ID"
    # P1 received no grant (the scenario's one grant goes to HUB1): said in words, not an
    # empty grid reading "empty", and nothing to download.
    assert "Nothing recorded." in [c.value for c in at.caption]
    assert not any("Funder" in d.value.columns for d in at.dataframe)
    assert "lifeline_partner_P1_grants_2020-02-15.csv" not in held


def test_without_partners_the_page_says_how_they_come_in_instead_of_zeros(scenario_db, run_partners):
    """A store whose organisations are all of other types (as the real 2020 lists are):
    one sentence saying how partners come in, no cards or tables of zeros."""
    scenario_db.execute("UPDATE organizations SET org_type = 'other' WHERE org_type = 'partner'")
    at = run_partners(params={"as_of": "2020-02-15"})
    assert not at.exception
    assert [i.value for i in at.info] == [
        "还没有一线机构。机构名单中类型为“一线机构”的机构会列在这里：导入机构名单时在“类型”一列填写"
        "“一线机构”（见“数据”页的模板）。"]
    assert not at.metric and not at.dataframe


def test_a_region_without_partners_says_so_by_name(scenario_db, run_partners):
    # 神农架 (429021): no partner is based there and none has worked there.
    at = run_partners(params={"as_of": "2020-02-15", "region": "429021", "lang": "en"})
    assert not at.exception
    assert [i.value for i in at.info] == [
        "No partner in Shennongjia: none is based there and none has worked there."]
