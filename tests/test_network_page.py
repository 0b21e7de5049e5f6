"""The Network page under Streamlit's AppTest, on tests/data/network (see its README)."""

from __future__ import annotations

import pandas as pd

from data_loaders.ingest.importer import import_paths
from tests.apptest import frame_with, run_app
from tests.conftest import BOTH, DATA

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "network"


def _load(db) -> None:
    assert import_paths(db, [DATA / "network"]).ok



def test_network_page_in_chinese(db):
    _load(db)
    at = run_app(PAGE, params={"as_of": "2020-02-15"})
    assert at.title[0].value == "协作网络：资源如何抵达各地"
    cards = {m.label: m.value for m in at.metric}
    assert cards["资助方"] == "3" and cards["无资助方抵达的地区"] == "13"
    assert cards["依赖单一中介的地区"] == "3"
    reach = frame_with(at, "关键中介").set_index("地区")
    assert reach.loc["随州市", "关键中介"] == "快运物流"
    assert reach.loc["武汉市", "关键中介"] == "甲枢纽、伙伴一"
    assert reach.loc["孝感市", "资助方数"] == 2 and pd.isna(reach.loc["孝感市", "关键中介"])  # drawn "—"
    hubs = frame_with(at, "活跃伙伴").set_index("枢纽")
    assert hubs.loc["甲枢纽", "伙伴数"] == 2 and hubs.loc["乙枢纽", "资助方数"] == 0
    assert len(at.get("plotly_chart")) == 1
    assert any("资助方 → 枢纽" in c.value for c in at.caption)


def test_network_page_region_and_english(db):
    _load(db)
    at = run_app(PAGE, params={"as_of": "2020-02-15", "region": "421300"}, state={"lang": "en"})
    assert at.title[0].value == "The network: how resources reach each region"
    reach = frame_with(at, "Broker names")
    assert reach[["Region", "Broker names"]].values.tolist() == [["Suizhou", "快运物流"]]
    links = frame_with(at, "Kind of link")
    assert sorted(links["Kind of link"]) == ["carries for", "serves region"]
    assert any("Filtered: Suizhou" in c.value for c in at.caption)
    # The cards count within the region: 爱心企业 through 快运物流.
    assert {m.label: m.value for m in at.metric} == {
        "Funders": "1", "Connected organisations": "2", "Regions no funder reaches": "0",
        "Regions hanging on a broker": "1"}


def test_network_page_category_filter_in_the_url(db):
    _load(db)
    at = run_app(PAGE, params={"as_of": "2020-02-15", "category": "food"})
    reach = frame_with(at, "关键中介").set_index("地区")
    assert reach.loc["孝感市", "关键中介"] == "志愿车队"
    assert {m.label: m.value for m in at.metric}["资助方"] == "1"
    at.selectbox(key="org_type_zh").set_value("hub").run()
    assert at.query_params["org_type"] == "hub" and at.query_params["category"] == "food"


def test_network_page_empty_store(db):
    at = run_app(PAGE)
    assert not at.exception


def test_a_network_without_links_says_so_instead_of_rows_of_zeros(db, tmp_path):
    """Organisations, facilities and needs but no grant, delivery or report (as in the real
    2020 lists): no organisation reaches a region, said once, no table of zeros."""
    import shutil

    from tests.conftest import SCENARIO

    for name in ("organizations.csv", "facilities.csv", "needs.csv"):
        shutil.copy(SCENARIO / name, tmp_path / name)
    assert import_paths(db, [tmp_path]).ok
    at = run_app(PAGE, params={"as_of": "2020-02-15", "lang": "en"})
    assert not at.exception
    infos = [i.value for i in at.info]
    assert ("No funder or organisation is linked to any region yet: grants, deliveries and "
            "activity reports link them.") in infos
    assert not any("Brokers" in d.value.columns for d in at.dataframe)
    # The hub and its members are still listed: membership is a link, though not to a region.
    assert frame_with(at, "Active partners")["Partners"].tolist() == [3]
