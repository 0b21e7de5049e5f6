"""After an import, the queries people were reading are ready again before they ask
(dashboard.app.rewarm, issue 16): the replay runs what was asked under the old data
version under the new one, the latest day moved along, as the same role."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from dashboard.access import LOCAL_ROLE, registered
from dashboard.analytics import needs
from dashboard.analytics.metrics import Scope
from dashboard.app import asked_file, cache, rewarm
from data_loaders import store
from data_loaders.ingest.importer import SourceFile, import_files


def test_the_latest_day_moves_and_nothing_else():
    old, new = date(2020, 2, 19), date(2020, 2, 20)
    assert rewarm.moved(Scope(old, 7), old, new) == Scope(new, 7)
    assert rewarm.moved(Scope(date(2020, 2, 1), 14), old, new) == Scope(date(2020, 2, 1), 14)
    assert rewarm.moved(old, old, new) == new
    assert rewarm.moved(date(2020, 2, 18), old, new) == date(2020, 2, 18)
    assert rewarm.moved("420100", old, new) == "420100"
    assert rewarm.moved(Scope(old), None, new) == Scope(old)  # an empty store had no day


def test_a_nonsense_interval_turns_the_watch_off(monkeypatch):
    monkeypatch.setenv("LIFELINE_REWARM_SECONDS", "soon")
    assert rewarm.interval() == 0
    monkeypatch.setenv("LIFELINE_REWARM_SECONDS", "2.5")
    assert rewarm.interval() == 2.5
    monkeypatch.delenv("LIFELINE_REWARM_SECONDS")
    assert rewarm.interval() == rewarm.DEFAULT_INTERVAL_S


def _ask(seen: rewarm.Seen, role: str, name: str, *args, **kwargs):
    arguments = cache._arguments(registered(name), args, kwargs)
    return cache.prepare((seen.path, seen.version, role), name, arguments)


def _deliver_a_day_later(path, last: date) -> None:
    """One delivery to the scenario's first need, on the day after its latest."""
    con = store.connect(path)
    try:
        need, facility, category = con.execute(
            "SELECT need_id, facility_id, category FROM needs ORDER BY need_id LIMIT 1").fetchone()
        text = ("delivery_id,need_id,facility_id,category,quantity,delivered_on,status\n"
                f"REWARM-1,{need},{facility},{category},1,{last + timedelta(days=1)},delivered\n")
        assert import_files(con, [SourceFile("later.csv", text.encode())]).committed
    finally:
        con.close()


def test_what_was_asked_is_ready_under_the_new_data_on_the_new_latest_day(served):
    path, ran = served
    old = rewarm.look()
    _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last, 7))
    _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last - timedelta(days=3), 7))
    _deliver_a_day_later(path, old.last)
    new = rewarm.look()
    assert new.version != old.version and new.last == old.last + timedelta(days=1)

    ran.clear()
    assert rewarm.replay(old, new) == 2
    # The open needs the summary is computed from come first, as on a page.
    assert [(role, name, kwargs["scope"].as_of) for role, name, kwargs in ran] == [
        (LOCAL_ROLE, "needs.needs_at", old.last - timedelta(days=3)),  # most recent first
        (LOCAL_ROLE, "needs.open_summary", old.last - timedelta(days=3)),
        (LOCAL_ROLE, "needs.needs_at", new.last),  # the latest day moved along
        (LOCAL_ROLE, "needs.open_summary", new.last),
    ]
    ran.clear()
    ready = _ask(new, LOCAL_ROLE, "needs.open_summary", Scope(new.last, 7))
    assert ran == []  # the page's ask finds it ready
    con = store.reader()
    try:
        assert ready == needs.open_summary(con, Scope(new.last, 7))  # and it is the new data's
    finally:
        con.close()


def test_a_replay_stops_when_the_data_moves_on_and_keeps_each_role(served):
    path, ran = served
    old = rewarm.look()
    _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last, 7))
    _ask(old, "public", "metrics.data_date_range")
    _deliver_a_day_later(path, old.last)
    new = rewarm.look()
    ran.clear()
    assert rewarm.replay(old, new, still_current=lambda: False) == 0
    assert ran == []
    assert rewarm.replay(old, new) == 2
    assert {(role, name) for role, name, _ in ran} == {
        ("public", "metrics.data_date_range"), (LOCAL_ROLE, "needs.needs_at"),
        (LOCAL_ROLE, "needs.open_summary")}


