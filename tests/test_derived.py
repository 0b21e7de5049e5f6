"""The derived tables (issue 16): kept current at write time, they equal a rebuild from
scratch after any sequence of imports, corrections and retractions, on both store
engines (the file store keeps its own; a PostgreSQL store's replica keeps its own)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from dashboard.analytics import metrics
from dashboard.analytics import needs as needs_analysis
from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.store import derived
from tests.conftest import BOTH, analytics

BACKENDS = BOTH

FACILITIES = ("F1", "F1", "F2", "F3")
ORGS = (None, "O1", "O2", "O3")
# (region, prefecture, county) as the importer derives them (store.write takes them as given)
REGIONS = (("武汉市", "420100", None), ("孝感市", "420900", None),
           ("江岸区", "420100", "420102"))
ITEMS = ("N95口罩", " N95口罩", "防护服", None)
CATEGORIES = ("ppe", "ppe", "ppe", "food")
START = date(2020, 2, 1)


def _day(rng: random.Random) -> date | None:
    return START + timedelta(days=rng.randrange(0, 20))


def _need(rng: random.Random, need_id: str) -> dict:
    status = rng.choice(("open", "open", "closed", "cancelled"))
    reported = _day(rng)
    return {"need_id": need_id, "facility_id": rng.choice(FACILITIES), "reported_on": reported,
            "priority": rng.choice(("normal", "urgent")),
            "category": rng.choice(CATEGORIES), "item": rng.choice(ITEMS),
            "quantity": float(rng.randrange(1, 500)), "unit": "只", "status": status,
            "closed_on": (reported + timedelta(days=rng.randrange(-1, 6))
                          if status == "closed" else None)}


def _delivery(rng: random.Random, delivery_id: str, needs: list[str]) -> dict:
    dates = {k: (_day(rng) if rng.random() < 0.6 else None)
             for k in ("dispatched_on", "expected_on", "delivered_on")}
    return {"delivery_id": delivery_id,
            "need_id": rng.choice(needs) if needs and rng.random() < 0.3 else None,
            "facility_id": rng.choice(FACILITIES), "category": rng.choice(CATEGORIES),
            "item": rng.choice(ITEMS), "quantity": float(rng.randrange(1, 300)), "unit": "只",
            "supplier_id": rng.choice(ORGS), "carrier_id": rng.choice(ORGS),
            "status": rng.choice(("planned", "in_transit", "delivered", "failed")), **dates}


def _activity(rng: random.Random, report_id: str) -> dict:
    region, prefecture, _ = rng.choice(REGIONS[:2])
    return {"report_id": report_id, "org_id": rng.choice(ORGS[1:]), "reported_on": _day(rng),
            "region": region, "region_adcode": prefecture, "activity_type": "distribution"}


def _facility(rng: random.Random | None, facility_id: str) -> dict:
    """A facility; with ``rng`` in a random area, its type changing with the area (a
    correction can move it, or find that it is a community, not a hospital)."""
    area = rng.choice(REGIONS) if rng else REGIONS[0]
    region, prefecture, county = area
    # The type follows the area and the id (drawing it would change every seed's sequence).
    kind = (("hospital", "community", "village", "warehouse")[
        (REGIONS.index(area) + int(facility_id[1:])) % 4] if rng else "hospital")
    return {"facility_id": facility_id, "name": f"机构{facility_id}",
            "facility_type": kind, "region": region, "region_adcode": prefecture,
            "county_adcode": county}


def _links(con, rebuilt: bool) -> list[tuple]:
    """Every link with its kept state (quantity, days delivered, in transit, late)."""
    sql = derived.links_select() if rebuilt else "SELECT * FROM need_links"
    return con.execute(f"SELECT * FROM ({sql}) AS s ORDER BY ALL").fetchall()


def _signs(con, rebuilt: bool) -> list[tuple]:
    sql = derived.signs_select() if rebuilt else "SELECT * FROM work_signs"
    return con.execute(f"SELECT * FROM ({sql}) AS s ORDER BY ALL").fetchall()


def _deltas(con, rebuilt: bool) -> list[tuple]:
    sql = derived.deltas_select() if rebuilt else "SELECT * FROM area_day_deltas"
    return con.execute(f"SELECT * FROM ({sql}) AS s ORDER BY ALL").fetchall()


def _counts_by_definition(con, day: date) -> list[tuple]:
    """Open needs, urgent open needs and overdue deliveries per area on ``day``, counted
    from the records by METHODS' definitions (metrics.OPEN_NEED, metrics.OVERDUE)."""
    return con.execute(f"""
        SELECT f.region_adcode, f.county_adcode,
               count(*) FILTER (WHERE kind = 'need'),
               count(*) FILTER (WHERE kind = 'need' AND urgent),
               count(*) FILTER (WHERE kind = 'delivery')
        FROM (SELECT 'need' AS kind, n.facility_id, n.priority = 'urgent' AS urgent
              FROM needs n WHERE {metrics.OPEN_NEED}
              UNION ALL
              SELECT 'delivery', d.facility_id, FALSE FROM deliveries d
              WHERE {metrics.OVERDUE}) AS x JOIN facilities f USING (facility_id)
        GROUP BY ALL ORDER BY ALL""", {"d": day}).fetchall()


