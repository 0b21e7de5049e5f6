"""A readable picture of the coordination network (plotly, no basemap, no streamlit).

The nodes stand in four columns, the way resources travel: funders, hubs, the
organisations that carry and serve (partners, logistics companies, volunteer teams),
and the regions. Within a column nodes are ordered by the mean position of their
neighbours (a barycentre pass), which keeps most edges short and uncrossed.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go

from dashboard.analytics.network import Network, is_region

COLUMNS = ("funder", "hub", "organisation", "region")
EDGE_COLOURS = {"grant": "#d4a017", "member": "#9aa5b1", "carries": "#3b7dd8", "serves": "#2e9e5b"}
NODE_COLOURS = {"funder": "#b8860b", "hub": "#7b3fa0", "organisation": "#3b7dd8",
                "region": "#2e7d4f"}
_TEXT_POSITION = {"funder": "middle left", "hub": "top center", "organisation": "middle left",
                  "region": "middle right"}
# Beyond this many organisations the picture is a hairball; the busiest are kept.
MAX_ORGS = 150


def column_of(network: Network, node: str) -> str:
    """Which of COLUMNS a node stands in."""
    if is_region(node):
        return "region"
    if node in network.funders:
        return "funder"
    if network.graph.nodes[node]["kind"] == "hub":
        return "hub"
    return "organisation"


def shown_nodes(network: Network, nodes: set[str], limit: int = MAX_ORGS) -> set[str]:
    """``nodes`` with at most ``limit`` organisations: the ones with the most links."""
    orgs = [n for n in nodes if not is_region(n)]
    if len(orgs) <= limit:
        return set(nodes)
    g = network.graph
    keep = sorted(orgs, key=lambda n: (-g.degree(n), n))[:limit]
    return set(keep) | {n for n in nodes if is_region(n)}


def positions(network: Network, nodes: set[str]) -> dict[str, tuple[float, float]]:
    """x (column) and y (0..1, top first) for every node in ``nodes``."""
    g = network.graph
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for n in nodes:
        columns[column_of(network, n)].append(n)
    # Regions stay in adcode order, a fixed frame of reference; others follow them.
    order = {c: sorted(columns[c]) for c in COLUMNS}
    y: dict[str, float] = {}

    def place(col: str) -> None:
        items = order[col]
        for i, n in enumerate(items):
            y[n] = (i + 0.5) / max(len(items), 1)

    place("region")
    for col in ("organisation", "hub", "funder", "organisation", "hub"):  # two sweeps
        def centre(n: str, col=col) -> float:
            near = [y[m] for m in (*g.successors(n), *g.predecessors(n)) if m in nodes and m in y
                    and column_of(network, m) != col]
            return sum(near) / len(near) if near else 0.5
        order[col] = sorted(order[col], key=lambda n: (centre(n), n))
        place(col)
    place("funder")
    return {n: (float(COLUMNS.index(column_of(network, n))), 1.0 - y[n]) for n in nodes}


def network_figure(network: Network, nodes: set[str], labels: dict[str, str],
                   kind_labels: dict[str, str], column_titles: dict[str, str],
                   height: int = 640) -> go.Figure:
    """The picture of ``nodes`` and the edges between them.

    ``labels`` maps a node to its display name (already in the chosen language);
    ``kind_labels`` translates edge kinds and node kinds for the legend and hover;
    ``column_titles`` the four column headings. Hover text is HTML-escaped.
    """
    g = network.graph
    pos = positions(network, nodes)
    fig = go.Figure()
    for kind, colour in EDGE_COLOURS.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for s, t, data in g.edges(data=True):
            if s in pos and t in pos and kind in data["kinds"]:
                xs += [pos[s][0], pos[t][0], None]
                ys += [pos[s][1], pos[t][1], None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                     line=dict(color=colour, width=1), opacity=0.45,
                                     name=kind_labels[kind]))
    for col in COLUMNS:
        members = sorted(n for n in pos if column_of(network, n) == col)
        if not members:
            continue
        few = len(members) <= 40
        boxed = col == "hub"  # hubs sit among many lines: their names get a white box
        if boxed:
            for n in members:
                fig.add_annotation(x=pos[n][0], y=pos[n][1], text=html.escape(labels.get(n, n)),
                                   showarrow=False, yshift=16, font=dict(size=12),
                                   bgcolor="rgba(255,255,255,0.9)", borderpad=2)
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members],
            mode="markers+text" if few and not boxed else "markers",
            text=[html.escape(labels.get(n, n)) for n in members] if few else None,
            textposition=_TEXT_POSITION[col],
            textfont=dict(size=11),
            marker=dict(size=[8 + 2 * math.sqrt(g.degree(n)) for n in members],
                        color=NODE_COLOURS[col], line=dict(color="white", width=1)),
            hovertext=[_hover(network, n, labels, kind_labels) for n in members],
            hoverinfo="text", name=column_titles[col], customdata=members))
    for i, col in enumerate(COLUMNS):
        fig.add_annotation(x=i, y=1.06, text=f"<b>{html.escape(column_titles[col])}</b>",
                           showarrow=False, xref="x", yref="paper")
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white",
        xaxis=dict(visible=False, range=[-0.9, 3.9]), yaxis=dict(visible=False, range=[-0.03, 1.03]),
        legend=dict(orientation="h", y=-0.02), hoverlabel=dict(align="left"))
    return fig


def _hover(network: Network, node: str, labels: dict[str, str], kind_labels: dict[str, str]) -> str:
    g = network.graph
    name = html.escape(labels.get(node, node))
    kind = html.escape(kind_labels.get(g.nodes[node]["kind"], g.nodes[node]["kind"]))
    return f"<b>{name}</b><br>{kind}<br>← {g.in_degree(node)} · → {g.out_degree(node)}"
