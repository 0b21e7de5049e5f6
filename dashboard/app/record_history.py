"""A record's history on the Data page: every version of one need, delivery, facility,
organisation, grant, report or case count, with who changed what, when and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.present.markup import md
from data_loaders.store import schema


def record_history_section(view: View) -> None:
    """Pick a table and a record's id; see each version and what it changed."""
    st.subheader(view.t("record.title"))
    st.caption(view.t("record.caption"))
    left, right = st.columns([1, 2])
    names = list(schema.TABLES)
    name = left.selectbox(view.t("record.table"), names, key="record_table",
                          index=names.index("needs"),  # the record asked about most
                          format_func=lambda n: view.t(f"table.{n}"))
    table = schema.TABLES[name]
    key = right.text_input(view.t(f"column.{name}.{table.key}"), key="record_key",
                           max_chars=200).strip()
    if not key:
        return
    versions = fresh(view, "store.record_history", name, key)
    if versions.empty:
        st.caption(view.t("record.none", record=md(key)))
        return
    frame = versions_table(versions, table, view)
    st.dataframe(frame, hide_index=True, width="stretch", height=35 * (len(frame) + 1) + 3,
                 column_config={c: st.column_config.TextColumn(c, width="medium" if i else "small")
                                for i, c in enumerate(frame.columns)})
    st.caption(view.t("record.marked"))


def versions_table(versions: pd.DataFrame, table: schema.Table, view: View) -> pd.DataFrame:
    """The versions side by side, oldest first: a column per version headed by its number
    and date, a row for when, who, why and the file, then a row per field of the record.
    A value that differs from the version before is marked ``✎``; a retraction reads
    "retracted" in every field."""
    fields = [c for c in table.column_names if c != table.key]
    # A reference reads as the name of what it points to (an organisation, a facility).
    names = {c.name: fresh(view, "store.names_of", c.ref, sorted(
        {str(v) for v in versions[c.name].dropna()})) for c in table.columns
        if c.ref and c.name != table.key}
    rows = {view.t(f"record.col.{k}"): [] for k in ("at", "actor", "reason", "files")}
    rows.update({view.t(f"column.{table.name}.{c}"): [] for c in fields})
    headers, before = [], None
    for number, version in enumerate(versions.to_dict("records"), start=1):
        headers.append(view.t("record.version", n=number))
        meta = [pd.Timestamp(version["recorded_at"]).strftime("%Y-%m-%d %H:%M"),
                _actor(str(version["actor"]), view),
                view.t(f"record.reason.{version['reason']}"), _shown(version["files"])]
        for key, value in zip(list(rows)[:4], meta):
            rows[key].append(value)
        for column in fields:
            label = view.t(f"column.{table.name}.{column}")
            if version["op"] == "retract":
                rows[label].append(view.t("record.retracted"))
                continue
            value = _value(table, column, version[column], view, names.get(column))
            changed = before is not None and value != _value(
                table, column, before[column], view, names.get(column))
            rows[label].append(f"✎ {value}" if changed else value)
        before = version if version["op"] == "put" else None
    frame = pd.DataFrame(rows, index=headers).T.reset_index()
    return frame.rename(columns={"index": view.t("record.col.field")})


def _actor(actor: str, view: View) -> str:
    """Who wrote a version: a signed-in address, this machine's user, or the upgrade that
    started the history."""
    if actor.startswith("local"):
        return view.t("audit.actor.local")
    return view.t("record.actor.lifeline") if actor == "lifeline" else actor


def _value(table: schema.Table, column: str, value: object, view: View,
           names: dict[str, str] | None = None) -> str:
    """A field's value as a person reads it: an allowed value by its name, a reference
    by the name of what it points to."""
    shown = _shown(value)
    if shown != "—" and table.column(column).choices:
        return view.t(f"value.{column}.{shown}")
    return (names or {}).get(shown, shown)


def _shown(value: object) -> str:
    """A stored value as a person reads it (dates without a time, no trailing .0)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return str(value)
