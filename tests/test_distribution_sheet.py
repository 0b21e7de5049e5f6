"""The official distribution sheet: spec interpretation, a tiny hand-made sheet, the real one."""

from __future__ import annotations

import importlib
import io
import re
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook

from data_loaders import store
from data_loaders.ingest import formats
from data_loaders.ingest.formats import ImportContext, choose
from data_loaders.ingest.formats.distribution_sheet import SUPPLIER, DistributionSheetFormat
from data_loaders.ingest.importer import SourceFile, import_files, import_paths
from data_loaders.ingest.quantities_spec import interpret_spec
from data_loaders.ingest.review import enqueue, pending
from tests.conftest import realworld_dir

FMT = DistributionSheetFormat()
# Importing a format module registers it, after which formats._load_builtin() believes
# the registry is loaded; import every built-in so the registry is complete anyway.
for _module in formats.BUILTIN:
    importlib.import_module(f"data_loaders.ingest.formats.{_module}")


# -- specs ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec, unit, quantity, expected", [
    ("50箱（*1000）", "箱", 50, (50000.0, "个", True)),
    ("80箱*100", "箱", 80, (8000.0, "个", True)),
    ("规格 1000只/箱", "箱", 3, (3000.0, "只", True)),
    ("200个/箱", "箱", 5, (1000.0, "个", True)),
    ("\u200b", "件", 7, (7.0, "件", True)),  # blank spec: the quantity stands as written
])
def test_certain_specs(spec, unit, quantity, expected):
    assert interpret_spec(spec, unit, quantity) == expected


@pytest.mark.parametrize("spec, unit, quantity", [
    ("50箱（*1000）", "件", 1),  # 1 件 of a 50-box lot? the quantity does not restate it
    ("500ml*30瓶", "件", 20),  # a size times a count: per 件 is not written
    ("200个/箱", "件", 5),  # per 箱, but counted in 件
    ("33*27*28", "件", 4),  # carton dimensions
    ("S小号", "件", 7),
])
def test_uncertain_specs_are_not_guessed(spec, unit, quantity):
    assert interpret_spec(spec, unit, quantity) == (None, None, False)


# -- a tiny sheet built here ---------------------------------------------------------

def tiny_sheet() -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    rows = [
        ["某区红十字会发放物资一览表", None, None, None, None],
        [43860, None, None, None, None],  # Excel serial of 2020-01-30
        [None] * 5,
        ["接收单位", "品名", "规格", "计量单位", "数量"],
        ["武汉市金银潭医院", "手套（日本）", "50箱（*1000）", "箱", 50],  # row 5
        [None, "医用\u200b口罩\u00a0\u00a0N95", "\u200b", "件", 2],  # forward-filled
        ["华中科技大学同济医学院附属", "N95口罩", None, "箱", 10],  # row 7
        ["同济医院", None, None, None, None],  # the wrapped rest of the name
        [None, "84消毒液", "500ml*30瓶", "件", 20],  # row 9
        ["水务集团", "消毒片", None, "桶", 348],  # row 10: not a facility
    ]
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FACILITIES_CSV = (
    "facility_id,name,facility_type,region\n"
    "F-JYT,武汉市金银潭医院,hospital,武汉市\n"
    "F-TJ,华中科技大学同济医学院附属同济医院,hospital,武汉市\n"
    "F-XH,华中科技大学同济医学院附属协和医院,hospital,武汉市\n"
)


@pytest.fixture
def facilities_db(db):
    report = import_files(db, [SourceFile("facilities.csv", FACILITIES_CSV.encode())])
    assert report.ok, report.problems
    return db


