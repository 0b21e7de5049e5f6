"""Lifeline: the router and the shared frame.

The only place that sets the page config, draws the shared sidebar and lists pages.
"""

import streamlit as st

from dashboard import audit
from dashboard.access import pages_for
from dashboard.i18n import t
from dashboard.ui.auth import identify, no_access, refused_page
from dashboard.ui.frame import current_language, leave_legacy_pages_mode, phone_menu, sidebar

# (file, url path, catalogue key, extra sidebar filters). The first page is the default,
# served at "/" (its url path is unused); a role sees the pages dashboard.access gives it
# (their names are the url paths, "overview" for the first). No icons: Streamlit fetches a page's Material
# icon from the internet to use as the favicon, and Lifeline must work offline.
NETWORK_FILTERS = ("category", "org_type")
PAGES = (
    ("pages/overview.py", None, "page.overview", ()),
    ("pages/briefing.py", "briefing", "page.briefing", ()),
    ("pages/map.py", "map", "page.map", ()),
    ("pages/coverage.py", "coverage", "page.coverage", ()),
    ("pages/needs.py", "needs", "page.needs", ()),
    ("pages/partners.py", "partners", "page.partners", NETWORK_FILTERS),
    ("pages/network.py", "network", "page.network", NETWORK_FILTERS),
    ("pages/funding.py", "funding", "page.funding", NETWORK_FILTERS),
    ("pages/data.py", "data", "page.data", ()),
    ("pages/methods.py", "methods", "page.methods", ()),
)

leave_legacy_pages_mode()
st.set_page_config(page_title="Lifeline · 生命线",
                   layout="wide")

lang = current_language()
identity = identify()
audit.acting_as(identity.actor)
allowed = set(pages_for(identity.role))
refused_page(identity, allowed, [spec[1] for spec in PAGES if spec[1]])
shown = [spec for spec in PAGES if (spec[1] or "overview") in allowed]
if not shown:  # signed in without a role, or anonymous where nothing is public
    no_access(identity, lang)
    st.stop()
pages = [
    st.Page(path, title=t(key, lang), url_path=url, default=(i == 0))
    for i, (path, url, key, _) in enumerate(shown)
]
current = st.navigation(pages)
filters = {page.url_path: spec[3] for page, spec in zip(pages, shown)}
sidebar(filters.get(current.url_path, ()), identity)
phone_menu(pages, current, lang)
current.run()
