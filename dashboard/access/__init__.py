"""Who may see what: roles, the level of detail each may obtain, and the one gate every
analysis, page, download and command-line export goes through.

Plain Python (no streamlit). Levels of detail, from least to most revealing:

- ``aggregate``: counts per region (the overview's map and ranking);
- ``suppressed``: the research aggregates, with small counts of people hidden;
- ``partner``: organisation-level rows (names, reporting freshness, profiles, grants,
  the network, the briefing's partner list);
- ``facility``: facility-level rows (each hospital's or community's needs, map points,
  deliveries to it, overlaps at it);
- ``raw``: everything as stored — unsuppressed aggregates, whole-table exports,
  imports, the review queue, the quarantine and the audit log;
- ``household`` (issue 17), apart from the others: the rows of the families in
  difficulty that one organisation follows (its households, their assessments, cases,
  services and notes). Only a ``caseworker`` obtains it, only for the organisation it is
  bound to, and every query of this level names that organisation (``scope``): a hub,
  a funder or a researcher sees these families only as suppressed aggregates.

Roles (issue 7): **hub** obtains every level; **funder** every level but ``raw`` (no
imports); **researcher** ``aggregate`` and ``suppressed``; **public** ``aggregate``
(the overview) or nothing, as configured; a **caseworker** (issue 17) ``aggregate``,
``suppressed`` and its own organisation's ``household`` rows. A **partner** (issue 15) reads what a funder
reads. Partners and funders are bound to one organisation (:func:`bound`) and write only
through the queries registered with ``scope="org_id"`` (filing on the Report page): the
gate refuses a call made for another organisation, or for a table the role does not file
(:data:`WRITABLE`), before it runs; the query itself then refuses a row that is not the
organisation's own (data_loaders.ingest.submissions). :func:`run` is the gate: it looks the
query up in the registry, refuses with :class:`AccessDenied` (and writes the refusal to
the audit log) when the role may not obtain its level, and only then runs it. Contacts
are never stored (see docs/SECURITY.md), so no level reveals them.

The registry is declared where each query is defined: an analysis carries
``@query("facility")`` (its level of detail; ``writes=True`` for a change to the store;
``reuses`` for an argument it takes from another query's cached result). The store's own
reads and writes (data_loaders, which knows nothing of roles) are declared in
:func:`_store_queries`. Imports, review decisions and quarantine actions are writes at
level ``raw`` and go through :func:`run` like every read.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module

LEVELS = ("aggregate", "suppressed", "partner", "facility", "raw", "household")
# The levels a hub obtains: every one but the families' own rows, which never leave the
# organisation that follows them.
NETWORK_LEVELS = LEVELS[:-1]
ROLES = ("hub", "partner", "funder", "researcher", "public", "caseworker")
ROLE_LEVELS: dict[str, frozenset[str]] = {
    "hub": frozenset(NETWORK_LEVELS),
    "partner": frozenset({"aggregate", "suppressed", "partner", "facility"}),
    "funder": frozenset({"aggregate", "suppressed", "partner", "facility"}),
    "researcher": frozenset({"aggregate", "suppressed"}),
    "public": frozenset({"aggregate"}),
    "caseworker": frozenset({"aggregate", "suppressed", "household"}),
}
LOCAL_ROLE = "hub"  # one person on their own machine owns the data (local mode)
# The roles that act for one organisation, and the tables each files on the Report page
# (a hub files every table, for any organisation, and reviews).
BOUND_ROLES = ("partner", "funder", "caseworker")
WRITABLE: dict[str, frozenset[str]] = {
    "hub": frozenset({"activities", "needs", "deliveries", "pledges", "facilities", "grants"}),
    "partner": frozenset({"activities", "needs", "deliveries", "pledges", "facilities"}),
    "funder": frozenset({"pledges", "grants"}),
}


class BoundRole(str):
    """A role acting for one organisation: compares and looks up as the role's name
    (``"partner"``), and carries ``org_id`` for the gate."""

    org_id: str | None

    def __new__(cls, role: str, org_id: str | None = None):
        made = super().__new__(cls, role)
        made.org_id = org_id
        return made

    def __reduce__(self):
        return BoundRole, (str(self), self.org_id)


def bound(role: str | None, org_id: str | None) -> str | None:
    """``role`` acting for ``org_id`` (the role unchanged when there is no organisation)."""
    if role is None or not org_id:
        return role
    return BoundRole(role, org_id)


def org_of(role: str | None) -> str | None:
    """The organisation a role acts for (None: unbound, or a hub)."""
    return getattr(role, "org_id", None)

class AccessDenied(PermissionError):
    """A role asked for something above its level of detail."""

    def __init__(self, role: str, what: str, level: str):
        super().__init__(f"role {role!r} may not obtain {what} (level {level!r})")
        self.role, self.what, self.level = role, what, level


@dataclass(frozen=True)
class Query:
    """One registered query: its name (``"needs.needs_at"``), the function, the level of
    detail of what it returns or changes, whether it writes, the argument naming the
    organisation it acts for (``scope="org_id"``: a bound role may pass only its own),
    and the arguments it takes from another query's cached result (argument → query
    name, same scope)."""

    name: str
    function: Callable
    level: str
    writes: bool = False
    scope: str | None = None
    reuses: tuple[tuple[str, str], ...] = ()
    # Its answer moves with a case's follow-up (an update, a service), which leaves the
    # data version alone (store.CASEWORK_REASONS): the cache keys it by the casework
    # version too.
    casework: bool = False

    @property
    def signature(self) -> inspect.Signature:
        """The function's signature (read once per function: pages bind every call to it)."""
        return _signature(self.function)

    @property
    def takes_connection(self) -> bool:
        """True when the function's first argument is a store connection (``con``)."""
        return next(iter(self.signature.parameters), None) == "con"