def test_the_watcher_replays_after_an_import_from_elsewhere(served):
    path, ran = served
    old = rewarm.look()
    _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last, 7))
    stop = threading.Event()
    watcher = threading.Thread(target=rewarm.watch, args=(0.05, stop), daemon=True)
    watcher.start()
    try:
        time.sleep(0.3)  # the watcher has taken its first look
        ran.clear()
        _deliver_a_day_later(path, old.last)
        deadline = time.monotonic() + 60
        while len(ran) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(10)
    assert [(name, kwargs["scope"].as_of) for _, name, kwargs in ran] == [
        ("needs.needs_at", old.last + timedelta(days=1)),
        ("needs.open_summary", old.last + timedelta(days=1))]
    ran.clear()
    _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last, 7))
    assert [name for _, name, _ in ran] == ["needs.needs_at", "needs.open_summary"]  # dropped


def test_a_store_that_cannot_be_read_is_looked_at_again_later(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFELINE_DB", str(tmp_path / "not-a-store.duckdb"))
    (tmp_path / "not-a-store.duckdb").write_text("these are not a database's bytes")
    assert rewarm.look() is None


def test_the_asked_calls_survive_a_restart_in_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(asked_file, "cache_dir", lambda: tmp_path)
    arguments = (("scope", Scope(date(2020, 2, 19), 14, "420000")), ("region", None),
                 ("day", date(2020, 2, 3)), ("classes", frozenset({"a", "b"})),
                 ("weights", {"urgent": 3.0}), ("levels", ("region", 2)), ("shown", [1, "x"]))
    unkept = (("thing", object()),)
    asked_file.save("postgresql://lifeline:secret@db/hub", [
        ("hub", "needs.open_summary", arguments), ("funder", "odd.query", unkept)],
        date(2020, 2, 19))
    [written] = tmp_path.iterdir()
    assert "secret" not in written.name  # the store's URL is hashed, never written out
    last, calls = asked_file.load("postgresql://lifeline:secret@db/hub")
    assert last == date(2020, 2, 19)
    assert calls == [("hub", "needs.open_summary", arguments)]  # the unkept call left out
    assert asked_file.load("another.duckdb") == (None, [])


@pytest.mark.parametrize("text", ["", "not json", '{"last": "yesterday", "calls": []}',
                                  '{"last": null, "calls": [{"role": "hub"}]}',
                                  '{"last": null, "calls": [{"role": "hub", "query": "q", '
                                  '"arguments": {"pickle": "gASV"}}]}', "[]"])
def test_a_file_that_cannot_be_read_starts_the_server_cold(tmp_path, monkeypatch, text):
    monkeypatch.setattr(asked_file, "cache_dir", lambda: tmp_path)
    asked_file.path_for("s.duckdb").write_text(text)
    assert asked_file.load("s.duckdb") == (None, [])


def test_after_a_restart_the_watcher_prepares_what_was_asked_before(served, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(asked_file, "cache_dir", lambda: tmp_path / "cache")
    path, ran = served
    old = rewarm.look()
    stop = threading.Event()
    watcher = threading.Thread(target=rewarm.watch, args=(0.05, stop), daemon=True)
    watcher.start()
    try:
        _ask(old, LOCAL_ROLE, "needs.open_summary", Scope(old.last, 7))
        deadline = time.monotonic() + 30
        while not asked_file.path_for(old.path).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(10)
    assert asked_file.load(old.path)[1] == [
        (LOCAL_ROLE, "needs.open_summary", (("scope", Scope(old.last, 7)), ("region", None)))]

    # The server restarts (nothing asked, nothing cached) after an import of a later day.
    cache.forget_results()
    monkeypatch.setattr(cache, "_asked", type(cache._asked)())
    _deliver_a_day_later(path, old.last)
    ran.clear()
    stop = threading.Event()
    watcher = threading.Thread(target=rewarm.watch, args=(60, stop), daemon=True)
    watcher.start()
    deadline = time.monotonic() + 60
    while len(ran) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    watcher.join(10)
    assert [(name, kwargs["scope"].as_of) for _, name, kwargs in ran] == [
        ("needs.needs_at", old.last + timedelta(days=1)),
        ("needs.open_summary", old.last + timedelta(days=1))]
