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
analysis up in :data:`QUERIES`, refuses with :class:`AccessDenied` when the role may
not obtain its level, and only then runs it. Contacts are never stored (see
docs/SECURITY.md), so no level reveals them.
"""

from __future__ import annotations

from collections.abc import Callable
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


# "module.function" → level. Everything a page, a download or the CLI computes from the
# store is listed here; tests/test_access.py runs each for each role.
QUERIES: dict[str, str] = {
    # region-level counts
    "metrics.region_summary": "aggregate", "metrics.totals": "aggregate",
    "metrics.data_date_range": "aggregate", "metrics.county_summary": "aggregate",
    "metrics.brief": "aggregate", "metrics.partner_activity": "aggregate",
    "metrics.earlier_totals": "aggregate", "metrics.has_earlier_data": "aggregate",
    # research exports
    "research.research_aggregates": "suppressed", "dictionary.data_dictionary": "suppressed",
    "research.aggregates": "raw",
    # organisations
    "partners.freshness": "partner", "partners.who_does_what_where": "partner",
    "partners.single_partner_regions": "partner", "partners.partner_profile": "partner",
    "partners.export_partners": "partner", "metrics.hubs": "partner",
    "network.build_network": "partner",
    "funding.funding_flows": "partner", "funding.funding_by_region": "partner",
    # facilities
    "metrics.facility_status": "facility", "metrics.facility_count": "facility",
    "coverage.coverage_by_area": "facility", "coverage.uncovered_urgent": "facility",
    "coverage.coverage_over_time": "facility", "coverage.coverage_vs_burden": "facility",
    "needs.needs_at": "facility", "needs.needs_by": "facility", "needs.ageing": "facility",
    "needs.quantities_by_item": "facility",
    "needs.time_to_fulfil": "facility", "needs.gap_ranking": "facility",
    "needs.late_deliveries": "facility", "needs.mismatch_over_time": "facility",
    "needs.logistics": "facility", "needs.delay_distribution": "facility",
    "needs.projection": "facility", "needs.export_needs": "facility",
    "funding.overlaps": "facility", "funding.export_overlaps": "facility",
    "allocation.priorities": "facility", "allocation.unplaced_grants": "partner",
    "allocation.cost_table": "aggregate", "allocation.need_costs": "aggregate",
    "allocation.save_need_costs": "raw",
    "briefing.build_brief": "facility",
    # everything as stored
    "store.import_history": "raw", "store.row_counts": "aggregate", "store.read_table": "raw",
    "store.quarantined": "raw",
}


# What ``python -m dashboard export <name>`` reveals (``needs --as-of D`` is ``open_needs``,
# see cli.export_name); a stored table as a whole, ``needs`` included, is raw.
EXPORT_LEVELS: dict[str, str] = {
    "open_needs": "facility", "partners": "partner", "overlaps": "facility",
    "aggregates": "suppressed", "dictionary": "suppressed", "brief": "facility",
}


def export_level(name: str) -> str:
    """The level an export of ``name`` (a CLI export or a stored table) reveals."""
    return EXPORT_LEVELS.get(name, "raw")


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


def query(name: str) -> Callable:
    """The function registered as ``name`` (``"needs.needs_at"``)."""
    if name not in QUERIES:
        raise KeyError(f"{name!r} is not a registered query; add it to QUERIES with its level")
    module, function = name.rsplit(".", 1)
    package = "data_loaders" if module == "store" else "dashboard"
    return getattr(import_module(f"{package}.{module}"), function)


def run(role: str | None, name: str, *args, **kwargs):
    """Run the registered query ``name`` for ``role``, or raise AccessDenied first."""
    if name not in QUERIES:
        raise KeyError(f"{name!r} is not a registered query; add it to QUERIES with its level")
    try:
        require(role, QUERIES[name], name)
    except AccessDenied:
        from dashboard import audit

        audit.refused(role, "query", name, QUERIES[name])
        raise
    return query(name)(*args, **kwargs)
