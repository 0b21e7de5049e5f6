"""The Data page's import step: upload, recognise, check, import.

Files are recognised exactly as ``python -m dashboard import`` recognises them
(``data_loaders.ingest.importer.recognise``: the same registry, sniffing and order). A file
whose format needs a date it lacks gets a date picker; a file no format recognises goes
to column mapping, a separate step below. Everything else is checked with a dry run of
the real import (so the report is exactly what the import will do) and imported, all
or nothing, on confirmation.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard.app.cache import fresh
from dashboard.app.components import offer
from dashboard.app.frame import View
from dashboard.i18n import SYSTEM_REASON_CODES, note_summary, problem_message
from dashboard.present.exports import csv_bytes
from dashboard.present.markup import md
from data_loaders.ingest.importer import ImportReport, Recognition, SourceFile, recognise
from data_loaders.store import schema

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "json"]
_CHECKED = "_import_checked"  # session key: the last dry run, by what it was run on


# Problems whose message already says their value (in the person's language).
VALUE_IN_MESSAGE = ("columns_shifted", *SYSTEM_REASON_CODES)


def report_table(report: ImportReport, view: View) -> pd.DataFrame:
    """Every problem as a row a person can act on, in the view's language.

    The row and the problem come first, so they stay in sight on a laptop screen; the
    file comes last (it is the same for most rows).
    """
    rows = []
    for p in report.problems:
        message, fix = problem_message(p, view.lang)
        table = _table_of(p)
        column = view.t(f"column.{table}.{p.column}") if p.column and table else p.column
        # A problem of a whole file (or of the store: a full disk) has no row, column
        # or value: blank, never the table's "None".
        rows.append({
            view.t("report.row"): "" if p.row is None else str(p.row),
            view.t("report.problem"): message,
            view.t("report.column"): column or "",
            view.t("report.value"): "" if p.value is None or p.code in VALUE_IN_MESSAGE
            else p.value,
            view.t("report.suggestion"): fix or "", view.t("report.file"): p.file or "",
        })
    return pd.DataFrame(rows)


def on_screen(frame: pd.DataFrame, view: View) -> pd.DataFrame:
    """The problems as shown: without the columns blank on every row (a full disk names
    no row, column or value) or, for one file, its name; they give their width to the
    problem. The download keeps every column."""
    always = {view.t("report.problem"), view.t("report.suggestion")}
    kept = [c for c in frame.columns if c in always or (frame[c] != "").any()]
    if view.t("report.file") in kept and frame[view.t("report.file")].nunique() == 1:
        kept.remove(view.t("report.file"))
    return frame[kept]


def report_config(view: View) -> dict:
    """Column widths that keep the problem readable without scrolling sideways."""
    return {
        view.t("report.row"): st.column_config.TextColumn(width=60),
        view.t("report.problem"): st.column_config.TextColumn(width="large"),
        view.t("report.column"): st.column_config.TextColumn(width="small"),
        view.t("report.value"): st.column_config.TextColumn(width="small"),
        view.t("report.suggestion"): st.column_config.TextColumn(width="large"),
        view.t("report.file"): st.column_config.TextColumn(width="small"),
    }


def show_report(report: ImportReport, view: View, key: str) -> None:
    """The problems table, and the same as a CSV a person can work through."""
    frame = report_table(report, view)
    st.dataframe(on_screen(frame, view), hide_index=True, width="stretch", column_config=report_config(view),
                 height=min(36 * (len(frame) + 1) + 3, 420))
    offer(view.t("data.report_download"), lambda: csv_bytes(frame), "lifeline-problems.csv",
          "text/csv", view, f"report_{key}", rows=len(frame))


def _table_of(problem) -> str | None:
    """The table a problem's column belongs to: named by the file or sheet, else the
    first table with such a column (a column's header is the same in every table)."""
    for part in reversed(str(problem.file).split("#")):
        table = schema.table_for_name(part)
        if table is not None:
            return table.name
    return next((t.name for t in schema.TABLES.values()
                 if problem.column in t.column_names), None)


def show_notes(notes, view: View, limit: int = 500) -> None:
    """What the import noticed: one sentence per kind, the records behind them below."""
    if not notes:
        return
    st.info("\n".join(f"- {md(sentence)}" for sentence in note_summary(notes, view.lang)))
    detailed = [n for n in notes if n.where or n.detail][:limit]
    if detailed:
        with st.expander(view.t("notes.title")):
            st.dataframe(pd.DataFrame({
                view.t("notes.code"): [view.t(f"note.{n.code}", n=n.count) for n in detailed],
                view.t("notes.where"): [n.where for n in detailed],
                view.t("notes.detail"): [n.detail for n in detailed],
                view.t("notes.file"): [n.file for n in detailed],
            }), hide_index=True, width="stretch")


def template_reference(view: View) -> None:
    """One expander per table listing its columns, Chinese headers and allowed values. The
    headers and values are what a file holds, so they are shown as written (code columns)."""
    from dashboard.app.tables import CODE, TEXT, Col, show_table

    st.caption(view.t("data.template_caption"))
    for table in schema.TABLES.values():
        with st.expander(view.t(f"table.{table.name}")):
            rows = [{"column": f"{col.name} [{col.zh}]", "required": "✓" if col.required else "",
                     "allowed": " / ".join(f"{c.value} [{c.zh}]" for c in col.choices)}
                    for col in table.input_columns]
            show_table(pd.DataFrame(rows), view, [
                Col("column", CODE, header=view.t("report.column")),
                Col("required", TEXT, header=view.t("data.required")),
                Col("allowed", CODE, header=view.t("data.allowed"))], rows=len(rows))


def history_table(history: pd.DataFrame, view: View) -> pd.DataFrame:
    """The import log as shown and downloaded: translated headers and table names; file
    names and checksums are shown as written."""
    from dashboard.app.tables import CODE, COUNT, TEXT, Col, show_table

    frame = history.copy()
    frame["table_name"] = [view.t(f"table.{n}") for n in frame["table_name"]]
    frame["imported_at"] = pd.to_datetime(frame["imported_at"]).dt.strftime("%Y-%m-%d %H:%M")
    frame["sha256"] = frame["sha256"].str.slice(0, 12)
    kinds = {"imported_at": TEXT, "file_name": CODE, "table_name": TEXT, "rows": COUNT, "sha256": CODE}
    return show_table(frame, view, [Col(c, kinds[c], header=view.t(f"history.{c}")) for c in frame.columns])


def _join(parts: list[str], view: View) -> str:
    """A list in the view's language: 甲、乙 / a, b."""
    return ("、" if view.lang == "zh" else ", ").join(parts)


def _status(found: Recognition, view: View, dated: bool) -> str:
    if found.problem is not None:
        return problem_message(found.problem, view.lang)[0]
    if found.needs_mapping:
        return view.t("data.status.mapping")
    if found.needs_date and not (found.date_hint or dated):
        return view.t("data.status.date")
    return view.t("data.status.ready")


def recognition_table(found: list[Recognition], view: View, dated: bool = False) -> pd.DataFrame:
    """One row per file: what it was recognised as and what happens next (``dated``:
    the person has chosen the date of the data)."""
    return pd.DataFrame({
        view.t("data.col.file"): [r.name for r in found],
        view.t("data.col.format"): [view.t(f"format.{r.format}") if r.format else "—" for r in found],
        view.t("data.col.next"): [_status(r, view, dated) for r in found],
    })


def uploader_css(view: View, limit_mb: str, types: tuple[str, ...] | list[str] = UPLOAD_TYPES
                 ) -> str:
    """Streamlit writes its uploader's button ("Upload") and size line in English only:
    in another language, the same words in the view's language are drawn in their place
    (``types``: the kinds of file the uploader takes)."""
    if view.lang == "en":
        return ""

    def css_text(text: str) -> str:  # our own catalogue's words; no quote or markup in CSS
        return "".join(c for c in text if c not in '"\\<>')

    button = css_text(view.t("data.upload_button"))
    line = css_text(view.t("data.upload_line", mb=limit_mb,
                           types="、".join(kind.upper() for kind in types)))
    zone = '[data-testid="stFileUploaderDropzone"]'
    words = f'{zone} button [data-testid="stMarkdownContainer"] p'
    size = f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] span'
    # The size line wraps on a phone instead of being cut at the frame's edge.
    return (f"<style>{words}, {size} {{ font-size: 0; }}"
            f"{size} {{ white-space: normal; overflow: visible; }}"
            f'{words}::after {{ content: "{button}"; font-size: 0.875rem; }}'
            f'{size}::after {{ content: "{line}"; font-size: 0.875rem; }}</style>')