_signature = lru_cache(maxsize=None)(inspect.signature)
REGISTRY: dict[str, Query] = {}
# Where a query's module is looked for when it is named before it was imported.
_PACKAGES = ("dashboard.analytics", "dashboard.access", "dashboard", "data_loaders.ingest",
             "data_loaders")


def query(level: str, *, writes: bool = False, scope: str | None = None,
          reuses: dict[str, str] | None = None, name: str | None = None,
          casework: bool = False):
    """Register the decorated function as a query of ``level`` (see :class:`Query`); its
    name is ``<module>.<function>`` unless ``name`` says otherwise. ``casework``: it
    reads the cases' follow-up (cached by the casework version as well)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    if level == "household" and scope is None:
        # A household query that did not name its organisation could answer for another.
        raise ValueError("a query of level 'household' must name its organisation (scope=)")

    def register(function: Callable) -> Callable:
        key = name or f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"
        known = REGISTRY.get(key)
        if known is not None and known.function is function:
            return function  # declared again (the store's queries, on each look-up)
        if known is not None and _origin(known.function) != _origin(function):
            raise ValueError(f"two queries named {key!r}: {_origin(known.function)} and "
                             f"{_origin(function)}; give one a name=")
        REGISTRY[key] = Query(key, function, level, writes, scope, tuple((reuses or {}).items()),
                              casework)
        return function

    return register


def _origin(function: Callable) -> str:
    """Where a function is defined (a module reloaded in development registers again)."""
    return f"{function.__module__}.{function.__qualname__}"


def _store_queries() -> None:
    """The store's reads and writes: data_loaders sits below the gate and knows nothing of
    roles, so their levels are declared here, once."""
    from data_loaders import store
    from data_loaders.households import cases, rounds
    from data_loaders.ingest import importer, mapping, review, submissions

    for function, level in ((store.row_counts, "aggregate"), (store.change_moments, "aggregate"),
                            (store.read_table, "raw"),
                            (store.table_history, "raw"), (store.record_history, "raw"),
                            (store.names_of, "raw"),
                            (mapping.list_profiles, "raw"), (mapping.load_profile, "raw"),
                            (store.existing_keys, "raw"), (store.import_history, "raw"),
                            (store.quarantined, "raw"), (review.groups, "raw"),
                            (review.facilities, "raw"), (review.bulk_candidates, "raw")):
        query(level)(function)
    for function in (importer.import_files, importer.import_paths, importer.resubmit,
                     store.set_quarantine_status, mapping.save_profile,
                     review.decide, review.accept_all, review.create_facility,
                     submissions.approve, submissions.send_back, submissions.set_partner,
                     submissions.reopen):
        query("raw", writes=True)(function)
    for function in (submissions.listing, submissions.settings, submissions.differences):
        query("raw")(function)
    # What a partner or funder files, and reads of its own filings: its own organisation's
    # only (the gate checks org_id; submit checks each row's owner).
    query("partner", writes=True, scope="org_id", name="submissions.submit")(submissions.submit)
    query("partner", writes=True, scope="org_id",
          name="submissions.submit_workbook")(submissions.submit_workbook)
    query("partner", scope="org_id", name="submissions.own")(submissions.own)
    query("partner", scope="org_id", name="submissions.own_records")(submissions.own_records)
    # A family's rows: written and read by its own organisation's caseworkers only.
    for function in (rounds.import_round, rounds.delete_households, cases.save_assessment,
                     cases.update_case, cases.add_service):
        query("household", writes=True, scope="org_id")(function)
    for function in (cases.caseload, cases.case_detail, cases.organisations):
        query("household", scope="org_id")(function)


def registered(target: str | Callable) -> Query:
    """The registered query named ``target`` (or registered as the function ``target``);
    KeyError when there is none."""
    if callable(target):
        found = next((q for q in REGISTRY.values() if q.function is target), None)
        if found is None:
            _store_queries()
            found = next((q for q in REGISTRY.values() if q.function is target), None)
        if found is None:
            raise KeyError(f"{target!r} is not a registered query; decorate it with @query(level)")
        return found
    if target not in REGISTRY:
        _store_queries()
        module = target.rsplit(".", 1)[0]
        for package in _PACKAGES:
            if target in REGISTRY:
                break
            try:
                import_module(f"{package}.{module}")
            except ModuleNotFoundError:
                continue
    if target not in REGISTRY:
        raise KeyError(f"{target!r} is not a registered query; decorate it with @query(level)")
    return REGISTRY[target]


def all_queries() -> dict[str, Query]:
    """Every registered query (imports every plain-Python module that may declare one)."""
    import pkgutil

    _store_queries()
    for package in ("dashboard", "data_loaders"):
        root = import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not any(part in info.name for part in (".app", ".demo", "__main__")):
                import_module(info.name)
    return dict(REGISTRY)


def levels(role: str | None) -> frozenset[str]:
    """The levels ``role`` obtains (none for an unknown role or None)."""
    return ROLE_LEVELS.get(role or "", frozenset())


def allowed(role: str | None, level: str) -> bool:
    """True when ``role`` may obtain ``level``."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return level in levels(role)


