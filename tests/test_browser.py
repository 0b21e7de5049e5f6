"""Real-browser tests: `streamlit run` on a free port, driven in Debian's chromium.

Screenshots of every page land in tests/artifacts/ (git-ignored) for a person to read.
"""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashboard.cli import bench_served
from dashboard.cli.bench_served import free_port  # noqa: F401 (the browser tests' port)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# Flags from this machine's notes: no sandbox as root, and no background networking,
# which a closed network answers with a flood of refused connections. No --disable-gpu:
# deck.gl picks objects by reading WebGL pixels, which software GL must provide.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@contextmanager
def streamlit_server(db: Path, folder: Path, env: dict | None = None, args: tuple = (),
                     port: int | None = None):
    """`streamlit run` on ``db`` until the block ends; yields the base URL
    (dashboard.cli.bench_served.streamlit_server, failing the test when it cannot start)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    try:
        with bench_served.streamlit_server(db, folder, env, args, port) as url:
            yield url
    except bench_served.ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    """`streamlit run` on a copy of the demo database; yields the base URL."""
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "demo.duckdb"
    shutil.copy(demo_db_path, db)
    with streamlit_server(db, folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A browser tab that records every request leaving this machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    tab = context.new_page()
    outside: list[str] = []
    tab.on("request", lambda r: outside.append(r.url) if not _local(r.url) else None)
    yield tab
    context.close()
    # Lifeline must work with no internet: no tiles, fonts or styles from outside.
    assert outside == []


def _local(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname in ("127.0.0.1", "localhost")


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until the script has run to the end (Streamlit's own e2e convention)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_overview_draws_all_17_regions_and_switches_language(server, page):
    page.goto(f"{server}/")  # the default page
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot')
    regions = page.evaluate(
        "() => document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot')"
        ".data.filter(trace => trace.fill === 'toself').length")
    assert regions == 17
    page.wait_for_selector('[data-testid="stPlotlyChart"] .scatterlayer .js-fill')
    assert page.locator("h1").first.inner_text() == "总览"
    assert page.locator('[data-testid="stMetric"]').count() == 7
    page.wait_for_timeout(1500)  # let the map paint its polygons before the picture
    screenshot(page, "overview_zh")

    page.locator('[data-testid="stSidebar"]').get_by_text("English").click()
    wait_for_app(page)
    page.wait_for_function("() => document.querySelector('h1')?.innerText === 'Overview'")
    assert "lang=en" in page.url
    # Every label follows the language, the map metric selector included.
    metric = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
    assert metric.input_value() == "Open needs"
    page.wait_for_timeout(1500)
    screenshot(page, "overview_en")


def test_map_draws_and_drills_down(server, page):
    page.goto(f"{server}/map")
    wait_for_app(page)
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')
    chart.wait_for()
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas')
    page.wait_for_timeout(4000)  # deck.gl draws after the script has finished
    # Hovering a region shows its tooltip, with the markup of the template only.
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    page.wait_for_selector(".deck-tooltip b", timeout=10_000)
    screenshot(page, "map_province")
    # Drill down with the selector (clicks on the canvas are not reliable under the
    # software GL of a headless machine; the click handler is unit-tested).
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="荆门市").click()
    page.wait_for_function("() => location.search.includes('region=420800')", timeout=30_000)
    wait_for_app(page)
    page.get_by_text("荆门市各区县").wait_for()
    page.wait_for_timeout(3000)
    screenshot(page, "map_drilldown")


def test_data_page_reports_problems_then_imports(server, page, tmp_path):
    page.goto(f"{server}/data")
    wait_for_app(page)
    bad = tmp_path / "facilities.csv"
    bad.write_text("facility_id,name,facility_type,region\nX1,<b>测试</b>,hospital,大治市\n",
                   encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(bad))
    page.get_by_text("发现 1 个问题").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "data_problems")
    good = tmp_path / "organizations.csv"
    good.write_text("org_id,name,org_type,region\nNEW1,浏览器测试机构,partner,武汉\n",
                    encoding="utf-8")
    page.reload()
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(str(good))
    page.get_by_text("检查通过").wait_for(timeout=30_000)
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入").wait_for(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("tab", name="④ 导入记录").click()
    page.get_by_text("organizations.csv").first.wait_for(state="attached", timeout=30_000)
    screenshot(page, "data_imported")


@pytest.mark.parametrize("path, title, charts", [("coverage", "覆盖", 2),
                                                  ("needs", "未满足需求", 3),
                                                  ("partners", "伙伴", 0),
                                                  ("network", "协作网络", 1),
                                                  ("funding", "资金", 2),
                                                  ("methods", "数据与方法", 0)])
def test_analysis_page_renders_with_its_charts(server, page, path, title, charts):
    page.goto(f"{server}/{path}?as_of=2020-03-15&region=420100")
    wait_for_app(page)
    assert title in page.locator("h1").first.inner_text()
    if charts:
        # Charts mount one after another (some inside tabs): wait for the number the
        # page draws, not only the first, or a slow machine counts one too few.
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= n",
            arg=charts, timeout=30_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= charts
    # Tables inside tabs mount a moment after the script has finished: wait for one.
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # The region filter came from the URL and stays there.
    assert "region=420100" in page.url
    page.wait_for_timeout(1500)
    screenshot(page, f"{path}_wuhan_zh")


def test_network_filters_by_category_and_funding_keeps_the_filter(server, page):
    page.goto(f"{server}/network?as_of=2020-02-15")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot')
    funders = page.locator('[data-testid="stMetricValue"]').first
    before = int(funders.inner_text())
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="物资类别").click()
    page.get_by_role("option", name="教育").click()
    wait_for_app(page)
    assert "category=education" in page.url
    assert int(funders.inner_text()) < before  # fewer funders give for one category
    screenshot(page, "network_education_zh")
    # The Funding page, opened from the navigation, keeps the filter and applies it.
    sidebar.get_by_role("link", name="资金与重复捐赠").click()
    wait_for_app(page)
    assert "category=education" in page.url
    assert page.get_by_text("筛选：教育").count() == 1
    # What-if: a new budget changes the allocation.
    budget = page.get_by_label("预算（元）")
    budget.fill("1000")
    budget.press("Enter")
    wait_for_app(page)
    assert page.get_by_text("预算 1,000 元，分配 1,000 元").count() == 1
    screenshot(page, "funding_what_if_zh")


def test_a_download_exists_only_once_its_session_presses_it(server, page, browser):
    """A table's file is built when this session presses its button, over the session's
    connection: the page holds no link to it before the press."""
    page.goto(f"{server}/needs?as_of=2020-03-15")
    wait_for_app(page)
    buttons = page.get_by_role("button", name="下载表格（CSV）")
    buttons.first.wait_for(timeout=30_000)
    assert page.locator('a[href*="/media/"]').count() == 0  # nothing ready to fetch
    # Nothing is served at the address a download would have before its press.
    stranger = browser.new_context()
    assert stranger.request.get(f"{server}/media/").status == 404
    stranger.close()
    with page.expect_download(timeout=60_000) as info:
        buttons.first.click()
    assert info.value.suggested_filename.startswith("lifeline_") and \
        info.value.suggested_filename.endswith(".csv")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.count("\n") > 1  # a header and rows


def test_briefing_page_downloads_the_pdf(server, page, tmp_path):
    page.goto(f"{server}/briefing?as_of=2020-03-15")
    wait_for_app(page)
    assert "晨间简报" in page.locator("h1").first.inner_text()
    # The preview frame holds the printable page with its embedded map.
    frame = page.frame_locator('[data-testid="stIFrame"], iframe').first
    frame.locator("h1").wait_for(timeout=30_000)
    assert "晨间简报" in frame.locator("h1").inner_text()
    screenshot(page, "briefing_zh")
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name="下载 PDF（A4）").click()
    path = tmp_path / "brief.pdf"
    info.value.save_as(path)
    assert info.value.suggested_filename == "lifeline_brief_2020-03-15_zh.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "主要数字" in text and "2020-03-15" in text
    # Markdown for the group chat downloads too.
    with page.expect_download() as info:
        page.get_by_role("button", name="下载群聊文字").click()
    assert info.value.suggested_filename.endswith(".md")
