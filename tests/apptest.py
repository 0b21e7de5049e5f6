"""Running the app under Streamlit's AppTest, the same way in every page test."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.app.frame import open_page
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")


def run_app(page: str | None = None, params: dict | None = None,
            state: dict | None = None, user: dict | None = None) -> AppTest:
    """Run the app once, optionally on a page, with URL parameters, session state and a
    signed-in ``user`` (``st.user``); fail on any exception the script raised."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.user = user
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page:
        open_page(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    """The first table on the page that has a column headed ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def assert_started_ahead_are_asked(monkeypatch, page: str, params: dict,
                                   at_least: int) -> None:
    """The calls ``page`` starts ahead (cache.ahead) are all ones its sections go on to
    ask, spelled the same way: a call started ahead with another argument or another
    default would be computed for nothing, and the page would wait for its own."""
    from dashboard.access import registered
    from dashboard.app import cache

    started = []
    monkeypatch.setattr(cache, "ahead", lambda view, *calls: started.append((view.key, calls)))
    run_app(page, params)
    (key, calls), = started
    # A list, not a set: an argument may be a dict (the costs per need).
    asked = [(name, arguments) for role, name, arguments in cache.asked(key[0], key[1])
             if role == key[2]]
    # A query another takes its result from (``reuses``: the projection takes the rates,
    # the funding priorities the open needs) is asked through that one, with the
    # arguments its signature accepts.
    for name, arguments in list(asked):
        for _, source in registered(name).reuses:
            accepted = registered(source).signature.parameters
            asked.append((source, cache._arguments(registered(source), (), {
                k: v for k, v in arguments if k in accepted})))
    assert len(calls) >= at_least
    for name, args, kwargs in calls:
        assert (name, cache._arguments(registered(name), args, kwargs)) in asked, name
