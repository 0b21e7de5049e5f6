"""A case followed until it closes (issue 17): cases opened by a round, the follow-up
list, updates, services, the assessment form, the case aggregates under suppression, and
the gate that keeps a family's rows with its own organisation's caseworkers. Every
figure is worked out by hand below; every store test runs on the file and on PostgreSQL.
"""

from __future__ import annotations

import inspect
import re
from datetime import date
from pathlib import Path

import pytest

from dashboard import access
from dashboard.access import AccessDenied, audit
from dashboard.analytics import households as hh
from dashboard.cli import main
from data_loaders.households import cases, rounds
from data_loaders.households.cases import AssessmentForm
from tests.conftest import BOTH, ROOT, analytics
from tests.test_households import R1, TOOL, _file, _orgs

BACKENDS = BOTH
DAY = date(2020, 1, 28)  # every household of R1 was assessed that day
LATER = date(2020, 3, 31)  # "today" for the changes below: after every day they name


@pytest.fixture
def casework_db(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "3")
    _orgs(db)
    assert rounds.import_round(db, "r1.csv", _file(R1), TOOL).committed
    return db


def _case(con, org, household):
    return cases.case_detail(con, org, household)["case"]


# --- a round opens the cases --------------------------------------------------------

def test_a_round_opens_a_case_for_each_household_and_a_later_one_is_a_contact(casework_db):
    con = casework_db
    rows = con.execute("SELECT case_status, opened_on, last_contact_on, next_review_on, "
                       "count(*) FROM household_cases GROUP BY 1, 2, 3, 4").fetchall()
    # Twelve households assessed on 28 January: open, reviewed two weeks later.
    assert [(s, str(o), str(c), str(r), n) for s, o, c, r, n in rows] == [
        ("open", "2020-01-28", "2020-01-28", "2020-02-11", 12)]
    # H1 assessed again on 25 February: the last contact moves, the review too (it had
    # passed); the case still opened on 28 January.
    again = R1[0].replace("R1,2020-01-28", "R2,2020-02-25")
    assert rounds.import_round(con, "r2.csv", _file([again]), TOOL).committed
    h1 = _case(con, "ORG1", "H1")
    assert (h1["opened_on"], h1["last_contact_on"], h1["next_review_on"]) == (
        DAY, date(2020, 2, 25), date(2020, 3, 10))
    # An earlier round imported late moves nothing back.
    late = R1[0].replace("R1,2020-01-28", "R0,2020-01-20")
    assert rounds.import_round(con, "r0.csv", _file([late]), TOOL).committed
    h1 = _case(con, "ORG1", "H1")
    assert (h1["opened_on"], h1["last_contact_on"]) == (date(2020, 1, 20), date(2020, 2, 25))


# --- the follow-up list ----------------------------------------------------------------

def test_the_follow_up_list_puts_due_and_silent_cases_first(casework_db):
    con = casework_db
    # On 15 February (18 days after the contact, review was the 11th): all due, none
    # silent for 21 days.
    load = cases.caseload(con, "ORG2", date(2020, 2, 15), no_contact=21)
    assert list(load["household_id"]) == ["G1", "G2", "G3", "G4"]
    assert load["due"].all() and not load["no_contact"].any()
    assert list(load["days_since_contact"]) == [18, 18, 18, 18]
    # G2 seen on the 14th, next review on the 28th: no longer due, so last among the open.
    assert cases.update_case(con, "ORG2", "G2", "in_progress", date(2020, 2, 14),
                             next_review_on=date(2020, 2, 28), today=LATER) == []
    # G4 resolved: closed cases come after every open one.
    assert cases.update_case(con, "ORG2", "G4", "resolved", date(2020, 2, 13),
                             close_reason="已返城复工", today=LATER) == []
    load = cases.caseload(con, "ORG2", date(2020, 2, 20), no_contact=21)
    assert list(load["household_id"]) == ["G1", "G3", "G2", "G4"]
    assert list(load["due"]) == [True, True, False, False]
    # 23 days since 28 January: silent; G2's contact was 6 days ago.
    assert list(load["no_contact"]) == [True, True, False, False]
    assert list(load["days_since_contact"])[:3] == [23, 23, 6]
    # Only the organisation's own households, and never the notes.
    assert "notes" not in load.columns
    assert set(cases.caseload(con, "ORG1", LATER)["household_id"]) == {f"H{i}" for i in range(1, 9)}


