"""Partner reporting rates as DHIS2 defines them (plain Python: pandas, no streamlit).

Definitions (dates are whole days, ranges inclusive):

- **schedule** of a partner: ``every_days`` (1 daily, 7 weekly, N every N days), ``grace_days``
  and ``starts_on``. Period k covers [starts_on + k*every_days, starts_on + (k+1)*every_days - 1]
  for k >= 0 (no period exists before starts_on); its **deadline** is its end + grace_days.
- **expected** in a window [window_start, window_end]: the periods lying wholly inside it
  (DHIS2 counts complete periods: one cut by either edge of the window is not expected).
- a **report** (org_id; reported_on, the day the work was done; received_on, the day Lifeline
  first received it) counts for the period containing reported_on, and several reports in one
  period count once: the period is **received**. It is **on time** when its earliest
  received_on is on or before its deadline.
- **rate** = received / expected and **on_time_rate** = on_time / expected, over the expected
  periods (NaN when none is expected).
- **last_reported_on**: the latest reported_on up to window_end, even one from before
  starts_on (it is still a sign of life; NaT when none);
  **days_silent** = window_end - last_reported_on in days (NaN when never).
- **late**: how many expected periods are not received although their deadline is before today.
- **due_today**: a period that ends today, or whose deadline is today, is not yet received.
- **status**: ``silent`` when no report arrived (received_on) in the last
  N = max(every_days + grace_days, 3) days, [today - N + 1, today], or ever; otherwise ``late``
  when late > 0; otherwise ``ok``.
- **locked**: a period is locked once today is past its deadline, unless it was reopened.

``today`` defaults to window_end; a report received after today is not known yet and is left
out of everything. Reports of organisations without a schedule, or with no reported_on, are
ignored. A report with no received_on counts as received but never as on time (nothing shows
it arrived in time), and as heard from on its reported_on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

SCHEDULE_COLUMNS = ("org_id", "every_days", "grace_days", "starts_on")
REPORT_COLUMNS = ("org_id", "reported_on", "received_on")
RATE_COLUMNS = (
    "org_id", "every_days", "grace_days", "expected", "received", "on_time", "rate",
    "on_time_rate", "last_reported_on", "days_silent", "late", "due_today", "status",
)
STATUSES = ("silent", "late", "ok")  # also the order of partner_rates' rows
MIN_SILENCE_DAYS = 3  # a daily reporter with no grace is not silent after one quiet day

_EPOCH = date(1970, 1, 1).toordinal()  # day numbers below count days since 1970-01-01
# Stands for an unknown received_on: later than any deadline, so never on time.
_NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Period:
    """One reporting period of a schedule: its first and last day, and its deadline."""

    start: date
    end: date
    deadline: date


# --------------------------------------------------------------------------- scalar API


def periods(
    starts_on: date, every_days: int, grace_days: int, window_start: date, window_end: date
) -> list[Period]:
    """The periods of a schedule expected in [window_start, window_end]: those wholly inside
    it, in order. Raises ValueError on a bad schedule or a window that ends before it starts.
    """
    _check_schedule(None, every_days, grace_days)
    start = _as_day(starts_on, "starts_on")
    first_day, last_day = _window(window_start, window_end)
    first, last = _period_bounds(
        _day_number(start), int(every_days), _day_number(first_day), _day_number(last_day)
    )
    every, grace = int(every_days), int(grace_days)
    return [_period(start, every, grace, k) for k in range(max(first, 0), last + 1)]


def period_of(day: date, starts_on: date, every_days: int, grace_days: int) -> Period | None:
    """The period of the schedule containing ``day``; None before ``starts_on``."""
    _check_schedule(None, every_days, grace_days)
    day, start = _as_day(day, "day"), _as_day(starts_on, "starts_on")
    if day < start:
        return None
    k = (day - start).days // int(every_days)
    return _period(start, int(every_days), int(grace_days), k)


def is_locked(period: Period, today: date, reopened: bool = False) -> bool:
    """Whether ``period`` is closed to new reports on ``today``: once its deadline has passed,
    unless it was reopened (callers keep the reopened (org_id, period.start) pairs and pass
    ``(org_id, period.start) in reopened_pairs``)."""
    return not reopened and _as_day(today, "today") > period.deadline


def _period(starts_on: date, every_days: int, grace_days: int, k: int) -> Period:
    start = starts_on + timedelta(days=k * every_days)
    end = start + timedelta(days=every_days - 1)
    return Period(start, end, end + timedelta(days=grace_days))


def _period_bounds(start, every, window_start, window_end):
    """First and last period index wholly inside the window, as day-number arithmetic that
    works on ints and numpy arrays alike. The first is not clipped at 0 (callers do), and
    last < first means none."""
    first = -((start - window_start) // every)  # ceil((window_start - start) / every)
    last = (window_end - start + 1) // every - 1  # start + (k+1)*every - 1 <= window_end
    return first, last


# --------------------------------------------------------------------------- partner_rates


class _Schedules(NamedTuple):
    """The schedules as aligned numpy arrays (dates as day numbers); row i is org ``orgs[i]``."""

    orgs: pd.Index
    every: np.ndarray
    grace: np.ndarray
    start: np.ndarray


class _Reports(NamedTuple):
    """The known reports of scheduled orgs: position of the org in _Schedules, reported_on,
    received_on (_NEVER when unknown) and the day Lifeline heard of it, as day numbers."""

    org: np.ndarray
    day: np.ndarray
    received: np.ndarray
    heard: np.ndarray


class _Grid(NamedTuple):
    """The periods expected in the window as (org, j) cells: row i is org ``orgs[i]``, column j
    its j-th expected period (k = its first expected k + j); cells from column ``expected[i]``
    on are padding. Dense because windows are weeks long: orgs x periods stays small."""

    expected: np.ndarray  # (orgs,) how many periods each org expects
    valid: np.ndarray  # (orgs, width) a real expected period, not padding
    deadline: np.ndarray  # (orgs, width) day numbers
    received: np.ndarray  # (orgs, width) has a known report
    earliest: np.ndarray  # (orgs, width) earliest received_on, _NEVER when none or unknown


def partner_rates(
    schedules: pd.DataFrame,
    reports: pd.DataFrame,
    window_start: date,
    window_end: date,
    today: date | None = None,
) -> pd.DataFrame:
    """Reporting rates of every scheduled partner over [window_start, window_end], as of
    ``today`` (default window_end).

    ``schedules``: org_id, every_days, grace_days, starts_on (one row per org);
    ``reports``: org_id, reported_on, received_on. Dates may be python dates, strings or
    datetime64 columns. Returns one row per scheduled org with the columns of RATE_COLUMNS
    (see the module docstring), silent ones first, then late, then by rate ascending (no
    expected period last), then org_id. Raises ValueError on a bad schedule or window.
    """
    first_day, last_day = _window(window_start, window_end)
    ws, we = _day_number(first_day), _day_number(last_day)
    now = we if today is None else _day_number(_as_day(today, "today"))
    sched = _schedule_arrays(schedules)
    known = _known_reports(reports, sched, now)
    k = _period_index(sched, known)
    grid = _window_grid(sched, known, k, ws, we)
    counts = _counts(grid)
    late = (grid.valid & ~grid.received & (grid.deadline < now)).sum(axis=1)
    last = _latest(known.org, known.day, len(sched.orgs), known.day <= we)
    heard = _latest(known.org, known.heard, len(sched.orgs))  # all known ones: heard <= today
    frame = pd.DataFrame({
        "org_id": sched.orgs.to_numpy(),
        "every_days": sched.every,
        "grace_days": sched.grace,
        **counts,
        "rate": _ratio(counts["received"], counts["expected"]),
        "on_time_rate": _ratio(counts["on_time"], counts["expected"]),
        "last_reported_on": _to_datetimes(last),
        "days_silent": we - last,  # NaN stays NaN: never reported
        "late": late,
        "due_today": _due_today(sched, known, k, now),
        "status": _status(sched, late, heard, now),
    })
    return _sorted(frame)[list(RATE_COLUMNS)]


def _schedule_arrays(schedules: pd.DataFrame) -> _Schedules:
    """Check the schedules (ValueError naming the org) and turn them into arrays."""
    _require(schedules, SCHEDULE_COLUMNS, "schedules")
    orgs = pd.Index(schedules["org_id"])
    if orgs.hasnans:
        raise ValueError("schedules: an org_id is missing")
    if orgs.has_duplicates:
        raise ValueError(f"schedules: org {orgs[orgs.duplicated()][0]!r} has several schedules")
    # A loop over orgs, not reports: a few thousand cheap checks that name the culprit.
    for org, every, grace in zip(orgs, schedules["every_days"], schedules["grace_days"]):
        _check_schedule(org, every, grace)
    start, valid = _column_days(schedules["starts_on"], "schedules.starts_on")
    if not valid.all():
        raise ValueError(f"org {orgs[~valid][0]!r}: starts_on is missing")
    every = schedules["every_days"].to_numpy().astype(np.int64)
    grace = schedules["grace_days"].to_numpy().astype(np.int64)
    return _Schedules(orgs, every, grace, start)


def _known_reports(reports: pd.DataFrame, sched: _Schedules, today: int) -> _Reports:
    """The reports Lifeline holds on ``today``, of scheduled orgs, with a reported_on."""
    _require(reports, REPORT_COLUMNS, "reports")
    # Match the few distinct org_ids, not millions of rows, against the schedules.
    codes, uniques = pd.factorize(reports["org_id"])
    # The appended -1 is where a missing org_id (code -1) lands: no schedule, like unknown ones.
    org = np.append(sched.orgs.get_indexer(uniques), -1)[codes]
    day, has_day = _column_days(reports["reported_on"], "reports.reported_on")
    received, has_received = _column_days(reports["received_on"], "reports.received_on")
    received = np.where(has_received, received, _NEVER)
    heard = np.where(has_received, received, day)
    keep = (org >= 0) & has_day & (heard <= today)
    return _Reports(org[keep], day[keep], received[keep], heard[keep])


def _period_index(sched: _Schedules, rep: _Reports) -> np.ndarray:
    """The period index k of each report (negative before starts_on: no period)."""
    return (rep.day - sched.start[rep.org]) // sched.every[rep.org]


def _window_grid(sched: _Schedules, rep: _Reports, k: np.ndarray, ws: int, we: int) -> _Grid:
    """Lay the expected periods out as a grid and drop each report in its period's cell."""
    first, last = _period_bounds(sched.start, sched.every, ws, we)
    first = np.maximum(first, 0)
    expected = np.maximum(last - first + 1, 0)
    n, width = len(expected), int(expected.max(initial=0))
    col = np.arange(width)
    valid = col < expected[:, None]
    end = sched.start[:, None] + (first[:, None] + col + 1) * sched.every[:, None] - 1
    column = k - first[rep.org]
    inside = (k >= 0) & (column >= 0) & (column < expected[rep.org])
    cell = rep.org[inside] * width + column[inside]
    received = np.zeros(n * width, dtype=bool)
    received[cell] = True
    earliest = np.full(n * width, _NEVER, dtype=np.int64)
    np.minimum.at(earliest, cell, rep.received[inside])  # several reports: the first arrival
    return _Grid(
        expected, valid, end + sched.grace[:, None],
        received.reshape(n, width), earliest.reshape(n, width),
    )


