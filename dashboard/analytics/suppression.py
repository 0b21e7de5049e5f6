"""Small-cell suppression: counts of people published without exposing anyone.

The rule (also in docs/METHODS.md, "Research exports"):

- **Primary suppression.** A count ``c`` with ``1 <= c < threshold`` is published as
  ``f"<{threshold}"`` (``"<5"`` by default). Zero is a true zero and is published as
  ``0``: "nobody was served" reveals no one, and hiding zeros would hide where help
  never arrived.
- **Secondary (complementary) suppression.** The sum of every *group* of cells (for
  example one day across all prefectures) is treated as public: it may be published as
  a total, here or by anyone else. A total that is itself ``1..threshold-1`` would be
  suppressed wherever it is published, so then only its range is known. When a reader
  who knows the published cells, these totals and the meaning of the markers could
  pin a suppressed cell down exactly, the smallest published cell of that group (a
  positive one when there is one) is suppressed as well, marked ``"x"`` (any value),
  and the check repeats until no cell can be pinned. A cell counts as pinned when it
  follows:

  * by subtraction: a total minus the other published cells (one suppressed cell in a
    group);
  * by any combination of totals (linear algebra over all groups together);
  * by the bounds the markers give: two ``"<5"`` cells that must add up to 8 are both 4.

``"x"`` differs from ``"<5"`` on purpose: a secondary cell may be large, and
publishing it as ``"<5"`` would be false.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5
# The lowest threshold the configuration may set: below it, small counts of people would
# be published as they are.
THRESHOLD_FLOOR = 3
SECONDARY_MARK = "x"
PUBLISHED, PRIMARY, SECONDARY = 0, 1, 2
_MAX_ROUNDS = 200


def policy_threshold() -> int:
    """The small-cell threshold every research export uses: a policy the hub sets
    (``LIFELINE_SMALL_CELL_THRESHOLD``, default 5, never below ``THRESHOLD_FLOOR``), not
    a choice of whoever exports. Exporting the same cells at two thresholds would reveal
    the counts between them exactly. A value that is not a whole number means the default."""
    raw = os.environ.get("LIFELINE_SMALL_CELL_THRESHOLD", "").strip()
    try:
        value = int(raw) if raw else DEFAULT_THRESHOLD
    except ValueError:
        value = DEFAULT_THRESHOLD
    return max(value, THRESHOLD_FLOOR)


def primary_mark(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The string a primarily suppressed count is published as (``"<5"``)."""
    return f"<{threshold}"


def _groupings(group_cols) -> list[list[str]]:
    """Accept one column, one list of columns, or a list of such lists."""
    if isinstance(group_cols, str):
        return [[group_cols]]
    group_cols = list(group_cols)
    if group_cols and all(isinstance(c, str) for c in group_cols):
        return [group_cols]
    return [[c] if isinstance(c, str) else list(c) for c in group_cols]


def _group_members(frame: pd.DataFrame, groupings: list[list[str]],
                   present: np.ndarray) -> list[np.ndarray]:
    """Positions of the present cells of every group of every grouping."""
    rows = np.flatnonzero(present)
    members: list[np.ndarray] = []
    for cols in groupings:
        if rows.size == 0:
            break
        codes = frame.iloc[rows].groupby(cols, dropna=False, sort=False).ngroup().to_numpy()
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        members.extend(rows[part] for part in np.split(order, bounds))
    return members


def _totals(values: np.ndarray, members: list[np.ndarray], threshold: int) -> np.ndarray:
    """Each group's total as a reader knows it: (low, high); a small total is a range."""
    out = np.empty((len(members), 2))
    for g, m in enumerate(members):
        total = values[m].sum()
        out[g] = (1, threshold - 1) if 1 <= total < threshold else (total, total)
    return out


