"""Every page of the app, declared once (plain Python: no streamlit).

The router (streamlit_app.py), the access gate (which pages a role is offered), the
benchmark and the tests all read :data:`PAGES`. A page is its view function, a
``render(view)`` in the module :attr:`Page.module` names; its heading is the catalogue
key ``<name>.title`` and its name in the menu ``page.<name>``. Adding a page is a row
here, its view module and its strings (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

# Filters of the organisation pages, drawn in the sidebar only where a page uses them.
NETWORK_FILTERS = ("category", "org_type")


@dataclass(frozen=True)
class Page:
    """One page: its name (its URL path and module), the level of
    detail of its most detailed content (dashboard.access), the extra sidebar filters it
    reads, and whether it has anything to show before data is imported."""

    name: str  # the URL path (the first page is also served at "/")
    level: str
    filters: tuple[str, ...] = ()
    needs_data: bool = True

    @property
    def module(self) -> str:
        """The module whose ``render(view)`` draws the page."""
        return f"dashboard.app.{self.name}"

    @property
    def title(self) -> str:
        """The catalogue key of the page's name in the menu."""
        return f"page.{self.name}"

    @property
    def heading(self) -> str:
        """The catalogue key of the page's heading."""
        return f"{self.name}.title"

    def view(self):
        """The page's view function (imports the UI module, which imports streamlit)."""
        return import_module(self.module).render


# No icons: Streamlit fetches a page's Material icon from the internet to use as the
# favicon, and Lifeline must work offline.
PAGES: tuple[Page, ...] = (
    Page("overview", "aggregate"),
    Page("briefing", "facility"),
    Page("map", "facility"),
    Page("coverage", "facility"),
    Page("needs", "facility"),
    Page("partners", "partner", NETWORK_FILTERS),
    Page("network", "partner", NETWORK_FILTERS),
    Page("funding", "facility", NETWORK_FILTERS),
    # Partners and funders file their own rows; the hub reviews (level partner: the
    # roles that act for an organisation, and the hub).
    Page("report", "partner", needs_data=False),
    Page("data", "raw", needs_data=False),
    Page("methods", "suppressed", needs_data=False),
    # Families in difficulty: aggregates of the assessment rounds only (issue 17); its
    # data is not the records', so it shows what it has on any store.
    Page("households", "suppressed", needs_data=False),
    Page("casework", "household", needs_data=False),
)
BY_NAME = {page.name: page for page in PAGES}
