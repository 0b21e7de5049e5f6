"""Lifeline: the router and the shared frame.

The only place that sets the page config, draws the shared sidebar and lists pages.
"""

import streamlit as st

from dashboard.i18n import t
from dashboard.ui.frame import sidebar

st.set_page_config(page_title="Lifeline · 生命线", page_icon="🧭", layout="wide")

view = sidebar()
pages = [
    st.Page("pages/overview.py", title=t("page.overview", view.lang), icon="📊",
            url_path="overview", default=True),
    st.Page("pages/map.py", title=t("page.map", view.lang), icon="🗺️", url_path="map"),
    st.Page("pages/data.py", title=t("page.data", view.lang), icon="📥", url_path="data"),
]
st.navigation(pages).run()
