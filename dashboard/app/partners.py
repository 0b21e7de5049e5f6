"""Sections of the Partners page: each draws one analysis of dashboard.analytics.partners, with a
caption saying what it counts and, for tables, a CSV download. Tables are drawn by
:func:`dashboard.app.tables.show_table`: names first, figures with separators, dates as
days, "—" for unknown, organisation, facility and grant ids only (last) in the downloads.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.analytics import partners
from dashboard.app.cache import cached
from dashboard.app.components import download
from dashboard.app.frame import View
from dashboard.app.tables import (
    COUNT,
    DATE,
    ID,
    MONEY,
    NAME,
    PERCENT,
    REGION,
    TEXT,
    Col,
    region_name,
    show_table,
)
from dashboard.i18n import t, value_label

_VALUE_COLUMNS = {"org_type": "org_type", "activity_type": "activity_type",
                  "category": "category", "facility_type": "facility_type", "status": "status"}


def _region_name(adcode: str | None, lang: str) -> str:
    return region_name(adcode, lang)


def partner_freshness(view: View) -> pd.DataFrame:
    """The partners of the view's area with their freshness (dashboard.analytics.partners.freshness,
    cached): what every page counts active and stale partners from."""
    return cached(view, "partners.freshness", view.scope, region=view.region)


def no_partners(view: View) -> None:
    """There is no partner in the view's area: say so, and how partners come in."""
    key = "partners.none_in_region" if view.region else "partners.none_recorded"
    st.info(t(key, view.lang, region=_region_name(view.region, view.lang),
               partner=value_label("org_type", "partner", view.lang)))


def _table(frame: pd.DataFrame, view: View, columns: dict[str, str | Col], file_stem: str) -> pd.DataFrame:
    """``frame`` drawn as people read it, with its download (ids last); returns the download.
    Nothing to show is said in words (an empty grid would only say "empty")."""
    if frame.empty:
        st.caption(t("partners.nothing", view.lang))
        return pd.DataFrame()
    special = {
        "freshness": lambda v: t(f"partners.{v}", view.lang),
        "active": lambda v: t("partners.yes" if v else "partners.no", view.lang),
    }
    display = show_table(frame, view, columns, "partners.col", _VALUE_COLUMNS, special)
    download(display, f"lifeline_{file_stem}_{view.as_of.isoformat()}.csv", view,
             key=f"dl_partners_{file_stem}")
    return display


def caption(view: View) -> None:
    """What the page is computed for."""
    st.caption(t("partners.caption", view.lang, as_of=view.as_of.isoformat(),
                  window=view.window))
    region = view.region
    if region:
        st.caption(t("partners.region_suffix", view.lang, name=_region_name(region, view.lang)))


def headlines(view: View) -> pd.DataFrame:
    """Five cards on the partners of the view's area: active and stale (the Overview's
    cards, by the same definition), then the stale ones by class."""
    frame = partner_freshness(view)
    counts = partners.freshness_counts(frame)
    cards = (("metric.active_partners", counts["fresh"]),
             ("metric.stale_partners", sum(counts[c] for c in partners.STALE)),
             *((f"partners.{c}", counts[c]) for c in partners.STALE))
    for column, (label, value) in zip(st.columns(len(cards)), cards):
        with column:
            st.metric(t(label, view.lang), f"{value:,}")
    st.caption(t("partners.cards.caption", view.lang))
    return frame


# The quietest first, so the first columns answer "who, how long, whose hub".
FRESHNESS_COLUMNS = {"name": NAME, "days_since_seen": COUNT, "hub_name": TEXT, "freshness": TEXT,
                     "last_seen": DATE, "active_regions": COUNT, "org_id": ID, "hub_id": ID}


def freshness_table(view: View) -> None:
    """The partners of one hub (or all), the quietest first, and the reminder to copy."""
    frame = partner_freshness(view)
    if frame.empty:  # the page already says there is no partner; an empty grid says "empty"
        return
    st.subheader(t("partners.freshness.title", view.lang))
    hubs = sorted({(h, n if isinstance(n, str) and n.strip() else t("partners.unnamed", view.lang))
                   for h, n in zip(frame["hub_id"], frame["hub_name"]) if isinstance(h, str)},
                  key=lambda hub: (hub[1], hub[0]))
    names = partners.distinct_labels([(h, n, []) for h, n in hubs], view.lang)
    choice = st.selectbox(t("partners.hub", view.lang), [None, *names],
                          key=f"partners_hub_{view.lang}",
                          format_func=lambda h: t("partners.all_hubs", view.lang) if h is None
                          else names[h])
    if choice:
        frame = frame[frame["hub_id"] == choice]
    st.caption(t("partners.freshness.caption", view.lang, window=view.window,
                  window2=2 * view.window))
    _table(frame, view, FRESHNESS_COLUMNS, f"partners_{choice or 'all'}")
    reminder(view, frame)


