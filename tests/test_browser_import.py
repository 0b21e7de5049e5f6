"""The data manager's day in a real browser, on the real 2020 files (issue 11): upload
every kind of file a hub has, pick the date the feed lacks, read the check, import,
then finish the review queue — at a laptop's 1440×900 and a phone's 390×844, in Chinese
and English. Screenshots land in tests/artifacts/ for a person to read."""

from __future__ import annotations

import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_loaders import store
from tests.conftest import realworld_dir
from tests.test_browser import browser, streamlit_server, wait_for_app  # noqa: F401 (fixture)
from tests.test_browser import screenshot as viewport_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.realworld]

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def real_files() -> list:
    real = realworld_dir()
    return [real / "wuhan2020-orgs" / "donation_channels.csv",
            real / "wuhan2020-orgs" / "logistics_channels.csv",
            real / "wuhan2020-hospital-needs" / "hospital_needs_history_daily.csv",
            *sorted((real / "wuhan2020-hospital-needs" / "fe_2020-02-19").glob("*.json")),
            real / "hubei-cases" / "hubei_17_prefectures_daily.csv",
            real / "redcross-wuhan" / "武汉市红十字会发放物资一览表.xlsx"]


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """`streamlit run` on an empty store: the data manager's first morning."""
    folder = tmp_path_factory.mktemp("import")
    db = folder / "empty.duckdb"
    store.connect(db).close()
    with streamlit_server(db, folder) as url:
        yield url, db


def open_page(launched, url: str, viewport: dict):
    context = launched.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    return context, page


def screenshot(page, name: str) -> None:
    """What the person sees (the viewport), and the whole page laid out at this width
    (Streamlit scrolls inside its main block, which a full-page capture misses)."""
    viewport_screenshot(page, name)
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stMainBlockContainer"]')].map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    page.wait_for_timeout(500)
    viewport_screenshot(page, f"{name}_full")
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def main_text(page) -> str:
    """What the main block says, to name what was on screen when a wait failed."""
    return page.locator('[data-testid="stMain"]').inner_text()[:4000]


def save_decision(page, said: str) -> None:
    """Press the open decision's save button and wait for the page to say ``said``.

    CI once (1 run in many, on a loaded machine) saw no answer to the press in 60 s; the
    press is repeated once, loudly, with what the page said, so that the next time it
    happens the log tells why; a second silence fails."""
    page.get_by_role("button", name="保存决定").first.click()
    try:
        page.get_by_text(said).wait_for(timeout=45_000)
        return
    except PlaywrightTimeout:
        screenshot(page, "data_1440_zh_5_no_answer")
        warnings.warn(f"no answer to the first press; the page said:\n{main_text(page)}",
                      stacklevel=2)
    page.get_by_role("button", name="保存决定").first.click()
    try:
        page.get_by_text(said).wait_for(timeout=60_000)
    except PlaywrightTimeout:
        raise AssertionError(f"{said!r} never shown; the page says:\n{main_text(page)}") from None


def choose_date(page, digits: str) -> None:
    """Type a date into Streamlit's date field (year, month and day segments)."""
    year = page.locator('[data-testid="stMain"] [data-testid="stDateInput"] [data-type="year"]')
    year.scroll_into_view_if_needed()
    year.click()
    page.keyboard.type(digits)
    page.locator("h1").first.click()  # the field commits its value when it loses focus


def test_upload_check_import_and_review_at_1440(empty_server, browser):  # noqa: F811
    url, db = empty_server
    context, page = open_page(browser, f"{url}/data", LAPTOP)
    page.locator('input[type="file"]').set_input_files([str(p) for p in real_files()])
    page.get_by_text("请先选择数据日期").wait_for(timeout=60_000)
    wait_for_app(page)
    recognised = page.locator('[data-testid="stDataFrame"]').first
    recognised.wait_for()
    screenshot(page, "data_1440_zh_1_recognised")
    choose_date(page, "20200219")
    page.get_by_text("检查通过").wait_for(timeout=120_000)
    wait_for_app(page)
    screenshot(page, "data_1440_zh_2_checked")
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入：").wait_for(timeout=120_000)
    wait_for_app(page)
    screenshot(page, "data_1440_zh_3_imported")

    con = store.connect(db, read_only=True)
    counts = store.row_counts(con)
    assert counts["facilities"] == 238 and counts["deliveries"] == 148
    con.close()

    page.get_by_role("tab", name="② 待确认匹配").click()
    page.get_by_text("待确认的匹配").first.wait_for()
    screenshot(page, "data_1440_zh_4_review")
    # The first name with a proposal: open its decision and confirm it.
    heading = page.locator('[data-testid="stExpander"] summary').filter(has_text="建议置信度").first
    name = heading.inner_text().strip().splitlines()[-1].split(" · ")[0].strip()
    heading.click()
    save_decision(page, f"已确认“{name}”")
    wait_for_app(page)
    screenshot(page, "data_1440_zh_5_confirmed")
    con = store.connect(db, read_only=True)
    decided = con.execute("SELECT count(*) FROM review_queue WHERE status = 'confirmed'").fetchone()[0]
    con.close()
    assert decided >= 1
    context.close()


@pytest.mark.parametrize("lang, viewport, size", [("en", LAPTOP, "1440"), ("zh", PHONE, "390"),
                                                  ("en", PHONE, "390")])
def test_the_data_page_reads_at_every_size_and_language(empty_server, browser,  # noqa: F811
                                                       lang, viewport, size):
    url, _ = empty_server
    context, page = open_page(browser, f"{url}/data?lang={lang}", viewport)
    sample = realworld_dir() / "wuhan2020-hospital-needs" / "fe_2020-02-19" / "wuhanshi.json"
    page.locator('input[type="file"]').set_input_files(str(sample))
    ask = "Choose the date of the data" if lang == "en" else "请先选择数据日期"
    page.get_by_text(ask).first.wait_for(timeout=60_000)
    choose_date(page, "20200219")
    passed = "All checks passed" if lang == "en" else "检查通过"
    page.get_by_text(passed).wait_for(timeout=120_000)
    wait_for_app(page)
    # Nothing wider than the screen: the page never scrolls sideways.
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    screenshot(page, f"data_{size}_{lang}_checked")
    review = "② Matches to confirm" if lang == "en" else "② 待确认匹配"
    page.get_by_role("tab", name=review).click()
    wait_for_app(page)
    screenshot(page, f"data_{size}_{lang}_review")
    context.close()


def test_a_file_no_format_knows_goes_to_column_mapping(empty_server, browser):  # noqa: F811
    url, _ = empty_server
    context, page = open_page(browser, f"{url}/data", LAPTOP)
    flattened = realworld_dir() / "redcross-wuhan" / "wuhan_rc_distributed_supplies.csv"
    page.locator('input[type="file"]').set_input_files(str(flattened))
    page.get_by_text("没有识别出格式").first.wait_for(state="attached", timeout=60_000)
    page.get_by_role("heading", name="列映射").wait_for(timeout=60_000)
    wait_for_app(page)
    screenshot(page, "data_1440_zh_mapping")
    context.close()
