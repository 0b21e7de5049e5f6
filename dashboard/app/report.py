"""The Report page (填报): partners and funders file what they did, need, delivered and
pledge, from a phone; the hub reviews what they filed (issue 15).

Each form is generated from the schema (data_loaders.store.schema): a widget per column
by its kind, labelled with the column's name in the person's language. What is filed is
checked by the import's rules below the page (data_loaders.ingest.submissions) and each
problem is shown under its field. Nothing filed counts until the hub approves it; a
trusted partner's filings are approved on arrival.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.access import AccessDenied, org_of
from dashboard.app.cache import cached, fresh
from dashboard.app.components import offer
from dashboard.app.frame import View
from dashboard.app.importing import uploader_css
from dashboard.app.tables import DATE, ID, NAME, TEXT, Col, show_table
from dashboard.i18n import problem_message, region_label, value_label
from dashboard.present.workbook import offline_workbook
from data_loaders.ingest.importer import SourceFile
from data_loaders.ingest.submissions import (
    WORKBOOK_SHEETS,
    SubmissionInvalid,
    SubmissionRefused,
)
from data_loaders.store import schema
from geo.regions import load_registry


@dataclass(frozen=True)
class Form:
    """One form: the table it files, the column that names the filing organisation
    (filled in, never asked), the columns it asks for, and the ones it must have."""

    table: str
    owner: str | None
    fields: tuple[str, ...]
    dated: str | None = None  # a date column filled with the day of filing, never asked


FORMS: dict[str, Form] = {
    "activity": Form("activities", "org_id", ("reported_on", "region", "activity_type",
                                              "people_served", "volunteers", "category",
                                              "item", "quantity", "unit")),
    "need": Form("needs", "reported_by", ("facility_id", "reported_on", "category", "item",
                                          "quantity", "unit", "priority",
                                          "beneficiary_group")),
    # A delivery is the filer's as supplier or as carrier: it names either, and is the
    # carrier when it names neither (_file).
    "delivery": Form("deliveries", None, ("need_id", "facility_id", "supplier_id",
                                          "carrier_id", "category", "item", "quantity", "unit",
                                          "status", "dispatched_on", "expected_on",
                                          "delivered_on")),
    "pledge": Form("pledges", "org_id", ("need_id", "quantity", "unit", "due_on"),
                   dated="pledged_on"),
    "facility": Form("facilities", None, ("name", "facility_type", "region", "capacity",
                                          "designated")),
    "grant": Form("grants", "funder_id", ("recipient_id", "amount_cny", "category", "region",
                                          "start_on", "end_on")),
}
# An offline workbook of a partner is small: a few hundred rows at most.
MAX_WORKBOOK_MB = 5

# What a filing of each table is called (the form that files it).
KIND_OF = {form.table: kind for kind, form in FORMS.items()}

# The forms each role is offered, in order ("status": a status update of its own records).
ROLE_FORMS = {
    "partner": ("activity", "need", "delivery", "status", "pledge", "facility"),
    "funder": ("pledge", "grant"),
    "hub": ("activity", "need", "delivery", "status", "pledge", "facility", "grant"),
}
# What a status update may set, per table, and the date that goes with each status.
STATUS_DATES = {"needs": {"met": "closed_on", "cancelled": "closed_on"},
                "deliveries": {"delivered": "delivered_on", "failed": None,
                               "in_transit": None}}


def render(view: View) -> None:
    """Draw the page for ``view``'s role."""
    orgs = cached(view, "contributions.organisations")
    names = dict(zip(orgs["org_id"], orgs["name"]))
    org = org_of(view.role)
    if view.role == "hub":
        _review(view, names)
        st.divider()
        st.subheader(view.t("report.file_for_title"))
        org = _choose_org(view, orgs)
    if not org or org not in names:
        st.info(view.t("report.no_org"))
        return
    st.caption(view.t("report.acting_for", org=names[org]))
    kinds = ROLE_FORMS.get(str(view.role), ())
    kind = st.radio(view.t("report.kind"), kinds, key="report_kind", horizontal=True,
                    format_func=lambda k: view.t(f"report.kind.{k}"))
    _outcome(view)
    if kind == "status":
        _status_form(view, org)
    else:
        _form(view, org, kind, names)
    st.divider()
    _offline(view, org, kinds)
    st.divider()
    _own(view, org)


