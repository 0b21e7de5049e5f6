"""The review queue on the Data page, under AppTest: confirm, correct, create a facility,
accept in bulk — each checked in the store and the audit log afterwards.

Widgets are found by key (``review_action_<id>``, ``review_apply_<id>``, ...), not by
position, so the tests survive the Data page being laid out differently.
"""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest

from dashboard.access import audit
from data_loaders import store
from data_loaders.ingest import formats
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.ingest.mapping import facility_id_for
from data_loaders.ingest.review import groups, pending
from tests.apptest import run_app
from tests.conftest import BOTH
from tests.test_distribution_sheet import FACILITIES_CSV, workbook

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

for _module in formats.BUILTIN:  # see tests/test_distribution_sheet.py
    importlib.import_module(f"data_loaders.ingest.formats.{_module}")

DATA_PAGE = "data"
SHEET = [
    ["武汉市红十字会发放物资一览表", None, None, None, None],
    [43860, None, None, None, None],
    ["接收单位", "品名", "规格", "计量单位", "数量"],
    ["武汉市金银潭医院", "医用口罩", None, "个", 100],  # row 4: matched, written at once
    ["同济医院", "防护服", None, "件", 20],  # row 5: proposed (the Tongji hospital, 73%)
    [None, "N95口罩", None, "个", 300],  # row 6
    ["协和医院", "护目镜", None, "个", 50],  # row 7: proposed (the Union hospital, 73%)
    ["武汉市第七医院", "医用口罩", None, "个", 500],  # row 8: no such facility yet
    ["水务集团", "消毒片", None, "桶", 10],  # row 9: not a facility
]


@pytest.fixture
def queued_db(db):
    """Facilities, then the sheet through the importer (which queues four names)."""
    assert import_files(db, [SourceFile("facilities.csv", FACILITIES_CSV.encode())]).ok
    report = import_files(db, [SourceFile("list.xlsx", workbook(SHEET))])
    assert report.ok, report.problems
    assert {r.raw_name for r in report.review} == {"同济医院", "协和医院", "武汉市第七医院", "水务集团"}
    return db


def review_id(con, raw_name: str) -> str:
    frame = groups(con)
    return frame.loc[frame["raw_name"] == raw_name, "review_id"].iloc[0]


def delivered(con) -> dict[str, str]:
    frame = store.read_table(con, "deliveries")
    return dict(zip(frame["delivery_id"], frame["facility_id"]))


def review_entries() -> list[dict]:
    return [e for e in audit.entries() if e["action"] == "review"]


def shown_texts(at) -> list[str]:
    """Every text of the page a person reads: Markdown, alerts, labels and options."""
    texts = [e.value for kind in ("markdown", "caption", "success", "error", "warning",
                                  "subheader") for e in getattr(at, kind)]
    texts += [w.label for kind in ("radio", "selectbox", "button", "slider", "text_input",
                                   "expander") for w in getattr(at, kind)]
    texts += [str(o) for kind in ("radio", "selectbox") for w in getattr(at, kind)
              for o in w.options]
    for frame in at.dataframe:
        texts += [str(c) for c in frame.value.columns]
        texts += [str(v) for v in frame.value.to_numpy().ravel()]
    return texts


def test_the_queue_is_a_table_and_one_decision_per_name(queued_db):
    at = run_app(DATA_PAGE)
    table = next(d.value for d in at.dataframe if "原始名称" in d.value.columns)
    assert list(table.columns) == ["原始名称", "行数", "建议设施", "置信度"]
    rows = table.set_index("原始名称")
    assert rows.loc["同济医院", "行数"] == 2 and rows.loc["同济医院", "置信度"] == "73%"
    assert rows.loc["同济医院", "建议设施"] == "华中科技大学同济医学院附属同济医院（武汉市）"
    assert rows.loc["水务集团", "建议设施"] == "（无建议）" and rows.loc["水务集团", "置信度"] == "—"
    for name in ("同济医院", "协和医院", "武汉市第七医院", "水务集团"):
        assert at.radio(key=f"review_action_{review_id(queued_db, name)}")
    # A name with a proposal offers to confirm it; one without starts at "later".
    tongji = at.radio(key=f"review_action_{review_id(queued_db, '同济医院')}")
    assert tongji.options == ["确认建议", "改为其他设施", "新建设施", "拒绝", "稍后决定"]
    assert tongji.value == "confirm"
    assert at.radio(key=f"review_action_{review_id(queued_db, '水务集团')}").value == "later"


