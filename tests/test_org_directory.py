"""Organisation directories: the lists of 2020, turned into organisations."""

from __future__ import annotations

import csv
import subprocess
import sys

import pandas as pd
import pytest

from data_loaders import store
from data_loaders.ingest.formats.org_directory import org_type_for
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import ROOT, realworld_dir

DONATIONS = ("id,org_name,inferred_prefecture_adcode,scope\n"
             "0,荆楚助学基金会,420100,hubei_prefecture\n"
             "1,黄冈市红十字会,421100,hubei_prefecture\n"
             "2,某某校友会,,outside_hubei_or_national\n"
             "3,黄冈市红十字会,421100,hubei_prefecture\n")
LOGISTICS = "id,name,origin,destination\n0,某某快运,全国,武汉\n1,某某航空货运,全国,武汉\n"


@pytest.mark.parametrize("name, expected", [
    ("荆楚助学基金会", "foundation"), ("黄冈市红十字会", "other"), ("孝感市慈善总会", "other"),
    ("罗田县新冠肺炎防控指挥部", "government"), ("顺丰速运", "company"),
    ("某某志愿者协会", "volunteer_team"), ("某某校友会", "other"),
])
def test_types_come_from_the_rule_table(name, expected):
    assert org_type_for(name) == expected


def test_donation_list_and_logistics_list_import(db):
    report = import_files(db, [SourceFile("donation_channels.csv", DONATIONS.encode()),
                               SourceFile("logistics_channels.csv", LOGISTICS.encode())])
    assert report.ok, report.problems
    assert report.formats == {"donation_channels.csv": "org_directory",
                              "logistics_channels.csv": "org_directory"}
    orgs = store.read_table(db, "organizations").set_index("name")
    assert len(orgs) == 5  # the repeated Red Cross entry is one organisation
    assert orgs.loc["荆楚助学基金会", "region_adcode"] == "420100"
    assert pd.isna(orgs.loc["某某校友会", "region_adcode"])  # no region given, none invented
    assert set(orgs.loc[["某某快运", "某某航空货运"], "org_type"]) == {"company"}
    again = import_files(db, [SourceFile("donation_channels.csv", DONATIONS.encode())])
    assert again.ok and store.row_counts(db)["organizations"] == 5  # nothing duplicated


@pytest.mark.realworld
def test_real_directories_through_the_cli(tmp_path):
    folder = realworld_dir() / "wuhan2020-orgs"
    db = tmp_path / "orgs.duckdb"
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(folder), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = set()
    for file, column in (("donation_channels.csv", "org_name"), ("logistics_channels.csv", "name")):
        with open(folder / file, encoding="utf-8") as handle:
            names |= {" ".join(r[column].split()) for r in csv.DictReader(handle) if r[column].strip()}
    con = store.connect(db)
    assert store.row_counts(con)["organizations"] == len(names)
    # Regions the list inferred are kept: every inferred prefecture is one of Hubei's.
    with open(folder / "donation_channels.csv", encoding="utf-8") as handle:
        inferred = {r["inferred_prefecture_adcode"] for r in csv.DictReader(handle)} - {""}
    stored = {r[0] for r in con.execute("SELECT DISTINCT region_adcode FROM organizations "
                                        "WHERE region_adcode IS NOT NULL").fetchall()}
    assert stored == inferred
