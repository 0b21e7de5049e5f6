"""The coordination network: how money and goods travel from funders to regions, and
who stands between a region and all of its funders.

Pure functions over a DuckDB connection and a :class:`dashboard.analytics.metrics.Scope` (as-of
date D, window W = [D-W+1, D], province); the graph measures use networkx. SQL takes
parameters; nothing formats user input into SQL. Definitions (also in docs/METHODS.md,
"Network"):

**Nodes.** Organisations (their ``org_type`` is the node kind) and the prefectures of
the province (kind ``region``, node id ``region:<adcode>``).

**Edges** point the way resources travel; each has a ``kind`` and a ``weight``:

- ``member``: hub → partner, for every organisation whose ``hub_id`` names it (weight 1);
- ``grant``: funder → recipient, for grants *active in the window* (``start_on`` on or
  before D or missing, ``end_on`` on or after D-W+1 or missing); weight = CNY;
- ``carries``: supplier → carrier, for deliveries *moving in the window* that name both
  and where they differ; weight = deliveries. A delivery is moving in the window when
  it did not fail, left (``dispatched_on``, else ``delivered_on``) on or before D, and
  was not delivered before D-W+1: delivered in the window, or still on its way at D;
- ``serves``: organisation → region, from (a) such deliveries: the carrier, or the
  supplier when no carrier is named, to the facility's prefecture; (b) activity
  reports in the window, to their region; (c) active grants with a region: the
  recipient to that region. Weight = deliveries + reports + grants.

A category filter keeps grants and deliveries of that category; activity reports carry
no category and then drop out.

**Funders** are organisations that are the source of an active grant or supplied a
delivery moving in the window, and are not hubs, partners or volunteer teams (those
pass resources on). A funder **reaches** a region when a directed path leads from it
to the region.

**Brokers** of a region R are the organisations B such that R is reached by at least
one funder other than B, and once B is removed no funder reaches R any more. They
are exactly the nodes on the dominator chain of R when a virtual source points at
every funder that reaches R (``networkx.immediate_dominators``), except the source
itself and except a sole funder (losing one's only funder is shown as "one funder").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import networkx as nx
import pandas as pd

from dashboard.access import query
from dashboard.analytics.metrics import NOT_FAILED_AT_D, Scope
from geo.regions import load_registry

EDGE_KINDS = ("member", "grant", "carries", "serves")
NOT_FUNDERS = ("hub", "partner", "volunteer_team")
REGION_PREFIX = "region:"
_SOURCE = "__source__"

# A delivery moving in the window (see the module docstring).
_MOVING = (f"{NOT_FAILED_AT_D} AND coalesce(d.dispatched_on, d.delivered_on) <= $d "
           "AND (d.delivered_on IS NULL OR d.delivered_on >= $start)")


def region_node(adcode: str) -> str:
    """The node id of a prefecture."""
    return REGION_PREFIX + adcode


def is_region(node: str) -> bool:
    """True for a region node."""
    return node.startswith(REGION_PREFIX)


_EDGES_SQL = f"""
WITH moving AS (
    SELECT d.supplier_id, d.carrier_id, f.region_adcode
    FROM deliveries d JOIN facilities f USING (facility_id)
    WHERE {_MOVING}
      AND starts_with(f.region_adcode, $prov)
      AND ($category IS NULL OR d.category = $category)
),
active_grants AS (
    SELECT g.funder_id, g.recipient_id, g.amount_cny, g.region_adcode
    FROM grants g
    WHERE (g.start_on IS NULL OR g.start_on <= $d) AND (g.end_on IS NULL OR g.end_on >= $start)
      AND ($category IS NULL OR g.category = $category)
)
SELECT o.hub_id AS source, o.org_id AS target, 'member' AS kind, 1.0 AS weight
FROM organizations o JOIN organizations h ON h.org_id = o.hub_id AND h.org_type = 'hub'
WHERE o.org_id <> o.hub_id
UNION ALL
SELECT funder_id, recipient_id, 'grant', sum(amount_cny) FROM active_grants
WHERE funder_id <> recipient_id GROUP BY ALL
UNION ALL
SELECT supplier_id, carrier_id, 'carries', count(*) FROM moving
WHERE supplier_id IS NOT NULL AND carrier_id IS NOT NULL AND supplier_id <> carrier_id
GROUP BY ALL
UNION ALL
SELECT source, target, 'serves', count(*) FROM (
    SELECT coalesce(carrier_id, supplier_id) AS source, '{REGION_PREFIX}' || region_adcode AS target
    FROM moving WHERE coalesce(carrier_id, supplier_id) IS NOT NULL
    UNION ALL
    SELECT a.org_id, '{REGION_PREFIX}' || a.region_adcode FROM activities a
    WHERE $category IS NULL AND a.reported_on BETWEEN $start AND $d
      AND starts_with(a.region_adcode, $prov)
    UNION ALL
    SELECT recipient_id, '{REGION_PREFIX}' || region_adcode FROM active_grants
    WHERE starts_with(region_adcode, $prov)
) GROUP BY ALL
"""

_FUNDERS_SQL = f"""
SELECT DISTINCT g.funder_id FROM grants g
WHERE (g.start_on IS NULL OR g.start_on <= $d) AND (g.end_on IS NULL OR g.end_on >= $start)
  AND ($category IS NULL OR g.category = $category)
