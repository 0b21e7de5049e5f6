"""The Data page's column-mapping section: import a file whose headers are not ours.

For the uploaded files no built-in format recognises (the Data page decides), the
section shows the sheet's first rows to pick the header row (a sheet laid out for
printing has titles above its table), the suggested table with a one-line reason,
the columns never imported (contacts) and the suggested mapping as an editable
table; a person picks the table, adds constants, previews the mapped rows and their
validation report, saves the mapping as a named profile and imports with it.
Everything it does to data goes through ``data_loaders.ingest.mapping`` and ``MappedFormat``,
so the command line's ``--mapping NAME`` behaves the same.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.app.importing import on_screen, report_table
from dashboard.present.markup import md
from data_loaders.ingest import readers, values
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.formats.mapped import MappedFormat
from data_loaders.ingest.importer import ImportReport, SourceFile, max_upload_bytes, safe_name
from data_loaders.ingest.mapping import (
    CONTACT,
    Mapping,
    check_mapping,
    facility_fields,
    never_reason,
    suggest_mapping,
    suggestion_reason,
    target_column,
    targets,
)
from data_loaders.ingest.mapping_content import suggest_header_row
from data_loaders.ingest.validation import validate
from data_loaders.store import schema

_UNMAPPED = "-"  # the editor's value for a header left out
PREVIEW_ROWS = 20
SAMPLES = 3
HEADER_PREVIEW_ROWS = 15  # rows shown to pick the header row from
HEADER_OPTION_CELLS = 4  # cells quoted per row in the header-row choice


def column_label(view: View, table: str, target: str) -> str:
    """A target's label: the column's header, or "facility <field>" for facility fields."""
    if target in facility_fields(table):
        return view.t("mapping.facility_field", label=view.t(f"column.facilities.{target}"))
    return view.t(f"column.{table}.{target}")


def _candidates(files) -> list[tuple[str, bytes, list[tuple[str | None, list[list]]], bool]]:
    """Every readable upload as ``(name, bytes, sheets, is_json)``; ``sheets`` holds the
    raw rows of each sheet (``readers.read_rows``), so a header row can be chosen.

    The Data page hands over only files no built-in format recognises, so nothing is
    filtered here but what cannot be read at all (the validation report names those).
    """
    found = []
    for item in files:
        name, data = (item.name, item.data) if hasattr(item, "data") else item
        name = safe_name(name)  # what the importer calls it, so labels agree
        if len(data) > max_upload_bytes():
            continue  # not read at all: the validation report says it is too large
        try:
            sheets = readers.read_rows(name, data)
        except readers.ReadError:
            continue
        if sheets:
            found.append((name, data, sheets, readers.sniff_format(name, data) == "json"))
    return found


def _cell_text(value) -> str:
    """A raw cell as a person reads it: dates as dates, no ``None``, no contacts."""
    if values.is_blank(value):
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return values.strip_contacts(values.clean_text(value))


def _samples(raw: readers.RawTable) -> list[str]:
    """A few non-blank values per header, so a person sees what a column holds."""
    out = []
    for i in range(raw.frame.shape[1]):
        cells = [_cell_text(v) for v in raw.frame.iloc[:, i] if not values.is_blank(v)]
        out.append(" · ".join(list(dict.fromkeys(cells))[:SAMPLES]))
    return out


def _start(view: View, key: str) -> tuple[str, Mapping | None]:
    """The profile chosen to start from ("" for the suggestion) and its mapping."""
    profiles = fresh(view, "mapping.list_profiles")
    start = ""
    if profiles:
        start = st.selectbox(view.t("mapping.start"), ["", *profiles], key=f"{key}_start",
                             format_func=lambda p: p or view.t("mapping.suggested"))
    if start:
        try:
            loaded = fresh(view, "mapping.load_profile", start)
        except (ValueError, FileNotFoundError):
            loaded = None
        if loaded is not None and loaded.table in schema.TABLES:
            return start, loaded
        st.warning(view.t("mapping.load_failed", name=md(start)))
    return "", None


def _header_row(view: View, key: str, rows: list[list], default: int) -> int:
    """The header-row picker: the sheet's first rows as Excel shows them, and a choice."""
    shown = rows[:HEADER_PREVIEW_ROWS]
    width = max((len(r) for r in shown), default=0)
    # Contact columns (by the suggested header) are blanked: the preview is personal data.
    chosen = st.session_state.get(f"{key}_header", default)
    chosen = chosen if isinstance(chosen, int) and chosen < len(rows) else default
    header = rows[chosen] if chosen < len(rows) else []
    hidden = {j for j, h in enumerate(header)
              if not values.is_blank(h) and never_reason(str(h), schema.NEEDS) == CONTACT}
    cells = [[("" if i > chosen and j in hidden else _cell_text(c))
              for j, c in enumerate(list(r) + [None] * (width - len(r)))]
             for i, r in enumerate(shown)]
    letters = [_column_letter(j) for j in range(width)]
    preview = pd.DataFrame(cells, columns=letters, index=range(1, len(shown) + 1))
    preview.index.name = view.t("mapping.row")

    def option(i: int) -> str:
        words = [w for w in map(_cell_text, rows[i]) if w][:HEADER_OPTION_CELLS]
        return view.t("mapping.header_row_option", row=i + 1, cells=" · ".join(words))

    with st.expander(view.t("mapping.first_rows", n=len(shown)), expanded=default > 0):
        st.dataframe(preview, width="stretch")
    # A profile may name a row below the preview: it is offered all the same.
    choices = list(range(max(len(shown), default + 1)))
    return st.selectbox(view.t("mapping.header_row"), choices, index=default,
                        format_func=option, key=f"{key}_header",
                        help=view.t("mapping.header_row_help"))


