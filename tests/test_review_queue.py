"""The review queue finishes the job (issue 11 §6): exact names pass, new facilities,
bulk acceptance, and every decision landing whole — against a real DuckDB store."""

from __future__ import annotations

import importlib

import pytest

from data_loaders import store
from data_loaders.ingest import formats
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.formats.distribution_sheet import DistributionSheetFormat
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.ingest.mapping import facility_id_for
from data_loaders.ingest.matching import Match, accept, match_name, normalise_name
from data_loaders.ingest.review import (
    NotPending,
    QueuedReview,
    ReviewError,
    accept_all,
    aliases,
    bulk_candidates,
    create_facility,
    decide,
    default_region,
    enqueue,
    groups,
    pending,
)
from tests.conftest import BOTH
from tests.test_distribution_sheet import FACILITIES_CSV, workbook
from tests.test_review import _payload

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

for _module in formats.BUILTIN:  # see tests/test_distribution_sheet.py
    importlib.import_module(f"data_loaders.ingest.formats.{_module}")

ORGS_CSV = "org_id,name,org_type,region\nORG-RC-WUHAN,武汉市红十字会,other,420100\n"
# Two hospitals of one name in one prefecture: only a person can tell which is meant.
TWINS_CSV = ("facility_id,name,facility_type,region\n"
             "F-TWIN1,武汉市第九医院,hospital,青山区\nF-TWIN2,武汉市第九医院,hospital,武昌区\n")


def _item(row: int, raw_name: str, proposed: str | None = None, confidence: float = 0.0,
          region: str | None = "420100") -> QueuedReview:
    return QueuedReview("list.xlsx", row, raw_name, proposed, "提议" if proposed else None,
                        confidence, "facility", payload=_payload(f"RC-20200130-{row}"),
                        region=region)


@pytest.fixture
def store_db(db):
    report = import_files(db, [SourceFile("facilities.csv", FACILITIES_CSV.encode()),
                               SourceFile("organizations.csv", ORGS_CSV.encode())])
    assert report.ok, report.problems
    return db


@pytest.fixture
def queued(store_db):
    items = [_item(5, "同济医院", "F-TJ", 0.73), _item(6, "同济医院", "F-TJ", 0.73),
             _item(7, "协和医院", "F-XH", 0.95), _item(8, "武汉市第七医院"),
             _item(9, "武汉市第七医院"), _item(10, "水务集团")]
    assert enqueue(store_db, items, "imp1") == 6
    return store_db


def review_of(con, raw_name: str) -> str:
    return pending(con).set_index("raw_name").loc[[raw_name], "review_id"].iloc[0]


def deliveries(con) -> dict[str, str]:
    frame = store.read_table(con, "deliveries")
    return dict(zip(frame["delivery_id"], frame["facility_id"]))


# -- exact matches need no person ----------------------------------------------------

def test_the_one_exact_match_is_accepted_whatever_the_margin():
    exact = Match("A", "武汉市中心医院", 1.0, "exact", 1.0)
    close = Match("B", "武汉市中心医院分院", 0.97, "similar", 0.97)
    assert accept([exact, close]) is exact


def test_two_facilities_with_the_same_exact_name_go_to_review():
    # Exactly the ambiguity margin apart: the margin rule alone would accept the first.
    first = Match("A", "武汉市中心医院", 1.0, "exact", 1.05)
    second = Match("B", "中心医院", 1.0, "exact", 1.0)
    assert accept([first, second]) is None
    found = match_name("中心医院", [("A", "武汉市中心医院", "420100"), ("B", "中心医院", None)],
                       "420100")
    assert [m.confidence for m in found] == [1.0, 1.0]
    assert accept(found) is None


def test_an_exact_name_in_another_prefecture_does_not_compete():
    found = match_name("中心医院", [("A", "武汉市中心医院", "420100"),
                                    ("H", "黄石市中心医院", "420200")], "420100")
    assert accept(found).facility_id == "A"


def test_exact_names_on_a_sheet_pass_and_twins_wait(store_db):
    assert import_files(store_db, [SourceFile("twins.csv", TWINS_CSV.encode())]).ok
    rows = [["接收单位", "品名", "数量"], ["武汉市金银潭医院", "口罩", 5], ["第九医院", "口罩", 7]]
    conversion = DistributionSheetFormat().convert(
        "list.xlsx", workbook(rows), ImportContext(con=store_db, path="2020-01-30.xlsx"))
    frame = {raw.table.name: raw for raw in conversion.tables}["deliveries"].frame
    assert dict(zip(frame["delivery_id"], frame["facility_id"])) == {"RC-20200130-2": "F-JYT"}
    [twin] = conversion.review
    assert (twin.row, twin.raw_name, twin.confidence, twin.region) == (3, "第九医院", 1.0, "420100")


