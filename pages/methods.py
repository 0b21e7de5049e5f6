"""Data & methods: the research export, the data dictionary and how every number is made."""

import streamlit as st

from dashboard.i18n import t as tn
from dashboard.ui import methods as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("methods.title", view.lang))
if view.has_data:
    sections.research_export(view)
else:
    st.info(view.t("overview.empty"))
sections.dictionary(view)
sections.methods(view)
