"""Who sees what (issue 7): the gate at the query layer, the role mapping, the pages each
role is offered, the command line's --role, and the audit log."""

from __future__ import annotations

import json

import pytest

from dashboard import access
from dashboard.access import AccessDenied, audit
from dashboard.access.auth import RoleMap, RolesFileError, load_role_map
from dashboard.analytics.metrics import Scope
from dashboard.app.frame import open_page
from dashboard.briefing.round_report import UnknownRound
from dashboard.cli import AS_OF_EXPORTS, EXPORTS, main
from dashboard.i18n import t
from dashboard.present.markup import md
from data_loaders.households.cases import AssessmentForm
from data_loaders.ingest.importer import SourceFile
from data_loaders.ingest.mapping import Mapping
from data_loaders.ingest.review import ReviewError
from data_loaders.ingest.submissions import SubmissionInvalid, SubmissionRefused
from tests.apptest import run_app
from tests.conftest import AS_OF, BOTH, analytics

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

SCOPE = Scope(AS_OF, 7)
ALL_PAGES = ["overview", "briefing", "map", "coverage", "needs", "partners", "network",
             "funding", "report", "data", "methods", "households"]


# --- the gate ---------------------------------------------------------------------

QUERIES = access.all_queries()
# A value for each required argument of a registered query, by its name (a write is
# given one that changes nothing: no files, no ids).
SAMPLES = {"scope": SCOPE, "as_of": AS_OF, "day": AS_OF, "prefecture": "420100",
           "org_id": "P1", "dimension": "category", "name": "organizations", "costs": {},
           "actor": "test", "files": [], "paths": [], "review_id": "R-none",
           "facility_id": None, "facility_type": "hospital", "region": "420100", "ids": [],
           "status": "discarded", "key": "P1", "quarantine_ids": [],
           "source": SourceFile("organizations.csv", b""),
           "mapping": Mapping("organizations"), "keys": ["P1"], "submission_ids": [],
           "comment": "请核对", "table": "pledges", "row": {}, "record": {},
           "tables": frozenset({"pledges"}), "refs": {"organizations": ["P1"]},
           "first": "R1", "second": "R2", "round_id": "R1", "data": b"",
           "household_ids": [], "household_id": "H-none", "on": AS_OF, "given_on": AS_OF,
           "kind": "information", "today": AS_OF,
           "form": AssessmentForm({}, "R1", AS_OF, {})}