def reminder(view: View, frame: pd.DataFrame) -> None:
    """The stale partners as plain lines for the group chat, with a copy button."""
    st.markdown(f"**{t('partners.remind.title', view.lang)}**")
    lines = partners.reminder_lines(frame, view.lang)
    if not lines:
        st.info(t("partners.remind.none", view.lang))
        return
    st.caption(t("partners.remind.caption", view.lang))
    st.code("\n".join(lines), language=None, wrap_lines=True)


REPORTING_COLUMNS = {"name": NAME, "status": TEXT, "rate": PERCENT, "received": COUNT,
                     "expected": COUNT, "on_time_rate": PERCENT, "late": COUNT,
                     "schedule": TEXT, "hub_name": TEXT, "org_id": ID}


def _schedule(every: int, grace: int, set_by_hub, lang: str) -> str:
    text = (t("partners.rates.daily", lang) if every == 1
            else t("partners.rates.every", lang, n=every))
    text += t("partners.rates.grace", lang, n=grace)
    return text if set_by_hub is True else text + t("partners.rates.default", lang)


def reporting_rates(view: View) -> None:
    """Reports received against reports expected by each partner's schedule in the
    window (DHIS2's reporting rate), stopped and late partners first; per hub or
    region; and what to send to the group chat today."""
    rates = cached(view, "reporting.reporting", view.scope, region=view.region)
    st.subheader(t("partners.rates.title", view.lang))
    if rates.empty:
        st.caption(t("partners.rates.none", view.lang))
        return
    expected, received = int(rates["expected"].sum()), int(rates["received"].sum())
    counts = rates["status"].value_counts()
    cards = ((t("partners.rates.network_rate", view.lang),
              f"{received / expected:.0%}" if expected else "—"),
             (t("partners.rates.received", view.lang), f"{received:,} / {expected:,}"),
             (t("partners.rates.status.silent", view.lang), f"{counts.get('silent', 0):,}"),
             (t("partners.rates.status.late", view.lang), f"{counts.get('late', 0):,}"))
    for column, (label, value) in zip(st.columns(len(cards)), cards):
        column.metric(label, value)
    known = rates.attrs.get("on_time_known", False)
    st.caption(t("partners.rates.caption", view.lang, window=view.window)
               + ("" if known else " " + t("partners.rates.on_time_unknown", view.lang)))
    shown = rates.copy()
    shown["schedule"] = [_schedule(e, g, s, view.lang) for e, g, s in
                         zip(shown["every_days"], shown["grace_days"], shown["set_by_hub"])]
    columns = dict(REPORTING_COLUMNS)
    if not known:
        columns.pop("on_time_rate")
    display = show_table(shown, view, columns, "partners.rates.col", special={
        "status": lambda v: t(f"partners.rates.status.{v}", view.lang)}, key="rates_table")
    download(display, f"lifeline_reporting_rates_{view.as_of.isoformat()}.csv", view,
             key="dl_partners_rates")
    by = st.radio(t("partners.rates.by", view.lang), ("hub", "region"), horizontal=True,
                  key="rates_by", format_func=lambda b: t(f"partners.rates.by.{b}", view.lang))
    rolled = cached(view, "reporting.reporting_rollup", view.scope, by=by)
    name = {"hub": ("hub_name", TEXT), "region": ("prefecture_adcode", REGION)}[by]
    show_table(rolled, view, {name[0]: Col(name[0], NAME if by == "hub" else REGION),
                              "rate": PERCENT, "received": COUNT, "expected": COUNT,
                              "partners": COUNT, "silent_partners": COUNT,
                              "late_partners": COUNT}, "partners.rates.col", key="rates_rollup")
    lines = partners.schedule_reminder_lines(rates, view.lang)
    st.markdown(f"**{t('partners.rates.remind.title', view.lang)}**")
    if lines:
        st.code("\n".join(lines), language=None, wrap_lines=True)
    else:
        st.info(t("partners.rates.remind.none", view.lang))


