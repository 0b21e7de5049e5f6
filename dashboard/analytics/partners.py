"""The partner network: who was last heard from when, who works where, and where one
partner stands alone.

Pure functions over a DuckDB connection and a :class:`dashboard.analytics.metrics.Scope` (as-of
date D, window W = [D-W+1, D], province). SQL takes parameters; nothing formats user
input into SQL. Definitions (also in docs/METHODS.md, "Partners"):

- a partner is an organisation of type ``partner``;
- **last seen**: its latest *sign of work* on or before D, as defined once in
  dashboard.analytics.metrics (``SIGNS_CTE``): an activity report, or a delivered delivery it
  supplied or carried (a dispatch alone is not one);
- **freshness**: ``fresh`` when last seen in the window (>= D-W+1), ``due`` when within
  two windows (>= D-2W+1), ``overdue`` when older, ``silent`` when never seen. A fresh
  partner is exactly an *active partner* of dashboard.analytics.metrics, and every other one a
  *stale partner*, so the Overview's cards and this page's always agree;
- **active in a region**: a sign of work there in the window (dashboard.analytics.metrics);
- **active_regions**: how many prefectures of the province it is active in;
- **days_since_seen**: D - last seen (empty when silent);
- with a region, the partners listed are the *partners of the region* of
  dashboard.analytics.metrics (based there, or with a sign of work there on or before D).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.access import query
from dashboard.analytics.metric_table import DEFAULT_WINDOW
from dashboard.analytics.metrics import (
    FAILED_AT_D,
    IN_PROVINCE,
    PARTNER_SEEN_CTE,
    SIGNS_CTE,
    Scope,
)
from dashboard.i18n import region_label, t
from dashboard.present.exports import export_text
from geo.regions import load_registry

FRESHNESS = ("fresh", "due", "overdue", "silent")
STALE = ("due", "overdue", "silent")  # every class but fresh: dashboard.analytics.metrics' stale partners
WHO_BY = ("activity_type", "category")

# (org_id, region_adcode) pairs active in the window: the definition of dashboard.analytics.metrics.
ACTIVE_CTE = f"""{SIGNS_CTE},
active AS (SELECT DISTINCT org_id, region_adcode FROM signs WHERE x >= $start)
"""


def _params(scope: Scope, **extra) -> dict:
    from datetime import timedelta

    due_start = scope.as_of - timedelta(days=2 * scope.window - 1)
    return scope.params() | {"due": due_start} | extra


@query("partner")
def freshness(con, scope: Scope, region: str | None = None) -> pd.DataFrame:
    """One row per partner: org_id, name, hub_id, hub_name, last_seen, freshness,
    days_since_seen, active_regions, prefecture_adcode (where it is based); the quietest
    first: never seen, then the longest since last seen, then by org_id (the fresh ones
    come last).

    With ``region`` (a prefecture adcode) only the partners of the region (based there,
    or with a sign of work there on or before D).
    """
    frame = con.execute(
        f"""
        WITH {ACTIVE_CTE}, {PARTNER_SEEN_CTE},
        regions AS (
            SELECT org_id, count(DISTINCT region_adcode) AS active_regions
            FROM active GROUP BY org_id
        )
        SELECT o.org_id, o.name, o.hub_id, h.name AS hub_name, p.last_seen,
               CASE WHEN p.last_seen IS NULL THEN 'silent'
                    WHEN p.last_seen >= $start THEN 'fresh'
                    WHEN p.last_seen >= $due THEN 'due'
                    ELSE 'overdue' END AS freshness,
               date_diff('day', p.last_seen, $d::DATE) AS days_since_seen,
               coalesce(r.active_regions, 0) AS active_regions, o.prefecture_adcode
        FROM partner_seen p
        JOIN organizations o USING (org_id)
        LEFT JOIN organizations h ON h.org_id = o.hub_id
        LEFT JOIN regions r ON r.org_id = o.org_id
        ORDER BY p.last_seen IS NOT NULL, p.last_seen, o.org_id
        """,
        _params(scope, region=region),
    ).df()
    frame["active_regions"] = frame["active_regions"].astype("int64")
    frame["days_since_seen"] = frame["days_since_seen"].astype("Int64")
    frame["last_seen"] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame["last_seen"]]
    return frame


def _one_line(text) -> str:
    """A name on one line (a name is data: it may hold line breaks or runs of spaces)."""
    return " ".join(str(text).split())


def reminder_lines(frame: pd.DataFrame, lang: str = "zh") -> list[str]:
    """Plain lines for a group chat: every partner of ``frame`` (a :func:`freshness`
    frame) that is not fresh, as "【hub】name has not reported for N days", grouped by
    hub (hubs by name, partners without a hub last), the quietest first in each group.

    Names of organisations only: no contact person or phone number is ever stored.
    """
    stale = frame[frame["freshness"].isin(STALE)].copy()
    if stale.empty:
        return []
    no_hub = t("partners.no_hub", lang)
    stale["hub"] = [_one_line(h) if isinstance(h, str) and h.strip() else None
                    for h in stale["hub_name"]]
    stale["never"] = stale["last_seen"].isna()
    stale["days"] = stale["days_since_seen"].fillna(-1).astype("int64")
    stale = stale.sort_values(["hub", "never", "days", "org_id"],
                              ascending=[True, False, False, True], na_position="last")
    lines = []
    for r in stale.to_dict("records"):
        hub = r["hub"] if isinstance(r["hub"], str) else no_hub
        name = _one_line(r["name"] if isinstance(r["name"], str) else r["org_id"])
        if r["never"]:
            lines.append(t("partners.remind.never", lang, hub=hub, name=name))
        else:
            lines.append(t("partners.remind.line", lang, hub=hub, name=name, days=r["days"]))
    return lines


def schedule_reminder_lines(rates: pd.DataFrame, lang: str = "zh") -> list[str]:
    """Short messages for the group chat from the reporting rates
    (dashboard.analytics.reporting.reporting): each partner that stopped reporting, has
    late periods or is due today, grouped by hub, one line each, in ``lang``."""
    wanted = rates[(rates["status"] != "ok") | rates["due_today"].astype(bool)].copy()
    if wanted.empty:
        return []
    no_hub = t("partners.no_hub", lang)
    wanted["hub"] = [_one_line(h) if isinstance(h, str) and h.strip() else no_hub
                     for h in wanted["hub_name"]]
    order = {"silent": 0, "late": 1, "ok": 2}
    wanted["order"] = [order.get(s, 3) for s in wanted["status"]]
    lines = []
    for r in wanted.sort_values(["hub", "order", "org_id"]).to_dict("records"):
        name = _one_line(r["name"] if isinstance(r["name"], str) else r["org_id"])
        if r["status"] == "silent" and pd.isna(r["days_silent"]):
            lines.append(t("partners.rates.remind.never", lang, hub=r["hub"], name=name))
        elif r["status"] == "silent":
            lines.append(t("partners.rates.remind.silent", lang, hub=r["hub"], name=name,
                           days=int(r["days_silent"])))
        elif r["status"] == "late":
            lines.append(t("partners.rates.remind.late", lang, hub=r["hub"], name=name,
                           n=int(r["late"])))
        else:
            lines.append(t("partners.rates.remind.due", lang, hub=r["hub"], name=name))
    return lines


def distinct_labels(rows: list[tuple[str, str, list[str]]], lang: str = "zh") -> dict[str, str]:
    """``key → label`` for a choice among named things, never showing a key.

    ``rows`` are (key, name, details), details in the order they tell things apart (for a
    partner: its hub, then its prefecture). A name held by one key is its label; a shared
    name gets as many details as tell its holders apart ("伙伴一（湖北枢纽）"), and
    holders alike in every detail a running number in the order of their keys.
    """
    by_name: dict[str, list[tuple[str, list[str]]]] = {}
    for key, name, details in rows:
        by_name.setdefault(name, []).append((key, list(details)))
    sep = t("brief.list_sep", lang)
    labels = {}
    for name, members in by_name.items():
        if len(members) == 1:
            labels[members[0][0]] = name
            continue
        for key, details in members:
            n = 1  # the fewest leading details that set this one apart
            while n <= len(details) and sum(d[:n] == details[:n] for _, d in members) > 1:
                n += 1
            parts = details[:n]
            alike = sorted(k for k, d in members if d[:n] == details[:n])
            if len(alike) > 1:
                parts = [*parts, t("partners.nth", lang, n=alike.index(key) + 1)]
            labels[key] = t("partners.choice", lang, name=name, detail=sep.join(parts))
    return labels


def choice_labels(frame: pd.DataFrame, lang: str = "zh") -> dict[str, str]:
    """``org_id → label`` of the partners of ``frame`` (a :func:`freshness` frame) for a
    choice: their names, told apart by hub and then prefecture when names are shared
    (:func:`distinct_labels`); never their ids."""
    registry = load_registry()

    def region(adcode) -> str:
        try:
            found = registry.get(adcode) if isinstance(adcode, str) else None
        except KeyError:
            found = None
        return region_label(found.name, found.name_en, lang) if found else t("partners.region_unknown", lang)

    def text(value, default: str) -> str:
        return _one_line(value) if isinstance(value, str) and value.strip() else default

    rows = [(r["org_id"], text(r["name"], t("partners.unnamed", lang)),
             [text(r.get("hub_name"), t("partners.no_hub", lang)), region(r.get("prefecture_adcode"))])
            for r in frame.to_dict("records")]
    return distinct_labels(rows, lang)


def freshness_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many partners of ``frame`` are in each freshness class (all four keys)."""
    counts = frame["freshness"].value_counts()
    return {f: int(counts.get(f, 0)) for f in FRESHNESS}


