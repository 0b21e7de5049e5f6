"""Sections of the Partners page: each draws one analysis of dashboard.partners, with a
caption saying what it counts and, for tables, a CSV download. Headers and values are
translated; no raw column name reaches the screen.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import partners
from dashboard.access import run
from dashboard.i18n import t as tn
from dashboard.i18n import value_label
from dashboard.metrics import Scope
from dashboard.ui.components import download
from dashboard.ui.data import connection, role_of
from dashboard.ui.frame import View
from dashboard.ui.needs import _region_name, region_of
from dashboard.ui.tables import translated

_VALUE_COLUMNS = {"org_type": "org_type", "activity_type": "activity_type",
                  "category": "category", "facility_type": "facility_type", "status": "status"}
_DATE_COLUMNS = ("last_seen", "last_date", "reported_on", "start_on", "end_on")


@st.cache_data(show_spinner=False, max_entries=128)
def _compute(key: tuple[str, str], name: str, as_of: date, window: int, **kwargs):
    """A cached call of ``dashboard.partners.<name>`` (keyed by the data version)."""
    with connection() as con:
        return run(role_of(key), f"partners.{name}", con, Scope(as_of, window), **kwargs)


def _get(view: View, name: str, **kwargs):
    return _compute(view.key, name, view.as_of, view.window, **kwargs)


def partner_freshness(view: View) -> pd.DataFrame:
    """The partners of the view's area with their freshness (dashboard.partners.freshness,
    cached): what every page counts active and stale partners from."""
    return _get(view, "freshness", region=region_of(view))


def _date_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).date().isoformat()


def shown(frame: pd.DataFrame, view: View, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``frame`` with translated values and headers."""
    blank = lambda v: "" if v is None or (isinstance(v, float) and v != v) else v  # noqa: E731
    special = {
        "freshness": lambda v: tn(f"partners.{v}", view.lang),
        "active": lambda v: tn("partners.yes" if v else "partners.no", view.lang),
    }
    special |= {col: _date_text for col in _DATE_COLUMNS}
    special |= {col: blank for col in ("org_id", "partner_name", "hub_id", "hub_name")}
    # A partner never seen has no count of days: a dash, never the table's English "None"
    # (the column is text throughout, so it stays one type).
    special["days_since_seen"] = lambda v: "—" if v is None or pd.isna(v) else str(int(v))
    return translated(frame, view, columns, "partners.col", _VALUE_COLUMNS, special)


def _table(frame: pd.DataFrame, view: View, columns: list[str], file_stem: str) -> pd.DataFrame:
    display = shown(frame, view, columns)
    st.dataframe(display, hide_index=True, width="stretch")
    download(display, f"lifeline_{file_stem}_{view.as_of.isoformat()}.csv", view,
             key=f"dl_partners_{file_stem}")
    return display


def caption(view: View) -> None:
    """What the page is computed for."""
    st.caption(tn("partners.caption", view.lang, as_of=view.as_of.isoformat(),
                  window=view.window))
    region = region_of(view)
    if region:
        st.caption(tn("partners.region_suffix", view.lang, name=_region_name(region, view.lang)))


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
            st.metric(tn(label, view.lang), f"{value:,}")
    st.caption(tn("partners.cards.caption", view.lang))
    return frame


# The quietest first, so the first columns answer "who, how long, whose hub".
FRESHNESS_COLUMNS = ["name", "days_since_seen", "hub_name", "freshness", "last_seen",
                     "active_regions", "org_id"]


def freshness_table(view: View) -> None:
    """The partners of one hub (or all), the quietest first, and the reminder to copy."""
    frame = partner_freshness(view)
    if frame.empty:  # the page already says there is no partner; an empty grid says "empty"
        return
    st.subheader(tn("partners.freshness.title", view.lang))
    hubs = sorted({(h, n) for h, n in zip(frame["hub_id"], frame["hub_name"])
                   if isinstance(h, str)})
    names = dict(hubs)
    choice = st.selectbox(tn("partners.hub", view.lang), [None, *names],
                          key=f"partners_hub_{view.lang}",
                          format_func=lambda h: tn("partners.all_hubs", view.lang) if h is None
                          else (names.get(h) or h))
    if choice:
        frame = frame[frame["hub_id"] == choice]
    st.caption(tn("partners.freshness.caption", view.lang, window=view.window,
                  window2=2 * view.window))
    _table(frame, view, FRESHNESS_COLUMNS, f"partners_{choice or 'all'}")
    reminder(view, frame)


