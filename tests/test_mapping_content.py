"""Column mapping that guesses well: the table from the content, contacts never mapped,
the built-in rules on mapped rows, case counts by meaning, print-laid-out sheets.

Fixtures are hand-made sheets of the kinds hubs received in 2020 (tests/data/mapping);
names are public institutions, people and numbers are made up.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from data_loaders import store
from data_loaders.ingest import readers
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.formats.mapped import MappedFormat
from data_loaders.ingest.mapping import (
    CONTACT,
    Mapping,
    apply_mapping,
    check_mapping,
    facility_table,
    load_profile,
    never_reason,
    save_profile,
    suggest_for_rows,
    suggest_mapping,
    suggestion_reason,
)
from data_loaders.ingest.mapping_content import suggest_header_row
from data_loaders.ingest.mapping_rules import item_list
from data_loaders.ingest.validation import validate
from data_loaders.store.schema import TABLES
from tests.conftest import DATA

FIXTURES = DATA / "mapping"


def known(con) -> dict[str, set[str]]:
    return {name: store.existing_keys(con, name) for name in TABLES}


def rows_of(name: str) -> list[list]:
    (_, rows), = readers.read_rows(name, (FIXTURES / name).read_bytes())
    return rows


def sheet(name: str) -> readers.RawTable:
    """The fixture's table from the header row the suggestion picks."""
    rows = rows_of(name)
    return readers.table_from_rows(name, rows, suggest_header_row(rows))


def convert(name: str, mapping: Mapping, data: bytes | None = None):
    data = (FIXTURES / name).read_bytes() if data is None else data
    return MappedFormat(mapping).convert(name, data, ImportContext())


def import_into(db, conversion) -> None:
    result = validate(conversion.tables, known(db))
    assert result.ok, [(p.file, p.row, p.column, p.code, p.value) for p in result.problems]
    store.write(db, result.frames)


# --- 1. The table follows the content ---------------------------------------------------


def test_demand_sheet_becomes_needs_of_facilities_named_in_it():
    mapping = suggest_for_rows(rows_of("hospital_demand.csv"))
    assert mapping.table == "needs" and mapping.header_row == 0
    assert mapping.facility_from_name
    assert {h: t for h, t in mapping.columns.items() if t} == {
        "医院名称": "name", "所在城市": "region", "缺少物资": "item", "填报时间": "reported_on"}
    assert suggestion_reason(mapping, sheet("hospital_demand.csv").frame)[:2] == [
        ("facility", "hospital", 1), ("supply", None, 1)]


def test_organisation_list_becomes_organizations_by_its_names():
    raw = sheet("org_list.csv")
    headers = list(raw.frame.columns)
    # The headers alone read as a list of facilities (单位名称, 所在地区, 单位类型)...
    assert suggest_mapping(headers).table != "organizations"
    # ...but the names are foundations, Red Cross branches, associations and companies.
    mapping = suggest_mapping(headers, sample=raw.frame)
    assert mapping.table == "organizations"
    assert {h: t for h, t in mapping.columns.items() if t} == {
        "单位名称": "name", "所在地区": "region", "单位类型": "org_type"}
    assert suggestion_reason(mapping, raw.frame)[0] == ("org", None, 1)


def test_case_series_becomes_case_counts_and_leaves_the_current_count_out():
    mapping = suggest_for_rows(rows_of("case_series.csv"))
    assert mapping.table == "case_counts"
    assert mapping.columns == {
        "时间": "date", "城市": "region", "累计确诊": "confirmed_cum", "现有确诊": None,
        "新增确诊": "new_confirmed", "累计治愈": "cured_cum", "累计死亡": "dead_cum",
        "疑似病例": None}
    assert never_reason("现有确诊", "case_counts") == "current_count"
    assert never_reason("疑似病例", "case_counts") == "suspected"
    kinds = [k for k, _, _ in suggestion_reason(mapping, sheet("case_series.csv").frame)]
    assert kinds == ["date", "region", "number"]