def single_partner(view: View) -> None:
    """Prefectures where one partner, or none, is active in the window (the view's
    region only, when one is chosen)."""
    st.subheader(t("partners.single.title", view.lang))
    frame = cached(view, "partners.single_partner_regions", view.scope).copy()
    frame["region_adcode"] = frame["adcode"]
    st.caption(t("partners.single.caption", view.lang))
    region = view.region
    if region:
        frame = frame[frame["adcode"] == region]
        if frame.empty:
            st.info(t("partners.single.region", view.lang, name=_region_name(region, view.lang)))
            return
    _table(frame, view, {"region_adcode": REGION, "active_partners": COUNT, "partner_name": TEXT,
                         "adcode": ID, "org_id": ID}, "single_partner")


# The one table allowed to be wider than the page (the browser tests find it by this key).
WHO_MATRIX_KEY = "partners_who_matrix"


def who_what_where(view: View) -> None:
    """Organisation rows × prefecture columns (province columns for the whole country),
    counts of reports or deliveries."""
    st.subheader(t("partners.who.title", view.lang))
    by = st.radio(t("partners.who.by", view.lang), partners.WHO_BY, horizontal=True,
                  key=f"partners_who_by_{view.lang}",
                  format_func=lambda b: t(f"partners.col.{b}", view.lang))
    frame = cached(view, "partners.who_does_what_where", view.scope, by=by)
    if view.region:
        frame = frame[frame["region_adcode"] == view.region]
    if view.org_type:
        frame = frame[frame["org_type"] == view.org_type]
    if view.category and by == "category":
        frame = frame[frame["category"] == view.category]
    if view.national:  # a column per province: the country's 430 prefectures fit no page
        frame = frame.assign(region_adcode=frame["region_adcode"].str[:2] + "0000")
    kinds = sorted(frame[by].dropna().unique())
    kind = st.selectbox(t("partners.who.filter", view.lang), [None, *kinds],
                        key=f"partners_who_kind_{view.lang}",
                        format_func=lambda k: t("partners.who.all", view.lang) if k is None
                        else value_label(by, k, view.lang))
    if kind:
        frame = frame[frame[by] == kind]
    matrix = partners.who_matrix(frame)
    st.caption(t("partners.who.caption", view.lang))
    if matrix.empty:
        st.info(t("partners.none", view.lang))
        return
    # Seventeen prefectures do not fit beside readable names: the names keep their room
    # and stay in sight while the prefectures scroll sideways.
    columns = [Col("name", NAME, width=200)] + [Col(c, COUNT, header=_region_name(c, view.lang))
                                                for c in matrix.columns]
    with st.container(key=WHO_MATRIX_KEY):
        display = show_table(matrix.reset_index(), view, columns, "partners.col")
    download(display, f"lifeline_who_what_where_{by}_{view.as_of.isoformat()}.csv", view,
             key="dl_partners_who")


def profile(view: View) -> None:
    """One organisation's regions, facilities, deliveries, reports and grants."""
    st.subheader(t("partners.profile.title", view.lang))
    frame = partner_freshness(view)
    if frame.empty:
        st.info(t("partners.none", view.lang))
        return
    # By name, as people know them; a shared name is told apart by hub, then prefecture.
    names = partners.choice_labels(frame, view.lang)
    org = st.selectbox(t("partners.profile.select", view.lang), list(names),
                       key=f"partners_profile_{view.lang}", format_func=names.__getitem__)
    st.caption(t("partners.profile.caption", view.lang))
    frames = cached(view, "partners.partner_profile", view.scope, org_id=org)
    sections = (
        ("regions", {"region_adcode": REGION, "reports": COUNT, "deliveries": COUNT,
                     "last_date": DATE, "active": TEXT}),
        ("facilities", {"name": Col("name", NAME, header=t("partners.col.facility", view.lang)),
                        "facility_type": TEXT, "region_adcode": REGION, "deliveries": COUNT,
                        "last_date": DATE, "facility_id": ID}),
        ("deliveries", {"status": TEXT, "count": COUNT}),
        ("reports", {"reported_on": DATE, "reports": COUNT, "people_served": COUNT}),
        ("grants", {"funder_name": NAME, "amount_cny": MONEY, "category": TEXT, "start_on": DATE,
                    "end_on": DATE, "grant_id": ID, "funder_id": ID}),
    )
    for name, columns in sections:
        st.markdown(f"**{t(f'partners.profile.{name}', view.lang)}**")
        _table(frames[name], view, columns, f"partner_{org}_{name}")


def render(view: View) -> None:
    """Partners: who was last heard from when, who works where, and where one stands alone."""
    caption(view)
    if partner_freshness(view).empty:
        # Cards and tables of zeros would only repeat it: say it once, with what would change it.
        no_partners(view)
        return
    headlines(view)
    freshness_table(view)
    reporting_rates(view)
    single_partner(view)
    who_what_where(view)
    profile(view)
