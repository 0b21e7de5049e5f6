"""The content of the morning briefing: one JSON-ready dict, computed once, rendered many ways.

Every number reuses a definition documented in docs/METHODS.md (section "Briefing"):
the headline figures are :func:`dashboard.analytics.metrics.totals` as of D, D−1 and D−7 (same
window W; :func:`dashboard.analytics.metrics.earlier_totals` gives None for a day before the data
begins: "no earlier data", never a change from zero); the gaps are
:func:`dashboard.analytics.needs.gap_ranking`, the one ranking every page shows; partner freshness is
:func:`dashboard.analytics.partners.freshness`; duplicated donations are
:func:`dashboard.analytics.funding.overlaps`. Nothing here imports streamlit.

The dict keeps the keys of :func:`dashboard.analytics.metrics.brief` (``as_of``, ``window_days``,
``totals``, ``regions``) so existing readers of ``brief --format json`` keep working.
Organisation and facility names are passed through as data; no contact person or phone
number is ever selected.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pandas as pd

from dashboard.access import query
from dashboard.analytics import metric_table
from dashboard.analytics.alongside import Alongside
from dashboard.analytics.contributions import pledge_state
from dashboard.analytics.funding import DEFAULT_DAYS as OVERLAP_DAYS
from dashboard.analytics.funding import overlaps
from dashboard.analytics.metrics import (
    BRIEF_REGION_FIELDS,
    IN_PROVINCE,
    OVERDUE,
    Scope,
    county_summary,
    earlier_totals,
    region_summary,
    totals,
)
from dashboard.analytics.needs import gap_rankings
from dashboard.analytics.partners import freshness, freshness_counts
from dashboard.analytics.reporting import reporting
from dashboard.briefing.narrative import region_changes, sentences
from dashboard.i18n import region_label, t
from dashboard.present.charts import facility_claims
from data_loaders import store
from geo.regions import load_registry

# The headline measures, in the order they are shown; ratios change in percentage points.
HEADLINE = metric_table.in_place("headline")
RATIOS = metric_table.of_kind(metric_table.RATIO)
TOP_GAPS = 5       # regions and facilities with the largest gap
MAX_PARTNERS = 8  # partners listed by name per freshness class (the count is always full)
MAX_OVERDUE = 5    # overdue deliveries listed
MAX_OVERLAPS = 4   # duplicated donations listed
COMPARE_DAYS = (1, 7)  # D−1 and D−7


def _clean(value):
    """A JSON-ready scalar: NaN and NA become None, numpy numbers plain Python numbers."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _count(value) -> int | None:
    value = _clean(value)
    return None if value is None else int(value)


def _delta(now, before):
    return None if now is None or before is None else now - before


def headline(now: dict, d1: dict | None, d7: dict | None) -> list[dict]:
    """One entry per headline measure: value at D, D−1 and D−7 and the two changes.

    ``d1`` or ``d7`` is None when the data begins after that day: its values and changes
    are None and ``no_earlier_d1`` / ``no_earlier_d7`` say why ("no earlier data").
    """
    items = []
    for key in HEADLINE:
        v = now[key]
        v1 = None if d1 is None else d1[key]
        v7 = None if d7 is None else d7[key]
        items.append({
            "key": key, "kind": "ratio" if key in RATIOS else "count",
            "value": v, "d1": v1, "d7": v7,
            "change_d1": _delta(v, v1), "change_d7": _delta(v, v7),
            "no_earlier_d1": d1 is None, "no_earlier_d7": d7 is None,
        })
    return items


def _regions(summary: pd.DataFrame, region_scores: pd.DataFrame) -> list[dict]:
    """Every prefecture (or every county of a region's briefing): the fields of
    metrics.brief plus names, has_data, gap score and gap rank (None for an area with no
    open need). A count no county has (active organisations) is None."""
    scores = dict(zip(region_scores["region_adcode"], region_scores["score"])) \
        if not region_scores.empty else {}
    ranks = dict(zip(region_scores["region_adcode"], region_scores["rank"])) \
        if not region_scores.empty else {}
    out = []
    for row in summary.to_dict("records"):
        record = {k: (row[k] if k in ("adcode", "name") else _count(row[k])) for k in BRIEF_REGION_FIELDS}
        record.update({
            "short": row["short"], "name_en": row["name_en"], "has_data": bool(row["has_data"]),
            "hospital_coverage": _clean(row["hospital_coverage"]),
            "community_coverage": _clean(row["community_coverage"]),
            "gap_score": _clean(scores.get(row["adcode"])),
            "gap_rank": _clean(ranks.get(row["adcode"])),
        })
        out.append(record)
    return out


