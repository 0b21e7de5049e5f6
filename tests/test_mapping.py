"""Column mapping: suggestions, profiles, and foreign files imported into a real store."""

from __future__ import annotations

import io
import json

import pytest

from data_loaders import store
from data_loaders.ingest import formats, readers
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.formats.mapped import MappedFormat
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.ingest.mapping import (
    Mapping,
    apply_mapping,
    check_mapping,
    check_profile_name,
    facility_id_for,
    facility_table,
    list_profiles,
    load_profile,
    profiles_folder,
    save_profile,
    suggest_mapping,
)
from data_loaders.ingest.validation import validate
from data_loaders.store.schema import TABLES
from tests.conftest import BOTH

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

HOSPITAL_HEADERS = ["医院名称", "所在区县", "需要物资", "数量", "填报时间"]
HOSPITAL_CSV = (
    "医院名称,所在区县,需要物资,数量,填报时间\n"
    "江汉医院,江汉区,N95口罩,1000,2020/2/10\n"
    "武汉二院,武汉,防护服,200,2020年2月11日\n"
    " 江汉医院 ,江汉区,护目镜,50,2020-02-12\n"
).encode()


def known(con) -> dict[str, set[str]]:
    return {name: store.existing_keys(con, name) for name in TABLES}


def hospital_mapping() -> Mapping:
    mapping = suggest_mapping(HOSPITAL_HEADERS)
    mapping.constants["category"] = "防护用品"  # the file has no category: one for all rows
    return mapping


# --- Suggestions ----------------------------------------------------------------------


def test_chinese_hospital_headers_suggest_needs_with_facility_names():
    mapping = suggest_mapping(HOSPITAL_HEADERS)
    assert mapping.table == "needs"
    assert mapping.columns == {"医院名称": "name", "所在区县": "region", "需要物资": "item",
                               "数量": "quantity", "填报时间": "reported_on"}
    assert mapping.facility_from_name
    # No constant: facility types come from each name (rules/facility_type_rules.csv),
    # so a Red Cross branch in a column of "hospital names" is not made a hospital.
    assert mapping.constants == {}
    assert mapping.scores["数量"] == 1.0 and all(s >= 0.9 for s in mapping.scores.values())
    # Nothing is missing: facility ids and types come from names, categories from items.
    assert check_mapping(mapping) == []


def test_english_near_misses():
    mapping = suggest_mapping(["Facility Name", "Qty", "Facility ID", "Remarks"], TABLES["needs"])
    assert mapping.columns["Facility Name"] == "name"
    assert mapping.columns["Qty"] == "quantity"
    assert mapping.columns["Facility ID"] == "facility_id"  # spelling differences only
    assert mapping.columns["Remarks"] is None and mapping.scores["Remarks"] < 0.6
    assert not mapping.facility_from_name  # the file gives the ids itself


def test_typos_and_table_choice_without_hints():
    mapping = suggest_mapping(["Facility Name", "Facilty Type", "District", "Latitude", "lng"])
    assert mapping.table == "facilities"
    assert mapping.columns == {"Facility Name": "name", "Facilty Type": "facility_type",
                               "District": "region", "Latitude": "lat", "lng": "lon"}
    assert 0.6 <= mapping.scores["Facilty Type"] < 1.0  # by resemblance, not by spelling
    orgs = suggest_mapping(["机构名称", "机构类型", "地区"])
    assert orgs.table == "organizations" and orgs.columns["机构类型"] == "org_type"


def test_each_column_is_suggested_once():
    mapping = suggest_mapping(["日期", "填报日期", "物资"], "needs")
    targets = [t for t in mapping.columns.values() if t]
    assert len(targets) == len(set(targets))
    assert mapping.columns["物资"] == "item"


# --- Profiles -------------------------------------------------------------------------