def test_flagged_after_the_configured_days(casework_db, monkeypatch):
    monkeypatch.setenv("LIFELINE_NO_CONTACT_DAYS", "10")
    assert cases.no_contact_days() == 10
    load = cases.caseload(casework_db, "ORG2", date(2020, 2, 7))  # 10 days after
    assert load["no_contact"].all() and not load["due"].any()
    monkeypatch.setenv("LIFELINE_NO_CONTACT_DAYS", "ten")
    assert cases.no_contact_days() == 21


# --- changing a case -----------------------------------------------------------------

def test_a_case_closes_with_its_reason_and_reopens(casework_db):
    con = casework_db
    assert cases.update_case(con, "ORG1", "H1", "resolved", date(2020, 2, 20),
                             close_reason="孩子已复课", notes="母亲电话 13812345678，身份证 "
                             "420102198001011234", today=LATER) == []
    h1 = _case(con, "ORG1", "H1")
    assert (h1["case_status"], h1["closed_on"], h1["close_reason"], h1["next_review_on"],
            h1["last_contact_on"]) == ("resolved", date(2020, 2, 20), "孩子已复课", None,
                                       date(2020, 2, 20))
    # The notes keep what was written, without the phone or the ID-card number.
    assert "13812345678" not in h1["notes"] and "420102198001011234" not in h1["notes"]
    assert h1["notes"].startswith("母亲电话")
    # Re-opened: the close is cleared, a review two weeks on; the notes stay.
    assert cases.update_case(con, "ORG1", "H1", "in_progress", date(2020, 3, 1), today=LATER) == []
    h1 = _case(con, "ORG1", "H1")
    assert (h1["closed_on"], h1["close_reason"], h1["next_review_on"]) == (
        None, None, date(2020, 3, 15))
    assert h1["notes"].startswith("母亲电话")
    # Losing contact is not a contact: the last one stays 1 March.
    assert cases.update_case(con, "ORG1", "H1", "lost_contact", date(2020, 3, 20),
                             close_reason="电话停机", today=LATER) == []
    assert _case(con, "ORG1", "H1")["last_contact_on"] == date(2020, 3, 1)


def test_a_case_s_follow_up_moves_the_casework_version_not_the_data_version(casework_db):
    # Every cached page is keyed by the data version: a caseworker's save must not turn
    # them all cold. Only the queries that read the cases follow the casework version.
    from data_loaders import store

    con = casework_db

    def versions():
        return tuple(int(v) for v in store.data_versions(analytics(con)))

    data, casework = versions()
    assert casework == 0 and data > 0  # the round import is a change like any other
    assert cases.update_case(con, "ORG1", "H1", "in_progress", date(2020, 2, 7),
                             today=LATER) == []
    after_update = versions()
    assert after_update[0] == data and after_update[1] > data
    assert cases.add_service(con, "ORG1", "H1", date(2020, 2, 8), "information",
                             today=LATER) == []
    after_service = versions()
    assert after_service[0] == data and after_service[1] > after_update[1]
    assert store.data_version(analytics(con)) == str(data)
    # A round moves the data version (it changes what every household aggregate reads).
    again = R1[1].replace("R1,2020-01-28", "R2,2020-02-25")
    assert rounds.import_round(con, "r2.csv", _file([again]), TOOL).committed
    assert versions()[0] > after_service[1]


