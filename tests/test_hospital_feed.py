"""The wuhan2020 hospital supply-needs feed: inline fixtures, then the real feed via the CLI."""

from __future__ import annotations

import collections
import csv
import hashlib
import json
import re
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from data_loaders.ingest import readers, validation
from data_loaders.ingest.formats import ImportContext, Note, choose
from data_loaders.ingest.formats.hospital_feed import (
    HospitalFeedFormat,
    facility_type,
    parse_piece,
    parse_remark,
)
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import ROOT, realworld_dir

FMT = HospitalFeedFormat()
PATH = "fe_2020-02-19/wuhanshi.json"


def fid(key: str) -> str:
    """The documented id rule, spelled out independently of the code."""
    return "W2020-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


RECORDS = [
    {"id": 0, "province": "湖北", "city": "武汉市", "district": "江岸区", "name": "武汉市第一医院",
     "supplies": [{"key": "防护服", "value": 1, "specification": "GB 19082-2009"},
                  {"key": "医用防护口罩 | N95口罩", "value": 5000}],
     "address": "武汉市江岸区某路1号", "url": "http://example.org/1",
     "remark": "奥司他韦胶囊 500盒\r\n防护面罩中全面型呼吸防护型500\r\n联系人：张三 13912345678",
     "contacts": [{"name": "张三", "tel": "13912345678"}]},
    # The same hospital again (trailing tab, as in the feed): one facility, needs merged.
    {"id": 1, "province": "湖北", "city": "武汉市", "district": "江岸区", "name": "武汉市第一医院\t",
     "supplies": [{"key": "防护服", "value": 2000}, {"key": "84消毒液", "value": None}],
     "remark": "", "contacts": []},
    {"id": 2, "province": "湖北", "city": "武汉市", "district": "江岸区", "name": "武汉市红十字会",
     "supplies": [], "remark": "账号：567757550053", "contacts": [{"name": "[redacted]"}]},
]
DATA = json.dumps(RECORDS, ensure_ascii=False).encode("utf-8")
HOSPITAL = fid("武汉市|江岸区|武汉市第一医院")
RED_CROSS = fid("武汉市|江岸区|武汉市红十字会")


def test_sniff_takes_the_feed_and_nothing_else():
    assert FMT.sniff("x.json", DATA)
    assert choose("wuhanshi.json", DATA).name == "hospital_feed"
    template = json.dumps([{"need_id": "N1", "facility_id": "F1"}]).encode()
    assert not FMT.sniff("needs.json", template)
    assert not FMT.sniff("x.csv", b"snapshot_date,commit,need:x\n")


def test_convert_gives_exact_facilities_needs_and_notes():
    conv = FMT.convert("wuhanshi.json", DATA, ImportContext(path=PATH))
    facilities, needs = (t.frame for t in conv.tables)
    assert facilities.to_dict("records") == [
        {"facility_id": HOSPITAL, "name": "武汉市第一医院", "facility_type": "hospital",
         "region": "420102", "designated": None},
        {"facility_id": RED_CROSS, "name": "武汉市红十字会", "facility_type": "other",
         "region": "420102", "designated": None},
    ]
    assert conv.tables[0].rows == [1, 3]
    oseltamivir = hashlib.sha1("奥司他韦胶囊".encode()).hexdigest()[:6]
    got = {r["need_id"]: (r["category"], r["item"], r["quantity"], r["unit"], r["status"],
                          r["reported_on"]) for r in needs.to_dict("records")}
    day = "2020-02-19"
    assert got == {
        # 1 in the first record, 2000 in the duplicate: one need, the larger quantity.
        f"{HOSPITAL}:coverall": ("ppe", "防护服", 2000.0, "套", "open", day),
        f"{HOSPITAL}:mask_n95": ("ppe", "医用防护口罩 | N95口罩", 5000.0, "只", "open", day),
        f"{HOSPITAL}:disinfectant_84": ("disinfection", "84消毒液", None, None, "open", day),
        f"{HOSPITAL}:remark:oseltamivir-{oseltamivir}": ("medicine", "奥司他韦胶囊", 500.0, "盒",
                                                          "open", day),
    }
    assert conv.notes == [
        Note("remark_kept", "武汉市 武汉市第一医院", "防护面罩中全面型呼吸防护型500"),
        Note("remark_kept", "武汉市 武汉市红十字会", "账号:567757550053"),
        Note("contacts_dropped", count=1),
    ]
    everything = json.dumps([t.frame.to_dict("records") for t in conv.tables]
                            + [str(n) for n in conv.notes], ensure_ascii=False)
    assert "张三" not in everything and "13912345678" not in everything
    assert "redacted" not in everything and "example.org" not in everything


