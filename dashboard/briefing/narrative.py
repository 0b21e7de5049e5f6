"""The briefing's narrative: short plain sentences generated from the data by fixed rules.

The rules are deterministic and documented in docs/METHODS.md ("Briefing"). They are
tried in the order of ``RULES``; each writes at most one sentence, and at most
``MAX_SENTENCES`` are kept, so the later rules are the first to go on a busy day.

1. ``needs`` (always): open needs at D, how many urgent, and the change since D−1.
2. ``late``: reports recorded since the end of D−1 changed D−1's open needs: then
   and now (``content.late_reports``).
3. ``lost_hospital``: prefectures (a region's briefing: its counties) with a hospital
   covered at D−1 and none at D.
4. ``lost_community``: the same for communities and villages.
5. ``hospital_shift``: the area's (province's or region's) hospital coverage moved by at least
   ``COVERAGE_SHIFT_PP`` percentage points since D−1.
6. ``community_shift``: the same for community coverage.
7. ``urgent_rise``: prefectures whose urgent open needs rose since D−1 (largest rise
   first, ties by adcode; at most ``URGENT_RISE_TOP``).
8. ``overdue``: overdue deliveries, when there are any at D or at D−1, with the change
   and the longest wait (region and carrier).
9. ``partners``: when any partner is silent (never seen) or overdue (not seen for two
   windows or more).
10. ``top_gap``: the prefecture with the largest gap score above 0.
11. ``gained_hospital``: prefectures with no hospital covered at D−1 and one at D.
12. ``overlaps``: duplicated donations whose latest delivery is in the window.

Lists of regions name at most ``MAX_NAMES`` (in adcode order), then "and N more".
Region names follow the language; organisation and facility names are data and are
shown as they were reported.
"""

from __future__ import annotations

import pandas as pd

from dashboard.briefing import fmt
from dashboard.i18n import region_label, t
from geo.config import NATIONAL

MAX_SENTENCES = 8
COVERAGE_SHIFT_PP = 5
URGENT_RISE_TOP = 3
MAX_NAMES = 5


def _region(row) -> dict:
    return {"adcode": row["adcode"], "name": row["name"], "name_en": row["name_en"]}


def region_changes(today: pd.DataFrame, yesterday: pd.DataFrame | None) -> dict:
    """Per-prefecture changes from D−1 to D that the narrative mentions (JSON-ready).

    Both frames are :func:`dashboard.analytics.metrics.region_summary` outputs of the same
    province. Lists are in adcode order except ``urgent_rise`` (largest rise first).
    ``yesterday`` is None when the data begins on D: nothing was lost, gained or rose
    since a day with no data, so every list is empty.
    """
    if yesterday is None:
        return {"lost_hospital_coverage": [], "lost_community_coverage": [],
                "gained_hospital_coverage": [], "urgent_rise": []}
    merged = today.merge(yesterday, on="adcode", suffixes=("", "_d1")).sort_values("adcode")

    def lost(kind: str) -> list[dict]:
        rows = merged[(merged[kind] > 0) & (merged[f"{kind}_covered_d1"] > 0)
                      & (merged[f"{kind}_covered"] == 0)]
        return [_region(r) for r in rows.to_dict("records")]

    gained = merged[(merged["hospitals"] > 0) & (merged["hospitals_covered_d1"] == 0)
                    & (merged["hospitals_covered"] > 0)]
    merged["urgent_change"] = merged["urgent_open_needs"] - merged["urgent_open_needs_d1"]
    rise = merged[merged["urgent_change"] > 0].sort_values(
        ["urgent_change", "adcode"], ascending=[False, True]).head(URGENT_RISE_TOP)
    return {
        "lost_hospital_coverage": lost("hospitals"),
        "lost_community_coverage": lost("communities"),
        "gained_hospital_coverage": [_region(r) for r in gained.to_dict("records")],
        "urgent_rise": [_region(r) | {"change": int(r["urgent_change"]),
                                      "value": int(r["urgent_open_needs"])}
                        for r in rise.to_dict("records")],
    }


def _names(regions: list[dict], lang: str) -> str:
    return fmt.names([region_label(r["name"], r["name_en"], lang) for r in regions], lang, MAX_NAMES)


def _plural(n: int) -> str:
    """The English plural ending (the Chinese sentences do not use it)."""
    return "" if n == 1 else "s"


def _trend(delta: int | None, lang: str) -> str:
    """"12 more than yesterday" / "较昨日增加 12" style phrase of a count change; "no
    earlier data" when yesterday is before the data begins."""
    if delta is None:
        return t("brief.nar.trend_unknown", lang)
    if delta > 0:
        return t("brief.nar.trend_up", lang, n=f"{delta:,}")
    if delta < 0:
        return t("brief.nar.trend_down", lang, n=f"{-delta:,}")
    return t("brief.nar.trend_same", lang)