def test_profile_round_trip(tmp_path):
    mapping = hospital_mapping()
    path = save_profile("武汉医院-需求_v2", mapping, tmp_path)
    assert path == tmp_path / "武汉医院-需求_v2.json"
    assert json.loads(path.read_text(encoding="utf-8"))["table"] == "needs"
    assert load_profile("武汉医院-需求_v2", tmp_path) == mapping
    save_profile("b", Mapping("facilities", {"x": "name"}), tmp_path)
    assert list_profiles(tmp_path) == ["b", "武汉医院-需求_v2"]
    with pytest.raises(FileNotFoundError):
        load_profile("missing", tmp_path)


@pytest.mark.parametrize("backend", ["duckdb"])  # beside the file (PostgreSQL: in it)
def test_profiles_live_beside_the_database(db, tmp_path):
    assert profiles_folder() == store.db_path().parent / "mappings" == tmp_path / "mappings"
    save_profile("default-folder", hospital_mapping())
    assert list_profiles() == ["default-folder"]


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", "..", "", "a.b", "x" * 65, "a b"])
def test_bad_profile_names_are_rejected(name, tmp_path):
    with pytest.raises(ValueError):
        check_profile_name(name)
    with pytest.raises(ValueError):
        save_profile(name, hospital_mapping(), tmp_path)
    with pytest.raises(ValueError):
        load_profile(name, tmp_path)
    assert not any(tmp_path.parent.glob("*.json"))


# --- Applying mappings ----------------------------------------------------------------


def test_apply_mapping_renames_drops_and_fills():
    raw = readers.read_file("x.csv", "名称,备注,类型\n甲,无关,\n乙,无关,社区\n".encode())[0]
    mapping = Mapping("facilities", {"名称": "name", "备注": None, "类型": "facility_type"},
                      constants={"facility_type": "hospital", "region": "武汉"})
    mapped = apply_mapping(raw, mapping)
    assert mapped.table is TABLES["facilities"] and mapped.rows == raw.rows
    assert set(mapped.frame.columns) == {"name", "facility_type", "region", "facility_id"}
    # A constant fills a column the file lacks, and the blanks of one it has.
    assert mapped.frame["facility_type"].tolist() == ["hospital", "社区"]
    assert mapped.frame["facility_id"].tolist() == [facility_id_for("甲", "武汉"),
                                                    facility_id_for("乙", "武汉")]


def test_unusable_mappings_are_refused():
    raw = readers.read_file("x.csv", b"a,b\n1,2\n")[0]
    with pytest.raises(ValueError, match="unknown_column"):
        apply_mapping(raw, Mapping("needs", {"a": "region_adcode"}))  # derived: never mapped
    with pytest.raises(ValueError, match="duplicate_column"):
        apply_mapping(raw, Mapping("needs", {"a": "item", "b": "item"}))
    with pytest.raises(readers.ReadError) as caught:
        MappedFormat(Mapping("nowhere", {"a": "x"})).convert("x.csv", b"a,b\n1,2\n", ImportContext())
    assert caught.value.code == "bad_mapping"


def test_facility_ids_are_stable_and_normalised():
    assert facility_id_for("江汉医院", "江汉区") == facility_id_for(" 江汉医院 ", "江汉区")
    assert facility_id_for("Ｈospital A", "") == facility_id_for("hospital  a", None)
    assert facility_id_for("江汉医院", "江汉区") != facility_id_for("江汉医院", "武汉")
    assert facility_id_for("江汉医院", "江汉区").startswith("M-")
    assert len(facility_id_for("x")) == 12 and facility_id_for("  ") is None


def test_facility_from_name_emits_the_facilities():
    raw = readers.read_file("h.csv", HOSPITAL_CSV)[0]
    mapping = hospital_mapping()
    facilities = facility_table(raw, mapping)
    assert facilities.table is TABLES["facilities"] and facilities.label == "h.csv#facilities"
    assert facilities.frame["name"].tolist() == ["江汉医院", "武汉二院"]  # once each
    assert facilities.frame["facility_type"].tolist() == ["hospital", "hospital"]
    assert facilities.rows == [2, 3]
    needs = apply_mapping(raw, mapping)
    assert "name" not in needs.frame.columns and "region" not in needs.frame.columns
    ids = needs.frame["facility_id"].tolist()
    assert ids[0] == ids[2] == facilities.frame["facility_id"][0]
    mapping.facility_from_name = False
    assert facility_table(raw, mapping) is None