def _gaps(regions: pd.DataFrame, facilities: pd.DataFrame, scope: Scope, lang: str) -> dict:
    """The TOP_GAPS regions and facilities (gap_ranking outputs) with a score above 0."""
    registry = {r.adcode: r for r in load_registry().prefectures(scope.province)}

    def region_name(adcode):
        r = registry.get(adcode)
        return region_label(r.name, r.name_en, lang) if r else adcode

    # A score of 0 is no gap (everything delivered or on the road): leave it out.
    top_r = regions[regions["score_total"] > 0].head(TOP_GAPS)
    top_f = facilities[facilities["score"] > 0].head(TOP_GAPS)
    return {
        "formula": t("needs.gap.formula", lang),
        "regions": [
            {"rank": int(r["rank"]), "adcode": r["region_adcode"], "name": r["name"],
             "name_en": r["name_en"],
             "label": region_name(r["region_adcode"]), "score": _clean(r["score"]),
             "score_total": _clean(r["score_total"]), "open_needs": int(r["open_needs"]),
             "urgent_needs": int(r["urgent_needs"])}
            for r in top_r.to_dict("records")],
        "facilities": [
            {"rank": int(f["rank"]), "facility_id": f["facility_id"],
             "name": f["facility_name"],
             "facility_type": f["facility_type"], "region_adcode": f["region_adcode"],
             "region": region_name(f["region_adcode"]), "score": _clean(f["score"]),
             "open_needs": int(f["open_needs"]), "urgent_needs": int(f["urgent_needs"])}
            for f in top_f.to_dict("records")],
    }


def _partners(con, scope: Scope, region: str | None = None) -> dict:
    """Counts per freshness class, and the silent and overdue partners with their hub
    (the partners of ``region`` only, when given)."""
    frame = freshness(con, scope, region)

    def rows(cls: str, order: list[str], ascending: list[bool]) -> list[dict]:
        part = frame[frame["freshness"] == cls].sort_values(order, ascending=ascending)
        return [
            {"org_id": p["org_id"], "name": p["name"], "hub_id": _clean(p["hub_id"]),
             "hub_name": _clean(p["hub_name"]), "last_seen": _clean(p["last_seen"]),
             "days_since_seen": _clean(p["days_since_seen"])}
            for p in part.head(MAX_PARTNERS).to_dict("records")]

    return {
        "counts": freshness_counts(frame),
        "overdue_after_days": 2 * scope.window,
        # Longest silence first: they need the first call.
        "overdue": rows("overdue", ["days_since_seen", "org_id"], [False, True]),
        "silent": rows("silent", ["org_id"], [True]),
    }


MAX_PLEDGES = 5  # lapsed pledges listed by name (the count is always full)


def _reporting(con, scope: Scope, lang: str, region: str | None = None) -> dict:
    """The partners' reporting against their schedules (dashboard.analytics.reporting):
    how many, how many not reporting lately and where most of them are based, the
    reports received and expected in the window."""
    rates = reporting(con, scope, region)
    quiet = rates[rates["status"] == "silent"]
    # Most quiet partners first; a tie goes to the lower region code (the same every run).
    where = quiet["prefecture_adcode"].value_counts()
    where = where.sort_index().sort_values(ascending=False, kind="stable")
    top = None
    if not where.empty:
        reg = load_registry().get(where.index[0])
        top = {"adcode": where.index[0], "n": int(where.iloc[0]),
               "name": region_label(reg.name, reg.name_en, lang) if reg else where.index[0]}
    return {"partners": len(rates), "silent": len(quiet), "late": int((rates["status"] == "late").sum()),
            "expected": int(rates["expected"].sum()), "received": int(rates["received"].sum()),
            "top_region": top}