def require(role: str | None, level: str, what: str = "this") -> None:
    """Raise :class:`AccessDenied` unless ``role`` may obtain ``level``."""
    if not allowed(role, level):
        raise AccessDenied(str(role), what, level)


def pages_for(role: str | None) -> list[str]:
    """The names of the pages ``role`` may open, in menu order (dashboard.pages)."""
    from dashboard.pages import PAGES

    return [page.name for page in PAGES if allowed(role, page.level)]


def run(role: str | None, target: str | Callable, /, *args, **kwargs):
    """Run the registered query ``target`` (its name or its function) for ``role``, or
    raise AccessDenied first, with the refusal in the audit log. Every page, download,
    briefing and command-line export reaches the store this way, writes included."""
    entry = registered(target)
    try:
        require(role, entry.level, entry.name)
        if entry.scope:
            _check_scope(role, entry, args, kwargs)
    except AccessDenied as refusal:
        from dashboard.access import audit  # needed only on a refusal

        audit.refused(role, "query", refusal.what, refusal.level)
        raise
    return entry.function(*args, **kwargs)


def _check_scope(role: str | None, entry: Query, args: tuple, kwargs: dict) -> None:
    """Refuse a call of a scoped query made for another organisation than the bound
    role's, for a table the role does not file, or asking the hub's approval on arrival."""
    arguments = entry.signature.bind_partial(*args, **kwargs).arguments
    if entry.level == "household":
        # Only a caseworker, only for its own organisation (ROLE_LEVELS keeps the others
        # out before this; this keeps a caseworker out of another organisation's rows).
        acting_for = arguments.get(entry.scope)
        if role != "caseworker" or org_of(role) is None or acting_for != org_of(role):
            raise AccessDenied(str(role), f"{entry.name} for {acting_for!r}", entry.level)
        return
    if role not in BOUND_ROLES and role != "hub":
        raise AccessDenied(str(role), entry.name, entry.level)
    if role in BOUND_ROLES:
        acting_for = arguments.get(entry.scope)
        if org_of(role) is None or acting_for != org_of(role):
            raise AccessDenied(str(role), f"{entry.name} for {acting_for!r}", entry.level)
        if arguments.get("approve"):
            raise AccessDenied(str(role), f"{entry.name} approved on arrival", "raw")
    asked = [arguments["table"]] if arguments.get("table") is not None else []
    asked += sorted(arguments.get("tables") or ())
    refused = [name for name in asked if name not in WRITABLE.get(str(role), ())]
    if entry.writes and refused:
        raise AccessDenied(str(role), f"{entry.name} of {', '.join(refused)}", entry.level)
