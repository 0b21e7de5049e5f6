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
  imports, the review queue, the quarantine and the audit log.

Roles (issue 7): **hub** obtains every level; **funder** every level but ``raw`` (no
imports); **researcher** ``aggregate`` and ``suppressed``; **public** ``aggregate``
(the overview) or nothing, as configured. :func:`run` is the gate: it looks the
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

LEVELS = ("aggregate", "suppressed", "partner", "facility", "raw")
ROLES = ("hub", "funder", "researcher", "public")
ROLE_LEVELS: dict[str, frozenset[str]] = {
    "hub": frozenset(LEVELS),
    "funder": frozenset({"aggregate", "suppressed", "partner", "facility"}),
    "researcher": frozenset({"aggregate", "suppressed"}),
    "public": frozenset({"aggregate"}),
}
LOCAL_ROLE = "hub"  # one person on their own machine owns the data (local mode)

class AccessDenied(PermissionError):
    """A role asked for something above its level of detail."""

    def __init__(self, role: str, what: str, level: str):
        super().__init__(f"role {role!r} may not obtain {what} (level {level!r})")
        self.role, self.what, self.level = role, what, level


@dataclass(frozen=True)
class Query:
    """One registered query: its name (``"needs.needs_at"``), the function, the level of
    detail of what it returns or changes, whether it writes, the organisation column it
    filters by (none yet: for the partner role of issue 15), and the arguments it takes
    from another query's cached result (argument → query name, same scope)."""

    name: str
    function: Callable
    level: str
    writes: bool = False
    scope: str | None = None
    reuses: tuple[tuple[str, str], ...] = ()

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
          reuses: dict[str, str] | None = None, name: str | None = None):
    """Register the decorated function as a query of ``level`` (see :class:`Query`); its
    name is ``<module>.<function>`` unless ``name`` says otherwise."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")

    def register(function: Callable) -> Callable:
        key = name or f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"
        known = REGISTRY.get(key)
        if known is not None and known.function is function:
            return function  # declared again (the store's queries, on each look-up)
        if known is not None and _origin(known.function) != _origin(function):
            raise ValueError(f"two queries named {key!r}: {_origin(known.function)} and "
                             f"{_origin(function)}; give one a name=")
        REGISTRY[key] = Query(key, function, level, writes, scope, tuple((reuses or {}).items()))
        return function

    return register


def _origin(function: Callable) -> str:
    """Where a function is defined (a module reloaded in development registers again)."""
    return f"{function.__module__}.{function.__qualname__}"


def _store_queries() -> None:
    """The store's reads and writes: data_loaders sits below the gate and knows nothing of
    roles, so their levels are declared here, once."""
    from data_loaders import store
    from data_loaders.ingest import importer, mapping, review

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
                     review.decide, review.accept_all, review.create_facility):
        query("raw", writes=True)(function)


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
    except AccessDenied:
        from dashboard.access import audit  # needed only on a refusal

        audit.refused(role, "query", entry.name, entry.level)
        raise
    return entry.function(*args, **kwargs)
