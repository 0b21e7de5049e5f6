"""Hostile names in a real browser (issue 7 §5): no script runs, no element is injected.

A `streamlit run` on the hostile store of tests/test_hostile_input.py (every organisation
and facility named after an HTML, JavaScript, Markdown, formula or SQL payload), opened in
Debian's chromium. Any ``alert`` would open a dialog; any injected ``<img src=x>`` would be
an element. The map's tooltip is hovered over a facility named ``<img src=x onerror=...>``.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.test_browser import CHROMIUM, browser, page, screenshot, streamlit_server, wait_for_app  # noqa: F401
from tests.test_hostile_input import HOSTILE_PARAMS, HTML_PAYLOADS, build_hostile_db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile_server(demo_db_path, tmp_path_factory):
    """`streamlit run` on the hostile store; yields (base URL, store path)."""
    folder = tmp_path_factory.mktemp("browser-hostile")
    db = build_hostile_db(demo_db_path, folder)
    with streamlit_server(db, folder) as url:
        yield url, db


@pytest.fixture
def dialogs(page):  # noqa: F811
    """Every dialog (alert, confirm, prompt) the page opens; each is dismissed."""
    opened: list[str] = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def assert_inert(target) -> None:
    """No element or script injected into ``target`` (a page or a frame)."""
    assert target.locator("img[src=x]").count() == 0
    assert target.locator('a[href^="javascript:"]').count() == 0
    assert not target.evaluate(
        "() => [...document.scripts].some(s => s.textContent.includes('alert(1)'))")


@pytest.mark.parametrize("path", ["map", "partners", "network", "funding", "needs", "coverage",
                                  "briefing", "data"])
def test_hostile_names_render_as_text(hostile_server, page, dialogs, path):  # noqa: F811
    url, _ = hostile_server
    page.goto(f"{url}/{path}?{urlencode(HOSTILE_PARAMS)}")
    wait_for_app(page)
    page.wait_for_timeout(2500)  # charts and frames draw after the script has finished
    assert page.locator('[data-testid="stException"]').count() == 0
    assert_inert(page)
    frames = [f for f in page.frames if f != page.main_frame]
    if path == "briefing":
        preview = next(f for f in frames if f.locator("h1").count())
        preview.wait_for_load_state()
        assert_inert(preview)
        # The names are there, as the text a person typed.
        text = preview.locator("body").inner_text()
        assert any(p in text for p in HTML_PAYLOADS), text[:500]
    for frame in frames:
        assert_inert(frame)
    screenshot(page, f"hostile_{path}")
    if path == "data":
        # The review queue's raw names, escaped for Markdown, read exactly as typed.
        shown = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"]').all_inner_texts()
        for raw in ("**bold**", "<script>alert(1)</script>", "[x](javascript:alert(1))"):
            assert any(text.startswith(raw) for text in shown), (raw, shown)
    assert dialogs == []


def test_uploaded_file_name_is_shown_as_text(hostile_server, page, dialogs):  # noqa: F811
    """A foreign file goes to the column mapping, whose preview caption names the file:
    the name is Markdown-escaped, so it reads exactly as uploaded."""
    url, _ = hostile_server
    page.goto(f"{url}/data")
    wait_for_app(page)
    name = "<img src=x onerror=alert(1)>[x](javascript:alert(1))**b**.csv"
    page.locator('input[type="file"]').set_input_files(files=[{
        "name": name, "mimeType": "text/csv",
        "buffer": "单位,备注\n浏览器测试机构,一线\n".encode()}])
    page.wait_for_function(
        """name => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                   .some(c => c.innerText.includes(name))""", arg=name, timeout=30_000)
    wait_for_app(page)
    page.wait_for_timeout(1000)
    assert_inert(page)
    screenshot(page, "hostile_upload_name")
    assert dialogs == []


def _world(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-mercator pixels at ``zoom`` (deck.gl draws the world 512 px wide at zoom 0)."""
    size = 512 * 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * size, (1 - y / math.pi) / 2 * size


def _isolated_hostile_facility(db: Path, zoom: float) -> tuple[str, str, float, float]:
    """(id, name, lon, lat) of an urgent facility named ``<img ...>`` that is drawn on the
    province map at least 14 px from any other point or hub."""
    from dashboard.analytics import metrics
    from data_loaders import store
    from geo.boundaries import prefecture_features, region_centroids

    con = store.connect(db, read_only=True)
    try:
        scope = metrics.Scope(metrics.data_date_range(con)[1], 7)
        points = metrics.facility_status(con, scope, None, 4000, urgent_only=True)
        hubs = metrics.hubs(con)
    finally:
        con.close()
    centroids = region_centroids(prefecture_features())
    drawn = [_world(lon, lat, zoom) for lon, lat in zip(points["map_lon"], points["map_lat"])]
    for row in hubs.itertuples(index=False):
        where = centroids.get(row.prefecture_adcode) or centroids.get(row.region_adcode)
        if where:
            drawn.append(_world(where[0], where[1], zoom))
    for row in points.itertuples(index=False):
        if not row.name.startswith(HTML_PAYLOADS[0]):
            continue
        x, y = _world(row.map_lon, row.map_lat, zoom)
        near = sorted(math.dist((x, y), other) for other in drawn)
        if len(near) < 2 or near[1] >= 14:  # near[0] is the point itself
            return row.facility_id, row.name, row.map_lon, row.map_lat
    pytest.fail("no isolated hostile facility on the province map")


def test_map_tooltip_shows_a_hostile_name_as_text(hostile_server, page, dialogs):  # noqa: F811
    from dashboard.present.charts import view_for
    from geo.boundaries import prefecture_features

    url, db = hostile_server
    page.goto(f"{url}/map")
    wait_for_app(page)
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for()
    page.wait_for_timeout(4000)  # deck.gl draws after the script has finished
    box = canvas.bounding_box()
    # The page fits the province to the map's measured size, so the same view here.
    center, zoom = view_for(prefecture_features(), width_px=box["width"], height_px=box["height"])
    facility_id, name, lon, lat = _isolated_hostile_facility(db, zoom)
    cx, cy = _world(center["lon"], center["lat"], zoom)
    x, y = _world(lon, lat, zoom)
    target = (box["x"] + box["width"] / 2 + x - cx, box["y"] + box["height"] / 2 + y - cy)
    tooltip = page.locator(".deck-tooltip")
    shown = ""
    for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1)):
        page.mouse.move(target[0] + dx + 20, target[1] + dy + 20)
        page.mouse.move(target[0] + dx, target[1] + dy)
        page.wait_for_timeout(400)
        if tooltip.count() and facility_id in (shown := tooltip.first.inner_text()):
            break
    screenshot(page, "hostile_map_tooltip")
    assert facility_id in shown, f"hovering {name!r} at {target} showed {shown!r}"
    assert name in shown  # the name, exactly as typed, as text
    assert tooltip.first.locator("img").count() == 0
    assert tooltip.first.locator("b").count() == 1  # the template's own markup only
    assert_inert(page)
    assert dialogs == []