def test_foreign_csv_imports_through_the_mapped_format(db):
    conversion = MappedFormat(hospital_mapping()).convert("医院需求.csv", HOSPITAL_CSV,
                                                          ImportContext())
    assert [t.table.name for t in conversion.tables] == ["facilities", "needs"]
    result = validate(conversion.tables, known(db))
    assert result.ok, result.problems
    store.write(db, result.frames)
    needs = store.read_table(db, "needs")
    facilities = store.read_table(db, "facilities")
    assert len(needs) == 3 and len(facilities) == 2
    assert set(needs["facility_id"]) == set(facilities["facility_id"])
    assert set(needs["category"]) == {"ppe"} and needs["quantity"].sum() == 1250
    assert sorted(needs["reported_on"].dt.day) == [10, 11, 12]
    assert set(facilities["region_adcode"]) == {"420100"}  # districts roll up to Wuhan
    # The same file again yields the same ids: an upsert, not duplicates.
    again = validate(MappedFormat(hospital_mapping()).convert("医院需求.csv", HOSPITAL_CSV,
                                                            ImportContext()).tables, known(db))
    store.write(db, again.frames)
    assert store.row_counts(db)["needs"] == 3 and store.row_counts(db)["facilities"] == 2


def test_missing_required_column_is_reported_by_validation(db):
    mapping = suggest_mapping(HOSPITAL_HEADERS)  # no category constant
    # Items no supply rule knows: nothing gives them a category.
    sheet = HOSPITAL_CSV.decode().replace("N95口罩", "床垫").replace("防护服", "电脑")
    tables = MappedFormat(mapping).convert("h.csv", sheet.replace("护目镜", "矿泉水").encode(),
                                           ImportContext()).tables
    result = validate(tables, known(db))
    assert [(p.column, p.code) for p in result.problems] == [("category", "missing_column")]


def test_workbook_sheets_share_derived_facilities(db):
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "二月十日"
    first.append(HOSPITAL_HEADERS)
    first.append(["江汉医院", "江汉区", "口罩", 10, "2020-02-10"])
    second = book.create_sheet("二月十一日")
    second.append(HOSPITAL_HEADERS)
    second.append(["江汉医院", "江汉区", "手套", 20, "2020-02-11"])
    buffer = io.BytesIO()
    book.save(buffer)
    conversion = MappedFormat(hospital_mapping()).convert("w.xlsx", buffer.getvalue(),
                                                          ImportContext())
    assert [t.label for t in conversion.tables] == [
        "w.xlsx#二月十日.facilities", "w.xlsx#二月十日", "w.xlsx#二月十一日"]
    result = validate(conversion.tables, known(db))
    assert result.ok, result.problems
    assert len(result.frames["needs"]) == 2 and len(result.frames["facilities"]) == 1


def test_generated_keys_for_a_file_without_ids(db):
    data = "机构名称,机构类型,地区\n武汉志愿者联盟,志愿团队,武汉\n同心基金会,基金会,北京\n".encode()
    mapping = suggest_mapping(["机构名称", "机构类型", "地区"])
    tables = MappedFormat(mapping).convert("orgs.csv", data, ImportContext()).tables
    result = validate(tables, known(db))
    assert result.ok, result.problems
    ids = result.frames["organizations"]["org_id"].tolist()
    assert all(i.startswith("M-") for i in ids) and len(set(ids)) == 2


def _choose_accepts_formats() -> bool:
    try:
        return formats.choose("x.csv", b"a,b\n", MappedFormat(Mapping("needs"))).name == "mapped"
    except (KeyError, TypeError):
        return False


