"""The metric table: one definition row per number Lifeline compares, colours or ranks
(plain Python, data only).

A row says what kind of number the metric is (a count, a ratio in [0, 1], a rate per
population, money in yuan), which way is better, the registered query that computes it,
where it appears and in which order (the headline cards and the briefing's table, the
map's choice of metric, the ranked region table, the briefing's map), whether a county
has it, and the anchor of its definition in docs/METHODS.md and docs/METHODS.zh.md. Its
strings are the catalogue's ``metric.<key>`` (and ``metric.short.<key>`` for a column of
the ranking). Everything that used to keep its own list (headline cards, ratios, what
is good, the map's metrics, the ranking's columns, a county's blanks) reads this table;
adding a metric is its SQL, one row here, its strings and its METHODS definition
(docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNT, RATIO, RATE, MONEY = "count", "ratio", "rate", "money"
HIGHER, LOWER = "higher", "lower"  # which way is better; None: neither (context figures)
# Where a metric appears; a row gives its position in each place it appears in.
PLACES = ("headline", "map", "ranking", "briefing_map")
DEFAULT_WINDOW = 7  # days: the window every page, export and the briefing start from


@dataclass(frozen=True)
class Metric:
    """One metric: see the module docstring. ``places`` maps a place of :data:`PLACES`
    to the metric's position there; ``county`` is False when a county cannot have it
    (reports name only the prefecture; population and cases are per prefecture)."""

    key: str
    kind: str
    better: str | None
    source: str  # the registered query (dashboard.access) whose result holds it
    methods: str  # the anchor of its definition in both METHODS documents
    places: tuple[tuple[str, int], ...] = ()
    county: bool = True
    name: str = ""  # the catalogue key of its name, when not ``metric.<key>``

    @property
    def label(self) -> str:
        """The catalogue key of its name."""
        return self.name or f"metric.{self.key}"

    @property
    def short(self) -> str:
        """The catalogue key of its short name (a column header of the ranking)."""
        return f"metric.short.{self.key}"

    def position(self, place: str) -> int | None:
        """Its position in ``place``, or None when it does not appear there."""
        return dict(self.places).get(place)


def _at(**positions: int) -> tuple[tuple[str, int], ...]:
    return tuple(positions.items())


REGIONS = "metrics.region_summary"
TOTALS = "metrics.totals"
METRICS: tuple[Metric, ...] = (
    Metric("open_needs", COUNT, LOWER, REGIONS, "m-open-need",
           _at(headline=1, map=1, ranking=1, briefing_map=1)),
    Metric("urgent_open_needs", COUNT, LOWER, REGIONS, "m-urgent-open-need",
           _at(headline=2, ranking=2)),
    Metric("open_needs_per_10k", RATE, LOWER, REGIONS, "m-open-needs-per-10k",
           _at(map=2, ranking=3), county=False),
    Metric("open_needs_per_1k_confirmed", RATE, LOWER, REGIONS, "m-open-needs-per-1k-confirmed",
           _at(map=3, ranking=8), county=False),
    Metric("hospital_coverage", RATIO, HIGHER, REGIONS, "m-hospital-coverage",
           _at(headline=3, map=4, ranking=4)),
    Metric("community_coverage", RATIO, HIGHER, REGIONS, "m-community-coverage",
           _at(headline=4, map=5, ranking=5)),
    Metric("active_orgs", COUNT, HIGHER, REGIONS, "m-active-organisation",
           _at(map=6, ranking=6), county=False),
    Metric("active_partners", COUNT, HIGHER, TOTALS, "m-active-partners", _at(headline=5)),
    Metric("stale_partners", COUNT, LOWER, TOTALS, "m-stale-partner", _at(headline=6)),
    Metric("overdue_deliveries", COUNT, LOWER, REGIONS, "m-overdue-delivery",
           _at(headline=7, map=7, ranking=7)),
    Metric("silent_partners", COUNT, LOWER, "partners.freshness", "freshness",
           name="partners.silent"),
    Metric("gap_score", RATE, LOWER, "needs.gap_ranking", "gap-ranking", _at(briefing_map=2),
           name="funding.col.gap_score"),
    # Context: the figures behind the rates, in the ranking's download only.
    Metric("confirmed_cum", COUNT, None, REGIONS, "m-open-needs-per-1k-confirmed", county=False),
    Metric("population", COUNT, None, REGIONS, "m-open-needs-per-10k", county=False),
)
BY_KEY = {metric.key: metric for metric in METRICS}


def in_place(place: str) -> tuple[str, ...]:
    """The keys of the metrics that appear in ``place``, in their order there."""
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}; one of {PLACES}")
    shown = [m for m in METRICS if m.position(place) is not None]
    return tuple(m.key for m in sorted(shown, key=lambda m: m.position(place)))


def of_kind(kind: str) -> frozenset[str]:
    """The keys of the metrics of ``kind``."""
    return frozenset(m.key for m in METRICS if m.kind == kind)


def better_higher() -> frozenset[str]:
    """The keys of the metrics where a higher value is better (coverage, activity)."""
    return frozenset(m.key for m in METRICS if m.better == HIGHER)


def county_undefined() -> tuple[str, ...]:
    """The keys of the metrics a county cannot have, in table order."""
    return tuple(m.key for m in METRICS if not m.county)


def context_figures() -> tuple[str, ...]:
    """The context figures (neither better nor worse) the ranking's download adds."""
    return tuple(m.key for m in METRICS if m.better is None)
