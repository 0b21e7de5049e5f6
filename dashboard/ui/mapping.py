"""The Data page's column-mapping section: import a file whose headers are not ours.

For each uploaded file no name or header identifies, the section shows the suggested
mapping as an editable table, lets a person pick the table, add constants, preview the
mapped rows and their validation report, save the mapping as a named profile and
import with it. Everything it does to data goes through ``data_loaders.mapping`` and
``MappedFormat``, so the command line's ``--mapping NAME`` behaves the same.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.markup import md
from dashboard.ui.frame import View
from dashboard.ui.importing import report_table
from data_loaders import readers, schema, store, values
from data_loaders.formats import ImportContext
from data_loaders.formats.mapped import MappedFormat
from data_loaders.importer import ImportReport, SourceFile, import_files, max_upload_bytes, safe_name
from data_loaders.mapping import (
    Mapping,
    check_mapping,
    facility_fields,
    list_profiles,
    load_profile,
    save_profile,
    suggest_mapping,
    target_column,
    targets,
)
from data_loaders.validation import validate

PREVIEW_ROWS = 20
SAMPLES = 3


def _t(view: View, key: str, **values) -> str:
    """Translate in the view's language (the strings live in the one catalogue)."""
    return view.t(key, **values)


def column_label(view: View, table: str, target: str) -> str:
    """A target's label: the column's header, or "facility <field>" for facility fields."""
    if target in facility_fields(table):
        return _t(view, "mapping.facility_field", label=view.t(f"column.facilities.{target}"))
    return view.t(f"column.{table}.{target}")


def unrecognised_files(files) -> list[tuple[str, bytes, readers.RawTable]]:
    """Uploaded files with a table whose headers are not the template's.

    A table counts as recognised when its headers hold a table's key (as the importer
    guesses tables); a name alone (``医院需求.csv`` says needs) is not enough, since
    the headers may still be foreign. ``files`` holds ``(name, bytes)`` pairs or
    ``SourceFile`` objects. Unreadable files are left out: the normal validation
    report already names them.
    """
    found = []
    for item in files:
        name, data = (item.name, item.data) if hasattr(item, "data") else item
        name = safe_name(name)  # what the importer calls it, so labels agree
        if len(data) > max_upload_bytes():
            continue  # not read at all: the validation report says it is too large
        try:
            tables = readers.read_file(name, data)
        except readers.ReadError:
            continue
        for raw in tables:
            if schema.table_for_headers(list(raw.frame.columns)) is None:
                found.append((name, data, raw))
                break
    return found


def _samples(raw: readers.RawTable) -> list[str]:
    """A few non-blank values per header, so a person sees what a column holds."""
    out = []
    for i in range(raw.frame.shape[1]):
        cells = [values.clean_text(v) for v in raw.frame.iloc[:, i] if not values.is_blank(v)]
        out.append(" · ".join(list(dict.fromkeys(cells))[:SAMPLES]))
    return out


def _start(view: View, key: str, headers: list[str], hint: schema.Table | None
           ) -> tuple[str, Mapping]:
    """The profile chosen to start from (or "" for the suggestion), and its mapping.

    ``hint`` is the table the file's name suggests, if any: the suggestion uses it.
    """
    profiles = list_profiles()
    start = ""
    if profiles:
        start = st.selectbox(_t(view, "mapping.start"), ["", *profiles], key=f"{key}_start",
                             format_func=lambda p: p or _t(view, "mapping.suggested"))
    if start:
        try:
            loaded = load_profile(start)
        except (ValueError, FileNotFoundError):
            loaded = None
        if loaded is not None and loaded.table in schema.TABLES:
            return start, loaded
        st.warning(_t(view, "mapping.load_failed", name=md(start)))
    return "", suggest_mapping(headers, hint)


