"""The Data page's review queue: confirm, correct, create, reject — or accept in bulk.

Items are grouped by the name as written, because every decision (``data_loaders.ingest.review``)
settles all pending lines of one name at once: a person decides "同济医院 is facility X"
once, not 24 times. The section is a compact table of the names, a bulk acceptance above
a threshold, then one collapsed decision per name. Each decision is a fragment, so
choosing an action redraws that decision only, not the whole Data page. Facilities are
shown by name and region (``…同济医院（武汉市 硚口区）``), never by id; every decision is
written to the audit log.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import streamlit as st

from dashboard.app.cache import cached, fresh
from dashboard.i18n import problem_message, region_label, value_label
from dashboard.present.markup import md
from data_loaders.ingest import matching, review
from data_loaders.store import schema

# The actions of one decision, in the order offered, and their labels.
ACTIONS = {
    "confirm": "review.confirm",
    "other": "review.other",
    "create": "review.create",
    "reject": "review.reject",
    "later": "review.later",
}
# ReviewError codes and their sentences (every code of review.ERROR_CODES).
ERRORS = {
    "not_pending": "review.error_not_pending",
    "invalid": "review.error_invalid",
    "no_name": "review.error_no_name",
    "unknown_type": "review.error_unknown_type",
    "unknown_region": "review.error_unknown_region",
    "facility_exists": "review.error_facility_exists",
    "bad_threshold": "review.error_bad_threshold",
}
_DONE = "_review_done"  # the last decision's message, shown after the rerun
_STALE = "_review_stale"  # a decision someone else made first, said after the refresh


def percent(confidence: float) -> str:
    """0.734 -> ``73%``."""
    return f"{confidence:.0%}"


@lru_cache(maxsize=2)
def region_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(adcode, label) of the province's prefectures, each followed by its counties."""
    from geo.regions import load_registry

    registry = load_registry()
    out = []
    for prefecture in registry.prefectures():
        name = region_label(prefecture.name, prefecture.name_en, lang)
        out.append((prefecture.adcode, name))
        for county in registry.counties(prefecture.adcode):
            out.append((county.adcode, _place(name, region_label(county.name, county.name_en, lang),
                                               lang)))
    return tuple(out)


def _place(prefecture: str, county: str | None, lang: str) -> str:
    """``武汉市 硚口区`` / ``Wuhan, Qiaokou``."""
    from dashboard.i18n import t

    return t("review.place", lang, prefecture=prefecture, county=county) if county else prefecture


def facility_labels(places: pd.DataFrame, lang: str) -> dict[str, str]:
    """facility id -> ``name（prefecture county）``: what a person reads instead of an id.

    Two facilities of the same name are told apart by their region.
    """
    from dashboard.i18n import t

    regions = dict(region_choices(lang))
    labels = {}
    for row in places.itertuples(index=False):
        place = regions.get(row.county_adcode) or regions.get(row.region_adcode)
        labels[row.facility_id] = (t("review.facility", lang, name=row.name, place=place)
                                   if place else str(row.name))
    return labels


def summary(groups: pd.DataFrame, labels: dict[str, str], view) -> pd.DataFrame:
    """The compact table: name as written, lines, proposal, confidence as a percentage."""
    proposed = [labels.get(pid) or name if isinstance(pid, str) else None
                for pid, name in zip(groups["proposed_id"], groups["proposed_name"])]
    return pd.DataFrame({
        view.t("review.raw_name"): groups["raw_name"],
        view.t("review.lines"): groups["lines"].astype(int),
        view.t("review.proposed"): [p or view.t("review.no_proposal") for p in proposed],
        view.t("review.confidence"): [percent(c) if p else "—"
                                        for c, p in zip(groups["confidence"], proposed)],
    })


def review_section(view) -> None:
    """Draw the review queue for ``view`` (dashboard.app.frame.View: the language, the
    role every read and decision is checked against, and who the audit log names)."""
    st.subheader(view.t("review.title"))
    st.caption(view.t("review.caption"))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done)
    stale = st.session_state.pop(_STALE, None)
    if stale:
        st.warning(stale)
    groups = fresh(view, "review.groups")
    if groups.empty:
        st.caption(view.t("review.empty"))
        return
    # Every facility, read only when there is something to decide (and cached: the list
    # changes with the data version, not with each decision's rerun).
    places = cached(view, "review.facilities")
    labels = facility_labels(places, view.lang)
    st.dataframe(summary(groups, labels, view), hide_index=True, width="stretch")
    if groups["proposed_id"].notna().any():
        _bulk(view)
    for group in groups.to_dict("records"):
        heading = (view.t("review.heading_proposal", name=md(group["raw_name"]), n=group["lines"],
                      pct=percent(group["confidence"]))
                   if group["proposed_id"] else
                   view.t("review.heading", name=md(group["raw_name"]), n=group["lines"]))
        with st.expander(heading):
            _decision(view, group, places, labels)


