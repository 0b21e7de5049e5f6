"""Sign-in modes and the mapping from an e-mail address to a role (plain Python).

**Local mode** (what ``make run`` starts): no sign-in; the one person at this machine
owns the data and works as ``hub``. The app says so in the sidebar.

**Sign-in mode**: Streamlit's OpenID Connect sign-in (``st.login``), configured by an
``[auth]`` section in ``.streamlit/secrets.toml``. The role of a signed-in person comes
from a roles file (TOML, path in ``LIFELINE_ROLES``, default ``config/roles.toml``)::

    [users]                      # exact addresses first
    "lead@hub.example" = "hub"
    [domains]                    # then the part after @ (sub-domains included)
    "foundation.example" = "funder"
    [access]
    signed_in_default = "public" # a signed-in address no rule names: a role, or "none"
    anonymous = "overview"       # a visitor not signed in: "overview" (as public) or "none"

``LIFELINE_AUTH`` = ``local`` or ``oidc`` overrides the choice of mode (tests, and
deployments that keep their secrets elsewhere).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.access import ROLES

DEFAULT_ROLES_FILE = Path(__file__).resolve().parents[2] / "config" / "roles.toml"
MODES = ("local", "oidc")
NONE = "none"


@dataclass(frozen=True)
class RoleMap:
    """Who gets which role; see the module docstring for the file it is read from."""

    users: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    signed_in_default: str = "public"
    anonymous: str = "overview"

    def role_for(self, email: str | None) -> str | None:
        """The role of a signed-in address; None when it gets no access."""
        if not email:
            return None
        address = email.strip().lower()
        if address in self.users:
            return _role(self.users[address])
        domain = address.rpartition("@")[2]
        while domain:
            if domain in self.domains:
                return _role(self.domains[domain])
            domain = domain.partition(".")[2]  # sub.uni.example → uni.example
        return _role(self.signed_in_default)

    def anonymous_role(self) -> str | None:
        """The role of a visitor who has not signed in: public, or None (no access)."""
        return "public" if self.anonymous == "overview" else None


class RolesFileError(ValueError):
    """The roles file cannot be used (it names an unknown role, or is not TOML)."""


def _role(value: str) -> str | None:
    return None if value == NONE else value


def roles_file() -> Path:
    """Where the roles file is read from."""
    return Path(os.environ.get("LIFELINE_ROLES") or DEFAULT_ROLES_FILE)


def load_role_map(path: str | Path | None = None) -> RoleMap:
    """Read the roles file; a missing file gives nobody a role beyond public.

    Raises :class:`RolesFileError` naming the file, the entry and the allowed roles when
    an entry is not one of ROLES or "none" — a typo must not grant or deny silently.
    """
    path = Path(path) if path else roles_file()
    if not path.exists():
        return RoleMap()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RolesFileError(f"{path}: not valid TOML ({exc})") from exc
    users = {k.strip().lower(): str(v) for k, v in data.get("users", {}).items()}
    domains = {k.strip().lower().lstrip("@"): str(v) for k, v in data.get("domains", {}).items()}
    access = data.get("access", {})
    role_map = RoleMap(users, domains, str(access.get("signed_in_default", "public")),
                       str(access.get("anonymous", "overview")))
    allowed = (*ROLES, NONE)
    for where, value in ([*(("users." + k, v) for k, v in users.items()),
                          *(("domains." + k, v) for k, v in domains.items()),
                          ("access.signed_in_default", role_map.signed_in_default)]):
        if value not in allowed:
            raise RolesFileError(f"{path}: {where} = {value!r} is not a role; use one of "
                                 + ", ".join(allowed))
    if role_map.anonymous not in ("overview", NONE):
        raise RolesFileError(f"{path}: access.anonymous = {role_map.anonymous!r}; use "
                             "'overview' or 'none'")
    return role_map


def mode(secrets_have_auth: bool) -> str:
    """``local`` or ``oidc``: LIFELINE_AUTH when set, else oidc exactly when the
    secrets hold an ``[auth]`` section."""
    chosen = os.environ.get("LIFELINE_AUTH", "").strip().lower()
    if chosen:
        if chosen not in MODES:
            raise ValueError(f"LIFELINE_AUTH={chosen!r}; use one of {MODES}")
        return chosen
    return "oidc" if secrets_have_auth else "local"
