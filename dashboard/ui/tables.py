"""Tables as people read them: translated values and headers, regions by name.

Every analysis page shows frames whose codes (``ppe``, ``420100``) must read as words
in the chosen language. ``translated`` does the common part; a page passes only what
is special to it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dashboard.i18n import region_label, t, value_label
from dashboard.ui.frame import View


def region_name(adcode, lang: str, missing: str = "") -> str:
    """A region's name in ``lang``; ``missing`` for no code, the code itself if unknown."""
    if adcode is None or adcode != adcode:
        return missing
    from geo.regions import load_registry

    try:
        region = load_registry().get(adcode)
    except KeyError:  # an unknown code is shown as itself
        return str(adcode)
    return region_label(region.name, region.name_en, lang)


def translated(frame: pd.DataFrame, view: View, columns: list[str], header_prefix: str,
               value_columns: dict[str, str] | None = None,
               special: dict[str, Callable[[object], object]] | None = None) -> pd.DataFrame:
    """``columns`` of ``frame`` for display.

    ``value_columns`` maps a column to the schema column whose allowed values it holds
    (their labels come from the catalogue); ``region_adcode`` becomes a region name;
    ``special`` maps a column to a function applied to each value. Headers are the
    catalogue's ``<header_prefix>.<column>``.
    """
    value_columns = value_columns or {}
    special = special or {}
    out = frame[columns].copy()
    for col in columns:
        if col in special:
            out[col] = [special[col](v) for v in out[col]]
        elif col in value_columns:
            out[col] = [value_label(value_columns[col], v, view.lang) if isinstance(v, str) else v
                        for v in out[col]]
        elif col == "region_adcode":
            out[col] = [region_name(a, view.lang, missing="") for a in out[col]]
    return out.rename(columns={c: t(f"{header_prefix}.{c}", view.lang) for c in columns})
