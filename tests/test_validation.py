"""Validation and import: every bad input named precisely, nothing half-written."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files
from tests.conftest import BOTH

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

FACILITIES = "facility_id,name,facility_type,region\nH1,医院一,hospital,武汉\n"


def run(con, *files, **kw):
    return import_files(con, [SourceFile(name, data) for name, data in files], **kw)


def codes(report):
    return [(p.file, p.row, p.column, p.code) for p in report.problems]


def only(report):
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def test_valid_template_imports_and_logs(db):
    report = run(db, ("facilities.csv", FACILITIES.encode()))
    assert report.ok and report.written == {"facilities": 1}
    history = store.import_history(db)
    assert list(history["file_name"]) == ["facilities.csv"] and history["rows"][0] == 1
    assert len(history["sha256"][0]) == 64


def test_unknown_region_suggests_the_closest_name(db):
    data = "facility_id,name,facility_type,region\nH1,医院,hospital,大治市\n"
    problem = only(run(db, ("facilities.csv", data.encode())))
    assert (problem.file, problem.row, problem.column, problem.value, problem.code) == (
        "facilities.csv", 2, "region", "大治市", "unknown_region")
    assert "大冶市" in problem.suggestion


def test_unknown_category_and_status_list_the_allowed_values(db):
    needs = ("need_id,facility_id,reported_on,category,status\n"
             "N1,H1,2020-02-01,masks,open\nN2,H1,2020-02-01,ppe,done\n")
    report = run(db, ("facilities.csv", FACILITIES.encode()), ("needs.csv", needs.encode()))
    assert codes(report) == [("needs.csv", 2, "category", "unknown_value"),
                             ("needs.csv", 3, "status", "unknown_value")]
    assert "ppe [防护用品]" in report.problems[0].expected
    assert store.row_counts(db)["facilities"] == 0  # all or nothing


def test_every_problem_is_reported_at_once(db):
    data = ("facility_id,name,facility_type,region,lat,lon\n"
            "H1,甲,hospital,武汉,95,114\n"           # latitude out of range
            "H1,乙,hospital,武汉,30.6,114.3\n"       # duplicate id
            "H3,,clinic,武汉,30.6,114.3\n")          # missing name, unknown type
    report = run(db, ("facilities.csv", data.encode()))
    assert codes(report) == [
        ("facilities.csv", 2, "lat", "above_maximum"),
        ("facilities.csv", 3, "facility_id", "duplicate_id"),
        ("facilities.csv", 4, "name", "required"),
        ("facilities.csv", 4, "facility_type", "unknown_value"),
    ]
    assert report.problems[1].suggestion == "facilities.csv:2"


def test_reference_to_unknown_facility(db):
    needs = "need_id,facility_id,reported_on,category\nN1,NOPE,2020-02-01,ppe\n"
    problem = only(run(db, ("needs.csv", needs.encode())))
    assert (problem.column, problem.value, problem.code, problem.expected) == (
        "facility_id", "NOPE", "unknown_reference", "facilities")


def test_references_resolve_against_the_store(db):
    assert run(db, ("facilities.csv", FACILITIES.encode())).ok
    needs = "need_id,facility_id,reported_on,category\nN1,H1,2020-02-01,ppe\n"
    assert run(db, ("needs.csv", needs.encode())).ok


@pytest.mark.parametrize("row, column, code", [
    ("N1,H1,2020-02-31,ppe,5,open,", "reported_on", "impossible_date"),
    ("N1,H1,yesterday,ppe,5,open,", "reported_on", "bad_date"),
    ("N1,H1,2020-02-01,ppe,-5,open,", "quantity", "below_minimum"),
    ("N1,H1,2020-02-01,ppe,many,open,", "quantity", "bad_number"),
    ("N1,H1,2020-02-01,ppe,5,met,", "closed_on", "closed_on_required"),
    ("N1,H1,2020-02-05,ppe,5,met,2020-02-01", "closed_on", "closed_before_reported"),
])
def test_bad_need_values(db, row, column, code):
    needs = "need_id,facility_id,reported_on,category,quantity,status,closed_on\n" + row + "\n"
    report = run(db, ("facilities.csv", FACILITIES.encode()), ("needs.csv", needs.encode()))
    assert codes(report) == [("needs.csv", 2, column, code)]
    assert store.row_counts(db)["needs"] == 0


@pytest.mark.parametrize("name, data, code", [
    ("facilities.csv", b"", "empty_file"),
    ("facilities.csv", b"   \n\n", "empty_file"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_table"),
    ("notes.txt", "只是一段文字，没有表格\n".encode(), "not_a_table"),
    ("broken.json", b'{"a": ', "not_a_table"),
    ("book.xlsx", b"PK\x03\x04 not really a zip", "not_a_table"),
])
def test_files_that_are_not_tables(db, name, data, code):
    problem = only(run(db, (name, data)))
    assert (problem.file, problem.code) == (name, code)


def test_upload_over_the_size_limit_is_refused(db, monkeypatch):
    monkeypatch.setenv("LIFELINE_MAX_UPLOAD_MB", "0.001")  # about 1 KB
    big = FACILITIES + "".join(f"H{i},医院{i},hospital,武汉\n" for i in range(2, 200))
    problem = only(run(db, ("facilities.csv", big.encode())))
    assert problem.code == "file_too_large"
    assert store.row_counts(db)["facilities"] == 0


def test_unknown_table_is_reported(db):
    problem = only(run(db, ("stuff.csv", b"colour,size\nred,1\n")))
    assert problem.code == "unknown_table"


def test_missing_required_column(db):
    problem = only(run(db, ("facilities.csv", "facility_id,name,region\nH1,a,武汉\n".encode())))
    assert (problem.code, problem.column) == ("missing_column", "facility_type")


def test_chinese_headers_values_and_dates_in_gb18030(db):
    text = ("设施编号,名称,类型,地区,纬度,经度,坐标系,定点\n"
            "H1,江汉医院,医院,江汉区,30.58,114.27,百度,是\n"
            "C1,幸福社区,社区,汉川,30.66,113.83,WGS84,否\n")
    needs = ("需求编号,设施编号,上报日期,类别,紧急程度,受益人群,状态,关闭日期\n"
             "N1,H1,2020年2月15日,防护用品,紧急,医护人员,已满足,2020/2/20\n"
             "N2,C1,43876,食品,一般,老人,未满足,\n")
    report = run(db, ("设施.csv", text.encode("gb18030")), ("需求.csv", needs.encode("gb18030")))
    assert report.ok, report.problems
    facilities = store.read_table(db, "facilities").set_index("facility_id")
    assert facilities.loc["H1", "region_adcode"] == "420100"
    assert facilities.loc["H1", "county_adcode"] == "420103"
    assert facilities.loc["C1", "region_adcode"] == "420900"  # 汉川 rolls up to 孝感
    assert bool(facilities.loc["H1", "designated"]) is True
    assert facilities.loc["H1", "coord_system"] == "bd09"
    needs_out = store.read_table(db, "needs").set_index("need_id")
    assert str(needs_out.loc["N1", "reported_on"])[:10] == "2020-02-15"
    assert str(needs_out.loc["N1", "closed_on"])[:10] == "2020-02-20"
    assert str(needs_out.loc["N2", "reported_on"])[:10] == "2020-02-15"  # Excel serial
    assert needs_out.loc["N1", "category"] == "ppe"


def test_bd09_points_are_converted_to_the_boundary_system(db):
    from geo.coords import BOUNDARY_SYSTEM, to_system

    text = ("facility_id,name,facility_type,region,lat,lon,coord_system\n"
            "H1,a,hospital,武汉,30.58,114.27,bd09\nH2,b,hospital,武汉,30.58,114.27,wgs84\n")
    assert run(db, ("facilities.csv", text.encode())).ok
    rows = store.read_table(db, "facilities").set_index("facility_id")
    for fid, system in (("H1", "bd09"), ("H2", "wgs84")):
        lat, lon = to_system(30.58, 114.27, system, BOUNDARY_SYSTEM)
        assert rows.loc[fid, "map_lat"] == pytest.approx(float(lat), abs=1e-9)
        assert rows.loc[fid, "map_lon"] == pytest.approx(float(lon), abs=1e-9)
    assert rows.loc["H1", "map_lon"] != rows.loc["H2", "map_lon"]


def test_xlsx_workbook_with_a_sheet_per_table(db):
    book = Workbook()
    sheet = book.active
    sheet.title = "facilities"
    sheet.append(["facility_id", "name", "facility_type", "region"])
    sheet.append(["H1", "医院", "hospital", "武汉"])
    needs = book.create_sheet("needs")
    needs.append(["need_id", "facility_id", "reported_on", "category"])
    from datetime import datetime
    needs.append(["N1", "H1", datetime(2020, 2, 15), "ppe"])
    buf = io.BytesIO()
    book.save(buf)
    report = run(db, ("template.xlsx", buf.getvalue()))
    assert report.ok, report.problems
    assert report.written == {"facilities": 1, "needs": 1}


def test_json_records(db):
    doc = {"facilities": [{"facility_id": "H1", "name": "医院", "facility_type": "hospital",
                           "region": "420100"}]}
    report = run(db, ("data.json", json.dumps(doc, ensure_ascii=False).encode()))
    assert report.ok and report.written == {"facilities": 1}


def test_table_is_known_from_the_header_when_the_name_says_nothing(db):
    assert run(db, ("export (3).csv", FACILITIES.encode())).written == {"facilities": 1}


def test_reimport_does_not_duplicate_and_a_changed_row_updates(db):
    assert run(db, ("facilities.csv", FACILITIES.encode())).ok
    assert run(db, ("facilities.csv", FACILITIES.encode())).ok
    changed = FACILITIES.replace("医院一", "医院一（新名）")
    assert run(db, ("facilities.csv", changed.encode())).ok
    rows = store.read_table(db, "facilities")
    assert list(rows["name"]) == ["医院一（新名）"]


def test_html_and_formulas_are_data_stored_as_given(db):
    data = ('facility_id,name,facility_type,region\n'
            'H1,"<script>alert(1)</script>",hospital,武汉\nH2,=HYPERLINK("x"),hospital,武汉\n')
    assert run(db, ("facilities.csv", data.encode())).ok
    names = list(store.read_table(db, "facilities")["name"])
    assert names == ["<script>alert(1)</script>", '=HYPERLINK("x")']


def test_region_outside_the_province_resolves_for_organisations(db):
    data = "org_id,name,org_type,region\nF1,基金会,基金会,北京\n"
    assert run(db, ("organizations.csv", data.encode())).ok
    row = store.read_table(db, "organizations").iloc[0]
    assert row["region_adcode"] == "110000" and row["org_type"] == "foundation"


def test_dry_run_writes_nothing(db):
    report = run(db, ("facilities.csv", FACILITIES.encode()), dry_run=True)
    assert report.ok and not report.committed
    assert store.row_counts(db)["facilities"] == 0


@pytest.mark.parametrize("backend", ["duckdb"])  # files beside the file (PostgreSQL: in it)
def test_raw_upload_is_kept_by_sha256(db, tmp_path):
    uploads = tmp_path / "uploads"
    source = SourceFile("../../etc/facilities.csv", FACILITIES.encode())
    report = import_files(db, [source], uploads_dir=uploads)
    assert report.ok
    assert (uploads / source.sha256).read_bytes() == FACILITIES.encode()
    assert store.import_history(db)["file_name"][0] == "facilities.csv"  # no folder part


def test_raw_upload_is_kept_beside_the_database_it_went_into(tmp_path):
    con = store.connect(tmp_path / "elsewhere.duckdb")
    assert run(con, ("facilities.csv", FACILITIES.encode())).ok
    assert len(list((tmp_path / "uploads").iterdir())) == 1


def test_free_text_quantities_are_read_in_quantity_columns(db):
    needs = ("need_id,facility_id,reported_on,category,quantity\n"
             "N1,H1,2020-02-01,ppe,1万\nN2,H1,2020-02-01,ppe,4千只\nN3,H1,2020-02-01,ppe,1.5万\n"
             "N4,H1,2020-02-01,ppe,防护服1万\n")
    report = run(db, ("facilities.csv", FACILITIES.encode()), ("needs.csv", needs.encode()),
                 accept_valid=True)
    # Words besides the quantity are not guessed away: that row is kept back.
    assert codes(report) == [("needs.csv", 5, "quantity", "bad_number")]
    got = store.read_table(db, "needs").set_index("need_id")["quantity"].to_dict()
    assert got == {"N1": 10000, "N2": 4000, "N3": 15000}
