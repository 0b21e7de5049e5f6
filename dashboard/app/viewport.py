"""The width of the column a map is drawn in, measured in the browser.

Streamlit does not tell the script how wide the page is, and pydeck's view is a centre
and a zoom level, not bounds: a zoom that fits a 1,000 px column crops a phone's 360 px
one. A tiny component (no markup, a few lines of script) reports the width of the
column it sits in; the page computes its map's zoom and height from it. The width is
remembered for the session, so a page visited again draws at once, and the component
reports again only when the width changes (a phone turned, the sidebar opened).
"""

from __future__ import annotations

import streamlit as st

# Reports its own width (the column's), at once and after every resize, unless it is the
# width Python already has (``data``): an unchanged width costs no rerun.
_JS = """
export default function({ parentElement, data, setStateValue }) {
  const host = parentElement.host || parentElement;
  let timer = null;
  const report = () => {
    const width = Math.round(host.getBoundingClientRect().width);
    if (width > 0 && Math.abs(width - (data || 0)) > 4) setStateValue("width", width);
  };
  const observer = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(report, 150); });
  observer.observe(host);
  report();
  return () => { clearTimeout(timer); observer.disconnect(); };
}
"""
_measure = st.components.v2.component("lifeline_column_width", js=_JS)


def column_width(key: str, default: int) -> int:
    """The width in CSS pixels of the column this is called in; ``default`` until the
    browser has said (the first run of a session, or a test without a browser)."""
    remembered = f"_column_width_{key}"
    known = st.session_state.get(remembered)
    result = _measure(key=f"column_width_{key}", data=known, default={"width": None},
                      on_width_change=lambda: None, height=0)
    width = getattr(result, "width", None)
    if isinstance(width, (int, float)) and width > 0:
        st.session_state[remembered] = known = int(width)
    return known or default
