"""Sign-in modes and the mapping from an e-mail address to a role (plain Python).

**Local mode** (what ``make run`` starts): no sign-in; the one person at this machine
owns the data and works as ``hub``. The app says so in the sidebar.

**Sign-in mode**: Streamlit's OpenID Connect sign-in (``st.login``), configured by an
``[auth]`` section in ``.streamlit/secrets.toml``. The role of a signed-in person comes
from a roles file (TOML, path in ``LIFELINE_ROLES``, default ``config/roles.toml``)::

    [users]                      # exact addresses first
    "lead@hub.example" = "hub"
    "ops@ngo.example" = { role = "partner", org = "ORG_WH_01" }
    [domains]                    # then the part after @ (sub-domains included)
    "foundation.example" = { role = "funder", org = "FUND_01" }
    "uni.example" = "researcher"
    [access]
    signed_in_default = "public" # a signed-in address no rule names: a role, or "none"
    anonymous = "overview"       # a visitor not signed in: "overview" (as public) or "none"

A ``partner`` acts for one organisation, named by its ``org`` (its ``org_id`` in the
organisations table): it files and changes rows of that organisation only. A ``funder``
with an ``org`` files its own pledges and grants; without one it only reads. A
``caseworker`` (issue 17) must name its ``org`` too: it follows that organisation's
families in difficulty and sees no other organisation's.

In local mode the person at the machine is the hub, unless ``LIFELINE_LOCAL_ROLE``
says they work as another role: ``caseworker:<org_id>`` (a social-work organisation
running Lifeline for its own families), ``partner:<org_id>``, or a role's name.

``LIFELINE_AUTH`` = ``local`` or ``oidc`` overrides the choice of mode (tests, and
deployments that keep their secrets elsewhere).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.access import ROLES, bound

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
    # The organisation an address or domain acts for ("users.<address>" or
    # "domains.<domain>" → org_id), for the partner and funder roles.
    orgs: dict[str, str] = field(default_factory=dict)

    def role_for(self, email: str | None) -> str | None:
        """The role of a signed-in address (bound to its organisation, if the file names
        one: dashboard.access.bound); None when it gets no access."""
        if not email:
            return None
        address = email.strip().lower()
        if address in self.users:
            return bound(_role(self.users[address]), self.orgs.get(f"users.{address}"))
        domain = address.rpartition("@")[2]
        while domain:
            if domain in self.domains:
                return bound(_role(self.domains[domain]), self.orgs.get(f"domains.{domain}"))
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
    orgs: dict[str, str] = {}
    users = {k.strip().lower(): _entry(path, "users", k.strip().lower(), v, orgs)
             for k, v in data.get("users", {}).items()}
    domains = {k.strip().lower().lstrip("@"): _entry(path, "domains", k.strip().lower()
                                                     .lstrip("@"), v, orgs)
               for k, v in data.get("domains", {}).items()}
    access = data.get("access", {})
    role_map = RoleMap(users, domains, str(access.get("signed_in_default", "public")),
                       str(access.get("anonymous", "overview")), orgs)
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


def _entry(path: Path, section: str, name: str, value, orgs: dict[str, str]) -> str:
    """One rule's role; a table ``{ role = "partner", org = "ORG1" }`` also names the
    organisation (kept in ``orgs``). A partner without an organisation is refused: it
    could file nothing, and its reports would belong to nobody."""
    where = f"{section}.{name}"
    if isinstance(value, dict):
        unknown = set(value) - {"role", "org"}
        if unknown or "role" not in value:
            raise RolesFileError(f"{path}: {where} = {value!r}; write "
                                 '{ role = "partner", org = "<org_id>" }')
        role, org = str(value["role"]), str(value.get("org") or "").strip()
        if org:
            orgs[where] = org
    else:
        role, org = str(value), ""
    if role in ("partner", "caseworker") and not org:
        raise RolesFileError(f"{path}: {where} is a {role} of no organisation; write "
                             f'{{ role = "{role}", org = "<org_id>" }}')
    return role


def local_role() -> str:
    """The role of the person at this machine in local mode: ``LIFELINE_LOCAL_ROLE``
    (``<role>`` or ``<role>:<org_id>``), the hub when it is not set. A value that names
    no role, or a partner or caseworker of no organisation, raises ValueError naming
    what to write: a typo must not grant or deny silently."""
    from dashboard.access import LOCAL_ROLE

    value = os.environ.get("LIFELINE_LOCAL_ROLE", "").strip()
    if not value:
        return LOCAL_ROLE
    role, _, org = (part.strip() for part in value.partition(":"))
    if role not in ROLES:
        raise ValueError(f"LIFELINE_LOCAL_ROLE={value!r}: {role!r} is not a role; use one of "
                         + ", ".join(ROLES))
    if role in ("partner", "caseworker") and not org:
        raise ValueError(f"LIFELINE_LOCAL_ROLE={value!r}: a {role} acts for one organisation; "
                         f"write {role}:<org_id>")
    return bound(role, org or None)


def mode(secrets_have_auth: bool) -> str:
    """``local`` or ``oidc``: LIFELINE_AUTH when set, else oidc exactly when the
    secrets hold an ``[auth]`` section."""
    chosen = os.environ.get("LIFELINE_AUTH", "").strip().lower()
    if chosen:
        if chosen not in MODES:
            raise ValueError(f"LIFELINE_AUTH={chosen!r}; use one of {MODES}")
        return chosen
    return "oidc" if secrets_have_auth else "local"
