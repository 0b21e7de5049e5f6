"""Partners: who was last heard from when, who works where, and where one stands alone."""

import streamlit as st

from dashboard.i18n import t as tn
from dashboard.ui import partners as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("partners.title", view.lang))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

sections.caption(view)
frame = sections.headlines(view)
if frame.empty:
    st.info(tn("partners.none", view.lang))
sections.freshness_table(view)
sections.single_partner(view)
sections.who_what_where(view)
sections.profile(view)
