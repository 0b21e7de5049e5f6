"""Free-text quantities: the exact examples the hospital feed's remarks contain."""

from __future__ import annotations

import pytest

from data_loaders.ingest.quantities import parse_quantity, split_item_quantity


@pytest.mark.parametrize("text, expected", [
    ("防护服1万", (10000.0, None)),
    ("N95口罩4千", (4000.0, None)),
    ("5000只", (5000.0, "只")),
    ("2万个", (20000.0, "个")),
    ("1.5万", (15000.0, None)),
    ("500盒", (500.0, "盒")),
    ("3,000", (3000.0, None)),
    ("５０００只", (5000.0, "只")),  # full-width digits
    ("２万个", (20000.0, "个")),
    ("5千克", (5.0, "千克")),  # a kilogram, not five thousand
    ("100 ML", (100.0, "ml")),
])
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", [
    "", None, "防护服", "N95", "KN95", "GB 19083-2010", "帐号:5586 5753 8059", "发布日期:2020年1月24日",
    "1,2",
])
def test_parse_quantity_refuses_codes_and_text(text):
    assert parse_quantity(text) is None


@pytest.mark.parametrize("text, expected", [
    ("奥司他韦胶囊 500盒", ("奥司他韦胶囊", 500.0, "盒")),
    ("防护服1万套", ("防护服", 10000.0, "套")),
    ("防护服1万", ("防护服", 10000.0, None)),
    ("N95口罩4千", ("N95口罩", 4000.0, None)),
    ("医用手套：10000", ("医用手套", 10000.0, None)),
    ("奥司他韦胶囊（盒）\t*5000", ("奥司他韦胶囊(盒)", 5000.0, "盒")),  # unit in brackets
    ("背负式充电超低容量喷雾机（BK-2719） 10", ("背负式充电超低容量喷雾机(BK-2719)", 10.0, None)),
])
def test_split_item_quantity(text, expected):
    assert split_item_quantity(text) == expected


@pytest.mark.parametrize("text", ["500盒", "防护服", "KN95", "医用防护口罩：符合中国GB 19083-2010"])
def test_split_item_quantity_needs_an_item_and_a_quantity(text):
    assert split_item_quantity(text) is None
