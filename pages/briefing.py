"""Briefing: the morning page, previewed as it prints and ready to download."""

import streamlit as st

from dashboard.i18n import t as tn
from dashboard.ui import briefing as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("briefing.title", view.lang))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

sections.caption(view)
brief, html_text = sections.get(view)
sections.downloads(view, brief, html_text)
sections.narrative(view, brief)
sections.preview(view, html_text)