def _linked(con) -> list[tuple]:
    """The kept links as (delivery_id, need_id, link_rule)."""
    return [row[:3] for row in _links(con, rebuilt=False)]


def _arrived_by_definition(con, day: date) -> list[tuple]:
    """Per need open on ``day``: what its linked deliveries brought and what is on the
    way, from the deliveries themselves by METHODS' definitions ("Unmet needs")."""
    return con.execute(f"""
        SELECT n.need_id,
               coalesce(sum(d.quantity) FILTER (WHERE d.status = 'delivered'
                   AND d.delivered_on <= $d AND d.delivered_on >= n.reported_on), 0),
               coalesce(sum(d.quantity) FILTER (WHERE {metrics.NOT_FAILED_AT_D}
                   AND (d.dispatched_on IS NULL OR d.dispatched_on <= $d)
                   AND (d.delivered_on IS NULL OR d.delivered_on > $d)), 0)
        FROM needs n LEFT JOIN need_links l USING (need_id)
        LEFT JOIN deliveries d ON d.delivery_id = l.delivery_id
        WHERE {metrics.OPEN_NEED} GROUP BY n.need_id ORDER BY n.need_id""",
        {"d": day}).fetchall()


def _arrived_from_state(con, day: date) -> list[tuple]:
    """The same, as the Needs page reads it: from the links' kept state."""
    frame = needs_analysis.needs_at(con, metrics.Scope(day, province="420000"))
    return sorted(zip(frame["need_id"], frame["delivered"], frame["in_transit"],
                      strict=True))


def _mismatch_by_definition(con, day: date, window: int = 3) -> list[tuple]:
    """Per day from START to ``day``: deliveries delivered in the ``window`` days ending
    that day (all, to hospitals), needs open that day (all, at communities), counted from
    the records (METHODS "Where supplies went and where needs are")."""
    return con.execute(f"""
        SELECT c.day,
               count(DISTINCT d.delivery_id) FILTER (WHERE d.delivered_on > c.day - $w
                   AND d.delivered_on <= c.day),
               count(DISTINCT d.delivery_id) FILTER (WHERE d.delivered_on > c.day - $w
                   AND d.delivered_on <= c.day AND fd.facility_type IN {metrics.HOSPITALS_SQL}),
               count(DISTINCT n.need_id),
               count(DISTINCT n.need_id) FILTER (WHERE fn.facility_type IN
                                                 {metrics.COMMUNITIES_SQL})
        FROM (SELECT unnest(generate_series($first::DATE, $d::DATE, INTERVAL 1 DAY))::DATE
              AS day) AS c
        LEFT JOIN deliveries d ON d.status = 'delivered' AND d.delivered_on <= c.day
        LEFT JOIN facilities fd ON fd.facility_id = d.facility_id
        LEFT JOIN needs n ON n.reported_on <= c.day AND n.status <> 'cancelled'
             AND (n.closed_on IS NULL OR n.closed_on > c.day)
        LEFT JOIN facilities fn ON fn.facility_id = n.facility_id
        GROUP BY c.day ORDER BY c.day""", {"first": START, "d": day, "w": window}).fetchall()