def test_converted_tables_validate_cleanly():
    conv = FMT.convert("wuhanshi.json", DATA, ImportContext(as_of=date(2020, 2, 1)))
    result = validation.validate(conv.tables)
    assert result.ok, result.problems
    assert result.frames["facilities"]["region"].tolist() == ["江岸区", "江岸区"]
    assert result.frames["facilities"]["region_adcode"].tolist() == ["420100", "420100"]
    assert set(result.frames["needs"]["reported_on"].dt.date) == {date(2020, 2, 1)}


def test_a_feed_without_a_date_is_refused():
    with pytest.raises(readers.ReadError) as exc:
        FMT.convert("wuhanshi.json", DATA, ImportContext(path="wuhanshi.json"))
    assert exc.value.code == "needs_date"


def test_importing_the_same_snapshot_twice_changes_nothing(db):
    files = [SourceFile("wuhanshi.json", DATA, path=PATH)]
    first = import_files(db, files)
    assert first.ok, first.problems
    before = db.execute("SELECT * FROM needs ORDER BY need_id").fetchall()
    second = import_files(db, files)
    assert second.ok
    assert db.execute("SELECT * FROM needs ORDER BY need_id").fetchall() == before
    assert db.execute("SELECT count(*) FROM facilities").fetchone()[0] == 2


@pytest.mark.parametrize("piece, expected", [
    ("奥司他韦胶囊 500盒", ("奥司他韦胶囊", "oseltamivir", 500.0, "盒")),
    ("N95口罩4千", ("N95口罩", "mask_n95", 4000.0, None)),
    ("乳胶手套5000", ("乳胶手套", "latex_gloves", 5000.0, None)),
    ("呼吸机3台(感染患者急用)", ("呼吸机", "ventilator", 3.0, "台")),
    ("过氧化氢气溶胶智能消毒机 10", None),  # two items named: never guessed
    ("雨衣雨鞋2000套", None),
    ("酒精棉球或棉布5万份", None),  # "or"
    ("医用面屏：1", None),  # 1 is the feed's flag, not a count
    ("生化分析仪800份测速机5台", None),  # a second quantity inside
    ("账号：563866094661", None),
    ("电梯一部", None),
])
def test_parse_piece(piece, expected):
    got = parse_piece(piece)
    if expected is None:
        assert got is None
    else:
        item_text, item, quantity, unit = got
        assert (item_text, item.code, quantity, unit) == expected


def test_parse_remark_marks_urgency_designation_and_drops_contacts():
    remark = parse_remark(
        "定点救治医疗机构\n急缺防护服\n补充：李老师 [mobile-redacted]\nA3、呼吸机3台(急用)；")
    assert remark.designated and remark.dropped_contact_lines == 1
    assert remark.urgent_codes == {"coverall", "ventilator"} and not remark.urgent_all
    assert [(n.item.code, n.quantity, n.urgent) for n in remark.needs] == [("ventilator", 3.0, True)]
    assert remark.notes == ["急缺防护服"]


@pytest.mark.parametrize("name, expected", [
    ("湖北省红十字会", "other"), ("协和武汉红十字会医院", "hospital"), ("罗田县慈善会", "other"),
    ("中建三局三公司（抢建火神山项目部）", "other"), ("石牌岭方舱医院", "makeshift_hospital"),
    ("共青团随州市委", "other"), ("湖北理工学院", "other"), ("武汉大学人民医院", "hospital"),
    ("蕲春县刘河镇卫生院", "hospital"), ("阳新县疾控中心", "other"), ("某某指挥部", "other"),
    ("青山区钢花村街社区卫生服务中心", "hospital"), ("某某商店", "other"),
])
def test_facility_type_rules(name, expected):
    assert facility_type(name)[0] == expected


# -- the real feed, through the command line ---------------------------------------------
def _feed():
    folder = realworld_dir() / "wuhan2020-hospital-needs" / "fe_2020-02-19"
    records = []
    for path in sorted(folder.glob("*.json")):
        records.extend(json.loads(path.read_text(encoding="utf-8")))
    return folder, records


