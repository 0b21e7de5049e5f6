"""The Data page's review queue: confirm, correct or reject proposed recipient matches.

Items are grouped by the name as written, because ``review.decide`` settles all pending
lines of one name at once: a person decides "同济医院 is facility X" once, not 24 times.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.markup import md
from data_loaders import review

_LATER, _REJECT = "__later__", "__reject__"


def _t(view, key: str, **values) -> str:
    """Translate in the view's language (the strings live in the one catalogue)."""
    return view.t(key, **values)


def grouped(items: pd.DataFrame) -> pd.DataFrame:
    """One row per (raw name, kind): its first item, file, line count and best proposal."""
    if items.empty:
        return items.assign(lines=pd.Series(dtype=int))
    ordered = items.sort_values(["raw_name", "confidence"], ascending=[True, False])
    first = ordered.groupby(["raw_name", "kind"], as_index=False).first()
    counts = items.groupby(["raw_name", "kind"]).size().rename("lines").reset_index()
    return first.merge(counts, on=["raw_name", "kind"]).sort_values("lines", ascending=False)


def review_section(view, connection_factory) -> None:
    """Draw the review queue.

    Parameters
    ----------
    view : dashboard.ui.frame.View
        The current view (language).
    connection_factory : callable
        Returns a context manager yielding a writable store connection
        (``dashboard.ui.data.connection``).
    """
    st.subheader(_t(view, "review.title"))
    st.caption(_t(view, "review.caption"))
    done = st.session_state.pop("_review_done", None)
    if done:
        st.success(done)
    with connection_factory() as con:
        items = review.pending(con)
        facilities = con.execute(
            "SELECT facility_id, name FROM facilities ORDER BY name").fetchall()
    if items.empty:
        st.caption(_t(view, "review.empty"))
        return
    groups = grouped(items)
    st.dataframe(pd.DataFrame({
        _t(view, "review.raw_name"): groups["raw_name"],
        _t(view, "review.source"): groups["source"],
        _t(view, "review.lines"): groups["lines"],
        _t(view, "review.proposed"): groups["proposed_name"].fillna(_t(view, "review.no_proposal")),
        _t(view, "review.confidence"): groups["confidence"].round(2),
    }), hide_index=True, width="stretch")

    names = dict(facilities)
    for _, group in groups.iterrows():
        options = [_LATER]
        if isinstance(group["proposed_id"], str) and group["proposed_id"] in names:
            options.append(group["proposed_id"])
        options += [fid for fid in names if fid not in options]
        options.append(_REJECT)

        def label(value, proposed=group["proposed_id"]):
            if value == _LATER:
                return _t(view, "review.later")
            if value == _REJECT:
                return _t(view, "review.reject")
            if value == proposed:
                return _t(view, "review.confirm", name=names[value])
            return _t(view, "review.other", name=names[value], facility_id=value)

        with st.form(f"review_{group['review_id']}"):
            st.markdown(f"**{md(group['raw_name'])}** · {_t(view, 'review.lines')} {group['lines']}")
            choice = st.selectbox(_t(view, "review.choice"), options, format_func=label,
                                  key=f"review_choice_{group['review_id']}")
            if st.form_submit_button(_t(view, "review.apply")) and choice != _LATER:
                _apply(view, connection_factory, group, None if choice == _REJECT else choice)


def _apply(view, connection_factory, group, facility_id: str | None) -> None:
    try:
        with connection_factory() as con:
            result = review.decide(con, group["review_id"], facility_id)
    except (KeyError, ValueError) as exc:
        st.error(_t(view, "review.failed", error=md(exc)))
        return
    # Kept in the session so the message survives the rerun that refreshes the list.
    if facility_id:
        st.session_state["_review_done"] = _t(
            view, "review.confirmed", raw_name=md(group["raw_name"]), facility_id=md(facility_id),
            written=result["written"])
    else:
        st.session_state["_review_done"] = _t(view, "review.rejected", raw_name=md(group["raw_name"]))
    st.rerun()
