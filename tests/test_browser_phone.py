"""Every page on a phone (390×844) and the maps at 1440×900, in a real browser (issue 12).

What a person on a phone needs: the whole region on every map (nothing drawn beyond the
screen's edge or the map's own frame), no page wider than the screen (wide tables
scroll inside their frame), and a labelled way to the other pages in their language.
Every page is also checked at 1440×900 (no page or table cut at its right edge).
Screenshots land in tests/artifacts/phone_*.png and wide_*.png for a person to read.
"""

from __future__ import annotations

import io

import pytest

from dashboard import access, pages
from dashboard.app.partners import WHO_MATRIX_KEY
from tests.test_browser import (  # noqa: F401
    CHROMIUM_ARGS,
    _local,
    browser,
    screenshot,
    server,
    wait_for_app,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# Each page by its address; the first is served at "/".
# The hub's pages (the browser works as the local hub; Casework is a caseworker's page,
# tested on a phone in tests/test_browser_casework.py).
PAGES = ["", *(page.name for page in pages.PAGES[1:] if page.name in access.pages_for("hub"))]
TITLES = {"zh": {"": "总览", "map": "地图"}, "en": {"": "Overview", "map": "Map"}}


@pytest.fixture
def tab(browser, request):  # noqa: F811
    """A browser tab of the size the test names (``phone`` by default), recording every
    request that leaves this machine."""
    size = getattr(request, "param", PHONE)
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not _local(r.url) else None)
    yield page
    context.close()
    assert outside == []  # no tiles, fonts or glyphs from the internet


def settle(page) -> None:
    """Wait for the script, for the map's width to reach Python (one more run), and for
    charts to draw."""
    wait_for_app(page, 90_000)
    page.wait_for_timeout(2000)
    wait_for_app(page, 90_000)
    page.wait_for_timeout(1500)


def assert_no_sideways_scroll(page) -> None:
    """Neither the document nor Streamlit's main column is wider than the screen."""
    widths = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return {doc: document.documentElement.scrollWidth, inner: window.innerWidth,
                main: main.scrollWidth, mainClient: main.clientWidth};
    }""")
    assert widths["doc"] <= widths["inner"], widths
    assert widths["main"] <= widths["mainClient"], widths


def choropleth_extent(page) -> dict:
    """The union of the choropleth's drawn region fills, the chart's own box and the
    viewport width (CSS pixels)."""
    return page.evaluate("""() => {
        const chart = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
        const fills = [...chart.querySelectorAll('.scatterlayer .js-fill')]
            .map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
        const box = chart.getBoundingClientRect();
        return {left: Math.min(...fills.map(r => r.left)), right: Math.max(...fills.map(r => r.right)),
                top: Math.min(...fills.map(r => r.top)), bottom: Math.max(...fills.map(r => r.bottom)),
                boxLeft: box.left, boxRight: box.right, boxTop: box.top, boxBottom: box.bottom,
                regions: chart.data.filter(t => t.fill === 'toself').length, inner: window.innerWidth};
    }""")


def assert_choropleth_fits(page, regions: int = 17) -> None:
    e = choropleth_extent(page)
    assert e["regions"] == regions, e
    assert 0 <= e["left"] and e["right"] <= e["inner"], e  # nothing beyond the screen
    assert e["boxLeft"] - 1 <= e["left"] and e["right"] <= e["boxRight"] + 1, e  # nor the frame
    assert e["boxTop"] - 1 <= e["top"] and e["bottom"] <= e["boxBottom"] + 1, e
    # Fitted, not a stamp in a corner: the province spans most of the chart's width or height.
    assert (e["right"] - e["left"] >= 0.7 * (e["boxRight"] - e["boxLeft"])
            or e["bottom"] - e["top"] >= 0.6 * (e["boxBottom"] - e["boxTop"])), e


def deck_drawn_box(page) -> tuple[dict, tuple[int, int, int, int], tuple[int, int]]:
    """The deck canvas's box on the page, the bounding box of what it drew (pixels that
    differ from the page's background) and the canvas size in the screenshot."""
    from PIL import Image, ImageChops

    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    box = canvas.bounding_box()
    shot = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    background = Image.new("RGB", shot.size, shot.getpixel((0, 0)))
    diff = ImageChops.difference(shot, background).convert("L").point(lambda v: 255 if v > 24 else 0)
    return box, diff.getbbox(), shot.size


