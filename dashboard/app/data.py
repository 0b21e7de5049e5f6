"""Data: upload and import, confirm matches, fix what was kept back, see the history."""

import pandas as pd
import streamlit as st

from dashboard.app.auditlog import audit_section
from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.app.importing import history_table, template_reference, upload_section
from dashboard.app.quarantine import quarantine_section
from dashboard.app.record_history import record_history_section
from dashboard.app.review import review_section
from dashboard.app.tables import COUNT, NAME, Col, show_table


def render(view: View) -> None:
    """Data: upload and import, confirm matches, fix what was kept back, see the history."""
    st.caption(view.t("data.intro"))

    # The steps of a data manager's day, one tab each. Nothing above the tabs changes from
    # one run to the next, so the tab a person is on survives the rerun after each action.
    upload, matches, quarantine, history, template = st.tabs(
        [view.t(f"data.tab.{name}") for name in ("import", "review", "quarantine", "history", "template")])
    with upload:
        done = st.session_state.pop("_import_done", None)
        if done:
            st.success(view.t("data.imported", summary=done))
        upload_section(view)
    with matches:
        review_section(view)
    with quarantine:
        quarantine_section(view)
    with history:
        st.subheader(view.t("data.counts"))
        counts = fresh(view, "store.row_counts")
        rows = pd.DataFrame({"table": [view.t(f"table.{n}") for n in counts],
                             "rows": list(counts.values())})
        show_table(rows, view, [Col("table", NAME, header=view.t("data.table")),
                                Col("rows", COUNT, header=view.t("data.rows"))])
        st.subheader(view.t("data.history"))
        log = fresh(view, "store.import_history")
        if log.empty:
            st.caption(view.t("data.no_history"))
        else:
            history_table(log, view)
        record_history_section(view)
        audit_section(view)
    with template:
        template_reference(view)