def _pledges(frame: pd.DataFrame, region: str | None = None) -> dict:
    """Open pledges on needs (claimed), and those past their date without a delivery
    (lapsed), from the pledges' state at D (contributions.pledge_state): the hub calls
    the organisation, and the need is no longer covered."""
    if region:
        frame = frame[frame["region_adcode"] == region]
    lapsed = frame[frame["expired"].astype(bool)]
    return {"open": len(frame), "lapsed_count": len(lapsed),
            "lapsed": [{"organisation": _clean(r["organisation"]) or r["org_id"],
                        "facility": _clean(r["facility"]), "item": _clean(r["item"]),
                        "quantity": _clean(r["quantity"]), "unit": _clean(r["unit"]),
                        "due_on": pd.Timestamp(r["due_on"]).date().isoformat()}
                       for r in lapsed.head(MAX_PLEDGES).to_dict("records")]}


_OVERDUE_LIST_SQL = f"""
SELECT d.delivery_id, f.facility_id, f.name AS facility_name, f.region_adcode, d.category,
       d.item, d.quantity, d.unit, d.expected_on,
       date_diff('day', d.expected_on, $d::DATE) AS days_overdue,
       d.carrier_id, o.name AS carrier_name
FROM deliveries d JOIN facilities f USING (facility_id)
LEFT JOIN organizations o ON o.org_id = d.carrier_id
WHERE {OVERDUE} AND {IN_PROVINCE} AND ($region IS NULL OR f.region_adcode = $region)
ORDER BY days_overdue DESC, d.delivery_id
LIMIT $n
"""


def _overdue(con, scope: Scope, count: int, lang: str, region: str | None = None) -> dict:
    """The overdue deliveries (metrics.OVERDUE): the count and the longest-waiting few."""
    frame = con.execute(_OVERDUE_LIST_SQL, {"d": scope.as_of, "prov": scope.prefix, "n": MAX_OVERDUE,
                                            "region": region}).df()
    registry = {r.adcode: r for r in load_registry().prefectures(scope.province)}
    top = []
    for r in frame.to_dict("records"):
        reg = registry.get(r["region_adcode"])
        top.append({
            "delivery_id": r["delivery_id"], "facility_id": r["facility_id"],
            "facility_name": r["facility_name"], "region_adcode": r["region_adcode"],
            "region": region_label(reg.name, reg.name_en, lang) if reg else r["region_adcode"],
            "category": _clean(r["category"]), "item": _clean(r["item"]),
            "quantity": _clean(r["quantity"]), "unit": _clean(r["unit"]),
            "expected_on": _clean(r["expected_on"]), "days_overdue": int(r["days_overdue"]),
            "carrier_id": _clean(r["carrier_id"]), "carrier_name": _clean(r["carrier_name"]),
        })
    return {"count": count, "top": top}


def _overlaps(con, scope: Scope, lang: str, region: str | None = None) -> dict:
    """Duplicated donations within the window, largest duplicated quantity first (the
    Funding page's order): the count and the first few."""
    frame = overlaps(con, scope, days=OVERLAP_DAYS, region=region)
    registry = {r.adcode: r for r in load_registry().prefectures(scope.province)}
    top = []
    for r in frame.head(MAX_OVERLAPS).to_dict("records"):
        reg = registry.get(r["region_adcode"])
        top.append({
            "facility_id": r["facility_id"], "facility_name": r["facility_name"],
            "region_adcode": r["region_adcode"],
            "region": region_label(reg.name, reg.name_en, lang) if reg else r["region_adcode"],
            "category": r["category"], "item": _clean(r["item"]), "unit": _clean(r["unit"]),
            "suppliers": r["suppliers"],
            "n_suppliers": int(r["n_suppliers"]), "n_deliveries": int(r["n_deliveries"]),
            "total_quantity": _clean(r["total_quantity"]),
            "duplicated_quantity": _clean(r["duplicated_quantity"]),
            "first_date": _clean(r["first_date"]), "last_date": _clean(r["last_date"]),
        })
    return {"days": OVERLAP_DAYS, "count": int(len(frame)), "top": top}


def late_reports(con, yesterday: Scope, region: str | None, now: dict | None) -> dict | None:
    """Yesterday's open needs as the store knew them at the end of yesterday (UTC, by
    when each report was recorded) and as it knows them now, when reports recorded since
    changed the number; None when they did not, or when the store holds nothing recorded
    by then (history imported later, as the 2020 files are, has no "then")."""
    if now is None:
        return None
    end = datetime.combine(yesterday.as_of + timedelta(days=1), time.min)
    moments = [m for m, _ in store.change_moments(con)]
    if not any(m < end for m in moments) or not any(m >= end for m in moments):
        return None
    known = store.as_known_at(con, end - timedelta(microseconds=1))
    try:
        then = earlier_totals(known, yesterday, None, region)
    finally:
        known.close()
    if then is None or then["open_needs"] == now["open_needs"]:
        return None
    return {"day": yesterday.as_of.isoformat(), "then": then["open_needs"],
            "now": now["open_needs"]}