def _bounds(values: np.ndarray, state: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each cell before using any total."""
    lo = np.where(state == PUBLISHED, values, 0.0)
    hi = np.where(state == PUBLISHED, values, np.inf)
    lo[state == PRIMARY] = 1
    hi[state == PRIMARY] = threshold - 1
    return lo, hi


def _narrow(lo, hi, state, values, members, totals) -> None:
    """Tighten the bounds of hidden cells from every group's total, to a fixed point."""
    for _ in range(_MAX_ROUNDS):
        changed = False
        for m, (t_lo, t_hi) in zip(members, totals):
            hidden = m[state[m] != PUBLISHED]
            if hidden.size == 0:
                continue
            known = values[m[state[m] == PUBLISHED]].sum()
            s_lo, s_hi = t_lo - known, t_hi - known
            h_lo, h_hi = lo[hidden], hi[hidden]
            # Sum of the *other* cells' upper bounds, careful with infinities.
            n_inf = np.isinf(h_hi).sum()
            finite = np.where(np.isinf(h_hi), 0.0, h_hi).sum()
            others_hi = np.where(n_inf - np.isinf(h_hi) > 0, np.inf,
                                 finite - np.where(np.isinf(h_hi), 0.0, h_hi))
            others_lo = h_lo.sum() - h_lo
            new_lo = np.maximum(h_lo, s_lo - others_hi)
            new_hi = np.minimum(h_hi, s_hi - others_lo)
            if (new_lo > h_lo).any() or (new_hi < h_hi).any():
                lo[hidden], hi[hidden] = new_lo, new_hi
                changed = True
        if not changed:
            return


def _determined(state, members, totals, known: np.ndarray) -> np.ndarray:
    """Hidden cells that some combination of exact totals gives away (linear algebra).

    ``known`` marks hidden cells already pinned down (they join the published side).
    Groups that share unknown cells form components; each is solved on its own so the
    matrices stay small.
    """
    hidden = np.flatnonzero((state != PUBLISHED) & ~known)
    out = np.zeros(len(state), dtype=bool)
    if hidden.size == 0:
        return out
    index = {int(c): i for i, c in enumerate(hidden)}
    parent = list(range(hidden.size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    equations = []
    for m, (t_lo, t_hi) in zip(members, totals):
        cells = [index[int(c)] for c in m if int(c) in index]
        if not cells or t_lo != t_hi:
            continue
        equations.append(cells)
        for c in cells[1:]:
            parent[find(c)] = find(cells[0])
    by_component: dict[int, list[list[int]]] = {}
    for cells in equations:
        by_component.setdefault(find(cells[0]), []).append(cells)
    for eqs in by_component.values():
        cols = sorted({c for cells in eqs for c in cells})
        pos = {c: j for j, c in enumerate(cols)}
        matrix = np.zeros((len(eqs), len(cols)))
        for i, cells in enumerate(eqs):
            matrix[i, [pos[c] for c in cells]] = 1.0
        _, sing, vt = np.linalg.svd(matrix, full_matrices=True)
        rank = int((sing > 1e-9 * max(1.0, sing.max(initial=0.0))).sum())
        null = vt[rank:]
        # A cell is determined when it is orthogonal to every free direction.
        fixed = np.all(np.abs(null) < 1e-9, axis=0) if null.size else np.ones(len(cols), bool)
        for c, is_fixed in zip(cols, fixed):
            if is_fixed:
                out[hidden[c]] = True
    return out


class SuppressionError(ValueError):
    """No choice of cells protects a small count: a published total gives it away.

    For example a group's total of 5 together with another group showing that the
    other cells sum to 2. Such totals must be withheld or rounded instead.
    """


def _weak_cells(values: np.ndarray, state: np.ndarray, members: list[np.ndarray],
                threshold: int) -> np.ndarray:
    """Hidden cells a reader could pin down from the published cells and totals."""
    totals = _totals(values, members, threshold)
    lo, hi = _bounds(values, state, threshold)
    hidden = state != PUBLISHED
    # Bounds and linear algebra feed each other: a cell one pins helps the other.
    for _ in range(_MAX_ROUNDS):
        _narrow(lo, hi, state, values, members, totals)
        pinned = hidden & (lo == hi)
        found = _determined(state, members, totals, pinned) & ~pinned
        if not found.any():
            break
        lo[found] = hi[found] = values[found]
    return hidden & (lo == hi)


def exposed_cells(values: np.ndarray, state: np.ndarray, members: list[np.ndarray],
                  threshold: int) -> np.ndarray:
    """Small counts (1..threshold-1) a reader could pin down from what is published.

    A hidden cell that is 0 or at least the threshold may be pinned harmlessly: it
    could have been published anyway, as long as no small count follows from it.
    """
    sensitive = (values >= 1) & (values < threshold)
    return sensitive & _weak_cells(values, state, members, threshold)


def _zero_total_cells(values: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """Cells in a group whose total is 0: hiding them protects nothing (they must be 0)."""
    out = np.zeros(len(values), dtype=bool)
    for m in members:
        if values[m].sum() == 0:
            out[m] = True
    return out


def _next_smallest(values: np.ndarray, candidates: np.ndarray) -> int:
    """The cell to suppress next: the smallest positive one, else the first zero."""
    vals = values[candidates]
    positive = candidates[vals > 0]
    pool = positive if positive.size else candidates
    return int(pool[np.argsort(values[pool], kind="stable")[0]])


def _hide_more(values, state, members, weak, useless) -> bool:
    """Hide the next smallest published cell of every group holding a weak cell."""
    changed = False
    for m in members:
        if not weak[m].any():
            continue
        candidates = m[(state[m] == PUBLISHED) & ~useless[m]]
        if candidates.size:
            state[_next_smallest(values, candidates)] = SECONDARY
            changed = True
    return changed


def _widen(state, members, exposed) -> bool:
    """Mark one "<threshold" cell "x" in every group holding an exposed cell."""
    changed = False
    for m in members:
        if not exposed[m].any():
            continue
        primaries = m[state[m] == PRIMARY]
        if primaries.size:
            first = primaries[exposed[primaries]] if exposed[primaries].any() else primaries
            state[first[0]] = SECONDARY
            changed = True
    return changed


def _protect(values: np.ndarray, state: np.ndarray, members: list[np.ndarray],
             threshold: int) -> None:
    """Add secondary suppressions until no small count can be pinned down.

    While some small count is exposed, every group holding a hidden cell a reader can
    pin (a small count, or a secondary cell that gives one away) hides its smallest
    published cell (a positive one first; never a zero that a group total of 0 gives
    away). When no group has anything left to hide, one "<threshold" cell of each
    exposed group is marked "x" instead, which widens what a reader knows of it to
    "any value". Raises SuppressionError when even that cannot protect a count.
    """
    useless = _zero_total_cells(values, members)
    sensitive = (values >= 1) & (values < threshold)
    for _ in range(_MAX_ROUNDS):
        weak = _weak_cells(values, state, members, threshold)
        exposed = weak & sensitive
        if not exposed.any():
            return
        if not (_hide_more(values, state, members, weak, useless)
                or _widen(state, members, exposed)):
            break
    raise SuppressionError(f"{int(exposed.sum())} small counts cannot be protected: a "
                           "published total gives them away; withhold or round that total")


def _publish(values: np.ndarray, state: np.ndarray, present: np.ndarray,
             threshold: int) -> list[object]:
    marks = {PRIMARY: primary_mark(threshold), SECONDARY: SECONDARY_MARK}
    out: list[object] = []
    for v, s, p in zip(values, state, present):
        if not p:
            out.append(None)
        elif s != PUBLISHED:
            out.append(marks[int(s)])
        else:
            out.append(int(v) if float(v).is_integer() else float(v))
    return out


def suppress(frame: pd.DataFrame, value_cols: Sequence[str], group_cols,
             threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, int]:
    """Suppress small counts of people in ``value_cols``; return (new frame, cells hidden).

    ``group_cols`` names the groups whose totals are (or may be) published: one column
    list per kind of total, e.g. ``[["date", "category"]]`` for "each day and category
    across regions", or ``[["date"], ["region"]]`` for both margins of a table. Empty
    cells (NaN/None) are not counts and stay empty. Each value column becomes an object
    column holding ints (or floats), ``"<threshold"``, ``"x"`` or None. The input frame
    is not changed. ``threshold`` must be at least 2 (1 would suppress nothing).
    """
    if int(threshold) < 2:
        raise ValueError("the suppression threshold must be at least 2")
    threshold = int(threshold)
    groupings = _groupings(group_cols)
    out = frame.copy()
    hidden = 0
    for col in value_cols:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)
        present = ~np.isnan(values)
        values = np.where(present, values, 0.0)
        state = np.full(len(values), PUBLISHED, dtype=np.int8)
        state[present & (values >= 1) & (values < threshold)] = PRIMARY
        members = _group_members(frame, groupings, present)
        _protect(values, state, members, threshold)
        out[col] = pd.Series(_publish(values, state, present, threshold), index=frame.index,
                             dtype=object)
        hidden += int((state != PUBLISHED).sum())
    return out, hidden
