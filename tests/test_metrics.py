"""Metrics against the hand-computed scenario (see tests/data/scenario/README.md)."""

from datetime import date

import pytest

from dashboard.analytics import metrics
from dashboard.analytics.metrics import Scope
from tests.conftest import AS_OF, BOTH, analytics, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN, SHENNONGJIA = "420100", "420900", "429021"


@pytest.fixture
def summary(scenario_db):
    return metrics.region_summary(scenario_db, Scope(AS_OF, 7)).set_index("adcode")


def test_every_prefecture_is_listed_even_when_empty(summary):
    assert len(summary) == 17
    row = summary.loc[SHENNONGJIA]
    assert row["open_needs"] == 0 and row["hospitals"] == 0
    assert not row["has_data"]
    assert row["hospital_coverage"] != row["hospital_coverage"]  # NaN: nothing to divide


def test_open_needs_follow_the_definition(summary):
    # N1 and N7 in Wuhan (N2 closed before D, N3 closed on D, N6 cancelled).
    assert summary.loc[WUHAN, "open_needs"] == 2
    assert summary.loc[WUHAN, "urgent_open_needs"] == 1
    # N4 reported on D counts; N5 reported after D does not.
    assert summary.loc[XIAOGAN, "open_needs"] == 1
    assert summary.loc[XIAOGAN, "urgent_open_needs"] == 1


def test_coverage_counts_deliveries_in_the_window_only(summary):
    assert summary.loc[WUHAN, "hospitals"] == 2
    assert summary.loc[WUHAN, "hospitals_covered"] == 1  # H1 via D1
    assert summary.loc[WUHAN, "hospital_coverage"] == pytest.approx(0.5)
    assert summary.loc[WUHAN, "communities_covered"] == 0  # D2 landed before the window
    # D4 arrives after D, so H3 is not covered yet.
    assert summary.loc[XIAOGAN, "hospitals_covered"] == 0
    assert summary.loc[XIAOGAN, "communities"] == 1  # the village rolled up from 汉川


def test_active_organisations_per_region(summary):
    assert summary.loc[WUHAN, "active_orgs"] == 4  # F1, P1, HUB1, P2
    assert summary.loc[XIAOGAN, "active_orgs"] == 0


def test_overdue_deliveries(summary):
    assert summary.loc[WUHAN, "overdue_deliveries"] == 1  # D6 in transit
    assert summary.loc[XIAOGAN, "overdue_deliveries"] == 1  # D4 arrives after D


def test_open_needs_per_10k_uses_census_population(summary):
    assert summary.loc[WUHAN, "open_needs_per_10k"] == pytest.approx(2 * 10_000 / 12_326_518)


def test_totals(scenario_db):
    totals = metrics.totals(scenario_db, Scope(AS_OF, 7))
    assert totals == {
        "open_needs": 3,
        "urgent_open_needs": 2,
        "hospital_coverage": pytest.approx(1 / 3),
        "community_coverage": 0.0,
        "active_partners": 2,
        "stale_partners": 1,
        "overdue_deliveries": 2,
        # H1, H2, H3 (H1 covered by D1); C1 and V1, neither covered in the window.
        "hospitals": 3, "hospitals_covered": 1, "communities": 2, "communities_covered": 0,
    }


def test_window_changes_coverage(scenario_db):
    # A 14-day window reaches back to 02-02 and so includes D2 to the community C1.
    summary = metrics.region_summary(scenario_db, Scope(AS_OF, 14)).set_index("adcode")
    assert summary.loc[WUHAN, "communities_covered"] == 1


def test_the_day_after_a_late_delivery(scenario_db):
    # On 02-17 D4 has arrived: H3 covered and D4 no longer overdue; D3 (expected 02-15,
    # still in transit) now is.
    summary = metrics.region_summary(scenario_db, Scope(date(2020, 2, 17), 7)).set_index("adcode")
    assert summary.loc[XIAOGAN, "hospitals_covered"] == 1
    assert summary.loc[XIAOGAN, "overdue_deliveries"] == 1


def test_brief_shape_and_values(scenario_db):
    brief = metrics.brief(scenario_db, Scope(AS_OF, 7))
    assert brief["as_of"] == "2020-02-15" and brief["window_days"] == 7
    assert len(brief["regions"]) == 17
    wuhan = next(r for r in brief["regions"] if r["adcode"] == WUHAN)
    assert wuhan == {
        "adcode": WUHAN, "name": "武汉市", "open_needs": 2, "urgent_open_needs": 1,
        "hospitals": 2, "hospitals_covered": 1, "communities": 1, "communities_covered": 0,
        "active_orgs": 4, "overdue_deliveries": 1,
    }


