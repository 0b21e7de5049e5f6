"""Network: who channels money and goods to which region, and who stands in between."""

import streamlit as st

from dashboard import network
from dashboard.i18n import t as tn
from dashboard.ui import network as sections
from dashboard.ui.frame import current_view

view = current_view()
st.title(tn("network.title", view.lang))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

sections.caption(view)
net = sections.get(view)
reach = network.region_reach(net)
nodes = sections.focused(view, net)  # the region and organisation type filters
sections.headlines(view, net, reach, nodes)
sections.picture(view, net, nodes)
sections.region_reach(view, reach)
sections.hubs(view, net)
sections.edges(view, net, nodes)
