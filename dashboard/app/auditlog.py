"""The audit log on the Data page: who imported, exported, downloaded or signed in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.access import audit
from dashboard.app.cache import fresh
from dashboard.app.frame import View
from dashboard.i18n import t

SHOWN = 200
_DETAIL_KEYS = ("file", "files", "what", "rows", "format", "as_of", "out", "quarantined")


def audit_section(view: View) -> None:
    """The latest entries, newest first (hub only: the log names people)."""
    rows = fresh(view, "audit.entries", limit=SHOWN)
    st.subheader(t("audit.title", view.lang))
    st.caption(t("audit.caption", view.lang, path=audit.log_path().name))
    if not rows:
        st.caption(t("audit.none", view.lang))
        return
    frame = pd.DataFrame({
        t("audit.col.at", view.lang): [str(r.get("at", "")).replace("T", " ")[:19] for r in rows],
        t("audit.col.actor", view.lang): [_actor(r.get("actor", ""), view.lang) for r in rows],
        t("audit.col.role", view.lang): [t(f"auth.role.{r['role']}", view.lang) if r.get("role")
                                         else "" for r in rows],
        t("audit.col.action", view.lang): [t(f"audit.action.{r.get('action')}", view.lang)
                                           for r in rows],
        t("audit.col.detail", view.lang): [_detail(r, view.lang) for r in rows],
    })
    st.dataframe(frame, hide_index=True, width="stretch")


def _actor(actor: str, lang: str) -> str:
    """Who, as the log names them; on one's own machine (``local:<account>``) the user of
    this machine (the account name stays in the file)."""
    return t("audit.actor.local", lang) if actor.startswith("local") else actor


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
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, dict):
            value = "、".join(f"{k} {v}" for k, v in value.items())
        parts.append(str(value))
    return " · ".join(parts)