def assert_deck_fits(page) -> None:
    box, drawn, (width, height) = deck_drawn_box(page)
    inner = page.evaluate("() => window.innerWidth")
    assert drawn is not None, "the map drew nothing"
    assert box["x"] >= 0 and box["x"] + box["width"] <= inner, (box, inner)
    left, top, right, bottom = drawn
    # A margin on every side: the region is whole, not cut by the canvas's edge.
    assert left >= 1 and top >= 1 and right <= width - 1 and bottom <= height - 1, (drawn, width, height)
    assert right - left >= 0.7 * width or bottom - top >= 0.7 * height, (drawn, width, height)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_fits_a_phone(server, tab, lang):  # noqa: F811
    for path in PAGES:
        tab.goto(f"{server}/{path}?lang={lang}&as_of=2020-03-15")
        settle(tab)
        assert tab.locator('[data-testid="stException"]').count() == 0, path
        # The pages are one labelled tap away, in the view's language.
        menu = tab.locator(".st-key-lifeline_phone_nav button").first
        assert menu.is_visible(), path
        assert menu.inner_text().startswith("☰ " + ("页面" if lang == "zh" else "Pages")), path
        if path == "":
            tab.wait_for_selector('[data-testid="stPlotlyChart"] .scatterlayer .js-fill')
            assert_choropleth_fits(tab)
        elif path == "map":
            tab.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
            tab.wait_for_timeout(2500)  # deck.gl draws after the script has finished
            assert_deck_fits(tab)
        elif path == "briefing":
            frame = tab.frame_locator('[data-testid="stIFrame"], iframe').first
            frame.locator("h1").wait_for(timeout=30_000)
            inside = frame.locator("body").evaluate("""b => ({
                doc: document.documentElement.scrollWidth, inner: window.innerWidth,
                img: document.querySelector('img').getBoundingClientRect().right,
                columns: getComputedStyle(document.querySelector('.top')).gridTemplateColumns})""")
            # The preview reflows: one column, nothing wider than its frame.
            assert inside["doc"] <= inside["inner"] and inside["img"] <= inside["inner"], inside
            assert len(inside["columns"].split()) == 1, inside
        assert_no_sideways_scroll(tab)
        screenshot(tab, f"phone_{path or 'overview'}_{lang}")


def test_phone_menu_leads_to_the_pages(server, tab):  # noqa: F811
    tab.goto(f"{server}/?as_of=2020-03-15")
    settle(tab)
    menu = tab.locator(".st-key-lifeline_phone_nav button").first
    assert menu.inner_text().startswith("☰ 页面：总览")
    menu.click()
    links = tab.locator('[data-testid="stPopoverBody"] [data-testid="stPageLink"]')
    links.first.wait_for()
    assert links.count() == len(PAGES)
    screenshot(tab, "phone_menu_open_zh")
    tab.locator('[data-testid="stPopoverBody"]').get_by_text("地图", exact=True).click()
    tab.wait_for_function("() => location.pathname.endsWith('/map')")
    settle(tab)
    assert tab.locator("h1").first.inner_text() == "地图"
    assert tab.locator(".st-key-lifeline_phone_nav button").first.inner_text().startswith("☰ 页面：地图")


def test_drilled_map_on_a_phone_fits_and_goes_back(server, tab):  # noqa: F811
    tab.goto(f"{server}/map?region=420100&as_of=2020-03-15")
    settle(tab)
    tab.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
    tab.wait_for_timeout(2500)
    assert_deck_fits(tab)
    assert_no_sideways_scroll(tab)
    assert tab.get_by_text("武汉市各区县").count() == 1  # the county table, by name
    screenshot(tab, "phone_map_wuhan_zh")
    back = tab.get_by_role("button", name="← 返回全省")
    assert back.is_visible()
    back.click()
    tab.wait_for_function("() => !location.search.includes('region=')", timeout=30_000)
    settle(tab)
    assert tab.get_by_role("button", name="← 返回全省").count() == 0
    tab.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
    tab.wait_for_timeout(2500)
    assert_deck_fits(tab)


