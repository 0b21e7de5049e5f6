"""Small vectorised helpers on one ``np.random.Generator``.

Weighted draws, lognormal sizes, integer splits, weighted sampling within groups,
and the readable sequential ids every table uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _integer_split(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    short = int(total - out.sum())
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _ids(prefix: str, n: int, width: int) -> pd.api.extensions.ExtensionArray:
    """Readable sequential ids (``NEED-0000001``) as a pandas string array.

    A string array because building and taking from it is much faster than from
    Python objects at large scales.
    """
    numbers = pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(width)
    return (prefix + "-" + numbers).array


def _draw(rng: np.random.Generator, options: dict[str, float] | tuple, n: int,
          p=None) -> np.ndarray:
    """Draw ``n`` values from a {value: weight} dict (or options with ``p``)."""
    if isinstance(options, dict):
        p = np.array(list(options.values()), dtype=float)
        options = list(options.keys())
    p = None if p is None else np.asarray(p, float) / np.sum(p)
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _lognormal(rng: np.random.Generator, median, sigma, n: int) -> np.ndarray:
    return np.asarray(median, float) * np.exp(sigma * rng.standard_normal(n))


def _within_group_index(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within consecutive groups of the given sizes."""
    total = int(group_sizes.sum())
    starts = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    return np.arange(total) - starts


class _GroupSampler:
    """Weighted sampling of items within groups, vectorised over many queries.

    Items (e.g. facilities) carry a group (e.g. region x pool) and a weight; a query
    names a group and gets one item of it, drawn with probability ∝ weight, or -1
    when the group is empty or weightless.
    """

    def __init__(self, groups: np.ndarray, weights: np.ndarray, n_groups: int):
        self.order = np.argsort(groups, kind="stable")
        g = np.asarray(groups)[self.order]
        self.cum = np.cumsum(np.asarray(weights, float)[self.order])
        self.start = np.searchsorted(g, np.arange(n_groups), "left")
        self.end = np.searchsorted(g, np.arange(n_groups), "right")
        self.lo = np.where(self.start > 0, self.cum[np.maximum(self.start - 1, 0)], 0.0)
        self.hi = np.where(self.end > 0, self.cum[np.maximum(self.end - 1, 0)], 0.0)

    def sample(self, rng: np.random.Generator, query: np.ndarray) -> np.ndarray:
        query = np.asarray(query, dtype=np.int64)
        if len(self.cum) == 0:
            return np.full(len(query), -1)
        lo, hi = self.lo[query], self.hi[query]
        target = lo + rng.random(len(query)) * (hi - lo)
        pos = np.searchsorted(self.cum, target, "right")
        pos = np.clip(pos, self.start[query], np.maximum(self.end[query] - 1, 0))
        pos = np.clip(pos, 0, len(self.cum) - 1)
        return np.where(hi > lo, self.order[pos], -1)


def _pick_active(rng, sampler: _GroupSampler, query_groups, query_days, start, end,
                 tries: int = 8) -> np.ndarray:
    """Like ``sampler.sample`` but only items active on the query day (start ≤ day < end).

    Redraws the misses a few times; what stays unmatched gets -1.
    """
    out = np.full(len(query_groups), -1)
    todo = np.arange(len(query_groups))
    for _ in range(tries):
        pick = sampler.sample(rng, query_groups[todo])
        safe = np.maximum(pick, 0)
        day = query_days[todo]
        ok = (pick >= 0) & (start[safe] <= day) & (day < end[safe])
        out[todo[ok]] = pick[ok]
        todo = todo[~ok & (pick >= 0)]
        if not len(todo):
            break
    return out
