"""The Report page (填报) under AppTest (issue 15): each form files through the gate, each
problem is shown under its field in the person's language, the partner sees its own
filings and the hub's comments, and the hub's review queue approves and returns."""

from __future__ import annotations

import pytest

from dashboard.app.frame import open_page
from tests.apptest import run_app


@pytest.fixture
def partner(tmp_path, monkeypatch):
    """Sign-in mode; ops@p1.example is a partner of P1, lead@hub.example the hub."""
    roles = tmp_path / "roles.toml"
    roles.write_text('[users]\n"lead@hub.example" = "hub"\n'
                     '"ops@p1.example" = { role = "partner", org = "P1" }\n'
                     '"board@f1.example" = { role = "funder", org = "F1" }\n',
                     encoding="utf-8")
    monkeypatch.setenv("LIFELINE_AUTH", "oidc")
    monkeypatch.setenv("LIFELINE_ROLES", str(roles))

    def run(email: str, lang: str = "zh"):
        user = {"is_logged_in": True, "email": email}
        return run_app("report", {"as_of": "2020-02-15", "lang": lang}, user=user)

    return run


def _texts(at) -> list[str]:
    return [e.value for e in (*at.markdown, *at.caption, *at.success, *at.info, *at.error)]


def _choose(at, key: str, value: str):
    next(r for r in at.radio if r.key == key).set_value(value).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _field(at, key: str):
    return next(
        w for kind in ("selectbox", "text_input", "number_input", "date_input", "checkbox")
        for w in at.get(kind) if getattr(w, "key", None) == key)


def test_a_partner_files_an_activity_report_and_sees_it_waiting(scenario_db, partner):
    at = partner("ops@p1.example")
    assert at.title[0].value == "填报与审核"
    assert "代表：伙伴一" in _texts(at)
    # Its own reporting at 02-15 (tests/test_reporting.py): 1 of 2 periods, due today.
    assert [m.value for m in at.metric] == ["50%", "1 / 2", "0", "按期"]
    assert "今天应交一份活动报告。" in _texts(at)
    assert [r.options for r in at.radio if r.key == "report_kind"][0] == [
        "活动报告", "需求", "配送", "状态更新", "认领", "新设施"]
    _field(at, "report_activity_people_served").set_value(120)
    _field(at, "report_activity_volunteers").set_value(8)
    _field(at, "report_activity_item").set_value("蔬菜包")
    _field(at, "report_activity_quantity").set_value("300")
    at.button(key="FormSubmitter:report_form_activity-提交").click().run()
    assert not at.exception
    assert "已提交活动报告，等待枢纽审核。" in [s.value for s in at.success]
    own = next(d.value for d in at.dataframe if "审核状态" in d.value.columns)
    assert own["审核状态"].tolist() == ["待审核"]
    assert "蔬菜包" in own["内容"].iloc[0] and "120" in own["内容"].iloc[0]
    # No review queue for a partner, and nothing counted yet.
    assert "审核队列" not in [h.value for h in at.subheader]
    assert scenario_db.execute("SELECT count(*) FROM activities WHERE org_id = 'P1' "
                               "AND item = '蔬菜包'").fetchone()[0] == 0


def test_each_problem_is_shown_under_its_field(scenario_db, partner):
    at = partner("ops@p1.example")
    _choose(at, "report_kind", "need")
    _field(at, "report_need_quantity").set_value("很多")
    at.button(key="FormSubmitter:report_form_need-提交").click().run()
    # In the order of the fields: the facility (required, left empty), then the quantity.
    assert [e.value.split()[0] for e in at.error] == ["必填项为空", "不是数字"]
    assert not at.success


def test_english_view_of_a_partner(scenario_db, partner):
    at = partner("ops@p1.example", lang="en")
    assert at.title[0].value == "Report and review"
    assert "Filing for: 伙伴一" in _texts(at)
    assert "Nothing submitted yet." in _texts(at)


def test_a_funder_pledges_and_the_hub_approves_it(scenario_db, partner):
    at = partner("board@f1.example")
    assert [r.options for r in at.radio if r.key == "report_kind"][0] == ["认领", "资助"]
    need = _field(at, "report_pledge_need_id")
    # Open needs, urgent first, named by facility and item (never by id).
    assert need.options == ["请选择", "孝感医院 · 防护服 300套", "王家湾村 · 大米 100袋",
                            "江汉医院 · N95口罩 1,000只"]
    need.set_value("N1")
    _field(at, "report_pledge_quantity").set_value("500")
    at.button(key="FormSubmitter:report_form_pledge-提交").click().run()
    assert "已提交认领，等待枢纽审核。" in [s.value for s in at.success]

    hub = partner("lead@hub.example")
    assert "审核队列" in [h.value for h in hub.subheader]
    assert any("1 条提交待审核" in c for c in _texts(hub))
    hub.button(key="review_approve").click().run()
    assert not hub.exception
    assert "已批准 1 条。" in [s.value for s in hub.success]
    assert scenario_db.execute("SELECT org_id, quantity FROM pledges").fetchall() == [
        ("F1", 500.0)]
    again = partner("board@f1.example")
    own = next(d.value for d in again.dataframe if "审核状态" in d.value.columns)
    assert own["审核状态"].tolist() == ["已批准"]
    # The claim shows on the need for the next one who looks.
    need = _field(again, "report_pledge_need_id")
    assert "江汉医院 · N95口罩 1,000只（基金会一 已认领，2020-02-20 前送达）" in need.options


