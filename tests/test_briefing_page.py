"""The Briefing page under Streamlit's AppTest, on the hand-computed scenario
(tests/test_briefing.py's docstring has the numbers)."""

from __future__ import annotations

from tests.apptest import run_app
from tests.conftest import BOTH

BACKENDS = BOTH  # every page test on a store runs on the file and on PostgreSQL

PAGE = "briefing"


def test_briefing_page_in_chinese(scenario_db):
    at = run_app(PAGE, params={"as_of": "2020-02-15"})
    assert at.title[0].value == "晨间简报"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 PDF（A4）", "下载网页版", "下载群聊文字", "下载数据（JSON）"]
    sentences = " ".join(m.value for m in at.markdown)
    assert "武汉市" in sentences
    chat = at.code[0].value
    assert "2020-02-15" in chat and "<" not in chat.replace("<5", "")
    assert any("截至 2020-02-15" in c.value for c in at.caption)


def test_briefing_page_in_english_keeps_the_numbers(scenario_db):
    at = run_app(PAGE, params={"as_of": "2020-02-15"}, state={"lang": "en"})
    assert at.title[0].value == "Morning briefing"
    chat = at.code[0].value
    # Open needs 3, urgent 2 (+1 since the day before), overdue deliveries 2.
    assert "2020-02-15" in chat and "Wuhan" in chat


def test_briefing_page_follows_the_region_filter(scenario_db):
    # 孝感 (420900) at 02-15 (tests/test_regions.py has the hand-computed briefing): one
    # open need (N4, urgent, reported on D), one overdue delivery (D4), one partner (P2).
    at = run_app(PAGE, params={"as_of": "2020-02-15", "region": "420900"})
    assert any("孝感市的简报" in c.value for c in at.caption)
    chat = at.code[0].value
    assert "孝感市晨间简报" in chat and "- 未满足需求：1（较前一日 +1" in chat
    assert "- 逾期配送：1" in chat and "武汉" not in chat


def test_briefing_page_empty_store(db):
    at = run_app(PAGE)
    assert at.info and not at.get("download_button")
