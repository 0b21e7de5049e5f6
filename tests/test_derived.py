"""The derived tables (issue 16): kept current at write time, they equal a rebuild from
scratch after any sequence of imports, corrections and retractions, on both store
engines (the file store keeps its own; a PostgreSQL store's replica keeps its own)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.store import derived
from tests.conftest import BOTH, analytics

BACKENDS = BOTH

FACILITIES = ("F1", "F1", "F2", "F3")
ITEMS = ("N95口罩", " N95口罩", "防护服", None)
CATEGORIES = ("ppe", "ppe", "ppe", "food")
START = date(2020, 2, 1)


def _day(rng: random.Random) -> date | None:
    return START + timedelta(days=rng.randrange(0, 20))


def _need(rng: random.Random, need_id: str) -> dict:
    status = rng.choice(("open", "open", "closed", "cancelled"))
    reported = _day(rng)
    return {"need_id": need_id, "facility_id": rng.choice(FACILITIES), "reported_on": reported,
            "category": rng.choice(CATEGORIES), "item": rng.choice(ITEMS),
            "quantity": float(rng.randrange(1, 500)), "unit": "只", "status": status,
            "closed_on": (reported + timedelta(days=rng.randrange(0, 6))
                          if status == "closed" else None)}


def _delivery(rng: random.Random, delivery_id: str, needs: list[str]) -> dict:
    dates = {k: (_day(rng) if rng.random() < 0.6 else None)
             for k in ("dispatched_on", "expected_on", "delivered_on")}
    return {"delivery_id": delivery_id,
            "need_id": rng.choice(needs) if needs and rng.random() < 0.3 else None,
            "facility_id": rng.choice(FACILITIES), "category": rng.choice(CATEGORIES),
            "item": rng.choice(ITEMS), "quantity": float(rng.randrange(1, 300)), "unit": "只",
            "status": rng.choice(("planned", "in_transit", "delivered", "failed")), **dates}


def _links(con, rebuilt: bool) -> list[tuple]:
    sql = derived.links_select() if rebuilt else "SELECT * FROM need_links"
    return sorted(con.execute(sql).fetchall())


def _base(con) -> None:
    store.write(con, {
        "organizations": pd.DataFrame([{"org_id": "O1", "name": "武汉驿站", "org_type": "hub"}]),
        "facilities": pd.DataFrame([{"facility_id": f, "name": f"医院{f}",
                                     "facility_type": "hospital", "region": "武汉市"}
                                    for f in sorted(set(FACILITIES))])})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_links_kept_at_write_time_equal_a_rebuild_after_random_changes(db, seed):
    rng = random.Random(seed)
    _base(db)
    needs: dict[str, dict] = {}
    deliveries: dict[str, dict] = {}
    rules: set[str] = set()
    steps = {"needs": 0, "deliveries": 0, "corrections": 0, "retractions": 0, "refused": 0}
    for step in range(30):
        action = rng.choice(("needs", "deliveries", "correct", "correct", "retract"))
        if action == "needs" or not needs:
            batch = [_need(rng, f"N{step}-{i}") for i in range(rng.randrange(1, 5))]
            store.write(db, {"needs": pd.DataFrame(batch)})
            needs.update({row["need_id"]: row for row in batch})
            steps["needs"] += 1
        elif action == "deliveries":
            batch = [_delivery(rng, f"D{step}-{i}", list(needs)) for i in range(rng.randrange(1, 6))]
            store.write(db, {"deliveries": pd.DataFrame(batch)})
            deliveries.update({row["delivery_id"]: row for row in batch})
            steps["deliveries"] += 1
        elif action == "correct":
            # A correction moves a need to another facility, item, date or status, or a
            # delivery to another need or day: each can change several links.
            if deliveries and rng.random() < 0.5:
                key = rng.choice(list(deliveries))
                row = {**_delivery(rng, key, list(needs))}
                store.write(db, {"deliveries": pd.DataFrame([row])})
                deliveries[key] = row
            else:
                key = rng.choice(list(needs))
                row = _need(rng, key)
                store.write(db, {"needs": pd.DataFrame([row])})
                needs[key] = row
            steps["corrections"] += 1
        else:
            if deliveries and rng.random() < 0.5:
                key = rng.choice(list(deliveries))
                store.retract(db, "deliveries", [key])
                deliveries.pop(key)
            else:
                key = rng.choice(list(needs))
                try:
                    store.retract(db, "needs", [key])
                    needs.pop(key)
                except ValueError:  # a delivery still names it: refused, nothing changed
                    steps["refused"] += 1
            steps["retractions"] += 1
        con = analytics(db)
        kept = _links(con, rebuilt=False)
        assert kept == _links(con, rebuilt=True), (step, action)
        rules |= {rule for _, _, rule in kept}
    assert rules == {"explicit", "matched"}, steps  # both rules were exercised
    assert steps["corrections"] and steps["retractions"], steps


def test_a_write_that_fails_leaves_the_links_as_they_were(db):
    _base(db)
    store.write(db, {"needs": pd.DataFrame([{
        "need_id": "N1", "facility_id": "F1", "reported_on": START, "category": "ppe",
        "item": "N95口罩", "quantity": 100.0, "status": "open"}])})
    store.write(db, {"deliveries": pd.DataFrame([{
        "delivery_id": "D1", "facility_id": "F1", "category": "ppe", "item": "N95口罩",
        "quantity": 10.0, "status": "delivered", "delivered_on": START + timedelta(days=2)}])})
    assert _links(analytics(db), rebuilt=False) == [("D1", "N1", "matched")]
    with pytest.raises(RuntimeError):
        with store.transaction(db):
            store.upsert(db, {"needs": pd.DataFrame([{
                "need_id": "N1", "facility_id": "F2", "reported_on": START, "category": "ppe",
                "item": "N95口罩", "quantity": 100.0, "status": "open"}])})
            raise RuntimeError("the import stopped half way")
    assert _links(analytics(db), rebuilt=False) == [("D1", "N1", "matched")]


def test_an_import_through_the_importer_links_its_deliveries(db):
    files = [
        SourceFile("facilities.csv", "facility_id,name,facility_type,region\n"
                   "F1,同济医院,hospital,武汉市\n".encode()),
        SourceFile("needs.csv", "need_id,facility_id,reported_on,category,item,quantity,unit\n"
                   "N1,F1,2020-02-01,ppe,N95口罩,500,只\n".encode()),
        SourceFile("deliveries.csv", "delivery_id,need_id,facility_id,category,item,quantity,"
                   "unit,delivered_on,status\nD1,,F1,ppe,N95口罩,200,只,2020-02-03,delivered\n"
                   "D2,N1,F1,ppe,N95口罩,100,只,2020-01-20,delivered\n".encode()),
    ]
    report = import_files(db, files)
    assert report.committed, report.problems
    # D2 arrived before the need was reported: it answered something else.
    assert _links(analytics(db), rebuilt=False) == [("D1", "N1", "matched")]


@pytest.mark.parametrize("backend", ["duckdb"])  # the file store: PostgreSQL derives nothing
def test_a_store_from_before_the_links_is_filled_when_it_is_brought_up_to_date(db, backend):
    _base(db)
    store.write(db, {"needs": pd.DataFrame([{
        "need_id": "N1", "facility_id": "F1", "reported_on": START, "category": "ppe",
        "item": None, "quantity": 100.0, "status": "open"}]),
        "deliveries": pd.DataFrame([{"delivery_id": "D1", "facility_id": "F1",
                                     "category": "ppe", "quantity": 5.0, "status": "planned",
                                     "expected_on": START}])})
    # As the release before version 6 left it: no derived table, version 5.
    db.execute("DROP TABLE need_links")
    db.execute("DELETE FROM lifeline_schema WHERE version >= ?", [derived.MIGRATION])
    location = store.location()
    db.close()
    store._READY.clear()  # as another process, or the next release, opening the file
    con = store.connect(location)
    assert _links(con, rebuilt=False) == [("D1", "N1", "matched")]
    con.close()