# -- groups -------------------------------------------------------------------------

def test_groups_are_one_row_per_name_with_its_best_proposal(queued):
    enqueue(queued, [_item(11, "同济医院", "F-XH", 0.6)], "imp2")
    frame = groups(queued)
    assert list(frame["raw_name"]) == ["同济医院", "武汉市第七医院", "协和医院", "水务集团"]
    assert list(frame["lines"]) == [3, 2, 1, 1]
    tongji = frame.iloc[0]
    assert (tongji["proposed_id"], tongji["confidence"], tongji["list_region"]) == (
        "F-TJ", 0.73, "420100")
    assert frame.iloc[1]["proposed_id"] is None


# -- decide lands whole -------------------------------------------------------------

def _refuse_confirmations(con) -> None:
    """Rebuild review_queue so that recording a confirmation fails (a CHECK constraint):
    the status update then fails after the deliveries were written."""
    if getattr(con, "dialect", None) == "postgres":
        con.execute("ALTER TABLE review_queue ADD CONSTRAINT no_confirmation "
                    "CHECK (status <> 'confirmed') NOT VALID")
        return
    made = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'review_queue'"
                       ).fetchone()[0]
    con.execute("ALTER TABLE review_queue RENAME TO review_old")
    con.execute(made.replace("DEFAULT('pending')",
                             "DEFAULT('pending') CHECK (status <> 'confirmed')"))
    con.execute("INSERT INTO review_queue SELECT * FROM review_old")
    con.execute("DROP TABLE review_old")


def test_decide_writes_nothing_when_the_status_cannot_be_recorded(queued):
    _refuse_confirmations(queued)
    with pytest.raises(Exception, match="CHECK|[Cc]onstraint"):
        decide(queued, review_of(queued, "同济医院"), "F-TJ")
    assert deliveries(queued) == {}
    assert aliases(queued) == {}
    assert len(pending(queued)) == 6


def test_decide_names_the_problem_with_a_code(queued):
    with pytest.raises(ReviewError) as refused:
        decide(queued, review_of(queued, "同济医院"), "F-NOPE")
    assert refused.value.code == "invalid" and "unknown_reference" in str(refused.value)
    with pytest.raises(NotPending) as gone:
        decide(queued, "no-such-id", "F-TJ")
    assert isinstance(gone.value, KeyError) and gone.value.code == "not_pending"


# -- a new facility from the queue ---------------------------------------------------

def test_create_facility_writes_facility_deliveries_and_alias(queued):
    result = create_facility(queued, review_of(queued, "武汉市第七医院"), "武汉市第七医院",
                             "hospital", "武汉市")
    new_id = facility_id_for("武汉市第七医院", "420100")
    assert result == {"status": "confirmed", "created": True, "facility_id": new_id,
                      "name": "武汉市第七医院", "region": "420100", "raw_name": "武汉市第七医院",
                      "review_ids": result["review_ids"], "written": 2}
    assert len(result["review_ids"]) == 2
    facility = store.read_table(queued, "facilities").set_index("facility_id").loc[new_id]
    assert (facility["name"], facility["facility_type"], facility["region_adcode"]) == (
        "武汉市第七医院", "hospital", "420100")
    assert deliveries(queued) == {"RC-20200130-8": new_id, "RC-20200130-9": new_id}
    assert aliases(queued)[normalise_name("武汉市第七医院")] == new_id
    assert "武汉市第七医院" not in set(pending(queued)["raw_name"])
    status = queued.execute("SELECT DISTINCT status, decided_id FROM review_queue "
                            "WHERE raw_name = '武汉市第七医院'").fetchall()
    assert status == [("confirmed", new_id)]


def test_a_created_facility_may_be_given_a_county(queued):
    result = create_facility(queued, review_of(queued, "水务集团"), "武汉市水务集团", "other",
                             "硚口区")
    assert result["facility_id"] == facility_id_for("武汉市水务集团", "420104")
    row = queued.execute("SELECT region_adcode, county_adcode FROM facilities "
                         "WHERE facility_id = ?", [result["facility_id"]]).fetchone()
    assert row == ("420100", "420104")
    assert aliases(queued)["水务集团"] == result["facility_id"]  # the name as written


