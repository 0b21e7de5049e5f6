"""Hostile input, tried and tested (issue 7 §5; the protections are listed in docs/SECURITY.md).

Every protection has a test here that fails when the protection is removed:

1. HTML, JavaScript and Markdown in names are shown as the text they are: map tooltips,
   plotly hover text and labels, tables, Markdown captions and the briefing.
2. Cells that a spreadsheet would run as a formula are neutralised in every CSV the app
   and the command line write.
3. An upload's name is never a path: raw files are kept under their SHA-256, and the
   name shown and logged is the sanitised base name.
4. An upload over ``LIFELINE_MAX_UPLOAD_MB`` is refused with nothing written or kept.
5. An XLSX zip bomb is refused before openpyxl expands it.
6. SQL metacharacters in every filter are literals or refused; nothing changes.

The hostile store is the demo scenario with every organisation and facility renamed to a
payload (and some items), imported through the real importer from CSV files.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import time
import tracemalloc
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from dashboard import pages
from dashboard.app.frame import open_page
from dashboard.i18n import problem_message
from dashboard.present.charts import DECK_TOOLTIP, deck, facility_points, hub_points
from dashboard.present.exports import FORMULA_STARTS, csv_bytes, neutralise, safe_frame
from dashboard.present.markup import md
from data_loaders import store
from data_loaders.ingest import readers
from data_loaders.ingest.importer import (
    SourceFile,
    import_files,
    import_paths,
    max_upload_bytes,
    safe_name,
)
from data_loaders.store import schema
from tests.conftest import ROOT

HTML_PAYLOADS = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
                 '<a href="javascript:alert(1)">x</a>')
MARKDOWN_PAYLOADS = ("[x](javascript:alert(1))", "**bold**", "javascript:alert(1)")
FORMULA_PAYLOADS = ('=HYPERLINK("http://evil","x")', "@SUM(1+1)", "+1+1", "-1+1")
SQL_PAYLOADS = ("x'); DROP TABLE needs; --", "' OR 1=1 --")
PAYLOADS = HTML_PAYLOADS + MARKDOWN_PAYLOADS + FORMULA_PAYLOADS + SQL_PAYLOADS
# Text that must never reach a page's Markdown or a chart's markup verbatim.
MARKUP = HTML_PAYLOADS + MARKDOWN_PAYLOADS

HOSTILE_PARAMS = {
    "region": "' OR 1=1 --",
    "province": "420000' OR '1'='1",
    "category": "x'); DROP TABLE needs; --",
    "org_type": "partner' OR '1'='1",
    "as_of": "2020-02-15'; DELETE FROM needs; --",
    "window": "7; DROP TABLE needs",
    "metric": "open_needs; DROP TABLE needs --",
}
PAGES = [page.name for page in pages.PAGES]


def hostile(i: int, key: str) -> str:
    """A payload followed by the row's id (names stay distinct)."""
    return f"{PAYLOADS[i % len(PAYLOADS)]} {key}"


def _dates(frame: pd.DataFrame, table: schema.Table) -> pd.DataFrame:
    for col in table.columns:
        if col.kind == schema.DATE and col.name in frame.columns:
            frame[col.name] = frame[col.name].astype("string").str.slice(0, 10)
    return frame