def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _simple_type(name: str) -> str:
    """An independent classification, deliberately written differently from the rule table."""
    if "方舱" in name:
        return "makeshift_hospital"
    if name.endswith("红十字会医院"):
        return "hospital"
    words = ("红十字", "慈善", "疾控", "疾病预防", "共青团", "项目部")
    if any(w in name for w in words) or name == "湖北理工学院":
        return "other"
    return "hospital"


@pytest.fixture(scope="module")
def feed_db(tmp_path_factory):
    folder, records = _feed()
    db = tmp_path_factory.mktemp("feed") / "feed.duckdb"
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(folder), "--db", str(db),
                           "--as-of", "2020-02-19"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(db), read_only=True)
    yield con, records, done
    con.close()


def _prefecture_codes() -> dict[str, str]:
    path = realworld_dir() / "hubei-admin" / "hubei_prefecture_name_variants.csv"
    with path.open(encoding="utf-8") as handle:
        return {row["name_full"]: row["adcode"] for row in csv.DictReader(handle)}


def _facility_keys(records) -> dict[tuple, str]:
    # Identity is (city, district, name): in Suizhou two different branches are both
    # called just 红十字会 (曾都区 and 广水市), which (city, name) alone would merge.
    return {(r["city"], _norm(r["district"]), _norm(r["name"])): _norm(r["name"]) for r in records}


@pytest.mark.realworld
def test_real_feed_facilities_per_prefecture_and_type(feed_db):
    con, records, _ = feed_db
    codes = _prefecture_codes()
    keys = _facility_keys(records)
    expected = collections.Counter(codes[city] for city, _, _ in keys)
    got = dict(con.execute("SELECT region_adcode, count(*) FROM facilities GROUP BY 1").fetchall())
    assert got == dict(expected)
    assert sum(got.values()) == 222 and len(records) == 227
    assert "429021" not in got  # Shennongjia sent no record
    types = collections.Counter(_simple_type(name) for name in keys.values())
    got_types = dict(con.execute("SELECT facility_type, count(*) FROM facilities GROUP BY 1").fetchall())
    assert got_types == dict(types)


@pytest.mark.realworld
def test_real_feed_needs_per_item(feed_db):
    con, records, _ = feed_db
    pairs = set()
    for r in records:
        for s in r["supplies"]:
            if s.get("value") is None or s["value"] > 0:
                pairs.add((r["city"], _norm(r["district"]), _norm(r["name"]), s["key"]))
    expected = collections.Counter(key for *_, key in pairs)
    got = dict(con.execute("SELECT item, count(*) FROM needs WHERE need_id NOT LIKE '%:remark:%' "
                           "GROUP BY 1").fetchall())
    assert got == dict(expected)
    assert con.execute("SELECT count(DISTINCT reported_on), min(reported_on) FROM needs").fetchone() == (
        1, date(2020, 2, 19))
    remark_needs = con.execute("SELECT count(*) FROM needs WHERE need_id LIKE '%:remark:%'").fetchone()[0]
    assert remark_needs > 0


@pytest.mark.realworld
def test_real_feed_stores_no_contact_anywhere(feed_db):
    con, records, done = feed_db
    assert any("[mobile-redacted]" in (r.get("remark") or "") for r in records)  # the test can fail
    columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE data_type = 'VARCHAR'").fetchall()
    for table, column in columns:
        hits = con.execute(
            f"SELECT count(*) FROM {table} WHERE regexp_matches({column}, "
            r"'redacted|mobile|1[3-9][0-9]{9}|老师|联系人')").fetchone()[0]
        assert hits == 0, (table, column)
    assert "redacted" not in done.stdout + done.stderr


@pytest.mark.realworld
def test_real_feed_reimport_changes_nothing(feed_db, tmp_path):
    con, _, _ = feed_db
    folder, _ = _feed()
    db = tmp_path / "twice.duckdb"
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(folder), "--db", str(db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr  # dated by its folder, fe_2020-02-19
    other = duckdb.connect(str(db), read_only=True)
    try:
        for table in ("facilities", "needs"):
            query = f"SELECT * FROM {table} ORDER BY 1"
            assert other.execute(query).fetchall() == con.execute(query).fetchall()
    finally:
        other.close()