@query("facility", name="briefing.build_brief")
def build_brief(con, scope: Scope, lang: str = "zh", region: str | None = None) -> dict:
    """The morning briefing as of ``scope.as_of`` (JSON-ready; see the module docstring).

    With ``region`` (a prefecture adcode) the briefing is that prefecture's: every number,
    list and sentence counts it alone, ``regions`` lists its counties
    (:func:`dashboard.analytics.metrics.county_summary`) and ``region`` names it.

    Keys: as_of, window_days, totals, regions (as :func:`dashboard.analytics.metrics.brief`), and
    lang, window {start, end, days}, province {adcode, name, name_en}, region {adcode,
    name, name_en} or None, compared {d1, d7, d1_has_data, d7_has_data}, headline (value at
    D, D−1, D−7 and changes per measure), gaps {formula, regions, facilities}, partners
    {counts, overdue_after_days, overdue, silent}, reporting {partners, silent, late,
    expected, received, top_region} (schedules, issue 15), pledges
    {open, lapsed_count, lapsed},
    overdue_deliveries {count, top}, overlaps {days, count, top}, changes (what the
    narrative draws on), late {day, then, now} when reports recorded since yesterday
    changed yesterday's open needs (:func:`late_reports`, else None) and narrative (a list
    of sentences in ``lang``).
    """
    # The two slowest parts, on threads of their own while the rest is read.
    overlaps_found = Alongside(con, _overlaps, scope, lang, region)
    gaps_found = Alongside(con, gap_rankings, scope, region, limit=TOP_GAPS)
    registry = load_registry()
    province = registry.scope(scope.province)
    place = registry.get(region) if region else None
    summary = region_summary(con, scope)
    before = {n: scope.previous(n) for n in COMPARE_DAYS}
    summaries = {n: region_summary(con, s) for n, s in before.items()}
    now = totals(con, scope, summary, region)
    # None for a day before the data begins: "no earlier data", not a change from zero.
    past = {n: earlier_totals(con, before[n], summaries[n], region) for n in COMPARE_DAYS}
    # The areas listed, mapped and compared: the prefectures, or the region's counties.
    if region:
        areas, areas_d1 = county_summary(con, scope, region), county_summary(con, before[1], region)
    else:
        areas, areas_d1 = summary, summaries[1]

    # The first TOP_GAPS facilities are the ones with a gap, when any has one (a score of 0
    # sorts last): no need to list every facility of the province here.
    pledges = pledge_state(con, scope.as_of)
    partners, reporting = _partners(con, scope, region), _reporting(con, scope, lang, region)
    overdue = _overdue(con, scope, now["overdue_deliveries"], lang, region)
    late = late_reports(con, before[1], region, past[1])
    region_scores, facility_scores = gaps_found.result()
    brief = {
        "as_of": scope.as_of.isoformat(),
        "window_days": scope.window,
        "totals": now,
        "regions": _regions(areas, region_scores),
        "lang": lang,
        "window": {"start": scope.start.isoformat(), "end": scope.as_of.isoformat(),
                   "days": scope.window},
        "province": {"adcode": province.adcode, "name": province.name,
                     "name_en": province.name_en},
        "region": {"adcode": place.adcode, "name": place.name, "name_en": place.name_en}
        if place else None,
        "compared": {"d1": before[1].as_of.isoformat(), "d7": before[7].as_of.isoformat(),
                     "d1_has_data": past[1] is not None, "d7_has_data": past[7] is not None},
        "headline": headline(now, past[1], past[7]),
        "gaps": _gaps(region_scores, facility_scores, scope, lang),
        "partners": partners,
        "reporting": reporting,
        "pledges": _pledges(pledges, region),
        "overdue_deliveries": overdue,
        "overlaps": overlaps_found.result(),
        "changes": region_changes(areas, areas_d1 if past[1] is not None else None),
        "late": late,
    }
    # Who pledged to cover the facilities with the largest gaps (not to send twice).
    claims = facility_claims(pledges)
    for facility in brief["gaps"]["facilities"]:
        facility["claimed_by"] = claims.get(facility["facility_id"])
    brief["narrative"] = sentences(brief, lang)
    return brief