def test_who_follows_a_case(casework_db):
    con = casework_db
    assert _case(con, "ORG1", "H1")["caseworker"] is None  # a round assigns nobody
    # A service by someone takes a case no one follows; it does not take a colleague's.
    assert cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "information",
                             today=LATER, caseworker="wang@ngo1.example") == []
    assert cases.add_service(con, "ORG1", "H1", date(2020, 2, 6), "information",
                             today=LATER, caseworker="li@ngo1.example") == []
    assert _case(con, "ORG1", "H1")["caseworker"] == "wang@ngo1.example"
    # An update keeps it unless the one saving takes it over.
    assert cases.update_case(con, "ORG1", "H1", "in_progress", date(2020, 2, 7),
                             today=LATER) == []
    assert _case(con, "ORG1", "H1")["caseworker"] == "wang@ngo1.example"
    assert cases.update_case(con, "ORG1", "H1", "in_progress", date(2020, 2, 8), today=LATER,
                             caseworker="li@ngo1.example") == []
    load = cases.caseload(con, "ORG1", LATER).set_index("household_id")
    assert load.loc["H1", "caseworker"] == "li@ngo1.example"
    assert load.loc["H2", "caseworker"] is None
    # A later round keeps who follows it.
    again = R1[0].replace("R1,2020-01-28", "R2,2020-02-25")
    assert rounds.import_round(con, "r2.csv", _file([again]), TOOL).committed
    assert _case(con, "ORG1", "H1")["caseworker"] == "li@ngo1.example"


def test_a_change_that_cannot_be_made_names_each_problem_and_writes_nothing(casework_db):
    con = casework_db
    before = con.execute("SELECT * FROM household_cases ORDER BY household_key").fetchall()
    problems = cases.update_case(con, "ORG1", "H1", "resolved", date(2020, 4, 2), today=LATER)
    assert [(p.column, p.code) for p in problems] == [("last_contact_on", "future_date"),
                                                     ("close_reason", "close_reason_missing")]
    problems = cases.update_case(con, "ORG1", "H1", "open", date(2020, 1, 1), today=LATER)
    assert [(p.column, p.code, p.expected) for p in problems] == [
        ("last_contact_on", "before_opened", "2020-01-28")]
    problems = cases.update_case(con, "ORG1", "H1", "open", date(2020, 2, 1),
                                 next_review_on=date(2020, 1, 30), today=LATER)
    assert [p.code for p in problems] == ["review_before_contact"]
    assert [p.code for p in cases.update_case(con, "ORG1", "H1", "closed", date(2020, 2, 1),
                                              today=LATER)] == ["unknown_value"]
    # Another organisation's household is not found, as if it did not exist.
    assert [p.code for p in cases.update_case(con, "ORG2", "H1", "open", date(2020, 2, 1),
                                              today=LATER)] == ["unknown_household"]
    assert con.execute("SELECT * FROM household_cases ORDER BY household_key").fetchall() == before


def test_a_service_is_a_contact_and_cash_aid_needs_its_amount(casework_db):
    con = casework_db
    problems = cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "cash_aid", today=LATER)
    assert [p.code for p in problems] == ["cash_amount_missing"]
    problems = cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "referral",
                                 referred_to="ORG1", today=LATER)
    assert [p.code for p in problems] == ["referral_missing"]
    problems = cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "referral",
                                 referred_to="NOBODY", today=LATER)
    assert [(p.code, p.expected) for p in problems] == [("unknown_reference", "organizations")]
    problems = cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "cash_aid", 2e6, today=LATER)
    assert [p.code for p in problems] == ["above_maximum"]
    assert con.execute("SELECT count(*) FROM household_services").fetchone()[0] == 0
    assert cases.add_service(con, "ORG1", "H1", date(2020, 2, 5), "cash_aid", 500.0,
                             today=LATER) == []
    assert cases.add_service(con, "ORG1", "H1", date(2020, 2, 6), "referral",
                             referred_to="ORG2", today=LATER) == []
    h1 = cases.case_detail(con, "ORG1", "H1")
    # In progress now; last contact the 6th; the review (11 February) had not passed.
    assert (h1["case"]["case_status"], h1["case"]["last_contact_on"],
            h1["case"]["next_review_on"]) == ("in_progress", date(2020, 2, 6), date(2020, 2, 11))
    services = h1["services"]
    assert list(services["service_kind"]) == ["referral", "cash_aid"]  # the latest first
    assert list(services["referred_to"].fillna("")) == ["ORG2", ""]
    assert cases.caseload(con, "ORG1", LATER).set_index("household_id").loc["H1", "cash_cny"] == 500


