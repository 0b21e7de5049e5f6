"""The cached edge keeps results as objects, not pickles (issue 16): what one page or
session does to a result it was handed never changes what the cache holds for the next."""

from __future__ import annotations

import pandas as pd

from dashboard.app.cache import handed_out


def test_a_page_changing_a_cached_frame_changes_its_own_copy():
    cached = pd.DataFrame({"need_id": ["N1", "N2"], "unmet": [5.0, 7.0]})
    frame = handed_out(cached)
    frame["unmet"] = frame["unmet"] * 2  # a new column, as pages write display values
    frame.loc[frame["need_id"] == "N1", "need_id"] = "X"  # and in place
    frame.iloc[1, 1] = 0.0
    assert cached.values.tolist() == [["N1", 5.0], ["N2", 7.0]]
    assert frame.values.tolist() == [["X", 10.0], ["N2", 0.0]]


def test_any_other_result_is_handed_out_as_a_copy():
    cached = {"totals": {"open_needs": 3}, "regions": [{"adcode": "420100"}]}
    result = handed_out(cached)
    result["totals"]["open_needs"] = 0
    result["regions"].append({"adcode": "420200"})
    assert cached == {"totals": {"open_needs": 3}, "regions": [{"adcode": "420100"}]}


def test_display_work_is_kept_per_data_role_and_parts():
    from types import SimpleNamespace

    from dashboard.app.cache import kept

    built = []

    def build(label):
        return lambda: built.append(label) or label

    hub = SimpleNamespace(key=("store.duckdb", "v1", "hub"))
    funder = SimpleNamespace(key=("store.duckdb", "v1", "funder"))
    newer = SimpleNamespace(key=("store.duckdb", "v2", "hub"))
    assert kept(hub, "t.table", build("hub zh"), "zh") == "hub zh"
    assert kept(hub, "t.table", build("again"), "zh") == "hub zh"  # kept: not built again
    assert kept(hub, "t.table", build("hub en"), "en") == "hub en"  # another language
    assert kept(funder, "t.table", build("funder zh"), "zh") == "funder zh"  # another role
    assert kept(newer, "t.table", build("v2 zh"), "zh") == "v2 zh"  # the data changed
    assert kept(hub, "t.other", build("other"), "zh") == "other"  # another table
    assert built == ["hub zh", "hub en", "funder zh", "v2 zh", "other"]
