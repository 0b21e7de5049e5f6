"""The morning briefing (dashboard/briefing): content, narrative, renderers, PDF, map, CLI.

Hand-computed from tests/data/scenario (its README has the D = 2020-02-15 answers), W = 7:

=====================  ==========  ==========  ==========  =========  =========
measure                D 02-15     D−1 02-14   D−7 02-08   vs D−1     vs D−7
=====================  ==========  ==========  ==========  =========  =========
open needs             3           3           2           ±0         +1
urgent open needs      2           1           0           +1         +2
hospital coverage      1/3         1/3         0/3         ±0         +1/3
community coverage     0/2         1/2         1/2         −1/2       −1/2
active partners        2           2           0           ±0         +2
stale partners         1           1           3           ±0         −2
overdue deliveries     2           2           0           ±0         +2
=====================  ==========  ==========  ==========  =========  =========

D−1 = 02-14, window [02-08, 02-14]: open N1 (urgent, reported 02-10), N3 (reported 02-14,
closed 02-15, so still open on 02-14), N7; N2 closed 02-12, N4 reported 02-15. Covered:
H1 (D1 on 02-12) and C1 (D2 on 02-08, the window's first day); D7 lands 02-15. Active
partners P1 (report A1 02-14) and P2 (A3 02-10); P3 stale. Overdue: D4 (expected 02-12)
and D6 (expected 02-10); D3 is expected 02-15.

D−7 = 02-08, window [02-02, 02-08]: open N2 (closed 02-12) and N7 (reported 02-05), both
normal. Covered: only C1 (D2 delivered 02-08). No partner reported or carried anything
in the window (A2 is 02-01, D6 was dispatched 02-09), so all three are stale. Overdue:
none (D2, expected 02-03, was delivered on 02-08 itself, not after).

Region changes D−1 → D: 武汉 loses its only covered community (C1's delivery leaves the
window) and keeps H1; 孝感 gains an urgent need (N4, reported on D). Gap (needs.py
formula, weight × uncovered share × (1 + ln(1 + days open))): N1 scores 3 × 1 × (1 +
ln 6) = 8.3753 (nothing linked to it); N4, reported on D, scores 3 × 1 × (1 + ln 1) = 3
(D3 left before N4 was reported, so it does not count); N7 is fully in transit (D6
matched) and scores 0. 孝感 = 3 × 1,000,000 / 4,270,371 = 0.7025 per million ranks
before 武汉 = 8.3753 × 1,000,000 / 12,326,518 = 0.6795; facilities: H1 江汉医院 8.38,
then V1 王家湾村 3.
Overdue: D6 (武汉二院, carrier P2 伙伴二) 5 days, D4 (孝感医院, carrier L1 快运) 3 days.
Partners: P3 is silent (never seen); nobody is overdue. Overlaps: none.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date

import pytest

from dashboard.analytics.metrics import BRIEF_REGION_FIELDS, Scope, region_summary, totals
from dashboard.briefing import (
    build_brief,
    mapimage,
    narrative,
    render_html,
    render_map,
    render_markdown,
    write_brief,
)
from dashboard.cli import main
from data_loaders import store
from tests.conftest import AS_OF, BOTH, ROOT, analytics, writer

BACKENDS = BOTH  # every store test here runs on the file and on PostgreSQL

WUHAN, XIAOGAN, HUANGGANG, SUIZHOU = "420100", "420900", "421100", "421300"
HOSTILE = "<script>alert(1)</script>"


def needs_tool(*names: str) -> None:
    """Skip (locally) or fail (CI) when a system tool the test needs is missing."""
    from dashboard.briefing.pdf import chromium_path

    missing = [n for n in names if (chromium_path() if n == "chromium" else shutil.which(n)) is None]
    if missing:
        hint = "install Debian's " + " ".join(
            {"chromium": "chromium", "pdftotext": "poppler-utils", "pdfinfo": "poppler-utils"}[n]
            for n in missing) + " (scripts/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(f"CI requires {', '.join(missing)}: {hint}")
        pytest.skip(f"{', '.join(missing)} not installed: {hint}")


@pytest.fixture
def brief_en(scenario_db):
    return build_brief(scenario_db, Scope(AS_OF, 7), "en")


# -- content ---------------------------------------------------------------------------
def test_headline_at_d_d1_d7_matches_the_hand_computed_table(brief_en):
    h = {i["key"]: i for i in brief_en["headline"]}
    assert [i["key"] for i in brief_en["headline"]] == [
        "open_needs", "urgent_open_needs", "hospital_coverage", "community_coverage",
        "active_partners", "stale_partners", "overdue_deliveries"]
    counts = {  # key: (D, D−1, D−7)
        "open_needs": (3, 3, 2), "urgent_open_needs": (2, 1, 0), "active_partners": (2, 2, 0),
        "stale_partners": (1, 1, 3), "overdue_deliveries": (2, 2, 0)}
    for key, (d, d1, d7) in counts.items():
        assert (h[key]["value"], h[key]["d1"], h[key]["d7"]) == (d, d1, d7), key
        assert (h[key]["change_d1"], h[key]["change_d7"]) == (d - d1, d - d7), key
        assert h[key]["kind"] == "count"
    ratios = {"hospital_coverage": (1 / 3, 1 / 3, 0.0), "community_coverage": (0.0, 0.5, 0.5)}
    for key, (d, d1, d7) in ratios.items():
        assert h[key]["kind"] == "ratio"
        assert h[key]["value"] == pytest.approx(d) and h[key]["d1"] == pytest.approx(d1)
        assert h[key]["d7"] == pytest.approx(d7)
        assert h[key]["change_d1"] == pytest.approx(d - d1)
        assert h[key]["change_d7"] == pytest.approx(d - d7)
    assert brief_en["compared"] == {"d1": "2020-02-14", "d7": "2020-02-08",
                                    "d1_has_data": True, "d7_has_data": True}
    assert brief_en["window"] == {"start": "2020-02-09", "end": "2020-02-15", "days": 7}
    assert brief_en["province"] == {"adcode": "420000", "name": "湖北省", "name_en": "Hubei"}


def test_the_keys_of_metrics_brief_are_kept(scenario_db, brief_en):
    scope = Scope(AS_OF, 7)
    assert brief_en["as_of"] == "2020-02-15" and brief_en["window_days"] == 7
    assert brief_en["totals"] == totals(scenario_db, scope)
    assert len(brief_en["regions"]) == 17
    wuhan = next(r for r in brief_en["regions"] if r["adcode"] == WUHAN)
    assert set(BRIEF_REGION_FIELDS) <= set(wuhan)
    assert (wuhan["open_needs"], wuhan["hospitals"], wuhan["hospitals_covered"]) == (2, 2, 1)
    assert wuhan["has_data"] and wuhan["gap_score"] == pytest.approx(0.67945, abs=1e-5)
    assert wuhan["gap_rank"] == 2
    json.dumps(brief_en)  # JSON-ready: no numpy scalars, dates or NaN


def test_gaps_overdue_partners_and_overlaps(brief_en):
    regions = brief_en["gaps"]["regions"]
    assert [(r["rank"], r["adcode"], r["label"], r["urgent_needs"], r["open_needs"])
            for r in regions] == [(1, XIAOGAN, "Xiaogan", 1, 1), (2, WUHAN, "Wuhan", 1, 2)]
    assert regions[0]["score"] == pytest.approx(3 * 1e6 / 4_270_371)  # N4, reported on D
    assert regions[1]["score"] == pytest.approx(3 * (1 + math.log(6)) * 1e6 / 12_326_518)
    assert regions[1]["score_total"] == pytest.approx(3 * (1 + math.log(6)))
    h1, v1 = brief_en["gaps"]["facilities"]
    assert (h1["facility_id"], h1["name"], h1["region"], h1["urgent_needs"]) == ("H1", "江汉医院", "Wuhan", 1)
    assert h1["score"] == pytest.approx(3 * (1 + math.log(6))) and v1["score"] == pytest.approx(3)

    overdue = brief_en["overdue_deliveries"]
    assert overdue["count"] == 2
    assert [(d["delivery_id"], d["days_overdue"], d["region"], d["carrier_name"])
            for d in overdue["top"]] == [("D6", 5, "Wuhan", "伙伴二"), ("D4", 3, "Xiaogan", "快运")]

    partners = brief_en["partners"]
    assert partners["counts"] == {"fresh": 2, "due": 0, "overdue": 0, "silent": 1}
    assert [(p["org_id"], p["hub_name"]) for p in partners["silent"]] == [("P3", "湖北枢纽")]
    assert partners["overdue"] == [] and partners["overdue_after_days"] == 14
    assert brief_en["overlaps"] == {"days": 7, "count": 0, "top": []}


def test_region_changes_since_the_day_before(brief_en):
    changes = brief_en["changes"]
    assert [r["adcode"] for r in changes["lost_community_coverage"]] == [WUHAN]
    assert changes["lost_hospital_coverage"] == [] and changes["gained_hospital_coverage"] == []
    assert [(r["adcode"], r["change"], r["value"]) for r in changes["urgent_rise"]] == [(XIAOGAN, 1, 1)]


# -- narrative -------------------------------------------------------------------------
def test_narrative_of_the_scenario_in_both_languages(scenario_db, brief_en):
    assert brief_en["narrative"] == [
        "3 open needs, 2 of them urgent; the same as yesterday.",
        "Since yesterday 1 region lost community coverage: Wuhan.",
        "Community coverage in the province fell from 50.0% yesterday to 0.0%.",
        "Urgent open needs rose most in Xiaogan (+1).",
        "Overdue deliveries: 2 (the same as yesterday); the longest is 5 days late "
        "(Wuhan, carrier: 伙伴二).",
        "Partners to call: 1 — 1 never reported, 0 not seen for 14 days or more.",
        "Largest gap: Xiaogan (score 0.70 per million residents; urgent open needs: 1).",
    ]
    assert build_brief(scenario_db, Scope(AS_OF, 7), "zh")["narrative"] == [
        "未满足需求 3 条，其中紧急 2 条；与昨日持平。",
        "自昨日以来，1个地区失去社区/村覆盖：武汉市。",
        "全省社区/村覆盖率由昨日的 50.0% 降至 0.0%。",
        "紧急未满足需求增加最多的地区：孝感市（+1）。",
        "逾期配送 2 单（与昨日持平）；最久的已逾期 5 天（武汉市，承运方：伙伴二）。",
        "需要联系的一线机构 1 家：1 家从未报告，0 家已 14 天以上无动态。",
        "缺口最大的地区：孝感市（得分 0.70/百万人，紧急未满足需求 1 条）。",
    ]


def test_a_day_before_the_data_begins_is_no_earlier_data(scenario_db):
    # The scenario's first event is on 02-01: at D = 02-01 both D−1 and D−7 precede it.
    # Open needs at 02-01: N2 (reported 02-01). Never "+1 since yesterday".
    brief = build_brief(scenario_db, Scope(date(2020, 2, 1), 7), "en")
    assert brief["compared"]["d1_has_data"] is False and brief["compared"]["d7_has_data"] is False
    h = {i["key"]: i for i in brief["headline"]}
    assert h["open_needs"]["value"] == 1
    assert (h["open_needs"]["d1"], h["open_needs"]["change_d1"]) == (None, None)
    assert h["open_needs"]["no_earlier_d1"] and h["open_needs"]["no_earlier_d7"]
    assert brief["narrative"][0] == "1 open needs, 0 of them urgent; no earlier data to compare with."
    assert brief["changes"]["urgent_rise"] == []
    assert "no earlier data" in render_markdown(brief, "en")
    assert "+1" not in render_markdown(brief, "en")
    zh = build_brief(scenario_db, Scope(date(2020, 2, 1), 7), "zh")
    assert "无更早数据" in render_html(zh, "zh") and "无更早数据" in zh["narrative"][0]
    # A day later, the day before has data: a real change.
    later = build_brief(scenario_db, Scope(date(2020, 2, 2), 7), "en")
    assert later["compared"]["d1_has_data"] and not later["compared"]["d7_has_data"]


def _quiet_brief(today, yesterday) -> dict:
    """A brief where nothing but the given region summaries changed."""
    zero = {"value": 0, "d1": 0, "d7": 0, "change_d1": 0, "change_d7": 0}
    headline = [{"key": k, "kind": "count", **zero} for k in (
        "open_needs", "urgent_open_needs", "active_partners", "stale_partners", "overdue_deliveries")]
    headline += [{"key": k, "kind": "ratio", "value": 0.5, "d1": 0.5, "d7": 0.5, "change_d1": 0.0,
                  "change_d7": 0.0} for k in ("hospital_coverage", "community_coverage")]
    return {
        "headline": headline, "changes": narrative.region_changes(today, yesterday),
        "overdue_deliveries": {"count": 0, "top": []}, "gaps": {"regions": [], "facilities": []},
        "partners": {"counts": {"fresh": 0, "due": 0, "overdue": 0, "silent": 0},
                     "overdue_after_days": 14, "overdue": [], "silent": []},
        "overlaps": {"days": 7, "count": 0, "top": []}, "window": {"days": 7},
    }


def test_narrative_of_a_constructed_change_in_both_languages(db):
    db = analytics(db)
    """Three prefectures lose their only covered hospital overnight; one gains one."""
    base = region_summary(db, Scope(AS_OF, 7))  # the empty store: 17 prefectures, zeros
    yesterday, today = base.copy(), base.copy()
    for frame in (yesterday, today):
        frame["hospitals"] = 2
    lost = yesterday["adcode"].isin([XIAOGAN, HUANGGANG, SUIZHOU])
    yesterday.loc[lost, "hospitals_covered"] = 1
    today.loc[today["adcode"] == WUHAN, "hospitals_covered"] = 1
    brief = _quiet_brief(today, yesterday)
    assert narrative.sentences(brief, "en") == [
        "0 open needs, 0 of them urgent; the same as yesterday.",
        "Since yesterday 3 regions lost hospital coverage: Xiaogan, Huanggang, Suizhou.",
        "Since yesterday 1 region gained hospital coverage: Wuhan.",
    ]
    assert narrative.sentences(brief, "zh") == [
        "未满足需求 0 条，其中紧急 0 条；与昨日持平。",
        "自昨日以来，3个地区失去医院覆盖：孝感市、黄冈市、随州市。",
        "自昨日以来，1个地区新获医院覆盖：武汉市。",
    ]


def test_narrative_lists_at_most_five_names_and_eight_sentences(db):
    db = analytics(db)
    base = region_summary(db, Scope(AS_OF, 7))
    yesterday, today = base.copy(), base.copy()
    for frame in (yesterday, today):
        frame["hospitals"] = frame["communities"] = 1
    yesterday["hospitals_covered"] = yesterday["communities_covered"] = 1  # all 17 lose both
    today["urgent_open_needs"] = range(17)  # and urgent needs rise everywhere but 武汉
    brief = _quiet_brief(today, yesterday)
    for item in brief["headline"]:
        if item["kind"] == "ratio":
            item["value"], item["change_d1"] = 0.0, -0.5
    brief["partners"]["counts"]["silent"] = 2
    brief["overlaps"]["count"] = 3
    brief["gaps"]["regions"] = [{"label": "X", "score": 1.0, "urgent_needs": 1}]
    en = narrative.sentences(brief, "en")
    assert len(en) == narrative.MAX_SENTENCES == 8
    assert en[1] == ("Since yesterday 17 regions lost hospital coverage: Wuhan, Huangshi, "
                     "Shiyan, Yichang, Xiangyang, and 12 more.")
    assert en[5] == "Urgent open needs rose most in Shennongjia (+16), Tianmen (+15), Qianjiang (+14)."
    assert en[-1].startswith("Largest gap: X")  # rules 10 and 11 fall off on a busy day
    assert narrative.sentences(brief, "zh")[1] == (
        "自昨日以来，17个地区失去医院覆盖：武汉市、黄石市、十堰市、宜昌市、襄阳市，另有 12 个。")


def test_a_coverage_shift_under_five_points_is_not_mentioned(db):
    db = analytics(db)
    base = region_summary(db, Scope(AS_OF, 7))
    brief = _quiet_brief(base, base)
    item = next(i for i in brief["headline"] if i["key"] == "hospital_coverage")
    item["value"], item["change_d1"] = 0.46, -0.04
    assert len(narrative.sentences(brief, "en")) == 1
    item["value"], item["change_d1"] = 0.45, -0.05
    assert narrative.sentences(brief, "en")[1] == (
        "Hospital coverage in the province fell from 50.0% yesterday to 45.0%.")


# -- renderers -------------------------------------------------------------------------
def test_html_and_markdown_escape_hostile_names(scenario_db):
    names = {"P2": HOSTILE, "HUB1": "<b>枢纽</b> & co"}
    orgs = scenario_db.execute("SELECT * FROM organizations WHERE org_id IN ('P2', 'HUB1')").df()
    h1 = scenario_db.execute("SELECT * FROM facilities WHERE facility_id = 'H1'").df()
    with writer(scenario_db) as con:
        store.write(con, {"organizations": orgs.assign(name=orgs["org_id"].map(names)),
                          "facilities": h1.assign(name="<img src=x onerror=alert(2)>")})
    brief = build_brief(scenario_db, Scope(AS_OF, 7), "zh")
    assert brief["overdue_deliveries"]["top"][0]["carrier_name"] == HOSTILE  # data stays data
    page = render_html(brief, "zh", map_png=b"\x89PNG fake")
    assert "<script" not in page and "<img src=x" not in page and "<b>枢纽" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "&lt;b&gt;枢纽&lt;/b&gt; &amp; co" in page
    # Fully offline: the only source is the embedded map.
    assert re.findall(r'(?:src|href)="([^"]*)"', page) == ["data:image/png;base64,iVBORyBmYWtl"]
    assert "http" not in page
    text = render_markdown(brief, "zh")
    assert "<script>" not in text and r"\<script\>alert(1)\</script\>" in text


def test_html_is_a4_with_the_cjk_font_and_chinese_only_labels(scenario_db):
    page = render_html(build_brief(scenario_db, Scope(AS_OF, 7), "zh"), "zh")
    assert "@page { size: A4" in page and '"Noto Sans CJK SC"' in page and 'lang="zh-CN"' in page
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    # No English label in the Chinese page, and no file path: the footer names the page.
    words = set(re.findall(r"[A-Za-z]{2,}", visible))
    assert not words, words
    assert "“数据与方法”页" in visible
    assert "未满足需求" in visible and "需要联系的一线机构" in visible


def test_changes_are_red_when_worse_and_green_when_better(scenario_db):
    # As of 02-15 (see the PDF test's rows): community coverage 0% against 50% a day before
    # is worse (red), though it fell; stale partners 1 against 3 a week before is better
    # (green), though it fell; urgent open needs +1 is worse (red); ±0 is not coloured.
    page = render_html(build_brief(scenario_db, Scope(AS_OF, 7), "zh"), "zh")
    spans = re.findall(r'<span class="(worse|better)">([^<]+)</span>', page)
    assert ("worse", "−50.0 个百分点") in spans  # community coverage fell: worse
    assert ("better", "−2") in spans              # stale partners fell over the week: better
    assert ("worse", "+1") in spans               # urgent open needs rose: worse
    assert not any(text.startswith("±0") for _, text in spans)


def test_empty_sections_say_none_in_both_languages(db):
    db = analytics(db)
    for lang, none in (("en", "No overdue deliveries."), ("zh", "没有逾期配送。")):
        brief = build_brief(db, Scope(AS_OF, 7), lang)
        assert brief["narrative"] and brief["gaps"]["regions"] == []
        for text in (render_markdown(brief, lang), render_html(brief, lang)):
            assert none in text
            assert {"en": "No duplicated donations in the window.",
                    "zh": "窗口内没有重复捐赠。"}[lang] in text


# -- map -------------------------------------------------------------------------------
def test_map_png_renders_with_a_cjk_font(brief_en):
    from matplotlib.ft2font import FT2Font
    from PIL import Image

    path = mapimage.cjk_font_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI requires Debian's fonts-noto-cjk")
        pytest.skip("no CJK font: install Debian's fonts-noto-cjk")
    assert "CJK" in path and FT2Font(path).get_char_index(ord("孝")) != 0
    png = render_map(brief_en["regions"], "zh")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 50_000 < len(png) < 2_000_000
    image = Image.open(io.BytesIO(png))
    assert 900 <= image.width <= 2000 and 500 <= image.height <= 1500


def test_map_without_a_cjk_font_falls_back_to_english_with_a_warning(brief_en, monkeypatch):
    monkeypatch.setattr(mapimage, "cjk_font_path", lambda: None)
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        png = render_map(brief_en["regions"], "zh", metric="gap_score")
    assert png[:4] == b"\x89PNG"


# -- PDF -------------------------------------------------------------------------------
def _pdf_text_and_pages(pdf) -> tuple[str, int, str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:.*$", info, re.M).group(0)
    return text, pages, size


@pytest.mark.slow
def test_pdf_has_the_headline_numbers_and_chinese_labels_on_one_a4_page(scenario_db, tmp_path):
    needs_tool("chromium", "pdftotext", "pdfinfo")
    brief = build_brief(scenario_db, Scope(AS_OF, 7), "zh")
    pdf = tmp_path / "brief.pdf"
    write_brief(brief, "pdf", "zh", pdf)
    text, pages, size = _pdf_text_and_pages(pdf)
    assert pages == 1 and "(A4)" in size
    for label in ("晨间简报", "今日要点", "主要数字", "缺口最大的地区", "逾期配送", "从未报告", "江汉医院"):
        assert label in text, label
    # The headline rows: now, day before, change, week before, change.
    rows = {
        "未满足需求": r"3\s+3\s+±0\s+2\s+\+1", "紧急未满足需求": r"2\s+1\s+\+1\s+0\s+\+2",
        "医院覆盖率": r"33.3%\s+33.3%\s+±0 个百分点\s+0.0%\s+\+33.3 个百分点",
        "社区/村覆盖率": r"0.0%\s+50.0%\s+−50.0 个百分点\s+50.0%\s+−50.0 个百分点",
        "活跃一线机构": r"2\s+2\s+±0\s+0\s+\+2", "失联一线机构": r"1\s+1\s+±0\s+3\s+−2",
        "逾期配送": r"2\s+2\s+±0\s+0\s+\+2"}
    for label, numbers in rows.items():
        assert re.search(rf"^\s*{re.escape(label)}\s+{numbers}\s*$", text, re.M), (label, text)


@pytest.mark.slow
def test_pdf_of_the_demo_fits_two_a4_pages_in_english_too(demo_db_path, tmp_path):
    needs_tool("chromium", "pdftotext", "pdfinfo")
    con = store.connect(demo_db_path, read_only=True)
    for lang, label in (("zh", "缺口最大的设施"), ("en", "Facilities with the largest gaps")):
        brief = build_brief(con, Scope(date(2020, 3, 31), 7), lang)
        pdf = tmp_path / f"demo_{lang}.pdf"
        write_brief(brief, "pdf", lang, pdf)
        text, pages, size = _pdf_text_and_pages(pdf)
        assert 1 <= pages <= 2 and "(A4)" in size
        assert label in text and f"{brief['totals']['open_needs']:,}" in text
    con.close()


def test_building_the_demo_brief_is_fast(demo_db_path):
    con = store.connect(demo_db_path, read_only=True)
    build_brief(con, Scope(date(2020, 3, 31), 7), "zh")  # warm the region registry and caches
    started = time.perf_counter()
    build_brief(con, Scope(date(2020, 3, 31), 7), "zh")
    assert time.perf_counter() - started < 3.0
    con.close()


def test_the_briefing_does_not_import_streamlit():
    code = "import sys, dashboard.briefing; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# -- command line ----------------------------------------------------------------------
def test_cli_markdown_writes_the_map_beside_it(scenario_file, tmp_path):
    out = tmp_path / "out" / "brief.md"
    assert main(["brief", "--db", str(scenario_file), "--as-of", "2020-02-15", "--format", "md",
                 "--lang", "en", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "![Map of the prefectures](brief.map.png)" in text
    assert (tmp_path / "out" / "brief.map.png").read_bytes()[:4] == b"\x89PNG"
    assert "- Open needs: 3 (±0 vs the day before, +1 vs a week before)" in text
    assert "<" not in text


def test_cli_json_keeps_the_old_keys_and_adds_the_briefing(scenario_file, capsys):
    assert main(["brief", "--db", str(scenario_file), "--as-of", "2020-02-15"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["open_needs"] == 3 and len(data["regions"]) == 17
    assert data["lang"] == "zh" and data["narrative"][0].startswith("未满足需求 3 条")


def test_cli_html_goes_to_stdout(scenario_file, capsys):
    assert main(["brief", "--db", str(scenario_file), "--as-of", "2020-02-15", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and "data:image/png;base64," in out


def test_cli_pdf_needs_out_and_names_what_to_install(scenario_file, tmp_path, capsys, monkeypatch):
    assert main(["brief", "--db", str(scenario_file), "--format", "pdf"]) == 2
    assert "--format pdf needs --out" in capsys.readouterr().err
    monkeypatch.setenv("LIFELINE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert main(["brief", "--db", str(scenario_file), "--format", "pdf",
                 "--out", str(tmp_path / "b.pdf")]) == 1
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err and not (tmp_path / "b.pdf").exists()