@pytest.mark.parametrize("tab", [DESKTOP], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_maps_fit_a_wide_screen_with_their_legends(server, tab, lang):  # noqa: F811
    tab.goto(f"{server}/?lang={lang}&as_of=2020-03-15")
    settle(tab)
    tab.wait_for_selector('[data-testid="stPlotlyChart"] .scatterlayer .js-fill')
    assert_choropleth_fits(tab)
    # The colour bar is titled with the metric and its unit.
    assert tab.locator(".colorbar .cbtitle text").first.text_content() == (
        "未满足需求（条）" if lang == "zh" else "Open needs (count)")
    assert tab.locator(".st-key-lifeline_phone_nav").first.is_hidden()  # the sidebar lists pages
    # Hovering a region anywhere inside it (here at its name) names it with its value.
    name = {"zh": "恩施", "en": "Enshi"}[lang]
    tab.locator('[data-testid="stPlotlyChart"]').scroll_into_view_if_needed()
    tab.wait_for_timeout(500)
    x, y = tab.evaluate("""name => {
        const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
        const L = gd._fullLayout, labels = gd.data.find(t => t.name === 'labels');
        const k = labels.text.indexOf(name), box = gd.getBoundingClientRect();
        return [box.left + L.xaxis._offset + L.xaxis.l2p(labels.x[k]),
                box.top + L.yaxis._offset + L.yaxis.l2p(labels.y[k]) + 12];
    }""", name)
    tab.mouse.move(x + 30, y + 30)
    tab.mouse.move(x, y)
    hover = tab.locator(".hoverlayer .hovertext").first
    hover.wait_for(timeout=10_000)
    assert hover.text_content().startswith({"zh": "恩施土家族苗族自治州", "en": "Enshi"}[lang])
    assert {"zh": "未满足需求: ", "en": "Open needs: "}[lang] in hover.text_content()
    screenshot(tab, f"wide_overview_{lang}")
    tab.goto(f"{server}/map?lang={lang}&as_of=2020-03-15")
    settle(tab)
    tab.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
    tab.wait_for_timeout(2500)
    assert_deck_fits(tab)
    legend = tab.locator(".lifeline-legend").first.inner_text()
    for word in {"zh": ("紧急需求", "未覆盖", "已覆盖", "枢纽", "无数据"),
                 "en": ("Urgent need", "Not covered", "Covered", "Hub", "no data")}[lang]:
        assert word in legend
    screenshot(tab, f"wide_map_{lang}")


def tables_wider_than_their_frame(page) -> list[dict]:
    """Every drawn table whose columns are wider than its frame (its last columns would
    be cut off until one scrolls sideways), with its first headers to name it. The one
    exception is Partners' who-works-where matrix: seventeen prefectures beside the
    names cannot fit, so its name column is pinned and the prefectures scroll."""
    return page.evaluate("""key => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
        .filter(d => !d.closest('.st-key-' + key))
        .map(d => ({scroller: d.querySelector('.dvn-scroller'),
                    heads: [...d.querySelectorAll('[role="columnheader"]')].map(h => h.textContent)}))
        .filter(t => t.scroller && t.scroller.clientWidth > 0
                     && t.scroller.scrollWidth > t.scroller.clientWidth + 2)
        .map(t => ({heads: t.heads.slice(0, 3), width: t.scroller.scrollWidth,
                    frame: t.scroller.clientWidth}))""", WHO_MATRIX_KEY)


@pytest.mark.parametrize("tab", [DESKTOP], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_fits_a_wide_screen(server, tab, lang):  # noqa: F811
    """At 1440×900 no page scrolls sideways and no table hides its last columns."""
    for path in PAGES:
        tab.goto(f"{server}/{path}?lang={lang}&as_of=2020-03-15")
        settle(tab)
        assert tab.locator('[data-testid="stException"]').count() == 0, path
        assert_no_sideways_scroll(tab)
        assert tables_wider_than_their_frame(tab) == [], path
        if path == "data":  # Streamlit's uploader speaks English only; ours is drawn over it
            drawn = tab.evaluate("""() => {
                const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
                const after = e => getComputedStyle(e, '::after').content;
                return [after(zone.querySelector('button [data-testid="stMarkdownContainer"] p')),
                        after(zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span'))];
            }""")
            zh = ['"选择文件"',
                  '"每个文件不超过 50 MB · CSV、TSV、TXT、XLSX、XLSM、JSON · 也可把文件拖到这里"']
            assert drawn == (zh if lang == "zh" else ["none", "none"]), drawn
        screenshot(tab, f"wide_{path or 'overview'}_{lang}")