def test_confirm_a_proposal(queued_db):
    rid = review_id(queued_db, "同济医院")
    at = run_app(DATA_PAGE)
    at.button(key=f"review_apply_{rid}").click().run()
    assert not at.exception
    assert at.success[0].value == (
        "已确认“同济医院”是 华中科技大学同济医学院附属同济医院（武汉市），写入 2 条配送。")
    assert delivered(queued_db) == {"RC-20200130-4": "F-JYT", "RC-20200130-5": "F-TJ",
                                    "RC-20200130-6": "F-TJ"}
    assert "同济医院" not in set(pending(queued_db)["raw_name"])
    [entry] = review_entries()
    assert {k: entry[k] for k in ("decision", "name", "lines", "facility")} == {
        "decision": "confirm", "name": "同济医院", "lines": 2,
        "facility": "华中科技大学同济医学院附属同济医院"}


def test_choose_another_facility(queued_db):
    rid = review_id(queued_db, "协和医院")
    at = run_app(DATA_PAGE)
    at.radio(key=f"review_action_{rid}").set_value("other").run()
    box = at.selectbox(key=f"review_other_{rid}")
    # Shown by name and region, never by id; the list's region (Wuhan) first.
    assert box.options == ["华中科技大学同济医学院附属协和医院（武汉市）",
                           "华中科技大学同济医学院附属同济医院（武汉市）", "武汉市金银潭医院（武汉市）"]
    box.set_value("F-TJ").run()  # a test decision, not a fact
    at.button(key=f"review_apply_{rid}").click().run()
    assert not at.exception
    assert delivered(queued_db)["RC-20200130-7"] == "F-TJ"
    [entry] = review_entries()
    assert (entry["decision"], entry["name"], entry["facility"]) == (
        "correct", "协和医院", "华中科技大学同济医学院附属同济医院")


def test_create_a_facility_from_the_queue(queued_db):
    rid = review_id(queued_db, "武汉市第七医院")
    at = run_app(DATA_PAGE)
    at.radio(key=f"review_action_{rid}").set_value("create").run()
    assert at.text_input(key=f"review_name_{rid}").value == "武汉市第七医院"
    assert at.selectbox(key=f"review_type_{rid}").value == "hospital"
    region = at.selectbox(key=f"review_region_{rid}")
    assert region.value == "420100"  # the list's region
    assert "武汉市 硚口区" in region.options and "黄石市" in region.options
    region.set_value("420104").run()  # 硚口区
    at.button(key=f"review_apply_{rid}").click().run()
    assert not at.exception
    new_id = facility_id_for("武汉市第七医院", "420104")
    assert at.success[0].value == (
        "已新建设施 武汉市第七医院（武汉市 硚口区），“武汉市第七医院”的 1 条配送已写入。")
    row = queued_db.execute("SELECT name, facility_type, region_adcode, county_adcode "
                            "FROM facilities WHERE facility_id = ?", [new_id]).fetchone()
    assert row == ("武汉市第七医院", "hospital", "420100", "420104")
    assert delivered(queued_db)["RC-20200130-8"] == new_id
    [entry] = review_entries()
    assert (entry["decision"], entry["name"], entry["lines"], entry["facility"]) == (
        "create_facility", "武汉市第七医院", 1, "武汉市第七医院")


def test_a_refused_new_facility_says_why(queued_db):
    rid = review_id(queued_db, "武汉市第七医院")
    at = run_app(DATA_PAGE)
    at.radio(key=f"review_action_{rid}").set_value("create").run()
    at.text_input(key=f"review_name_{rid}").set_value("金银潭医院").run()  # exists in Wuhan
    at.button(key=f"review_apply_{rid}").click().run()
    assert not at.exception
    assert at.error[0].value == "该地市已有同名设施“武汉市金银潭医院”：请用“改为其他设施”选择它。"
    assert len(store.read_table(queued_db, "facilities")) == 3 and review_entries() == []