@query("partner")
def who_does_what_where(con, scope: Scope, by: str = "activity_type") -> pd.DataFrame:
    """Organisation × prefecture × activity type (from activity reports) or category
    (from deliveries it supplied or carried): ``count`` and ``last_date``, counting
    everything dated on or before D (from the first data date).

    A delivery's date is its delivered_on when on or before D, else its dispatched_on
    when on or before D; a delivery with neither is not counted. An organisation that
    both supplied and carried a delivery counts it once.
    """
    if by == "activity_type":
        sql = """
            SELECT a.org_id, a.region_adcode, a.activity_type AS what,
                   count(*) AS count, max(a.reported_on) AS last_date
            FROM activities a
            WHERE a.reported_on <= $d AND starts_with(a.region_adcode, $prov)
            GROUP BY ALL
        """
    elif by == "category":
        sql = f"""
            WITH dated AS (
                SELECT d.delivery_id, d.supplier_id, d.carrier_id, d.category, f.region_adcode,
                       CASE WHEN d.delivered_on <= $d THEN d.delivered_on
                            WHEN d.dispatched_on <= $d THEN d.dispatched_on END AS x
                FROM deliveries d JOIN facilities f USING (facility_id)
                WHERE {IN_PROVINCE}
            ),
            roles AS (
                SELECT DISTINCT delivery_id, unnest([supplier_id, carrier_id]) AS org_id,
                       category, region_adcode, x
                FROM dated WHERE x IS NOT NULL
            )
            SELECT org_id, region_adcode, category AS what,
                   count(DISTINCT delivery_id) AS count, max(x) AS last_date
            FROM roles WHERE org_id IS NOT NULL
            GROUP BY ALL
        """
    else:
        raise ValueError(f"by must be one of {WHO_BY}")
    frame = con.execute(
        f"""
        WITH w AS ({sql})
        SELECT w.org_id, o.name, o.org_type, w.region_adcode, w.what AS {by}, w.count,
               w.last_date
        FROM w LEFT JOIN organizations o USING (org_id)
        ORDER BY w.org_id, w.region_adcode, w.what
        """,
        {"d": scope.as_of, "prov": scope.prefix},
    ).df()
    frame["count"] = frame["count"].astype("int64")
    frame["last_date"] = [pd.Timestamp(v).date() for v in frame["last_date"]]
    return frame