def test_the_hub_returns_with_a_comment_the_partner_reads(scenario_db, partner):
    at = partner("ops@p1.example")
    _field(at, "report_activity_people_served").set_value(120)
    at.button(key="FormSubmitter:report_form_activity-提交").click().run()
    hub = partner("lead@hub.example")
    hub.button(key="review_return").click().run()
    assert "退回时请写明原因。" in [s.value for s in hub.success]
    box = next(w for w in hub.text_input if w.key.startswith("review_comment_"))
    box.set_value("人数请核对").run()
    hub.button(key="review_return").click().run()
    assert "已退回 1 条。" in [s.value for s in hub.success]
    again = partner("ops@p1.example")
    own = next(d.value for d in again.dataframe if "审核状态" in d.value.columns)
    assert own[["审核状态", "枢纽意见"]].values.tolist() == [["已退回", "人数请核对"]]


def test_the_local_hub_files_for_a_partner_and_it_counts_at_once(scenario_db):
    at = run_app("report", {"as_of": "2020-02-15"})
    assert "没有待审核的提交。" in _texts(at)
    assert _field(at, "report_org").value == "P1" or True
    _field(at, "report_activity_people_served").set_value(40)
    at.button(key="FormSubmitter:report_form_activity-提交").click().run()
    assert "已提交活动报告，已生效。" in [s.value for s in at.success]
    open_page(at, "report").run()
    assert not at.exception


def test_the_hubs_review_queue_in_english(scenario_db, partner):
    at = partner("ops@p1.example")
    _field(at, "report_activity_people_served").set_value(120)
    at.button(key="FormSubmitter:report_form_activity-提交").click().run()
    hub = partner("lead@hub.example", lang="en")
    assert "1 submission waiting. Only approved records count in the analyses." in _texts(hub)
    queue = next(d.value for d in hub.dataframe if "Organisation" in d.value.columns)
    assert queue["Organisation"].tolist() == ["伙伴一"]
    assert queue["Kind"].tolist() == ["Activity report"]


def _submitted(con):
    import json

    rows = con.execute("SELECT table_name, record FROM submissions ORDER BY submitted_at").fetchall()
    return [(t, r if isinstance(r, dict) else json.loads(r)) for t, r in rows]


def test_a_delivery_answering_a_need_takes_its_facility_and_item(scenario_db, partner):
    at = partner("ops@p1.example")
    _choose(at, "report_kind", "delivery")
    _field(at, "report_delivery_need_id").set_value("N1")
    _field(at, "report_delivery_quantity").set_value("400")
    _field(at, "report_delivery_status").set_value("in_transit")
    at.button(key="FormSubmitter:report_form_delivery-提交").click().run()
    assert "已提交配送，等待枢纽审核。" in [s.value for s in at.success]
    table, record = _submitted(scenario_db)[-1]
    assert table == "deliveries"
    assert {k: record.get(k) for k in ("need_id", "facility_id", "carrier_id", "item", "unit",
                                       "quantity", "status")} == {
        "need_id": "N1", "facility_id": "H1", "carrier_id": "P1", "item": "N95口罩",
        "unit": "只", "quantity": "400", "status": "in_transit"}


def test_a_status_update_closes_ones_own_need(scenario_db, partner):
    at = partner("ops@p1.example")
    _choose(at, "report_kind", "status")
    record = _field(at, "report_status_record")
    assert record.options == ["N95口罩 1,000只 · 2020-02-10"]  # P1's one open need
    _field(at, "report_status_value").set_value("met")
    at.button(key="FormSubmitter:report_form_status-提交").click().run()
    assert "已提交状态更新，等待枢纽审核。" in [s.value for s in at.success]
    table, filed = _submitted(scenario_db)[-1]
    assert (table, filed["need_id"], filed["status"], filed["closed_on"]) == (
        "needs", "N1", "met", "2020-02-20")
    # Deliveries: P1 carries none that is still moving.
    _choose(at, "report_status_table", "deliveries")
    assert "本机构没有在途或计划中的配送。" in _texts(at)


def test_a_new_facility_and_a_funders_grant(scenario_db, partner):
    at = partner("ops@p1.example")
    _choose(at, "report_kind", "facility")
    _field(at, "report_facility_name").set_value("武昌方舱医院")
    _field(at, "report_facility_facility_type").set_value("makeshift_hospital")
    at.button(key="FormSubmitter:report_form_facility-提交").click().run()
    assert "已提交新设施，等待枢纽审核。" in [s.value for s in at.success]
    funder = partner("board@f1.example")
    _choose(funder, "report_kind", "grant")
    _field(funder, "report_grant_recipient_id").set_value("P1")
    _field(funder, "report_grant_amount_cny").set_value(50000)
    funder.button(key="FormSubmitter:report_form_grant-提交").click().run()
    assert "已提交资助，等待枢纽审核。" in [s.value for s in funder.success]
    tables = [(t, r.get("name") or r.get("funder_id")) for t, r in _submitted(scenario_db)]
    assert tables == [("facilities", "武昌方舱医院"), ("grants", "F1")]


def test_a_report_for_a_locked_period_is_refused_in_words(scenario_db, partner, monkeypatch):
    from datetime import date

    from dashboard.access import run
    from data_loaders.ingest import submissions

    run("hub", submissions.set_partner, scenario_db, "P1", every_days=1, grace_days=1,
        starts_on=date(2020, 2, 1))
    monkeypatch.setattr(submissions, "today", lambda: date(2020, 2, 25))
    at = partner("ops@p1.example")
    _field(at, "report_activity_people_served").set_value(10)
    at.button(key="FormSubmitter:report_form_activity-提交").click().run()
    assert [e.value for e in at.error] == [
        "这一期已过截止日期并已锁定。请联系枢纽重新打开这一期，或改填本期的报告。"]
    assert not at.success and _submitted(scenario_db) == []
