"""An app server for the concurrency tests: a process of its own (its own replica of the
store) rendering pages with Streamlit's script runner until told to stop.

    python -m tests.app_server STORE_URL STOP_FILE

Each render prints one JSON line: the page, whether the script raised (and what), the
open needs this process's picture held, and the change it was current to. Run from the
project folder; it imports nothing from tests.conftest (which would point LIFELINE_DB
at the suite's sandbox).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PAGES = ("overview", "needs", "briefing", "coverage")


def main(url: str, stop: Path) -> None:
    os.environ["LIFELINE_DB"] = url
    os.environ.setdefault("LIFELINE_REFRESH_SECONDS", "0.5")
    from streamlit.testing.v1 import AppTest

    from dashboard.app.frame import open_page
    from data_loaders.store import replica

    app = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
    turn = 0
    while not stop.exists():
        page = PAGES[turn % len(PAGES)]
        turn += 1
        started = time.perf_counter()
        at = AppTest.from_file(app, default_timeout=120)
        at.query_params["as_of"] = "2020-02-15"
        at.run()
        open_page(at, page).run()
        copy = replica.replica(url)
        print(json.dumps({
            "page": page, "seconds": round(time.perf_counter() - started, 3),
            "errors": [e.message for e in at.exception],
            "needs": copy.db.execute("SELECT count(*) FROM needs").fetchone()[0],
            "change": copy.seen}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
