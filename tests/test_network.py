"""The coordination network on the hand-computed fixture (tests/data/network/README.md)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.analytics import network
from dashboard.analytics.metrics import Scope
from data_loaders.ingest.importer import import_paths
from tests.conftest import AS_OF, BOTH, DATA, analytics

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN, HUANGGANG, SUIZHOU, ENSHI = "420100", "420900", "421100", "421300", "422800"


@pytest.fixture
def network_db(db):
    report = import_paths(db, [DATA / "network"])
    assert report.ok, report.problems
    return analytics(db)


def _edges(net: network.Network) -> set[tuple[str, str, str]]:
    return {(s, t, k) for s, t, data in net.graph.edges(data=True) for k in data["kinds"]}


def test_edges_follow_the_definitions(network_db):
    net = network.build_network(network_db, Scope(AS_OF, 7))
    r = network.region_node
    assert _edges(net) == {
        ("HUBA", "P1", "member"), ("HUBA", "P2", "member"),
        ("HUBB", "P3", "member"), ("HUBB", "P4", "member"),
        ("F1", "HUBA", "grant"), ("F2", "HUBA", "grant"), ("F2", "P3", "grant"),
        ("C1", "L1", "carries"), ("F2", "V1", "carries"),
        ("P1", r(WUHAN), "serves"), ("P2", r(XIAOGAN), "serves"), ("P3", r(HUANGGANG), "serves"),
        ("P4", r(ENSHI), "serves"), ("L1", r(SUIZHOU), "serves"), ("V1", r(XIAOGAN), "serves"),
    }
    assert net.funders == {"F1", "F2", "C1"}
    assert net.graph.edges["F1", "HUBA"]["weights"] == {"grant": 100000.0}
    # 伙伴三 serves 黄冈 by a report (R3) and by the region of its grant (G3).
    assert net.graph.edges["P3", r(HUANGGANG)]["weights"] == {"serves": 2.0}
    # Every prefecture is a node, reached or not.
    assert sum(1 for n in net.graph if network.is_region(n)) == 17


def test_funders_and_brokers_per_region(network_db):
    net = network.build_network(network_db, Scope(AS_OF, 7))
    reach = network.region_reach(net).set_index("region_adcode")
    assert reach.loc[WUHAN, "funders"] == 2
    assert reach.loc[WUHAN, "broker_ids"] == "HUBA、P1"
    assert reach.loc[WUHAN, "broker_names"] == "甲枢纽、伙伴一"
    assert reach.loc[XIAOGAN, "funders"] == 2 and reach.loc[XIAOGAN, "brokers"] == 0
    assert reach.loc[XIAOGAN, "organisations"] == 2
    # A sole funder is not its own broker; the partner between it and the region is.
    assert reach.loc[HUANGGANG, "funder_names"] == "基金会二"
    assert reach.loc[HUANGGANG, "broker_ids"] == "P3"
    # The third-party logistics link is the only way into 随州.
    assert reach.loc[SUIZHOU, "broker_ids"] == "L1"
    assert reach.loc[ENSHI, "funders"] == 0 and reach.loc[ENSHI, "brokers"] == 0
    assert (reach.drop(index=[WUHAN, XIAOGAN, HUANGGANG, SUIZHOU])["funders"] == 0).all()
    # Regions with brokers come first.
    assert list(reach.index[:3]) == [HUANGGANG, SUIZHOU, WUHAN]


def test_removing_a_broker_really_cuts_the_region_off(network_db):
    """The dominator answer agrees with brute force: remove each node and look again."""
    net = network.build_network(network_db, Scope(AS_OF, 7))
    for region in (n for n in net.graph if network.is_region(n)):
        reaching = network.funders_reaching(net, region)
        expected = []
        for org in net.orgs():
            others = reaching - {org}
            if not others:
                continue
            g = net.graph.copy()
            g.remove_node(org)
            if not any(f in g and region in network.nx.descendants(g, f) for f in others):
                expected.append(org)
        assert sorted(network.brokers(net, region)) == sorted(expected), region


def test_hub_summary(network_db):
    frame = network.hub_summary(network.build_network(network_db, Scope(AS_OF, 7)))
    rows = {r.hub_id: (r.partners, r.active_partners, r.regions_reached, r.funders)
            for r in frame.itertuples()}
    assert rows == {"HUBA": (2, 2, 2, 2), "HUBB": (2, 2, 2, 0)}


def test_category_filter_keeps_grants_and_deliveries_of_that_category(network_db):
    net = network.build_network(network_db, Scope(AS_OF, 7), category="food")
    reach = network.region_reach(net).set_index("region_adcode")
    assert reach.loc[XIAOGAN, "funder_names"] == "基金会二"
    assert reach.loc[XIAOGAN, "broker_ids"] == "V1"
    assert reach.loc[HUANGGANG, "broker_ids"] == "P3"
    assert reach.loc[WUHAN, "funders"] == 0 and reach.loc[SUIZHOU, "funders"] == 0
    assert net.funders == {"F2"}


def test_date_decides_which_grants_are_active(network_db):
    # On 02-05 (window 01-30..02-05) G4 基金会一 → 伙伴四 (恩施) is active and G3 not yet.
    net = network.build_network(network_db, Scope(date(2020, 2, 5), 7))
    reach = network.region_reach(net).set_index("region_adcode")
    assert reach.loc[ENSHI, "funder_names"] == "基金会一"
    assert reach.loc[ENSHI, "broker_ids"] == "P4"
    assert ("F2", "P3") not in net.graph.edges


def test_focus_on_a_region_and_on_organisation_types(network_db):
    net = network.build_network(network_db, Scope(AS_OF, 7))
    assert network.focus(net, region=SUIZHOU) == {network.region_node(SUIZHOU), "L1", "C1"}
    hubs = network.focus(net, org_types=("hub",))
    assert hubs == {"HUBA", "HUBB", "P1", "P2", "P3", "P4", "F1", "F2"}
    table = network.edge_table(net, network.focus(net, region=SUIZHOU))
    assert set(zip(table["source_name"], table["target_name"], table["kind"])) == {
        ("爱心企业", "快运物流", "carries"), ("快运物流", "随州市", "serves")}


def test_demo_network_builds(demo_db_path):
    import duckdb

    con = duckdb.connect(str(demo_db_path), read_only=True)
    net = network.build_network(con, Scope(date(2020, 2, 15), 7))
    reach = network.region_reach(net)
    assert len(reach) == 17 and reach["funders"].max() > 0
    assert not network.hub_summary(net).empty


def test_the_network_refuses_changes_so_every_page_can_share_it(network_db):
    """The app hands the cached network to every page as it is (no deep copy per rerun):
    that is safe only because no page can change it."""
    from dashboard.app.cache import handed_out

    net = network.build_network(network_db, Scope(AS_OF, 7))
    assert net.frozen and handed_out(net) is net
    with pytest.raises(network.nx.NetworkXError, match="Frozen"):
        net.graph.add_edge("F1", "R")
    loose = network.Network(net.graph.copy(), net.funders)  # a copy can be changed
    assert not loose.frozen and handed_out(loose) is not loose