def _choose_org(view: View, orgs: pd.DataFrame) -> str | None:
    """The hub files for any organisation: partners first."""
    ordered = pd.concat([orgs[orgs["org_type"] == "partner"], orgs[orgs["org_type"] != "partner"]])
    if ordered.empty:
        return None
    names = dict(zip(ordered["org_id"], ordered["name"]))
    return st.selectbox(view.t("report.file_for"), list(names), key="report_org",
                        format_func=lambda o: names[o])


# --- one form ----------------------------------------------------------------------

def _form_id(kind: str) -> str:
    """The id of the filing this form will make: kept until it is filed, so a double tap
    or a retry files it once."""
    return st.session_state.setdefault(f"_report_id_{kind}", uuid.uuid4().hex)


def _form(view: View, org: str, kind: str, names: dict[str, str]) -> None:
    form = FORMS[kind]
    table = schema.TABLES[form.table]
    errors = st.session_state.get(f"_report_errors_{kind}", {})
    with st.form(f"report_form_{kind}", border=True):
        st.markdown(view.t(f"report.help.{kind}"))
        for name in form.fields:
            _field(view, kind, table, table.column(name), names)
            for message in errors.get(name, []):
                st.error(message)
        for message in errors.get("", []):
            st.error(message)
        st.form_submit_button(view.t("report.submit"), type="primary", on_click=_file,
                              args=(view, org, kind), width="stretch")


def _label(view: View, table: schema.Table, col: schema.Column) -> str:
    # A facility or need is chosen by what it is, not typed as an id.
    label = view.t(f"report.field.{col.ref}" if col.ref in ("facilities", "needs")
                   else f"column.{table.name}.{col.name}")
    return f"{label} *" if col.required else label


def _widget_key(kind: str, column: str) -> str:
    return f"report_{kind}_{column}"


def _field(view: View, kind: str, table: schema.Table, col: schema.Column,
           names: dict[str, str]) -> None:
    """One widget for ``col``, chosen by its kind (the schema is the form)."""
    key, label = _widget_key(kind, col.name), _label(view, table, col)
    if col.ref == "facilities":
        _facility_field(view, key, label)
    elif col.ref == "needs":
        _need_field(view, key, label, required=col.required)
    elif col.ref == "organizations":
        options = ["", *names]
        st.selectbox(label, options, key=key,
                     format_func=lambda o: names.get(o, view.t("report.none")))
    elif col.kind == schema.ENUM:
        options = list(col.values) if col.required or col.default else ["", *col.values]
        index = options.index(col.default) if col.default in options else 0
        st.selectbox(label, options, index=index, key=key,
                     format_func=lambda v: value_label(col.name, v, view.lang) if v
                     else view.t("report.none"))
    elif col.kind == schema.DATE:
        st.date_input(label, value=_today(view) if col.required else None, key=key,
                      format="YYYY-MM-DD")
    elif col.kind == schema.INT or (col.kind == schema.FLOAT and not col.free_text_quantity):
        st.number_input(label, min_value=0, value=None, step=1, key=key,
                        placeholder=view.t("report.number_placeholder"))
    elif col.kind == schema.BOOL:
        st.checkbox(label, key=key)
    elif col.kind == schema.REGION:
        regions = _regions(view.lang)
        st.selectbox(label, list(regions), key=key, format_func=regions.get,
                     index=_region_index(view, list(regions)))
    elif col.free_text_quantity:
        st.text_input(label, key=key, placeholder=view.t("report.quantity_placeholder"))
    else:
        st.text_input(label, key=key)


def _today(view: View) -> date:
    """The day a new form starts at: today, or the data's last day when the store holds
    a past response (the demo, the 2020 data)."""
    today = date.today()
    return view.last if view.last and view.last < today else today