UNION
SELECT DISTINCT d.supplier_id FROM deliveries d JOIN facilities f USING (facility_id)
WHERE d.supplier_id IS NOT NULL AND {_MOVING} AND starts_with(f.region_adcode, $prov)
  AND ($category IS NULL OR d.category = $category)
"""


@dataclass(frozen=True)
class Network:
    """The coordination graph at D and the organisations that fund in the window."""

    graph: nx.DiGraph
    funders: frozenset[str]

    @property
    def frozen(self) -> bool:
        """True when the graph refuses changes (as :func:`build_network` returns it): the
        app's cache then hands the same network to every page instead of a deep copy."""
        return nx.is_frozen(self.graph)

    def orgs(self) -> list[str]:
        """Organisation nodes (not regions)."""
        return [n for n in self.graph if not is_region(n)]


@query("partner")
def build_network(con, scope: Scope, category: str | None = None) -> Network:
    """The coordination graph of the province at D (see the module docstring).

    Node attributes: ``kind`` (an org_type or ``region``), ``name``, ``name_en`` (regions),
    ``hub_id`` (organisations). Edge attributes: ``kinds`` (a sorted tuple of EDGE_KINDS:
    one pair may be linked in several ways) and ``weight`` per kind in ``weights``.
    Every prefecture of the province is a node, also when nothing reaches it.
    """
    params = {"d": scope.as_of, "start": scope.as_of - timedelta(days=scope.window - 1),
              "prov": scope.prefix, "category": category}
    edges = con.execute(_EDGES_SQL, params).fetchall()
    funder_ids = {row[0] for row in con.execute(_FUNDERS_SQL, params).fetchall()}
    orgs = con.execute("SELECT org_id, name, org_type, hub_id FROM organizations").fetchall()

    graph = nx.DiGraph()
    for adcode, region in _prefectures(scope).items():
        graph.add_node(region_node(adcode), kind="region", name=region.name,
                       name_en=region.name_en)
    known = {}
    for org_id, name, org_type, hub_id in orgs:
        known[org_id] = org_type
        graph.add_node(org_id, kind=org_type, name=name, hub_id=hub_id)
    for source, target, kind, weight in edges:
        if source not in graph or target not in graph:
            continue  # an id no organisation (or a region outside the province) carries
        if graph.has_edge(source, target):
            data = graph.edges[source, target]
        else:
            graph.add_edge(source, target, weights={})
            data = graph.edges[source, target]
        data["weights"][kind] = float(weight)
        data["kinds"] = tuple(sorted(data["weights"], key=EDGE_KINDS.index))
    funders = frozenset(f for f in funder_ids
                        if f in known and known[f] not in NOT_FUNDERS)
    return Network(nx.freeze(graph), funders)


def _prefectures(scope: Scope) -> dict:
    return {r.adcode: r for r in load_registry().prefectures(scope.province)}


def funders_reaching(network: Network, node: str) -> set[str]:
    """The funders with a directed path to ``node`` (``node`` itself excluded)."""
    return set(nx.ancestors(network.graph, node)) & network.funders


def brokers(network: Network, node: str) -> list[str]:
    """Organisations whose loss would cut ``node`` off from every funder (see docstring).

    Ordered from the funder's side to the region's side. Empty when no funder reaches
    the node, or when two independent routes exist.
    """
    return _chain(network, node, funders_reaching(network, node), _dominators(network))


def _dominators(network: Network) -> dict:
    """The immediate dominator of every node reached from a source joined to every
    funder: computed once for all regions. Every path from the source to a node runs
    through its own ancestors only, so this is the tree each node's upstream alone gives."""
    graph = network.graph.copy()
    graph.add_node(_SOURCE)  # also when no funder is known
    graph.add_edges_from((_SOURCE, f) for f in network.funders)
    return nx.immediate_dominators(graph, _SOURCE)


def _chain(network: Network, node: str, reaching: set[str], idom: dict) -> list[str]:
    """``node``'s brokers, funder side first, from the dominator tree ``idom``."""
    if not reaching:
        return []
    chain = []
    current = idom[node]
    while current != _SOURCE:
        chain.append(current)
        current = idom[current]
    chain.reverse()
    if len(reaching) == 1:  # the sole funder is not a broker: the region has one funder
        chain = [c for c in chain if c not in reaching]
    return chain


