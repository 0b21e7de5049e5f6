"""One page's first render and rerun, in a process of its own:
``python -m dashboard.cli.bench_page DB PAGE REPEAT`` prints ``{"first": s, "rerun": s}``.

The benchmark (dashboard.cli.bench) starts one of these per page, so each page's first
render is measured as a person meets it on a server that has just started: no query of
an earlier page cached, no DuckDB block of the store read yet. Measured in one process,
a page would find what the pages before it had asked (the cached edge keeps results for
the life of the process) and look faster than it is.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(db: str, page: str, repeat: int) -> dict[str, float]:
    """The app opened under AppTest on ``db``; seconds of ``page``'s first run after the
    landing page (the landing run itself for ``overview``) and the median of ``repeat``
    reruns (``rerun`` absent when ``repeat`` is 0)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.app.frame import open_page
    from dashboard.pages import BY_NAME

    if page not in BY_NAME:
        raise ValueError(f"the app has no page {page!r}")
    os.environ["LIFELINE_DB"] = db
    _open_as_one_who_sees(page)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    started = time.perf_counter()
    app.run()
    first = time.perf_counter() - started
    if page != "overview":
        open_page(app, page)
        started = time.perf_counter()
        app.run()
        first = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].message}")
    from dashboard.i18n import t

    if page != "overview" and app.title and app.title[0].value != t(BY_NAME[page].heading):
        raise RuntimeError(f"{page}: another page opened ({app.title[0].value})")
    times = {"first": first}
    if repeat:
        reruns = []
        for _ in range(repeat):
            started = time.perf_counter()
            app.run()
            reruns.append(time.perf_counter() - started)
        times["rerun"] = statistics.median(reruns)
    return times


def _open_as_one_who_sees(page: str) -> None:
    """A page the hub is not offered (Casework) is measured as the role that is: the
    caseworker of the organisation with the most households in the store."""
    from dashboard.access import pages_for
    from data_loaders import store

    if page in pages_for("hub"):
        return
    from data_loaders.households.cases import busiest_organisation

    con = store.connect(os.environ["LIFELINE_DB"], read_only=True)
    try:
        org = busiest_organisation(con)
    finally:
        con.close()
    os.environ["LIFELINE_LOCAL_ROLE"] = f"caseworker:{org or 'none'}"


if __name__ == "__main__":
    database, name, repeats = sys.argv[1:4]
    print(json.dumps(measure(database, name, int(repeats))))
