"""Rule tables kept as data: CSV files that a data manager can read and correct.

Each CSV in this folder is one table of rules (``supply_items.csv``,
``facility_type_rules.csv``, ...). Code reads them through ``load_rules`` and never
spells a rule itself, so fixing a classification is a one-line data change that the
tests then check against the real feed.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent


@cache
def _read(name: str) -> tuple[dict, ...]:
    path = RULES_DIR / (name if name.endswith(".csv") else f"{name}.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]
    return tuple(rows)


def load_rules(name: str) -> list[dict]:
    """Return the rows of rule table ``name``, in file order.

    Parameters
    ----------
    name : str
        The table's file name with or without ``.csv`` (``"supply_items"``).

    Returns
    -------
    list of dict
        One dict per row, keyed by the header, values stripped (empty cells are
        ``""``). The file is read once per process; callers get a fresh list of
        fresh dicts, so changing them cannot corrupt the cache.

    Raises
    ------
    FileNotFoundError
        When no such table exists.
    """
    return [dict(row) for row in _read(name)]
