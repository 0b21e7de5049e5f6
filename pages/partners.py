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
if sections.partner_freshness(view).empty:
    # Cards and tables of zeros would only repeat it: say it once, with what would change it.
    sections.no_partners(view)
    st.stop()
sections.headlines(view)
sections.freshness_table(view)
sections.single_partner(view)
sections.who_what_where(view)
sections.profile(view)
