"""Every count that two pages both show is the same number, for the whole province and
for a region, on the demo store and on the real 2020 data (issue 12, "one filter,
every page").

Each check calls the data functions the pages call, with the same arguments: the
Overview's cards (metrics.totals) and map (region_summary / county_summary), the
Partners page (partners.freshness), the Briefing (briefing.build_brief), the Needs page
(needs.needs_at), the Coverage page (coverage.coverage_by_area), the Network page's
hubs (network.hub_summary as the page calls it), the Funding page (funding_by_region)
and the Data & methods export (research.aggregates). One AppTest run renders the pages
themselves for a region and compares what they print.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.analytics import coverage, funding, metrics, needs, network, partners, research
from dashboard.briefing import build_brief
from data_loaders import store
from data_loaders.ingest.importer import import_paths
from geo.regions import load_registry
from tests.apptest import run_app
from tests.conftest import BOTH, realworld_dir

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

WUHAN, HUANGGANG, XIAOGAN = "420100", "421100", "420900"
AREAS = (None, WUHAN, HUANGGANG)


@pytest.fixture(scope="module")
def demo_con(demo_db_path):
    con = store.connect(demo_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def real_con(tmp_path_factory):
    """Every real source imported in the order a hub would (as the acceptance test)."""
    real = realworld_dir()
    con = store.connect(tmp_path_factory.mktemp("agree") / "real.duckdb")
    for part in (["wuhan2020-orgs"], ["wuhan2020-hospital-needs", "hospital_needs_history_daily.csv"],
                 ["wuhan2020-hospital-needs", "fe_2020-02-19"],
                 ["hubei-cases", "hubei_17_prefectures_daily.csv"],
                 ["redcross-wuhan", "武汉市红十字会发放物资一览表.xlsx"]):
        report = import_paths(con, [real.joinpath(*part)], accept_valid=True)
        assert report.written, part
    yield con
    con.close()


def _scope(con) -> metrics.Scope:
    return metrics.Scope(metrics.data_date_range(con)[1], 7)


def page_counts(con, scope: metrics.Scope, region: str | None) -> dict[str, dict]:
    """What each page shows, by page, for the area (the province or one prefecture)."""
    shown: dict[str, dict] = {}
    summary = metrics.region_summary(con, scope)
    shown["overview"] = metrics.totals(con, scope, summary, region)
    areas = summary if region is None else metrics.county_summary(con, scope, region)
    shown["overview_table"] = {c: int(areas[c].sum()) for c in (
        "open_needs", "urgent_open_needs", "hospitals", "hospitals_covered", "communities",
        "communities_covered", "overdue_deliveries")}

    seen = partners.freshness(con, scope, region)
    counts = partners.freshness_counts(seen)
    shown["partners"] = {"active_partners": counts["fresh"],
                         "stale_partners": sum(counts[c] for c in partners.STALE)}

    brief = build_brief(con, scope, "zh", region)
    shown["briefing"] = {h["key"]: h["value"] for h in brief["headline"]}
    shown["briefing_lists"] = {
        "overdue_deliveries": brief["overdue_deliveries"]["count"],
        "stale_partners": sum(brief["partners"]["counts"][c] for c in partners.STALE),
        "active_partners": brief["partners"]["counts"]["fresh"],
    }
    shown["briefing_regions"] = {c: sum(r[c] for r in brief["regions"]) for c in (
        "open_needs", "urgent_open_needs", "hospitals", "hospitals_covered", "overdue_deliveries")}

    open_needs = needs.needs_at(con, scope, region=region)
    shown["needs"] = {"open_needs": len(open_needs),
                      "urgent_open_needs": int((open_needs["priority"] == "urgent").sum())}

    level = "county" if region else "region"
    cov = coverage.coverage_by_area(con, scope, level, region).sum(numeric_only=True)
    shown["coverage"] = {
        "hospitals": int(cov["hospitals"]), "hospitals_covered": int(cov["hospitals_covered"]),
        "communities": int(cov["communities"]),
        "communities_covered": int(cov["communities_covered"]),
        "hospital_coverage": metrics.ratio(cov["hospitals_covered"], cov["hospitals"]),
        "community_coverage": metrics.ratio(cov["communities_covered"], cov["communities"])}

    net = network.build_network(con, scope)
    hubs = network.hub_summary(net, active=set(seen.loc[seen["freshness"] == "fresh", "org_id"]),
                               within=set(seen["org_id"]) if region else None)
    with_hub = seen[seen["hub_id"].isin(set(hubs["hub_id"]))]
    shown["network"] = {"active_partners": int(hubs["active_partners"].sum()),
                        "partners": int(hubs["partners"].sum())}
    shown["partners_with_hub"] = {"active_partners": int((with_hub["freshness"] == "fresh").sum()),
                                  "partners": len(with_hub)}

    money = funding.funding_by_region(con, scope)
    if region:
        money = money[money["region_adcode"] == region]
    shown["funding"] = {"open_needs": int(money["open_needs"].sum())}

    export = research.aggregates(con, scope.as_of, scope.as_of, region=region)
    shown["methods"] = {"open_needs": int(export["needs_open"].sum()),
                        "urgent_open_needs": int(export["urgent_open"].sum())}
    return shown


def assert_agree(shown: dict[str, dict]) -> None:
    """Every count a page shows equals the Overview's, and the pairs that do not involve
    the Overview (the Network's hubs and the Partners page) equal each other."""
    overview = shown["overview"]
    for page in ("overview_table", "partners", "briefing", "briefing_lists", "briefing_regions",
                 "needs", "coverage", "funding", "methods"):
        for key, value in shown[page].items():
            assert value == pytest.approx(overview[key]) if isinstance(value, float) else \
                value == overview[key], (page, key, value, overview[key])
    assert shown["network"] == shown["partners_with_hub"]
    partners_total = shown["partners"]["active_partners"] + shown["partners"]["stale_partners"]
    assert partners_total >= shown["network"]["partners"]


@pytest.mark.slow
@pytest.mark.parametrize("region", AREAS, ids=["province", "wuhan", "huanggang"])
def test_pages_agree_on_the_demo_store(demo_con, region):
    shown = page_counts(demo_con, _scope(demo_con), region)
    assert_agree(shown)
    # Not vacuous: the demo has partners of each area, and needs.
    assert shown["overview"]["open_needs"] > 0 and shown["partners"]["active_partners"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("region", AREAS, ids=["province", "wuhan", "huanggang"])
def test_pages_agree_on_the_demo_store_a_month_earlier(demo_con, region):
    # Mid-outbreak, when partners are both fresh and gone quiet.
    scope = metrics.Scope(date(2020, 2, 19), 7)
    shown = page_counts(demo_con, scope, region)
    assert_agree(shown)


@pytest.mark.slow
@pytest.mark.realworld
@pytest.mark.parametrize("region", AREAS, ids=["province", "wuhan", "huanggang"])
def test_pages_agree_on_the_real_data(real_con, region):
    shown = page_counts(real_con, _scope(real_con), region)
    assert_agree(shown)
    assert shown["overview"]["open_needs"] > 0 and shown["overview"]["hospitals"] > 0


def test_a_regions_numbers_add_up_to_the_province(demo_con):
    scope = _scope(demo_con)
    whole = metrics.totals(demo_con, scope)
    parts = [metrics.totals(demo_con, scope, region=r.adcode) for r in load_registry().prefectures()]
    for key in ("open_needs", "urgent_open_needs", "overdue_deliveries", "hospitals",
                "hospitals_covered", "communities", "communities_covered"):
        assert sum(p[key] for p in parts) == whole[key], key


@pytest.mark.slow
def test_the_rendered_pages_agree_for_a_region(demo_db_path, tmp_path, monkeypatch):
    """The cards the pages print for 黄冈 on the demo store: Overview, Partners, Needs,
    Coverage and the Briefing's chat text show the same numbers."""
    copy = tmp_path / "demo.duckdb"  # the module's read-only connection holds the original
    copy.write_bytes(demo_db_path.read_bytes())
    monkeypatch.setenv("LIFELINE_DB", str(copy))
    params = {"region": HUANGGANG, "as_of": "2020-02-19"}
    cards = {page: {m.label: m.value for m in run_app(page, params).metric}
             for page in ("overview", "partners", "needs", "coverage")}
    overview = cards["overview"]
    for label in ("活跃一线机构", "失联一线机构"):
        assert cards["partners"][label] == overview[label], label
    assert cards["needs"]["未满足需求"] == overview["未满足需求"]
    assert cards["needs"]["其中紧急"] == overview["紧急未满足需求"]
    for label in ("医院覆盖率", "社区/村覆盖率"):
        # The same ratio; the Coverage page prints a decimal the Overview rounds away.
        assert float(cards["coverage"][label].rstrip("%")) == pytest.approx(
            float(overview[label].rstrip("%")), abs=0.5), label
    chat = run_app("briefing", params).code[0].value
    assert "黄冈市晨间简报" in chat
    for label in ("未满足需求", "紧急未满足需求", "活跃一线机构", "失联一线机构", "逾期配送"):
        assert f"- {label}：{overview[label]}（" in chat, label
