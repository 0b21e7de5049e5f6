"""The Casework page under Streamlit's AppTest: a caseworker's follow-up list, a case
closed and a service recorded through the forms, an assessment entered on the form the
tool generates (and one refused for a phone number), in both languages; and the page
closed to every other role."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.access import audit
from dashboard.app.frame import open_page
from data_loaders import store
from data_loaders.households import cases, rounds
from data_loaders.ingest.readers import read_file
from data_loaders.ingest.validation import validate
from tests.apptest import run_app
from tests.conftest import BOTH
from tests.test_households import R1, TOOL, _file

BACKENDS = BOTH

PAGE = "casework"


@pytest.fixture
def caseworker(db, monkeypatch):
    """ORG1's caseworker on a store holding R1 (ORG1: H1-H8, ORG2: G1-G4)."""
    monkeypatch.setenv("LIFELINE_LOCAL_ROLE", "caseworker:ORG1")
    # Through the import's own path, so PostgreSQL's replica reads them too.
    checked = validate(read_file("organizations.csv", "org_id,name,org_type\n"
                                 "ORG1,武汉某社工机构,partner\nORG2,广州某社工机构,partner\n".encode()))
    with store.transaction(db, reason="import"):
        store.upsert(db, {"organizations": checked.frames["organizations"]})
    assert rounds.import_round(db, "r1.csv", _file(R1), TOOL).committed
    return db


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_follow_up_list_shows_the_organisations_own_households(caseworker):
    at = run_app(PAGE)
    assert at.title[0].value == "个案跟进"
    assert "为武汉某社工机构跟进困境家庭" in at.caption[0].value
    # The store holds no response data, so the lists are drawn for today: every case of
    # January 2020 is due and silent.
    assert _metrics(at) == {"未结案个案": "8", "到期回访": "8", "久未联系": "8", "已解决": "0"}
    due = next(d.value for d in at.dataframe if "住户编号" in d.value.columns)
    assert sorted(due["住户编号"]) == [f"H{i}" for i in range(1, 9)]  # never ORG2's G1-G4
    assert set(due["原因"]) == {"回访日已到、久未联系"}
    households = at.selectbox(key="casework_household")
    assert [o.split(" · ")[0] for o in households.options] == [f"H{i}" for i in range(1, 9)]


def _press(at, label: str):
    """Press the button ``label`` (a form's submit sends the values set in the form)."""
    return at.button[[b.label for b in at.button].index(label)].click().run()


def test_a_case_is_closed_and_a_service_recorded_through_the_forms(caseworker):
    at = run_app(PAGE)
    at.selectbox(key="casework_household").set_value("H2").run()
    # Closing without a reason is refused, under the form, and nothing changes.
    at.selectbox(key="casework_status_H2").set_value("resolved")
    _press(at, "保存个案")
    assert not at.exception
    assert any("结案原因" in e.value for e in at.error)
    assert cases.case_detail(caseworker, "ORG1", "H2")["case"]["case_status"] == "open"
    at.selectbox(key="casework_status_H2").set_value("resolved")
    at.text_input(key="casework_reason_H2").set_value("已返城复工")
    at.text_area(key="casework_notes_H2").set_value("邻居电话 13912345678 可转告")
    _press(at, "保存个案")
    assert not at.exception and "已保存个案 H2。" in [s.value for s in at.success]
    assert not at.error
    case = cases.case_detail(caseworker, "ORG1", "H2")["case"]
    assert (case["case_status"], case["close_reason"]) == ("resolved", "已返城复工")
    assert "13912345678" not in case["notes"] and case["notes"].startswith("邻居电话")
    assert _metrics(at)["已解决"] == "1" and _metrics(at)["未结案个案"] == "7"
    # Cash aid of 800 yuan to H3.
    at.selectbox(key="casework_household").set_value("H3").run()
    at.selectbox(key="casework_kind_H3").set_value("cash_aid")
    at.number_input(key="casework_amount_H3").set_value(800.0)
    _press(at, "保存服务")
    assert not at.exception and "已记录 H3 的服务。" in [s.value for s in at.success]
    assert any("现金救助" in m.value and "800" in m.value for m in at.markdown)
    assert cases.case_detail(caseworker, "ORG1", "H3")["case"]["case_status"] == "in_progress"
    # The service took H3 for this caseworker (seen today: no longer due).
    assert cases.case_detail(caseworker, "ORG1", "H3")["case"]["caseworker"] == audit.local_actor()
    # H4 taken too, with its review today: due, and the caseworker's own list comes first.
    at.selectbox(key="casework_household").set_value("H4").run()
    at.selectbox(key="casework_status_H4").set_value("in_progress")
    at.date_input(key="casework_review_H4").set_value(date.today())
    _press(at, "保存个案")
    assert at.radio(key="casework_whose").value == "mine"
    due = next(d.value for d in at.dataframe if "住户编号" in d.value.columns)
    assert list(zip(due["住户编号"], due["负责"])) == [("H4", "我")]
    at.radio(key="casework_whose").set_value("all").run()
    due = next(d.value for d in at.dataframe if "住户编号" in d.value.columns)
    # H2 closed, H3 seen today; the oldest review first, H4's (today) last.
    assert list(due["住户编号"]) == ["H1", "H5", "H6", "H7", "H8", "H4"]
    assert set(due["负责"]) == {"我", "尚未分配"}