def _mismatch_from_deltas(con, day: date, window: int = 3) -> list[tuple]:
    """The same, as the Needs page reads it (from area_day_deltas)."""
    frame = needs_analysis.mismatch_over_time(
        con, metrics.Scope(day, window, province="420000"), first=START)
    return list(frame[["day", "delivered", "hospital_delivered", "open_needs",
                       "community_open_needs"]].itertuples(index=False, name=None))


def _counts_from_deltas(con, day: date) -> list[tuple]:
    return con.execute("""
        SELECT region_adcode, county_adcode, sum(d_open), sum(d_urgent), sum(d_overdue)
        FROM area_day_deltas WHERE day <= $d GROUP BY ALL
        HAVING sum(d_open) <> 0 OR sum(d_overdue) <> 0 ORDER BY ALL""", {"d": day}).fetchall()


def _base(con) -> None:
    store.write(con, {
        "organizations": pd.DataFrame([
            {"org_id": "O1", "name": "武汉驿站", "org_type": "hub"},
            {"org_id": "O2", "name": "孝感志愿队", "org_type": "partner"},
            {"org_id": "O3", "name": "物流公司", "org_type": "company"}]),
        "facilities": pd.DataFrame([_facility(None, f) for f in sorted(set(FACILITIES))])})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_derived_tables_kept_at_write_time_equal_a_rebuild_after_random_changes(db, seed):
    rng = random.Random(seed)
    _base(db)
    needs: dict[str, dict] = {}
    deliveries: dict[str, dict] = {}
    activities: dict[str, dict] = {}
    rules: set[str] = set()
    counties: set[str | None] = set()
    overdue_seen = False
    states: set[str] = set()
    community_seen = False
    steps = {"needs": 0, "deliveries": 0, "activities": 0, "moves": 0, "corrections": 0,
             "retractions": 0, "refused": 0}
    for step in range(60):
        action = rng.choice(("needs", "needs", "deliveries", "deliveries", "activities",
                             "move", "correct", "correct", "retract"))
        if action == "activities":
            batch = [_activity(rng, f"R{step}-{i}") for i in range(rng.randrange(1, 4))]
            if activities and rng.random() < 0.5:  # a correction of an earlier report
                batch.append(_activity(rng, rng.choice(list(activities))))
            store.write(db, {"activities": pd.DataFrame(batch)})
            activities.update({row["report_id"]: row for row in batch})
            steps["activities"] += 1
        elif action == "move":  # a facility corrected to another region: its signs move
            store.write(db, {"facilities": pd.DataFrame(
                [_facility(rng, rng.choice(FACILITIES))])})
            steps["moves"] += 1
        elif action == "needs" or not needs:
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
            if activities and rng.random() < 0.3:
                key = rng.choice(list(activities))
                store.retract(db, "activities", [key])
                activities.pop(key)
            elif deliveries and rng.random() < 0.5:
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
        rules |= {row[2] for row in kept}
        states |= {_state(row) for row in kept}
        signs = _signs(con, rebuilt=False)
        assert signs == _signs(con, rebuilt=True), (step, action)
        counties |= {county for _, _, county, _ in signs}
        deltas = _deltas(con, rebuilt=False)
        assert deltas == _deltas(con, rebuilt=True), (step, action)
        if step % 10 == 9:  # the sums agree with the definitions on every day
            for day in (START + timedelta(days=k) for k in range(-1, 28)):
                assert _counts_from_deltas(con, day) == _counts_by_definition(con, day), day
                overdue_seen |= any(row[4] for row in _counts_by_definition(con, day))
                assert _arrived_from_state(con, day) == _arrived_by_definition(con, day), day
            last = START + timedelta(days=24)
            mismatch = _mismatch_from_deltas(con, last)
            assert mismatch == _mismatch_by_definition(con, last), step
            community_seen |= any(row[4] for row in mismatch)
    assert rules == {"explicit", "matched"}, steps  # both rules were exercised
    assert steps["corrections"] and steps["retractions"] and steps["moves"], steps
    assert None in counties and "420102" in counties, counties  # reports, counties
    assert overdue_seen and community_seen
    # Each kind of link state occurred: delivered, on the way, never on the way.
    assert states >= {"delivered", "on the way", "never on the way"}, states