def _counts(grid: _Grid) -> dict[str, np.ndarray]:
    """expected, received and on_time per org, over the periods expected in the window."""
    return {
        "expected": grid.expected,
        "received": grid.received.sum(axis=1),
        "on_time": (grid.received & (grid.earliest <= grid.deadline)).sum(axis=1),
    }


def _due_today(sched: _Schedules, rep: _Reports, k: np.ndarray, today: int) -> np.ndarray:
    """Per org, whether the period ending today or the one whose deadline is today (the same
    one without grace) exists and has no known report."""
    n = len(sched.orgs)
    due = np.zeros(n, dtype=bool)
    for lag in (0, sched.grace):  # end == today, then deadline == today
        span = today - lag - sched.start + 1  # days from starts_on to that period's end
        target = span // sched.every - 1
        exists = (span % sched.every == 0) & (target >= 0)
        heard = np.bincount(rep.org[k == target[rep.org]], minlength=n) > 0
        due |= exists & ~heard
    return due


def _latest(org: np.ndarray, days: np.ndarray, n: int, keep: np.ndarray | None = None):
    """Per org (of n), the latest of ``days``, only where ``keep`` if given (float: NaN when
    none)."""
    if keep is not None:
        org, days = org[keep], days[keep]
    none = np.iinfo(np.int64).min
    latest = np.full(n, none, dtype=np.int64)
    np.maximum.at(latest, org, days)
    return np.where(latest == none, np.nan, latest.astype(float))


