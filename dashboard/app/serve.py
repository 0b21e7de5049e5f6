"""``python -m dashboard.app.serve [streamlit flags]``: the app server.

The same as ``streamlit run streamlit_app.py [flags]``, with what the pages import
imported, and the server's background work (dashboard.app.warmup) started, before the
first person arrives. Under ``streamlit run`` the first visit pays both: about 1.7 s of
importing that holds every other session still, as Python imports one module at a time
(py-spy, ten people opening the Needs page of a new server at once), and a restarted
server prepared the queries asked before only once someone opened a page.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def preload() -> None:
    """Import every module of the app's pages, then start the server's background work."""
    import dashboard.app
    from dashboard.app import warmup

    # A page's st.cache_data, declared with no server running yet, warns that it would
    # keep its entries in memory; it is created when first called, under the server.
    caching = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        for module in pkgutil.iter_modules(dashboard.app.__path__):
            if module.name != "serve":
                importlib.import_module(f"dashboard.app.{module.name}")
        importlib.import_module("dashboard.pages")
    finally:
        caching.setLevel(level)
    warmup.start()


def main(argv: list[str] | None = None) -> int:
    """Preload, then run Streamlit's own ``streamlit run`` on the app with ``argv``."""
    preload()
    from streamlit.web import cli

    return cli.main(["run", str(ROOT / "streamlit_app.py"), *(sys.argv[1:] if argv is None else argv)],
                    prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
