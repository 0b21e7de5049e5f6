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