def distribution_sheet(recipients: list[str]) -> bytes:
    """A print-style distribution list (docs/FORMATS-distribution-sheet.md) whose recipients
    match no facility, so each waits in the review queue under its hostile name."""
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["某区红十字会发放物资一览表", None, None, None, None])
    ws.append([43860, None, None, None, None])
    ws.append(["接收单位", "品名", "规格", "计量单位", "数量"])
    for name in recipients:
        ws.append([name, "N95口罩", None, "箱", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_hostile_db(demo_db_path: Path, folder: Path) -> Path:
    """A copy of the demo store whose organisations and facilities carry hostile names,
    written through the importer from CSV files (natural keys replace the rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "hostile.duckdb"
    shutil.copy(demo_db_path, db)
    source = folder / "source"
    source.mkdir()
    con = store.connect(db)
    try:
        orgs = store.read_table(con, "organizations")
        orgs["name"] = [hostile(i, k) for i, k in enumerate(orgs["org_id"])]
        orgs["region"] = orgs["region_adcode"]
        orgs[[c.name for c in schema.ORGANIZATIONS.input_columns]].to_csv(
            source / "organizations.csv", index=False)
        facilities = store.read_table(con, "facilities")
        facilities["name"] = [hostile(i + 3, k) for i, k in enumerate(facilities["facility_id"])]
        facilities["region"] = facilities["region_adcode"]
        facilities[[c.name for c in schema.FACILITIES.input_columns]].to_csv(
            source / "facilities.csv", index=False)
        for name in ("needs", "deliveries"):  # a free-text field on every seventh row
            table = schema.TABLES[name]
            frame = _dates(store.read_table(con, name).iloc[::7].copy(), table)
            frame["item"] = [hostile(i, "item") for i in range(len(frame))]
            frame[[c.name for c in table.input_columns]].to_csv(source / f"{name}.csv", index=False)
        report = import_paths(con, [source])
        assert report.ok and report.committed, report.problems[:5]
        sheet = source.parent / "list.xlsx"
        sheet.write_bytes(distribution_sheet(list(HTML_PAYLOADS + MARKDOWN_PAYLOADS)))
        report = import_paths(con, [sheet])
        assert report.committed and len(report.review) == 6, report.problems[:5]
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def hostile_db(demo_db_path, tmp_path_factory) -> Path:
    return build_hostile_db(demo_db_path, tmp_path_factory.mktemp("hostile"))


def counts(db: Path) -> dict[str, int]:
    con = store.connect(db, read_only=True)
    try:
        found = store.row_counts(con)
        found["review_queue"] = con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
        found["import_log"] = con.execute("SELECT count(*) FROM imports").fetchone()[0]
        return found
    finally:
        con.close()


@pytest.fixture(scope="module")
def hostile_counts(hostile_db) -> dict[str, int]:
    """Rows per table of the hostile store as built (before any page or filter ran)."""
    return counts(hostile_db)


# -- Every page under AppTest, once, on the hostile store with a hostile URL ------------------
def _walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _walk(child)


MARKDOWN_TYPES = {"markdown", "caption", "title", "header", "subheader", "info", "warning",
                  "error", "success", "toast"}


def markdown_texts(at) -> list[str]:
    """Everything Streamlit renders as Markdown: text elements, alerts, and the labels of
    widgets, expanders, tabs and metrics (radio options too)."""
    texts = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind in MARKDOWN_TYPES:
            texts.append(str(node.value))
        try:
            label = node.label
        except Exception:  # blocks and unknown elements have no label
            label = None
        if isinstance(label, str):
            texts.append(label)
        if kind == "radio":
            texts.extend(str(o) for o in node.options)
    return texts


def strings(value) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


class PageRun:
    """One page's run: the AppTest and the files its download buttons carry."""

    def __init__(self, at, downloads: list[tuple[str, str, bytes]]):
        self.at = at
        self.downloads = downloads

    def elements(self, kind: str) -> list:
        return [n for n in _walk(self.at._tree) if getattr(n, "type", "") == kind]


@pytest.fixture(scope="module")
def page_runs(hostile_db, hostile_counts) -> dict[str, PageRun]:
    """Each page opened first (as a shared link opens it) with hostile URL parameters on
    the hostile store; every download button is pressed (its file built, as a press builds
    it) and the file captured."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFELINE_DB", str(hostile_db))
        captured: list[tuple[str, str, bytes]] = []
        original = MediaFileManager.add_deferred

        def press(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
            data = data_callable()
            captured.append((file_name or "", mimetype or "", data))
            return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

        mp.setattr(MediaFileManager, "add_deferred", press)
        for page in PAGES:
            captured.clear()
            at = AppTest.from_file(APP, default_timeout=120)
            for key, value in HOSTILE_PARAMS.items():
                at.query_params[key] = value
            if page != "overview":
                open_page(at, page)  # the page a link opens, before any run
            at.run()
            runs[page] = PageRun(at, list(captured))
    return runs


# The URL parameters each page reads (the sidebar's on every page).
READS = {"overview": ("metric",), "partners": ("category", "org_type"),
         "network": ("category", "org_type"), "funding": ("category", "org_type")}


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_with_hostile_data_and_url(page_runs, page):
    at = page_runs[page].at
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, "the page drew nothing"
    # Every hostile filter value the page reads was refused: the URL no longer carries it.
    for key in ("region", "as_of", "window", *READS.get(page, ())):
        assert at.query_params.get(key) != HOSTILE_PARAMS[key], key


# -- 1. HTML, JavaScript and Markdown in names ---------------------------------------------
def test_hostile_names_are_stored_as_given(hostile_db):
    con = store.connect(hostile_db, read_only=True)
    try:
        names = set(store.read_table(con, "organizations")["name"])
        items = set(store.read_table(con, "needs")["item"].dropna())
    finally:
        con.close()
    for payload in PAYLOADS:
        assert any(n.startswith(payload + " ") for n in names), payload
    assert hostile(0, "item") in items and hostile(5, "item") in items  # data, kept as data


@pytest.mark.parametrize("page", PAGES)
def test_no_page_puts_a_name_into_markdown(page_runs, page):
    texts = markdown_texts(page_runs[page].at)
    assert texts
    for text in texts:
        for payload in MARKUP:
            assert payload not in text, (page, text)


def test_markdown_escape_renders_the_text():
    for payload in PAYLOADS:
        escaped = md(payload)
        assert "\n" not in escaped
        assert re.sub(r"\\(.)", r"\1", escaped) == payload  # unescaping gives the name back
        for special in "<>[]()*_`#|$:":
            assert re.search(rf"(?<!\\){re.escape(special)}", escaped) is None, (payload, special)


def test_review_queue_shows_names_escaped(page_runs):
    """The Data page lists the review queue's raw names (from a hostile distribution list)
    in Markdown: escaped, so ``**bold**`` reads as typed."""
    texts = markdown_texts(page_runs["data"].at)
    shown = [t for t in texts if t.startswith("**") and "\\<img" in t]
    assert shown, texts
    assert any(md("**bold**") in t for t in texts)


@pytest.mark.parametrize("page", ["coverage", "needs", "partners", "network", "funding"])
def test_plotly_charts_carry_no_markup(page_runs, page):
    charts = page_runs[page].elements("plotly_chart")
    assert charts or page == "partners"
    texts = [text for chart in charts for text in strings(json.loads(chart.proto.spec))]
    for text in texts:
        for payload in HTML_PAYLOADS:
            assert payload not in text, (page, text)
    if page in ("network", "funding"):  # names are drawn there: escaped, not dropped
        assert any("&lt;img src=x onerror=alert(1)&gt;" in text for text in texts), page


def test_sankey_labels_are_escaped():
    from dashboard.app.frame import View
    from dashboard.app.funding import sankey

    flows = pd.DataFrame({
        "funder_id": ["F1", "F2"], "funder_name": list(HTML_PAYLOADS[:2]),
        "recipient_id": ["R1", "R1"], "recipient_name": [HTML_PAYLOADS[2]] * 2,
        "region_adcode": ["420100", "420100"], "amount_cny": [10.0, 20.0]})
    fig = sankey(flows, View("en", None, 7, ("", ""), None, None))
    labels = list(fig.data[0].node.label)
    for payload in HTML_PAYLOADS:
        assert payload not in labels and html.escape(payload) in labels


def test_map_tooltip_is_a_fixed_template_and_names_travel_as_data():
    """Streamlit's pydeck tooltip renders HTML and fills the template's ``{fields}``
    HTML-escaped (checked in a real browser by tests/test_browser_hostile.py); so the
    template is a constant and every name travels as a field value."""
    assert DECK_TOOLTIP == "<b>{n}</b><br/>{a}<br/>{b}"
    facilities = pd.DataFrame({
        "map_lon": [114.3, 114.4], "map_lat": [30.6, 30.7], "state": ["urgent", "covered"],
        "region_adcode": ["420100", "420100"], "name": list(HTML_PAYLOADS[:2]),
        "facility_type": ["hospital", "community"]})
    hubs = pd.DataFrame({"name": [HTML_PAYLOADS[2]], "prefecture_adcode": ["420100"],
                         "region_adcode": ["420100"]})
    regions = {"type": "FeatureCollection", "features": []}
    chart = deck(regions, facility_points(facilities, "en"),
                 hub_points(hubs, {"420100": (114.3, 30.6)}, "en"), ({"lon": 114, "lat": 30}, 6))
    assert chart._tooltip["html"] == DECK_TOOLTIP
    spec = json.loads(chart.to_json())
    layers = {layer["id"]: layer["data"] for layer in spec["layers"]}
    assert [p["n"] for p in layers["facilities"]] == list(HTML_PAYLOADS[:2])  # as typed
    assert layers["hubs"][0]["n"] == HTML_PAYLOADS[2]
    for record in layers["facilities"] + layers["hubs"]:
        for field in ("a", "b"):
            assert "<" not in record[field]


def test_map_page_sends_names_as_data_under_the_fixed_template(page_runs):
    charts = page_runs["map"].elements("deck_gl_json_chart")
    assert len(charts) == 1
    assert json.loads(charts[0].proto.tooltip)["html"] == DECK_TOOLTIP
    spec = json.loads(charts[0].proto.json)
    names = [p["n"] for layer in spec["layers"] if layer["id"] == "facilities" for p in layer["data"]]
    assert any(n.startswith(HTML_PAYLOADS[0]) for n in names)  # raw: Streamlit escapes it


@pytest.mark.parametrize("page", ["coverage", "needs", "partners", "network", "funding"])
def test_tables_show_names_unchanged(page_runs, page):
    """st.dataframe draws cells as text on a canvas: a name arrives exactly as typed
    (escaping it would show ``&lt;`` to the reader)."""
    cells = set()
    for frame in page_runs[page].at.dataframe:
        value = frame.value
        for col in value.columns:
            cells.update(v for v in value[col] if isinstance(v, str))
    assert any(any(c.startswith(p + " ") for p in HTML_PAYLOADS) for c in cells), page
    assert not any("&lt;" in c for c in cells)


def test_briefing_preview_is_escaped(page_runs):
    frames = page_runs["briefing"].elements("iframe")
    assert len(frames) == 1
    srcdoc = frames[0].proto.srcdoc
    for payload in HTML_PAYLOADS:
        assert payload not in srcdoc
    assert "&lt;img src=x onerror=alert(1)&gt;" in srcdoc or "&lt;script&gt;" in srcdoc
    texts = markdown_texts(page_runs["briefing"].at)
    assert not any(p in t for t in texts for p in MARKUP)


def test_briefing_markdown_and_html_escape_every_payload(hostile_db):
    from dashboard.analytics.metrics import Scope, data_date_range
    from dashboard.briefing import build_brief, render_html, render_markdown

    con = store.connect(hostile_db, read_only=True)
    try:
        brief = build_brief(con, Scope(data_date_range(con)[1], 7), "en")
    finally:
        con.close()
    page, text = render_html(brief, "en"), render_markdown(brief, "en")
    names = [s for s in strings(brief) if any(s.startswith(p + " ") for p in PAYLOADS)]
    assert names  # the briefing lists hostile partners and facilities
    for payload in HTML_PAYLOADS:
        assert payload not in page and payload not in text
    for payload in MARKDOWN_PAYLOADS[:2]:
        assert payload not in text


# -- 2. Formula cells in every download -------------------------------------------------------
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula (a genuine negative number is fine)."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)]


def neutralised_cells(text: str) -> list[str]:
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [cell for row in rows for cell in row if cell.startswith(("'=", "'@", "'+", "'-"))]


def test_neutralise_keeps_numbers_numeric():
    frame = pd.DataFrame({"new_confirmed": [-3, 2], "name": ["-3", '=HYPERLINK("x")'],
                          "=cmd": ["@SUM(1)", "\tx"]})
    out = safe_frame(frame)
    assert out["new_confirmed"].tolist() == [-3, 2]  # numbers stay numbers
    assert out["name"].tolist() == ["'-3", "'=HYPERLINK(\"x\")"]
    assert list(out.columns) == ["new_confirmed", "name", "'=cmd"]
    assert out["'=cmd"].tolist() == ["'@SUM(1)", "'\tx"]
    text = csv_bytes(frame).decode("utf-8-sig")
    assert formula_cells(text) == [] and "\n-3," in text  # the number, as a number
    assert neutralise(-1.5) == -1.5 and neutralise("+1") == "'+1"


@pytest.mark.parametrize("page", PAGES)
def test_every_download_a_page_offers_is_formula_safe(page_runs, page):
    spreadsheets = [(name, data) for name, mime, data in page_runs[page].downloads
                    if mime == "text/csv" or name.endswith(".csv")]
    if page in ("coverage", "needs", "partners", "network", "funding", "methods", "overview"):
        assert spreadsheets, page
    for name, data in spreadsheets:
        text = data.decode("utf-8-sig")
        assert formula_cells(text) == [], (page, name)
    if page in ("needs", "partners", "network", "funding"):
        # The hostile names were there, and were neutralised rather than dropped.
        assert any(neutralised_cells(d.decode("utf-8-sig")) for _, d in spreadsheets), page


EXPORTS = [*([t] for t in schema.TABLES), *(["--hxl", t] for t in schema.TABLES),
           ["needs", "--as-of", "2020-02-15"], ["open_needs"], ["partners"], ["overlaps"],
           ["aggregates"], ["dictionary", "--format", "csv"],
           ["dictionary", "--format", "csv", "--lang", "en"]]


def test_every_cli_export_is_formula_safe(hostile_db, tmp_path, capsys):
    from dashboard.cli import main

    db = tmp_path / "export.duckdb"
    shutil.copy(hostile_db, db)
    seen_neutralised = False
    for args in EXPORTS:
        table = next(a for a in args if not a.startswith("-") and not re.match(r"\d{4}-", a))
        out = tmp_path / f"{table}-{len(args)}.csv"
        assert main(["export", *args, "--db", str(db), "--out", str(out)]) == 0, args
        text = out.read_text(encoding="utf-8-sig")
        assert text.strip(), args
        assert formula_cells(text) == [], (args, formula_cells(text)[:3])
        seen_neutralised |= bool(neutralised_cells(text))
    capsys.readouterr()
    # Standard output carries the same neutralised text.
    assert main(["export", "organizations", "--db", str(db)]) == 0
    assert formula_cells(capsys.readouterr().out) == []
    assert seen_neutralised


# -- 3. Path traversal in uploaded file names -------------------------------------------------
def _org_csv(org_id: str) -> bytes:
    return f"org_id,name,org_type,region\n{org_id},机构{org_id},partner,武汉\n".encode()


HOSTILE_FILE_NAMES = {
    "../../etc/passwd.csv": "passwd.csv",
    "..\\..\\x.csv": "x.csv",
    "/abs/path.csv": "path.csv",
    "名单\x00.csv": "名单.csv",
    "..": "upload",
    "C:\\Windows\\evil.csv": "evil.csv",
    "report\u202ecsv.exe": "reportcsv.exe",
    "a" * 5000 + ".csv": None,  # shortened, its extension kept
}


def test_safe_name_keeps_the_base_name_only():
    for raw, expected in HOSTILE_FILE_NAMES.items():
        name = safe_name(raw)
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert name not in (".", "..") and 0 < len(name) <= 120
        if expected:
            assert name == expected, raw
        else:
            assert name.endswith(".csv") and name.startswith("aaaa")


def test_hostile_upload_names_write_nothing_outside_the_uploads_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path would land here
    folder = tmp_path / "deep" / "a" / "b"
    folder.mkdir(parents=True)
    con = store.connect(folder / "lifeline.duckdb")
    before = {p for p in tmp_path.rglob("*")}
    files = [SourceFile(raw, _org_csv(f"P{i}")) for i, raw in enumerate(HOSTILE_FILE_NAMES)]
    report = import_files(con, files)
    assert report.ok and report.committed, report.problems
    logged = set(store.import_history(con)["file_name"])
    con.close()
    expected = {safe_name(raw) for raw in HOSTILE_FILE_NAMES}
    assert logged == expected
    created = {p for p in tmp_path.rglob("*")} - before
    uploads = folder / "uploads"
    kept = {p for p in created if p.parent == uploads}
    assert {p.name for p in kept} == {f.sha256 for f in files}
    others = created - kept - {uploads}
    assert all(p.parent == folder and p.name.startswith("lifeline.duckdb") for p in others), others
    assert not Path("/abs/path.csv").exists()
    assert not (ROOT / "etc").exists() and not (ROOT / "x.csv").exists()


def test_hostile_name_of_an_unreadable_file_is_quarantined_by_its_base_name(db):
    report = import_files(db, [SourceFile("../../../evil.csv", b"\x00\x01binary"),
                               SourceFile("organizations.csv", _org_csv("Q1"))],
                          accept_valid=True)
    assert report.committed
    assert set(store.quarantined(db)["file_name"]) == {"evil.csv"}
    assert {p.file for p in report.problems} == {"evil.csv"}


# -- 4. Uploads over the limit -----------------------------------------------------------------
def big_csv(rows: int = 1000) -> bytes:
    body = "".join(f"B{i},机构{i},partner,武汉\n" for i in range(rows))
    return ("org_id,name,org_type,region\n" + body).encode()


@pytest.mark.parametrize("accept_valid", [False, True])
def test_upload_over_the_limit_is_refused_and_nothing_is_kept(db, monkeypatch, accept_valid):
    monkeypatch.setenv("LIFELINE_MAX_UPLOAD_MB", "0.01")
    assert max_upload_bytes() == int(0.01 * 2**20)
    data = big_csv()
    assert len(data) > max_upload_bytes()
    report = import_files(db, [SourceFile("organizations.csv", data)], accept_valid=accept_valid)
    assert [p.code for p in report.problems] == ["file_too_large"]
    problem = report.problems[0]
    assert problem.file == "organizations.csv"
    message, fix = problem_message(problem, "en")
    assert "File too large" in message and "KB" in message
    assert "10.2 KB" in fix and "split" in fix and "LIFELINE_MAX_UPLOAD_MB" in fix
    assert store.row_counts(db)["organizations"] == 0
    uploads = store.database_file(db).parent / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_upload_limit_configuration(monkeypatch):
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == readers.DEFAULT_MAX_UPLOAD_MB
    monkeypatch.delenv("LIFELINE_MAX_UPLOAD_MB", raising=False)
    assert max_upload_bytes() == 50 * 2**20
    for nonsense in ("abc", "-1", "0", "inf", "nan"):
        monkeypatch.setenv("LIFELINE_MAX_UPLOAD_MB", nonsense)
        assert max_upload_bytes() == 50 * 2**20, nonsense


def test_cli_import_over_the_limit_writes_nothing(tmp_path, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setenv("LIFELINE_MAX_UPLOAD_MB", "0.01")
    source = tmp_path / "organizations.csv"
    source.write_bytes(big_csv())
    db = tmp_path / "store.duckdb"
    assert main(["import", str(source), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "File too large" in err and "LIFELINE_MAX_UPLOAD_MB" in err
    assert not (tmp_path / "uploads").exists()


# -- 5. XLSX zip bombs ---------------------------------------------------------------------------
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<dimension ref="A1:D1048576"/><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"
ROW = (b'<row><c t="inlineStr"><is><t>F1</t></is></c><c t="inlineStr"><is><t>x</t></is></c>'
       b'<c t="inlineStr"><is><t>hospital</t></is></c><c t="inlineStr"><is><t>wuhan</t></is></c></row>')


def workbook_with_sheet(megabytes: int) -> bytes:
    """A valid workbook whose only sheet (``facilities``) is ``megabytes`` MB of repeated
    rows, compressed as it is written: the expanded sheet never exists on disk or in memory."""
    base = Workbook()
    base.active.title = "facilities"
    base.active.append(["facility_id", "name", "facility_type", "region"])
    buffer = io.BytesIO()
    base.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    chunk = ROW * (2**20 // len(ROW))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w") as sheet:
                    sheet.write(SHEET_HEAD)
                    for _ in range(megabytes):
                        sheet.write(chunk)
                    sheet.write(SHEET_TAIL)
            else:
                archive.writestr(info, source.read(info))
    return out.getvalue()


def lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s declared uncompressed size replaced in both headers."""
    out = bytearray(data)
    name = member.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            if out[start + name_at:start + name_at + len(name)] == name:
                out[start + offset:start + offset + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(out)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    data = workbook_with_sheet(200)
    assert len(data) < 2 * 2**20  # 200 MB of sheet in well under 2 MB
    return data


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_zip_bomb_is_refused_before_openpyxl_opens_it(zip_bomb, openpyxl_must_not_open):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(readers.ReadError) as caught:
            readers.read_file("bomb.xlsx", zip_bomb)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "workbook_too_large"
    assert "sheet1.xml" in caught.value.detail
    assert elapsed < 2 and peak < 20 * 2**20, (elapsed, peak)


@pytest.mark.parametrize("fmt", [None, "distribution_sheet"])
def test_zip_bomb_import_reports_a_clear_problem(db, zip_bomb, openpyxl_must_not_open, fmt):
    report = import_files(db, [SourceFile("facilities.xlsx", zip_bomb)], fmt=fmt)
    assert [(p.file, p.code) for p in report.problems] == [("facilities.xlsx", "workbook_too_large")]
    message, fix = problem_message(report.problems[0], "en")
    assert "zip bomb" in message and "CSV" in fix
    assert not report.committed and store.row_counts(db)["facilities"] == 0


def test_total_expansion_is_capped_by_the_upload_limit(monkeypatch):
    data = workbook_with_sheet(3)  # compresses ~1000:1, but limit the total instead
    monkeypatch.setattr(readers, "XLSX_MAX_RATIO", 10**6)
    readers.check_workbook(data)  # 3 MB expanded is fine under the default limit
    monkeypatch.setenv("LIFELINE_MAX_UPLOAD_MB", "0.1")  # 10 × 0.1 MB = 1 MB expanded at most
    with pytest.raises(readers.ReadError) as caught:
        readers.check_workbook(data)
    assert caught.value.code == "workbook_too_large"


@pytest.mark.parametrize("declared", [4000, 2 * 2**20])  # fails on opening / on reading rows
def test_a_zip_that_lies_about_its_size_stops_at_the_declared_size(declared):
    """Declared small, the sheet passes the directory check; zipfile stops reading at the
    declared size and the CRC check fails: a clear problem, memory stays small."""
    data = lie_about_size(workbook_with_sheet(50), "xl/worksheets/sheet1.xml", declared)
    readers.check_workbook(data)  # the directory claims 4 kB or 2 MB of 50 MB
    tracemalloc.start()
    try:
        with pytest.raises(readers.ReadError) as caught:
            readers.read_file("liar.xlsx", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "not_a_table"
    assert peak < 30 * 2**20, peak


@pytest.mark.parametrize("fmt", [None, "distribution_sheet"])
def test_a_lying_zip_through_the_importer_is_a_problem(db, fmt):
    data = lie_about_size(workbook_with_sheet(50), "xl/worksheets/sheet1.xml", 2 * 2**20)
    report = import_files(db, [SourceFile("liar.xlsx", data)], fmt=fmt)
    assert [(p.file, p.code) for p in report.problems] == [("liar.xlsx", "not_a_table")]
    assert not report.committed


def test_real_workbooks_still_read():
    book = Workbook()
    book.active.title = "organizations"
    book.active.append(["org_id", "name", "org_type", "region"])
    for i in range(2000):
        book.active.append([f"O{i}", f"机构{i}", "partner", "武汉"])
    buffer = io.BytesIO()
    book.save(buffer)
    tables = readers.read_file("orgs.xlsx", buffer.getvalue())
    assert len(tables[0].frame) == 2000


# -- 6. SQL metacharacters in every filter ---------------------------------------------------------
def test_pages_with_sql_in_the_url_change_nothing(page_runs, hostile_db, hostile_counts):
    """All pages ran with SQL in every URL parameter (see page_runs); the store is as built."""
    assert len(page_runs) == len(PAGES)  # the runs happened after hostile_counts was taken
    assert hostile_counts["needs"] > 0 and hostile_counts["review_queue"] == 6
    assert counts(hostile_db) == hostile_counts
    con = store.connect(hostile_db, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    assert set(schema.TABLES) <= tables


def test_analysis_filters_treat_values_as_literals(hostile_db, hostile_counts):
    from dashboard.analytics import coverage, funding, metrics, needs, partners

    con = store.connect(hostile_db, read_only=True)
    try:
        scope = metrics.Scope(metrics.data_date_range(con)[1], 7)
        for value in (*SQL_PAYLOADS, "420100' OR '1'='1", "ppe' OR '1'='1"):
            assert needs.needs_at(con, scope, region=value).empty
            assert needs.needs_at(con, scope, category=value).empty
            assert funding.overlaps(con, scope, region=value).empty
            assert funding.overlaps(con, scope, category=value).empty
            assert funding.funding_flows(con, scope, category=value).empty
            assert funding.funding_flows(con, scope, funder_type=value).empty
            assert partners.freshness(con, scope, region=value).empty
            assert coverage.uncovered_urgent(con, scope, region=value).empty
            assert metrics.facility_status(con, scope, value).empty
            assert partners.partner_profile(con, scope, value)["deliveries"].empty
    finally:
        con.close()
    assert counts(hostile_db) == hostile_counts


@pytest.mark.parametrize("args", [
    ["export", "aggregates", "--region", "' OR 1=1 --"],
    ["export", "aggregates", "--region", "420100' OR '1'='1"],
    ["export", "aggregates", "--category", "x'); DROP TABLE needs; --"],
    ["export", "needs; DROP TABLE needs"],
    ["export", "needs' --"],
    ["import", "--mapping", "../../x", "nothing.csv"],
    ["import", "--mapping", "x'; DROP TABLE needs; --", "nothing.csv"],
    ["import", "--format", "x'); DROP TABLE needs; --", "nothing.csv"],
])
def test_cli_arguments_with_sql_are_refused(hostile_db, tmp_path, args, capsys):
    from dashboard.cli import main

    db = tmp_path / "cli.duckdb"
    shutil.copy(hostile_db, db)
    before = counts(db)
    assert main([*args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "unknown" in err or "invalid" in err, err
    assert "duckdb" not in err.lower() and "Traceback" not in err  # a message, not a crash
    assert counts(db) == before


def test_mapping_profile_names_with_sql_or_paths_are_refused(tmp_path):
    from data_loaders.ingest.mapping import Mapping, load_profile, save_profile

    mapping = Mapping("organizations", {"名称": "name"}, {})
    for name in ("../../evil", "x'; DROP TABLE needs; --", "a/b", "..", "", "x" * 65, "名单\x00"):
        with pytest.raises(ValueError):
            save_profile(name, mapping, tmp_path / "mappings")
        with pytest.raises(ValueError):
            load_profile(name, tmp_path / "mappings")
    assert not (tmp_path / "mappings").exists() or not any((tmp_path / "mappings").iterdir())
    assert not any(tmp_path.parent.glob("evil*"))


def test_review_corrections_with_sql_change_nothing(hostile_db, tmp_path):
    from data_loaders.ingest import review

    db = tmp_path / "review.duckdb"
    shutil.copy(hostile_db, db)
    con = store.connect(db)
    try:
        before = counts_of(con)
        queue = review.pending(con)
        assert len(queue) == 6
        for value in SQL_PAYLOADS:
            with pytest.raises(KeyError):
                review.decide(con, value, "FAC-000001")
            with pytest.raises(ValueError):
                review.decide(con, queue["review_id"].iloc[0], value)  # no such facility
        assert counts_of(con) == before and len(review.pending(con)) == 6
        # A correction to a real facility works, and the hostile raw name is kept as text.
        done = review.decide(con, queue["review_id"].iloc[0], "FAC-000001")
        assert done["status"] == "confirmed"
        assert con.execute("SELECT raw_name FROM name_aliases").fetchone()[0] in queue["raw_name"].tolist()
    finally:
        con.close()


def counts_of(con) -> dict[str, int]:
    return store.row_counts(con) | {
        "review_queue": con.execute("SELECT count(*) FROM review_queue").fetchone()[0]}


def test_quarantine_edits_with_sql_are_stored_as_text(db):
    """The quarantine re-submits edited rows as CSV through the importer (as the Data page
    does): SQL in a cell is a name like any other."""
    bad = "org_id,name,org_type,region\nQ1,x'); DROP TABLE needs; --,partner,大治市\n"
    report = import_files(db, [SourceFile("organizations.csv", bad.encode()),
                               SourceFile("facilities.csv", b"facility_id,name,facility_type,region\n"
                                          b"F1,' OR 1=1 --,hospital,\xe6\xad\xa6\xe6\xb1\x89\n")],
                          accept_valid=True)
    assert report.quarantined == 1
    record = json.loads(store.quarantined(db)["record"].iloc[0])
    record["region"] = "武汉"  # the person's fix; the hostile name stays
    fixed = pd.DataFrame([record])
    buffer = io.StringIO()
    fixed.to_csv(buffer, index=False)
    again = import_files(db, [SourceFile("organizations.csv", buffer.getvalue().encode())])
    assert again.ok and again.committed
    assert store.read_table(db, "organizations")["name"].tolist() == ["x'); DROP TABLE needs; --"]
    assert store.read_table(db, "facilities")["name"].tolist() == ["' OR 1=1 --"]
    assert store.row_counts(db)["needs"] == 0  # the table is still there


# Expressions that SQL built by f-string or .format() may interpolate: fixed SQL fragments
# of the code, schema table and column names, placeholders and whitelisted identifiers
# (``by`` is checked against WHO_BY, ``level`` against _AREA_SQL's keys). Values always go
# through DuckDB parameters ($name or ?). A new interpolation is added here after review.
SQL_INTERPOLATIONS = {
    "ACTIVE_CTE", "COMMUNITIES_SQL", "LINK_DELIVERED_BY_D", "DELIVERY_DATE", "HOSPITALS_SQL",
    "FACILITY_FIELDS", "IN_PROVINCE", "LINK_IN_TRANSIT_AT_D", "IN_WINDOW_DELIVERED", "OPEN_NEED",
    # store.derived: a link's state for the alias "d" or "c", and its delivery columns
    "_link_state('d')", "_link_state('c')", "inputs",
    "sums", "kept",  # store.derived._summed: sums of DELTA_COLUMNS, a constant tuple
    "OVERDUE",
    "REGION_PREFIX", "OF_PROVINCE", "area_of('region_adcode')", "SIGNS_CTE", "PARTNER_SEEN_CTE",
    "SEPARATOR", "_AREA_SQL[level]", "_FILTERS",
    "_KIND_SQL", "_PREFECTURE_COUNTS_CTE", "_COUNTY_COUNTS_CTE", "_AREA_COUNTS",
    "area", "where",  # metrics._area_counts_ctes, called with the two constants above
    "_MOVING", "_OPEN_ON_X", "by", "casts", "cols", "delivery_dates", "name", "placeholders",
    "selected", "sql", "table.key", "table.name", "c.name", "schema.SQL_TYPES[c.kind]",
    "col.name", "parent.name", "parent.key",  # schema names (store.dangling_references)
    "updates", "nulls", "cleared", "child.name",  # schema names (store.upsert, .retract)
    "VERSION_TABLE",  # the migrations' constant table name
    "table", "names", "int(latest) + 1",  # transfer.TABLES, their columns, a change number
    "columns",  # a frame's column names, quoted (postgres.PgConnection.register)
    "marks",  # ?-placeholders, one per key (store.names_of)
    "FAILED_AT_D", "NOT_FAILED_AT_D",  # metrics' fixed fragment: failed as recorded by D
    "today",  # an ISO date the store makes from its clock (store._staged_value)
    # store.derived: a code-made condition on deliveries, its temporary tables' names and
    # the relation of rows a write passes (a temporary table or a code-made subquery)
    "subset", "links_select()", "_TOUCH", "_RELINK", "rows",
    # store.derived's signs of work: code-made conditions on deliveries and activity
    # reports, the temporary table of (organisation, day) pairs and column references
    "deliveries", "activities", "_PAIRS", "org", "day", "signs_select()",
    "_in_pairs('w.org_id', 'w.day')", "_in_pairs('s.org_id', 's.day')",
    # store.derived's area deltas: code-made conditions on needs and deliveries, a sign
    # (+1/-1), the overdue rules (constants), the temporary tables' names, a relation of
    # changes the module builds, and the (kind, key) pairs of a fixed mapping
    "needs", "sign", "_OVERDUE_FROM", "_OVERDUE_UNTIL", "_CAN_BE_OVERDUE", "changes",
    "_FRESH", "_CHANGES", "same", "temporary", "key", "kind", "alias", "deltas_select()",
    # analytics.needs: the urgency weights as a CASE (constants), the fixed aggregates
    # over the open needs, a column of DIMENSIONS (checked first) and the item/unit keys
    "_weight_sql()", "_URGENT", "_GAP_SUMS", "_ITEM_UNIT", "dimension",
    "_exact_sum('uncovered_share')", "_exact_sum('gap_score')", "column", "cases", "grouping", "facility",
}
_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|WHERE)\b")


def sql_interpolations() -> dict[str, set[str]]:
    """Every expression formatted into SQL text in dashboard/ and data_loaders/."""
    import ast

    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "data_loaders").rglob("*.py")]:
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values
                               if isinstance(v, ast.Constant) and isinstance(v.value, str))
                inner = [v for v in node.values if isinstance(v, ast.FormattedValue)]
                if _SQL_WORDS.search(text) or any(
                        ast.unparse(v.value).endswith(("_SQL", "_CTE")) for v in inner):
                    for v in inner:
                        found.setdefault(ast.unparse(v.value), set()).add(where)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "format" and isinstance(node.func.value, ast.Name)
                  and node.func.value.id.endswith("_SQL")):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    found.setdefault(ast.unparse(arg), set()).add(where)
    return found


def test_no_sql_is_formatted_from_user_input():
    found = sql_interpolations()
    assert "IN_PROVINCE" in found and "table.name" in found  # the scan sees the code
    unexpected = {expr: places for expr, places in found.items() if expr not in SQL_INTERPOLATIONS}
    assert not unexpected, unexpected
