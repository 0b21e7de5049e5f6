"""The cached edge keeps results as objects, not pickles (issue 16): what one page or
session does to a result it was handed never changes what the cache holds for the next."""

from __future__ import annotations

import threading
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dashboard.access import LOCAL_ROLE, registered
from dashboard.analytics.metrics import Scope
from dashboard.app import cache
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


def test_a_frame_with_its_metadata_is_handed_out_part_by_part():
    # (frame, metadata), as the research export answers: the frame is not deep-copied
    # (for the whole country that copied 90 MB per visit), yet neither part leaks back.
    frame, meta = pd.DataFrame({"open_needs": [3, 4]}), {"imports": ["i1"]}
    mine, my_meta = handed_out((frame, meta))
    assert np.shares_memory(mine["open_needs"].to_numpy(), frame["open_needs"].to_numpy())
    mine.iloc[0, 0] = 0
    my_meta["imports"].append("i2")
    assert frame["open_needs"].tolist() == [3, 4] and meta == {"imports": ["i1"]}


def test_display_work_is_kept_per_data_role_and_parts():
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


# --- Queries started ahead of the sections that ask them (cache.ahead) ---------------

def _names(served) -> list[str]:
    """The queries the cache ran, in order (tests/conftest.py's ``served``)."""
    return [name for _, name, _ in served[1]]


def _view(role: str):
    return SimpleNamespace(key=(*cache.db_key(), role), role=role)


def _drained() -> None:
    """Return once every call started ahead so far has finished: each worker waits at
    one barrier, which it reaches only when it has nothing earlier to do."""
    gate = threading.Barrier(cache.AHEAD_WORKERS + 1)
    for _ in range(cache.AHEAD_WORKERS):
        cache._ahead_pool.submit(gate.wait, 30)
    gate.wait(30)


def _asked(view, name, *args, **kwargs):
    return cache.prepare(view.key, name, cache._arguments(registered(name), args, kwargs))


def test_a_query_started_ahead_runs_once_and_the_page_gets_its_result(served):
    view, scope = _view(LOCAL_ROLE), Scope(date(2020, 2, 15), 7)
    cache.ahead(view, ("needs.needs_at", (scope,), {}),
                ("needs.logistics", (scope,), {"region": None}))
    _drained()
    assert sorted(_names(served)) == ["needs.logistics", "needs.needs_at"]  # ran before anyone asked
    frame = _asked(view, "needs.needs_at", scope, region=None)  # spelt another way: the same call
    summary = _asked(view, "needs.open_summary", scope)  # takes the open needs already read
    assert sorted(_names(served)) == ["needs.logistics", "needs.needs_at", "needs.open_summary"]
    assert summary["open"] == len(frame) > 0


def test_a_call_asked_while_it_runs_ahead_waits_for_that_run(served, monkeypatch):
    view, scope = _view(LOCAL_ROLE), Scope(date(2020, 2, 15), 7)
    started, release = threading.Event(), threading.Event()
    real = cache.run

    def slow(role, name, *args, **kwargs):
        started.set()
        release.wait(30)
        return real(role, name, *args, **kwargs)

    monkeypatch.setattr(cache, "run", slow)
    cache.ahead(view, ("needs.logistics", (scope,), {}))
    assert started.wait(30)
    threading.Timer(0.3, release.set).start()
    frame = _asked(view, "needs.logistics", scope)
    assert _names(served) == ["needs.logistics"] and not frame.empty  # one run, handed to both


def test_nothing_is_started_ahead_for_a_role_that_may_not_read_it(served):
    from dashboard.access import audit

    scope = Scope(date(2020, 2, 15), 7)
    cache.ahead(_view("researcher"), ("needs.needs_at", (scope,), {}))
    _drained()
    assert _names(served) == []
    # The refusal is the page's to make (and to write down), when it asks.
    assert not [e for e in audit.entries() if e.get("action") == "refused"]


def test_an_error_ahead_is_left_to_the_page_that_asks(served):
    view, scope = _view(LOCAL_ROLE), Scope(date(2020, 2, 15), 7)
    cache.ahead(view, ("needs.needs_by", (scope, "colour"), {}))
    _drained()
    with pytest.raises(ValueError, match="unknown dimension"):
        _asked(view, "needs.needs_by", scope, "colour")


def test_a_query_that_takes_its_input_from_cached_results_opens_no_reader(served, monkeypatch):
    """The projection counts the open needs and divides by the rates, both cached: it
    never opens the store (each opening cost the page's thread 35–45 ms). Run alone, it
    reads the store as before."""
    from data_loaders import store

    view, scope = _view(LOCAL_ROLE), Scope(date(2020, 2, 15), 7)
    opened = []
    real = store.reader
    monkeypatch.setattr(store, "reader", lambda *a, **k: opened.append(1) or real(*a, **k))
    _asked(view, "needs.needs_at", scope)
    _asked(view, "needs.delivery_rates", scope)
    assert len(opened) == 2
    projection = _asked(view, "needs.projection", scope)
    assert len(opened) == 2 and not projection.empty  # counted from the cached results
    con = real()
    try:  # the same answer as the store gives when asked without them
        alone = registered("needs.projection").function(con, scope)
    finally:
        con.close()
    pd.testing.assert_frame_equal(projection, alone)
    assert _asked(view, "needs.logistics", scope) is not None
    assert len(opened) == 3  # a query without reused inputs opens its reader
