"""Research exports: aggregates by prefecture × day × category, checked by hand against
the scenario (tests/data/scenario/README.md), suppressed, with provenance, and free of
names and contacts."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard import __version__
from dashboard.analytics import research
from dashboard.analytics.dictionary import data_dictionary, dictionary_markdown
from dashboard.analytics.metrics import Scope, region_summary
from dashboard.cli import main
from data_loaders import store
from data_loaders.store import schema
from tests.conftest import BOTH, SCENARIO, writer
from tests.test_suppression import sensitive_recovered

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN = "420100", "420900"
D = date(2020, 2, 15)


def cell(frame, day, region, category):
    row = frame[(frame["date"] == day) & (frame["region_adcode"] == region)
                & (frame["category"] == category)]
    assert len(row) == 1, (day, region, category)
    return row.iloc[0]


def test_the_grid_covers_every_day_prefecture_and_category(scenario_db):
    frame = research.aggregates(scenario_db)
    # The data runs from 2020-02-01 (N2, D2, A2) to 2020-02-20 (N6/N7 closed): 20 days,
    # 17 prefectures, 12 categories plus "all".
    assert frame["date"].min() == date(2020, 2, 1) and frame["date"].max() == date(2020, 2, 20)
    assert len(frame) == 20 * 17 * 13
    assert list(frame.columns) == research.COLUMNS
    assert not frame.duplicated(["date", "region_adcode", "category"]).any()
    assert cell(frame, D, WUHAN, "ppe")["region_name_zh"] == "武汉市"
    assert cell(frame, D, WUHAN, "ppe")["region_name_en"] == "Wuhan"


def test_needs_by_hand(scenario_db):
    frame = research.aggregates(scenario_db)
    ppe = cell(frame, D, WUHAN, "ppe")  # N1 open and urgent; N6 cancelled never counts
    assert (ppe["needs_open"], ppe["urgent_open"], ppe["needs_reported"]) == (1, 1, 0)
    medicine = cell(frame, D, WUHAN, "medicine")  # N2 closed 02-12; N7 closes 02-20
    assert (medicine["needs_open"], medicine["urgent_open"]) == (1, 0)
    assert cell(frame, date(2020, 2, 12), WUHAN, "medicine")["needs_closed"] == 1
    assert cell(frame, date(2020, 2, 11), WUHAN, "medicine")["needs_open"] == 2
    # N3 is reported 02-14 and closed on D: open on the 14th, not on the 15th.
    food_14, food_15 = cell(frame, date(2020, 2, 14), WUHAN, "food"), cell(frame, D, WUHAN, "food")
    assert (food_14["needs_reported"], food_14["needs_open"]) == (1, 1)
    assert (food_15["needs_closed"], food_15["needs_open"]) == (1, 0)
    xg_food = cell(frame, D, XIAOGAN, "food")  # N4 at 王家湾村 (汉川 → 孝感), reported on D
    assert (xg_food["needs_reported"], xg_food["needs_open"], xg_food["urgent_open"]) == (1, 1, 1)
    assert cell(frame, D, XIAOGAN, "ppe")["needs_open"] == 0  # N5 comes on 02-16
    assert cell(frame, date(2020, 2, 16), XIAOGAN, "ppe")["urgent_open"] == 1
    last = cell(frame, date(2020, 2, 20), WUHAN, "medicine")  # N7 met on 02-20
    assert (last["needs_closed"], last["needs_open"]) == (1, 0)
    # Cancelled N6 (closed 02-20) is neither reported nor closed.
    assert cell(frame, date(2020, 2, 20), WUHAN, "ppe")["needs_closed"] == 0
    assert cell(frame, date(2020, 2, 5), WUHAN, "ppe")["needs_reported"] == 0
    # Totals on D agree with the Overview: 3 open, 2 urgent.
    on_d = frame[(frame["date"] == D) & (frame["category"] != "all")]
    assert on_d["needs_open"].sum() == 3 and on_d["urgent_open"].sum() == 2


def test_open_needs_follow_reported_minus_closed(scenario_db):
    frame = research.aggregates(scenario_db)
    needs = frame[frame["category"] != "all"].sort_values(["region_adcode", "category", "date"])
    previous = needs.groupby(["region_adcode", "category"])["needs_open"].shift()
    step = previous + needs["needs_reported"] - needs["needs_closed"]
    assert (needs["needs_open"][previous.notna()] == step[previous.notna()]).all()


def test_needs_open_agrees_with_the_overview_on_every_day(scenario_db):
    frame = research.aggregates(scenario_db)
    for day in (date(2020, 2, 1), date(2020, 2, 10), D, date(2020, 2, 20)):
        summary = region_summary(scenario_db, Scope(day)).set_index("adcode")
        ours = frame[(frame["date"] == day) & (frame["category"] != "all")].groupby(
            "region_adcode")[["needs_open", "urgent_open"]].sum()
        assert (ours["needs_open"] == summary.loc[ours.index, "open_needs"]).all()
        assert (ours["urgent_open"] == summary.loc[ours.index, "urgent_open_needs"]).all()


def test_deliveries_and_activities_by_hand(scenario_db):
    frame = research.aggregates(scenario_db)
    masks = cell(frame, D, WUHAN, "ppe")  # D7: 1000 masks to the warehouse W1
    assert (masks["deliveries_delivered"], masks["quantity_delivered"],
            masks["facilities_reached"]) == (1, 1000.0, 1)
    assert cell(frame, date(2020, 2, 12), WUHAN, "medicine")["quantity_delivered"] == 500.0
    assert cell(frame, date(2020, 2, 8), WUHAN, "food")["deliveries_delivered"] == 1
    assert cell(frame, date(2020, 2, 17), XIAOGAN, "ppe")["quantity_delivered"] == 300.0
    # In transit (D3, D6) and failed (D5) deliveries are not delivered.
    assert frame["deliveries_delivered"].sum() == 4
    a1 = cell(frame, date(2020, 2, 14), WUHAN, "all")
    assert (a1["activity_reports"], a1["people_served"], a1["volunteers"]) == (1, 120, 8)
    assert pd.isna(a1["needs_open"]) and pd.isna(cell(frame, D, WUHAN, "ppe")["people_served"])
    assert frame["people_served"].sum() == 170 and frame["volunteers"].sum() == 13


def test_filters_keep_rows_without_changing_numbers(scenario_db):
    whole = research.aggregates(scenario_db)
    one = research.aggregates(scenario_db, date(2020, 2, 14), D, region=WUHAN, category="food")
    assert len(one) == 2 and set(one["region_adcode"]) == {WUHAN}
    assert one["needs_open"].tolist() == [1, 0]
    same = whole[(whole["region_adcode"] == WUHAN) & (whole["category"] == "food")
                 & whole["date"].between(date(2020, 2, 14), D)]
    pd.testing.assert_frame_equal(one, same.reset_index(drop=True))


def test_small_counts_are_suppressed_with_their_complement(scenario_db):
    # A3 (02-10, 武汉) has 2 volunteers, A2 (02-01, 孝感) 3: alone on their day, whose
    # total is itself below 5, so "<5" needs no complement.
    published, meta = research.research_aggregates(scenario_db)
    assert cell(published, date(2020, 2, 10), WUHAN, "all")["volunteers"] == "<5"
    assert cell(published, date(2020, 2, 1), XIAOGAN, "all")["volunteers"] == "<5"
    assert cell(published, date(2020, 2, 14), WUHAN, "all")["people_served"] == 120
    assert cell(published, date(2020, 2, 14), WUHAN, "all")["volunteers"] == 8
    assert meta["suppression"]["cells_suppressed"] == 2
    # Add 3 people served in 孝感 on 02-14: with 武汉's 120 the day's total (123) would
    # give the 3 away, so 120 is hidden too.
    with writer(scenario_db) as con:
        store.write(con, {"activities": pd.DataFrame([{
            "report_id": "A9", "org_id": "P2", "reported_on": date(2020, 2, 14),
            "region": "孝感", "region_adcode": XIAOGAN, "activity_type": "hotline",
            "people_served": 3, "volunteers": 0}])})
    raw = research.aggregates(scenario_db)
    published, meta = research.research_aggregates(scenario_db)
    assert cell(published, date(2020, 2, 14), XIAOGAN, "all")["people_served"] == "<5"
    assert cell(published, date(2020, 2, 14), WUHAN, "all")["people_served"] == "x"
    assert sensitive_recovered(published, raw, "people_served", research.SUPPRESSION_GROUPS) == {}
    assert sensitive_recovered(published, raw, "volunteers", research.SUPPRESSION_GROUPS) == {}
    # A filtered export shows exactly the cells of the whole one.
    only_wuhan, _ = research.research_aggregates(scenario_db, region=WUHAN, category="all")
    assert cell(only_wuhan, date(2020, 2, 14), WUHAN, "all")["people_served"] == "x"


def test_the_demo_export_gives_no_small_count_away(demo_db_path):
    con = store.connect(demo_db_path, read_only=True)
    raw = research.aggregates(con)
    published, meta = research.research_aggregates(con)
    con.close()
    for col in research.PEOPLE_COLUMNS:
        small = raw[col].between(1, 4).fillna(False).astype(bool)
        assert small.any(), col  # the demo has small counts to protect
        assert published.loc[small, col].isin(["<5", "x"]).all()
        assert sensitive_recovered(published, raw, col, research.SUPPRESSION_GROUPS) == {}
    assert meta["suppression"]["cells_suppressed"] > 0


def test_provenance_lists_the_imports_and_the_parameters(scenario_db):
    _, meta = research.research_aggregates(scenario_db, end=D, region=WUHAN, threshold=7)
    assert meta["as_of"] == "2020-02-15"
    assert meta["window"] == {"start": "2020-02-01", "end": "2020-02-15"}
    assert meta["filters"] == {"region_adcode": WUHAN, "category": None}
    assert meta["suppression"]["threshold"] == 7
    assert meta["suppression"]["primary_marker"] == "<7"
    assert meta["app_version"] == __version__ and __version__ != "0+unknown"
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SCENARIO.glob("*.csv")}
    logged = {i["file_name"].rsplit("/", 1)[-1]: i["sha256"] for i in meta["imports"]}
    assert logged == files
    assert all(i["imported_at"] for i in meta["imports"])
    json.dumps(meta)  # JSON-ready


def test_csv_has_the_hxl_row_under_the_header(scenario_db, tmp_path):
    frame, meta = research.research_aggregates(scenario_db)
    out = tmp_path / "aggregates.csv"
    side = research.write_export(frame, meta, "csv", out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == research.COLUMNS
    assert rows[1] == [c.hxl for c in research.AGGREGATE_COLUMNS]
    assert all(tag.startswith("#") for tag in rows[1])
    assert len(rows) == len(frame) + 2
    assert side.name == "aggregates.csv.meta.json"
    assert json.loads(side.read_text(encoding="utf-8"))["format"] == "csv"


def test_parquet_round_trip_keeps_values_and_provenance(scenario_db, tmp_path):
    frame, meta = research.research_aggregates(scenario_db)
    out = tmp_path / "aggregates.parquet"
    side = research.write_export(frame, meta, "parquet", out)
    back = pq.read_table(out).to_pandas()
    assert list(back.columns) == research.COLUMNS and len(back) == len(frame)
    assert back["date"].tolist() == frame["date"].tolist()
    assert back["needs_open"].tolist() == frame["needs_open"].tolist()
    assert back["volunteers"].dropna().tolist() == [str(v) for v in frame["volunteers"].dropna()]
    stored = research.read_parquet_provenance(out)
    assert stored == json.loads(side.read_text(encoding="utf-8"))
    assert stored["imports"] and stored["format"] == "parquet"


def test_exports_hold_no_names_contacts_or_free_text(demo_db_path, tmp_path):
    con = store.connect(demo_db_path, read_only=True)
    frame, meta = research.research_aggregates(con)
    names = set(con.execute("SELECT name FROM organizations UNION SELECT name FROM facilities")
                .fetchnumpy()["name"].tolist())
    items = set(con.execute("SELECT DISTINCT item FROM needs WHERE item IS NOT NULL "
                            "UNION SELECT DISTINCT item FROM deliveries WHERE item IS NOT NULL")
                .fetchnumpy()["item"].tolist())
    con.close()
    texts = []
    for fmt in research.FORMATS:
        out = tmp_path / f"a.{fmt}"
        side = research.write_export(frame, meta, fmt, out)
        texts.append(side.read_text(encoding="utf-8"))
        texts.append(pq.read_table(out).to_pandas().to_csv() if fmt == "parquet"
                     else out.read_text(encoding="utf-8-sig"))
    # The same few thousand values repeat: scan each distinct piece once.
    text = "\n".join(sorted(set(re.split(r'[,\n"{}\[\]]', "\n".join(texts)))))
    # Mobile numbers (1[3-9] + 9 digits) and landlines (027-12345678, (027) 8765 4321).
    phone = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}[- )]\s?\d{7,8}|\d{3,4}[ -]\d{4}[ -]\d{4})(?!\d)")
    assert not phone.findall(text)
    cells = {v for v in frame.astype(str).to_numpy().ravel()}
    assert not cells & (names | items)
    assert not [n for n in names if len(n) >= 3 and n in text]
    assert set(frame.columns) == set(research.COLUMNS)  # no org, facility or item column


def test_the_dictionary_covers_every_schema_and_export_column():
    for lang in ("zh", "en"):
        dictionary = data_dictionary(lang)
        listed = set(zip(dictionary["table"], dictionary["column"]))
        for table in schema.TABLES.values():
            for column in table.columns:
                assert (table.name, column.name) in listed, (table.name, column.name)
        assert [c for t, c in listed if t == "aggregates"] != []
        exported = dictionary[dictionary["table"] == "aggregates"]["column"].tolist()
        assert exported == research.COLUMNS
        assert dictionary["description"].str.len().gt(0).sum() > len(dictionary) * 0.7
        assert not dictionary["hxl"].eq("").any()
    en = data_dictionary("en").set_index(["table", "column"])
    assert en.loc[("needs", "category"), "allowed_values"].startswith("ppe (PPE)")
    assert en.loc[("needs", "facility_id"), "description"] == "Refers to an id in Facilities"
    assert en.loc[("facilities", "region"), "required"]
    assert "<5" in en.loc[("aggregates", "people_served"), "description"]


def test_dictionary_markdown_has_a_table_per_table():
    text = dictionary_markdown("zh")
    assert text.startswith("# 数据字典")
    for table in [*schema.TABLES, "aggregates"]:
        assert f"(`{table}`)" in text
    assert "| `need_id` | 需求编号 |" in text


def test_cli_exports_aggregates_and_the_dictionary(scenario_db, tmp_path, capsys, monkeypatch):
    db = store.location()
    scenario_db.close()
    out = tmp_path / "agg.csv"
    assert main(["export", "aggregates", "--db", db, "--region", "武汉", "--category", "食品",
                 "--start", "2020-02-14", "--end", "2020-02-15", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["date"] == "#date"
    assert [(r["date"], r["needs_open"]) for r in rows[1:]] == [("2020-02-14", "1"),
                                                               ("2020-02-15", "0")]
    meta = json.loads((tmp_path / "agg.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["filters"] == {"region_adcode": WUHAN, "category": "food"}
    assert meta["as_of"] == "2020-02-15" and meta["suppression"]["threshold"] == 5

    parquet = tmp_path / "agg.parquet"
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "10")  # the hub's policy
    assert main(["export", "aggregates", "--db", db, "--format", "parquet",
                 "--out", str(parquet)]) == 0
    assert research.read_parquet_provenance(parquet)["suppression"]["threshold"] == 10
    monkeypatch.delenv("LIFELINE_SMALL_CELL_THRESHOLD")
    assert pq.read_table(parquet).num_rows == 20 * 17 * 13

    capsys.readouterr()
    assert main(["export", "aggregates", "--db", db, "--format", "json", "--category", "all",
                 "--region", "420900"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meta"]["imports"] and {r["category"] for r in data["data"]} == {"all"}
    assert data["data"][0]["volunteers"] == "<5"  # 02-01, A2: 3 volunteers

    assert main(["export", "dictionary", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("# Data dictionary")
    assert main(["export", "dictionary", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("table,column,name_zh")


@pytest.mark.parametrize("args, message", [
    (["--format", "parquet"], "needs --out"),
    (["--region", "大治市"], "unknown prefecture"),
    (["--region", "北京"], "unknown prefecture"),
    (["--category", "guns"], "unknown category"),
    (["--threshold", "2"], "the small-cell threshold is the hub's policy"),
    (["--start", "2020-02-20", "--end", "2020-02-01"], "after end"),
])
def test_cli_refuses_bad_requests(scenario_db, args, message, capsys):
    db = store.location()
    scenario_db.close()
    assert main(["export", "aggregates", "--db", db, *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_keeps_the_table_exports(scenario_db, capsys):
    db = store.location()
    scenario_db.close()
    assert main(["export", "needs", "--db", db, "--as-of", "2020-02-15", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["export", "facilities", "--db", db, "--hxl"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("#loc+id")
    assert main(["export", "facilities", "--db", db, "--format", "md"]) == 2


@pytest.mark.parametrize(("configured", "used"), [
    (None, 5), ("10", 10), ("3", 3), ("2", 3), ("0", 3), ("-4", 3), ("five", 5), (" 7 ", 7)])
def test_the_small_cell_threshold_is_the_hubs_policy_with_a_floor(monkeypatch, configured, used):
    """Whoever exports cannot choose it (two thresholds would reveal the hidden counts);
    the hub's configuration can raise it but never below the floor of 3."""
    from dashboard.analytics.suppression import THRESHOLD_FLOOR, policy_threshold

    if configured is None:
        monkeypatch.delenv("LIFELINE_SMALL_CELL_THRESHOLD", raising=False)
    else:
        monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", configured)
    assert THRESHOLD_FLOOR == 3 and policy_threshold() == used


def test_the_audit_records_the_threshold_of_each_research_export(scenario_db, tmp_path, monkeypatch):
    from dashboard.access import audit

    db = store.location()
    scenario_db.close()
    monkeypatch.setenv("LIFELINE_SMALL_CELL_THRESHOLD", "8")
    assert main(["export", "aggregates", "--db", db, "--out", str(tmp_path / "a.csv")]) == 0
    newest = audit.entries()[0]
    assert (newest["action"], newest["what"], newest["threshold"]) == ("export", "aggregates", 8)