@pytest.mark.skipif(not _choose_accepts_formats(),
                    reason="importer does not yet accept a Format object as fmt")
def test_import_files_with_a_mapping(db):
    report = import_files(db, [SourceFile("医院需求.csv", HOSPITAL_CSV)],
                          fmt=MappedFormat(hospital_mapping()))
    assert report.ok and report.committed, report.problems
    assert report.written == {"facilities": 2, "needs": 3}


# --- The Data page's section ----------------------------------------------------------


def _section_app(csv: bytes, lang: str = "zh"):
    """A page running only the mapping section on one upload (AppTest cannot upload)."""
    from streamlit.testing.v1 import AppTest

    def page(data, lang):
        import streamlit as st

        from dashboard.app.frame import View
        from dashboard.app.mapping import mapping_section

        view = View(lang, None, 7, ("", "", "hub"), None, None)
        # The Data page hands over only the files no built-in format reads.
        report = mapping_section(view, [("医院需求.csv", data)])
        if report is not None:
            st.session_state["committed"] = report.committed

    at = AppTest.from_function(page, args=(csv, lang), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_mapping_section_previews_validates_and_saves(db):
    at = _section_app(HOSPITAL_CSV)
    assert at.subheader[0].value == "列映射"
    assert at.selectbox[0].value == 0  # the header row: the first
    assert at.selectbox[1].value == "needs"  # the table; only one file
    assert at.checkbox[0].value  # facility names, no ids
    assert not at.warning  # categories come from the items, facility types from names
    at.text_input[0].input("医院需求").run()
    at.button[0].click().run()  # save
    assert list_profiles() == ["医院需求"]
    assert load_profile("医院需求").columns["所在区县"] == "region"
    # The saved profile is offered as a starting point next time.
    again = _section_app(HOSPITAL_CSV, lang="en")
    assert again.subheader[0].value == "Column mapping"
    assert again.selectbox[0].options == ["Automatic suggestion", "医院需求"]


def test_mapping_section_imports_once_valid(db):
    mapping = hospital_mapping()
    save_profile("hospitals", mapping)
    at = _section_app(HOSPITAL_CSV)
    at.selectbox[0].set_value("hospitals").run()
    assert not at.warning and at.success, [w.value for w in at.warning]
    # The first rows, the two editors (headers, constants), then the preview: facilities
    # and needs.
    assert [d.value.shape[0] for d in at.dataframe] == [4, 5, 1, 2, 3]
    assert "设施编号" in at.dataframe[-1].value.columns  # translated headers
    import_button = next(b for b in at.button if b.label == "按此映射导入")
    assert not import_button.disabled
    if not _choose_accepts_formats():
        pytest.skip("importer does not yet accept a Format object as fmt")
    import_button.click().run()
    assert at.session_state["committed"]
    assert store.row_counts(db)["needs"] == 3


def test_cli_imports_with_a_saved_profile(tmp_path, capsys):
    from dashboard.cli import main
    from data_loaders.ingest.mapping import save_profile, suggest_mapping

    sheet = tmp_path / "填报.csv"
    sheet.write_text("医院名称,所在区县,需要物资,数量,填报时间\n"
                     "江汉医院,江汉区,N95口罩,100,2020-02-10\n", encoding="utf-8")
    db = tmp_path / "m.duckdb"
    mapping = suggest_mapping(["医院名称", "所在区县", "需要物资", "数量", "填报时间"])
    mapping.constants["category"] = "ppe"  # the sheet has none; the person set it on the page
    save_profile("hubei-sheet", mapping, tmp_path / "mappings")
    assert main(["import", str(sheet), "--db", str(db), "--mapping", "hubei-sheet"]) == 0
    assert "needs: 1 rows" in capsys.readouterr().out
    assert main(["import", str(sheet), "--db", str(db), "--mapping", "../etc"]) == 2