def test_ratios_are_null_when_nothing_to_divide(db):
    totals = metrics.totals(analytics(db), Scope(AS_OF, 7))
    assert totals["hospital_coverage"] is None and totals["community_coverage"] is None
    assert totals["open_needs"] == 0


def test_date_range(scenario_db):
    assert metrics.data_date_range(scenario_db) == (date(2020, 2, 1), date(2020, 2, 20))


def test_facility_status_orders_urgent_first_and_caps(scenario_db):
    frame = metrics.facility_status(scenario_db, Scope(AS_OF, 7))
    # W1 has no coordinates so is not drawn; five are.
    # Urgent first; among them the uncovered V1 before H1, which D1 covered.
    assert list(frame["facility_id"][:2]) == ["V1", "H1"]
    assert dict(zip(frame["facility_id"], frame["state"])) == {
        "H1": "urgent", "V1": "urgent", "H2": "uncovered", "C1": "uncovered", "H3": "uncovered"}
    assert len(metrics.facility_status(scenario_db, Scope(AS_OF, 7), limit=2)) == 2
    assert metrics.facility_count(scenario_db, Scope(AS_OF, 7)) == 5


def test_county_summary_rolls_facilities_into_districts(scenario_db):
    counties = metrics.county_summary(scenario_db, Scope(AS_OF, 7), WUHAN).set_index("adcode")
    assert counties.loc["420103", "facilities"] == 1  # 江汉区: H1
    assert counties.loc["420103", "open_needs"] == 1
    # 13 districts, and a row of 武汉's own code for H2, C1 and W1, whose district is not
    # known (N7 at H2 is open): the rows add up to 武汉's row of region_summary.
    assert len(counties) == 14
    assert counties.loc[WUHAN, ["facilities", "open_needs", "county_unknown"]].tolist() == [3, 1, True]
    assert not counties.loc["420103", "county_unknown"]
    summary = metrics.region_summary(scenario_db, Scope(AS_OF, 7)).set_index("adcode")
    for column in ("open_needs", "urgent_open_needs", "hospitals", "hospitals_covered",
                   "communities", "facilities", "overdue_deliveries"):
        assert counties[column].sum() == summary.loc[WUHAN, column], column
    # No county has a population, case count or activity reports of its own.
    assert counties["active_orgs"].isna().all() and counties["population"].isna().all()


def test_facility_status_urgent_only(scenario_db):
    frame = metrics.facility_status(scenario_db, Scope(AS_OF, 7), urgent_only=True)
    assert set(frame["facility_id"]) == {"H1", "V1"}


def test_open_needs_per_1000_confirmed_uses_the_latest_count_on_or_before_d(scenario_db):
    from data_loaders.ingest.importer import SourceFile, import_files

    cases = (b"date,prefecture_adcode,confirmed_cum,new_confirmed\n"
             b"2020-02-14,420100,1000,10\n2020-02-15,420100,2000,1000\n"
             b"2020-02-16,420100,9999,7999\n2020-02-15,420900,-1,\n")
    with writer(scenario_db) as con:
        report = import_files(con, [SourceFile("hubei_daily.csv", cases)], accept_valid=True)
    assert report.quarantined == 1  # a negative cumulative count is rejected
    summary = metrics.region_summary(scenario_db, Scope(AS_OF, 7)).set_index("adcode")
    assert summary.loc[WUHAN, "confirmed_cum"] == 2000  # not the 02-16 figure
    assert summary.loc[WUHAN, "open_needs_per_1k_confirmed"] == pytest.approx(2 * 1000 / 2000)
    # Xiaogan has needs but no (valid) case data: the rate is empty, not zero.
    assert summary.loc[XIAOGAN, "open_needs_per_1k_confirmed"] != summary.loc[
        XIAOGAN, "open_needs_per_1k_confirmed"]


def test_a_day_before_the_data_begins_has_no_earlier_data(scenario_db):
    # The scenario's first event is on 02-01 (test_date_range): 01-31 has nothing to
    # compare with — "no earlier data", never a change from zero.
    assert not metrics.has_earlier_data(scenario_db, date(2020, 1, 31))
    assert metrics.has_earlier_data(scenario_db, date(2020, 2, 1))
    assert metrics.earlier_totals(scenario_db, Scope(date(2020, 1, 31), 7)) is None
    day_one = Scope(date(2020, 2, 1), 7)
    assert metrics.earlier_totals(scenario_db, day_one) == metrics.totals(scenario_db, day_one)


def test_overview_cards_say_no_earlier_data_on_the_first_day(scenario_db):
    from tests.apptest import run_app

    first = run_app(None, {"as_of": "2020-02-01"})
    assert {m.delta for m in first.metric} == {"无更早数据"}
    later = run_app(None, {"as_of": "2020-02-15"})
    assert "无更早数据" not in {m.delta for m in later.metric}