def test_accept_all_proposals_at_or_above(queued_db):
    at = run_app(DATA_PAGE)
    assert "没有置信度达到 90% 的建议。" in [c.value for c in at.caption]
    at.slider(key="review_bulk_min").set_value(70).run()
    button = at.button(key="review_bulk_accept")
    assert button.label == "接受 2 个建议（3 行）"
    button.click().run()
    assert not at.exception
    assert at.success[0].value == "已接受 2 个建议（3 行），写入 3 条配送。"
    assert {k: v for k, v in delivered(queued_db).items() if k != "RC-20200130-4"} == {
        "RC-20200130-5": "F-TJ", "RC-20200130-6": "F-TJ", "RC-20200130-7": "F-XH"}
    assert set(pending(queued_db)["raw_name"]) == {"武汉市第七医院", "水务集团"}
    assert sorted((e["decision"], e["name"], e["lines"], e["facility"], e["threshold"])
                  for e in review_entries()) == [
        ("bulk_accept", "协和医院", 1, "华中科技大学同济医学院附属协和医院", 0.7),
        ("bulk_accept", "同济医院", 2, "华中科技大学同济医学院附属同济医院", 0.7)]


def test_reject(queued_db):
    rid = review_id(queued_db, "水务集团")
    at = run_app(DATA_PAGE)
    at.radio(key=f"review_action_{rid}").set_value("reject").run()
    at.button(key=f"review_apply_{rid}").click().run()
    assert at.success[0].value == "已拒绝“水务集团”，未写入任何配送。"
    assert "水务集团" not in set(pending(queued_db)["raw_name"])
    [entry] = review_entries()
    assert (entry["decision"], entry["name"], entry["facility"]) == ("reject", "水务集团", None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_ids_no_none_and_one_language(queued_db, lang):
    from streamlit.testing.v1 import AppTest

    from tests.test_review import _review_page

    path = store.location()
    ids = set(store.read_table(queued_db, "facilities")["facility_id"]) | set(
        pending(queued_db)["review_id"])
    actions = {review_id(queued_db, "同济医院"): "other",
               review_id(queued_db, "武汉市第七医院"): "create"}
    # The review section alone, so that every text below is the section's own.
    at = AppTest.from_function(_review_page, args=(path, lang), default_timeout=30).run()
    for rid, action in actions.items():  # open every kind of field once
        at.radio(key=f"review_action_{rid}").set_value(action).run()
    assert not at.exception
    texts = shown_texts(at)
    for text in texts:
        assert not any(i in text for i in ids), text
        assert not re.search(r"\b(None|nan|NaN)\b", text), text
        if lang == "zh":
            words = set(re.findall(r"[A-Za-z]{2,}", text.replace("list\\.xlsx", "")))
            assert not words, (text, words)
    if lang == "en":
        assert "Create a new facility" in texts
        assert "华中科技大学同济医学院附属同济医院 (Wuhan)" in texts
        seventh = review_id(queued_db, "武汉市第七医院")
        assert "Wuhan, Qiaokou" in at.selectbox(key=f"review_region_{seventh}").options


def test_two_dozen_names_stay_one_table_and_one_line_each(db):
    names = [f"某某单位{i:02d}" for i in range(26)]
    rows = [["接收单位", "品名", "数量"]] + [[n, "口罩", 10] for n in names]
    assert import_files(db, [SourceFile("facilities.csv", FACILITIES_CSV.encode())]).ok
    assert import_files(db, [SourceFile("list.xlsx", workbook(rows))], as_of=date(2020, 1, 30)).ok
    at = run_app(DATA_PAGE)
    table = next(d.value for d in at.dataframe if "原始名称" in d.value.columns)
    assert len(table) == 26
    headings = [e.label for e in at.expander if e.label.startswith("某某单位")]
    assert len(headings) == 26 and headings[0] == "某某单位00 · 1 行 · 无建议"


def test_every_refusal_has_a_sentence_in_both_languages():
    from dashboard.app.review import ACTIONS, ERRORS
    from dashboard.i18n import CATALOGUE
    from data_loaders.ingest.review import ERROR_CODES

    assert set(ERRORS) == set(ERROR_CODES)
    for key in [*ERRORS.values(), *ACTIONS.values()]:
        assert key in CATALOGUE, key