@st.cache_data(show_spinner=False)
def _regions(lang: str) -> dict[str, str]:
    """The prefectures and their counties, labelled ``武汉市 · 武昌区``."""
    registry = load_registry()
    out: dict[str, str] = {}
    for prefecture in registry.prefectures():
        label = region_label(prefecture.name, prefecture.name_en, lang)
        out[prefecture.adcode] = label
        for county in registry.counties(prefecture.adcode):
            out[county.adcode] = f"{label} · {region_label(county.name, county.name_en, lang)}"
    return out


def _region_index(view: View, codes: list[str]) -> int:
    return codes.index(view.region) if view.region in codes else 0


def _facility_field(view: View, key: str, label: str) -> None:
    facilities = cached(view, "contributions.facilities_in", view.region, org_of(view.role))
    options = {row.facility_id: f"{row.name}（{value_label('facility_type', row.facility_type, view.lang)}）"
               for row in facilities.itertuples()}
    st.selectbox(label, ["", *options], key=key,
                 format_func=lambda f: options.get(f, view.t("report.choose")),
                 help=view.t("report.facility_help"))


def _need_label(row, view: View) -> str:
    amount = "" if pd.isna(row.quantity) else f" {row.quantity:,.0f}{row.unit or ''}"
    claimed = (view.t("report.claimed", who=row.claimed_by, until=str(row.claimed_until)[:10])
               if pd.notna(row.claimed_by) else "")
    return f"{row.facility} · {row.item or value_label('category', row.category, view.lang)}" \
           f"{amount}{claimed}"


def _need_field(view: View, key: str, label: str, required: bool) -> None:
    needs = cached(view, "contributions.open_needs_in", view.region)
    options = {row.need_id: _need_label(row, view) for row in needs.itertuples()}
    st.selectbox(label, ["", *options], key=key,
                 format_func=lambda n: options.get(n, view.t("report.choose" if required
                                                             else "report.none")))


def _value(kind: str, column: str):
    value = st.session_state.get(_widget_key(kind, column))
    return None if value == "" else value


def _file(view: View, org: str, kind: str) -> None:
    """File the form (its button's callback): checked below the page; problems go
    under their fields, a filing is confirmed on the next run."""
    form = FORMS[kind]
    row = {name: _value(kind, name) for name in form.fields}
    if form.owner:
        row[form.owner] = org
    if kind == "delivery" and org not in (row.get("supplier_id"), row.get("carrier_id")):
        row["carrier_id"] = org
    if form.dated:
        row[form.dated] = _today(view)
    if row.get("need_id"):
        needs = cached(view, "contributions.open_needs_in", view.region)
        match = needs[needs["need_id"] == row["need_id"]]
        if not match.empty:
            # A delivery or pledge answering a need is for the need's facility and, unless
            # the person said otherwise, of its category, item and unit.
            for column in ("facility_id", "category", "item", "unit"):
                if column in schema.TABLES[form.table].column_names and not row.get(column) \
                        and pd.notna(match[column].iloc[0]):
                    row[column] = match[column].iloc[0]
    _send(view, org, kind, form.table, row)


def _send(view: View, org: str, kind: str, table: str, row: dict) -> None:
    errors: dict[str, list[str]] = {}
    try:
        filed = fresh(view, "submissions.submit", org, table, row,
                      submission_id=_form_id(kind), approve=view.role == "hub")
    except SubmissionInvalid as invalid:
        for problem in invalid.problems:
            message, fix = problem_message(problem, view.lang)
            errors.setdefault(problem.column or "", []).append(f"{message} {fix}".strip())
    except (SubmissionRefused, AccessDenied) as refused:
        code = getattr(refused, "code", "not_allowed")
        errors[""] = [view.t(f"report.refused.{code}")]
    else:
        st.session_state.pop(f"_report_id_{kind}", None)  # the next filing is a new one
        for key in [k for k in st.session_state if str(k).startswith(f"report_{kind}_")]:
            del st.session_state[key]  # an empty form for the next one
        st.session_state["_report_filed"] = (kind, filed.status)
    st.session_state[f"_report_errors_{kind}"] = errors