def test_hotel_list_becomes_quarantine_sites(db):
    mapping = suggest_for_rows(rows_of("hotel_list.csv"))
    assert mapping.table == "facilities"
    assert {h: t for h, t in mapping.columns.items() if t} == {
        "酒店名称": "name", "所在区": "region", "房间数": "capacity"}
    conversion = convert("hotel_list.csv", mapping)
    import_into(db, conversion)
    facilities = store.read_table(db, "facilities")
    assert set(facilities["facility_type"]) == {"quarantine_site"}
    assert facilities["capacity"].sum() == 120 + 86 + 64 + 150
    assert set(facilities["region_adcode"]) == {"420100"}


def test_imported_organisations_keep_their_types(db):
    raw = sheet("org_list.csv")
    mapping = suggest_mapping(list(raw.frame.columns), sample=raw.frame)
    import_into(db, convert("org_list.csv", mapping))
    orgs = store.read_table(db, "organizations").set_index("name")["org_type"]
    assert orgs["武汉大学教育发展基金会"] == "foundation"
    assert orgs["顺丰速运有限公司"] == "company" and orgs["孝感市新冠肺炎防控指挥部"] == "government"


def test_organisation_types_come_from_names_when_the_file_has_none():
    raw = readers.read_file("o.csv", "名称,备注\n同心基金会,\n某某物流有限公司,\n无名小组,\n".encode())[0]
    mapped = apply_mapping(raw, Mapping("organizations", {"名称": "name"}))
    assert mapped.frame["org_type"].tolist() == ["foundation", "company", None]  # None: the default


# --- 2. Contacts are never mapped -------------------------------------------------------


@pytest.mark.parametrize("header", ["联系人", "联系电话", "手机", "微信", "邮箱", "phone", "contact",
                                    "联系方式", "E-mail", "联系人名称", "contact name"])
def test_contact_columns_are_never_mapped(header):
    # "联系人名称" resembles 名称 and "contact name" resembles name: still never mapped.
    for table in TABLES:
        mapping = suggest_mapping([header, "名称"], table)
        assert mapping.columns[header] is None, table
    assert never_reason(header, "needs") == CONTACT


def test_a_profile_mapping_a_contact_is_refused():
    raw = readers.read_file("x.csv", "名称,联系电话\n甲,13800000000\n".encode())[0]
    mapping = Mapping("organizations", {"名称": "name", "联系电话": "hub_id"})
    assert ("never_mapped", "联系电话") in check_mapping(mapping)
    with pytest.raises(ValueError, match="never_mapped"):
        apply_mapping(raw, mapping)


def test_contact_columns_are_not_read_and_are_counted():
    mapping = suggest_for_rows(rows_of("hotel_list.csv"))
    conversion = convert("hotel_list.csv", mapping)
    assert all("13800000020" not in t.frame.to_string() for t in conversion.tables)
    assert [(n.code, n.count) for n in conversion.notes] == [("contact_columns_skipped", 2)]


# --- 3. The built-in rules on mapped rows -----------------------------------------------


def demand_mapping() -> Mapping:
    mapping = suggest_for_rows(rows_of("hospital_demand.csv"))
    # A fallback for items no rule knows (the list kept as text); known items keep theirs.
    mapping.constants["category"] = "其他"
    return mapping


