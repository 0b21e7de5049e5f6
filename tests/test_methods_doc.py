"""The methods document in both languages, and what the Data & methods page shows of it.

docs/METHODS.zh.md is the Chinese version of docs/METHODS.md: the same sections in the
same order, each with the English section's anchor, so a link into one reaches the same
place in the other. Passages for developers (code, tests, commands) are wrapped in
``<!-- dev -->`` … ``<!-- /dev -->``; the page leaves them out.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from dashboard.app.methods import METHODS, methods_text


def headings(text: str) -> list[tuple[int, str]]:
    """(level, GitHub anchor) of every heading, duplicates numbered as GitHub does."""
    out, seen = [], {}
    for line in text.splitlines():
        m = re.match(r"^(#{1,6}) (.*)$", line)
        if not m:
            continue
        title = m.group(2).strip().lower().replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.append((len(m.group(1)), slug if n == 0 else f"{slug}-{n}"))
    return out


def test_the_chinese_methods_have_the_english_sections_in_order_with_their_anchors():
    english = headings(METHODS["en"].read_text(encoding="utf-8"))
    chinese = METHODS["zh"].read_text(encoding="utf-8").splitlines()
    found = []
    for before, line in zip(chinese, chinese[1:]):
        m = re.match(r"^(#{1,6}) ", line)
        if m:
            anchor = re.fullmatch(r'<a id="([^"]+)"></a>', before)
            assert anchor, f"no anchor before {line!r}"
            found.append((len(m.group(1)), anchor.group(1)))
    assert found == english


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_developer_passages_are_marked_in_pairs(lang):
    text = METHODS[lang].read_text(encoding="utf-8")
    marks = re.findall(r"<!-- (/?dev) -->", text)
    assert marks == ["dev", "/dev"] * (len(marks) // 2), "unbalanced or nested dev markers"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_shows_the_methods_without_code_paths_or_commands(lang):
    text = methods_text(lang)
    assert text.startswith("# ")
    for pattern in (r"(?:[\w.-]+/)+[\w.-]+\.(?:md|py|csv|toml)\b", r"\bdocs/", r"python -m",
                    r"LIFELINE_", r"<!--", r"<a id="):
        assert not re.search(pattern, text), (pattern, re.search(pattern, text))
    # what the developers' passages surround stays whole: no sentence loses its end
    assert "before drawing." in text or "坐标系（GCJ-02）。" in text


def test_the_chinese_methods_are_chinese():
    text = methods_text("zh")
    prose = re.sub(r"`[^`]*`|    .*", "", text)  # identifiers and formulas are written as in the data
    words = set(re.findall(r"[A-Za-z]{3,}", prose))
    # Names of standards, formats and tools that Chinese text writes in Latin letters, the
    # date pattern YYYY-MM-DD and the max of a formula.
    assert words <= {"HXL", "CSV", "JSON", "Parquet", "UTF", "BOM", "Excel", "Windows", "Proxy",
                     "GCJ", "SHA", "UTC", "Noto", "CJK", "matplotlib", "pydeck", "ColorBrewer",
                     "null", "libhxl", "YYYY", "max", "DHIS"}, words


@pytest.mark.parametrize("lang, after", [("en", "**Hubs:**"), ("zh", "**枢纽**：")])
def test_a_developer_passage_inside_a_line_leaves_the_paragraphs_around_it(lang, after):
    text = methods_text(lang)
    # The network's test passage closes the brokers' paragraph; the hubs' one stays apart.
    assert f"\n\n{after}" in text
    # Nor does a word run into the bracket that followed the passage ("chosen(default 5").
    prose = re.sub(r"`[^`]*`|    .*", "", text).replace("max(", "")
    assert not re.search(r"[A-Za-z]\(", prose), re.search(r".{40}[A-Za-z]\(", prose)


def test_the_chinese_page_draws_no_space_inside_a_sentence():
    text = methods_text("zh")
    # A line break inside a paragraph or list item is drawn as a space; Chinese sets none
    # between its characters or next to its punctuation.
    wide = "\u4e00-\u9fff，。；：、（）“”"
    assert not re.search(f"[{wide}]\n[ \t]*[{wide}]", text)
    assert "因此所有地市的卡片加起来等于全省的" in text  # a list item's second line
    assert "其余为 `planned`（计划中）。D 之后才发出的配送不计" in text  # after a full stop


def _punctuation(c: str) -> bool:
    return c == "" or unicodedata.category(c)[0] in "PS"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_emphasis_on_the_page_is_drawn_as_such(lang):
    # CommonMark opens ** or * only before a letter, or before punctuation when a space or
    # punctuation stands in front (and closes the other way round): "**排序：**多出" would
    # show its asterisks. Chinese puts the colon after the bold: "**排序**：多出".
    for paragraph in methods_text(lang).split("\n\n"):
        text = re.sub(r"`[^`]*`", "C", paragraph)
        for stars in (r"(?<!\*)\*\*(?!\*)", r"(?<!\*)\*(?!\*)"):
            for k, m in enumerate(re.finditer(stars, text)):
                before = text[m.start() - 1] if m.start() else ""
                after = text[m.end()] if m.end() < len(text) else ""
                if k % 2 == 0:
                    ok = not after.isspace() and (not _punctuation(after) or before.isspace()
                                                  or _punctuation(before))
                else:
                    ok = not before.isspace() and (not _punctuation(before) or after.isspace()
                                                   or _punctuation(after))
                assert ok, text[max(m.start() - 20, 0):m.end() + 20]