def _outcome(view: View) -> None:
    filed = st.session_state.pop("_report_filed", None)
    if filed:
        kind, status = filed
        st.success(view.t(f"report.filed.{status}", what=view.t(f"report.kind.{kind}")))


# --- a status update ---------------------------------------------------------------

def _status_form(view: View, org: str) -> None:
    """Close one's own need (met, cancelled) or say a delivery arrived or failed."""
    table_name = st.radio(view.t("report.status.which"), ("needs", "deliveries"),
                          key="report_status_table", horizontal=True,
                          format_func=lambda n: view.t(f"table.{n}"))
    records = fresh(view, "submissions.own_records", org, table_name)
    if records.empty:
        st.info(view.t(f"report.status.none.{table_name}"))
        return
    table = schema.TABLES[table_name]
    labels = {r[table.key]: _record_label(view, table_name, r) for _, r in records.iterrows()}
    errors = st.session_state.get("_report_errors_status", {})
    with st.form("report_form_status", border=True):
        st.selectbox(view.t(f"report.status.record.{table_name}"), list(labels),
                     key="report_status_record", format_func=labels.get)
        statuses = list(STATUS_DATES[table_name])
        st.selectbox(view.t("report.status.new"), statuses, key="report_status_value",
                     format_func=lambda v: value_label("status", v, view.lang))
        st.date_input(view.t("report.status.on"), value=_today(view), key="report_status_on",
                      format="YYYY-MM-DD")
        for messages in errors.values():
            for message in messages:
                st.error(message)
        st.form_submit_button(view.t("report.submit"), type="primary", on_click=_file_status,
                              args=(view, org, table_name, records), width="stretch")


def _record_label(view: View, table_name: str, row) -> str:
    item = row.get("item") or value_label("category", row.get("category"), view.lang)
    amount = "" if pd.isna(row.get("quantity")) else f" {row['quantity']:,.0f}{row.get('unit') or ''}"
    day = row.get("reported_on") if table_name == "needs" else row.get("dispatched_on")
    day = "" if pd.isna(day) else f" · {str(day)[:10]}"
    return f"{item}{amount}{day}"


def _file_status(view: View, org: str, table_name: str, records: pd.DataFrame) -> None:
    table = schema.TABLES[table_name]
    key = st.session_state.get("report_status_record")
    chosen = records[records[table.key] == key]
    if chosen.empty:
        return
    row = {c.name: chosen[c.name].iloc[0] for c in table.input_columns}
    status = st.session_state.get("report_status_value")
    row["status"] = status
    dated = STATUS_DATES[table_name].get(status)
    if dated:
        row[dated] = st.session_state.get("report_status_on")
    _send(view, org, "status", table_name, row)


# --- offline -----------------------------------------------------------------------

def _offline(view: View, org: str, kinds: tuple[str, ...]) -> None:
    """Download the organisation's workbook; upload it filled (all or nothing)."""
    st.subheader(view.t("report.offline.title"))
    st.caption(view.t("report.offline.caption"))
    stem = f"lifeline_offline_{org}_{_today(view).isoformat()}.xlsx"
    offer(view.t("report.offline.download"),
          lambda: offline_workbook(fresh(view, "contributions.workbook_frames", org, _today(view)),
                                   view.lang),
          stem, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", view,
          "dl_offline_workbook")
    # A new key empties the uploader once its workbook is filed.
    turn = st.session_state.get("_offline_turn", 0)
    css = uploader_css(view, f"{MAX_WORKBOOK_MB:g}", ["xlsx"])
    if css:
        st.html(css)
    upload = st.file_uploader(view.t("report.offline.upload"), type=["xlsx"],
                              key=f"report_offline_upload_{turn}",
                              max_upload_size=MAX_WORKBOOK_MB)
    for line in st.session_state.pop("_offline_done", []):
        st.success(line)
    problems = st.session_state.pop("_offline_problems", None)
    if problems:
        st.error(view.t("report.offline.problems"))
        show_table(problems, view, {"where": TEXT, "row": TEXT, "column": TEXT,
                                    "message": Col("message", TEXT, width=420)},
                   "report.offline.col", key="offline_problems")
    if upload is not None:
        st.button(view.t("report.offline.submit"), key="report_offline_submit", type="primary",
                  on_click=_file_workbook, args=(view, org, kinds, upload.name,
                                                 upload.getvalue()))