def _column_letter(index: int) -> str:
    """Excel's column name: A, B, ..., Z, AA, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _reason(view: View, mapping: Mapping, sample: pd.DataFrame) -> str:
    """One line in plain words on why the table was suggested."""
    table = view.t(f"table.{mapping.table}")
    if view.lang != "zh":
        table = table.lower()  # mid-sentence: "looks like case counts"
    parts = []
    for kind, detail, n in suggestion_reason(mapping, sample):
        label = view.t(f"mapping.kind.{kind}")
        if kind == "facility":
            type_label = i18n.value_label("facility_type", detail, view.lang)
            label = view.t("mapping.kind.facility",
                       type=type_label if view.lang == "zh" else type_label.lower())
        parts.append(view.t("mapping.reason_one", kind=label) if n == 1
                     else view.t("mapping.reason_many", kind=label, n=n))
    if not parts:
        return view.t("mapping.reason_headers", table=table)
    listed = parts[0] if len(parts) == 1 else (
        view.t("mapping.list_sep").join(parts[:-1]) + view.t("mapping.list_last") + parts[-1])
    return view.t("mapping.reason", table=table, columns=listed)


def _not_imported(view: View, table: str, headers: list[str]) -> list[str]:
    """List the headers that are never mapped in ``table``, with why; return them."""
    never = {h: never_reason(h, table) for h in headers}
    never = {h: r for h, r in never.items() if r}
    if never:
        st.markdown(f"**{view.t('mapping.not_imported')}**")
        st.dataframe(pd.DataFrame({
            view.t("mapping.header"): list(never),
            view.t("mapping.reason_column"): [view.t(f"mapping.never.{r}") for r in never.values()],
        }), hide_index=True, width="stretch")
    return list(never)


def _edit_columns(view: View, key: str, raw: readers.RawTable, base: Mapping,
                  skipped: list[str]) -> Mapping:
    """The header → column editor; returns the mapping as edited.

    Headers in ``skipped`` (contacts, counts no column holds) are not offered at all:
    they stay unmapped whatever is chosen.
    """
    headers = [str(h) for h in raw.frame.columns]
    shown = [i for i, h in enumerate(headers) if h not in skipped]
    samples = _samples(raw)
    table = base.table
    frame = pd.DataFrame({
        "header": [headers[i] for i in shown],
        "sample": [samples[i] for i in shown],
        # A visible sentinel, not "": the grid shows an empty cell as "None".
        "column": [base.columns.get(headers[i]) or _UNMAPPED for i in shown],
        "score": [round(100 * base.scores.get(headers[i], 0.0)) for i in shown],
    })
    config = {
        "header": st.column_config.TextColumn(view.t("mapping.header")),
        "sample": st.column_config.TextColumn(view.t("mapping.sample")),
        "column": st.column_config.SelectboxColumn(
            view.t("mapping.column"), options=[_UNMAPPED, *targets(table)],
            help=view.t("mapping.column_help"),
            format_func=lambda c: (column_label(view, table, c) if c and c != _UNMAPPED
                                   else view.t("mapping.not_mapped"))),
        "score": st.column_config.ProgressColumn(view.t("mapping.score"), min_value=0,
                                                 max_value=100, format="%d%%"),
    }
    edited = st.data_editor(frame, key=f"{key}_columns", column_config=config, hide_index=True,
                            disabled=["header", "sample", "score"], width="stretch")
    columns: dict[str, str | None] = dict.fromkeys(headers)
    scores: dict[str, float] = dict.fromkeys(headers, 0.0)
    for header, target in zip(edited["header"], edited["column"]):
        target = None if values.is_blank(target) or target == _UNMAPPED else str(target)
        columns[header] = target
        # A person's choice is certain; the suggestion keeps its own confidence.
        same = target == base.columns.get(header)
        scores[header] = base.scores.get(header, 0.0) if same else float(target is not None)
    return Mapping(table, columns, scores, {}, base.facility_from_name, base.generate_key,
                   base.header_row)


def _edit_constants(view: View, key: str, mapping: Mapping, base: Mapping) -> None:
    """The constants editor, pre-filled with the base's constants and the missing columns."""
    if facility_fields(mapping.table):
        mapping.facility_from_name = st.checkbox(
            view.t("mapping.facility_from_name"), value=base.facility_from_name,
            key=f"{key}_from_name", help=view.t("mapping.facility_from_name_help"))
    st.markdown(f"**{view.t('mapping.constants')}**")
    st.caption(view.t("mapping.constants_help"))
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
                view.t("mapping.constant_column"), options=targets(table),
                format_func=lambda c: column_label(view, table, c)),
            "value": st.column_config.TextColumn(view.t("mapping.constant_value")),
        })
    for column, value in zip(edited["column"], edited["value"]):
        if not values.is_blank(column) and not values.is_blank(value):
            mapping.constants[str(column)] = values.clean_text(value)
    for column in dict.fromkeys(c for c in edited["column"] if not values.is_blank(c)):
        col = target_column(table, column)
        if col.choices:  # enum constants: say which values are accepted
            shown = " / ".join(i18n.value_label(col.name, c.value, view.lang) for c in col.choices)
            st.caption(view.t("mapping.allowed", column=column_label(view, table, column),
                          values=shown))