def _status(sched: _Schedules, late: np.ndarray, heard: np.ndarray, today: int) -> np.ndarray:
    """silent, else late, else ok (module docstring); ``heard``: per org, the latest day a
    known report arrived (NaN when none)."""
    # Silence waits a full period plus its grace: a weekly partner is not silent on day 2.
    quiet = np.maximum(sched.every + sched.grace, MIN_SILENCE_DAYS)
    silent = np.isnan(heard) | (heard <= today - quiet)  # nothing in [today-quiet+1, today]
    return np.where(silent, "silent", np.where(late > 0, "late", "ok"))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Silent, then late, then ok; within each the lowest rate first (none last), then org."""
    rank = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
    order = frame.assign(_rank=rank).sort_values(
        ["_rank", "rate", "org_id"], na_position="last", kind="stable"
    )
    return order.drop(columns="_rank").reset_index(drop=True)


# --------------------------------------------------------------------------- rollup


def rollup(rates: pd.DataFrame, groups: pd.Series | pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum partner_rates by group (e.g. ``by="hub_id"`` or ``"region"``).

    ``groups``: a frame with org_id and ``by``, or a Series of ``by`` indexed by org_id. An
    org in several groups counts in each; an org in none falls in the missing (NaN) group.
    Returns one row per group, sorted by it: ``by``, partners, silent_partners,
    late_partners (by status), expected, received, on_time, and rate and on_time_rate as the
    ratios of the sums (not the mean of the partners' ratios: a partner expected twice
    weighs twice a partner expected once).
    """
    if isinstance(groups, pd.Series):
        groups = groups.rename(by).rename_axis("org_id").reset_index()
    _require(groups, ("org_id", by), "groups")
    merged = rates.merge(groups[["org_id", by]].drop_duplicates(), on="org_id", how="left")
    merged["_silent"] = merged["status"].eq("silent")
    merged["_late"] = merged["status"].eq("late")
    out = merged.groupby(by, dropna=False, sort=True).agg(
        partners=("org_id", "size"),
        silent_partners=("_silent", "sum"),
        late_partners=("_late", "sum"),
        expected=("expected", "sum"),
        received=("received", "sum"),
        on_time=("on_time", "sum"),
    )
    out["rate"] = _ratio(out["received"].to_numpy(), out["expected"].to_numpy())
    out["on_time_rate"] = _ratio(out["on_time"].to_numpy(), out["expected"].to_numpy())
    return out.reset_index()


