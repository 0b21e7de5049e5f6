"""Partners and funders file their own rows; the hub reviews (issue 15).

Every write goes through the gate (dashboard.access.run) as a page makes it, on the file
and on PostgreSQL: a partner files only rows of its own organisation, changes only its
own records, and nothing it files counts until the hub approves it.
"""

import json

import pandas as pd
import pytest

from dashboard.access import AccessDenied, audit, bound, run
from dashboard.analytics.metrics import Scope
from data_loaders.ingest import submissions
from data_loaders.ingest.submissions import SubmissionInvalid, SubmissionRefused
from tests.conftest import AS_OF, BOTH, writer

BACKENDS = BOTH

P1 = bound("partner", "P1")
P2 = bound("partner", "P2")
F1 = bound("funder", "F1")

REPORT = {"org_id": "P1", "reported_on": "2020-02-16", "region": "武汉",
          "activity_type": "distribution", "people_served": 120, "volunteers": 8,
          "category": "food", "item": "蔬菜包", "quantity": 300, "unit": "份"}
NEED = {"facility_id": "H2", "reported_by": "P1", "reported_on": "2020-02-16",
        "category": "ppe", "item": "N95口罩", "quantity": "2万", "unit": "只",
        "priority": "urgent"}


def _file(con, role, org, table, row, **options):
    with writer(con) as w:
        return run(role, "submissions.submit", w, org, table, row, **options)


def test_a_partners_report_waits_for_the_hub_then_counts(scenario_db):
    filed = _file(scenario_db, P1, "P1", "activities", REPORT)
    assert filed.status == "submitted" and filed.record_key.startswith("R-P1-")
    reader = scenario_db
    # Waiting: listed for the partner and the hub, not in the records.
    assert reader.execute("SELECT count(*) FROM activities WHERE report_id = ?",
                          [filed.record_key]).fetchone()[0] == 0
    mine = run(P1, "submissions.own", reader, "P1")
    assert mine["status"].tolist() == ["submitted"]
    assert "submitted_by" not in mine.columns  # no address on any page
    queue = run("hub", submissions.listing, reader, status="submitted")
    assert queue["record_key"].tolist() == [filed.record_key]
    with writer(scenario_db) as w:
        assert run("hub", submissions.approve, w, [filed.submission_id]) == 1
    reader = scenario_db
    stored = reader.execute("SELECT org_id, people_served, quantity, region_adcode, item "
                            "FROM activities WHERE report_id = ?",
                            [filed.record_key]).fetchone()
    assert stored == ("P1", 120, 300.0, "420100", "蔬菜包")
    # The approval is one change that names the submission; the record's history has it.
    change = reader.execute("SELECT reason, detail FROM changes ORDER BY change_id DESC "
                            "LIMIT 1").fetchone()
    assert change[0] == "approval"
    detail = change[1] if isinstance(change[1], dict) else json.loads(change[1])
    assert detail["approved"][0]["submission"] == filed.submission_id
    assert run(P1, "submissions.own", reader, "P1")["status"].tolist() == ["approved"]


def test_a_partner_cannot_file_or_change_another_organisations_row(scenario_db):
    # For another organisation: refused by the gate before anything runs.
    with pytest.raises(AccessDenied):
        _file(scenario_db, P1, "P2", "activities", {**REPORT, "org_id": "P2"})
    # Its own organisation's name, another's row: refused by the store's check.
    with pytest.raises(SubmissionRefused) as refused:
        _file(scenario_db, P1, "P1", "activities", {**REPORT, "org_id": "P2"})
    assert refused.value.code == "not_own_row"
    # A change of P2's need N4, written as if it were P1's: refused.
    with pytest.raises(SubmissionRefused) as refused:
        _file(scenario_db, P1, "P1", "needs", {**NEED, "need_id": "N4", "facility_id": "V1"})
    assert refused.value.code == "not_own_record"
    # A facility is proposed, never changed.
    with pytest.raises(SubmissionRefused) as refused:
        _file(scenario_db, P1, "P1", "facilities", {"facility_id": "H1", "name": "改名",
                                                    "facility_type": "hospital", "region": "武汉"})
    assert refused.value.code == "facility_exists"
    # A table the role does not file, and approval on arrival: refused by the gate.
    with pytest.raises(AccessDenied):
        _file(scenario_db, P1, "P1", "grants", {"funder_id": "P1", "recipient_id": "P2",
                                                "amount_cny": 100})
    with pytest.raises(AccessDenied):
        _file(scenario_db, P1, "P1", "activities", REPORT, approve=True)
    # Unbound partners, researchers and the public file nothing; nor do they review.
    for role in ("partner", "researcher", "public", None):
        with pytest.raises(AccessDenied):
            _file(scenario_db, role, "P1", "activities", REPORT)
    with writer(scenario_db) as w, pytest.raises(AccessDenied):
        run(P1, submissions.approve, w, ["x"])
    reader = scenario_db
    assert reader.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
    refusals = [e for e in audit.entries(limit=50) if e.get("action") == "refused"]
    assert any("submissions.submit for 'P2'" in e.get("what", "") for e in refusals)


