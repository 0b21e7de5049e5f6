"""Coverage: who is reached, who was never reached, trends, and coverage against burden."""

import streamlit as st

from dashboard.i18n import t as tc
from dashboard.ui.coverage import render
from dashboard.ui.frame import current_view

view = current_view()
st.title(tc("coverage.title", view.lang))
if not view.has_data:
    st.info(tc("overview.empty", view.lang))
    st.stop()

render(view)