def test_the_form_is_checked_as_a_round_row(casework_db):
    con = casework_db
    # A phone number as the household's id, an unknown region, no answer at all.
    report = cases.save_assessment(con, "ORG1", AssessmentForm(
        {"household_id": "13812345678", "region": "火星"}, "R2", date(2020, 2, 25), {}), TOOL)
    assert [(p.column, p.code) for p in report.problems] == [
        ("household_id", "identifying_value"), ("region", "unknown_region"), (None, "no_answers")]
    assert all("13812345678" not in str(p) for p in report.problems)
    report = cases.save_assessment(con, "ORG1", AssessmentForm(
        {"household_id": "H9", "region": "武汉市", "size": 4, "children": True},
        "R2", date(2020, 2, 25), {"protection": 3, "labour_contract": 0}), TOOL)
    assert report.committed and (report.households, report.answers) == (1, 2)
    h9 = cases.case_detail(con, "ORG1", "H9")
    assert h9["case"]["case_status"] == "open" and h9["case"]["opened_on"] == date(2020, 2, 25)
    assert h9["record"]["children"] is True or h9["record"]["children"] == 1
    assert sorted(zip(h9["answers"]["question_id"], h9["answers"]["answer"])) == [
        ("labour_contract", 0), ("protection", 3)]
    # The form acts for its own organisation: ORG2 cannot write ORG1's household.
    assert cases.case_detail(con, "ORG2", "H9") is None


# --- the cases in aggregate ----------------------------------------------------------

def _close_some(con) -> None:
    """By hand: H1, H2, H3 and G1 resolved (days open on each line), H4 lost contact,
    G5 assessed on 20 February; cash aid to H5 (500 + 300), H6 (200) and G2 (1,000)."""
    for org, household, day in (("ORG1", "H1", date(2020, 2, 7)),    # 10 days
                                ("ORG1", "H2", date(2020, 2, 17)),   # 20 days
                                ("ORG1", "H3", date(2020, 2, 27)),   # 30 days
                                ("ORG2", "G1", date(2020, 2, 12))):  # 15 days
        assert cases.update_case(con, org, household, "resolved", day, close_reason="ok",
                                 today=LATER) == []
    assert cases.update_case(con, "ORG1", "H4", "lost_contact", date(2020, 2, 20),
                             close_reason="失联", today=LATER) == []
    assert cases.save_assessment(con, "ORG2", AssessmentForm(
        {"household_id": "G5", "region": "广州市"}, "R2", date(2020, 2, 20),
        {"protection": 1}), TOOL).committed
    for org, household, day, amount in (("ORG1", "H5", date(2020, 2, 3), 500.0),
                                        ("ORG1", "H5", date(2020, 2, 24), 300.0),
                                        ("ORG1", "H6", date(2020, 2, 4), 200.0),
                                        ("ORG2", "G2", date(2020, 2, 5), 1000.0)):
        assert cases.add_service(con, org, household, day, "cash_aid", amount, today=LATER) == []


def test_case_summary_by_province_under_suppression(casework_db):
    _close_some(casework_db)
    read = analytics(casework_db)
    summary = hh.case_summary(read, date(2020, 3, 1)).set_index("region")
    # Open on 1 March: Hubei H5-H8 (4), Guangdong G2-G5 (4), the network 8.
    assert list(summary["open"]) == [8, 4, 4]
    # Resolved: Hubei 3, Guangdong 1 ("<3"); Hubei's 3 would give Guangdong's away from
    # the network's 4, so it is hidden too. The median of 10, 20, 30 and 15 days is 17.5,
    # published with the network's count only.
    assert list(summary["resolved"]) == [4, "x", "<3"]
    assert summary.loc["all", "median_days"] == 17.5
    assert summary.loc["420000", "median_days"] is None
    # One lost contact: "<3" in Hubei and in the network.
    assert list(summary["lost_contact"]) == ["<3", "<3", 0]
    # Cash aid: Hubei H5 and H6 (2: "<3"), Guangdong G2 (1), the network 3 with 2,000
    # yuan; a region's yuan is hidden with its count.
    assert list(summary["cash_households"]) == [3, "<3", "<3"]
    assert summary.loc["all", "cash_cny"] == 2000.0
    assert summary.loc["420000", "cash_cny"] is None
    # As of 10 February: H1 resolved only, G5 not yet opened; the 300 yuan not yet given.
    early = hh.case_summary(read, date(2020, 2, 10)).set_index("region")
    assert list(early["open"]) == [11, 7, 4] and early.loc["all", "resolved"] == "<3"
    assert early.loc["all", "median_days"] is None
    assert list(early["cash_households"]) == [3, "<3", "<3"]