def test_a_partner_updates_the_status_of_its_own_need(scenario_db):
    reader = scenario_db
    mine = run(P1, "submissions.own_records", reader, "P1", "needs")
    assert mine["need_id"].tolist() == ["N1"]  # N2, N3 are met; N4 is P2's
    row = {k: v for k, v in mine.iloc[0].to_dict().items()}
    row.update(status="met", closed_on="2020-02-17")
    filed = _file(scenario_db, P1, "P1", "needs", row)
    diff = run("hub", submissions.differences, scenario_db, "needs",
               run("hub", submissions.listing, scenario_db)["record"][0])
    assert diff == [("status", "open", "met"), ("closed_on", None, "2020-02-17")]
    with writer(scenario_db) as w:
        run("hub", submissions.approve, w, [filed.submission_id])
    assert scenario_db.execute(
        "SELECT status, CAST(closed_on AS VARCHAR) FROM needs WHERE need_id = 'N1'"
    ).fetchone() == ("met", "2020-02-17")


def test_a_row_breaking_the_import_rules_is_named_field_by_field(scenario_db):
    with pytest.raises(SubmissionInvalid) as invalid:
        _file(scenario_db, P1, "P1", "needs", {**NEED, "facility_id": "NOPE",
                                               "category": "rockets", "quantity": "-3"})
    codes = {(p.column, p.code) for p in invalid.value.problems}
    assert ("facility_id", "unknown_reference") in codes
    assert ("category", "bad_enum") in codes or any(c == "category" for c, _ in codes)
    assert any(c == "quantity" for c, _ in codes)
    assert scenario_db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_a_need_may_name_a_facility_the_partner_proposed_approved_together(scenario_db):
    facility = _file(scenario_db, P1, "P1", "facilities", {
        "name": "新建方舱", "facility_type": "makeshift_hospital", "region": "武昌区"})
    need = _file(scenario_db, P1, "P1", "needs", {**NEED, "facility_id": facility.record_key})
    # Approved alone, the need names a facility not confirmed yet: nothing is written.
    with writer(scenario_db) as w, pytest.raises(SubmissionInvalid):
        run("hub", submissions.approve, w, [need.submission_id])
    with writer(scenario_db) as w:  # together, the facility first whatever the order
        run("hub", submissions.approve, w, [need.submission_id, facility.submission_id])
    reader = scenario_db
    assert reader.execute("SELECT quantity FROM needs WHERE need_id = ?",
                          [need.record_key]).fetchone()[0] == 20000.0
    assert reader.execute("SELECT county_adcode FROM facilities WHERE facility_id = ?",
                          [facility.record_key]).fetchone()[0] == "420106"


def test_a_returned_submission_carries_the_comment_and_writes_nothing(scenario_db):
    filed = _file(scenario_db, P1, "P1", "activities", REPORT)
    with writer(scenario_db) as w:
        with pytest.raises(ValueError):
            run("hub", submissions.send_back, w, [filed.submission_id], "  ")
        run("hub", submissions.send_back, w, [filed.submission_id], "人数请核对")
    mine = run(P1, "submissions.own", scenario_db, "P1")
    assert mine[["status", "comment"]].values.tolist() == [["returned", "人数请核对"]]
    with writer(scenario_db) as w, pytest.raises(SubmissionRefused):
        run("hub", submissions.approve, w, [filed.submission_id])
    assert scenario_db.execute(
        "SELECT count(*) FROM activities WHERE report_id = ?", [filed.record_key]
    ).fetchone()[0] == 0