REACH_COLUMNS = ["region_adcode", "name", "name_en", "funders", "funder_names", "organisations",
                 "brokers", "broker_ids", "broker_names"]


def region_reach(network: Network) -> pd.DataFrame:
    """Per prefecture: funders reaching it, organisations serving it, and its brokers.

    Columns REACH_COLUMNS: ``funders`` (count) and ``funder_names`` (、-joined, sorted);
    ``organisations`` = organisations with a ``serves`` edge into it; ``brokers``
    (count), ``broker_ids`` and ``broker_names`` (funder side first). Regions with
    brokers first, then the fewest funders.
    """
    g = network.graph
    idom = _dominators(network)
    rows = []
    for node in (n for n in g if is_region(n)):
        reaching = funders_reaching(network, node)
        chain = _chain(network, node, reaching, idom)
        rows.append({
            "region_adcode": node[len(REGION_PREFIX):],
            "name": g.nodes[node]["name"], "name_en": g.nodes[node]["name_en"],
            "funders": len(reaching),
            "funder_names": "、".join(sorted(g.nodes[f]["name"] for f in reaching)),
            "organisations": g.in_degree(node),
            "brokers": len(chain), "broker_ids": "、".join(chain),
            "broker_names": "、".join(g.nodes[b]["name"] for b in chain),
        })
    frame = pd.DataFrame(rows, columns=REACH_COLUMNS)
    frame["_has"] = frame["brokers"] > 0
    frame = frame.sort_values(["_has", "funders", "region_adcode"], ascending=[False, True, True])
    return frame.drop(columns="_has").reset_index(drop=True)


HUB_COLUMNS = ["hub_id", "hub_name", "partners", "active_partners", "regions_reached",
               "funders"]


def hub_summary(network: Network, active: set[str] | None = None,
                within: set[str] | None = None) -> pd.DataFrame:
    """Per hub: member partners, those active in the window, regions and funders.

    ``partners`` = organisations with a ``member`` edge from the hub (only those in
    ``within``, when given: a region's partners); ``active_partners`` = those in
    ``active`` (the active partners of dashboard.analytics.metrics, as the Overview and the
    Partners page count them) or, without it, those with at least one ``serves`` edge;
    ``regions_reached`` = prefectures reachable from the hub; ``funders`` = funders
    with a path to the hub. Most partners first.
    """
    g = network.graph
    rows = []
    for hub in (n for n, k in g.nodes(data="kind") if k == "hub"):
        members = [t for t in g.successors(hub) if "member" in g.edges[hub, t]["kinds"]
                   and (within is None or t in within)]
        active_ = [m for m in members if m in active] if active is not None else [
            m for m in members if any("serves" in g.edges[m, r]["kinds"] for r in g.successors(m))]
        rows.append({
            "hub_id": hub, "hub_name": g.nodes[hub]["name"], "partners": len(members),
            "active_partners": len(active_),
            "regions_reached": sum(1 for n in nx.descendants(g, hub) if is_region(n)),
            "funders": len(funders_reaching(network, hub)),
        })
    frame = pd.DataFrame(rows, columns=HUB_COLUMNS)
    return frame.sort_values(["partners", "hub_id"], ascending=[False, True]).reset_index(drop=True)


def focus(network: Network, region: str | None = None, org_types: tuple[str, ...] = ()) -> set[str]:
    """The nodes a picture of the network should show.

    With a region: the region and everything upstream of it. With organisation types:
    organisations of those types and their direct neighbours (so their links stay
    visible). Without either: every node with at least one edge, and every region.
    """
    g = network.graph
    if region:
        node = region_node(region)
        nodes = (nx.ancestors(g, node) | {node}) if node in g else set()
    else:
        nodes = {n for n in g if is_region(n) or g.degree(n) > 0}
    if org_types:
        chosen = {n for n in nodes if g.nodes[n]["kind"] in org_types}
        nodes &= chosen | {m for c in chosen for m in nx.all_neighbors(g, c)}
    return nodes


def edge_table(network: Network, nodes: set[str] | None = None) -> pd.DataFrame:
    """Every edge (one row per kind) between ``nodes`` (all when None), for a table.

    Columns: source, source_name, target, target_name, kind, weight.
    """
    g = network.graph
    rows = [
        {"source": s, "source_name": g.nodes[s]["name"], "target": t,
         "target_name": g.nodes[t]["name"], "kind": kind, "weight": w}
        for s, t, data in g.edges(data=True)
        if nodes is None or (s in nodes and t in nodes)
        for kind, w in data["weights"].items()
    ]
    return pd.DataFrame(rows, columns=["source", "source_name", "target", "target_name",
                                       "kind", "weight"])