def test_open_cases_by_age(casework_db):
    _close_some(casework_db)
    read = analytics(casework_db)
    # On 1 March: G5 opened 10 days before (0-13 days); the other 7 open cases 33 days
    # before (30-59). One case is "<3", and the 7 would give it away from the open total.
    ages = hh.open_case_ages(read, date(2020, 3, 1))
    assert list(ages["band"]) == ["0_13", "14_29", "30_59", "60_plus"]
    assert list(ages["cases"]) == ["<3", 0, "x", 0]
    # On 15 February H1 (7th) and G1 (12th) had closed; the other 10 are 18 days old.
    assert list(hh.open_case_ages(read, date(2020, 2, 15))["cases"]) == [0, 10, 0, 0]


# --- who may see a family's rows ------------------------------------------------------

HOUSEHOLD_QUERIES = sorted(name for name, q in access.all_queries().items()
                           if q.level == "household")


@pytest.mark.parametrize("role", [r for r in access.ROLES if r != "caseworker"])
@pytest.mark.parametrize("name", HOUSEHOLD_QUERIES)
def test_no_other_role_reaches_a_family_row(casework_db, role, name):
    # Bound to the very organisation, and as the hub: refused before the query runs.
    for acting in (role, access.bound(role, "ORG1")):
        with pytest.raises(AccessDenied):
            access.run(acting, name, casework_db, org_id="ORG1")


@pytest.mark.parametrize("name", HOUSEHOLD_QUERIES)
def test_a_caseworker_reaches_its_own_organisation_only(casework_db, name):
    for acting in (access.bound("caseworker", "ORG2"), "caseworker"):
        with pytest.raises(AccessDenied):
            access.run(acting, name, casework_db, org_id="ORG1")


def test_a_caseworker_reads_its_own_and_the_refusal_is_audited_without_a_household(casework_db):
    own = access.bound("caseworker", "ORG1")
    load = access.run(own, "cases.caseload", casework_db, org_id="ORG1", today=LATER)
    assert set(load["household_id"]) == {f"H{i}" for i in range(1, 9)}
    audit.acting_as("worker@ngo2.example")
    try:
        with pytest.raises(AccessDenied):
            access.run(access.bound("caseworker", "ORG2"), "cases.case_detail", casework_db,
                       org_id="ORG1", household_id="H1")
    finally:
        audit.acting_as(None)
    refusal = next(e for e in audit.entries() if e["action"] == "refused")
    assert refusal["level"] == "household" and refusal["actor"] == "worker@ngo2.example"
    assert "H1" not in str(refusal)  # the log names the query and organisation, not the family


def test_a_caseworker_sees_aggregates_and_no_network_detail():
    assert access.pages_for(access.bound("caseworker", "ORG1")) == [
        "overview", "methods", "households", "casework"]
    assert "casework" not in access.pages_for("hub")
    with pytest.raises(AccessDenied):
        access.run(access.bound("caseworker", "ORG1"), "store.read_table", None, "needs")


def test_a_whole_table_export_cannot_name_a_household_table(tmp_path, capsys):
    from data_loaders import store

    path = tmp_path / "families.duckdb"
    con = store.connect(path)
    _orgs(con)
    assert rounds.import_round(con, "r1.csv", _file(R1), TOOL).committed
    con.close()
    # The hub's whole-table export reads schema.TABLES, which holds no household table.
    for table in ("households", "household_cases", "household_answers"):
        assert main(["export", table, "--db", str(path)]) != 0
    out = capsys.readouterr().out
    assert "H1" not in out and "ORG1:" not in out


