"""Values that cannot be true, files no parser may crash on, and contacts (issue 11 §7, §2).

Each class of hostile input found by the crafted-file run has a test here that fails
when its protection is removed. Every refusal is a Problem or a ReadError with a stable
code, never a traceback and never garbled data in the store. The files under
tests/data/hostile/ are described in its README.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard.i18n import problem_message
from data_loaders import store
from data_loaders.ingest import readers, values
from data_loaders.ingest.formats import ImportContext
from data_loaders.ingest.formats.hospital_feed import HospitalFeedFormat, parse_remark, scrub
from data_loaders.ingest.formats.hxl import HxlFormat
from data_loaders.ingest.importer import SourceFile, import_files
from data_loaders.store import schema

HOSTILE = Path(__file__).parent / "data" / "hostile"
FACILITIES = "facility_id,name,facility_type,region\nH1,医院一,hospital,武汉\n"
REMOVED = values.CONTACT_REMOVED


def run(con, *files):
    return import_files(con, [SourceFile(name, data) for name, data in files])


def fixture(name: str) -> tuple[str, bytes]:
    return name, (HOSTILE / name).read_bytes()


def problems(report) -> list[tuple]:
    return [(p.file, p.row, p.column, p.code) for p in report.problems]


def refusal(data: bytes, name: str = "facilities.csv") -> readers.ReadError:
    with pytest.raises(readers.ReadError) as caught:
        readers.read_file(name, data)
    return caught.value


def window() -> str:
    return f"2000-01-01 – {(date.today() + timedelta(days=366)).isoformat()}"


# -- 1. dates outside a plausible window ---------------------------------------------------
def test_dates_outside_the_window_are_refused_with_their_row(db):
    report = run(db, ("facilities.csv", FACILITIES.encode()), fixture("needs_implausible_dates.csv"))
    file = "needs_implausible_dates.csv"
    assert problems(report) == [(file, 3, "reported_on", "implausible_date"),
                                (file, 4, "reported_on", "implausible_date"),
                                # An Excel serial (25000 = 1968) obeys the same window.
                                (file, 5, "reported_on", "implausible_date"),
                                (file, 6, "closed_on", "implausible_date")]
    assert {p.expected for p in report.problems} == {window()}
    assert store.row_counts(db)["needs"] == 0
    message, fix = problem_message(report.problems[0], "zh")
    assert "年份" in message and window() in fix


def test_the_window_is_configured_by_environment(monkeypatch):
    monkeypatch.setenv("LIFELINE_EARLIEST_DATE", "2019-12-01")
    monkeypatch.setenv("LIFELINE_MAX_DAYS_AHEAD", "0")
    assert values.plausible_date(date(2019, 12, 1)) == date(2019, 12, 1)
    with pytest.raises(values.ValueProblem) as caught:
        values.plausible_date(date.today() + timedelta(days=1))
    assert caught.value.expected == f"2019-12-01 – {date.today().isoformat()}"
    # Values that cannot be read mean the defaults, never a window without an end.
    for earliest, ahead in (("yesterday", "-3"), ("9999-01-01", "1e9"), ("", "")):
        monkeypatch.setenv("LIFELINE_EARLIEST_DATE", earliest)
        monkeypatch.setenv("LIFELINE_MAX_DAYS_AHEAD", ahead)
        assert values.date_window() == (date(2000, 1, 1), date.today() + timedelta(days=366))


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_the_command_line_refuses_implausible_dates(text, capsys):
    from dashboard.cli import _date, main

    with pytest.raises(argparse.ArgumentTypeError, match="implausible date"):
        _date(text)
    with pytest.raises(SystemExit) as caught:
        main(["export", "needs", "--as-of", text])
    assert caught.value.code == 2
    assert "implausible date" in capsys.readouterr().err
    assert _date("2020-02-15") == date(2020, 2, 15)


# -- 2. numbers that are not finite or beyond a sane bound ----------------------------------
def test_impossible_quantities_are_refused_and_minus_zero_is_zero(db):
    report = run(db, ("facilities.csv", FACILITIES.encode()), fixture("needs_impossible_numbers.csv"))
    file = "needs_impossible_numbers.csv"
    assert problems(report) == [(file, 3, "quantity", "above_maximum"),   # 1e308
                                (file, 4, "quantity", "tiny_number"),     # 1e-320
                                (file, 5, "quantity", "bad_number"),      # inf
                                (file, 6, "quantity", "bad_number"),      # nan
                                (file, 7, "quantity", "above_maximum"),   # 2e9 > MAX_QUANTITY
                                (file, 8, "quantity", "above_maximum")]   # 999…9万 → inf
    assert report.problems[4].expected == "≤ 1,000,000,000"
    assert values.parse_number("-0") == 0.0 and math.copysign(1, values.parse_number("-0")) == 1


@pytest.mark.parametrize("value, code", [
    (10**400, "above_maximum"), (-(10**400), "below_minimum"), ("1" * 400, "above_maximum"),
    (1e308, "above_maximum"), (5e-324, "tiny_number"), ("1e-320", "tiny_number"),
    (float("inf"), "above_maximum"), (float("nan"), "bad_number"), ("Infinity", "bad_number"),
    ("NaN", "bad_number"),
])
def test_number_parsers_never_overflow(value, code):
    for parse in (values.parse_number, values.parse_int):
        with pytest.raises(values.ValueProblem) as caught:
            parse(value)
        assert caught.value.code == code


def test_every_count_and_amount_is_bounded_so_totals_cannot_overflow():
    rows = 10**9  # far more than the store will ever hold
    for table in schema.TABLES.values():
        for col in table.input_columns:
            if col.kind in (schema.INT, schema.FLOAT):
                assert col.maximum is not None and col.minimum is not None, (table.name, col.name)
                total = max(abs(col.maximum), abs(col.minimum)) * rows
                assert total < (2**63 if col.kind == schema.INT else 1e300), (table.name, col.name)


def test_a_huge_json_integer_is_a_problem_not_an_overflow(db):
    report = run(db, ("facilities.csv", FACILITIES.encode()), fixture("needs_huge_integer.json"))
    assert problems(report) == [("needs_huge_integer.json", 1, "quantity", "above_maximum"),
                                ("needs_huge_integer.json", 2, "quantity", "above_maximum")]
    # An id that long keeps every digit.
    doc = readers.load_json('[{"id": 123456789012345678901234567890}]')
    assert values.parse_id(doc[0]["id"]) == "123456789012345678901234567890"


def test_a_feed_supply_of_ten_to_the_400_is_refused_in_validation():
    from data_loaders.ingest import validation

    record = {"province": "湖北", "city": "武汉市", "district": "江岸区", "name": "某医院",
              "supplies": [{"key": "防护服", "value": 10**400}], "remark": ""}
    conv = HospitalFeedFormat().convert("wuhanshi.json", json.dumps([record]).encode(),
                                        ImportContext(as_of=date(2020, 2, 19)))
    result = validation.validate(conv.tables)
    assert [(p.column, p.code) for p in result.problems] == [("quantity", "above_maximum")]


# -- 3. no parser crash ---------------------------------------------------------------------
@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused(db, depth):
    data = b"[" * depth + b"]" * depth
    assert refusal(data, "needs.json").code == "json_too_deep"
    feed = b'[{"supplies": ' + data + b', "name": "x", "city": "y"}]'
    with pytest.raises(readers.ReadError) as caught:
        HospitalFeedFormat().convert("wuhanshi.json", feed, ImportContext(as_of=date(2020, 2, 19)))
    assert caught.value.code == "json_too_deep"
    report = run(db, ("needs.json", data))
    assert problems(report) == [("needs.json", None, None, "json_too_deep")]
    message, fix = problem_message(report.problems[0], "zh")
    assert "32" in message and fix


def test_a_cell_over_128k_is_refused_naming_its_line(db):
    big = "x" * (readers.MAX_CELL_CHARS + 1)
    csv_data = (FACILITIES + f'H2,"{big}",hospital,武汉\n').encode()
    error = refusal(csv_data)
    assert (error.code, error.detail) == ("cell_too_large", "3")
    hxl = ("名称,物资\n#loc+name,#item+name\n" + f"医院,{big}\n").encode()
    with pytest.raises(readers.ReadError) as caught:
        HxlFormat().convert("needs.csv", hxl, ImportContext(as_of=date(2020, 2, 19)))
    assert caught.value.code == "cell_too_large"
    records = json.dumps([{"facility_id": "H1", "name": "a"}, {"facility_id": "H2", "name": big}])
    error = refusal(records.encode(), "facilities.json")
    assert (error.code, error.detail) == ("cell_too_large", "2")  # the second record
    report = run(db, ("facilities.csv", csv_data))
    assert problems(report) == [("facilities.csv", None, None, "cell_too_large")]
    assert problem_message(report.problems[0], "en")[0] == \
        "Row 3 holds a cell far too long for table data"


def test_a_header_of_too_many_columns_is_refused_before_the_rows():
    header = ",".join(f"c{i}" for i in range(readers.MAX_COLUMNS + 1))
    # The row after it would be a cell_too_large: the header is checked first.
    data = f'{header}\n"{"x" * (readers.MAX_CELL_CHARS + 1)}"\n'.encode()
    assert (refusal(data).code, refusal(data).detail) == ("too_many_columns", "1001")
    record = {f"c{i}": i for i in range(readers.MAX_COLUMNS + 1)}
    assert refusal(json.dumps([record]).encode(), "x.json").code == "too_many_columns"


def _wide_workbook(declared: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["facility_id", "name"])
    sheet.cell(row=2, column=readers.MAX_COLUMNS + 1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    if declared:
        return buffer.getvalue()
    # Without <dimension> the sheet's size is only known row by row.
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                part = re.sub(rb"<dimension[^>]*/>", b"", part)
            dst.writestr(item, part)
    return out.getvalue()


@pytest.mark.parametrize("declared", [True, False])
def test_a_sheet_of_too_many_columns_is_refused(declared, monkeypatch):
    data = _wide_workbook(declared)
    if declared:  # refused from the sheet's declared size: its rows are never read
        monkeypatch.setattr(readers, "sheet_rows", None)
    error = refusal(data, "facilities.xlsx")
    assert (error.code, error.detail) == ("too_many_columns", "1001")


# -- 4. text ------------------------------------------------------------------------------------
def test_a_nul_byte_anywhere_is_refused_naming_its_line():
    rows = "".join(f"H{i},医院{i},hospital,武汉\n" for i in range(2, 300))  # past the first 4 KB
    data = (FACILITIES + rows).encode() + b"H300,\x00,hospital,\xe6\xad\xa6\xe6\xb1\x89\n"
    assert len(data) > 4096
    error = refusal(data)
    assert (error.code, error.detail) == ("nul_byte", "301")  # header, H1, H2…H299, then it
    early = refusal(b"facility_id,name\nH1,a\x00b\n")
    assert (early.code, early.detail) == ("nul_byte", "2")
    assert refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").code == "not_a_table"  # binary


def test_a_file_mixing_encodings_is_refused_naming_the_line(db):
    report = run(db, fixture("facilities_mixed_encoding.csv"))
    problem, = report.problems
    assert (problem.code, problem.value) == ("mixed_encoding", "3")
    message, _fix = problem_message(problem, "zh")
    assert "第 3 行" in message
    assert store.row_counts(db)["facilities"] == 0  # nothing stored garbled
    # UTF-8 with one GBK line (line 3 of 4): the GBK line is named.
    data = ("facility_id,name,facility_type,region\nH1,江汉医院,hospital,武汉\n".encode()
            + "H2,孝感医院,hospital,孝感\n".encode("gbk") + "H3,鄂州医院,hospital,鄂州\n".encode())
    error = refusal(data)
    assert (error.code, error.detail) == ("mixed_encoding", "3")


@pytest.mark.parametrize("name", ["organizations_latin1.csv", "organizations_cp1252.csv"])
def test_latin1_and_windows_1252_are_refused_not_guessed(db, name):
    report = run(db, fixture(name))
    problem, = report.problems
    assert (problem.code, problem.value) == ("unsupported_encoding", "2")
    assert store.row_counts(db)["organizations"] == 0
    message, fix = problem_message(problem, "en")
    assert "UTF-8" in message and "GB18030" in message and "CSV UTF-8" in fix
    message, fix = problem_message(problem, "zh")
    assert "UTF-8" in message and "另存为" in fix


def test_gb18030_from_excel_reads_exactly_with_rare_characters(db):
    report = run(db, fixture("facilities_gb18030_excel.csv"))
    assert report.ok, report.problems
    stored = store.read_table(db, "facilities").set_index("facility_id")
    assert stored.loc["E1", "name"] == "鄂州市中心医院"
    assert stored.loc["X1", "region_adcode"] == "420900"  # 孝感
    assert stored.loc["S1", "name"] == "恩施土家族苗族自治州中心医院"
    assert stored.loc["S1", "region_adcode"] == "422800"
    assert stored.loc["S2", "name"] == "利川市堃鹏社区"  # 堃, 喆: GBK, not GB2312
    assert stored.loc["S3", "name"] == "咸丰县喆园村"


def test_utf8_with_and_without_bom_read_alike():
    text = "facility_id,name,facility_type,region\nS1,恩施土家族苗族自治州中心医院,hospital,恩施\n"
    assert readers.decode(text.encode()) == (text, "utf-8-sig")
    assert readers.decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8-sig")


def test_a_prefix_cut_inside_a_character_still_decodes_but_a_stray_byte_does_not():
    data = "名称,地区\n武汉协和医院,武汉\n".encode()
    assert readers.decode(data[:-2]) == ("名称,地区\n武汉协和医院,武", "utf-8-sig")  # sniffing
    assert refusal(b"name,region\nCafe,Wuhan\nResto,Wuh\xe9").code == "unsupported_encoding"


def test_bidirectional_and_invisible_controls_are_stripped(db):
    spoof = "\u202e院医\u202c\u2066江汉\u2069\u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068"
    assert values.clean_text(spoof) == "院医江汉"
    data = f"facility_id,name,facility_type,region\nH1,{spoof},hospital,武汉\n".encode()
    assert run(db, ("facilities.csv", data)).ok
    assert store.read_table(db, "facilities")["name"].tolist() == ["院医江汉"]


# -- 5. contacts are never stored -----------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("武汉市第一医院(对接人吴刚 13622223333)", f"武汉市第一医院({REMOVED})"),
    ("联系人：王老师", REMOVED),
    ("负责人张三，电话 87654321", f"{REMOVED}，{REMOVED}"),
    ("联系：李四", REMOVED),
    ("请拨 138-1234-5678", f"请拨 {REMOVED}"),
    ("请拨 138 2222 3333", f"请拨 {REMOVED}"),
    ("请拨 +86 138 1234 5678", f"请拨 {REMOVED}"),
    ("孝感 0710-3334444", f"孝感 {REMOVED}"),
    ("武汉 027-87654321", f"武汉 {REMOVED}"),
    ("武汉 (027)87654321", f"武汉 {REMOVED}"),
    ("武汉 （027）87654321", f"武汉 {REMOVED}"),
    ("微信：abc_123", REMOVED),
    ("微信号 wxid_88", REMOVED),
    ("WeChat: zhang_san1", REMOVED),
    ("邮箱 a.b@example.org", f"邮箱 {REMOVED}"),
])
def test_contacts_are_removed(text, expected):
    assert values.strip_contacts(text) == expected
    assert scrub(text) == expected  # the feed's notes use the one scrubber


@pytest.mark.parametrize("text", [
    "2020-01-26", "2020年1月26日 13:00", "20200126", "420100", "数量 20000", "数量 20000000",
    "http://www.hubei.gov.cn/zhuanti/t20200126_1234567.shtml", "账号：567757550053",
    "账号 4200 1867 1080 5000 1234", "收款账号 42001867108050001234", "N95 口罩 1860 型 500 只",
    "联系医院采购", "联系我们", "微信公众号", "GB 19083-2010",
])
def test_dates_codes_quantities_urls_and_accounts_are_left_alone(text):
    assert values.strip_contacts(text) == text


def test_feed_remark_lines_with_any_contact_are_dropped():
    remark = ("奥司他韦胶囊 500盒\n捐赠物资送达后请回电 138 2222 3333\n加微信：abc_123 对接\n"
              "公示：http://www.hubei.gov.cn/t20200126_1234567.shtml")
    out = parse_remark(remark)
    assert out.dropped_contact_lines == 2
    assert out.notes == ["公示:http://www.hubei.gov.cn/t20200126_1234567.shtml"]


def test_every_feed_note_is_scrubbed():
    record = {"province": "湖北", "city": "武汉市", "district": "江岸区",
              "name": "某物资站(对接人吴刚 13622223333)",
              "supplies": [{"key": "口罩 微信：abc_123", "value": 1}], "remark": ""}
    conv = HospitalFeedFormat().convert("wuhanshi.json", json.dumps([record]).encode(),
                                        ImportContext(as_of=date(2020, 2, 19)))
    notes = "\n".join(str(note) for note in conv.notes)
    assert REMOVED in notes
    assert "13622223333" not in notes and "吴刚" not in notes and "abc_123" not in notes
