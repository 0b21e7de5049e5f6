"""The audit log on the Data page: who imported, exported, downloaded or signed in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.access import audit
from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.i18n import t
from data_loaders.store.schema import TABLES

SHOWN = 200
_DETAIL_KEYS = ("what", "rows", "format", "as_of", "quarantined")


def audit_section(view: View) -> None:
    """The latest entries, newest first (hub only: the log names people)."""
    from dashboard.app.tables import CODE, TEXT, Col, show_table

    rows = fresh(view, "audit.entries", limit=SHOWN)
    st.subheader(t("audit.title", view.lang))
    st.caption(t("audit.caption", view.lang, path=audit.log_path().name))
    if not rows:
        st.caption(t("audit.none", view.lang))
        return
    frame = pd.DataFrame({
        "at": [str(r.get("at", "")).replace("T", " ")[:19] for r in rows],
        "actor": [_actor(r.get("actor", ""), view.lang) for r in rows],
        "role": [t(f"auth.role.{r['role']}", view.lang) if r.get("role") else "—"
                 for r in rows],
        "action": [t(f"audit.action.{r.get('action')}", view.lang) for r in rows],
        "detail": [_detail(r, view.lang) or "—" for r in rows],
        # File names are shown as written (they are the people's own): a column of their own.
        "files": [_files(r) or "—" for r in rows],
    })
    show_table(frame, view, [Col(c, CODE if c == "files" else TEXT,
                                 header=t(f"audit.col.{c}", view.lang)) for c in frame.columns],
               key="audit_log")


def _actor(actor: str, lang: str) -> str:
    """Who, as the log names them; on one's own machine (``local:<account>``) the user of
    this machine (the account name stays in the file)."""
    return t("audit.actor.local", lang) if actor.startswith("local") else actor


def _files(entry: dict) -> str:
    """The files an entry names, by their names only (never a server's folders)."""
    names = list(entry.get("files") or []) + [entry[k] for k in ("file", "out") if entry.get(k)]
    return "、".join(Path(str(n)).name for n in names)


# What an export is called, by what the command line names it (a stored table by its name).
EXPORTS = ("brief", "partners", "overlaps", "aggregates", "dictionary", "open_needs")
FORMATS = {"md": "Markdown", "json": "JSON", "csv": "CSV", "pdf": "PDF", "parquet": "Parquet"}


def _detail(entry: dict, lang: str) -> str:
    if entry.get("action") == "read":  # the page and the level of detail, not the query
        page = t(f"page.{entry['page']}", lang) if entry.get("page") else ""
        level = t(f"audit.level.{entry.get('level')}", lang)
        return " · ".join(p for p in (page, level, entry.get("as_of")) if p)
    parts = []
    for key in _DETAIL_KEYS:
        value = entry.get(key)
        if value in (None, "", [], {}, 0):
            continue
        if key == "what" and value in TABLES:
            value = t(f"table.{value}", lang)
        elif key == "what" and value in EXPORTS:
            value = t(f"audit.export.{value}", lang)
        elif key == "format":
            value = FORMATS.get(str(value), t("audit.format.html", lang))
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, dict):  # rows per table: the tables by their names
            value = "、".join(f"{t(f'table.{k}', lang) if k in TABLES else k} {v:,}"
                             if isinstance(v, int) else f"{k} {v}" for k, v in value.items())
        parts.append(str(value))
    return " · ".join(parts)