@st.fragment
def _bulk(view) -> None:
    """Accept every proposal at or above a threshold the person chooses."""
    lowest = round(matching.PROPOSE_MIN * 100)
    chosen = st.slider(view.t("review.bulk_min"), min_value=lowest, max_value=100,
                       value=round(review.DEFAULT_BULK_MIN * 100), step=5, format="%d%%",
                       key="review_bulk_min")
    eligible, left = fresh(view, "review.bulk_candidates", chosen / 100)
    if not left.empty:
        st.caption(view.t("review.bulk_left", n=len(left)))
    if eligible.empty:
        st.caption(view.t("review.bulk_none", pct=f"{chosen}%"))
        return
    if not st.button(view.t("review.bulk_accept", groups=len(eligible),
                        lines=int(eligible["lines"].sum())), key="review_bulk_accept"):
        return
    try:
        result = fresh(view, "review.accept_all", chosen / 100)
    except review.ReviewError as exc:
        _error(view, exc)
        return
    st.session_state[_DONE] = view.t("review.bulk_done", groups=len(result["groups"]),
                                 lines=result["lines"], written=result["written"])
    st.rerun()


@st.fragment
def _decision(view, group: dict, places: pd.DataFrame,
              labels: dict[str, str]) -> None:
    """One name's decision: the action, what it needs, and a save button."""
    rid = group["review_id"]
    st.markdown(view.t("review.group_line", name=md(group["raw_name"]), n=group["lines"],
                   source=md(group["source"])))
    proposed = group["proposed_id"] if group["proposed_id"] in labels else None
    actions = [a for a in ACTIONS if a != "confirm" or proposed]
    action = st.radio(view.t("review.choice"), actions, horizontal=True,
                      index=0 if proposed else actions.index("later"),
                      format_func=lambda a: view.t(ACTIONS[a]), key=f"review_action_{rid}")
    if action == "confirm":
        st.caption(view.t("review.proposal_is", facility=md(labels[proposed]),
                      pct=percent(group["confidence"])))
    elif action == "other":
        region = review.default_prefecture(group["raw_name"], group["list_region"])
        # Facilities of the list's region first: the name most likely means one of them.
        ordered = places.assign(away=places["region_adcode"] != region).sort_values(
            ["away", "name"], kind="stable")["facility_id"].tolist()
        st.selectbox(view.t("review.pick"), ordered, index=None, help=view.t("review.pick_help"),
                     format_func=lambda fid: labels.get(fid, ""),
                     placeholder=view.t("review.pick_placeholder"), key=f"review_other_{rid}")
    elif action == "create":
        _new_facility_fields(view, group)
    elif action == "reject":
        st.caption(view.t("review.reject_hint"))
    else:
        st.caption(view.t("review.later_hint"))
        return
    if st.button(view.t("review.apply"), key=f"review_apply_{rid}", type="primary"):
        _apply(view, group, action, labels)


def _new_facility_fields(view, group: dict) -> None:
    """Name, type and region of a facility created from the queue."""
    rid = group["review_id"]
    st.text_input(view.t("review.new_name"), value=group["raw_name"], key=f"review_name_{rid}")
    types = schema.FACILITIES.column("facility_type").values
    regions = dict(region_choices(view.lang))
    codes = list(regions)
    default = review.default_region(group["raw_name"], group["list_region"])
    left, right = st.columns(2)
    left.selectbox(view.t("review.new_type"), types, index=types.index("hospital"),
                   format_func=lambda v: value_label("facility_type", v, view.lang),
                   key=f"review_type_{rid}")
    right.selectbox(view.t("review.new_region"), codes,
                    index=codes.index(default) if default in regions else None,
                    format_func=regions.get, placeholder=view.t("review.region_placeholder"),
                    key=f"review_region_{rid}")


def _apply(view, group: dict, action: str, labels: dict[str, str]) -> None:
    """Save one decision, log it, and rerun the page with its message."""
    rid, raw_name = group["review_id"], group["raw_name"]
    state = st.session_state
    try:
        if action == "create":
            result = fresh(view, "review.create_facility", rid,
                           state.get(f"review_name_{rid}", ""), state.get(f"review_type_{rid}"),
                           state.get(f"review_region_{rid}"))
            # Read now, not from the cache: the list must hold the facility just made.
            labels = facility_labels(fresh(view, "review.facilities"), view.lang)
        elif action == "reject":
            result = fresh(view, "review.decide", rid, None)
        else:
            chosen = (group["proposed_id"] if action == "confirm"
                      else state.get(f"review_other_{rid}"))
            if not chosen:
                st.warning(view.t("review.pick_first"))
                return
            result = fresh(view, "review.decide", rid, chosen)
    except review.ReviewError as exc:
        _error(view, exc)
        return
    if action == "reject":
        state[_DONE] = view.t("review.rejected", raw_name=md(raw_name))
    elif action == "create":
        state[_DONE] = view.t("review.created", raw_name=md(raw_name),
                          facility=md(labels.get(result["facility_id"], result["name"])),
                          written=result["written"])
    else:
        state[_DONE] = view.t("review.confirmed", raw_name=md(raw_name),
                          facility=md(labels.get(result["facility_id"], "")),
                          written=result["written"])
    st.rerun()


def _error(view, exc: review.ReviewError) -> None:
    """A refused decision in the person's language (validation problems translated)."""
    texts = []
    for problem in exc.problems:
        message, fix = problem_message(problem, view.lang)
        texts.append(view.t("review.problem_fix", message=message, fix=fix) if fix else message)
    message = view.t(ERRORS.get(exc.code, "review.failed"), detail=md(exc.detail),
                 problems=md(" · ".join(dict.fromkeys(texts))), error=md(exc.code))
    if exc.raw_name:
        message = view.t("review.failed_for", raw_name=md(exc.raw_name), message=message)
    if exc.code == "not_pending":
        # Decided in another session meanwhile: refresh the list, then say so.
        st.session_state[_STALE] = message
        st.rerun()
    st.error(message)