def test_sniff():
    assert FMT.sniff("x.xlsx", tiny_sheet())
    assert choose("x.xlsx", tiny_sheet()).name == "distribution_sheet"
    assert not FMT.sniff("x.csv", b"facility_id,name\n")
    book = Workbook()
    book.active.append(["facility_id", "name"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert not FMT.sniff("facilities.xlsx", buffer.getvalue())


def test_convert_tiny_sheet(facilities_db):
    conversion = FMT.convert("list.xlsx", tiny_sheet(), ImportContext(con=facilities_db))
    tables = {raw.table.name: raw for raw in conversion.tables}
    org = tables["organizations"].frame.iloc[0]
    assert org["org_id"] == SUPPLIER["org_id"] and org["name"] == "武汉市红十字会"
    deliveries = tables["deliveries"].frame.set_index("delivery_id")
    assert list(deliveries.index) == ["RC-20200130-5", "RC-20200130-6", "RC-20200130-7",
                                      "RC-20200130-9"]
    assert tables["deliveries"].rows == [5, 6, 7, 9]
    gloves = deliveries.loc["RC-20200130-5"]
    assert (gloves["facility_id"], gloves["quantity"], gloves["unit"]) == ("F-JYT", 50000.0, "个")
    assert gloves["category"] == "ppe" and gloves["delivered_on"] == "2020-01-30"
    masks = deliveries.loc["RC-20200130-6"]
    assert masks["facility_id"] == "F-JYT"  # forward-filled
    assert masks["item"] == "医用口罩 N95"  # zero-width gone, NBSP run collapsed
    assert deliveries.loc["RC-20200130-7", "facility_id"] == "F-TJ"  # wrapped name rejoined
    bleach = deliveries.loc["RC-20200130-9"]
    assert bleach["facility_id"] == "F-TJ" and bleach["category"] == "disinfection"
    assert (bleach["quantity"], bleach["unit"]) == (20, "件")
    assert bleach["item"] == "84消毒液（规格：500ml*30瓶）"  # the raw spec is kept
    assert set(deliveries["status"]) == {"delivered"}

    [item] = conversion.review
    assert (item.row, item.raw_name, item.proposed_id) == (10, "水务集团", None)
    assert item.payload["delivery_id"] == "RC-20200130-10"
    assert item.payload["facility_id"] is None


def test_without_a_store_everything_goes_to_review():
    conversion = FMT.convert("list.xlsx", tiny_sheet(), ImportContext())
    assert [r.table.name for r in conversion.tables] == ["organizations"]
    assert len(conversion.review) == 5
    assert {r.raw_name for r in conversion.review} == {
        "武汉市金银潭医院", "华中科技大学同济医学院附属同济医院", "水务集团"}


def test_date_falls_back_to_the_context():
    book = Workbook()
    ws = book.active
    ws.append(["发放物资一览表"])
    ws.append(["接收单位", "品名", "数量"])
    ws.append(["武汉市金银潭医院", "口罩", 5])
    buffer = io.BytesIO()
    book.save(buffer)
    ctx = ImportContext(path="lists/2020-02-03/list.xlsx")
    [item] = FMT.convert("list.xlsx", buffer.getvalue(), ctx).review
    assert item.payload["delivered_on"] == "2020-02-03"
    assert item.payload["delivery_id"] == "RC-20200203-3"


def test_import_through_the_importer_writes_only_matched_lines(facilities_db):
    report = import_files(facilities_db, [SourceFile("list.xlsx", tiny_sheet())])
    assert report.ok, report.problems
    assert report.formats == {"list.xlsx": "distribution_sheet"}
    assert report.written["deliveries"] == 4
    assert len(report.review) == 1
    # The importer queued it; queueing again adds nothing (stable review ids).
    assert list(pending(facilities_db)["raw_name"]) == ["水务集团"]
    assert enqueue(facilities_db, report.review, report.import_id) == 0


# -- the real sheet ------------------------------------------------------------------

# Hospitals named on the Jan 30 list whose identity is certain, written here by hand
# (not taken from the real files): 武汉市五医院 is 武汉市第五医院. The Tongji hospital is
# given its full name so that the sheet's 同济医院 must go through review; 武汉市优抚医院 is
# left out on purpose.
REAL_FACILITIES = (
    "facility_id,name,facility_type,region\n"
    "WH-JYT,武汉市金银潭医院,hospital,东西湖区\n"
    "WH-FK,武汉市肺科医院,hospital,江岸区\n"
    "WH-HK,武汉市汉口医院,hospital,江岸区\n"
    "WH-ZXY,武汉市中西医结合医院,hospital,江汉区\n"
    "WH-ZX,武汉市中心医院,hospital,江岸区\n"
    "WH-3,武汉市第三医院,hospital,武昌区\n"
    "WH-6,武汉市第六医院,hospital,江岸区\n"
    "WH-5,武汉市第五医院,hospital,汉阳区\n"
    "WH-JW,武汉市精神卫生中心,hospital,江汉区\n"
    "WH-ET,武汉市儿童医院,hospital,江岸区\n"
    "WH-TJ,华中科技大学同济医学院附属同济医院,hospital,硚口区\n"
)
AUTO = {"武汉市中心医院", "武汉市汉口医院", "武汉市金银潭医院", "武汉市肺科医院",
        "武汉市中西医结合医院", "武汉市第三医院", "武汉市第六医院", "武汉市精神卫生中心",
        "武汉市儿童医院", "武汉市五医院"}


def _real():
    folder = realworld_dir() / "redcross-wuhan"
    sheet = folder / "武汉市红十字会发放物资一览表.xlsx"
    flat = pd.read_csv(folder / "wuhan_rc_distributed_supplies.csv", dtype=str)
    return sheet, flat[flat["list_date"] == "2020-01-30"]


@pytest.mark.realworld
def test_real_sheet_matches_the_flattened_list(db):
    sheet, flat = _real()
    report = import_files(db, [SourceFile("facilities.csv", REAL_FACILITIES.encode())])
    assert report.ok, report.problems
    report = import_paths(db, [sheet])
    assert report.ok, report.problems[:5]
    assert report.formats[sheet.name] == "distribution_sheet"

    lines = len(flat)  # 202 counted independently from the flattened CSV
    expected_auto = int(flat["recipient"].isin(AUTO).sum())
    matched = report.written.get("deliveries", 0)
    assert matched == expected_auto
    assert len(report.review) == lines - expected_auto
    assert matched + len(report.review) == lines
    assert {r.raw_name for r in report.review} == set(flat["recipient"]) - AUTO
    tongji = next(r for r in report.review if r.raw_name == "同济医院")
    assert tongji.proposed_id == "WH-TJ"  # proposed, not accepted

    deliveries = store.read_table(db, "deliveries")
    assert set(deliveries["delivered_on"].astype(str)) == {"2020-01-30"}
    per_facility = deliveries.groupby("facility_id").size()
    assert per_facility["WH-ZX"] == int((flat["recipient"] == "武汉市中心医院").sum())
    assert per_facility["WH-5"] == int((flat["recipient"] == "武汉市五医院").sum())

    # Specs: every non-blank spec is either converted with certainty or kept as text.
    specs = flat["specification"].fillna("").str.replace("\u200b", "").str.strip()
    items = list(deliveries["item"]) + [r.payload["item"] for r in report.review]
    kept = sum("（规格：" in item for item in items)
    # Independently: "M<base>/<container>" counted in that container is the only certain shape here.
    per_container = [bool(m) and m.group(1) == unit
                     for m, unit in zip(specs.map(lambda s: re.fullmatch(r"\d+\D+/(\D+)", s)),
                                        flat["unit"])]
    assert len(items) == lines
    assert kept == int((specs != "").sum()) - sum(per_container)


@pytest.mark.realworld
def test_real_sheet_date_and_blocks():
    sheet, flat = _real()
    conversion = FMT.convert(sheet.name, sheet.read_bytes(), ImportContext())
    assert len(conversion.review) == len(flat)
    assert {r.payload["delivered_on"] for r in conversion.review} == {date(2020, 1, 30).isoformat()}
    assert len({r.raw_name for r in conversion.review}) == flat["recipient"].nunique()


# -- sheets that hold more than one table (issue 11 §3) -------------------------------

def workbook(*sheets: list[list]) -> bytes:
    """An XLSX with one worksheet per list of rows (None cells stay blank)."""
    book = Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        ws = book.create_sheet(f"Sheet{number}")
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


DISTRIBUTED = [
    ["武汉市红十字会物资发放一览表", None, None, None, None],
    ["2020年2月1日", None, None, None, None],
    ["接收单位", "品名", "规格", "计量单位", "数量"],
    ["武汉市金银潭医院", "医用口罩", None, "个", 1000],  # row 4
    [None, "防护服", None, "件", 50],  # row 5
    ["水务集团", "消毒片", None, "桶", 10],  # row 6: not a facility, reviewed
]
DONATIONS_TABLE = [
    ["序号", "捐赠方", "品名", "规格", "数量"],
    [1, "某某科技有限公司", "医用口罩", None, 50000],
    [2, "某某商会", "防护服", None, 2000],
]


def _delivered(conversion) -> dict[str, str]:
    tables = {raw.table.name: raw for raw in conversion.tables}
    frame = tables["deliveries"].frame if "deliveries" in tables else pd.DataFrame()
    return dict(zip(frame.get("delivery_id", []), frame.get("facility_id", [])))


def _reviewed(conversion) -> list[tuple[int, str]]:
    return [(item.row, item.raw_name) for item in conversion.review]


@pytest.mark.parametrize("between", [
    [],  # the second table's header follows at once
    [[None] * 5, ["二、接收捐赠物资情况", None, None, None, None]],  # a section title
    [["合计", None, None, None, 1060], [None] * 5],  # a total, then the next table
])
def test_a_second_table_below_is_not_read(facilities_db, between):
    data = workbook(DISTRIBUTED + between + DONATIONS_TABLE)
    conversion = FMT.convert("list.xlsx", data, ImportContext(con=facilities_db))
    assert _delivered(conversion) == {"RC-20200201-4": "F-JYT", "RC-20200201-5": "F-JYT"}
    assert _reviewed(conversion) == [(6, "水务集团")]
    [after] = [n for n in conversion.notes if n.code == "rows_after_table"]
    below = [any(v is not None for v in row) for row in between + DONATIONS_TABLE]
    first = 7 + below.index(True)  # the row that ended the table (blank rows do not)
    assert (after.where, after.detail, after.count) == ("Sheet1", str(first), sum(below))


def test_a_title_row_never_joins_a_recipient_name(facilities_db):
    rows = [
        ["接收单位", "品名", "数量"],
        ["华中科技大学同济医学院附属", "N95口罩", 10],  # row 2
        ["同济医院", None, None],  # row 3: the wrapped rest of the name, still joined
        ["武汉市金银潭医院", "医用口罩", 5],  # row 4
        ["武汉市红十字会接收社会捐赠物资明细", None, None],  # row 5: a title, not a name
        ["捐赠单位", "物资名称", "数量"],
        ["某某科技有限公司", "医用口罩", 100],
    ]
    conversion = FMT.convert("list.xlsx", workbook(rows),
                             ImportContext(con=facilities_db, as_of=date(2020, 2, 2)))
    assert _delivered(conversion) == {"RC-20200202-2": "F-TJ", "RC-20200202-4": "F-JYT"}
    assert conversion.review == []


@pytest.mark.parametrize("footer", [
    "注：以上物资均已于当日发放完毕",  # a note (a colon never sits inside a name)
    "制表人：办公室",
    "本表所列物资已全部由各接收单位签收并登记在案",  # a long sentence
    "附件2",
])
def test_a_footer_under_the_last_block_ends_the_table(facilities_db, footer):
    rows = [["接收单位", "品名", "数量"], ["武汉市金银潭医院", "医用口罩", 5], [footer, None, None]]
    conversion = FMT.convert("list.xlsx", workbook(rows),
                             ImportContext(con=facilities_db, as_of=date(2020, 2, 2)))
    assert _delivered(conversion) == {"RC-20200202-2": "F-JYT"}
    assert conversion.review == []


def test_numbered_groups_inside_the_list_and_a_caption_under_the_header(facilities_db):
    rows = [
        ["接收单位", "品名", "数量"],
        ["（单位：件）", None, None],  # a caption before the first line: skipped
        ["一、定点医院", None, None],  # a group heading: item lines follow
        ["武汉市金银潭医院", "医用口罩", 5],  # row 4
        ["二、其他单位", None, None],
        ["水务集团", "消毒片", 10],  # row 6
        ["三、接收捐赠物资", None, None],  # a header follows: the list has ended
        ["序号", "捐赠方", "品名", "数量"],
        [1, "某某科技有限公司", "医用口罩", 100],
    ]
    conversion = FMT.convert("list.xlsx", workbook(rows),
                             ImportContext(con=facilities_db, as_of=date(2020, 2, 2)))
    assert _delivered(conversion) == {"RC-20200202-4": "F-JYT"}
    assert _reviewed(conversion) == [(6, "水务集团")]  # not 二、其他单位水务集团
    assert [(n.detail, n.count) for n in conversion.notes if n.code == "rows_after_table"] == [
        ("7", 3)]


def test_a_subtotal_row_is_skipped_and_the_table_goes_on(facilities_db):
    rows = [
        ["接收单位", "品名", "数量"],
        ["武汉市金银潭医院", "医用口罩", 5],
        ["小计", None, 5],  # row 3: not a line, not a recipient
        ["华中科技大学同济医学院附属同济医院", "防护服", 7],  # row 4
    ]
    conversion = FMT.convert("list.xlsx", workbook(rows),
                             ImportContext(con=facilities_db, as_of=date(2020, 2, 2)))
    assert _delivered(conversion) == {"RC-20200202-2": "F-JYT", "RC-20200202-4": "F-TJ"}
    assert conversion.review == []
    assert [(n.code, n.count) for n in conversion.notes if n.code == "subtotals_skipped"] == [
        ("subtotals_skipped", 1)]


def test_the_date_is_not_read_from_a_table_above(facilities_db):
    # A list of donations first (50000 lies in the Excel-serial range), then the list.
    rows = DONATIONS_TABLE + [[None] * 5] + DISTRIBUTED
    conversion = FMT.convert("list.xlsx", workbook(rows), ImportContext(con=facilities_db))
    assert set(_delivered(conversion)) == {"RC-20200201-8", "RC-20200201-9"}
    assert _reviewed(conversion) == [(10, "水务集团")]


# -- header spellings come from rules/distribution_headers.csv ------------------------

@pytest.mark.parametrize("recipient, item, quantity", [
    ("发放单位", "品名", "数量"),
    ("受赠方", "物资名称", "数量（件）"),
    ("领用单位", "物资名称", "发放数量"),
    ("接 收 单 位", "品  名", "数 量"),  # spaces inside a header
])
def test_header_synonyms(facilities_db, recipient, item, quantity):
    rows = [["发放物资一览表"], ["2020-02-05"], [recipient, item, quantity],
            ["武汉市金银潭医院", "医用口罩", 300]]
    assert FMT.sniff("x.xlsx", workbook(rows))
    conversion = FMT.convert("list.xlsx", workbook(rows), ImportContext(con=facilities_db))
    assert _delivered(conversion) == {"RC-20200205-4": "F-JYT"}


def test_a_unit_in_the_quantity_header_is_the_lines_unit(facilities_db):
    rows = [["发放单位", "物资名称", "数量（个）"], ["武汉市金银潭医院", "医用口罩", 300]]
    conversion = FMT.convert("list.xlsx", workbook(rows),
                             ImportContext(con=facilities_db, as_of=date(2020, 2, 5)))
    frame = {raw.table.name: raw for raw in conversion.tables}["deliveries"].frame
    assert list(frame[["quantity", "unit"]].itertuples(index=False, name=None)) == [(300, "个")]


def test_header_cells_are_read_through_the_rule_table():
    from data_loaders.ingest.formats import distribution_layout as layout
    from data_loaders.ingest.rules import load_rules

    fields = {r["synonym"]: r["field"] for r in load_rules("distribution_headers")}
    assert fields["发放单位"] == fields["受赠方"] == fields["领用单位"] == "recipient"
    assert fields["物资名称"] == "item" and fields["捐赠方"] == "donor"
    assert layout.header_field("数 量（个）") == ("quantity", "个")
    assert layout.header_field("数量(件)") == ("quantity", "件")
    assert layout.header_field("接收单位：") == ("recipient", "")
    assert layout.header_field("单位名称") == (None, "")
    assert layout.header_field(43860) == (None, "")


def test_a_list_of_donations_received_is_refused_in_words():
    from data_loaders.ingest.readers import ReadError

    data = workbook([["武汉市红十字会接收捐赠物资明细"], ["2020年2月1日"]] + DONATIONS_TABLE)
    assert choose("donations.xlsx", data).name == "distribution_sheet"
    with pytest.raises(ReadError) as refused:
        FMT.convert("donations.xlsx", data, ImportContext())
    assert refused.value.code == "not_a_table"
    assert "接收捐赠的清单" in refused.value.detail
    assert "a list of donations received" in refused.value.detail


def test_a_list_of_donations_received_writes_nothing(facilities_db):
    data = workbook(DONATIONS_TABLE)
    report = import_files(facilities_db, [SourceFile("donations.xlsx", data)])
    assert [(p.file, p.code) for p in report.problems] == [("donations.xlsx", "not_a_table")]
    assert "not a distribution list" in report.problems[0].value
    assert store.read_table(facilities_db, "deliveries").empty
    assert pending(facilities_db).empty


def test_a_sheet_beside_the_list_is_named_in_a_note(facilities_db):
    data = workbook(DISTRIBUTED, DONATIONS_TABLE, [])
    conversion = FMT.convert("list.xlsx", data, ImportContext(con=facilities_db))
    assert _delivered(conversion) == {"RC-20200201-4": "F-JYT", "RC-20200201-5": "F-JYT"}
    # The empty third sheet is not worth a note; the list of donations is.
    assert [(n.code, n.where) for n in conversion.notes if n.code == "sheet_not_distribution"] == [
        ("sheet_not_distribution", "Sheet2")]


def test_every_note_of_the_format_has_a_sentence():
    from pathlib import Path

    from dashboard.i18n import CATALOGUE

    source = Path(FMT.convert.__code__.co_filename).read_text(encoding="utf-8")
    codes = set(re.findall(r'Note\("([a-z_]+)"', source)) | set(
        re.findall(r'\("([a-z_]+)", (?:len|certain|kept)', source))
    assert {"rows_after_table", "subtotals_skipped", "sheet_not_distribution",
            "lines_matched"} <= codes
    for code in codes:
        assert f"note.{code}" in CATALOGUE, code
    for code in ("rows_after_table", "subtotals_skipped", "sheet_not_distribution"):
        assert all("{n}" in text for text in CATALOGUE[f"note.{code}"]), code
