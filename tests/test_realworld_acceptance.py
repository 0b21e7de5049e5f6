"""Acceptance on real data: the 2020 files, imported through the public command line,
then every page rendered on them. Facts are counted here from the source files."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.analytics import metrics
from dashboard.app.frame import open_page
from data_loaders import store
from tests.conftest import ROOT, realworld_dir

pytestmark = pytest.mark.realworld


def cli(*args):
    done = subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """Every real source imported, in the order a hub would: who, what, then context."""
    real = realworld_dir()
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    cli("import", real / "wuhan2020-orgs", "--db", db)
    # The daily snapshots give each need its life; the 02-19 feed then continues the
    # same needs (and adds what only it has, such as needs written in remarks).
    cli("import", real / "wuhan2020-hospital-needs" / "hospital_needs_history_daily.csv",
        "--db", db)
    cli("import", real / "wuhan2020-hospital-needs" / "fe_2020-02-19", "--db", db)
    cli("import", real / "hubei-cases" / "hubei_17_prefectures_daily.csv", "--db", db)
    cli("import", real / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx", "--db", db)
    return db


@pytest.fixture(scope="module")
def feed_db(tmp_path_factory):
    """The volunteer feed of 2020-02-19 alone: one snapshot, every need 0 days old."""
    db = tmp_path_factory.mktemp("feed") / "feed.duckdb"
    cli("import", realworld_dir() / "wuhan2020-hospital-needs" / "fe_2020-02-19", "--db", db)
    return db


FEED_DAY = date(2020, 2, 19)


def _prefectures_with_open_needs(con) -> set[str]:
    summary = metrics.region_summary(con, metrics.Scope(FEED_DAY))
    return set(summary.loc[summary["open_needs"] > 0, "adcode"])


@pytest.mark.parametrize("store_name", ["feed_db", "real_db"])
def test_the_briefing_ranks_every_prefecture_with_open_needs(store_name, request):
    # 16 prefectures have open needs on 02-19 (none in 神农架): a need reported that day
    # counts, so every one of them has a gap above 0 and a place in the ranking — and
    # Needs and Funding rank them in the same order.
    from dashboard.briefing import build_brief
    from tests.test_allocation import _orders

    con = store.connect(request.getfixturevalue(store_name), read_only=True)
    with_needs = _prefectures_with_open_needs(con)
    assert len(with_needs) >= 16
    brief = build_brief(con, metrics.Scope(FEED_DAY), "zh")
    ranked = {r["adcode"] for r in brief["regions"] if r["gap_rank"] is not None and r["gap_score"] > 0}
    assert with_needs <= ranked
    assert brief["gaps"]["regions"] and brief["gaps"]["regions"][0]["rank"] == 1
    briefing, needs_page, funding_table, funding_what_if = _orders(con, metrics.Scope(FEED_DAY))
    assert briefing == needs_page == funding_table == funding_what_if
    assert len(set(funding_what_if)) >= 16  # not every rank 1: a real ranking
    con.close()


def test_the_first_day_of_the_feed_has_no_earlier_data(feed_db):
    from dashboard.briefing import build_brief, render_markdown

    con = store.connect(feed_db, read_only=True)
    brief = build_brief(con, metrics.Scope(FEED_DAY), "zh")
    assert not brief["compared"]["d1_has_data"]
    assert brief["narrative"][0].endswith("无更早数据可比。")  # not "+2,143 since yesterday"
    assert "+2,143" not in render_markdown(brief, "zh")
    con.close()


def test_no_total_adds_different_units(real_db):
    from dashboard.analytics import funding, needs

    con = store.connect(real_db, read_only=True)
    scope = metrics.Scope(FEED_DAY, 28)
    frame = needs.needs_at(con, scope)
    assert frame["unit"].nunique() > 1  # the feed really mixes 只, 个, 套, 双 ...
    # Counts only where needs of several units meet.
    for dimension in needs.DIMENSIONS:
        by = needs.needs_by(con, scope, dimension)
        assert not {"requested", "delivered", "in_transit", "unmet"} & set(by.columns)
        assert by["open_needs"].sum() == len(frame)
    for level in ("region", "facility"):
        assert "unmet" not in needs.gap_ranking(con, scope, level).columns
    # Quantity totals are per item and unit, and each is the sum of exactly those needs.
    quantified = frame[frame["requested"].notna()].assign(
        item=lambda f: f["item"].fillna("").str.strip(), unit=lambda f: f["unit"].fillna("").str.strip())
    expected = quantified.groupby(["category", "item", "unit"])["requested"].sum()
    totals = needs.quantities_by_item(con, scope).set_index(["category", "item", "unit"])
    assert totals["requested"].to_dict() == pytest.approx(expected.to_dict())
    projection = needs.projection(con, scope)
    assert not projection.duplicated(["region_adcode", "category", "item", "unit"]).any()
    overlaps = funding.overlaps(con, scope)
    assert not overlaps["unit"].str.contains("、").any()  # one unit per duplicated donation
    con.close()


def test_case_counts_match_the_source(real_db):
    with open(realworld_dir() / "hubei-cases" / "hubei_17_prefectures_daily.csv",
              encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    con = store.connect(real_db)
    assert store.row_counts(con)["case_counts"] == len(rows)
    wuhan_0215 = next(r for r in rows
                      if r["date"] == "2020-02-15" and r["prefecture_adcode"] == "420100")
    summary = metrics.region_summary(con, metrics.Scope(date(2020, 2, 15)))
    row = summary.set_index("adcode").loc["420100"]
    assert row["confirmed_cum"] == int(wuhan_0215["confirmed_cum"])


def test_feed_and_snapshots_describe_each_need_once(real_db):
    # Every (facility, standard item) open on 02-19 is one need, whichever source said it.
    con = store.connect(real_db)
    doubled = con.execute(
        "SELECT count(*) FROM (SELECT facility_id, item FROM needs WHERE status = 'open' "
        "AND need_id NOT LIKE '%:remark:%' GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    assert doubled == 0


def test_no_contacts_are_stored(real_db):
    con = store.connect(real_db)
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        columns = [c for c, t in con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
            [table]).fetchall() if t == "VARCHAR"]
        for column in columns:
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE ? '
                               f'OR "{column}" LIKE ?', ["%[redacted]%", "%mobile-redacted%"]
                               ).fetchone()[0]
            assert hits == 0, (table, column)


def test_every_page_renders_the_real_data(real_db, monkeypatch):
    monkeypatch.setenv("LIFELINE_DB", str(real_db))
    for page in (None, "map", "data"):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.query_params["as_of"] = "2020-02-19"
        at.run()
        if page:
            open_page(at, page).run()
        assert not at.exception, (page, [e.message for e in at.exception])


def test_gaps_stay_honest_shennongjia_has_no_data(real_db):
    from datetime import date

    from dashboard.present.charts import NO_DATA_GREY, choropleth
    from geo.boundaries import prefecture_features

    con = store.connect(real_db)
    summary = metrics.region_summary(con, metrics.Scope(date(2020, 2, 19)))
    assert not summary.set_index("adcode").loc["429021", "has_data"]
    fig = choropleth(summary, prefecture_features(), "open_needs", "zh")
    shennongjia = next(trace for trace in fig.data if trace.name == "429021")
    assert shennongjia.fillcolor == NO_DATA_GREY  # grey and labelled "no data", not zero
    assert "无数据" in shennongjia.text


def test_one_import_of_everything_lands_as_the_sequence(real_db, tmp_path):
    # The stages order the files, so one import of every folder at once (in any order)
    # ends where the import a hub would make one by one ends.
    real = realworld_dir()
    db = tmp_path / "once.duckdb"
    cli("import", real / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx",
        real / "wuhan2020-hospital-needs" / "fe_2020-02-19", real / "hubei-cases",
        real / "wuhan2020-hospital-needs" / "hospital_needs_history_daily.csv",
        real / "wuhan2020-orgs", "--db", db)
    once, sequence = store.connect(db, read_only=True), store.connect(real_db, read_only=True)
    assert store.row_counts(once) == store.row_counts(sequence)
    query = "SELECT need_id, status, quantity FROM needs ORDER BY need_id"
    assert once.execute(query).fetchall() == sequence.execute(query).fetchall()
    assert not store.dangling_references(once) and not store.dangling_references(sequence)


def test_a_killed_import_leaves_all_or_nothing(tmp_path):
    # Killed at any moment, an import leaves its deliveries, its review queue and the
    # rest either whole or absent: never some lines queued and the rest lost.
    import os
    import signal
    import time

    real = realworld_dir()
    args = [sys.executable, "-m", "dashboard", "import",
            real / "wuhan2020-hospital-needs" / "fe_2020-02-19",
            real / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx"]
    states = set()
    for delay in (1.2, 1.5, 1.7, 1.9, 2.1, 2.4, 3.0, 60.0):  # the import takes about 2 s
        db = tmp_path / f"kill-{delay}.duckdb"
        proc = subprocess.Popen([*map(str, args), "--db", str(db)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(0.2)
        if not db.exists():
            states.add((0, 0, 0))
            continue
        con = store.connect(db)
        queued = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'review_queue'").fetchone()[0]
        review = con.execute("SELECT count(*) FROM review_queue").fetchone()[0] if queued else 0
        counts = store.row_counts(con)
        states.add((counts["facilities"], counts["deliveries"], review))
        con.close()
    full = max(states)
    assert full[0] > 0 and full[1] > 0 and full[2] > 0  # the unkilled import finished
    assert states <= {(0, 0, 0), full}, states


def test_the_real_imports_on_postgresql_give_the_same_picture(real_db, pg_url):
    # The same files, in the same order, imported into PostgreSQL through the command line:
    # the same rows, the same briefing (as of the feed's day and the day of the cases).
    real = realworld_dir()
    for source in (real / "wuhan2020-orgs",
                   real / "wuhan2020-hospital-needs" / "hospital_needs_history_daily.csv",
                   real / "wuhan2020-hospital-needs" / "fe_2020-02-19",
                   real / "hubei-cases" / "hubei_17_prefectures_daily.csv",
                   real / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx"):
        cli("import", source, "--db", pg_url)
    shared, file = store.connect(pg_url, read_only=True), store.connect(real_db, read_only=True)
    assert store.row_counts(shared) == store.row_counts(file)
    query = "SELECT need_id, status, quantity, reported_on FROM needs ORDER BY need_id"
    assert shared.execute(query).fetchall() == file.execute(query).fetchall()
    for day in ("2020-02-19", "2020-02-10"):
        assert cli("brief", "--db", pg_url, "--as-of", day) == cli("brief", "--db", real_db,
                                                                   "--as-of", day)
    # Every version is kept: the feed continued needs the snapshots began.
    versions = shared.execute("SELECT count(*) FROM needs_history").fetchone()[0]
    assert versions > store.row_counts(shared)["needs"]