def _arguments(entry: access.Query, con, role: str) -> dict:
    import inspect

    values = {}
    for parameter in inspect.signature(entry.function).parameters.values():
        if parameter.default is not inspect.Parameter.empty or parameter.kind in (
                parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        values[parameter.name] = con if parameter.name == "con" else \
            role if parameter.name == "role" else SAMPLES[parameter.name]
    if entry.scope:  # named even where it may be left out (a round names its organisation)
        values[entry.scope] = SAMPLES[entry.scope]
    return values


@pytest.mark.parametrize("role", access.ROLES)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_registered_query_runs_for_the_roles_of_its_level_and_no_other(
        request, name, role):
    entry = QUERIES[name]
    if entry.level not in access.ROLE_LEVELS[role]:
        # No arguments at all: a TypeError would mean the query ran before the check.
        with pytest.raises(AccessDenied):
            access.run(role, name)
        return
    arguments = _arguments(entry, request.getfixturevalue("scenario_db"), role)
    if entry.scope and role in access.BOUND_ROLES:
        # A partner or funder acts for its own organisation (the one the sample names).
        role = access.bound(role, SAMPLES["org_id"])
    try:
        access.run(role, name, **arguments)
    except ReviewError as exc:  # a decision on a queue item that does not exist
        assert entry.writes and exc.code == "not_pending"
    except SubmissionRefused as exc:  # an empty row is no organisation's
        assert name == "submissions.submit" and exc.code == "not_own_row"
    except SubmissionInvalid:  # an empty workbook files nothing, and says so
        assert name == "submissions.submit_workbook"
    except FileNotFoundError:  # a mapping profile no one saved
        assert name == "mapping.load_profile"
    except UnknownRound:  # the scenario holds no assessment round
        assert name == "round_report.build_round_report"


@pytest.mark.parametrize("role", access.ROLES)
@pytest.mark.parametrize("export", [*EXPORTS, "organizations", "needs"])
def test_every_cli_export_runs_for_the_roles_of_its_query_and_no_other(request, capsys, export,
                                                                      role, tmp_path, monkeypatch):
    level = access.registered(EXPORTS.get(export, "store.read_table")).level
    if level in access.ROLE_LEVELS[role]:
        request.getfixturevalue("cli_db")
    else:  # refused before the store is opened: an empty folder shows it reads nothing
        monkeypatch.setenv("LIFELINE_DB", str(tmp_path / "none.duckdb"))
    if export == "brief":
        argv = ["brief", "--as-of", "2020-02-15"]
    elif export == "open_needs":
        argv = ["export", "needs", "--as-of", "2020-02-15"]
    elif export == "aggregates":
        argv = ["export", "aggregates", "--end", "2020-02-15", "--format", "json"]
    elif export in AS_OF_EXPORTS:
        argv = ["export", export, "--as-of", "2020-02-15"]
    else:
        argv = ["export", export]
    expected = 0 if level in access.ROLE_LEVELS[role] else 3
    assert main([*argv, "--role", role]) == expected, capsys.readouterr().err
    written = capsys.readouterr().out
    assert bool(written.strip()) == (expected == 0)
    if expected == 3:
        assert not (tmp_path / "none.duckdb").exists()  # refused before the store was opened


def test_the_registry_names_each_query_once_and_every_write_is_raw_or_scoped():
    assert set(QUERIES) >= {"importer.import_files", "review.decide", "store.set_quarantine_status",
                            "audit.entries", "allocation.save_need_costs"}
    # A write below raw acts for one organisation, which the gate checks (scope).
    assert all(q.level == "raw" or q.scope == "org_id" for q in QUERIES.values() if q.writes)
    assert sorted(q.name for q in QUERIES.values() if q.writes and q.level != "raw") == [
        "cases.add_service", "cases.save_assessment", "cases.update_case",
        "rounds.delete_households", "rounds.import_round", "submissions.submit",
        "submissions.submit_workbook"]
    # A family's rows are read and written for one organisation only, by no role but its
    # caseworkers.
    household = {q.name for q in QUERIES.values() if q.level == "household"}
    assert household == {"cases.add_service", "cases.save_assessment", "cases.update_case",
                         "cases.caseload", "cases.case_detail", "cases.organisations",
                         "rounds.delete_households",
                         "rounds.import_round"}
    assert all(QUERIES[name].scope == "org_id" for name in household)
    assert [role for role in access.ROLES if "household" in access.ROLE_LEVELS[role]] == [
        "caseworker"]
    assert all(access.registered(q.function) is q for q in QUERIES.values())
    with pytest.raises(KeyError, match="not a registered query"):
        access.run("hub", "needs.no_such_query")


def test_two_queries_of_one_name_are_refused_when_declared():
    def needs_at(con, scope):  # another module's function of the same name
        return None

    with pytest.raises(ValueError, match="two queries named 'needs.needs_at'"):
        access.query("facility", name="needs.needs_at")(needs_at)


def test_a_refused_query_is_audited_with_who_asked(db):
    audit.acting_as("board@foundation.example")
    try:
        with pytest.raises(AccessDenied):
            access.run("funder", "store.read_table", db, "organizations")
    finally:
        audit.acting_as(None)
    newest = audit.entries()[0]
    assert {k: newest[k] for k in ("action", "actor", "role", "kind", "what", "level")} == {
        "action": "refused", "actor": "board@foundation.example", "role": "funder",
        "kind": "query", "what": "store.read_table", "level": "raw"}
    assert access.run("funder", "metrics.data_date_range", analytics(db)) is not None
    assert audit.entries()[0] == newest  # a permitted query writes nothing


def test_levels_per_role():
    assert access.ROLE_LEVELS["hub"] == set(access.LEVELS) - {"household"}
    assert access.ROLE_LEVELS["caseworker"] == {"aggregate", "suppressed", "household"}
    assert "raw" not in access.ROLE_LEVELS["funder"]
    assert access.ROLE_LEVELS["researcher"] == {"aggregate", "suppressed"}
    assert access.ROLE_LEVELS["public"] == {"aggregate"}
    assert access.levels(None) == set() and access.levels("admin") == set()


def test_researcher_gets_suppressed_aggregates_and_nothing_finer(scenario_db):
    frame, meta = access.run("researcher", "research.research_aggregates", scenario_db)
    assert meta["suppression"]["threshold"] == 5 and not frame.empty
    for name in ("needs.needs_at", "partners.freshness", "funding.overlaps",
                 "metrics.facility_status", "network.build_network", "briefing.build_brief"):
        with pytest.raises(AccessDenied):
            access.run("researcher", name, scenario_db, SCOPE)
    with pytest.raises(AccessDenied):  # the unsuppressed numbers are the hub's
        access.run("researcher", "research.aggregates", scenario_db)
    summary = access.run("researcher", "metrics.region_summary", scenario_db, SCOPE)
    assert "name" in summary.columns and "facility_id" not in summary.columns


def test_funder_sees_detail_but_not_raw_tables(scenario_db):
    assert len(access.run("funder", "needs.needs_at", scenario_db, SCOPE)) == 3
    assert not access.run("funder", "partners.freshness", scenario_db, SCOPE).empty
    for name in ("store.read_table", "store.import_history", "store.quarantined"):
        with pytest.raises(AccessDenied):
            access.run("funder", name, scenario_db, "organizations")


def test_public_and_unknown_roles():
    with pytest.raises(AccessDenied):
        access.run("public", "research.research_aggregates")
    with pytest.raises(AccessDenied):
        access.run(None, "metrics.region_summary")
    with pytest.raises(KeyError):
        access.run("hub", "os.system")  # only registered queries run at all


def test_pages_per_role():
    assert access.pages_for("hub") == ALL_PAGES
    assert access.pages_for("funder") == [p for p in ALL_PAGES if p != "data"]
    assert access.pages_for("researcher") == ["overview", "methods", "households"]
    assert access.pages_for("public") == ["overview"]
    assert access.pages_for(None) == []


# --- the role mapping ---------------------------------------------------------------

def test_role_for_addresses():
    roles = RoleMap(users={"lead@hub.example": "hub"},
                    domains={"hub.example": "funder", "uni.example": "researcher"},
                    signed_in_default="none")
    assert roles.role_for("Lead@Hub.Example ") == "hub"  # exact address wins, any case
    assert roles.role_for("other@hub.example") == "funder"
    assert roles.role_for("x@lab.uni.example") == "researcher"  # sub-domains included
    assert roles.role_for("x@evil-uni.example") is None  # not a sub-domain
    assert roles.role_for("x@uni.example.evil") is None
    assert roles.role_for(None) is None
    assert RoleMap().role_for("anyone@anywhere") == "public"
    assert RoleMap(anonymous="none").anonymous_role() is None


def test_roles_file_errors_name_the_entry(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[domains]\n"uni.example" = "admin"\n', encoding="utf-8")
    with pytest.raises(RolesFileError, match="domains.uni.example = 'admin'"):
        load_role_map(path)
    path.write_text('[access]\nanonymous = "everything"\n', encoding="utf-8")
    with pytest.raises(RolesFileError, match="access.anonymous"):
        load_role_map(path)
    assert load_role_map(tmp_path / "missing.toml") == RoleMap()


def test_the_example_roles_file_is_valid():
    from tests.conftest import ROOT

    roles = load_role_map(ROOT / "config" / "roles.example.toml")
    assert roles.role_for("a@foundation.example") == "funder"


# --- the app, per role ----------------------------------------------------------------

@pytest.fixture
def signin(tmp_path, monkeypatch):
    """Sign-in mode with a roles file; returns a runner taking the signed-in address."""
    roles = tmp_path / "roles.toml"
    roles.write_text('[users]\n"lead@hub.example" = "hub"\n'
                     '[domains]\n"foundation.example" = "funder"\n"uni.example" = "researcher"\n'
                     '"ngo.example" = { role = "caseworker", org = "P1" }\n'
                     '[access]\nsigned_in_default = "public"\nanonymous = "overview"\n',
                     encoding="utf-8")
    monkeypatch.setenv("LIFELINE_AUTH", "oidc")
    monkeypatch.setenv("LIFELINE_ROLES", str(roles))

    def run(email: str | None, page: str | None = None, **claims):
        user = {"is_logged_in": True, "email": email, **claims} if email else {"is_logged_in": False}
        return run_app(page, {"as_of": "2020-02-15"}, user=user)

    return run


def _can_open(at, page: str) -> bool:
    """True when the page's address opens the page (a page the role is not offered is not
    registered, and Streamlit shows the first page instead)."""
    open_page(at, page).run()
    assert not at.exception
    return at.title[0].value == t(f"{page}.title", "zh")


@pytest.mark.parametrize("email, role, pages", [
    ("lead@hub.example", "枢纽", ALL_PAGES),
    ("board@foundation.example", "资助方", [p for p in ALL_PAGES if p != "data"]),
    ("someone@uni.example", "研究者", ["overview", "methods", "households"]),
    ("worker@ngo.example", "社工", ["overview", "methods", "households", "casework"]),
    ("stranger@elsewhere.example", "公众", ["overview"]),
])
def test_each_role_sees_exactly_its_pages(scenario_db, signin, email, role, pages):
    at = signin(email)
    assert f"已登录：{md(email)}（{role}）" in [c.value for c in at.sidebar.caption]
    assert [b.label for b in at.sidebar.button] == ["退出登录"]
    opened = [p for p in [*ALL_PAGES, "casework"] if p != "overview"
              and _can_open(signin(email), p)]
    assert ["overview", *opened] == pages


def test_anonymous_visitor_sees_the_overview_and_a_sign_in_button(scenario_db, signin):
    at = signin(None)
    assert [b.label for b in at.sidebar.button] == ["登录"]
    assert at.title[0].value and not _can_open(signin(None), "needs")


def test_no_access_without_a_role(scenario_db, signin, tmp_path, monkeypatch):
    roles = tmp_path / "closed.toml"
    roles.write_text('[access]\nsigned_in_default = "none"\nanonymous = "none"\n', encoding="utf-8")
    monkeypatch.setenv("LIFELINE_ROLES", str(roles))
    at = signin("stranger@elsewhere.example")
    assert f"{md('stranger@elsewhere.example')} 尚未获得任何访问权限" in at.warning[0].value
    assert not at.dataframe and not at.get("plotly_chart")
    at = signin(None)
    assert at.info[0].value == "请先登录。" and [b.label for b in at.sidebar.button] == ["登录"]


def test_local_mode_is_labelled_and_is_the_hub(scenario_db):
    at = run_app(None, {"as_of": "2020-02-15"})
    assert any(c.value.startswith("本机模式") for c in at.sidebar.caption)
    assert _can_open(at, "data")


def test_sign_in_is_audited_once_per_session(scenario_db, signin):
    at = signin("board@foundation.example")
    at.run()  # a rerun in the same session is not a new sign-in
    entries = [e for e in audit.entries() if e["action"] == "sign_in"]
    assert len(entries) == 1
    assert entries[0]["actor"] == "board@foundation.example" and entries[0]["role"] == "funder"


def test_one_sign_in_is_one_audit_entry_however_many_pages_are_loaded(scenario_db, signin):
    """Each page load is a new session; the token's issue time names the sign-in."""
    for page in (None, "needs", "funding"):
        signin("board@foundation.example", page, iat=1_581_724_800)
    signin("board@foundation.example", iat=1_581_811_200)  # signed in again the next day
    entries = [e for e in audit.entries() if e["action"] == "sign_in"]
    assert [e["signed_in_at"] for e in entries] == [1_581_811_200, 1_581_724_800]


# --- the command line -----------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path, monkeypatch, capsys):
    """The scenario imported through the command line, with no connection left open."""
    from tests.conftest import SCENARIO

    monkeypatch.setenv("LIFELINE_DB", str(tmp_path / "cli.duckdb"))
    assert main(["import", str(SCENARIO)]) == 0
    capsys.readouterr()


def test_cli_role_refuses_what_the_role_may_not_see(cli_db, capsys):
    assert main(["export", "needs", "--as-of", "2020-02-15", "--role", "researcher"]) == 3
    assert "may not export 'needs'" in capsys.readouterr().err
    assert main(["export", "organizations", "--role", "funder"]) == 3
    # Without --as-of, "needs" is the stored table as a whole (raw): a funder may export the
    # needs open at a date, never the table (once this fell through to a raw read).
    capsys.readouterr()
    assert main(["export", "needs", "--role", "funder"]) == 3
    assert "may not export 'needs' (it reveals raw-level detail)" in capsys.readouterr().err
    refusal = audit.entries()[0]  # every refusal is in the audit log
    assert (refusal["action"], refusal["kind"], refusal["what"], refusal["role"]) == (
        "refused", "export", "needs", "funder")
    assert main(["export", "needs", "--as-of", "2020-02-15", "--role", "funder"]) == 0
    assert "N1" in capsys.readouterr().out
    assert main(["export", "needs"]) == 0  # the hub (the command line's default) may
    capsys.readouterr()
    assert main(["brief", "--as-of", "2020-02-15", "--role", "public"]) == 3
    assert main(["export", "aggregates", "--end", "2020-02-15", "--format", "json",
                 "--role", "researcher"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meta"]["suppression"]["threshold"] == 5


def test_cli_imports_and_exports_are_audited(cli_db, capsys):
    assert main(["export", "partners", "--as-of", "2020-02-15"]) == 0
    capsys.readouterr()
    actions = [(e["action"], e.get("what")) for e in audit.entries()]
    assert actions[:2] == [("export", "partners"), ("import", None)]
    newest = audit.entries()[0]
    assert newest["actor"].startswith("local") and newest["role"] == "hub"
    assert newest["as_of"] == "2020-02-15"


def _log_without_reads(at):
    """The Data page's audit log without the entries its own reads just wrote."""
    log = next(d.value for d in at.dataframe if "操作" in d.value.columns)
    return log[log["操作"] != "查看明细"].reset_index(drop=True)


def test_reads_of_facility_and_raw_detail_are_audited_once_per_session(scenario_db):
    at = run_app("needs", {"as_of": "2020-02-15"})
    reads = [e for e in audit.entries() if e["action"] == "read"]
    # One entry for the page's facility-level reads, naming the page and the first query.
    assert [(e["page"], e["level"], e["role"]) for e in reads] == [("needs", "facility", "hub")]
    assert reads[0]["what"].startswith("needs.")
    at.run()  # a rerun of the same page is not another read in the log
    assert len([e for e in audit.entries() if e["action"] == "read"]) == len(reads)
    # Region-level counts are not audited.
    run_app(None, {"as_of": "2020-02-15"})
    assert not [e for e in audit.entries() if e["action"] == "read"
                and e["what"].startswith("metrics.region")]


def test_a_refusal_reads_in_the_hubs_audit_log(cli_db):
    assert main(["export", "organizations", "--role", "funder"]) == 3
    log = _log_without_reads(run_app("data"))
    assert (log.iloc[0]["操作"], log.iloc[0]["角色"], log.iloc[0]["内容"]) == (
        "拒绝访问", "资助方", "机构")


def test_data_page_shows_the_audit_log_to_the_hub(cli_db):
    log = _log_without_reads(run_app("data"))
    assert log.iloc[0]["操作"] == "导入" and log.iloc[0]["角色"] == "枢纽"
    assert "needs.csv" in log.iloc[0]["文件"] and "需求 7" in log.iloc[0]["内容"]


def test_a_download_is_built_and_audited_only_when_its_session_presses_it(scenario_db, monkeypatch):
    """Drawing a page stores no file to fetch (a link cannot outlive its session); the
    press builds the file and writes who took it to the audit log."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    pressed = {}
    original = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        pressed[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = run_app("needs", {"as_of": "2020-02-15"})
    buttons = at.get("download_button")
    assert buttons and all(b.proto.url == "" and b.proto.deferred_file_id for b in buttons)
    assert not [e for e in audit.entries() if e["action"] == "download"]
    name = next(n for n in pressed if n.startswith("lifeline_needs_"))
    data = pressed[name]()  # what Streamlit runs when the button is pressed
    assert data.decode("utf-8-sig").splitlines()[0]
    taken = audit.entries()[0]
    assert (taken["action"], taken["file"], taken["role"]) == ("download", name, "hub")
    assert taken["rows"] == len(data.decode("utf-8-sig").splitlines()) - 1