def upload_section(view: View) -> None:
    """Upload, recognise, check and import; files no format knows go to mapping."""
    from data_loaders.ingest.importer import max_upload_bytes

    round_ = st.session_state.get("_upload_round", 0)
    limit_mb = f"{max_upload_bytes() / 2**20:g}"
    css = uploader_css(view, limit_mb)
    if css:
        st.html(css)
    uploads = st.file_uploader(view.t("data.upload"), type=UPLOAD_TYPES,
                               accept_multiple_files=True, key=f"uploads_{round_}",
                               help=view.t("data.limit", mb=limit_mb))
    if not uploads:
        st.caption(view.t("data.formats_caption"))
        return
    files = [SourceFile(u.name, u.getvalue()) for u in uploads]
    found = [recognise(f) for f in files]
    dated = st.session_state.get(f"import_as_of_{round_}") is not None
    st.dataframe(recognition_table(found, view, dated), hide_index=True, width="stretch")
    ready = [(f, r) for f, r in zip(files, found) if r.recognised]
    if ready:
        _check_and_import(view, ready, round_)
    to_map = [f for f, r in zip(files, found) if r.needs_mapping]
    if to_map:
        from dashboard.app.mapping import mapping_section

        st.divider()
        mapping_section(view, to_map)


def _date_for(view: View, ready: list[tuple[SourceFile, Recognition]], round_: int):
    """The date picker for files that carry no date: (date or None, needed?)."""
    dated = [r for _, r in ready if r.needs_date]
    if not dated:
        return None, False
    hint = next((r.date_hint for r in dated if r.date_hint), None)
    chosen = st.date_input(view.t("data.as_of"), value=hint, key=f"import_as_of_{round_}",
                           format="YYYY-MM-DD", help=view.t("data.as_of_help"))
    st.caption(view.t("data.as_of_for", files=_join([md(r.name) for r in dated], view)))
    return chosen, True