def _file_workbook(view: View, org: str, kinds: tuple[str, ...], name: str, data: bytes) -> None:
    tables = frozenset(FORMS[k].table for k in kinds if k in FORMS)
    try:
        filed = fresh(view, "submissions.submit_workbook", org, SourceFile(name, data), tables)
    except SubmissionInvalid as invalid:
        rows = []
        for problem in invalid.problems:
            message, fix = problem_message(problem, view.lang)
            table = submission_table(problem.file)
            rows.append({"where": (problem.file or "").rpartition(":")[2],
                         "row": "" if problem.row is None else str(problem.row),
                         "column": view.t(f"column.{table}.{problem.column}")
                         if table and problem.column else (problem.column or ""),
                         "message": f"{message} {fix}".strip()})
        st.session_state["_offline_problems"] = pd.DataFrame(rows)
        return
    st.session_state["_offline_done"] = [view.t("report.offline.filed", n=len(filed))]
    st.session_state["_offline_turn"] = st.session_state.get("_offline_turn", 0) + 1


def submission_table(where: str | None) -> str | None:
    """The table a workbook problem's sheet files (``offline.xlsx:需求`` → needs)."""
    return WORKBOOK_SHEETS.get((where or "").rpartition(":")[2])


# --- what one has filed ------------------------------------------------------------

def _record(view: View, org: str) -> None:
    """The organisation's own reporting against its schedule in the window (the
    Partners page's figures for it alone)."""
    if view.as_of is None:
        return
    rates = cached(view, "reporting.reporting", view.scope)
    mine = rates[rates["org_id"] == org]
    if mine.empty:
        return
    row = mine.iloc[0]
    st.markdown(f"**{view.t('report.record.title', window=view.window)}**")
    cards = ((view.t("partners.rates.network_rate"),
              f"{row['rate']:.0%}" if pd.notna(row["rate"]) else "—"),
             (view.t("partners.rates.received"), f"{int(row['received'])} / {int(row['expected'])}"),
             (view.t("partners.rates.col.late"), f"{int(row['late'])}"),
             (view.t("partners.rates.col.status"), view.t(f"partners.rates.status.{row['status']}")))
    for column, (label, value) in zip(st.columns(len(cards)), cards):
        column.metric(label, value)
    if bool(row["due_today"]):
        st.caption(view.t("report.record.due_today"))


def _own(view: View, org: str) -> None:
    _record(view, org)
    st.subheader(view.t("report.own.title"))
    mine = fresh(view, "submissions.own", org)
    if mine.empty:
        st.caption(view.t("report.own.none"))
        return
    shown = _submission_rows(view, mine)
    show_table(shown, view, {"what": NAME, "summary": TEXT, "state": TEXT,
                             "submitted_at": DATE, "comment": Col("comment", TEXT, width=260),
                             "record_key": ID}, "report.col", rows=10)