def test_the_hub_edits_then_approves(scenario_db):
    filed = _file(scenario_db, P1, "P1", "activities", REPORT)
    with writer(scenario_db) as w:
        run("hub", submissions.approve, w, [filed.submission_id],
            edits={filed.submission_id: {"people_served": 90, "org_id": "P1"}})
    assert scenario_db.execute(
        "SELECT people_served FROM activities WHERE report_id = ?", [filed.record_key]
    ).fetchone()[0] == 90
    # The hub's edit cannot hand the record to another organisation.
    other = _file(scenario_db, P1, "P1", "activities", REPORT)
    with writer(scenario_db) as w, pytest.raises(SubmissionRefused):
        run("hub", submissions.approve, w, [other.submission_id],
            edits={other.submission_id: {"org_id": "P2"}})


def test_a_trusted_partner_is_approved_on_arrival_and_still_listed(scenario_db):
    with writer(scenario_db) as w:
        run("hub", submissions.set_partner, w, "P1", trusted=True, every_days=1, grace_days=2)
    filed = _file(scenario_db, P1, "P1", "activities", REPORT)
    assert filed.status == "approved"
    reader = scenario_db
    assert reader.execute("SELECT count(*) FROM activities WHERE report_id = ?",
                          [filed.record_key]).fetchone()[0] == 1
    assert run("hub", submissions.listing, reader)["status"].tolist() == ["approved"]
    settings = run("hub", submissions.settings, reader)
    assert settings[["org_id", "trusted", "every_days", "grace_days"]].values.tolist() == [
        ["P1", True, 1, 2]]


def test_a_form_sent_twice_is_filed_once(scenario_db):
    first = _file(scenario_db, P1, "P1", "activities", REPORT, submission_id="s-1")
    again = _file(scenario_db, P1, "P1", "activities", REPORT, submission_id="s-1")
    assert again == first
    assert scenario_db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1


def test_a_funder_files_its_own_pledge_and_grant_only(scenario_db):
    pledge = {"need_id": "N1", "org_id": "F1", "quantity": 500, "unit": "只",
              "pledged_on": "2020-02-16", "due_on": "2020-02-18"}
    filed = _file(scenario_db, F1, "F1", "pledges", pledge)
    with pytest.raises(AccessDenied):
        _file(scenario_db, F1, "F1", "activities", {**REPORT, "org_id": "F1"})
    with pytest.raises(SubmissionRefused):
        _file(scenario_db, F1, "F1", "pledges", {**pledge, "org_id": "P1"})
    with writer(scenario_db) as w:
        run("hub", submissions.approve, w, [filed.submission_id])
    assert scenario_db.execute(
        "SELECT org_id, quantity, CAST(due_on AS VARCHAR), pledge_status FROM pledges"
    ).fetchall() == [("F1", 500.0, "2020-02-18", "open")]


def _pledge(con, org, need, due, quantity=500):
    filed = _file(con, bound("funder", org), org, "pledges", {
        "need_id": need, "org_id": org, "quantity": quantity, "unit": "只",
        "pledged_on": "2020-02-12", "due_on": due})
    with writer(con) as w:
        run("hub", submissions.approve, w, [filed.submission_id])