def _checked(view: View, files: list[SourceFile], as_of, accept_valid: bool) -> ImportReport:
    """The dry run of the import on these files and choices (kept across reruns of the
    page until the files, the choices or the store change)."""
    from dashboard.app.cache import db_key

    digest = hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()
    key = (digest, as_of, accept_valid, db_key())
    cached = st.session_state.get(_CHECKED)
    if cached and cached[0] == key:
        return cached[1]
    report = fresh(view, "importer.import_files", files, dry_run=True, as_of=as_of,
                   accept_valid=accept_valid)
    st.session_state[_CHECKED] = (key, report)
    return report


def _check_and_import(view: View, ready, round_: int) -> None:
    st.subheader(view.t("data.check"))
    as_of, needed = _date_for(view, ready, round_)
    if needed and as_of is None:
        st.info(view.t("data.choose_date"))
        return
    accept_valid = st.checkbox(view.t("data.accept_valid"), key="import_accept_valid",
                               help=view.t("data.accept_valid_help"))
    files = [f for f, _ in ready]
    report = _checked(view, files, as_of if needed else None, accept_valid)
    summary = view.t("data.summary", tables=_join([
        view.t("data.table_rows", table=view.t(f"table.{t}"), n=f"{n:,}")
        for t, n in report.written.items() if n], view) or "—")
    if report.review:
        summary += view.t("data.summary_review", n=f"{len(report.review):,}")
    if report.ok:
        st.success(view.t("data.valid", summary=summary))
        show_notes(report.notes, view)
        label = view.t("data.import_button")
    else:
        st.error(view.t("data.invalid", n=f"{len(report.problems):,}"))
        show_report(report, view, f"check_{round_}")
        show_notes(report.notes, view)
        valid = report.rows_written + len(report.review)
        if not accept_valid or not valid:
            st.caption(view.t("data.invalid_hint") if valid else view.t("data.nothing_valid"))
            return
        st.warning(view.t("data.partial", summary=summary, bad=f"{len(report.validation.rejected):,}"))
        label = view.t("data.import_partial")
    if st.button(label, type="primary", key=f"import_{round_}"):
        _import(view, files, as_of if needed else None, accept_valid, round_)


def _import(view: View, files, as_of, accept_valid: bool, round_: int) -> None:
    result = fresh(view, "importer.import_files", files, as_of=as_of, accept_valid=accept_valid)
    if not result.committed:
        # The store changed between the check and the click: show what is wrong now.
        st.error(view.t("data.invalid", n=f"{len(result.problems):,}"))
        show_report(result, view, f"import_{round_}")
        return
    parts = [view.t("data.table_rows", table=view.t(f"table.{t}"), n=f"{n:,}")
             for t, n in result.written.items() if n]
    if result.review:
        parts.append(view.t("data.summary_review", n=f"{len(result.review):,}").strip("；; "))
    if result.quarantined:
        parts.append(view.t("data.quarantined", n=f"{result.quarantined:,}"))
    st.session_state["_import_done"] = _join(parts, view)
    # A new key empties the uploader, so the same files are not offered twice.
    st.session_state["_upload_round"] = round_ + 1
    st.session_state.pop(_CHECKED, None)
    st.rerun()
