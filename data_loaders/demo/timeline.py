"""The calendar of the scenario: its window, dated events, and day offsets as dates.

Every generated date is a day offset from ``DEMO_START`` (a float, NaN when missing)
until ``_dates`` turns it into ``datetime64[s]`` when the frames are assembled.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

DEMO_START = dt.date(2020, 1, 20)
DEMO_END = dt.date(2020, 3, 31)
N_DAYS = (DEMO_END - DEMO_START).days + 1  # 72 days, day 0 = DEMO_START

# Days (from DEMO_START) of dated events the scenario leans on.
DAY_LOCKDOWN = 3  # 2020-01-23 Wuhan lockdown
DAY_MAKESHIFT_OPEN = 16  # 2020-02-05 first makeshift hospitals open
DAY_MAKESHIFT_CLOSED = 50  # 2020-03-10 the last makeshift hospital closes
DAY_CLINICAL = 23  # 2020-02-12 clinically diagnosed cases added to the count


def _dates(days: np.ndarray) -> np.ndarray:
    """Day offsets (float, NaN = missing) to ``datetime64[s]`` (NaT = missing)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = ~np.isnan(days)
    start = np.datetime64(DEMO_START, "s")
    out[ok] = start + (days[ok].astype(np.int64) * 86_400).astype("timedelta64[s]")
    return out