def test_demand_sheet_imports_one_need_per_item(db):
    conversion = convert("hospital_demand.csv", demand_mapping())
    assert [t.table.name for t in conversion.tables] == ["facilities", "needs"]
    facilities, needs = conversion.tables
    # A Red Cross branch in a column of hospital names is not a hospital.
    types = dict(zip(facilities.frame["name"], facilities.frame["facility_type"]))
    assert types["黄冈市红十字会"] == "other" and types["武汉市金银潭医院"] == "hospital"
    frame = needs.frame
    # 缺少：防护服1万 防护口罩2万 外科口罩5万 -> three needs, each on the sheet's row 2.
    first = frame[[n == 2 for n in needs.rows]]
    assert first["item"].tolist() == ["防护服", "防护口罩", "外科口罩"]
    assert first["quantity"].tolist() == [10000, 20000, 50000]
    assert first["unit"].tolist() == ["套", "只", "只"]
    assert set(first["category"]) == {"ppe"}
    assert needs.rows == [2, 2, 2, 3, 3, 4, 5, 6]
    by_item = frame.set_index("item")
    # Urgency words in the facility's name (孝感市中心医院（急需）) or the item (特急：…).
    assert by_item.loc["N95口罩", "priority"] == by_item.loc["护目镜", "priority"] == "urgent"
    assert by_item.loc["84消毒液", "priority"] == "urgent"
    assert by_item.loc["84消毒液", "category"] == "disinfection"
    assert by_item.loc["84消毒液", "quantity"] == 200 and by_item.loc["84消毒液", "unit"] == "瓶"
    assert by_item.loc["医用外科口罩", "priority"] is None  # normal, by the schema's default
    # The supply rule gives a known item its category; the constant is only the fallback.
    assert by_item.loc["医用外科口罩", "category"] == "ppe"
    # A piece that is not one known item with one quantity: the text stays whole.
    kept = "急需：防护服2000套、消毒液若干"
    assert by_item.loc[kept, "category"] == "其他" and by_item.loc[kept, "priority"] == "urgent"
    codes = {n.code: n for n in conversion.notes}
    assert codes["item_text_kept"].detail == kept and codes["items_split"].count == 3
    import_into(db, conversion)
    assert store.row_counts(db)["needs"] == 8 and store.row_counts(db)["facilities"] == 5
    # The same sheet again: the same ids, so nothing is added.
    import_into(db, convert("hospital_demand.csv", demand_mapping()))
    assert store.row_counts(db)["needs"] == 8 and store.row_counts(db)["facilities"] == 5


def test_what_the_file_or_a_person_says_wins_over_the_rules():
    data = ("医院名称,需要物资,紧急程度,类别\n"
            "黄冈市红十字会（急需）,防护服1万,一般,\n"
            "武汉市公安局,N95口罩,,医疗设备\n").encode()
    raw = readers.read_file("x.csv", data)[0]
    mapping = suggest_mapping(list(raw.frame.columns), "needs", raw.frame)
    mapping.constants.update(region="武汉", reported_on="2020-02-10")
    needs = apply_mapping(raw, mapping).frame
    # The file's priority, not the name's; a blank one stays blank (normal by default).
    assert [p or None for p in needs["priority"]] == ["一般", None]
    assert needs["category"].tolist() == ["ppe", "医疗设备"]  # the file's category
    facilities = facility_table(raw, mapping).frame
    # Neither a Red Cross branch nor a police bureau is a hospital, whatever the header says...
    assert facilities["facility_type"].tolist() == ["other", "other"]
    # ...unless a person says every facility of the file is one.
    mapping.constants["facility_type"] = "hospital"
    assert facility_table(raw, mapping).frame["facility_type"].tolist() == ["hospital", "hospital"]


def test_unknown_names_take_the_type_the_header_names():
    data = "医院名称,单位名称\n协和,某某小组\n".encode()
    raw = readers.read_file("x.csv", data)[0]
    by_hospital_header = Mapping("facilities", {"医院名称": "name"}, constants={"region": "武汉"})
    assert apply_mapping(raw, by_hospital_header).frame["facility_type"].tolist() == ["hospital"]
    by_unit_header = Mapping("facilities", {"单位名称": "name"}, constants={"region": "武汉"})
    tables, notes = __import__("data_loaders.ingest.mapping", fromlist=["map_sheet"]).map_sheet(
        raw, by_unit_header)
    assert tables[0].frame["facility_type"].tolist() == ["other"]
    assert [(n.code, n.where) for n in notes] == [("type_default", "某某小组")]


@pytest.mark.parametrize("text, expected", [
    ("缺少：防护服1万 防护口罩2万 外科口罩5万", [("防护服", 10000, None), ("防护口罩", 20000, None),
                                         ("外科口罩", 50000, None)]),
    ("N95口罩5000只，护目镜300个", [("N95口罩", 5000, "只"), ("护目镜", 300, "个")]),
    ("医用外科口罩1,000只", [("医用外科口罩", 1000, "只")]),
    ("防护服2000套(特急)", [("防护服", 2000, "套")]),
])
def test_item_lists_that_split(text, expected):
    needs, ok = item_list(text)
    assert ok and [(t, q, u) for t, _, q, u, _ in needs] == expected


