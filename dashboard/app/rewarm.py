"""After the data changes, the queries people were reading are made ready again in the
background, so the first people after an import do not pay for them.

Every cached result is keyed by the store's data version (dashboard.app.cache). An import,
from the command line or from the Data page, therefore leaves every page to recompute its
queries on its next visit: at 100 times the demo the Needs page takes five seconds, and ten
people opening it together after the morning's import waited twelve.

A watcher thread reads the data version every few seconds (``LIFELINE_REWARM_SECONDS``,
default 5; 0 turns it off). When the version moves, the thread runs the queries asked for
under the old version again under the new one, most recently asked first, for the same role
and with the same arguments. One change is made to the arguments: a date equal to the old
data's latest day moves to the new latest day, because pages open on the latest day. The
results land in the shared cache, where the pages find them; a page that asks while a query
is still running waits for that run (Streamlit computes a key once) instead of starting
another. The thread stops replaying when the version moves again; its next look starts over.
Before replaying it drops what the cache held for the old version: every later run asks
under the new one, and the two together would double the app's memory.

What was asked is also kept in a file (dashboard.app.asked_file), so after a restart the
watcher, started when the first person opens the app, prepares the same calls at once (the
file's latest day moved to the data's).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from datetime import date

from streamlit.logger import get_logger

from dashboard.analytics import metrics
from dashboard.app import asked_file, cache
from data_loaders import store

DEFAULT_INTERVAL_S = 5.0
_LOG = get_logger(__name__)


def interval() -> float:
    """Seconds between two looks at the data version; 0 (or nonsense) turns the watch off."""
    try:
        return max(0.0, float(os.environ.get("LIFELINE_REWARM_SECONDS", DEFAULT_INTERVAL_S)))
    except ValueError:
        return 0.0


@dataclasses.dataclass(frozen=True)
class Seen:
    """What the store held at one look: its path, data version and latest day."""

    path: str
    version: str
    last: date | None


def look(before: Seen | None = None) -> Seen | None:
    """The store as it is now; None when it cannot be read (an import holds it, the
    database server is down): the next look tries again. The latest day is read again
    only when the data changed since ``before``."""
    try:
        with cache.connection() as con:
            path, version = store.location(), store.data_version(con)
            if before is not None and (before.path, before.version) == (path, version):
                return before
            return Seen(path, version, metrics.data_date_range(con)[1])
    except Exception:  # noqa: BLE001 - a watcher never stops the server; it looks again
        return None


def moved(value, old_last: date | None, new_last: date | None):
    """``value`` with the old latest day moved to the new one (a date, or a scope's as-of
    date); anything else as it is."""
    if old_last is None or new_last is None or old_last == new_last:
        return value
    if isinstance(value, metrics.Scope) and value.as_of == old_last:
        return dataclasses.replace(value, as_of=new_last)
    if type(value) is date and value == old_last:
        return new_last
    return value


def replay(old: Seen, new: Seen, still_current=None, calls=None) -> int:
    """Run again under ``new`` what was asked under ``old`` (or ``calls``, as
    :func:`cache.asked` lists them); returns how many queries ran. ``still_current()``
    (default: a look at the store) ends the replay early when the data moved on again."""
    still_current = still_current or (lambda: (look() or new).version == new.version)
    done = 0
    for role, name, arguments in (cache.asked(old.path, old.version) if calls is None
                                  else calls):
        if not still_current():
            break
        arguments = tuple((arg, moved(value, old.last, new.last)) for arg, value in arguments)
        try:
            cache.prepare((new.path, new.version, role), name, arguments)
        except Exception:  # noqa: BLE001 - a query that fails now fails for its page, said there
            continue
        done += 1
    return done


def watch(every: float, stop: threading.Event | None = None) -> None:
    """Prepare what was asked before the server started, then look at the store every
    ``every`` seconds, replay after each change and keep the asked calls' file up to
    date, until ``stop`` is set (never, on a server: the thread is a daemon)."""
    stop = stop or threading.Event()
    seen = look()
    if seen is not None:
        last, calls = asked_file.load(seen.path)
        if calls:
            _replayed(Seen(seen.path, "", last), seen, calls)
    kept = -1  # the file is written at the first look with something asked
    while not stop.wait(every):
        now = look(seen)
        if now is None:
            continue
        if seen is not None and now.path == seen.path and now.version != seen.version:
            cache.forget_results()
            _replayed(seen, now)
        seen = now
        calls = cache.asked(now.path, now.version) if cache.asked_news() != kept else []
        if calls:  # never an empty list over the last server's: nothing asked yet is no news
            kept = cache.asked_news()
            try:
                asked_file.save(now.path, calls, now.last)
            except OSError as error:  # a read-only cache folder: only restarts start cold
                _LOG.warning("lifeline: cannot keep the asked queries: %s", error)


def _replayed(old: Seen, new: Seen, calls=None) -> None:
    started = time.perf_counter()
    count = replay(old, new, calls=calls)
    _LOG.info("lifeline: %d queries ready for data version %s in %.1f s",
              count, new.version, time.perf_counter() - started)