def _issues(view: View, mapping: Mapping) -> bool:
    """Show what is wrong with the mapping; True when it cannot be applied at all."""
    fatal = False
    for code, column in check_mapping(mapping):
        named = code in ("unknown_table", "never_mapped")  # a table or a header, not a column
        label = column if named else column_label(view, mapping.table, column)
        if code == "missing_required":
            st.warning(view.t("mapping.missing_required", column=label))
        else:
            st.error(view.t(f"mapping.{code}", column=label))
            fatal = True
    return fatal


def _shown(view: View, raw: readers.RawTable) -> pd.DataFrame:
    """The first mapped rows as text: still raw here (validation types them), but the
    values the rules filled in (``hospital``, ``urgent``, ``ppe``) in the page's language."""
    shown = raw.frame.head(PREVIEW_ROWS).copy()
    for name in shown.columns:
        column = raw.table.column(name)
        canonical = set(column.values)
        shown[name] = [i18n.value_label(name, v, view.lang) if v in canonical else _cell_text(v)
                       for v in shown[name]]
    return shown


def _preview(view: View, name: str, data: bytes, mapping: Mapping
             ) -> ImportReport | None:
    """Mapped rows (first ``PREVIEW_ROWS`` per table) and their validation report."""
    try:
        conversion = MappedFormat(mapping).convert(name, data, ImportContext(path=name))
    except readers.ReadError as exc:
        st.error(view.t("problem.bad_mapping", value=md(exc.detail or exc.code)))
        return None
    st.markdown(f"**{view.t('mapping.preview')}**")
    for sentence in i18n.note_summary(conversion.notes, view.lang):
        st.caption(sentence)
    for raw in conversion.tables:
        table = raw.table.name
        st.caption(view.t("mapping.preview_table", table=f"{view.t(f'table.{table}')} · {md(raw.label)}",
                      rows=len(raw.frame)))
        shown = _shown(view, raw)
        shown.columns = [view.t(f"column.{table}.{c}") for c in shown.columns]
        st.dataframe(shown, hide_index=True, width="stretch")
    known = {t: fresh(view, "store.existing_keys", t) for t in schema.TABLES}
    report = ImportReport(validate(conversion.tables, known))
    if report.ok:
        st.success(view.t("mapping.valid", rows=sum(report.validation.rows_read.values())))
    else:
        st.error(view.t("mapping.invalid", n=len(report.problems)))
        st.dataframe(on_screen(report_table(report, view), view), hide_index=True, width="stretch")
    return report


