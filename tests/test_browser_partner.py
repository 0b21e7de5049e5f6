"""A partner files from a phone; the hub approves; the briefing changes (issue 15 §5).

`streamlit run` in sign-in mode against the loopback OpenID Connect provider: a partner of
the demo's 龟山暖邻社 signs in, and at 390×844 files an activity report, a need and a
pledge on the Report page (填报). The hub signs in, finds them in its review queue,
approves them at once, and its briefing counts the new need. The partner also downloads
its offline workbook, fills it without the page and uploads it back.
"""

from __future__ import annotations

import re

import openpyxl
import pytest

from tests.test_browser import browser, screenshot, wait_for_app  # noqa: F401
from tests.test_browser_signin import open_provider, signin_app

pytestmark = pytest.mark.browser

PARTNER, HUB = "ops@guishan.example", "lead@hub.example"
ROLES_TOML = f"""\
[users]
"{HUB}" = "hub"
"{PARTNER}" = {{ role = "partner", org = "ORG-0003" }}
"""
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def app(demo_db_path, tmp_path_factory):
    """The provider and the app in sign-in mode on a copy of the demo; yields (url, idp)."""
    with signin_app(demo_db_path, tmp_path_factory.mktemp("partner"), ROLES_TOML) as (url, idp, _):
        yield url, idp


def signed_in(browser, app, email: str):  # noqa: F811
    """A new tab in which ``email`` has signed in (at a desktop width: the sidebar's
    button), then shown at a phone's size."""
    url, idp = app
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.goto(f"{url}/")
    wait_for_app(tab)
    open_provider(tab, idp)
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(re.escape(url) + "/?($|\\?)"), timeout=30_000)
    wait_for_app(tab)
    tab.locator('[data-testid="stSidebar"]').get_by_text("已登录").wait_for(timeout=30_000)
    return tab


def main(tab):
    return tab.locator('[data-testid="stMain"]')


def choose_kind(tab, label: str) -> None:
    main(tab).locator('[data-testid="stRadio"]').first.get_by_text(label, exact=True).click()
    wait_for_app(tab)


def choose_first(tab, label: str) -> None:
    """Open the selectbox labelled ``label`` and take its first real choice."""
    box = main(tab).locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.click()
    tab.get_by_role("option").nth(1).click()


def submit(tab, said: str) -> None:
    main(tab).get_by_role("button", name="提交").click()
    main(tab).get_by_text(said).wait_for(timeout=60_000)
    wait_for_app(tab)


def fits(tab) -> None:
    """Nothing on the page is wider than the phone."""
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def unmet_needs(tab) -> int:
    """The briefing's count of open needs at D, as its printed page says it."""
    frame = tab.frame_locator('[data-testid="stIFrame"], iframe').first
    frame.locator("h1").wait_for(timeout=60_000)
    text = frame.locator("body").inner_text()
    found = re.search(r"未满足需求\s*([\d,]+)", text)
    assert found, text[:2000]
    return int(found[1].replace(",", ""))


def test_a_partner_files_from_a_phone_and_the_hub_approves(browser, app, tmp_path):  # noqa: F811
    url, _ = app
    hub = signed_in(browser, app, HUB)
    hub.goto(f"{url}/briefing")
    wait_for_app(hub)
    before = unmet_needs(hub)

    tab = signed_in(browser, app, PARTNER)
    tab.set_viewport_size(PHONE)
    tab.goto(f"{url}/report")
    wait_for_app(tab)
    main(tab).get_by_text("代表：龟山暖邻社").wait_for()
    screenshot(tab, "partner_phone_1_report")
    fits(tab)

    main(tab).get_by_label("服务人次").fill("120")
    main(tab).get_by_label("物资").fill("蔬菜包")
    submit(tab, "已提交活动报告，等待枢纽审核。")
    screenshot(tab, "partner_phone_2_report_filed")

    choose_kind(tab, "需求")
    main(tab).get_by_role("button", name="提交").click()  # nothing chosen: said at the field
    main(tab).get_by_text("必填项为空").first.wait_for(timeout=60_000)
    wait_for_app(tab)
    screenshot(tab, "partner_phone_3_need_problem")
    choose_first(tab, "设施")
    main(tab).get_by_label("数量").fill("2万")
    submit(tab, "已提交需求，等待枢纽审核。")

    choose_kind(tab, "认领")
    choose_first(tab, "需求")
    main(tab).get_by_label("数量").fill("500")
    submit(tab, "已提交认领，等待枢纽审核。")
    screenshot(tab, "partner_phone_4_own_submissions")
    fits(tab)

    # Offline: the workbook, filled without a connection, uploaded back.
    with tab.expect_download() as got:
        main(tab).get_by_role("button", name="下载离线工作簿（XLSX）").click()
    assert got.value.suggested_filename.startswith("lifeline_offline_ORG-0003_")
    got.value.save_as(tmp_path / got.value.suggested_filename)
    book = openpyxl.load_workbook(tmp_path / got.value.suggested_filename)
    sheet = book["活动报告"]
    headers = [c.value for c in sheet[1]]
    assert [sheet.cell(2, headers.index(h) + 1).value for h in ("机构编号", "地区")] == [
        "ORG-0003", "武汉市"]
    sheet.cell(2, headers.index("服务人次") + 1).value = 45
    filled = tmp_path / "离线填报.xlsx"
    book.save(filled)
    main(tab).locator('input[type="file"]').set_input_files(str(filled))
    main(tab).get_by_role("button", name="提交工作簿").click()
    main(tab).get_by_text("工作簿中的 1 条记录已提交。").wait_for(timeout=60_000)
    wait_for_app(tab)
    screenshot(tab, "partner_phone_4b_workbook_filed")

    hub.set_viewport_size(PHONE)
    hub.goto(f"{url}/report")
    wait_for_app(hub)
    main(hub).get_by_text("4 条提交待审核").wait_for(timeout=60_000)
    screenshot(hub, "partner_phone_5_review_queue")
    main(hub).get_by_role("button", name="全部批准（4 条）").click()
    main(hub).get_by_text("已批准 4 条。").wait_for(timeout=60_000)
    wait_for_app(hub)
    screenshot(hub, "partner_phone_6_approved")

    hub.goto(f"{url}/briefing")
    wait_for_app(hub)
    assert unmet_needs(hub) == before + 1  # the partner's need, now approved, is open at D

    tab.goto(f"{url}/report")
    wait_for_app(tab)
    screenshot(tab, "partner_phone_7_approved")
