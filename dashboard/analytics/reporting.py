"""Reporting rates of the partners (issue 15): reports received ÷ reports expected in the
window, and the share received on time, per partner, hub and region, as DHIS2 defines
them (the arithmetic is dashboard.analytics.reporting_rates; its docstring and
docs/METHODS.md, "Reporting rates", give the definitions).

What this module adds is where the inputs come from:

- a partner's **schedule** is what the hub set on the Report page (``partner_settings``:
  every N days, grace days, from a date); a partner the hub has not set reports daily
  with two days' grace (:data:`DEFAULT_EVERY_DAYS`, :data:`DEFAULT_GRACE_DAYS`), as the
  2020 hubs asked for daily reports (日报). A schedule starts on its ``starts_on`` or, when
  none is set, on the partner's first report (a partner that never reported: on the
  window's first day, so all its periods are expected);
- a **report** is an activity report (``activities``) dated in the window;
- it was **received** on the day it was filed on the Report page, or else the day the
  import that first recorded it ran. A report recorded after D (data loaded afterwards,
  such as the 2020 records) has no known day of receipt as of D: it counts as received,
  never as on time, and :func:`reporting` says the on-time share is not known.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard.access import query
from dashboard.analytics import reporting_rates
from dashboard.analytics.metrics import OF_PROVINCE, SIGNS_CTE, Scope

DEFAULT_EVERY_DAYS = 1
DEFAULT_GRACE_DAYS = 2


def _schedules(con, start) -> pd.DataFrame:
    """Every partner's schedule (set by the hub, or the default), starting on the day the
    hub set, else on its first report, else (it never reported) on the window's start."""
    return con.execute(
        "SELECT o.org_id, coalesce(s.every_days, ?) AS every_days, "
        "coalesce(s.grace_days, ?) AS grace_days, "
        "coalesce(s.starts_on, (SELECT min(a.reported_on) FROM activities a "
        "                       WHERE a.org_id = o.org_id), CAST(? AS DATE)) AS starts_on, "
        "s.org_id IS NOT NULL AS set_by_hub "
        "FROM organizations o LEFT JOIN partner_settings s ON s.org_id = o.org_id "
        "WHERE o.org_type = 'partner'",
        [DEFAULT_EVERY_DAYS, DEFAULT_GRACE_DAYS, start]).df()


def _reports(con, start, end) -> pd.DataFrame:
    """Activity reports dated in [start, end], with the day each was received: one row
    per organisation, day and day of receipt (the rates look at no more; a partner's many
    reports of one day are one row, 17 times fewer at 100x)."""
    return con.execute(
        "WITH wanted AS (SELECT report_id, org_id, reported_on FROM activities "
        "                WHERE reported_on BETWEEN ? AND ?), "
        "filed AS (SELECT record_key, min(submitted_at) AS at FROM submissions "
        "          WHERE table_name = 'activities' AND status = 'approved' "
        "          AND record_key IN (SELECT report_id FROM wanted) GROUP BY record_key), "
        "recorded AS (SELECT h.report_id, min(c.recorded_at) AS at FROM activities_history h "
        "             JOIN changes c USING (change_id) "
        "             WHERE h.report_id IN (SELECT report_id FROM wanted) GROUP BY h.report_id) "
        "SELECT DISTINCT w.org_id, w.reported_on, "
        "CAST(coalesce(f.at, r.at) AS DATE) AS received_on FROM wanted w "
        "LEFT JOIN filed f ON f.record_key = w.report_id "
        "LEFT JOIN recorded r ON r.report_id = w.report_id",
        [start, end]).df()


@query("partner")
def reporting(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """One row per partner (of ``region``'s prefecture when given, by where it is based):
    its schedule, expected and received reports in the window, rate, on-time rate,
    periods late, due today, status (silent, late, ok; silent and late first), with its
    name, hub and prefecture. ``attrs["on_time_known"]`` is False when no report of the
    window has a known day of receipt (data loaded afterwards)."""
    start = scope.as_of - timedelta(days=scope.window - 1)
    schedules = _schedules(con, start)
    # The province's partners, as every page counts them (metrics.OF_PROVINCE).
    orgs = con.execute(f"WITH {SIGNS_CTE} SELECT o.org_id, o.name, o.hub_id, h.name AS hub_name, "
                       "o.prefecture_adcode FROM organizations o LEFT JOIN organizations h "
                       f"ON h.org_id = o.hub_id WHERE o.org_type = 'partner' AND {OF_PROVINCE}",
                       {"d": scope.as_of, "prov": scope.prefix}).df()
    if region:
        orgs = orgs[orgs["prefecture_adcode"] == region]
    schedules = schedules[schedules["org_id"].isin(orgs["org_id"])]
    # Reports from the earliest possible period start, so silence is judged on them too.
    reports = _reports(con, start - timedelta(days=62), scope.as_of)
    received = pd.to_datetime(reports["received_on"])
    reports.loc[received > pd.Timestamp(scope.as_of), "received_on"] = pd.NaT
    known = bool(reports.loc[pd.to_datetime(reports["reported_on"])
                             >= pd.Timestamp(start), "received_on"].notna().any())
    if schedules.empty:
        rates = pd.DataFrame(columns=list(reporting_rates.RATE_COLUMNS))
    else:
        rates = reporting_rates.partner_rates(
            schedules[list(reporting_rates.SCHEDULE_COLUMNS)], reports, start, scope.as_of)
    out = rates.merge(orgs, on="org_id", how="left").merge(
        schedules[["org_id", "set_by_hub"]], on="org_id", how="left")
    out.attrs["on_time_known"] = known
    return out


@query("partner")
def reporting_rollup(con, scope: Scope, by: str = "hub") -> pd.DataFrame:
    """The rates summed per hub (``by="hub"``) or per prefecture (``"region"``): partners,
    silent and late partners, expected, received, on time, and the rates as ratios of
    the sums."""
    rates = reporting(con, scope)
    column = {"hub": "hub_id", "region": "prefecture_adcode"}[by]
    if rates.empty:
        return pd.DataFrame(columns=[column, "partners", "silent_partners", "late_partners",
                                     "expected", "received", "on_time", "rate",
                                     "on_time_rate"])
    groups = rates[["org_id", column]]
    out = reporting_rates.rollup(rates[list(reporting_rates.RATE_COLUMNS)], groups, column)
    if by == "hub":
        names = dict(zip(rates["hub_id"], rates["hub_name"]))
        out["hub_name"] = [names.get(h) for h in out["hub_id"]]
    return out