def test_a_pledge_lapses_past_its_date_without_a_delivery(scenario_db):
    from datetime import date

    _pledge(scenario_db, "F1", "N1", "2020-02-14")  # past at 02-15, F1 sent nothing to N1
    _pledge(scenario_db, "L1", "N4", "2020-02-14")  # past, but L1 ... see below
    state = run("hub", "contributions.pledge_state", scenario_db, date(2020, 2, 15))
    lapsed = dict(zip(state["org_id"], state["expired"]))
    assert lapsed == {"F1": True, "L1": True}
    # A delivery on its way from the pledging organisation keeps the pledge alive.
    with writer(scenario_db) as w:
        run("hub", "submissions.submit", w, "L1", "deliveries", {
            "need_id": "N4", "facility_id": "V1", "carrier_id": "L1", "category": "food",
            "quantity": 50, "unit": "袋", "dispatched_on": "2020-02-14",
            "status": "in_transit"}, approve=True)
    state = run("hub", "contributions.pledge_state", scenario_db, date(2020, 2, 15))
    assert dict(zip(state["org_id"], state["expired"])) == {"F1": True, "L1": False}
    # Before its date, no pledge is lapsed; a pledge made after D is not known at D.
    early = run("hub", "contributions.pledge_state", scenario_db, date(2020, 2, 13))
    assert not early["expired"].any() and len(early) == 2
    assert run("hub", "contributions.pledge_state", scenario_db, date(2020, 2, 11)).empty
    # The briefing names the lapsed pledge; the Needs page shows the claim on N1.
    from dashboard.analytics.metrics import Scope
    from dashboard.briefing.render import reporting_lines

    brief = run("hub", "briefing.build_brief", scenario_db, Scope(date(2020, 2, 15), 7))
    assert brief["pledges"]["lapsed_count"] == 1
    assert "认领已过期：基金会一 承诺 2020-02-14 前向江汉医院送 N95口罩500只，尚无配送。" in \
        reporting_lines(brief, "zh")


def test_the_needs_page_shows_who_claimed_a_need(scenario_db):
    from tests.apptest import frame_with, run_app

    _pledge(scenario_db, "F1", "N1", "2020-02-20")
    at = run_app("needs", {"as_of": "2020-02-15"})
    table = frame_with(at, "已认领").set_index("设施")
    assert table.loc["江汉医院", "已认领"] == "基金会一 至02-20"
    assert pd.isna(table.loc["王家湾村", "已认领"])  # no pledge: an empty cell ("—")
    from dashboard.app import needs as page

    full = page.with_claims(
        run("hub", "needs.needs_at", scenario_db, Scope(AS_OF, 7)),
        run("hub", "contributions.pledge_state", scenario_db, AS_OF), "zh")
    assert full.set_index("need_id").loc["N1", "claimed_detail"] == "基金会一 500只，2020-02-20 前"


def test_a_period_past_its_deadline_is_locked_until_the_hub_reopens_it(scenario_db,
                                                                       monkeypatch):
    from datetime import date

    from dashboard.analytics import reporting_rates

    # Without a schedule set by the hub, nothing locks (the 2020 records can be filed).
    _file(scenario_db, P1, "P1", "activities", {**REPORT, "reported_on": "2020-02-01"})
    # Every 3 days from 02-01 with 1 day's grace: 02-07 … 02-09 has its deadline on 02-10.
    with writer(scenario_db) as w:
        run("hub", submissions.set_partner, w, "P1", every_days=3, grace_days=1,
            starts_on=date(2020, 2, 1))
    monkeypatch.setattr(submissions, "today", lambda: date(2020, 2, 10))
    _file(scenario_db, P1, "P1", "activities", {**REPORT, "reported_on": "2020-02-08"})
    monkeypatch.setattr(submissions, "today", lambda: date(2020, 2, 11))
    with pytest.raises(SubmissionRefused) as refused:
        _file(scenario_db, P1, "P1", "activities", {**REPORT, "reported_on": "2020-02-08"})
    assert (refused.value.code, refused.value.key) == ("period_locked", "2020-02-07")
    # The same periods as the reporting rates count.
    period = reporting_rates.period_of(date(2020, 2, 8), date(2020, 2, 1), 3, 1)
    assert (period.start, period.deadline) == (date(2020, 2, 7), date(2020, 2, 10))
    # The current period is open; the hub's own entry is not held by the lock.
    _file(scenario_db, P1, "P1", "activities", {**REPORT, "reported_on": "2020-02-10"})
    _file(scenario_db, "hub", "P1", "activities", {**REPORT, "reported_on": "2020-02-08"},
          approve=True)
    with writer(scenario_db) as w:
        assert run("hub", submissions.reopen, w, "P1", date(2020, 2, 9)) == date(2020, 2, 7)
        assert run("hub", submissions.reopen, w, "P1", date(2020, 2, 10)) is None  # open
        with pytest.raises(AccessDenied):
            run(P1, submissions.reopen, w, "P1", date(2020, 2, 9))
    _file(scenario_db, P1, "P1", "activities", {**REPORT, "reported_on": "2020-02-08"})


