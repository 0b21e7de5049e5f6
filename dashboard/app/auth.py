"""Who is using the app: local mode, or a person signed in through OpenID Connect.

The role decided here is carried in every view's cache key and checked by
``dashboard.access.run`` for every query, so the pages a role is not offered stay
closed below the UI too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from urllib.parse import urlparse

import streamlit as st

from dashboard.access import LOCAL_ROLE, audit
from dashboard.access.auth import load_role_map, local_role, mode
from dashboard.i18n import t
from dashboard.present.markup import md
from geo.regions import ProvinceSettingError, configured_province


@dataclass(frozen=True)
class Identity:
    """The mode, the signed-in address (if any) and the role of this session."""

    mode: str
    email: str | None
    role: str | None

    @property
    def actor(self) -> str:
        """Who the audit log names."""
        return self.email or (audit.local_actor() if self.mode == "local" else "anonymous")


def _secrets_have_auth() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer False
        return False


def _signed_in_email() -> str | None:
    try:
        if not st.user.get("is_logged_in"):
            return None
        return st.user.get("email") or None
    except Exception:  # st.user without a sign-in provider configured
        return None


def identify() -> Identity:
    """This session's identity; records a sign-in in the audit log once per session."""
    if mode(_secrets_have_auth()) == "local":
        try:
            return Identity("local", None, local_role())
        except ValueError as exc:  # LIFELINE_LOCAL_ROLE mistyped: said, not a traceback
            print(f"Lifeline: {exc}", file=sys.stderr)
            return Identity("local", None, None)
    role_map = load_role_map()
    email = _signed_in_email()
    if email is None:
        return Identity("oidc", None, role_map.anonymous_role())
    identity = Identity("oidc", email, role_map.role_for(email))
    if st.session_state.get("_signed_in_as") != email:
        st.session_state["_signed_in_as"] = email
        _record_sign_in(email, identity.role)
    return identity


def _record_sign_in(email: str, role: str | None) -> None:
    """One audit entry per sign-in, not per page load: every load of a page opens a new
    session, but the identity provider's token says when the person signed in (``iat``),
    and a sign-in already in the log is not written again."""
    try:
        issued = st.user.get("iat")
    except Exception:  # st.user without a sign-in provider configured
        issued = None
    if issued is not None and any(
            e.get("action") == "sign_in" and e.get("actor") == email
            and e.get("signed_in_at") == issued for e in audit.entries(limit=2000)):
        return
    audit.record("sign_in", email, role, **({"signed_in_at": issued} if issued is not None else {}))


def refused_page(identity: Identity, allowed: set[str], paths: list[str]) -> None:
    """Audit a page the session was opened on that its role may not see (Streamlit
    then shows the first page): once per session, not on every rerun."""
    try:
        requested = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    except Exception:  # no browser context (AppTest, bare mode)
        return
    if requested in paths and requested not in allowed \
            and st.session_state.get("_refused_page") != requested:
        st.session_state["_refused_page"] = requested
        audit.refused(identity.role, "page", requested)


def _sign_out(identity: Identity) -> None:
    audit.record("sign_out", identity.actor, identity.role)
    st.session_state.pop("_signed_in_as", None)
    st.logout()


def sidebar_block(identity: Identity, lang: str) -> None:
    """Local-mode label, or the signed-in address and role with sign-in/out buttons."""
    if identity.mode == "local":
        if identity.role == LOCAL_ROLE:
            st.sidebar.caption(t("auth.local", lang))
        elif identity.role:
            st.sidebar.caption(t("auth.local_as", lang, role=t(f"auth.role.{identity.role}", lang)))
        return
    if identity.email:
        role = t(f"auth.role.{identity.role}", lang) if identity.role else t("auth.role.none", lang)
        st.sidebar.caption(t("auth.signed_in", lang, email=md(identity.email), role=role))
        st.sidebar.button(t("auth.sign_out", lang), key="auth_sign_out", on_click=_sign_out,
                          args=(identity,))
    else:
        st.sidebar.button(t("auth.sign_in", lang), key="auth_sign_in", on_click=st.login,
                          type="primary")


def province_is_served(lang: str) -> bool:
    """True when the server's province setting names a province; else the page says the
    server is set up wrongly and who can fix it (the exact setting goes to the server's
    log: a person reading the page cannot change it, and a setting's name is no help)."""
    try:
        configured_province()
    except ProvinceSettingError as exc:
        print(f"Lifeline: {exc}", file=sys.stderr)
        st.title(t("app.title", lang))
        st.error(t("config.province.unknown", lang, value=exc.value))
        return False
    return True


def no_access(identity: Identity, lang: str) -> None:
    """The whole app for someone with no role: what happened and what to do."""
    st.title(t("app.title", lang))
    if identity.mode == "local":  # a mistyped LIFELINE_LOCAL_ROLE (identify)
        st.error(t("auth.local_role_wrong", lang))
    elif identity.email:
        st.warning(t("auth.no_role", lang, email=md(identity.email)))
    else:
        st.info(t("auth.please_sign_in", lang))
    sidebar_block(identity, lang)