@pytest.mark.parametrize("text", ["防护服2000套、消毒液若干", "口罩或手套2000只", "防护服、口罩",
                                  "分析仪800份测速机20台"])
def test_item_lists_that_stay_text(text):
    assert item_list(text)[1] is False


def test_a_plain_item_is_left_alone():
    assert item_list("N95口罩") is None and item_list("特急：医用防护服") is None


# --- 4. Case-count columns by meaning ---------------------------------------------------


@pytest.mark.parametrize("header, column", [
    ("累计确诊", "confirmed_cum"), ("确诊总数", "confirmed_cum"), ("total confirmed", "confirmed_cum"),
    ("confirmed_cum", "confirmed_cum"), ("新增确诊", "new_confirmed"), ("当日新增", "new_confirmed"),
    ("new", "new_confirmed"), ("治愈出院", "cured_cum"), ("死亡人数", "dead_cum"),
])
def test_case_count_columns_by_meaning(header, column):
    assert suggest_mapping(["日期", "地区", header], "case_counts").columns[header] == column


@pytest.mark.parametrize("header", ["现有确诊", "现存确诊", "在院", "在院确诊", "active",
                                    "current confirmed", "active cases", "疑似病例", "新增疑似",
                                    "suspected", "重症病例"])
def test_counts_no_column_holds_are_never_suggested(header):
    # 现有确诊 resembles 确诊 (confirmed_cum), 新增疑似 resembles 新增 (new_confirmed).
    mapping = suggest_mapping(["日期", "地区", header], "case_counts")
    assert mapping.columns[header] is None
    assert never_reason(header, "case_counts") in ("current_count", "suspected", "no_column")
    assert ("never_mapped", header) in check_mapping(Mapping("case_counts", {header: "confirmed_cum"}))


def test_never_rules_stay_within_their_table():
    assert never_reason("现有床位", "facilities") is None
    assert suggest_mapping(["名称", "现有床位"], "facilities").columns["现有床位"] == "capacity"


# --- 5. Sheets laid out for printing ----------------------------------------------------


def test_print_laid_out_sheet_header_row_is_suggested():
    rows = rows_of("allocation_print.csv")
    assert suggest_header_row(rows) == 3  # after a title, a batch line and a date line
    mapping = suggest_for_rows(rows)
    assert mapping.header_row == 3 and mapping.table == "deliveries"
    assert {h: t for h, t in mapping.columns.items() if t} == {
        "接收单位": "name", "所在地市": "region", "物资名称": "item", "数量": "quantity",
        "计量单位": "unit"}


def test_print_laid_out_sheet_imports_with_the_rows_excel_shows(db):
    mapping = suggest_for_rows(rows_of("allocation_print.csv"))
    conversion = convert("allocation_print.csv", mapping)
    facilities, deliveries = conversion.tables
    assert deliveries.rows == [5, 6, 7, 8] and facilities.rows == [5, 6, 7, 8]
    assert deliveries.frame["category"].tolist() == ["ppe"] * 4
    import_into(db, conversion)
    assert store.row_counts(db)["deliveries"] == 4
    bad = (FIXTURES / "allocation_print.csv").read_text(encoding="utf-8").replace(",300,", ",若干,")
    result = validate(convert("allocation_print.csv", mapping, bad.encode()).tables, known(db))
    assert [(p.row, p.column) for p in result.problems] == [(8, "quantity")]


