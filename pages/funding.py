"""Funding: where the money goes, and where donations overlap."""

import streamlit as st

from dashboard.i18n import t as tn
from dashboard.ui import funding as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("funding.title", view.lang))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

sections.caption(view)
sections.overlaps(view)
sections.flows(view)
sections.by_region(view)
rows = sections.direct_funds(view)
sections.costs(view)
sections.what_if(view, rows)