def who_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """The pivot of :func:`who_does_what_where`: one row per organisation (its name),
    one column per region adcode, the summed counts (0 where it did nothing)."""
    if frame.empty:
        return pd.DataFrame()
    return frame.pivot_table(index="name", columns="region_adcode", values="count",
                             aggfunc="sum", fill_value=0).astype("int64")


@query("partner")
def single_partner_regions(con, scope: Scope) -> pd.DataFrame:
    """Prefectures of the province where at most one partner is active in the window.

    Columns: adcode, name, name_en, active_partners (0 or 1), org_id and partner_name
    (empty when none). Regions with one partner come first, then those with none.
    """
    registry = load_registry()
    regions = pd.DataFrame(
        [{"adcode": r.adcode, "name": r.name, "name_en": r.name_en}
         for r in registry.prefectures(scope.province)]
    )
    active = con.execute(
        f"""
        WITH {ACTIVE_CTE}
        SELECT a.region_adcode AS adcode, count(DISTINCT a.org_id) AS active_partners,
               min(a.org_id) AS org_id, min(o.name) AS partner_name
        FROM active a JOIN organizations o USING (org_id)
        WHERE o.org_type = 'partner'
        GROUP BY a.region_adcode
        """,
        scope.params(),
    ).df()
    out = regions.merge(active, on="adcode", how="left")
    out["active_partners"] = out["active_partners"].fillna(0).astype("int64")
    out = out[out["active_partners"] <= 1].copy()
    for col in ("org_id", "partner_name"):
        out[col] = [v if isinstance(v, str) and n == 1 else None
                    for v, n in zip(out[col], out["active_partners"])]
    out = out.sort_values(["active_partners", "adcode"], ascending=[False, True])
    return out.reset_index(drop=True)


