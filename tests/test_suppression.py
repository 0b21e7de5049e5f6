"""Small-cell suppression: small counts hidden, and no hidden count can be worked out.

``recoverable`` is the attacker: it knows the published cells, every group's total
(exact, or only "<5" when the total is itself small), and what the markers mean
("<5" is 1..4, "x" is any value). It subtracts, combines totals (linear algebra) and
narrows bounds, and returns the hidden cells it pins down.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.analytics.suppression import SECONDARY_MARK, SuppressionError, suppress

T = 5


def recoverable(published: pd.DataFrame, original: pd.DataFrame, col: str, groupings,
                threshold: int = T) -> dict:
    """Hidden cells of ``col`` an attacker pins down: {row index: value}."""
    marks = published[col]
    hidden = [i for i, v in marks.items() if isinstance(v, str)]
    known = {i: float(v) for i, v in marks.items() if v is not None and not isinstance(v, str)}
    lo = {i: 1.0 if marks[i] == f"<{threshold}" else 0.0 for i in hidden}
    hi = {i: threshold - 1.0 if marks[i] == f"<{threshold}" else np.inf for i in hidden}
    groups = []
    present = original[col].notna()
    for cols in groupings:
        for _, group in original[present].groupby(cols):
            total = float(group[col].sum())
            exact = not 1 <= total < threshold  # a small total is published as "<5" too
            groups.append((list(group.index), (total, total) if exact else (1.0, threshold - 1.0)))
    found: dict = {}
    for _ in range(200):
        progress = False
        # Subtraction and bounds: total minus what is known, within each cell's range.
        for members, (t_lo, t_hi) in groups:
            unknown = [i for i in members if i in hidden and i not in found]
            rest = sum(known.get(i, found.get(i, 0.0)) for i in members if i not in unknown)
            for i in unknown:
                new_lo = max(lo[i], t_lo - rest - sum(hi[j] for j in unknown if j != i))
                new_hi = min(hi[i], t_hi - rest - sum(lo[j] for j in unknown if j != i))
                if (new_lo, new_hi) != (lo[i], hi[i]):
                    lo[i], hi[i], progress = new_lo, new_hi, True
                if lo[i] == hi[i]:
                    found[i], progress = lo[i], True
        # Any combination of exact totals: a cell is determined when its unit vector lies
        # in the span of the groups' rows.
        unknown = [i for i in hidden if i not in found]
        rows = [[1.0 if i in members else 0.0 for i in unknown]
                for members, (t_lo, t_hi) in groups if t_lo == t_hi]
        if unknown and rows:
            matrix = np.array(rows)
            rank = np.linalg.matrix_rank(matrix)
            for k, i in enumerate(unknown):
                unit = np.zeros(len(unknown))
                unit[k] = 1.0
                if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                    found[i], progress = float(original.loc[i, col]), True
        if not progress:
            break
    return found


def sensitive_recovered(published, original, col, groupings, threshold=T) -> dict:
    """Recovered cells holding a small count (a hidden 0 or 30 could have been shown)."""
    got = recoverable(published, original, col, groupings, threshold)
    return {i: v for i, v in got.items() if 1 <= original.loc[i, col] < threshold}


def _frame(rows: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"day": d, "region": r, "n": v}
                         for d, row in enumerate(rows) for r, v in enumerate(row)])


def test_primary_small_counts_become_less_than_threshold_and_zero_stays():
    frame = pd.DataFrame({"day": [1, 1, 1, 1, 1, 1], "region": list("abcdef"),
                          "n": [0, 1, 4, 5, 40, None]})
    out, hidden = suppress(frame, ["n"], ["day"])
    # 1 and 4 are hidden; the total (50) minus the rest (45) leaves 5 for two cells of
    # 1..4 each, which could be 1 + 4, 2 + 3, 3 + 2 or 4 + 1: nothing more to hide.
    assert out["n"].tolist() == [0, "<5", "<5", 5, 40, None]
    assert hidden == 2
    assert frame["n"].tolist()[:5] == [0, 1, 4, 5, 40]  # the input is not changed


def test_a_single_hidden_cell_gets_a_complement_and_cannot_be_subtracted():
    frame = _frame([[3, 7, 0, 12]])
    out, hidden = suppress(frame, ["n"], ["day"])
    assert out["n"].tolist() == ["<5", "x", 0, 12]  # 7 is the next smallest positive
    assert hidden == 2
    assert recoverable(out, frame, "n", [["day"]]) == {}


def test_two_small_cells_that_must_both_be_four_are_protected():
    # 4 + 4 = 8 = total − 0: two "<5" adding up to 8 are both 4, so a third cell goes.
    frame = _frame([[4, 4, 0]])
    out, _ = suppress(frame, ["n"], ["day"])
    assert out["n"].tolist() == ["<5", "<5", "x"]
    assert sensitive_recovered(out, frame, "n", [["day"]]) == {}


def test_a_small_total_is_itself_hidden_so_one_small_cell_needs_no_complement():
    frame = _frame([[3, 0, 0]])
    out, hidden = suppress(frame, ["n"], ["day"])
    assert out["n"].tolist() == ["<5", 0, 0] and hidden == 1


def test_the_threshold_is_configurable_and_must_hide_something():
    frame = _frame([[7, 12, 30]])
    out, _ = suppress(frame, ["n"], ["day"], threshold=10)
    assert out["n"].tolist()[0] == "<10"
    with pytest.raises(ValueError):
        suppress(frame, ["n"], ["day"], threshold=1)


def test_no_hidden_count_can_be_recovered_in_random_tables_with_one_margin():
    rng = np.random.default_rng(11)
    for _ in range(150):
        rows, cols = rng.integers(1, 8), rng.integers(1, 8)
        frame = _frame(rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 8, 12, 30], size=(rows, cols)))
        out, _ = suppress(frame, ["n"], ["day"])
        small = frame["n"].between(1, T - 1)
        assert out.loc[small, "n"].isin([f"<{T}", SECONDARY_MARK]).all()
        assert sensitive_recovered(out, frame, "n", [["day"]]) == {}


def test_no_hidden_count_can_be_recovered_with_both_margins_published():
    rng = np.random.default_rng(5)
    protected = refused = 0
    for _ in range(120):
        rows, cols = rng.integers(2, 7), rng.integers(2, 7)
        frame = _frame(rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 8, 12, 30], size=(rows, cols)))
        try:
            out, _ = suppress(frame, ["n"], [["day"], ["region"]])
        except SuppressionError:
            refused += 1  # some totals give a count away whatever is hidden: said loudly
            continue
        small = frame["n"].between(1, T - 1)
        assert out.loc[small, "n"].isin([f"<{T}", SECONDARY_MARK]).all()
        assert sensitive_recovered(out, frame, "n", [["day"], ["region"]]) == {}
        protected += 1
    assert protected > 100 and refused < 10


def test_an_unprotectable_table_is_refused_not_published():
    # Row 1's total (5) with column 1 all zeros shows the 5; column 0's total 6 then
    # gives the 1 away whatever is hidden.
    frame = _frame([[1, 0], [5, 0], [0, 0]])
    with pytest.raises(SuppressionError):
        suppress(frame, ["n"], [["day"], ["region"]])


def test_empty_cells_stay_empty_and_are_not_counts():
    frame = pd.DataFrame({"day": [1, 1, 1], "region": list("abc"), "n": [None, 3, 30],
                          "m": [2, None, None]})
    out, hidden = suppress(frame, ["n", "m"], ["day"])
    assert out["n"].tolist() == [None, "<5", "x"]
    assert out["m"].tolist() == ["<5", None, None]
    assert hidden == 3
