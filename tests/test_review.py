"""The review queue against a real DuckDB store: enqueue, confirm, correct, reject, remember."""

from __future__ import annotations

import importlib

import pytest

from data_loaders import store
from data_loaders.ingest import formats
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.ingest.review import (
    QueuedReview,
    aliases,
    decide,
    enqueue,
    ensure_review_table,
    groups,
    pending,
)
from tests.conftest import BOTH
from tests.test_distribution_sheet import FACILITIES_CSV, tiny_sheet

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

for _module in formats.BUILTIN:  # see tests/test_distribution_sheet.py
    importlib.import_module(f"data_loaders.ingest.formats.{_module}")


def _payload(delivery_id: str) -> dict:
    return {"delivery_id": delivery_id, "facility_id": None, "supplier_id": "ORG-RC-WUHAN",
            "category": "ppe", "item": "口罩", "quantity": 100.0, "unit": "个",
            "delivered_on": "2020-01-30", "status": "delivered"}


def _item(row: int, raw_name: str, proposed: str | None = "F-TJ") -> QueuedReview:
    return QueuedReview("list.xlsx", row, raw_name, proposed, "同济" if proposed else None,
                        0.73 if proposed else 0.0, "facility", payload=_payload(f"RC-20200130-{row}"))


@pytest.fixture
def queued(db):
    report = import_files(db, [
        SourceFile("facilities.csv", FACILITIES_CSV.encode()),
        SourceFile("organizations.csv", "org_id,name,org_type,region\n"
                   "ORG-RC-WUHAN,武汉市红十字会,other,420100\n".encode()),
    ])
    assert report.ok, report.problems
    items = [_item(5, "同济医院"), _item(6, "同济医院"), _item(9, "水务集团", None)]
    assert enqueue(db, items, "imp1") == 3
    return db


def test_enqueue_is_idempotent_and_pending_lists(queued):
    assert enqueue(queued, [_item(5, "同济医院")], "imp2") == 0
    frame = pending(queued)
    assert list(frame["row"]) == [5, 6, 9]
    assert set(frame.columns) >= {"review_id", "raw_name", "proposed_id", "confidence", "payload"}


def test_pending_without_a_table_is_empty(db):
    assert pending(db).empty
    assert aliases(db) == {}


def test_confirm_writes_the_payloads_and_remembers_the_name(queued):
    first = pending(queued).iloc[0]
    result = decide(queued, first["review_id"], "F-TJ")
    assert result["status"] == "confirmed" and result["written"] == 2
    assert len(result["review_ids"]) == 2  # both lines of 同济医院
    deliveries = store.read_table(queued, "deliveries")
    assert list(deliveries["delivery_id"]) == ["RC-20200130-5", "RC-20200130-6"]
    assert set(deliveries["facility_id"]) == {"F-TJ"}
    assert list(pending(queued)["raw_name"]) == ["水务集团"]
    assert aliases(queued) == {"同济医院": "F-TJ"}
    row = queued.execute("SELECT status, decided_id, decided_at FROM review_queue "
                         "WHERE review_id = ?", [first["review_id"]]).fetchone()
    assert row[0] == "confirmed" and row[1] == "F-TJ" and row[2] is not None
    with pytest.raises(KeyError):
        decide(queued, first["review_id"], "F-TJ")  # already decided


def test_correction_and_rejection(queued):
    frame = pending(queued)
    corrected = decide(queued, frame.iloc[0]["review_id"], "F-XH")  # not the proposal
    assert corrected["facility_id"] == "F-XH"
    assert set(store.read_table(queued, "deliveries")["facility_id"]) == {"F-XH"}
    water = frame[frame["raw_name"] == "水务集团"].iloc[0]
    rejected = decide(queued, water["review_id"], None)
    assert rejected == {"status": "rejected", "facility_id": None, "raw_name": "水务集团",
                        "review_ids": [water["review_id"]], "written": 0}
    assert len(store.read_table(queued, "deliveries")) == 2
    assert pending(queued).empty
    assert "水务集团" not in aliases(queued)


def test_unknown_facility_writes_and_records_nothing(queued):
    first = pending(queued).iloc[0]
    with pytest.raises(ValueError, match="unknown_reference"):
        decide(queued, first["review_id"], "F-NOPE")
    assert store.read_table(queued, "deliveries").empty
    assert len(pending(queued)) == 3
    assert aliases(queued) == {}


def test_confirmed_name_matches_automatically_on_the_next_import(db):
    assert import_files(db, [SourceFile("facilities.csv", FACILITIES_CSV.encode())]).ok
    sheet = tiny_sheet()
    report = import_files(db, [SourceFile("list.xlsx", sheet)])
    assert report.ok and len(report.review) == 1  # 水务集团, queued by the importer
    water = pending(db).iloc[0]
    # Say 水务集团's line went to the Tongji hospital (a test decision, not a fact).
    decide(db, water["review_id"], "F-TJ")
    assert store.existing_keys(db, "deliveries") >= {"RC-20200130-10"}

    from data_loaders.ingest.formats.distribution_sheet import DistributionSheetFormat

    again = DistributionSheetFormat().convert("list.xlsx", sheet, ImportContext(con=db))
    assert again.review == []
    deliveries = {raw.table.name: raw for raw in again.tables}["deliveries"].frame
    assert deliveries.set_index("delivery_id").loc["RC-20200130-10", "facility_id"] == "F-TJ"


def test_ensure_review_table_is_repeatable(db):
    ensure_review_table(db)
    ensure_review_table(db)
    assert pending(db).empty


def _review_page(db_path: str, lang: str) -> None:
    """An AppTest script: the review section alone, for the hub, on the store at
    ``db_path`` (the test names it in LIFELINE_DB)."""
    from dashboard.app.frame import View
    from dashboard.app.review import review_section

    review_section(View(lang, None, 7, (db_path, "", "hub"), None, None))


def test_review_section_confirms_a_proposal(queued, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = store.location()  # the store ``queued`` writes to, file or PostgreSQL
    frame = groups(queued)
    rid = frame.loc[frame["raw_name"] == "同济医院", "review_id"].iloc[0]
    queued.close()  # DuckDB allows one writer: the page opens its own connections
    at = AppTest.from_function(_review_page, args=(path, "en"), default_timeout=30).run()
    assert not at.exception
    assert at.subheader[0].value == "Matches to confirm"
    assert len(at.radio) == 2  # one decision per name, not per line
    # The name with a proposal starts at "confirm"; its own save button settles it.
    assert at.radio(key=f"review_action_{rid}").value == "confirm"
    at.button(key=f"review_apply_{rid}").click().run()
    assert not at.exception
    con = store.connect(path)
    try:
        assert set(store.read_table(con, "deliveries")["facility_id"]) == {"F-TJ"}
        assert list(pending(con)["raw_name"]) == ["水务集团"]
    finally:
        con.close()