def _workbook(con, org="P1"):
    """The offline workbook of ``org`` as the page builds it, read back as sheets."""
    import io

    import pandas as pd

    from dashboard.present.workbook import offline_workbook

    data = offline_workbook(run(bound("partner", org), "contributions.workbook_frames", con,
                                org, "2020-02-16"))
    return pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object)


def _xlsx(sheets) -> bytes:
    import io

    import pandas as pd

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as w:
        for name, frame in sheets.items():
            frame.to_excel(w, sheet_name=name, index=False)
    return out.getvalue()


def _upload(con, sheets, org="P1", tables=frozenset({"activities", "needs", "pledges"})):
    from data_loaders.ingest.importer import SourceFile

    data = sheets if isinstance(sheets, bytes) else _xlsx(sheets)
    with writer(con) as w:
        return run(bound("partner", org), "submissions.submit_workbook", w, org,
                   SourceFile("离线填报.xlsx", data), tables)


def test_the_offline_workbook_is_prefilled_and_files_what_was_filled(scenario_db):
    sheets = _workbook(scenario_db)
    assert list(sheets)[:6] == ["填写说明", "活动报告", "需求", "配送", "认领", "新设施"]
    report = sheets["活动报告"]
    assert report[["机构编号", "日期", "地区"]].values.tolist() == [["P1", "2020-02-16", "武汉市"]]
    assert len(sheets["需求"]) == 10 and set(sheets["需求"]["上报机构"]) == {"P1"}
    # The references: its facilities (where it reported, first) and the open needs near it.
    facilities = sheets["参考-本机构设施"]
    # Where P1 reported needs or carried deliveries first, then the rest of its prefecture.
    own = facilities[facilities["本机构填报过"] == True]["设施编号"]  # noqa: E712
    assert {"H1", "C1"} <= set(own) and list(own.index) == list(range(len(own)))
    assert "H2" in set(facilities["设施编号"]) - set(own)
    assert set(sheets["参考-未满足需求"]["需求编号"]) >= {"N1"}
    # Filled offline: the report, one need; the blank rows are skipped.
    report.loc[0, "服务人次"] = 80
    sheets["需求"].loc[0, ["设施编号", "类别", "数量"]] = ["H2", "ppe", "1万"]
    filed = _upload(scenario_db, sheets)
    assert sorted(f.record_key[0] for f in filed) == ["N", "R"]
    assert scenario_db.execute("SELECT count(*) FROM submissions WHERE status = 'submitted'"
                               ).fetchone()[0] == 2


def test_a_workbook_with_one_bad_row_files_nothing_and_names_it(scenario_db):
    sheets = _workbook(scenario_db)
    sheets["活动报告"].loc[0, "服务人次"] = 80
    sheets["需求"].loc[0, ["设施编号", "类别"]] = ["H2", "ppe"]
    sheets["需求"].loc[3, ["设施编号", "类别"]] = ["NOWHERE", "火箭"]
    sheets["认领"].loc[0, ["需求编号", "认领机构", "承诺送达日期"]] = ["N1", "P2", "2020-02-18"]
    with pytest.raises(SubmissionInvalid) as invalid:
        _upload(scenario_db, sheets)
    found = {(p.file, p.row, p.column, p.code) for p in invalid.value.problems}
    assert ("离线填报.xlsx:需求", 5, "facility_id", "unknown_reference") in found
    assert ("离线填报.xlsx:需求", 5, "category", "bad_enum") in found or any(
        f[1] == 5 and f[2] == "category" for f in found)
    assert ("离线填报.xlsx:认领", 2, "org_id", "refused_not_own_row") in found
    assert scenario_db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
    # A sheet the role does not file is refused by the gate before anything is read.
    with pytest.raises(AccessDenied):
        _upload(scenario_db, sheets, tables=frozenset({"grants"}))
    # A workbook with nothing filled says so.
    with pytest.raises(SubmissionInvalid) as empty:
        _upload(scenario_db, _workbook(scenario_db))
    assert [p.code for p in empty.value.problems] == ["nothing_in_file"]