def _referenced_names(view: View, frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Names of the organisations, facilities and needs the filings refer to."""
    wanted: dict[str, list[str]] = {}
    for table_name, record in zip(frame["table_name"], frame["record"]):
        for col in schema.TABLES[table_name].columns:
            if col.ref and record.get(col.name):
                wanted.setdefault(col.ref, []).append(record[col.name])
    return cached(view, "contributions.names", wanted) if wanted else {}


def _submission_rows(view: View, frame: pd.DataFrame) -> pd.DataFrame:
    known = _referenced_names(view, frame)
    return pd.DataFrame({
        "what": [view.t(f"report.kind.{KIND_OF[name]}") for name in frame["table_name"]],
        "summary": [_summary(view, name, record, known) for name, record
                    in zip(frame["table_name"], frame["record"])],
        "state": [view.t(f"report.state.{s}") for s in frame["status"]],
        "submitted_at": pd.to_datetime(frame["submitted_at"]).dt.date,
        "comment": frame["comment"].fillna(""),
        "record_key": frame["record_key"],
    })


def _summary(view: View, table: str, record: dict, known: dict[str, dict[str, str]]) -> str:
    """A few words of what a filing says, in the person's language (names, never ids)."""
    schema_table = schema.TABLES[table]
    parts = []
    for ref, column in (("needs", "need_id"), ("facilities", "facility_id"),
                        ("organizations", "recipient_id")):
        if column != schema_table.key and column in schema_table.column_names \
                and record.get(column):
            parts.append(known.get(ref, {}).get(record[column], view.t("report.proposed")))
            break
    for column in ("item", "name", "activity_type", "category", "status"):
        value = record.get(column)
        if value and column in schema_table.column_names:
            kind = schema_table.column(column).kind
            parts.append(value_label(column, value, view.lang) if kind == schema.ENUM else value)
    if record.get("quantity"):
        parts.append(f"{record['quantity']}{record.get('unit', '')}")
    for column in ("people_served", "volunteers", "amount_cny"):
        if record.get(column):
            parts.append(view.t(f"report.summary.{column}", n=record[column]))
    for column in ("reported_on", "due_on", "delivered_on", "closed_on"):
        if record.get(column):
            parts.append(view.t(f"report.summary.{column}", day=record[column]))
            break
    return " · ".join(dict.fromkeys(parts))


# --- the hub's review --------------------------------------------------------------

def _review(view: View, names: dict[str, str]) -> None:
    """The review queue: what partners filed, the difference with the stored record,
    approve (one, several, all), return with a comment, or edit and approve."""
    st.subheader(view.t("report.review.title"))
    for message in st.session_state.pop("_review_done", []):
        st.success(message)
    queue = fresh(view, "submissions.listing", status="submitted")
    if queue.empty:
        st.caption(view.t("report.review.none"))
        _partner_settings(view, names)
        return
    st.caption(view.t("report.review.count", n=len(queue), s="" if len(queue) == 1 else "s"))
    shown = _submission_rows(view, queue)
    shown.insert(0, "organisation", [names.get(o, o) for o in queue["org_id"]])
    show_table(shown.drop(columns=["state", "comment"]), view,
               {"organisation": NAME, "what": TEXT, "summary": TEXT, "submitted_at": DATE,
                "record_key": ID}, "report.col", rows=10)
    ids = list(queue["submission_id"])
    labels = {s: f"{names.get(o, o)} · {w} · {m}" for s, o, w, m in
              zip(ids, queue["org_id"], shown["what"], shown["summary"])}
    chosen = st.selectbox(view.t("report.review.one"), ids, key="review_one",
                          format_func=labels.get)
    row = queue[queue["submission_id"] == chosen].iloc[0]
    diff = fresh(view, "submissions.differences", row["table_name"], row["record"])
    table = schema.TABLES[row["table_name"]]
    refs = {c.name: c.ref for c in table.columns if c.ref}
    known = cached(view, "contributions.names", {
        ref: [v for c, old, new in diff if refs.get(c) == ref for v in (old, new) if v]
        for ref in set(refs.values())})
    diff = [d for d in diff if d[0] != table.key]  # a made id says nothing to a reviewer
    st.dataframe(pd.DataFrame(
        [(_label(view, table, table.column(c)).rstrip(" *"),
          _shown(c, old, view, known.get(refs.get(c), {})),
          _shown(c, new, view, known.get(refs.get(c), {}))) for c, old, new in diff],
        columns=[view.t("report.review.field"), view.t("report.review.stored"),
                 view.t("report.review.filed")]), hide_index=True, width="stretch")
    comment = st.text_input(view.t("report.review.comment"), key=f"review_comment_{chosen}")
    left, middle, right = st.columns(3)
    left.button(view.t("report.review.approve"), key="review_approve", type="primary",
                on_click=_decide, args=(view, [chosen], "approve", None), width="stretch")
    middle.button(view.t("report.review.return"), key="review_return", width="stretch",
                  on_click=_decide, args=(view, [chosen], "return", comment))
    right.button(view.t("report.review.approve_all", n=len(ids)), key="review_all",
                 on_click=_decide, args=(view, ids, "approve", None), width="stretch")
    with st.expander(view.t("report.review.edit")):
        edits = {}
        for c, _old, new in diff:
            if c in refs:  # what a record refers to is the filer's choice, not retyped
                continue
            edits[c] = st.text_input(view.t(f"column.{table.name}.{c}"),
                                     value="" if new is None else str(new),
                                     key=f"review_edit_{chosen}_{c}")
        st.button(view.t("report.review.edit_approve"), key="review_edit_approve",
                  on_click=_decide, args=(view, [chosen], "approve", None, edits))
    _partner_settings(view, names)


def _shown(column: str, value, view: View, names: dict[str, str]) -> str:
    """A value as a reviewer reads it: a label, a name, or the value itself."""
    if value is None:
        return "—"
    if value in names:
        return names[value]
    if column in ("category", "priority", "status", "activity_type", "facility_type",
                  "beneficiary_group"):
        return value_label(column, value, view.lang)
    return str(value)


def _decide(view: View, ids: list[str], decision: str, comment: str | None,
            edits: dict | None = None) -> None:
    done: list[str] = []
    try:
        if decision == "approve":
            n = fresh(view, "submissions.approve", ids,
                      edits={ids[0]: edits} if edits else None)
            done.append(view.t("report.review.approved", n=n))
        else:
            if not (comment or "").strip():
                done.append(view.t("report.review.need_comment"))
            else:
                n = fresh(view, "submissions.send_back", ids, comment)
                done.append(view.t("report.review.returned", n=n))
    except SubmissionInvalid as invalid:
        done.append(view.t("report.review.invalid") + " " + "；".join(
            " ".join(problem_message(p, view.lang)) for p in invalid.problems))
    except SubmissionRefused as refused:
        done.append(view.t(f"report.refused.{refused.code}"))
    st.session_state["_review_done"] = done


def _partner_settings(view: View, names: dict[str, str]) -> None:
    """Trust and reporting schedule, per partner."""
    with st.expander(view.t("report.settings.title")):
        settings = fresh(view, "submissions.settings")
        current = {r.org_id: r for r in settings.itertuples()}
        partner = st.selectbox(view.t("report.settings.partner"), list(names), key="settings_org",
                               format_func=names.get)
        now = current.get(partner)
        trusted = st.checkbox(view.t("report.settings.trusted"), key=f"settings_trusted_{partner}",
                              value=bool(now.trusted) if now else False,
                              help=view.t("report.settings.trusted_help"))
        every = st.number_input(view.t("report.settings.every"), min_value=1, max_value=31,
                                value=int(now.every_days) if now and pd.notna(now.every_days) else 1,
                                key=f"settings_every_{partner}")
        grace = st.number_input(view.t("report.settings.grace"), min_value=0, max_value=31,
                                value=int(now.grace_days) if now and pd.notna(now.grace_days) else 2,
                                key=f"settings_grace_{partner}")
        if st.button(view.t("report.settings.save"), key="settings_save"):
            fresh(view, "submissions.set_partner", partner, trusted=trusted, every_days=every,
                  grace_days=grace, starts_on=view.first)
            st.success(view.t("report.settings.saved", org=names.get(partner, partner)))
        day = st.date_input(view.t("report.settings.reopen"), value=None,
                            key=f"settings_reopen_{partner}", format="YYYY-MM-DD")
        if st.button(view.t("report.settings.reopen_button"), key="settings_reopen",
                     disabled=day is None):
            first = fresh(view, "submissions.reopen", partner, day)
            if first is None:
                st.info(view.t("report.settings.not_locked"))
            else:
                st.success(view.t("report.settings.reopened", org=names.get(partner, partner),
                                  day=first.isoformat()))