@query("partner")
def partner_profile(con, scope: Scope, org_id: str) -> dict[str, pd.DataFrame]:
    """Small frames about one organisation, everything dated on or before D:

    - ``regions``: region_adcode, reports, deliveries (supplied or carried), last_date,
      active (in the window, as in dashboard.analytics.metrics);
    - ``facilities``: facility_id, name, facility_type, region_adcode, deliveries,
      last_date (deliveries it supplied or carried);
    - ``deliveries``: status at D, count, for the deliveries it carries (excluding those
      dispatched after D). Status at D: failed when recorded failed, delivered when
      delivered on or before D, in_transit when dispatched on or before D, else planned;
    - ``reports``: reported_on, reports, people_served per day;
    - ``grants``: grants it received starting on or before D (or undated).
    """
    params = scope.params() | {"org": org_id}
    short = {"d": scope.as_of, "org": org_id}
    delivery_dates = f"""
        dated AS (
            SELECT d.*, f.region_adcode, f.name AS facility_name, f.facility_type,
                   CASE WHEN d.delivered_on <= $d THEN d.delivered_on
                        WHEN d.dispatched_on <= $d THEN d.dispatched_on END AS x
            FROM deliveries d JOIN facilities f USING (facility_id)
            WHERE (d.supplier_id = $org OR d.carrier_id = $org) AND {IN_PROVINCE}
        )
    """
    regions = con.execute(
        f"""
        WITH {ACTIVE_CTE}, {delivery_dates},
        r AS (
            SELECT region_adcode, reported_on AS x, 1 AS report, 0 AS delivery
            FROM activities WHERE org_id = $org AND reported_on <= $d
              AND starts_with(region_adcode, $prov)
            UNION ALL
            SELECT region_adcode, x, 0, 1 FROM dated WHERE x IS NOT NULL
        )
        SELECT region_adcode, sum(report)::BIGINT AS reports, sum(delivery)::BIGINT AS deliveries,
               max(x) AS last_date,
               region_adcode IN (SELECT region_adcode FROM active WHERE org_id = $org) AS active
        FROM r GROUP BY region_adcode ORDER BY region_adcode
        """,
        params,
    ).df()
    facilities = con.execute(
        f"""
        WITH {delivery_dates}
        SELECT facility_id, facility_name AS name, facility_type, region_adcode,
               count(*) AS deliveries, max(x) AS last_date
        FROM dated WHERE x IS NOT NULL
        GROUP BY ALL ORDER BY facility_id
        """,
        short | {"prov": scope.prefix},
    ).df()
    deliveries = con.execute(
        f"""
        SELECT CASE WHEN {FAILED_AT_D} THEN 'failed'
                    WHEN d.delivered_on <= $d THEN 'delivered'
                    WHEN d.dispatched_on <= $d THEN 'in_transit'
                    ELSE 'planned' END AS status,
               count(*) AS count
        FROM deliveries d
        WHERE d.carrier_id = $org AND (d.dispatched_on IS NULL OR d.dispatched_on <= $d)
        GROUP BY ALL ORDER BY status
        """,
        short,
    ).df()
    reports = con.execute(
        """
        SELECT reported_on, count(*) AS reports, sum(people_served)::BIGINT AS people_served
        FROM activities WHERE org_id = $org AND reported_on <= $d
        GROUP BY reported_on ORDER BY reported_on
        """,
        short,
    ).df()
    grants = con.execute(
        """
        SELECT g.grant_id, g.funder_id, o.name AS funder_name, g.amount_cny, g.category,
               g.start_on, g.end_on
        FROM grants g LEFT JOIN organizations o ON o.org_id = g.funder_id
        WHERE g.recipient_id = $org AND (g.start_on IS NULL OR g.start_on <= $d)
        ORDER BY g.start_on, g.grant_id
        """,
        short,
    ).df()
    for frame in (regions, facilities, reports):
        for col in ("last_date", "reported_on"):
            if col in frame:
                frame[col] = [pd.Timestamp(v).date() for v in frame[col]]
    for frame, cols in ((regions, ("reports", "deliveries")), (facilities, ("deliveries",)),
                        (deliveries, ("count",)), (reports, ("reports",))):
        for col in cols:
            frame[col] = frame[col].astype("int64")
    return {"regions": regions, "facilities": facilities, "deliveries": deliveries,
            "reports": reports, "grants": grants}


