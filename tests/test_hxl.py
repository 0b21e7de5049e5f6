"""HXL: hashtag rows in, hashtag rows out, and a round trip through both."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.cli import main
from data_loaders import store
from data_loaders.ingest.formats.hxl import parse_tag
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import SCENARIO

FLAT = ("Hospital,District,Item,Needed,Date\n"
        "#loc+name,#adm2+name,#item+name,#item+needed,#date+reported\n"
        "江汉医院,江汉区,医用防护服,500,2020-02-10\n"
        "江汉医院,江汉区,N95口罩,1000,2020-02-10\n"
        "汉川卫生院,汉川市,84消毒液,20,2020-02-11\n")


def test_parse_tag_ignores_spaces_case_and_attribute_order():
    assert parse_tag("#Item +Needed") == ("#item", frozenset({"needed"}))
    assert parse_tag("#org+id+hub") == parse_tag("#org+hub+id")
    assert parse_tag("Hospital") is None


def test_flat_hxl_needs_become_facilities_and_needs(db):
    report = import_files(db, [SourceFile("needs-hxl.csv", FLAT.encode())])
    assert report.ok, report.problems
    assert report.formats == {"needs-hxl.csv": "hxl"}
    facilities = store.read_table(db, "facilities").set_index("name")
    assert len(facilities) == 2
    assert facilities.loc["汉川卫生院", "region_adcode"] == "420900"
    needs = store.read_table(db, "needs")
    assert sorted(needs["quantity"]) == [20, 500, 1000]
    again = import_files(db, [SourceFile("needs-hxl.csv", FLAT.encode())])
    assert again.ok and store.row_counts(db)["needs"] == 3  # stable ids: nothing doubled


def test_export_with_hashtags_then_import_it_back(tmp_path, capsys):
    db = tmp_path / "a.duckdb"
    assert main(["import", str(SCENARIO), "--db", str(db)]) == 0
    out = tmp_path / "facilities_hxl.csv"
    assert main(["export", "facilities", "--db", str(db), "--hxl", "--out", str(out)]) == 0
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert frame.iloc[0]["facility_id"] == "#loc+id" and frame.iloc[0]["name"] == "#loc+name"
    # Into a fresh store: the hashtags alone say which table and which columns.
    second = store.connect(tmp_path / "b.duckdb")
    report = import_files(second, [SourceFile("anything.csv", out.read_bytes())])
    assert report.ok, report.problems
    assert report.formats == {"anything.csv": "hxl"}
    assert store.row_counts(second)["facilities"] == 6


def test_export_neutralises_formulas(tmp_path, capsys):
    db = tmp_path / "f.duckdb"
    con = store.connect(db)
    import_files(con, [SourceFile("organizations.csv",
                                  b"org_id,name,org_type\nX,=HYPERLINK(1),partner\n")])
    con.close()
    assert main(["export", "organizations", "--db", str(db)]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert frame.loc[0, "name"] == "'=HYPERLINK(1)"
