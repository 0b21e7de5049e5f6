"""Needs: what is still missing, where, for how long, and how fast it is arriving."""

import streamlit as st

from dashboard.i18n import t as tn
from dashboard.ui import needs as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("needs.title", view.lang))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

sections.caption(view)
open_needs = sections.headlines(view)
if open_needs.empty:
    st.info(tn("needs.none", view.lang))
sections.need_table(view)
sections.aggregates(view)
sections.ageing(view)
sections.gap_ranking(view)
sections.mismatch(view)
sections.logistics(view)
sections.projection(view)