def test_a_workbook_sent_twice_is_filed_once(scenario_db):
    sheets = _workbook(scenario_db)
    sheets["活动报告"].loc[0, "服务人次"] = 80
    data = _xlsx(sheets)  # the very same file, twice
    first = _upload(scenario_db, data)
    again = _upload(scenario_db, data)
    assert again == first
    assert scenario_db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1


def test_a_pledge_waiting_for_review_shows_as_pending_and_counts_nowhere(scenario_db):
    from dashboard.app import needs as page

    _file(scenario_db, F1, "F1", "pledges", {"need_id": "N1", "org_id": "F1", "quantity": 500,
                                            "unit": "只", "pledged_on": "2020-02-12",
                                            "due_on": "2020-02-14"})
    counted = run("hub", "contributions.pledge_state", scenario_db, AS_OF)
    assert counted.empty  # not approved: not in the analyses, never lapsed
    shown = run("hub", "contributions.pledge_state", scenario_db, AS_OF, pending=True)
    assert shown[["need_id", "org_id", "waiting", "expired"]].values.tolist() == [
        ["N1", "F1", True, False]]
    table = page.with_claims(run("hub", "needs.needs_at", scenario_db, Scope(AS_OF, 7)),
                             shown, "zh").set_index("need_id")
    assert table.loc["N1", "claimed"] == "待审核·基金会一"


def test_a_delivery_waiting_for_review_is_said_beside_its_need_never_counted(scenario_db):
    from dashboard.app import needs as page

    _file(scenario_db, P1, "P1", "deliveries", {
        "need_id": "N1", "facility_id": "H1", "carrier_id": "P1", "category": "ppe",
        "quantity": 400, "unit": "只", "dispatched_on": "2020-02-14", "status": "in_transit"})
    open_needs = run("hub", "needs.needs_at", scenario_db, Scope(AS_OF, 7)).set_index("need_id")
    assert open_needs.loc["N1", "in_transit"] == 0  # not approved: not in the analyses
    table = page.with_claims(open_needs.reset_index(), pd.DataFrame(), "zh",
                             run("hub", "contributions.pending_deliveries", scenario_db))
    row = table.set_index("need_id").loc["N1"]
    assert (row["claimed"], row["claimed_detail"]) == ("配送待确认·伙伴一", "配送待确认：伙伴一 400只")


def test_the_map_says_who_claimed_a_facilitys_need(scenario_db):
    from dashboard.present.charts import facility_claims, facility_points

    _pledge(scenario_db, "F1", "N1", "2020-02-20")
    claims = facility_claims(run("hub", "contributions.pledge_state", scenario_db, AS_OF))
    assert claims == {"H1": "基金会一 02-20"}
    facilities = run("hub", "metrics.facility_status", scenario_db, Scope(AS_OF, 7), None, 100)
    points = facility_points(facilities.assign(claimed=facilities["facility_id"].map(claims)),
                             "zh")
    tooltip = {p["n"]: p["b"] for p in points}
    assert tooltip["江汉医院"].endswith(" · 已认领: 基金会一 02-20")
    assert "已认领" not in tooltip["武汉二院"]


def test_the_funding_page_says_how_many_needs_are_claimed(scenario_db):
    from tests.apptest import run_app

    _pledge(scenario_db, "F1", "N1", "2020-02-20")
    _pledge(scenario_db, "L1", "N4", "2020-02-14")  # lapsed at 02-15: not counted
    at = run_app("funding", {"as_of": "2020-02-15"})
    said = [c.value for c in at.caption if "已由" in c.value]
    assert said == ["其中 1 条未满足需求已由 1 家机构认领（谁、送多少、何时之前，见“需求”页的“已认领”列）。"
                    "认领不减少下表的尚需资金：送达后才算满足。"]