# --------------------------------------------------------------------------- helpers


def _check_schedule(org, every_days, grace_days) -> None:
    """Raise ValueError, naming the org, unless every_days >= 1 and grace_days >= 0 are whole
    numbers (7.0 passes: a column with a gap elsewhere turns ints into floats)."""
    who = "" if org is None else f"org {org!r}: "
    if not _is_whole(every_days) or every_days < 1:
        raise ValueError(f"{who}every_days must be an integer >= 1, got {every_days!r}")
    if not _is_whole(grace_days) or grace_days < 0:
        raise ValueError(f"{who}grace_days must be an integer >= 0, got {grace_days!r}")


def _is_whole(value) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value)


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def _window(window_start, window_end) -> tuple[date, date]:
    first, last = _as_day(window_start, "window_start"), _as_day(window_end, "window_end")
    if last < first:
        raise ValueError(f"window_end {last} is before window_start {first}")
    return first, last


def _as_day(value, what: str) -> date:
    """A date from a date, datetime, Timestamp, numpy datetime64 or ISO string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    stamp = pd.Timestamp(value) if value is not None else pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"{what} is missing")
    return stamp.date()


def _day_number(day: date) -> int:
    return day.toordinal() - _EPOCH


def _column_days(values: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of a column of dates (python dates, strings or datetime64, with or without
    a time zone: its local calendar day counts), and which ones are present."""
    try:
        stamps = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: not dates ({exc})") from exc
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    valid = stamps.notna().to_numpy()
    # numpy floors to whole days; NaT becomes a huge negative number, masked by `valid`.
    days = stamps.to_numpy().astype("datetime64[D]").astype(np.int64)
    return days, valid


def _to_datetimes(days: np.ndarray) -> pd.DatetimeIndex:
    """Float day numbers (NaN for none) back to a datetime64 column with NaT."""
    present = ~np.isnan(days)
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    out[present] = days[present].astype(np.int64).astype("datetime64[D]")
    return pd.to_datetime(out)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    out = np.full(len(den), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out
