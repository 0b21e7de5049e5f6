"""Sections of the Network page: the picture of who channels resources to which region,
funders and brokers per region, and hubs. Each has a caption saying what it counts;
tables are translated and downloadable.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.analytics import network
from dashboard.app.cache import cached, kept
from dashboard.app.components import download
from dashboard.app.frame import View
from dashboard.app.tables import COUNT, ID, MONEY, NAME, REGION, TEXT, region_name, show_table
from dashboard.i18n import t, value_label
from dashboard.present.network_picture import COLUMNS, MAX_ORGS, network_figure, shown_nodes


def get(view: View) -> network.Network:
    """The network of the view."""
    return cached(view, "network.build_network", view.scope, category=view.category)


def focused(view: View, net: network.Network) -> set[str]:
    """The nodes the view's region and organisation type keep (dashboard.analytics.network.focus)."""
    return network.focus(net, region=view.region,
                         org_types=(view.org_type,) if view.org_type else ())


def _filters_text(view: View) -> str:
    parts = []
    if view.region:
        parts.append(region_name(view.region, view.lang))
    if view.category:
        parts.append(value_label("category", view.category, view.lang))
    if view.org_type:
        parts.append(value_label("org_type", view.org_type, view.lang))
    return "、".join(parts) if view.lang == "zh" else ", ".join(parts)


def caption(view: View) -> None:
    """What the page is computed for."""
    filters = _filters_text(view)
    st.caption(t("network.caption", view.lang, as_of=view.as_of.isoformat(), window=view.window)
               + (t("network.filtered", view.lang, filters=filters) if filters else ""))


def headlines(view: View, net: network.Network, reach: pd.DataFrame, nodes: set[str]) -> None:
    """Four cards: funders, connected organisations, regions no funder reaches, regions
    hanging on a broker — within the view's region and organisation type."""
    if view.region:
        reach = reach[reach["region_adcode"] == view.region]
    values = {
        "funders": len(net.funders & nodes),
        "organisations": sum(1 for n in nodes if not network.is_region(n)),
        "unreached": int((reach["funders"] == 0).sum()),
        "brokered": int((reach["brokers"] > 0).sum()),
    }
    for column, (name, value) in zip(st.columns(4), values.items()):
        with column:
            st.metric(t(f"network.card.{name}", view.lang), f"{value:,}",
                      help=t(f"network.card.{name}_help", view.lang))


def _labels(net: network.Network, nodes: set[str], lang: str) -> dict[str, str]:
    g = net.graph
    return {n: (region_name(n[len(network.REGION_PREFIX):], lang) if network.is_region(n)
                else g.nodes[n]["name"] or n) for n in nodes}


def picture(view: View, net: network.Network, nodes: set[str]) -> None:
    """The four-column picture, filtered by region and organisation type."""
    st.subheader(t("network.picture.title", view.lang))
    shown = shown_nodes(net, nodes)
    total_orgs = sum(1 for n in nodes if not network.is_region(n))
    kind_labels = {k: t(f"network.edge.{k}", view.lang) for k in network.EDGE_KINDS}
    kind_labels |= {c: value_label("org_type", c, view.lang)
                    for c in {net.graph.nodes[n]["kind"] for n in shown}}
    kind_labels["region"] = t("network.column.region", view.lang)
    titles = {c: t(f"network.column.{c}", view.lang) for c in COLUMNS}
    if total_orgs == 0:
        st.info(t("network.picture.empty", view.lang))
        return
    # Built once for everyone looking at the same network with the same filters: a
    # country's picture holds hundreds of annotations, each validated by plotly.
    fig = kept(view, "network.picture",
               lambda: network_figure(net, shown, _labels(net, shown, view.lang), kind_labels,
                                      titles),
               view.lang, view.scope, view.category, frozenset(nodes))
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
    text = t("network.picture.caption", view.lang)
    if total_orgs > MAX_ORGS:
        text += t("network.picture.capped", view.lang, shown=MAX_ORGS, total=total_orgs)
    st.caption(text)


