"""Data: upload files in the template, see the validation report, import, and the history."""

import streamlit as st

from dashboard.ui import data
from dashboard.ui.frame import current_view
from dashboard.ui.importing import history_table, report_table, template_reference
from data_loaders.importer import SourceFile, import_files, max_upload_bytes

view = current_view()
st.title(view.t("data.title"))
st.write(view.t("data.intro"))

done = st.session_state.pop("_import_done", None)
if done:
    st.success(view.t("data.imported", summary=done))

uploads = st.file_uploader(view.t("data.upload"), type=["csv", "tsv", "txt", "xlsx", "json"],
                           accept_multiple_files=True,
                           key=f"uploads_{st.session_state.get('_upload_round', 0)}",
                           help=view.t("data.limit", mb=max_upload_bytes() // 2**20))
if uploads:
    files = [SourceFile(u.name, u.getvalue()) for u in uploads]
    st.subheader(view.t("data.validation"))
    with data.connection() as con:
        report = import_files(con, files, dry_run=True)
    if report.ok:
        rows = sum(report.validation.rows_read.values())
        st.success(view.t("data.valid", rows=rows))
        if st.button(view.t("data.import_button"), type="primary"):
            with data.connection() as con:
                result = import_files(con, files)
            st.session_state["_import_done"] = ", ".join(
                f"{view.t(f'table.{name}')} {n}" for name, n in result.written.items())
            # A new key empties the uploader, so the same files are not offered twice.
            st.session_state["_upload_round"] = st.session_state.get("_upload_round", 0) + 1
            st.rerun()
    else:
        st.error(view.t("data.invalid", n=len(report.problems)))
        st.dataframe(report_table(report, view), hide_index=True, width="stretch")

st.subheader(view.t("data.counts"))
counts = data.counts()
st.dataframe({view.t("data.table"): [view.t(f"table.{n}") for n in counts],
              view.t("data.rows"): list(counts.values())}, hide_index=True)

st.subheader(view.t("data.history"))
history = data.history()
if history.empty:
    st.caption(view.t("data.no_history"))
else:
    st.dataframe(history_table(history, view), hide_index=True, width="stretch")

st.subheader(view.t("data.template"))
template_reference(view)
