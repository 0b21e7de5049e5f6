"""Work a server does once, in the background, as soon as it starts.

The briefing's map is drawn with matplotlib, whose first import and font scan take one
to three seconds. Paid inside the first person's Briefing page, that is seconds of a
blank page on the morning it matters; paid on a background thread, nobody waits for it.
The thread waits for a quiet moment first (no page has read the store for QUIET
seconds, at most LONGEST): the import holds the interpreter for about a second, and
taken while the first pages are drawn it made the Needs page at 100x 0.3–0.5 s slower.

The same start launches the watcher that makes the pages' queries ready again after each
import (dashboard.app.rewarm).
"""

from __future__ import annotations

import threading
import time

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


# Seconds without a read of the store that count as quiet, and the longest wait for one.
QUIET = 2.0
LONGEST = 60.0


def _wait_for_quiet() -> None:
    """Return once no page has read the store for QUIET seconds, or after LONGEST."""
    from dashboard.app import cache

    deadline = time.monotonic() + LONGEST
    while time.monotonic() < deadline and cache.quiet_for() < QUIET:
        time.sleep(min(0.25, QUIET / 4))


def _warm() -> None:
    """Import the map's drawing modules and find its CJK font, once the server is quiet."""
    try:
        _wait_for_quiet()
        from dashboard.briefing.mapimage import warm

        warm()
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the page
        pass