def test_an_assessment_entered_on_the_form(caseworker):
    at = run_app(PAGE)
    at.text_input(key="assess_household_id").set_value("13812345678")
    at.text_input(key="assess_region").set_value("武汉市")
    at.text_input(key="assess_round").set_value("R2")
    at.radio(key="assess_q_protection").set_value(3)
    _press(at, "保存评估")
    errors = " ".join(e.value for e in at.error)
    assert "住户编号" in errors and "13812345678" not in errors
    assert cases.case_detail(caseworker, "ORG1", "13812345678") is None
    at.text_input(key="assess_household_id").set_value("H9")
    at.radio(key="assess_q_livelihood").set_value(2)
    _press(at, "保存评估")
    assert not at.exception
    assert "已保存 H9 的 R2 轮评估（2 个答案）。" in [s.value for s in at.success]
    assert _metrics(at)["未结案个案"] == "9"
    h9 = cases.case_detail(caseworker, "ORG1", "H9")
    assert sorted(zip(h9["answers"]["question_id"], h9["answers"]["answer"])) == [
        ("livelihood", 2), ("protection", 3)]
    # The form is empty for the next household.
    assert at.text_input(key="assess_household_id").value == ""


def test_the_page_in_english(caseworker):
    at = run_app(PAGE, params={"lang": "en"})
    assert at.title[0].value == "Casework"
    assert [tab.label for tab in at.tabs] == ["① Follow-up", "② A case", "③ New assessment",
                                              "④ Import a round"]
    assert _metrics(at)["Open cases"] == "8"
    assert at.radio(key="assess_q_protection").options[0] == "not asked"
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download an empty round file (CSV)"]


def test_no_other_role_is_offered_the_page(caseworker, monkeypatch):
    for role in ("hub", "researcher", "partner:ORG1"):
        monkeypatch.setenv("LIFELINE_LOCAL_ROLE", role)
        at = run_app()
        open_page(at, PAGE).run()
        # Not registered for the role: Streamlit shows the first page instead.
        assert not at.exception and at.title[0].value != "个案跟进"
        assert all("H1" not in str(d.value.to_dict()) for d in at.dataframe)


def test_a_caseworker_of_no_organisation_is_told_what_is_wrong(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_LOCAL_ROLE", "caseworker")
    at = run_app()
    assert [e.value for e in at.error] == [
        "本机角色设置有误，暂时无法打开。请联系服务器管理员（详情见服务器日志）。"]


def test_an_organisation_not_in_the_list_is_told_what_to_do(caseworker, monkeypatch):
    monkeypatch.setenv("LIFELINE_LOCAL_ROLE", "caseworker:ORG9")
    at = run_app(PAGE)
    assert [w.value for w in at.warning] == [
        "你的机构（编号 ORG9）还不在机构名录中，暂时无法记录家庭。请枢纽在“数据”页导入机构名录，"
        "或核对角色文件中写的机构编号。"]
    assert not at.dataframe and not at.tabs