@pytest.mark.parametrize("name, facility_type, region, code", [
    ("", "hospital", "420100", "no_name"),
    ("武汉市第七医院", "palace", "420100", "unknown_type"),
    ("武汉市第七医院", "hospital", "长沙市", "unknown_region"),  # not of this province
    ("武汉市第七医院", "hospital", "湖北省", "unknown_region"),  # a province is not a place
    ("武汉市金银潭医院", "hospital", "江岸区", "facility_exists"),  # in Wuhan already: choose it
])
def test_create_facility_refusals_change_nothing(queued, name, facility_type, region, code):
    before = store.row_counts(queued)
    with pytest.raises(ReviewError) as refused:
        create_facility(queued, review_of(queued, "武汉市第七医院"), name, facility_type, region)
    assert refused.value.code == code
    assert store.row_counts(queued) == before and len(pending(queued)) == 6


def test_create_facility_is_one_transaction(store_db):
    # The line's supplier is unknown: the deliveries do not validate, so the facility
    # that would have been valid on its own is not created either.
    item = _item(20, "武汉市第七医院")
    item.payload["supplier_id"] = "ORG-NOPE"
    enqueue(store_db, [item], "imp1")
    with pytest.raises(ReviewError, match="supplier_id=ORG-NOPE: unknown_reference"):
        create_facility(store_db, review_of(store_db, "武汉市第七医院"), "武汉市第七医院",
                        "hospital", "420100")
    assert len(store.read_table(store_db, "facilities")) == 3
    assert deliveries(store_db) == {} and aliases(store_db) == {}


def test_create_facility_leaves_nothing_when_the_status_cannot_be_recorded(queued):
    _refuse_confirmations(queued)
    before = store.row_counts(queued)
    with pytest.raises(Exception, match="CHECK|[Cc]onstraint"):
        create_facility(queued, review_of(queued, "武汉市第七医院"), "武汉市第七医院",
                        "hospital", "420100")
    assert store.row_counts(queued) == before and aliases(queued) == {}


def test_a_created_facility_matches_the_next_import(store_db):
    rows = [["发放物资一览表"], ["2020年1月30日"], ["接收单位", "品名", "数量"],
            ["武汉市第七医院", "医用口罩", 100]]
    data = workbook(rows)
    report = import_files(store_db, [SourceFile("list.xlsx", data)])
    assert report.ok and [r.raw_name for r in report.review] == ["武汉市第七医院"]
    created = create_facility(store_db, review_of(store_db, "武汉市第七医院"), "武汉市第七医院",
                              "hospital", default_region("武汉市第七医院", "420100"))
    again = DistributionSheetFormat().convert("list.xlsx", data, ImportContext(con=store_db))
    assert again.review == []
    frame = {raw.table.name: raw for raw in again.tables}["deliveries"].frame
    assert list(frame["facility_id"]) == [created["facility_id"]]


@pytest.mark.parametrize("raw, list_region, expected", [
    ("武汉市第七医院", "420100", "420100"),
    ("第七医院", "420100", "420100"),  # the list's region
    ("黄石市中心医院", "420100", "420200"),  # a prefecture written in the name wins
    ("青山区商务局", "420100", "420107"),  # a county of the list's prefecture
    ("武汉市江夏区第一人民医院", None, "420115"),
    ("水务集团", None, None),
    ("水务集团", "110000", None),  # not a place of this province
])
def test_default_region(raw, list_region, expected):
    assert default_region(raw, list_region) == expected


def test_the_same_name_and_region_give_the_same_id():
    assert facility_id_for("武汉市第七医院", "420100") == facility_id_for(" 武汉市第七医院", "420100")
    assert facility_id_for("武汉市第七医院", "420100") != facility_id_for("武汉市第七医院", "420200")


# -- accept all proposals at or above X ----------------------------------------------

def test_accept_all_takes_the_proposals_at_or_above_the_threshold(queued):
    result = accept_all(queued, 0.9)
    assert result == {"groups": [{"raw_name": "协和医院", "facility_id": "F-XH", "lines": 1,
                                  "written": 1}], "lines": 1, "written": 1, "left": []}
    assert deliveries(queued) == {"RC-20200130-7": "F-XH"}
    result = accept_all(queued, 0.7)
    assert [(g["raw_name"], g["lines"]) for g in result["groups"]] == [("同济医院", 2)]
    assert (result["lines"], result["written"]) == (2, 2)
    # Names without a proposal are never accepted in bulk, whatever the threshold.
    assert accept_all(queued, 0.01) == {"groups": [], "lines": 0, "written": 0, "left": []}
    assert set(pending(queued)["raw_name"]) == {"武汉市第七医院", "水务集团"}
    assert aliases(queued) == {"同济医院": "F-TJ", "协和医院": "F-XH"}


