"""A caseworker on a phone (390×844), in a real browser (issue 17): the demo network's
Beijing caseworker enters an assessment on the form the tool generates, then closes a
case, and the follow-up list and the headline figures change. `streamlit run` in local
mode working as that organisation's caseworker (LIFELINE_LOCAL_ROLE). Screenshots land
in tests/artifacts/casework_*.png for a person to read.
"""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from data_loaders import store
from tests.test_browser import (  # noqa: F401
    browser,
    screenshot,
    streamlit_server,
    wait_for_app,
)
from tests.test_browser_phone import assert_no_sideways_scroll

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    """The app on a copy of the demo with the families-in-difficulty network, working as
    京北社工服务中心's caseworker."""
    from data_loaders.demo.households import write_households

    folder = tmp_path_factory.mktemp("casework")
    db = folder / "demo.duckdb"
    shutil.copy(demo_db_path, db)
    con = store.connect(db)
    write_households(con, seed=7)
    con.close()
    with streamlit_server(db, folder, {"LIFELINE_LOCAL_ROLE": "caseworker:DEMO-SW-BJ"}) as url:
        yield url


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def _main(page):
    return page.locator('[data-testid="stMain"]')


def _metric(page, label: str) -> int:
    card = _main(page).locator('[data-testid="stMetric"]').filter(has_text=label)
    return int(card.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_an_assessment_entered_and_a_case_closed_on_a_phone(server, phone):
    phone.goto(f"{server}/casework")
    wait_for_app(phone, 90_000)
    assert phone.locator("h1").first.inner_text() == "个案跟进"
    phone.get_by_text("为京北社工服务中心（演示）跟进困境家庭").wait_for()
    open_before, resolved_before = _metric(phone, "未结案个案"), _metric(phone, "已解决")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "casework_phone_due")

    # ③ A new household's first assessment, on the form generated from the tool.
    phone.get_by_role("tab", name="③ 录入评估").click()
    form = _main(phone).locator('[data-testid="stForm"]').filter(has_text="保存评估")
    form.get_by_role("textbox", name="住户编号").fill("BJ-201")
    form.get_by_role("textbox", name="地区").fill("朝阳区")
    form.get_by_role("textbox", name="评估轮次").fill("2020-R2")
    for question, answer in (("防护", "轻度"), ("生计（食物、住房、出行）", "严重"),
                             ("子女教育", "中度")):
        group = form.locator('[data-testid="stRadio"]').filter(
            has=phone.get_by_text(question, exact=True))
        group.get_by_text(answer, exact=True).click()
    form.get_by_role("button", name="保存评估").click()
    phone.get_by_text("已保存 BJ-201 的 2020-R2 轮评估（3 个答案）。").wait_for(timeout=30_000)
    wait_for_app(phone)
    assert _metric(phone, "未结案个案") == open_before + 1
    assert_no_sideways_scroll(phone)
    screenshot(phone, "casework_phone_assessed")

    # ② The case of BJ-001 closed as resolved, with its reason.
    phone.get_by_role("tab", name="② 个案").click()
    # The household just assessed is the one shown.
    chosen = _main(phone).locator('[data-testid="stSelectbox"]').filter(has_text="选择家庭")
    assert chosen.locator("input").input_value().startswith("BJ-201 · 朝阳区")
    phone.get_by_text("2020-R2 轮评估中较严重的需求：生计（食物、住房、出行）、子女教育").wait_for()
    case = _main(phone).locator('[data-testid="stForm"]').filter(has_text="保存个案")
    # Typed into the select box (it filters as one types) and chosen with Enter: a click
    # can land while the page redraws and leave the list closed.
    case.locator('[data-testid="stSelectbox"]').filter(has_text="个案状态").locator("input").click()
    phone.keyboard.type("已解决")
    phone.get_by_role("option", name="已解决", exact=True).wait_for()
    phone.keyboard.press("Enter")
    case.get_by_role("textbox", name="结案原因").fill("已纳入当地低保")
    case.get_by_role("button", name="保存个案").click()
    phone.get_by_text("已保存个案 BJ-201。").wait_for(timeout=30_000)
    wait_for_app(phone)
    assert _metric(phone, "已解决") == resolved_before + 1
    assert _metric(phone, "未结案个案") == open_before
    phone.get_by_text("结案原因：已纳入当地低保").wait_for()
    assert phone.locator('[data-testid="stException"]').count() == 0
    assert_no_sideways_scroll(phone)
    screenshot(phone, "casework_phone_closed")


def _import(phone, path) -> None:
    """Choose the round file and press import, once the page has read the file (the
    button carries the file it was drawn with)."""
    phone.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(phone)
    phone.get_by_role("button", name="导入这一轮").click()


def test_a_round_uploaded_on_a_phone_is_refused_whole_then_imported(server, phone, tmp_path):
    phone.goto(f"{server}/casework")
    wait_for_app(phone, 90_000)
    open_before = _metric(phone, "未结案个案")
    phone.get_by_role("tab", name="④ 导入轮次").click()
    # A round with a phone column and a phone number as a household's id: refused whole,
    # each problem named, the number never shown back.
    bad = tmp_path / "第三轮.csv"
    bad.write_text("住户编号,跟进机构,地区,评估轮次,评估日期,联系电话,防护\n"
                   "BJ-301,DEMO-SW-BJ,朝阳区,2020-R3,2020-03-20,13812345678,严重\n"
                   "13912345678,DEMO-SW-BJ,朝阳区,2020-R3,2020-03-20,,中度\n", encoding="gb18030")
    _import(phone, bad)
    phone.get_by_text("发现 2 个问题，未导入任何数据：").wait_for(timeout=30_000)
    body = _main(phone).inner_text()
    assert "联系电话" in body and "13812345678" not in body and "13912345678" not in body
    assert _metric(phone, "未结案个案") == open_before
    screenshot(phone, "casework_phone_round_refused")
    # Fixed in Excel and saved as a workbook with its instructions sheet: the round is
    # imported and the sheet that is not a round is said, not refused.
    book = openpyxl.Workbook()
    book.active.title = "填写说明"
    book.active.append(["每户一行，答案填“严重”“中度”等"])
    sheet = book.create_sheet("第三轮")
    for row in (["住户编号", "跟进机构", "地区", "评估轮次", "评估日期", "防护"],
                ["BJ-301", "DEMO-SW-BJ", "朝阳区", "2020-R3", "2020-03-20", "严重"],
                ["BJ-302", "DEMO-SW-BJ", "丰台区", "2020-R3", "2020-03-20", "中度"]):
        sheet.append(row)
    good = tmp_path / "第三轮修改后.xlsx"
    book.save(good)
    _import(phone, good)
    phone.get_by_text("已导入 2 户、2 个答案。").wait_for(timeout=30_000)
    phone.get_by_text("1 个工作表没有评估工具的问题（如填写说明、汇总），未读取").wait_for()
    wait_for_app(phone)
    assert _metric(phone, "未结案个案") == open_before + 2
    assert_no_sideways_scroll(phone)
    screenshot(phone, "casework_phone_round_imported")