def _save(view: View, key: str, mapping: Mapping, default: str) -> None:
    """Profile name input and save button."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input(view.t("mapping.profile_name"), value=default, key=f"{key}_name",
                           help=view.t("mapping.profile_name_help"))
    if right.button(view.t("mapping.save"), key=f"{key}_save"):
        try:
            fresh(view, "mapping.save_profile", name.strip(), mapping)
        except ValueError:
            st.error(view.t("mapping.bad_name"))
        else:
            st.success(view.t("mapping.saved", name=md(name.strip())))


def mapping_section(view: View, files) -> ImportReport | None:
    """Map, preview, save and import uploaded files that no built-in format reads.

    Parameters
    ----------
    view : View
        The page's view (language, and the role the import is checked against).
    files : list of (str, bytes)
        The uploads no format recognised (``SourceFile`` objects are accepted too):
        every readable one is offered.

    Returns
    -------
    ImportReport or None
        The report of an import made in this run, else None. Nothing is shown when
        no file can be read.
    """
    candidates = _candidates(files)
    if not candidates:
        return None
    st.subheader(view.t("mapping.title"))
    st.caption(view.t("mapping.intro"))
    names = [c[0] for c in candidates]
    chosen = st.selectbox(view.t("mapping.file"), names, key="mapping_file") if len(names) > 1 else names[0]
    name, data, sheets, is_json = candidates[names.index(chosen)]
    sheet, rows = sheets[0]  # one mapping serves every sheet; the first one is shown
    key = "mapping_" + hashlib.sha1(name.encode() + data).hexdigest()[:10]

    start, loaded = _start(view, key)
    key = f"{key}_{start}"
    header_row = 0
    if not is_json:  # JSON records carry their keys: there is no header row to pick
        default = loaded.header_row if loaded else suggest_header_row(rows)
        header_row = _header_row(view, key, rows, min(default, max(len(rows) - 1, 0)))
    try:
        raw = (readers.read_file(name, data)[0] if is_json
               else readers.table_from_rows(name, rows, header_row, sheet))
    except readers.ReadError:
        st.warning(view.t("mapping.header_row_empty"))
        return None
    headers = [str(h) for h in raw.frame.columns]
    if loaded is not None and loaded.header_row == header_row:
        base = loaded
    else:  # the suggestion, or a profile whose header row the person changed
        start, base = "", suggest_mapping(headers, None, raw.frame)
        base.header_row = header_row
    tables = list(schema.TABLES)
    table = st.selectbox(view.t("mapping.table"), tables, index=tables.index(base.table),
                         format_func=lambda n: view.t(f"table.{n}"),
                         key=f"{key}_{header_row}_table")
    if not start and table == base.table:
        st.caption(_reason(view, base, raw.frame))
    if table != base.table:
        base = suggest_mapping(headers, table, raw.frame)
        base.header_row = header_row
    # Editors are keyed by the starting point, header row and table: changing any starts afresh.
    key = f"{key}_{header_row}_{table}"
    skipped = _not_imported(view, table, headers)
    mapping = _edit_columns(view, key, raw, base, skipped)
    _edit_constants(view, key, mapping, base)
    if _issues(view, mapping):
        return None
    report = _preview(view, name, data, mapping)
    _save(view, key, mapping, start)
    ready = report is not None and report.ok
    if not st.button(view.t("mapping.import"), key=f"{key}_import", type="primary", disabled=not ready):
        return None
    result = fresh(view, "importer.import_files", [SourceFile(name, data)], fmt=MappedFormat(mapping))
    if result.committed:
        st.success(view.t("mapping.imported", summary=", ".join(
            f"{view.t(f'table.{t}')} {n}" for t, n in result.written.items())))
    else:
        st.error(view.t("mapping.invalid", n=len(result.problems)))
    return result
