"""Run an analysis on a thread of its own while the caller goes on with others.

The morning briefing reads a dozen analyses of the same store; two of them (the
duplicated donations and the gap ranking) take most of its time at 100 times the demo,
and neither needs the other. DuckDB runs queries of one database side by side, each on
a connection of its own (a cursor of the caller's), and releases the interpreter while
it works, so the caller's own queries overlap them: at 100 times the demo the briefing's
data took 2.2 s one after the other and 1.85-2.05 s with those two alongside (two cores
shared by three queries).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Alongside:
    """``function(cursor, *args, **kwargs)`` running on a thread of its own, on a cursor
    of ``con`` (a DuckDB connection). :meth:`result` waits for it and returns what it
    returned, or raises what it raised.

    A connection without cursors (not DuckDB) runs the function in :meth:`result`,
    on the caller's connection, as if called there."""

    def __init__(self, con, function: Callable, *args, **kwargs):
        self._call = (function, args, kwargs)
        self._con = con
        self._value = self._error = None
        self._thread = None
        if hasattr(con, "cursor"):
            cursor = con.cursor()
            self._thread = threading.Thread(target=self._run, args=(cursor,), daemon=True,
                                            name="lifeline-alongside")
            self._thread.start()

    def _run(self, cursor) -> None:
        function, args, kwargs = self._call
        try:
            self._value = function(cursor, *args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by result()
            self._error = error
        finally:
            cursor.close()

    def result(self):
        """What the function returned (waiting for it to finish), or its error raised."""
        if self._thread is None:
            function, args, kwargs = self._call
            return function(self._con, *args, **kwargs)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
