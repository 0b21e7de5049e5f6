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