def test_only_the_household_modules_name_a_household_table():
    # A new page, export or briefing that read a household table directly would pass by
    # the gate's organisation check: the tables are named only where the gate covers them.
    allowed = {"data_loaders/households/rounds.py", "data_loaders/households/cases.py",
               "dashboard/analytics/households.py", "data_loaders/store/schema.py",
               "data_loaders/store/transfer.py", "data_loaders/store/replica.py"}
    pattern = re.compile(r"\b(FROM|JOIN|INTO|UPDATE)\s+household(s|_\w+)\b", re.I)
    naming = {str(path.relative_to(ROOT)) for folder in ("dashboard", "data_loaders", "geo")
              for path in Path(ROOT, folder).rglob("*.py") if pattern.search(path.read_text())}
    assert naming <= allowed, naming - allowed


def _reached(function, seen: set) -> None:
    """Every function of Lifeline that ``function`` calls, directly or further down (by
    the names its code uses: globals, and attributes of the modules it imported)."""
    if function in seen or not getattr(function, "__module__", "").startswith(
            ("dashboard", "data_loaders")):
        return
    seen.add(function)
    codes, names = [function.__code__], set()
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if inspect.iscode(c))
    found = function.__globals__
    modules = [v for v in found.values() if inspect.ismodule(v)
               and v.__name__.startswith(("dashboard", "data_loaders"))]
    for name in names:
        candidates = [found.get(name), *(getattr(m, name, None) for m in modules)]
        for candidate in candidates:
            if inspect.isfunction(candidate):
                _reached(candidate, seen)


def test_every_cached_query_that_reads_the_cases_follows_the_casework_version():
    # A case's update or service leaves the data version alone (store.CASEWORK_REASONS):
    # a cached query reading the cases without casework=True would show them stale.
    queries = access.all_queries()
    reads_cases = re.compile(r"\bhousehold_(cases|services)\b")
    stale = []
    for name, entry in queries.items():
        if entry.writes or entry.level == "household":  # read fresh, never cached
            continue
        reached: set = set()
        _reached(entry.function, reached)
        if any(reads_cases.search(inspect.getsource(f)) for f in reached) and not entry.casework:
            stale.append(name)
    assert not stale
    flagged = {n for n, e in queries.items() if e.casework}
    assert flagged >= {"households.case_summary", "households.open_case_ages",
                       "round_report.build_round_report"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_empty_round_file_imports_once_filled_in(casework_db, lang):
    blank = rounds.template(TOOL, lang).decode("utf-8-sig")
    header = blank.strip().split(",")
    assert len(header) == 10 + len(TOOL.questions)
    assert header[0] == ("住户编号" if lang == "zh" else "household_id")
    row = {0: "H20", 1: "ORG1", 2: "武汉市", 8: "R3", 9: "2020-03-02"}
    cells = [row.get(i, "") for i in range(len(header))]
    cells[header.index("防护" if lang == "zh" else "protection")] = "严重"
    filled = (blank + ",".join(cells) + "\n").encode("utf-8")
    report = rounds.import_round(casework_db, f"round_{lang}.csv", filled, TOOL, org_id="ORG1")
    assert report.committed, report.problems
    assert cases.case_detail(casework_db, "ORG1", "H20")["answers"]["answer"].tolist() == [3]


def test_a_withheld_cell_under_a_chinese_header_is_named_once(casework_db):
    data = ("住户编号,跟进机构,地区,评估轮次,评估日期,防护\n"
            "13912345678,ORG1,武汉市,R3,2020-03-20,中度\n").encode("gb18030")
    report = rounds.import_round(casework_db, "r3.csv", data, TOOL, org_id="ORG1")
    # Emptied for holding a phone number: not also "required" under its own name.
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (2, "住户编号", "identifying_value")]