def test_accept_all_leaves_a_tie_to_a_person(queued):
    assert import_files(queued, [SourceFile("twins.csv", TWINS_CSV.encode())]).ok
    # Queued because two facilities answer to it at 1.0; the proposal is the first of them.
    enqueue(queued, [_item(40, "第九医院", "F-TWIN1", 1.0)], "imp2")
    to_accept, left = bulk_candidates(queued, 0.9)
    assert list(to_accept["raw_name"]) == ["协和医院"] and list(left["raw_name"]) == ["第九医院"]
    result = accept_all(queued, 0.9)
    assert [g["raw_name"] for g in result["groups"]] == ["协和医院"]
    assert result["left"] == ["第九医院"]
    assert "第九医院" in set(pending(queued)["raw_name"])


def test_accept_all_is_one_transaction(queued):
    # The third name's line names an unknown supplier: it fails after two names were
    # written, and neither of them is confirmed.
    bad = _item(30, "金银潭医院", "F-JYT", 0.99)
    bad.payload["supplier_id"] = "ORG-NOPE"
    enqueue(queued, [bad], "imp2")
    assert list(bulk_candidates(queued, 0.7)[0]["raw_name"]) == ["同济医院", "协和医院", "金银潭医院"]
    with pytest.raises(ReviewError) as refused:
        accept_all(queued, 0.7)
    assert refused.value.code == "invalid" and refused.value.raw_name == "金银潭医院"
    assert [p.code for p in refused.value.problems] == ["unknown_reference"]
    assert deliveries(queued) == {} and aliases(queued) == {}
    assert len(pending(queued)) == 7


@pytest.mark.parametrize("threshold", [0, 1.5, -0.2])
def test_accept_all_refuses_a_threshold_outside_0_1(queued, threshold):
    with pytest.raises(ReviewError) as refused:
        accept_all(queued, threshold)
    assert refused.value.code == "bad_threshold"


@pytest.mark.parametrize("backend", ["duckdb"])  # DuckDB's checkpoint after a commit
def test_a_decision_saved_while_another_session_reads_is_reported_saved(queued):
    # Another session of the app holds a connection in the middle of a read: DuckDB then
    # refuses the checkpoint after the commit, which must not turn a saved decision
    # into an error (the person would decide again on a name already settled).
    other = store.connect(store.database_file(queued))
    try:
        other.execute("SELECT count(*) FROM review_queue").fetchone()  # not read to the end
        result = decide(queued, review_of(queued, "同济医院"), "F-TJ")
    finally:
        other.close()
    assert result["written"] == 2
    assert deliveries(queued) == {"RC-20200130-5": "F-TJ", "RC-20200130-6": "F-TJ"}


# -- on the real sheet ---------------------------------------------------------------

@pytest.mark.realworld
def test_the_real_sheet_is_finished_from_the_queue(db):
    from tests.test_distribution_sheet import REAL_FACILITIES, _real

    sheet, flat = _real()
    assert import_files(db, [SourceFile("facilities.csv", REAL_FACILITIES.encode())]).ok
    first = import_files(db, [SourceFile(sheet.name, sheet.read_bytes())])
    assert first.ok, first.problems[:5]
    lines = flat["recipient"].value_counts()
    assert bulk_candidates(db, 0.9)[0].empty  # nothing on this sheet is that close
    bulk = accept_all(db, 0.7)
    assert [(g["raw_name"], g["facility_id"], g["lines"]) for g in bulk["groups"]] == [
        ("同济医院", "WH-TJ", lines["同济医院"])]
    assert default_region("青山区商务局", "420100") == "420107"
    created = create_facility(db, review_of(db, "武汉市优抚医院"), "武汉市优抚医院", "hospital",
                              default_region("武汉市优抚医院", "420100"))
    assert created["written"] == lines["武汉市优抚医院"]
    # Imported again, the sheet asks about the three names nobody has decided yet.
    again = import_files(db, [SourceFile(sheet.name, sheet.read_bytes())])
    assert {r.raw_name for r in again.review} == {"水务集团", "青山区商务局", "记者协会"}
    assert again.written["deliveries"] == len(flat) - len(again.review)