def _state(row: tuple) -> str:
    """What a kept link row says about its need (its columns: derived._link_state)."""
    _, _, _, _, _, delivered_on, transit_from, transit_until, _ = row
    if delivered_on is not None:
        return "delivered"
    if transit_until <= transit_from:
        return "never on the way"
    return "on the way"


def test_each_link_keeps_its_state_for_any_day(db):
    """Hand-computed: the quantity, the day a delivery counts as delivered, the days it
    is on the way, and how late it came after its need closed."""
    _base(db)
    day = START
    store.write(db, {"needs": pd.DataFrame([
        {"need_id": "N1", "facility_id": "F1", "reported_on": day, "category": "ppe",
         "item": "口罩", "quantity": 100.0, "status": "open"},
        {"need_id": "N2", "facility_id": "F2", "reported_on": day, "category": "ppe",
         "item": "防护服", "quantity": 10.0, "status": "met",
         "closed_on": day + timedelta(days=3)}])})
    store.write(db, {"deliveries": pd.DataFrame([
        # dispatched on day 1, delivered on day 4: on the way on days 1–3
        {"delivery_id": "D1", "need_id": "N1", "facility_id": "F1", "category": "ppe",
         "item": "口罩", "quantity": 40.0, "status": "delivered",
         "dispatched_on": day + timedelta(days=1), "delivered_on": day + timedelta(days=4)},
        # planned, never dispatched: on the way from always until it arrives
        {"delivery_id": "D2", "need_id": None, "facility_id": "F1", "category": "ppe",
         "item": "口罩", "quantity": 25.0, "status": "planned",
         "expected_on": day + timedelta(days=5)},
        # arrived failed: never on the way
        {"delivery_id": "D3", "need_id": "N1", "facility_id": "F1", "category": "ppe",
         "item": "口罩", "quantity": 7.0, "status": "failed",
         "dispatched_on": day + timedelta(days=1)},
        # delivered two days after its need was met
        {"delivery_id": "D4", "need_id": "N2", "facility_id": "F2", "category": "ppe",
         "item": "防护服", "quantity": 10.0, "status": "delivered",
         "delivered_on": day + timedelta(days=5)}])})
    rows = {row[0]: row[3:] for row in _links(analytics(db), rebuilt=False)}
    ever, never = date.min, date.max
    assert rows == {
        "D1": ("F1", 40.0, day + timedelta(days=4), day + timedelta(days=1),
               day + timedelta(days=4), None),
        "D2": ("F1", 25.0, None, ever, never, None),
        "D3": ("F1", 7.0, None, day + timedelta(days=1), ever, None),
        "D4": ("F2", 10.0, day + timedelta(days=5), ever, day + timedelta(days=5), 2)}
    # On day 2 N1 has 40 + 25 on the way and nothing delivered; on day 4 it has 40.
    assert _arrived_from_state(analytics(db), day + timedelta(days=2))[0] == ("N1", 0.0, 65.0)
    assert _arrived_from_state(analytics(db), day + timedelta(days=4))[0] == ("N1", 40.0, 25.0)