def _edit_columns(view: View, key: str, raw: readers.RawTable, base: Mapping) -> Mapping:
    """The header → column editor; returns the mapping as edited."""
    headers = [str(h) for h in raw.frame.columns]
    table = base.table
    frame = pd.DataFrame({
        "header": headers,
        "sample": _samples(raw),
        "column": [base.columns.get(h) for h in headers],
        "score": [round(100 * base.scores.get(h, 0.0)) for h in headers],
    })
    config = {
        "header": st.column_config.TextColumn(_t(view, "mapping.header")),
        "sample": st.column_config.TextColumn(_t(view, "mapping.sample")),
        "column": st.column_config.SelectboxColumn(
            _t(view, "mapping.column"), options=targets(table), help=_t(view, "mapping.column_help"),
            format_func=lambda c: f"{column_label(view, table, c)} ({c})"),
        "score": st.column_config.ProgressColumn(_t(view, "mapping.score"), min_value=0,
                                                 max_value=100, format="%d%%"),
    }
    edited = st.data_editor(frame, key=f"{key}_columns", column_config=config, hide_index=True,
                            disabled=["header", "sample", "score"], width="stretch")
    columns, scores = {}, {}
    for header, target in zip(edited["header"], edited["column"]):
        target = None if values.is_blank(target) else str(target)
        columns[header] = target
        # A person's choice is certain; the suggestion keeps its own confidence.
        same = target == base.columns.get(header)
        scores[header] = base.scores.get(header, 0.0) if same else float(target is not None)
    return Mapping(table, columns, scores, {}, base.facility_from_name, base.generate_key)


def _edit_constants(view: View, key: str, mapping: Mapping, base: Mapping) -> None:
    """The constants editor, pre-filled with the base's constants and the missing columns."""
    if facility_fields(mapping.table):
        mapping.facility_from_name = st.checkbox(
            _t(view, "mapping.facility_from_name"), value=base.facility_from_name,
            key=f"{key}_from_name", help=_t(view, "mapping.facility_from_name_help"))
    st.markdown(f"**{_t(view, 'mapping.constants')}**")
    st.caption(_t(view, "mapping.constants_help"))
    # Offer every required column the suggestion left uncovered, so nothing is guessed.
    missing = [c for code, c in check_mapping(base) if code == "missing_required"]
    rows = dict(base.constants) | {c: "" for c in missing if c not in base.constants}
    frame = pd.DataFrame({"column": list(rows), "value": list(rows.values())},
                         columns=["column", "value"], dtype=object)
    table = mapping.table
    edited = st.data_editor(
        frame, key=f"{key}_constants", num_rows="dynamic", hide_index=True, width="stretch",
        column_config={
            "column": st.column_config.SelectboxColumn(
                _t(view, "mapping.constant_column"), options=targets(table),
                format_func=lambda c: f"{column_label(view, table, c)} ({c})"),
            "value": st.column_config.TextColumn(_t(view, "mapping.constant_value")),
        })
    for column, value in zip(edited["column"], edited["value"]):
        if not values.is_blank(column) and not values.is_blank(value):
            mapping.constants[str(column)] = values.clean_text(value)
    for column in dict.fromkeys(c for c in edited["column"] if not values.is_blank(c)):
        col = target_column(table, column)
        if col.choices:  # enum constants: say which values are accepted
            shown = " / ".join(i18n.value_label(col.name, c.value, view.lang) for c in col.choices)
            st.caption(_t(view, "mapping.allowed", column=column_label(view, table, column),
                          values=shown))


def _issues(view: View, mapping: Mapping) -> bool:
    """Show what is wrong with the mapping; True when it cannot be applied at all."""
    fatal = False
    for code, column in check_mapping(mapping):
        label = column_label(view, mapping.table, column) if code != "unknown_table" else column
        if code == "missing_required":
            st.warning(_t(view, "mapping.missing_required", column=label))
        else:
            st.error(_t(view, f"mapping.{code}", column=label))
            fatal = True
    return fatal


