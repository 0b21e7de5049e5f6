"""The Data page's pieces: the validation report, the template reference, the history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import problem_message
from dashboard.ui.frame import View
from data_loaders import schema
from data_loaders.importer import ImportReport


def report_table(report: ImportReport, view: View) -> pd.DataFrame:
    """Every problem as a row a person can act on, in the view's language."""
    rows = []
    for p in report.problems:
        message, fix = problem_message(p, view.lang)
        column = view.t(f"column.{_table_of(p)}.{p.column}") if p.column and _table_of(p) else p.column
        rows.append({
            view.t("report.file"): p.file, view.t("report.row"): p.row,
            view.t("report.column"): column, view.t("report.value"): p.value,
            view.t("report.problem"): message, view.t("report.suggestion"): fix,
        })
    return pd.DataFrame(rows)


def _table_of(problem) -> str | None:
    base = problem.file.split("#")[-1]
    table = schema.table_for_name(base) or schema.table_for_name(problem.file.split("#")[0])
    return table.name if table else None


def template_reference(view: View) -> None:
    """One expander per table listing its columns, Chinese headers and allowed values."""
    st.caption(view.t("data.template_caption"))
    for table in schema.TABLES.values():
        with st.expander(f"{view.t(f'table.{table.name}')} — {table.name}.csv"):
            rows = []
            for col in table.input_columns:
                allowed = " / ".join(f"{c.value} [{c.zh}]" for c in col.choices)
                rows.append({
                    view.t("report.column"): f"{col.name} [{col.zh}]",
                    view.t("data.required"): "✓" if col.required else "",
                    view.t("data.allowed"): allowed,
                })
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def history_table(history: pd.DataFrame, view: View) -> pd.DataFrame:
    """The import log with translated headers and table names."""
    frame = history.copy()
    frame["table_name"] = [view.t(f"table.{n}") for n in frame["table_name"]]
    frame["sha256"] = frame["sha256"].str.slice(0, 12)
    return frame.rename(columns={c: view.t(f"history.{c}") for c in frame.columns})