def test_a_write_that_fails_leaves_the_links_as_they_were(db):
    _base(db)
    store.write(db, {"needs": pd.DataFrame([{
        "need_id": "N1", "facility_id": "F1", "reported_on": START, "category": "ppe",
        "item": "N95口罩", "quantity": 100.0, "status": "open"}])})
    store.write(db, {"deliveries": pd.DataFrame([{
        "delivery_id": "D1", "facility_id": "F1", "category": "ppe", "item": "N95口罩",
        "quantity": 10.0, "status": "delivered", "delivered_on": START + timedelta(days=2)}])})
    assert _linked(analytics(db)) == [("D1", "N1", "matched")]
    with pytest.raises(RuntimeError):
        with store.transaction(db):
            store.upsert(db, {"needs": pd.DataFrame([{
                "need_id": "N1", "facility_id": "F2", "reported_on": START, "category": "ppe",
                "item": "N95口罩", "quantity": 100.0, "status": "open"}])})
            raise RuntimeError("the import stopped half way")
    assert _linked(analytics(db)) == [("D1", "N1", "matched")]


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
    assert _linked(analytics(db)) == [("D1", "N1", "matched")]


@pytest.mark.parametrize("backend", ["duckdb"])  # the file store: PostgreSQL derives nothing
def test_a_store_from_before_the_derived_tables_is_filled_when_it_is_brought_up_to_date(db, backend):
    _base(db)
    store.write(db, {"needs": pd.DataFrame([{
        "need_id": "N1", "facility_id": "F1", "reported_on": START, "category": "ppe",
        "item": None, "quantity": 100.0, "status": "open"}]),
        "deliveries": pd.DataFrame([{"delivery_id": "D1", "facility_id": "F1",
                                     "category": "ppe", "quantity": 5.0, "status": "planned",
                                     "expected_on": START}]),
        "activities": pd.DataFrame([_activity(random.Random(0), "R1")])})
    signs = _signs(db, rebuilt=False)
    assert len(signs) == 1
    # As the release before version 6 left it: no derived table, version 5.
    db.execute("DROP TABLE need_links")
    db.execute("DROP TABLE work_signs")
    db.execute("DELETE FROM lifeline_schema WHERE version >= ?", [min(derived.MIGRATIONS)])
    location = store.location()
    db.close()
    store._READY.clear()  # as another process, or the next release, opening the file
    con = store.connect(location)
    assert _linked(con) == [("D1", "N1", "matched")]
    assert _signs(con, rebuilt=False) == signs
    con.close()


def test_a_row_touched_several_times_in_one_write_is_counted_once(db):
    """A feed's snapshot then the feed, a facility moved with its needs corrected: every
    derived table still equals a rebuild when one transaction touches a row twice."""
    _base(db)
    rng = random.Random(7)
    first = [_need(rng, f"N{i}") for i in range(6)]
    store.write(db, {"needs": pd.DataFrame(first),
                     "deliveries": pd.DataFrame([_delivery(rng, f"D{i}", [])
                                                 for i in range(6)])})
    with store.transaction(db):
        for _ in range(3):
            store.upsert(db, {"needs": pd.DataFrame([_need(rng, f"N{i}") for i in range(4)]),
                              "deliveries": pd.DataFrame([_delivery(rng, f"D{i}", ["N1"])
                                                          for i in range(4)])})
            store.upsert(db, {"facilities": pd.DataFrame([_facility(rng, "F1"),
                                                          _facility(rng, "F2")])})
    con = analytics(db)
    assert _deltas(con, rebuilt=False) == _deltas(con, rebuilt=True)
    assert _links(con, rebuilt=False) == _links(con, rebuilt=True)
    assert _signs(con, rebuilt=False) == _signs(con, rebuilt=True)
    assert _deltas(con, rebuilt=False)  # something was counted
