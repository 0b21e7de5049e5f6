"""The Data page's pieces: the validation report, the template reference, the history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import note_summary, problem_message
from dashboard.markup import md
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


def show_notes(notes, view: View, limit: int = 500) -> None:
    """What the import noticed: one sentence per kind, the records behind them below."""
    if not notes:
        return
    st.info("\n".join(f"- {md(sentence)}" for sentence in note_summary(notes, view.lang)))
    detailed = [n for n in notes if n.where or n.detail]
    if detailed:
        with st.expander(view.t("notes.title")):
            st.dataframe(pd.DataFrame({
                view.t("notes.code"): [view.t(f"note.{n.code}", n=n.count) for n in detailed[:limit]],
                view.t("notes.where"): [n.where for n in detailed[:limit]],
                view.t("notes.detail"): [n.detail for n in detailed[:limit]],
                view.t("notes.file"): [n.file for n in detailed[:limit]],
            }), hide_index=True, width="stretch")


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


def import_options(view: View) -> dict:
    """Format, date and accept-valid choices for an upload; returns import_files options."""
    from data_loaders import formats

    formats.choose("", b"")  # load the registry
    names = [None] + list(formats.REGISTRY)
    with st.expander(view.t("data.options")):
        fmt = st.selectbox(
            view.t("data.format"), names, key="import_format",
            format_func=lambda n: view.t("data.format_auto") if n is None else (
                getattr(formats.REGISTRY[n], f"label_{view.lang}") or n))
        as_of = st.date_input(view.t("data.as_of"), value=None, key="import_as_of",
                              format="YYYY-MM-DD")
        accept_valid = st.checkbox(view.t("data.accept_valid"), key="import_accept_valid")
    return {"fmt": fmt, "as_of": as_of, "accept_valid": accept_valid}


def upload_section(view: View) -> None:
    """Upload, check, show the report, and import on confirmation."""
    from dashboard.ui import data
    from data_loaders.importer import SourceFile, import_files, max_upload_bytes, safe_name

    options = import_options(view)
    round_ = st.session_state.get("_upload_round", 0)
    uploads = st.file_uploader(view.t("data.upload"), type=["csv", "tsv", "txt", "xlsx", "json"],
                               accept_multiple_files=True, key=f"uploads_{round_}",
                               help=view.t("data.limit", mb=f"{max_upload_bytes() / 2**20:g}"))
    if not uploads:
        return
    files = [SourceFile(u.name, u.getvalue()) for u in uploads]
    if options["fmt"] is None:
        # Files whose headers are not ours get the column-mapping section instead.
        from dashboard.ui.mapping import mapping_section, unrecognised_files

        foreign = {name for name, *_ in unrecognised_files(files)}  # safe (base) names
        if foreign:
            mapping_section(view, [f for f in files if safe_name(f.name) in foreign],
                            data.connection)
            files = [f for f in files if safe_name(f.name) not in foreign]
            if not files:
                return
    st.subheader(view.t("data.validation"))
    with data.connection() as con:
        report = import_files(con, files, dry_run=True, **options)
    detected = {name: fmt for name, fmt in report.formats.items() if fmt != "template"}
    if detected:
        st.caption(view.t("data.detected", formats="、".join(f"{md(k)} → {v}" for k, v in detected.items())))
    show_notes(report.notes, view)
    if report.review:
        st.info(view.t("data.review_pending", n=len(report.review)))
    rows = sum(report.validation.rows_read.values())
    if report.ok:
        st.success(view.t("data.valid", rows=rows))
        label = view.t("data.import_button")
    else:
        st.error(view.t("data.invalid", n=len(report.problems)))
        st.dataframe(report_table(report, view), hide_index=True, width="stretch")
        if not options["accept_valid"]:
            return
        label = view.t("data.import_partial", rows=rows - len(report.validation.rejected),
                       bad=len(report.validation.rejected))
    if st.button(label, type="primary"):
        with data.connection() as con:
            result = import_files(con, files, **options)
        from dashboard import audit

        audit.record("import", view.actor, view.role, files=[safe_name(f.name) for f in files],
                     rows=dict(result.written), quarantined=result.quarantined)
        st.session_state["_import_done"] = ", ".join(
            f"{view.t(f'table.{name}')} {n}" for name, n in result.written.items())
        # A new key empties the uploader, so the same files are not offered twice.
        st.session_state["_upload_round"] = round_ + 1
        st.rerun()
