"""Work a server does once, in the background, as soon as it starts.

The briefing's map is drawn with matplotlib, whose first import and font scan take one
to three seconds. Paid inside the first person's Briefing page, that is seconds of a
blank page on the morning it matters; paid on a background thread while the server
serves its first pages (which wait on DuckDB, not on Python), nobody waits for it.

The same start launches the watcher that makes the pages' queries ready again after each
import (dashboard.app.rewarm).
"""

from __future__ import annotations

import threading

from dashboard.app import rewarm

_started = threading.Event()


def start() -> None:
    """Start the warm-up thread and the data watcher, once per server process (later calls
    do nothing)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm, name="lifeline-warm-up", daemon=True).start()
    if every := rewarm.interval():
        threading.Thread(target=rewarm.watch, args=(every,), name="lifeline-rewarm",
                         daemon=True).start()


def _warm() -> None:
    """Read the regions every page names, import the map's drawing modules and find its
    CJK font."""
    try:
        from geo.regions import load_registry

        load_registry()
        from dashboard.briefing.mapimage import warm

        warm()
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the page
        pass