def _merged_header_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["武汉市医疗物资分配表"])
    ws.merge_cells("A1:F1")
    ws.append(["制表单位：物资保障组", None, None, None, None, "2020年2月12日"])
    ws.append(["序号", "接收单位", "分配物资", None, None, "备注"])
    ws.append([None, None, "N95口罩", "防护服", "护目镜", None])
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:E3")
    ws.merge_cells("F3:F4")
    ws.append([1, "武汉市金银潭医院", 5000, 2000, 300, None])
    ws.append([2, "武汉市肺科医院", 3000, 1000, 200, "急需"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_two_row_merged_header():
    data = _merged_header_workbook()
    (sheet_name, rows), = readers.read_rows("alloc.xlsx", data)
    assert suggest_header_row(rows) == 3  # the lower row of the merged header
    raw = readers.table_from_rows("alloc.xlsx", rows, 3, sheet_name)
    assert list(raw.frame.columns) == ["序号", "接收单位", "N95口罩", "防护服", "护目镜", "备注"]
    assert raw.rows == [5, 6] and raw.label == f"alloc.xlsx#{sheet_name}"


@pytest.mark.parametrize("rows, expected", [
    ([["名称", "地区"], ["甲", "武汉"]], 0),  # an ordinary table
    ([["机构名称", "类型", "地区"], ["某基金会", "基金会", "武汉"], ["某公司", "企业", "武汉"]], 0),
    ([["一张很长的标题，只有一格"], [None], ["名称", "数量"], ["甲", 1]], 2),
    ([["2020年2月12日", None], ["名称", "数量"], ["甲", 1]], 1),  # a date line
    ([["填报单位：某某", "", "", "", ""], ["序号", "名称", "地区", "物资", "数量"],
      [1, "甲", "武汉", "口罩", 5]], 1),
    ([[1, 2], [3, 4]], 0),  # nothing looks like a header: the first row
])
def test_header_row_choice(rows, expected):
    assert suggest_header_row(rows) == expected


def test_header_row_round_trips_in_profiles(tmp_path):
    mapping = suggest_for_rows(rows_of("allocation_print.csv"))
    path = save_profile("分配表", mapping, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["header_row"] == 3
    assert load_profile("分配表", tmp_path) == mapping
    # Profiles saved before header_row existed read from the first row.
    old = {k: v for k, v in mapping.to_dict().items() if k != "header_row"}
    assert Mapping.from_dict(old).header_row == 0
    with pytest.raises(ValueError):
        Mapping.from_dict({**old, "header_row": -1})


def test_cli_applies_the_header_row_of_a_profile(tmp_path, capsys):
    from dashboard.cli import main

    sheet_path = tmp_path / "分配表.csv"
    sheet_path.write_bytes((FIXTURES / "allocation_print.csv").read_bytes())
    save_profile("alloc", suggest_for_rows(rows_of("allocation_print.csv")), tmp_path / "mappings")
    db = tmp_path / "m.duckdb"
    assert main(["import", str(sheet_path), "--db", str(db), "--mapping", "alloc"]) == 0
    out = capsys.readouterr().out
    assert "deliveries: 4 rows" in out and "facilities: 4 rows" in out
    bad = tmp_path / "坏表.csv"
    bad.write_text(sheet_path.read_text(encoding="utf-8").replace(",300,", ",若干,"), encoding="utf-8")
    assert main(["import", str(bad), "--db", str(db), "--mapping", "alloc"]) == 2
    assert "坏表.csv:8 [quantity]" in capsys.readouterr().err


def test_red_cross_list_header_row(tmp_path):
    """The Wuhan Red Cross's printed list: title, Excel date, blank row, then the table."""
    from tests.conftest import realworld_dir

    path = realworld_dir() / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx"
    (_, rows), *_ = readers.read_rows(path.name, path.read_bytes())
    assert suggest_header_row(rows) == 3
    assert [str(c).strip() for c in rows[3][:5]] == ["接收单位", "品名", "规格", "计量单位", "数量"]


# --- Catalogue ------------------------------------------------------------------------


def test_every_reason_kind_and_note_has_a_sentence():
    from dashboard.i18n import CATALOGUE
    from data_loaders.ingest.mapping_content import REASON_ORDER
    from data_loaders.ingest.rules import load_rules

    reasons = {CONTACT} | {row["reason"] for row in load_rules("header_never")}
    assert all(f"mapping.never.{r}" in CATALOGUE for r in reasons)
    assert all(f"mapping.kind.{k}" in CATALOGUE for k in REASON_ORDER)
    codes = ("type_default", "item_text_kept", "items_split", "contact_columns_skipped",
             "sheet_skipped", "facilities_derived")
    assert all(f"note.{c}" in CATALOGUE for c in codes)


# --- 6. The Data page's section -------------------------------------------------------


def _section(name: str, lang: str = "zh", data: bytes | None = None):
    from streamlit.testing.v1 import AppTest

    def page(name, data, lang):
        from dashboard.app.frame import View
        from dashboard.app.mapping import mapping_section

        view = View(lang, None, 7, ("", "", "hub"), None, None)
        mapping_section(view, [(name, data)])

    data = (FIXTURES / name).read_bytes() if data is None else data
    at = AppTest.from_function(page, args=(name, data, lang), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def _frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_section_suggests_the_header_row_of_a_printed_sheet(db):
    at = _section("allocation_print.csv")
    picker = _by_label(at.selectbox, "表头所在行")
    assert picker.value == 3
    assert _by_label(at.selectbox, "导入到表").value == "deliveries"
    assert any(c.value.startswith("看起来是「配送」：有一列医院名称") for c in at.caption)
    assert at.success  # the preview validates
    assert _frame_with(at, "header")["header"].tolist() == [
        "序号", "接收单位", "所在地市", "物资名称", "数量", "计量单位"]
    # The first rows as Excel numbers them, to pick from.
    assert list(_frame_with(at, "A").index) == list(range(1, 9))
    # Choosing the title row instead reads the title as the only header.
    picker.set_value(0).run()
    assert not at.exception
    assert _frame_with(at, "header")["header"].tolist() == ["湖北省新冠肺炎疫情防控指挥部医疗物资分配表"]


def test_section_marks_contacts_as_never_imported(db):
    at = _section("hospital_demand.csv")
    skipped = _frame_with(at, "原因")
    assert skipped["文件表头"].tolist() == ["联系人", "联系电话"]
    assert set(skipped["原因"]) == {"联系方式：从不导入"}
    editor = _frame_with(at, "header")
    assert "联系人" not in editor["header"].tolist() and "联系电话" not in editor["header"].tolist()
    assert None not in editor["column"].tolist()  # an unmapped header is "-", shown as （不导入）
    # Column choices show translated labels only: no English column names in Chinese.
    configs = [json.loads(d.proto.columns) for d in at.dataframe if '"selectbox"' in d.proto.columns]
    assert len(configs) == 2  # the columns and the constants
    for config in configs:
        labels = [o["label"] for o in config["column"]["type_config"]["options"]]
        assert labels and not any(re.search("[A-Za-z]", label) for label in labels), labels
    assert configs[0]["column"]["type_config"]["options"][0] == {"value": "-", "label": "（不导入）"}
    assert not any("13800000000" in d.value.to_string() for d in at.dataframe)  # no contacts shown
    # The preview shows the values the rules filled in the page's language.
    facilities = _frame_with(at, "类型")
    assert set(facilities["类型"]) == {"医院", "其他"}
    assert "紧急" in set(_frame_with(at, "紧急程度")["紧急程度"])
    assert "10000" in set(_frame_with(at, "数量")["数量"])
    assert any(c.value == "看起来是「需求」：有一列医院名称、一列所需物资、一列日期和一列地区名。"
               for c in at.caption)
    english = _section("hospital_demand.csv", lang="en")
    assert set(_frame_with(english, "Reason")["Reason"]) == {"Contact: never imported"}
    assert any(c.value.startswith("Looks like needs: a column of hospital names, a column of supplies")
               for c in english.caption)


def test_section_explains_a_count_no_column_holds(db):
    at = _section("case_series.csv", lang="en")
    reasons = dict(zip(*_frame_with(at, "Reason").T.values))
    assert reasons == {
        "现有确诊": "Current count: no column holds it (it follows from the cumulative counts)",
        "疑似病例": "Suspected cases: no column holds them"}
