"""The fuzzy recipient-name rule: hand-picked names, each with what the rule must say."""

from __future__ import annotations

import pytest

from data_loaders.ingest.matching import (
    AMBIGUITY_MARGIN,
    THRESHOLD,
    accept,
    is_region_name,
    match_name,
    normalise_name,
    proposal,
)

WUHAN = "420100"
HUANGSHI = "420200"
FACILITIES = [
    ("F-CENTRAL", "武汉市中心医院", WUHAN),
    ("F-THIRD-CENTRAL", "武汉市第三中心医院", WUHAN),
    ("F-THIRD", "武汉市第三医院", WUHAN),
    ("F-FIFTH", "武汉市第五医院", WUHAN),
    ("F-FIRST", "武汉市第一医院", WUHAN),
    ("F-JYT", "武汉市金银潭医院（武汉市传染病医院）", WUHAN),
    ("F-TONGJI", "华中科技大学同济医学院附属同济医院", WUHAN),
    ("F-UNION", "华中科技大学同济医学院附属协和医院", WUHAN),
    ("F-HS-CENTRAL", "黄石市中心医院", HUANGSHI),
]


def accepted(raw, candidates=FACILITIES, region=WUHAN, aliases=None):
    found = accept(match_name(raw, candidates, region, aliases))
    return found.facility_id if found else None


@pytest.mark.parametrize("raw, expected", [
    ("  武汉市中心医院 ", "F-CENTRAL"),
    ("武汉\u200b市中心医院", "F-CENTRAL"),  # zero-width space inside
    ("湖北省武汉市第三医院", "F-THIRD"),
    ("武汉市五医院", "F-FIFTH"),  # 第 dropped before a numeral: the sheet's own spelling
    ("市一医院", "F-FIRST"),  # bare 市 prefix = the local one
    ("金银潭医院", "F-JYT"),
    ("武汉市传染病医院", "F-JYT"),  # the bracketed alternative name
])
def test_certain_names_are_accepted(raw, expected):
    assert accepted(raw) == expected


def test_normalisation():
    assert normalise_name("湖北省武汉市第五医院") == "五医院"
    assert normalise_name("华中科技大学同济医学院附属同济医院") == "华中科技大学同济医学院同济医院"
    assert normalise_name("武汉市金银潭医院（武汉市传染病医院）") == "金银潭医院"
    assert is_region_name("武汉市") and is_region_name("湖北省")
    assert not is_region_name("武汉市第七医院")


def test_central_hospital_means_the_one_without_a_numeral():
    # The rule: a numeral tells hospitals apart, so 中心医院 equals 武汉市中心医院 after
    # normalisation and cannot be 第三中心医院 (numbers differ -> capped at 0.4).
    found = match_name("中心医院", FACILITIES, WUHAN)
    assert found[0].facility_id == "F-CENTRAL" and found[0].confidence == 1.0
    third = next(m for m in found if m.facility_id == "F-THIRD-CENTRAL")
    assert third.confidence <= 0.4 and third.rule == "conflict"
    assert accept(found).facility_id == "F-CENTRAL"


def test_same_name_in_two_prefectures_without_a_region_is_ambiguous():
    found = match_name("中心医院", FACILITIES, region=None)
    assert [m.confidence for m in found[:2]] == [1.0, 1.0]
    assert found[0].score - found[1].score < AMBIGUITY_MARGIN
    assert accept(found) is None  # two equal candidates: a person decides
    assert proposal(found) is not None


def test_prefecture_written_in_the_name_overrides_the_list_region():
    assert accepted("黄石市中心医院") == "F-HS-CENTRAL"


def test_loose_short_name_is_proposed_not_accepted():
    found = match_name("同济医院", FACILITIES, WUHAN)
    assert found[0].facility_id == "F-TONGJI"
    assert found[0].rule == "contains" and found[0].confidence < THRESHOLD
    assert accept(found) is None
    assert proposal(found).facility_id == "F-TONGJI"


@pytest.mark.parametrize("raw", ["第七医院", "武汉市第七医院", "第三中心医院附属分院X"])
def test_other_numbers_never_match(raw):
    found = match_name(raw, FACILITIES, WUHAN)
    assert accept(found) is None
    if raw != "第三中心医院附属分院X":
        assert proposal(found) is None  # nothing even proposed for 第七医院


def test_unrelated_name_matches_nothing():
    assert match_name("水务集团", FACILITIES, WUHAN) == []
    assert accepted("水务集团") is None


def test_remembered_alias_wins_with_confidence_one():
    aliases = {normalise_name("同济医院"): "F-TONGJI"}
    found = match_name("同济医院", FACILITIES, WUHAN, aliases)
    assert found[0].facility_id == "F-TONGJI" and found[0].confidence == 1.0
    assert found[0].rule == "alias"
    assert accept(found).facility_id == "F-TONGJI"


def test_candidates_as_mappings_and_pairs():
    rows = [{"facility_id": "A", "name": "武汉市儿童医院", "region_adcode": WUHAN},
            ("B", "武汉市肺科医院")]
    assert accepted("儿童医院", rows) == "A"
    assert accepted("武汉市肺科医院", rows) == "B"


def test_a_city_hospital_is_not_the_province_hospital_of_the_same_name():
    from data_loaders.ingest.matching import accept, match_name

    candidates = [("P1", "湖北省中西医结合医院(新华医院)", "420100")]
    matches = match_name("武汉市中西医结合医院", candidates, region="420100")
    assert matches and matches[0].confidence <= 0.6 and matches[0].rule == "level_conflict"
    assert accept(matches) is None  # goes to review, never matched silently
    # Without a written level on one side the usual rule applies.
    assert accept(match_name("中西医结合医院", [("C1", "武汉市中西医结合医院", "420100")],
                             region="420100")) is not None