def reminder(view: View, frame: pd.DataFrame) -> None:
    """The stale partners as plain lines for the group chat, with a copy button."""
    st.markdown(f"**{tn('partners.remind.title', view.lang)}**")
    lines = partners.reminder_lines(frame, view.lang)
    if not lines:
        st.info(tn("partners.remind.none", view.lang))
        return
    st.caption(tn("partners.remind.caption", view.lang))
    st.code("\n".join(lines), language=None, wrap_lines=True)


def single_partner(view: View) -> None:
    """Prefectures where one partner, or none, is active in the window (the view's
    region only, when one is chosen)."""
    st.subheader(tn("partners.single.title", view.lang))
    frame = _get(view, "single_partner_regions").copy()
    frame["region_adcode"] = frame["adcode"]
    st.caption(tn("partners.single.caption", view.lang))
    region = region_of(view)
    if region:
        frame = frame[frame["adcode"] == region]
        if frame.empty:
            st.info(tn("partners.single.region", view.lang, name=_region_name(region, view.lang)))
            return
    _table(frame, view, ["region_adcode", "active_partners", "partner_name"], "single_partner")


def who_what_where(view: View) -> None:
    """Organisation rows × prefecture columns, counts of reports or deliveries."""
    st.subheader(tn("partners.who.title", view.lang))
    by = st.radio(tn("partners.who.by", view.lang), partners.WHO_BY, horizontal=True,
                  key=f"partners_who_by_{view.lang}",
                  format_func=lambda b: tn(f"partners.col.{b}", view.lang))
    frame = _get(view, "who_does_what_where", by=by)
    if region_of(view):
        frame = frame[frame["region_adcode"] == region_of(view)]
    if view.org_type:
        frame = frame[frame["org_type"] == view.org_type]
    if view.category and by == "category":
        frame = frame[frame["category"] == view.category]
    kinds = sorted(frame[by].dropna().unique())
    kind = st.selectbox(tn("partners.who.filter", view.lang), [None, *kinds],
                        key=f"partners_who_kind_{view.lang}",
                        format_func=lambda k: tn("partners.who.all", view.lang) if k is None
                        else value_label(by, k, view.lang))
    if kind:
        frame = frame[frame[by] == kind]
    matrix = partners.who_matrix(frame)
    st.caption(tn("partners.who.caption", view.lang))
    if matrix.empty:
        st.info(tn("partners.none", view.lang))
        return
    matrix.columns = [_region_name(c, view.lang) for c in matrix.columns]
    matrix.index.name = tn("partners.col.name", view.lang)
    display = matrix.reset_index()
    st.dataframe(display, hide_index=True, width="stretch")
    download(display, f"lifeline_who_what_where_{by}_{view.as_of.isoformat()}.csv", view,
             key="dl_partners_who")


def profile(view: View) -> None:
    """One organisation's regions, facilities, deliveries, reports and grants."""
    st.subheader(tn("partners.profile.title", view.lang))
    frame = partner_freshness(view)
    if frame.empty:
        st.info(tn("partners.none", view.lang))
        return
    names = dict(zip(frame["org_id"], frame["name"]))
    org = st.selectbox(tn("partners.profile.select", view.lang), list(names),
                       key=f"partners_profile_{view.lang}",
                       format_func=lambda o: f"{names[o]} ({o})")
    st.caption(tn("partners.profile.caption", view.lang))
    frames = _get(view, "partner_profile", org_id=org)
    sections = (
        ("regions", ["region_adcode", "reports", "deliveries", "last_date", "active"]),
        ("facilities", ["facility_id", "name", "facility_type", "region_adcode", "deliveries",
                        "last_date"]),
        ("deliveries", ["status", "count"]),
        ("reports", ["reported_on", "reports", "people_served"]),
        ("grants", ["grant_id", "funder_name", "amount_cny", "category", "start_on", "end_on"]),
    )
    for name, columns in sections:
        st.markdown(f"**{tn(f'partners.profile.{name}', view.lang)}**")
        _table(frames[name], view, columns, f"partner_{org}_{name}")
