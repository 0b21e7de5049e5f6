"""The quarantine on the Data page: rejected rows, fixed in place and re-submitted."""

from __future__ import annotations

import io
import json

import pandas as pd
import streamlit as st

from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.i18n import problem_message
from data_loaders.ingest.importer import SourceFile
from data_loaders.ingest.validation import Problem

_PROBLEMS = "⚠"  # the read-only column that says what was wrong


def _messages(problems_json: str, view: View, table: str | None = None) -> str:
    """A row's problems as one sentence each, its column under its translated header."""
    texts = []
    for item in json.loads(problems_json or "[]"):
        message, fix = problem_message(Problem(**item), view.lang)
        name = item.get("column")
        label = view.t(f"column.{table}.{name}") if table and name else name
        column = (f"{label}：" if view.lang == "zh" else f"{label}: ") if name else ""
        texts.append(f"{column}{message}" + (f"（{fix}）" if fix and view.lang == "zh"
                                            else f" ({fix})" if fix else ""))
    return "；".join(texts) if view.lang == "zh" else "; ".join(texts)


def quarantine_section(view: View) -> None:
    """List pending quarantined rows per table; let a person fix and re-submit them."""
    pending = fresh(view, "store.quarantined")
    st.subheader(view.t("quarantine.title"))
    done = st.session_state.pop("_quarantine_done", None)
    if done:
        st.success(done)
    if pending.empty:
        st.caption(view.t("quarantine.empty"))
        return
    st.caption(view.t("quarantine.caption", n=len(pending)))
    for table_name, rows in pending.groupby("table_name", dropna=False, sort=True):
        if pd.isna(table_name):
            _unreadable_files(rows, view)
            continue
        _table_editor(str(table_name), rows, view)


def _unreadable_files(rows: pd.DataFrame, view: View) -> None:
    st.markdown(f"**{view.t('quarantine.files')}**")
    shown = pd.DataFrame({view.t("report.file"): rows["file_name"],
                          view.t("report.problem"): [_messages(p, view) for p in rows["problems"]]})
    st.dataframe(shown, hide_index=True, width="stretch")
    if st.button(view.t("quarantine.discard"), key="discard_files"):
        _set_status(view, list(rows["quarantine_id"]), "discarded")


def _table_editor(table_name: str, rows: pd.DataFrame, view: View) -> None:
    st.markdown(f"**{view.t(f'table.{table_name}')}**")
    records = pd.DataFrame([json.loads(r) for r in rows["record"]], dtype=object)
    records.insert(0, _PROBLEMS, [_messages(p, view, table_name) for p in rows["problems"]])
    records.insert(1, view.t("report.row"), list(rows["row"]))
    edited = st.data_editor(records, hide_index=True, width="stretch",
                            disabled=[_PROBLEMS, view.t("report.row")],
                            key=f"quarantine_{table_name}")
    left, right = st.columns(2)
    if left.button(view.t("quarantine.resubmit"), key=f"resubmit_{table_name}", type="primary"):
        fixed = edited.drop(columns=[_PROBLEMS, view.t("report.row")])
        buffer = io.StringIO()
        fixed.to_csv(buffer, index=False)
        report = fresh(view, "importer.resubmit",
                       SourceFile(f"{table_name}.csv", buffer.getvalue().encode()),
                       list(rows["quarantine_id"]))
        if report.committed:
            st.session_state["_quarantine_done"] = view.t("quarantine.resubmitted", n=len(fixed))
            st.rerun()
        st.error(view.t("data.invalid", n=len(report.problems)))
        from dashboard.app.importing import on_screen, report_table

        st.dataframe(on_screen(report_table(report, view), view), hide_index=True, width="stretch")
    if right.button(view.t("quarantine.discard"), key=f"discard_{table_name}"):
        _set_status(view, list(rows["quarantine_id"]), "discarded")


def _set_status(view: View, ids: list[str], status: str) -> None:
    fresh(view, "store.set_quarantine_status", ids, status)
    st.rerun()