def _preview(view: View, name: str, data: bytes, mapping: Mapping, connection_factory
             ) -> ImportReport | None:
    """Mapped rows (first ``PREVIEW_ROWS`` per table) and their validation report."""
    try:
        conversion = MappedFormat(mapping).convert(name, data, ImportContext(path=name))
    except readers.ReadError as exc:
        st.error(_t(view, "problem.bad_mapping", value=md(exc.detail or exc.code)))
        return None
    st.markdown(f"**{_t(view, 'mapping.preview')}**")
    for raw in conversion.tables:
        table = raw.table.name
        st.caption(_t(view, "mapping.preview_table", table=f"{view.t(f'table.{table}')} · {md(raw.label)}",
                      rows=len(raw.frame)))
        # Cells are still raw text here (validation types them): show them as text.
        shown = raw.frame.head(PREVIEW_ROWS).map(lambda v: "" if values.is_blank(v) else str(v))
        shown.columns = [view.t(f"column.{table}.{c}") for c in shown.columns]
        st.dataframe(shown, hide_index=True, width="stretch")
    with connection_factory() as con:
        known = {t: store.existing_keys(con, t) for t in schema.TABLES}
    report = ImportReport(validate(conversion.tables, known))
    if report.ok:
        st.success(_t(view, "mapping.valid", rows=sum(report.validation.rows_read.values())))
    else:
        st.error(_t(view, "mapping.invalid", n=len(report.problems)))
        st.dataframe(report_table(report, view), hide_index=True, width="stretch")
    return report


def _save(view: View, key: str, mapping: Mapping, default: str) -> None:
    """Profile name input and save button."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input(_t(view, "mapping.profile_name"), value=default, key=f"{key}_name",
                           help=_t(view, "mapping.profile_name_help"))
    if right.button(_t(view, "mapping.save"), key=f"{key}_save"):
        try:
            save_profile(name.strip(), mapping)
        except ValueError:
            st.error(_t(view, "mapping.bad_name"))
        else:
            st.success(_t(view, "mapping.saved", name=md(name.strip())))


def mapping_section(view: View, files, connection_factory) -> ImportReport | None:
    """Map, preview, save and import uploaded files that are not in the template.

    Parameters
    ----------
    view : View
        The page's view (language).
    files : list of (str, bytes)
        The uploads (``SourceFile`` objects are accepted too).
    connection_factory : callable
        Returns a context manager yielding a store connection (``dashboard.ui.data.connection``).

    Returns
    -------
    ImportReport or None
        The report of an import made in this run, else None. Nothing is shown when
        every file is recognised.
    """
    candidates = unrecognised_files(files)
    if not candidates:
        return None
    st.subheader(_t(view, "mapping.title"))
    st.caption(_t(view, "mapping.intro"))
    names = [c[0] for c in candidates]
    chosen = st.selectbox(_t(view, "mapping.file"), names, key="mapping_file") if len(names) > 1 else names[0]
    name, data, raw = candidates[names.index(chosen)]
    headers = [str(h) for h in raw.frame.columns]
    key = "mapping_" + hashlib.sha1(name.encode() + data).hexdigest()[:10]

    start, base = _start(view, key, headers, raw.table)
    tables = list(schema.TABLES)
    table = st.selectbox(_t(view, "mapping.table"), tables, index=tables.index(base.table),
                         format_func=lambda n: view.t(f"table.{n}"), key=f"{key}_{start}_table")
    if table != base.table:
        base = suggest_mapping(headers, table)
    # Editors are keyed by the starting point and table: changing either starts afresh.
    key = f"{key}_{start}_{table}"
    mapping = _edit_columns(view, key, raw, base)
    _edit_constants(view, key, mapping, base)
    if _issues(view, mapping):
        return None
    report = _preview(view, name, data, mapping, connection_factory)
    _save(view, key, mapping, start)
    ready = report is not None and report.ok
    if not st.button(_t(view, "mapping.import"), key=f"{key}_import", type="primary", disabled=not ready):
        return None
    with connection_factory() as con:
        result = import_files(con, [SourceFile(name, data)], fmt=MappedFormat(mapping))
    if result.committed:
        st.success(_t(view, "mapping.imported", summary=", ".join(
            f"{view.t(f'table.{t}')} {n}" for t, n in result.written.items())))
    else:
        st.error(_t(view, "mapping.invalid", n=len(result.problems)))
    return result