EXPORT_COLUMNS = ["org_id", "name", "hub_id", "hub_name", "last_seen", "freshness",
                  "days_since_seen", "active_regions"]


@query("partner")
def export_partners(con, as_of: date, window: int = DEFAULT_WINDOW, fmt: str = "csv",
                    province: str | None = None) -> str:
    """Every partner with its freshness at ``as_of`` and its reporting against its
    schedule in the window (dashboard.analytics.reporting: reports expected and received,
    the rate, the on-time rate, late periods, status), as ``fmt`` (csv or json, as
    dashboard.present.exports.export_text writes them)."""
    from dashboard.analytics.reporting import reporting

    scope = Scope(as_of, window, province)
    frame = freshness(con, scope)[EXPORT_COLUMNS].copy()
    frame["last_seen"] = [d.isoformat() if d is not None else None for d in frame["last_seen"]]
    rates = reporting(con, scope).rename(columns=REPORTING_EXPORT)[list(REPORTING_EXPORT.values())]
    if not rates.attrs.get("on_time_known", False) and "on_time_rate" in rates:
        rates["on_time_rate"] = None  # not known for data loaded afterwards, never 0
    frame = frame.merge(rates, on="org_id", how="left")
    return export_text(frame, fmt)


# The reporting columns of the export, by their names in dashboard.analytics.reporting.
REPORTING_EXPORT = {"org_id": "org_id", "every_days": "report_every_days",
                    "grace_days": "report_grace_days", "expected": "expected_reports",
                    "received": "received_reports", "rate": "reporting_rate",
                    "on_time_rate": "on_time_rate", "late": "late_periods",
                    "status": "reporting_status"}
