"""The metric table (dashboard.analytics.metric_table): each metric defined once, with its strings
and its definition in both METHODS documents, and every list that used to be kept by
hand read from it."""

from __future__ import annotations

import re

import pytest

from dashboard.access import registered
from dashboard.analytics import metric_table, metrics
from dashboard.analytics.metric_table import METRICS, PLACES
from dashboard.app import components
from dashboard.app.methods import METHODS
from dashboard.briefing import content, mapimage
from dashboard.i18n import CATALOGUE
from dashboard.present import charts, formatting
from tests.test_methods_doc import headings


def _anchors(lang: str) -> set[str]:
    text = METHODS[lang].read_text(encoding="utf-8")
    return {slug for _, slug in headings(text)} | set(re.findall(r'<a id="([^"]+)"></a>', text))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.key)
def test_every_metric_has_its_definition_in_the_methods_in_both_languages(metric, lang):
    assert metric.methods in _anchors(lang), (metric.key, lang)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.key)
def test_every_metric_has_its_strings_its_query_and_a_kind(metric):
    assert metric.label in CATALOGUE
    if metric.position("ranking") is not None or metric.better is None:
        assert metric.short in CATALOGUE  # a column header of the ranking or its download
    assert metric.kind in (metric_table.COUNT, metric_table.RATIO, metric_table.RATE,
                           metric_table.MONEY)
    assert metric.better in (metric_table.HIGHER, metric_table.LOWER, None)
    assert registered(metric.source).function  # a registered query computes it


def test_keys_and_positions_are_unique():
    assert len({m.key for m in METRICS}) == len(METRICS)
    for place in PLACES:
        positions = [m.position(place) for m in METRICS if m.position(place) is not None]
        assert sorted(positions) == list(range(1, len(positions) + 1)), place


def test_the_lists_that_were_kept_by_hand_read_the_table():
    # The orders users know, unchanged by the move into one table.
    assert components.HEADLINES == content.HEADLINE == (
        "open_needs", "urgent_open_needs", "hospital_coverage", "community_coverage",
        "active_partners", "stale_partners", "overdue_deliveries")
    assert charts.MAP_METRICS == (
        "open_needs", "open_needs_per_10k", "open_needs_per_1k_confirmed", "hospital_coverage",
        "community_coverage", "active_orgs", "overdue_deliveries")
    assert list(components.RANKED) == [
        "open_needs", "urgent_open_needs", "open_needs_per_10k", "hospital_coverage",
        "community_coverage", "active_orgs", "overdue_deliveries", "open_needs_per_1k_confirmed"]
    assert list(components.CONTEXT) == ["confirmed_cum", "population"]
    assert mapimage.MAP_METRICS == ("open_needs", "gap_score")
    assert charts.RATIO_METRICS == content.RATIOS == {"hospital_coverage", "community_coverage"}
    assert {"hospital_coverage", "community_coverage", "active_orgs"} <= charts.GOOD_METRICS
    assert set(metrics.COUNTY_UNDEFINED) == {"active_orgs", "open_needs_per_10k",
                                             "open_needs_per_1k_confirmed", "confirmed_cum",
                                             "population"}
    assert formatting.measure("open_needs_per_10k").kind == metric_table.RATE
    assert formatting.measure("not_a_metric").better is None
