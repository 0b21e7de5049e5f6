"""Partner reporting rates (dashboard.analytics.reporting_rates) against hand-computed answers.

Every schedule is small enough to count on one's fingers; each test says how its expected
numbers were counted. All dates are in March 2020 unless said otherwise (2020-03-01 is a
Sunday, which does not matter: periods run from starts_on, not from the calendar week).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from dashboard.analytics.reporting_rates import (
    RATE_COLUMNS,
    Period,
    is_locked,
    partner_rates,
    period_of,
    periods,
    rollup,
)


def d(day: int, month: int = 3) -> date:
    return date(2020, month, day)


def schedules(*rows) -> pd.DataFrame:
    """Rows of (org_id, every_days, grace_days, starts_on)."""
    return pd.DataFrame(rows, columns=["org_id", "every_days", "grace_days", "starts_on"])


def reports(*rows) -> pd.DataFrame:
    """Rows of (org_id, reported_on, received_on)."""
    return pd.DataFrame(list(rows), columns=["org_id", "reported_on", "received_on"])


def same_day(org: str, *days: int) -> list[tuple]:
    """Reports of ``org`` on those March days, each received the day it was done."""
    return [(org, d(day), d(day)) for day in days]


def row(frame: pd.DataFrame, org: str) -> pd.Series:
    return frame.set_index("org_id").loc[org]


# --------------------------------------------------------------------------- periods


def test_periods_keep_only_those_wholly_inside_the_window():
    # Weeks from 03-01: 01-07 (starts before 03-03: cut), 08-14, 15-21, 22-28, then 29-04-04
    # (ends after 03-28: cut). Deadline = end + 2 grace days: 16, 23, 30.
    got = periods(d(1), 7, 2, d(3), d(28))
    assert got == [
        Period(d(8), d(14), d(16)),
        Period(d(15), d(21), d(23)),
        Period(d(22), d(28), d(30)),
    ]


def test_no_period_exists_before_starts_on():
    # Daily from 03-10 in a window 03-01..03-12: only 10, 11 and 12; no grace: deadline = day.
    assert periods(d(10), 1, 0, d(1), d(12)) == [Period(d(i), d(i), d(i)) for i in (10, 11, 12)]


def test_period_of_every_three_days():
    # Every 3 days from 03-01: 01-03, 04-06, ...; 03-05 is 4 days in, 4 // 3 = period 1,
    # i.e. 04-06, deadline 06 + 2 = 08. 03-03 is the last day of period 0 (deadline 05).
    assert period_of(d(5), d(1), 3, 2) == Period(d(4), d(6), d(8))
    assert period_of(d(3), d(1), 3, 2) == Period(d(1), d(3), d(5))
    assert period_of(d(29, 2), d(1), 3, 2) is None  # before starts_on


# --------------------------------------------------------------------------- partner_rates


def test_daily_with_gaps():
    # Daily, no grace, window 03-01..03-10 (today = 03-10): 10 periods expected. Reports on
    # 1, 2, 3, 5, 6, 9, each received that day: 6 received, all on time, rate 6/10.
    # Missing 4, 7, 8, 10; deadlines 4, 7, 8 are before today (late = 3), 10's is today (not
    # late yet, but due today). Last report 03-09: silent 10 - 9 = 1 day. Quiet span is
    # max(1 + 0, 3) = 3 days, [08, 10], and 09 is in it: not silent, so "late".
    out = partner_rates(
        schedules(("A", 1, 0, d(1))), reports(*same_day("A", 1, 2, 3, 5, 6, 9)), d(1), d(10)
    )
    assert list(out.columns) == list(RATE_COLUMNS)
    a = row(out, "A")
    assert (a.expected, a.received, a.on_time, a.late) == (10, 6, 6, 3)
    assert a.rate == pytest.approx(0.6) and a.on_time_rate == pytest.approx(0.6)
    assert a.last_reported_on == pd.Timestamp("2020-03-09") and a.days_silent == 1
    assert bool(a.due_today) and a.status == "late"


def test_weekly_with_a_report_received_after_its_deadline():
    # Weekly from Monday 03-02 with 3 grace days, window 03-02..03-29 (today = 29): weeks
    # 02-08 (deadline 11), 09-15 (18), 16-22 (25), 23-29 (04-01): 4 expected.
    # 03-04 received 03-05: on time. 03-10 received 03-20 > 18: received, not on time.
    # Nothing in 16-22 and its deadline 25 < 29: late = 1. 03-27 received 03-28: on time.
    # received 3 (3/4), on_time 2 (2/4). Week 23-29 ends today but is received, and no
    # deadline is today (26 ends no week): not due today. Last arrival 03-28, within the quiet
    # span of max(7 + 3, 3) = 10 days, [20, 29]: not silent, so "late".
    rep = reports(("W", d(4), d(5)), ("W", d(10), d(20)), ("W", d(27), d(28)))
    w = row(partner_rates(schedules(("W", 7, 3, d(2))), rep, d(2), d(29)), "W")
    assert (w.expected, w.received, w.on_time, w.late) == (4, 3, 2, 1)
    assert w.rate == pytest.approx(0.75) and w.on_time_rate == pytest.approx(0.5)
    assert w.last_reported_on == pd.Timestamp("2020-03-27") and w.days_silent == 2
    assert not w.due_today and w.status == "late"


def test_every_three_days_with_grace():
    # Every 3 days from 03-01 with 2 grace days, window 03-01..03-12 (today 12): periods
    # 01-03 (deadline 05), 04-06 (08), 07-09 (11), 10-12 (14): 4 expected.
    # 03-02 received 05: on time, on the deadline itself. 03-06 received 09 > 08: not on time.
    # 03-08 received 08: on time. 10-12 has nothing but its deadline 14 is ahead: late 0; it
    # ends today, so due today. received 3, on_time 2. Last reported 03-08: 12 - 8 = 4 days.
    # Last arrival 03-09 in the quiet span max(3 + 2, 3) = 5 days, [08, 12]: "ok".
    rep = reports(("T", d(2), d(5)), ("T", d(6), d(9)), ("T", d(8), d(8)))
    t = row(partner_rates(schedules(("T", 3, 2, d(1))), rep, d(1), d(12)), "T")
    assert (t.expected, t.received, t.on_time, t.late) == (4, 3, 2, 0)
    assert t.rate == pytest.approx(0.75) and t.on_time_rate == pytest.approx(0.5)
    assert t.days_silent == 4 and bool(t.due_today) and t.status == "ok"


def test_two_reports_in_one_period_count_once_and_the_first_arrival_decides():
    # Weekly from 03-02, no grace: the week 02-08 (deadline 08) is the window's one period.
    # Two reports in it: 03-03 received 09 (after the deadline), 03-05 received 06. One
    # period received; its earliest arrival 06 <= 08: on time. Today 03-10, so both are known.
    rep = reports(("W", d(3), d(9)), ("W", d(5), d(6)))
    out = partner_rates(schedules(("W", 7, 0, d(2))), rep, d(2), d(8), today=d(10))
    w = row(out, "W")
    assert (w.expected, w.received, w.on_time) == (1, 1, 1)
    assert w.rate == 1.0 and w.on_time_rate == 1.0


def test_report_before_starts_on_is_ignored():
    # Daily from 03-05, window 03-01..03-07: periods 05, 06, 07 only (3 expected).
    # A reported 03-03 (no period yet) and 03-06: 1 received, rate 1/3.
    # B reported only 03-03: 0 received; that report is still its last one (7 - 3 = 4 days).
    sched = schedules(("A", 1, 0, d(5)), ("B", 1, 0, d(5)))
    out = partner_rates(sched, reports(*same_day("A", 3, 6), *same_day("B", 3)), d(1), d(7))
    a, b = row(out, "A"), row(out, "B")
    assert (a.expected, a.received) == (3, 1) and a.rate == pytest.approx(1 / 3)
    assert (b.expected, b.received) == (3, 0) and b.rate == 0.0
    assert b.last_reported_on == pd.Timestamp("2020-03-03") and b.days_silent == 4


def test_window_cutting_a_period_does_not_expect_it():
    # Weekly from 03-01, window 03-03..03-16: 01-07 and 15-21 are cut by the window's edges,
    # only 08-14 is expected. Reports on 05 (cut period), 10 and 16 (cut period): 1/1.
    out = partner_rates(
        schedules(("W", 7, 0, d(1))), reports(*same_day("W", 5, 10, 16)), d(3), d(16)
    )
    w = row(out, "W")
    assert (w.expected, w.received, w.on_time, w.late) == (1, 1, 1, 0)
    assert w.rate == 1.0


def test_no_whole_period_in_the_window_leaves_rates_empty():
    # Weekly from 03-01 over 03-01..03-05: the first week ends on 07, so nothing is expected:
    # rate and on_time_rate are NaN (not 0), and never reporting makes it silent.
    w = row(partner_rates(schedules(("W", 7, 0, d(1))), reports(), d(1), d(5)), "W")
    assert w.expected == 0 and math.isnan(w.rate) and math.isnan(w.on_time_rate)
    assert pd.isna(w.last_reported_on) and math.isnan(w.days_silent)
    assert w.status == "silent"


def test_silent_then_late_then_ok_each_by_rate_then_org():
    # All daily, no grace, window 03-01..03-10, today 10: quiet span max(1, 3) = 3 days,
    # [08, 10]; a missing day is late when before 10.
    # S1 never reports: silent, rate 0/10.           S2 reports 1-7: nothing since 07, silent
    # (though late too), 7/10.                       L1 misses 4: 9/10, late 1.
    # L2 misses 2, 5 and 10: 7/10, late 2 (10 is not late yet).
    # O0 and O1 report every day: 10/10.             O2 misses only 10 (due today): 9/10, ok.
    # Order: silent S1 (0), S2 (.7); late L2 (.7), L1 (.9); ok O2 (.9), O0, O1 (1.0, by id).
    orgs = ["O1", "L1", "S2", "O2", "S1", "L2", "O0"]
    sched = schedules(*[(org, 1, 0, d(1)) for org in orgs])
    every = range(1, 11)
    rep = reports(
        *same_day("S2", *range(1, 8)),
        *same_day("L1", *[i for i in every if i != 4]),
        *same_day("L2", *[i for i in every if i not in (2, 5, 10)]),
        *same_day("O0", *every), *same_day("O1", *every), *same_day("O2", *range(1, 10)),
    )
    out = partner_rates(sched, rep, d(1), d(10))
    assert list(out["org_id"]) == ["S1", "S2", "L2", "L1", "O2", "O0", "O1"]
    assert list(out["status"]) == ["silent"] * 2 + ["late"] * 2 + ["ok"] * 3
    assert list(out["received"]) == [0, 7, 7, 9, 9, 10, 10]
    assert list(out["late"]) == [9, 2, 2, 1, 0, 0, 0]  # S1: days 1-9; S2: 8, 9
    assert list(out["due_today"]) == [True, True, True, False, True, False, False]


def test_silence_waits_a_period_plus_its_grace():
    # Weekly from 03-01 with 2 grace days: quiet span max(7 + 2, 3) = 9 days. One report
    # (done 03-03) arrived 03-06. Today 14: span [06, 14] holds 06, and week 08-14's deadline
    # 16 is ahead: "ok". Today 15: span [07, 15] is empty: "silent".
    sched, rep = schedules(("W", 7, 2, d(1))), reports(("W", d(3), d(6)))
    assert row(partner_rates(sched, rep, d(1), d(14)), "W").status == "ok"
    assert row(partner_rates(sched, rep, d(1), d(14), today=d(15)), "W").status == "silent"


def test_due_today_when_a_period_ends_or_its_deadline_falls_today():
    # Weekly from 03-01, 2 grace days: weeks 01-07 (deadline 09) and 08-14 (deadline 16).
    # X never reports; Y reports 03-02 and 03-12, each received that day.
    # Today 09: week 01-07's deadline; X has nothing (due), Y has 03-02 (not due).
    # Today 10: no week ends and no deadline falls: nobody is due.
    # Today 14: week 08-14 ends; X has nothing (due), Y has 03-12 (not due).
    sched = schedules(("X", 7, 2, d(1)), ("Y", 7, 2, d(1)))
    rep = reports(*same_day("Y", 2, 12))
    for today, x_due in ((d(9), True), (d(10), False), (d(14), True)):
        out = partner_rates(sched, rep, d(1), d(14), today=today)
        assert bool(row(out, "X").due_today) is x_due, today
        assert not row(out, "Y").due_today, today


def test_reports_of_unscheduled_orgs_or_not_yet_received_are_ignored():
    # Only A has a schedule (daily from 03-01, window 01-05, today 05); Z's reports vanish.
    # A's report of 03-02 arrives 03-06, after today: not known yet. So A has 03-01 only:
    # 1/5, last reported 03-01 (5 - 1 = 4 days), and nothing arrived in [03, 05]: silent.
    rep = reports(*same_day("Z", 1, 2, 3, 4, 5), ("A", d(1), d(1)), ("A", d(2), d(6)))
    out = partner_rates(schedules(("A", 1, 0, d(1))), rep, d(1), d(5))
    assert list(out["org_id"]) == ["A"]
    a = row(out, "A")
    assert (a.expected, a.received, a.days_silent, a.status) == (5, 1, 4, "silent")


def test_report_with_no_received_on_counts_but_never_on_time():
    # Weekly from 03-02, no grace, window 02-08: the report of 03-04 has no received_on:
    # 1 received, 0 on time; heard of on 03-04, within the 7-day span [02, 08]: "ok".
    rep = reports(("W", d(4), None))
    w = row(partner_rates(schedules(("W", 7, 0, d(2))), rep, d(2), d(8)), "W")
    assert (w.received, w.on_time, w.status) == (1, 0, "ok")


def test_dates_as_datetime64_strings_or_python_dates_agree():
    # The weekly case above (3/4 received, 2/4 on time) fed three ways gives one answer.
    sched = schedules(("W", 7, 3, d(2)))
    rep = reports(("W", d(4), d(5)), ("W", d(10), d(20)), ("W", d(27), d(28)))
    as_dates = partner_rates(sched, rep, d(2), d(29))
    stamped_sched = sched.assign(starts_on=pd.to_datetime(sched["starts_on"]))
    stamped = rep.assign(**{c: pd.to_datetime(rep[c]) for c in ("reported_on", "received_on")})
    as_stamps = partner_rates(
        stamped_sched, stamped, pd.Timestamp("2020-03-02"), pd.Timestamp("2020-03-29")
    )
    as_text = partner_rates(sched, rep.astype({"reported_on": str, "received_on": str}),
                            "2020-03-02", "2020-03-29")
    pd.testing.assert_frame_equal(as_dates, as_stamps)
    pd.testing.assert_frame_equal(as_dates, as_text)
    assert (as_dates["received"].iloc[0], as_dates["on_time"].iloc[0]) == (3, 2)


# --------------------------------------------------------------------------- rollup


def _rollup_rates() -> pd.DataFrame:
    # Window 03-01..03-04, today 04, all from 03-01 without grace.
    # A daily, reports 1, 2, 3: 3/4 (day 4's deadline is today: not late); last arrival 03
    #   in its 3-day quiet span [02, 04]: ok.
    # B every 2 days (01-02, 03-04), reports 01: 1/2; quiet span max(2, 3) = 3 days
    #   [02, 04] holds nothing: silent.
    # C daily, reports 1-4: 4/4, ok.
    sched = schedules(("A", 1, 0, d(1)), ("B", 2, 0, d(1)), ("C", 1, 0, d(1)))
    rep = reports(*same_day("A", 1, 2, 3), *same_day("B", 1), *same_day("C", 1, 2, 3, 4))
    return partner_rates(sched, rep, d(1), d(4))


def test_rollup_is_the_ratio_of_sums_not_the_mean_of_ratios():
    # Hub h1 = A + B: (3 + 1) / (4 + 2) = 4/6 = 0.667, not (3/4 + 1/2) / 2 = 0.625;
    # 2 partners, 1 silent (B). Hub h2 = C: 4/4, 1 partner.
    groups = pd.DataFrame({"org_id": ["A", "B", "C"], "hub_id": ["h1", "h1", "h2"]})
    out = rollup(_rollup_rates(), groups, "hub_id").set_index("hub_id")
    h1, h2 = out.loc["h1"], out.loc["h2"]
    assert (h1.expected, h1.received, h1.on_time) == (6, 4, 4)
    assert h1.rate == pytest.approx(4 / 6) and h1.on_time_rate == pytest.approx(4 / 6)
    assert (h1.partners, h1.silent_partners, h1.late_partners) == (2, 1, 0)
    assert (h2.expected, h2.received, h2.partners) == (4, 4, 1) and h2.rate == 1.0


def test_rollup_takes_a_series_and_keeps_unassigned_orgs():
    # A Series org_id -> region: A in "north" (3/4); B and C in no region land in the
    # missing group: (1 + 4) / (2 + 4) = 5/6, 2 partners, 1 of them silent.
    regions = pd.Series({"A": "north"})
    out = rollup(_rollup_rates(), regions, "region")
    north = out[out["region"] == "north"].iloc[0]
    nowhere = out[out["region"].isna()].iloc[0]
    assert (north.expected, north.received, north.partners) == (4, 3, 1)
    assert (nowhere.expected, nowhere.received, nowhere.partners) == (6, 5, 2)
    assert nowhere.rate == pytest.approx(5 / 6) and nowhere.silent_partners == 1


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("every", "grace", "message"),
    [
        (0, 0, "org 'bad': every_days must be an integer >= 1, got 0"),
        (1.5, 0, "org 'bad': every_days must be an integer >= 1, got 1.5"),
        ("7", 0, "org 'bad': every_days must be an integer >= 1, got '7'"),
        (7, -1, "org 'bad': grace_days must be an integer >= 0, got -1"),
    ],
)
def test_bad_schedules_are_refused_naming_the_org(every, grace, message):
    sched = schedules(("good", 7, 2, d(1)), ("bad", every, grace, d(1)))
    with pytest.raises(ValueError) as caught:
        partner_rates(sched, reports(), d(1), d(14))
    assert str(caught.value) == message


def test_whole_floats_pass_and_bad_scalar_arguments_fail():
    # A gap elsewhere in a column turns 7 into 7.0: still a weekly schedule (2 weeks in 14 days).
    sched = schedules(("W", 7.0, 0.0, d(1)))
    assert row(partner_rates(sched, reports(), d(1), d(14)), "W").expected == 2
    with pytest.raises(ValueError, match="every_days must be an integer >= 1, got 0"):
        periods(d(1), 0, 0, d(1), d(7))
    with pytest.raises(ValueError, match="window_end 2020-03-01 is before window_start"):
        partner_rates(sched, reports(), d(2), d(1))
    with pytest.raises(ValueError, match="window_end"):
        periods(d(1), 7, 0, d(9), d(8))


# --------------------------------------------------------------------------- locking


def test_a_period_locks_after_its_deadline_unless_reopened():
    # Week 03-01..03-07 with 2 grace days: deadline 09. Open on 09, locked from 10, unless
    # its (org, start) is among the reopened ones.
    week = period_of(d(3), d(1), 7, 2)
    assert week == Period(d(1), d(7), d(9))
    reopened = {("A", d(1))}
    assert not is_locked(week, d(9))
    assert is_locked(week, d(10))
    assert not is_locked(week, d(10), reopened=("A", week.start) in reopened)
    assert is_locked(week, d(10), reopened=("B", week.start) in reopened)