def _needs(b: dict, lang: str) -> str | None:
    h = {i["key"]: i for i in b["headline"]}
    return t("brief.nar.needs", lang, n=f"{h['open_needs']['value']:,}",
             urgent=f"{h['urgent_open_needs']['value']:,}",
             trend=_trend(h["open_needs"]["change_d1"], lang))


def _lost(kind: str):
    def rule(b: dict, lang: str) -> str | None:
        regions = b["changes"][f"lost_{kind}_coverage"]
        if not regions:
            return None
        return t(f"brief.nar.lost_{kind}", lang, n=len(regions), s=_plural(len(regions)),
                 names=_names(regions, lang))
    return rule


def _shift(key: str):
    def rule(b: dict, lang: str) -> str | None:
        item = next(i for i in b["headline"] if i["key"] == key)
        if item["change_d1"] is None or abs(item["change_d1"]) * 100 < COVERAGE_SHIFT_PP - 1e-9:
            return None
        direction = "up" if item["change_d1"] > 0 else "down"
        region = b.get("region")
        whole = ("brief.whole_country" if b.get("province", {}).get("adcode") == NATIONAL
                 else "brief.whole_province")
        place = region_label(region["name"], region["name_en"], lang) if region else t(whole, lang)
        return t(f"brief.nar.{key}_{direction}", lang, before=fmt.percent(item["d1"], lang),
                 now=fmt.percent(item["value"], lang), place=place)
    return rule


def _urgent_rise(b: dict, lang: str) -> str | None:
    rise = b["changes"]["urgent_rise"]
    if not rise:
        return None
    parts = [t("brief.nar.region_change", lang, name=region_label(r["name"], r["name_en"], lang),
               change=f"+{r['change']:,}") for r in rise]
    return t("brief.nar.urgent_rise", lang, names=t("brief.list_sep", lang).join(parts))


def _overdue(b: dict, lang: str) -> str | None:
    item = next(i for i in b["headline"] if i["key"] == "overdue_deliveries")
    if not item["value"] and not item["d1"]:
        return None
    if not item["value"]:
        return t("brief.nar.overdue_cleared", lang)
    top = b["overdue_deliveries"]["top"]
    if not top:  # the list is drawn from the same rule as the count; kept safe regardless
        return None
    first = top[0]
    carrier = fmt.clean(first["carrier_name"]) or t("brief.no_carrier", lang)
    return t("brief.nar.overdue", lang, n=f"{item['value']:,}", trend=_trend(item["change_d1"], lang),
             days=first["days_overdue"], ds=_plural(first["days_overdue"]), region=first["region"],
             carrier=carrier)


def _partners(b: dict, lang: str) -> str | None:
    counts = b["partners"]["counts"]
    silent, overdue = counts["silent"], counts["overdue"]
    if not silent and not overdue:
        return None
    return t("brief.nar.partners", lang, n=silent + overdue, silent=silent, overdue=overdue,
             days=b["partners"]["overdue_after_days"])


def _top_gap(b: dict, lang: str) -> str | None:
    regions = b["gaps"]["regions"]
    if not regions:
        return None
    r = regions[0]
    return t("brief.nar.top_gap", lang, name=r["label"], score=fmt.score(r["score"], lang),
             urgent=f"{r['urgent_needs']:,}")


def _gained(b: dict, lang: str) -> str | None:
    regions = b["changes"]["gained_hospital_coverage"]
    if not regions:
        return None
    return t("brief.nar.gained_hospitals", lang, n=len(regions), s=_plural(len(regions)),
             names=_names(regions, lang))


def _overlaps(b: dict, lang: str) -> str | None:
    n = b["overlaps"]["count"]
    if not n:
        return None
    return t("brief.nar.overlaps", lang, n=n, s=_plural(n), window=b["window"]["days"])


def _late(b: dict, lang: str) -> str | None:
    late = b.get("late")
    if not late:
        return None
    return t("brief.nar.late", lang, day=late["day"], then=f"{late['then']:,}",
             now=f"{late['now']:,}")


RULES = (
    ("needs", _needs),
    ("late", _late),
    ("lost_hospital", _lost("hospital")),
    ("lost_community", _lost("community")),
    ("hospital_shift", _shift("hospital_coverage")),
    ("community_shift", _shift("community_coverage")),
    ("urgent_rise", _urgent_rise),
    ("overdue", _overdue),
    ("partners", _partners),
    ("top_gap", _top_gap),
    ("gained_hospital", _gained),
    ("overlaps", _overlaps),
)


def sentences(brief: dict, lang: str) -> list[str]:
    """The narrative of a brief (see the module docstring for the rules), in ``lang``."""
    out = []
    for _name, rule in RULES:
        sentence = rule(brief, lang)
        if sentence:
            out.append(sentence)
        if len(out) == MAX_SENTENCES:
            break
    return out