def _table(frame: pd.DataFrame, view: View, columns: dict, stem: str, special: dict | None = None) -> None:
    display = show_table(frame, view, columns, "network.col", special=special)
    download(display, f"lifeline_{stem}_{view.as_of.isoformat()}.csv", view, key=f"dl_network_{stem}")


def _names(view: View):
    """Names joined as the language joins a list (the core joins them with "、")."""
    if view.lang == "zh":
        return None
    return lambda names: names.replace("、", ", ") if isinstance(names, str) else names


def region_reach(view: View, reach: pd.DataFrame) -> None:
    """Funders reaching each region and the brokers it depends on."""
    st.subheader(t("network.reach.title", view.lang))
    st.caption(t("network.reach.caption", view.lang))
    frame = reach if not view.region else reach[reach["region_adcode"] == view.region]
    if not (frame["funders"].any() or frame["organisations"].any()):
        # Rows of zeros would only say it seventeen times.
        st.info(t("network.reach.none", view.lang))
        return
    joined = _names(view)
    _table(frame, view, {"region_adcode": REGION, "funders": COUNT, "brokers": COUNT,
                         "broker_names": TEXT, "organisations": COUNT, "funder_names": TEXT},
           "network_regions", special={"broker_names": joined, "funder_names": joined} if joined else None)


def hubs(view: View, net: network.Network) -> None:
    """Partners, active partners, regions and funders per hub."""
    st.subheader(t("network.hubs.title", view.lang))
    st.caption(t("network.hubs.caption", view.lang, window=view.window))
    # Active partners by the one definition (dashboard.analytics.metrics), the Partners page's
    # fresh ones; with a region, the region's partners only.
    from dashboard.app.partners import partner_freshness

    seen = partner_freshness(view)
    frame = network.hub_summary(net, active=set(seen.loc[seen["freshness"] == "fresh", "org_id"]),
                                within=set(seen["org_id"]) if view.region else None)
    if frame.empty:
        st.info(t("network.hubs.none", view.lang))
        return
    _table(frame, view, {"hub_name": NAME, "partners": COUNT, "active_partners": COUNT,
                         "regions_reached": COUNT, "funders": COUNT, "hub_id": ID}, "network_hubs")


def edges(view: View, net: network.Network, nodes: set[str]) -> None:
    """Every link shown in the picture, as a table (for those who cannot use the picture).
    A grant's weight is money, any other link's a number of deliveries or reports: they
    are two columns, each empty where it does not apply."""
    frame = network.edge_table(net, nodes)
    if frame.empty:  # the picture above has said there is no one
        return
    labels = _labels(net, set(frame["source"]) | set(frame["target"]), view.lang)
    grant = frame["kind"] == "grant"
    frame = frame.assign(source_name=[labels[s] for s in frame["source"]],
                         target_name=[labels[target] for target in frame["target"]],
                         amount=frame["weight"].where(grant), times=frame["weight"].where(~grant))
    with st.expander(t("network.edges.title", view.lang, n=len(frame))):
        _table(frame, view, {"source_name": NAME, "target_name": NAME, "kind": TEXT,
                             "amount": MONEY, "times": COUNT}, "network_links",
               special={"kind": lambda k: t(f"network.edge.{k}", view.lang)})


def render(view: View) -> None:
    """Network: who channels money and goods to which region, and who stands in between."""
    caption(view)
    net = get(view)
    # The same for everyone who sees this network: worked out once, not on every rerun.
    reach = kept(view, "network.reach", lambda: network.region_reach(net), view.scope,
                 view.category)
    nodes = focused(view, net)  # the region and organisation type filters
    headlines(view, net, reach, nodes)
    picture(view, net, nodes)
    region_reach(view, reach)
    hubs(view, net)
    edges(view, net, nodes)
