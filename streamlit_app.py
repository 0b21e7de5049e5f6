"""Lifeline: the router and the shared frame.

The only place that sets the page config, draws the shared sidebar and lists pages; the
pages themselves are declared once, in dashboard.pages.
"""

import streamlit as st

from dashboard.access import audit, pages_for
from dashboard.app import warmup
from dashboard.app.auth import identify, no_access, province_is_served, refused_page
from dashboard.app.frame import current_language, opener, phone_menu, sidebar
from dashboard.i18n import t
from dashboard.pages import PAGES

st.set_page_config(page_title="Lifeline · 生命线", layout="wide")
warmup.start()  # once per server process

lang = current_language()
if not province_is_served(lang):  # a mistyped server setting: said, not a traceback
    st.stop()
identity = identify()
audit.acting_as(identity.actor, identity.role)
allowed = set(pages_for(identity.role))
refused_page(identity, allowed, [page.name for page in PAGES])
shown = [page for page in PAGES if page.name in allowed]
if not shown:  # signed in without a role, or anonymous where nothing is public
    no_access(identity, lang)
    st.stop()
# A role sees the pages dashboard.access gives it, the first one served at "/".
pages = [st.Page(opener(page), title=t(page.title, lang), url_path=page.name,
                 default=(i == 0))
         for i, page in enumerate(shown)]
current = st.navigation(pages)
chosen = shown[pages.index(current)]
sidebar(chosen.filters, identity, chosen.name)
phone_menu(pages, current, lang)
current.run()
