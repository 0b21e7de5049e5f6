"""Coverage analytics against hand-computed answers (docs/METHODS.md, "Coverage").

Two stores: the shared scenario (tests/data/scenario/README.md, as of 2020-02-15 with a
7-day window) and a small inline one built for what the scenario lacks: a facility
reached several times, one reached exactly once, ones never reached, and a prefecture
split into counties.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from dashboard.analytics import coverage
from dashboard.analytics.metrics import Scope
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import AS_OF, BOTH, analytics, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN = "420100", "420900"
WUHAN_POP, XIAOGAN_POP = 12_326_518, 4_270_371
SCOPE = Scope(AS_OF, 7)

# Wuhan: hospitals A1 (江汉, delivered 02-01, 02-04 and twice on 02-12: covered),
# A2 (江岸, once on 02-03: not covered), A3 (武昌, never: in transit, and delivered only
# on 02-20, after D); communities A4 (江汉, once on 02-09, the window's first day:
# covered) and A5 (village in 黄陂, never). A6 is a makeshift hospital: not counted.
# Xiaogan: hospital A7 named by its prefecture only (no county), never reached.
FACILITIES = """facility_id,name,facility_type,region
A1,甲医院,hospital,江汉区
A2,乙医院,hospital,江岸区
A3,丙医院,hospital,武昌区
A4,丁社区,community,江汉区
A5,戊村,village,黄陂区
A6,方舱一,makeshift_hospital,江汉区
A7,孝感甲医院,hospital,孝感
"""
DELIVERIES = """delivery_id,facility_id,dispatched_on,delivered_on,status
E1,A1,2020-02-01,2020-02-01,delivered
E2,A1,2020-02-03,2020-02-04,delivered
E3,A1,2020-02-11,2020-02-12,delivered
E4,A1,2020-02-11,2020-02-12,delivered
E5,A2,2020-02-02,2020-02-03,delivered
E6,A3,2020-02-14,,in_transit
E7,A3,2020-02-18,2020-02-20,delivered
E8,A4,2020-02-08,2020-02-09,delivered
E9,A6,2020-02-13,2020-02-14,delivered
"""
# Open urgent needs at D: A1 (covered: not listed), A2 x2, A5 (plus an older normal
# need), A3; A7's need is closed on D, so it is not open.
NEEDS = """need_id,facility_id,reported_on,category,priority,status,closed_on
M1,A1,2020-02-10,ppe,urgent,open,
M2,A2,2020-02-10,ppe,urgent,open,
M3,A2,2020-02-12,food,urgent,open,
M4,A5,2020-02-05,ppe,urgent,open,
M5,A5,2020-02-01,food,normal,open,
M6,A3,2020-02-14,food,urgent,open,
M7,A7,2020-02-03,ppe,urgent,met,2020-02-15
"""


@pytest.fixture
def inline_db(db):
    files = [SourceFile("facilities.csv", FACILITIES.encode()),
             SourceFile("deliveries.csv", DELIVERIES.encode()),
             SourceFile("needs.csv", NEEDS.encode())]
    report = import_files(db, files)
    assert report.ok, report.problems
    return analytics(db)


def row(frame, adcode):
    rows = frame[frame["adcode"] == adcode]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- coverage_by_area -------------------------------------------------------------

def test_by_prefecture_on_the_scenario(scenario_db):
    out = coverage.coverage_by_area(scenario_db, SCOPE)
    assert len(out) == 17 and list(out["adcode"])[:1] == [WUHAN]
    wuhan, xiaogan = row(out, WUHAN), row(out, XIAOGAN)
    # 武汉: H1 covered (D1 02-12, its only delivery), H2 never; C1 reached once (02-08,
    # before the window). W1 is a warehouse and does not count.
    assert (wuhan["hospitals"], wuhan["hospitals_covered"], wuhan["hospitals_never_reached"],
            wuhan["hospitals_reached_once"]) == (2, 1, 1, 1)
    assert (wuhan["communities"], wuhan["communities_covered"],
            wuhan["communities_never_reached"], wuhan["communities_reached_once"]) == (1, 0, 0, 1)
    assert wuhan["hospital_coverage"] == 0.5 and wuhan["community_coverage"] == 0.0
    # 孝感: H3's delivery lands 02-17, after D: never reached; V1 never reached.
    assert (xiaogan["hospitals"], xiaogan["hospitals_covered"],
            xiaogan["hospitals_never_reached"], xiaogan["hospitals_reached_once"]) == (1, 0, 1, 0)
    assert (xiaogan["communities"], xiaogan["communities_never_reached"]) == (1, 1)
    # A prefecture without facilities has no coverage, not 0%.
    empty = row(out, "420200")
    assert empty["hospitals"] == 0 and math.isnan(empty["hospital_coverage"])


def test_by_prefecture_later_as_of_moves_the_window(scenario_db):
    out = coverage.coverage_by_area(scenario_db, Scope(date(2020, 2, 20), 7))
    xiaogan = row(out, XIAOGAN)
    # D4 to H3 delivered 02-17 is now inside [02-14, 02-20].
    assert (xiaogan["hospitals_covered"], xiaogan["hospitals_reached_once"],
            xiaogan["hospitals_never_reached"]) == (1, 1, 0)


def test_by_prefecture_counts_deliveries_not_days(inline_db):
    wuhan = row(coverage.coverage_by_area(inline_db, SCOPE), WUHAN)
    # A1 reached four times, A2 once, A3 never (its 02-20 delivery is after D).
    assert (wuhan["hospitals"], wuhan["hospitals_covered"], wuhan["hospitals_never_reached"],
            wuhan["hospitals_reached_once"]) == (3, 1, 1, 1)
    # A4 once and covered (02-09 is the window's first day), A5 never; A6 not counted.
    assert (wuhan["communities"], wuhan["communities_covered"],
            wuhan["communities_never_reached"], wuhan["communities_reached_once"]) == (2, 1, 1, 1)
    assert wuhan["hospital_coverage"] == pytest.approx(1 / 3)
    assert wuhan["community_coverage"] == 0.5
    # One day later A4's delivery has left the window.
    later = row(coverage.coverage_by_area(inline_db, Scope(AS_OF + timedelta(days=1), 7)), WUHAN)
    assert later["communities_covered"] == 0


def test_by_county_splits_a_prefecture(inline_db):
    out = coverage.coverage_by_area(inline_db, SCOPE, level="county", region=WUHAN)
    assert "420102" in set(out["adcode"]) and len(out) >= 13  # every county of 武汉
    jianghan, jiangan = row(out, "420103"), row(out, "420102")
    wuchang, huangpi = row(out, "420106"), row(out, "420116")
    assert (jianghan["hospitals"], jianghan["hospitals_covered"],
            jianghan["communities"], jianghan["communities_covered"]) == (1, 1, 1, 1)
    assert (jiangan["hospitals"], jiangan["hospitals_covered"],
            jiangan["hospitals_reached_once"]) == (1, 0, 1)
    assert (wuchang["hospitals"], wuchang["hospitals_never_reached"]) == (1, 1)
    assert (huangpi["communities"], huangpi["communities_never_reached"]) == (1, 1)
    assert math.isnan(huangpi["hospital_coverage"]) and huangpi["community_coverage"] == 0.0
    assert out["hospitals"].sum() == 3 and out["communities"].sum() == 2
    # A facility without a county counts under its prefecture's own code.
    xiaogan = coverage.coverage_by_area(inline_db, SCOPE, level="county", region=XIAOGAN)
    assert row(xiaogan, XIAOGAN)["hospitals"] == 1
    assert row(xiaogan, XIAOGAN)["name"] == "孝感市"


def test_county_level_needs_a_region(db):
    with pytest.raises(ValueError):
        coverage.coverage_by_area(analytics(db), SCOPE, level="county")


# --- uncovered_urgent -------------------------------------------------------------

def test_uncovered_urgent_on_the_scenario(scenario_db):
    out = coverage.uncovered_urgent(scenario_db, SCOPE)
    # N1's facility H1 is covered; N4 (reported on D) at V1 is the only one left. N5 is
    # reported after D.
    assert list(out["facility_id"]) == ["V1"]
    v1 = out.iloc[0]
    assert (v1["urgent_needs"], v1["open_needs"], v1["oldest_need_days"]) == (1, 1, 0)
    assert v1["last_delivered_on"] is None and v1["county_adcode"] == "420984"


def test_uncovered_urgent_sorted_and_filtered(inline_db):
    out = coverage.uncovered_urgent(inline_db, SCOPE)
    # A2: 2 urgent; then A5 (oldest need 02-01: 14 days) before A3 (02-14: 1 day).
    assert list(out["facility_id"]) == ["A2", "A5", "A3"]
    assert list(out["urgent_needs"]) == [2, 1, 1]
    assert list(out["open_needs"]) == [2, 2, 1]
    assert list(out["oldest_need_days"]) == [5, 14, 1]
    assert list(out["last_delivered_on"]) == [date(2020, 2, 3), None, None]
    assert list(coverage.uncovered_urgent(inline_db, SCOPE, region=XIAOGAN)["facility_id"]) == []
    # One day later A1 is still covered (02-12), A4 has no need: the same three.
    assert len(coverage.uncovered_urgent(inline_db, Scope(AS_OF + timedelta(days=1), 7))) == 3


# --- coverage_over_time -----------------------------------------------------------

def series(frame, adcode, column):
    part = frame[frame["adcode"] == adcode]
    return dict(zip(part["day"], part[column]))


def test_over_time_on_the_scenario(scenario_db):
    out = coverage.coverage_over_time(scenario_db, SCOPE)
    days = sorted(set(out["day"]))
    assert days[0] == date(2020, 2, 1) and days[-1] == AS_OF and len(days) == 15
    assert len(out) == 15 * 17
    hosp = series(out, WUHAN, "hospital_coverage")
    comm = series(out, WUHAN, "community_coverage")
    # H1 delivered 02-12; C1 delivered 02-08, covered 02-08..02-14.
    assert hosp[date(2020, 2, 11)] == 0.0 and hosp[date(2020, 2, 12)] == 0.5
    assert hosp[AS_OF] == 0.5
    assert comm[date(2020, 2, 7)] == 0.0 and comm[date(2020, 2, 8)] == 1.0
    assert comm[date(2020, 2, 14)] == 1.0 and comm[AS_OF] == 0.0
    assert set(series(out, XIAOGAN, "hospitals_covered").values()) == {0}
    assert all(math.isnan(v) for v in series(out, "420200", "hospital_coverage").values())


def test_over_time_overlapping_deliveries_count_once(inline_db):
    out = coverage.coverage_over_time(inline_db, SCOPE)
    covered = series(out, WUHAN, "hospitals_covered")
    d = lambda day: date(2020, 2, day)  # noqa: E731
    # A1: 02-01 and 02-04 (overlapping spans) cover 02-01..02-10, 02-12 (twice) covers
    # 02-12..02-18; A2 covers 02-03..02-09; A3 never.
    expected = {1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 1, 11: 0,
                12: 1, 13: 1, 14: 1, 15: 1}
    assert covered == {d(k): v for k, v in expected.items()}
    assert set(series(out, WUHAN, "hospitals").values()) == {3}
    # The last day agrees with coverage_by_area, for another window too.
    for window in (1, 3, 14):
        scope = Scope(AS_OF, window)
        over = coverage.coverage_over_time(inline_db, scope)
        by_area = coverage.coverage_by_area(inline_db, scope)
        for kind in ("hospitals", "communities"):
            assert series(over, WUHAN, f"{kind}_covered")[AS_OF] == \
                row(by_area, WUHAN)[f"{kind}_covered"]
    # Window 3 on 02-06: A1 (02-04) yes, A2 (02-03: 02-03..02-05) no.
    assert series(coverage.coverage_over_time(inline_db, Scope(AS_OF, 3)), WUHAN,
                  "hospitals_covered")[d(6)] == 1


def test_over_time_per_county_of_a_region(inline_db):
    out = coverage.coverage_over_time(inline_db, SCOPE, region=WUHAN)
    assert series(out, "420102", "hospitals_covered")[date(2020, 2, 9)] == 1
    assert series(out, "420102", "hospitals_covered")[date(2020, 2, 10)] == 0
    assert series(out, "420103", "community_coverage")[AS_OF] == 1.0


def test_over_time_empty_store(db):
    assert coverage.coverage_over_time(analytics(db), SCOPE).empty


# --- coverage_vs_burden -----------------------------------------------------------

CASES = """date,region,confirmed_cum
2020-02-14,武汉,1000
2020-02-16,武汉,2000
"""


def test_vs_burden_flags_the_under_served(scenario_db):
    with writer(scenario_db) as con:
        report = import_files(con, [SourceFile("case_counts.csv", CASES.encode())])
    assert report.ok, report.problems
    out = coverage.coverage_vs_burden(scenario_db, SCOPE)
    assert len(out) == 17
    wuhan, xiaogan = row(out, WUHAN), row(out, XIAOGAN)
    assert wuhan["coverage"] == pytest.approx(1 / 3) and xiaogan["coverage"] == 0.0
    # Open needs: 武汉 N1, N7; 孝感 N4.
    assert wuhan["open_needs_per_10k"] == pytest.approx(2 * 10_000 / WUHAN_POP)
    assert xiaogan["open_needs_per_10k"] == pytest.approx(1 * 10_000 / XIAOGAN_POP)
    # The latest count on or before D: 1000 (the 02-16 figure is after D).
    assert wuhan["confirmed_per_10k"] == pytest.approx(1000 * 10_000 / WUHAN_POP)
    assert math.isnan(xiaogan["confirmed_per_10k"])
    # Medians over 武汉 and 孝感 (the only ones with facilities): 孝感's burden
    # (0.00234) is above, its coverage (0) below; 武汉 is the reverse.
    assert list(out.loc[out["under_served"], "adcode"]) == [XIAOGAN]
    assert "median" in coverage.UNDER_SERVED_RULE
