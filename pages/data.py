"""Data: upload and check files, import them, fix what was kept back, see the history."""

import streamlit as st

from dashboard.ui import data
from dashboard.ui.auditlog import audit_section
from dashboard.ui.frame import current_view
from dashboard.ui.importing import history_table, template_reference, upload_section
from dashboard.ui.quarantine import quarantine_section
from dashboard.ui.review import review_section

view = current_view()
st.title(view.t("data.title"))
st.write(view.t("data.intro"))

done = st.session_state.pop("_import_done", None)
if done:
    st.success(view.t("data.imported", summary=done))

upload_section(view)
review_section(view, data.connection)
quarantine_section(view)

st.subheader(view.t("data.counts"))
counts = data.counts(view.key)
st.dataframe({view.t("data.table"): [view.t(f"table.{n}") for n in counts],
              view.t("data.rows"): list(counts.values())}, hide_index=True)

st.subheader(view.t("data.history"))
history = data.history(view.key)
if history.empty:
    st.caption(view.t("data.no_history"))
else:
    st.dataframe(history_table(history, view), hide_index=True, width="stretch")

st.subheader(view.t("data.template"))
template_reference(view)

audit_section(view)
