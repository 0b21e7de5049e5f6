"""Downloads: tables as CSV that spreadsheets open safely.

A cell that starts with ``= + - @`` (or a tab or carriage return) is a formula to
Excel and LibreOffice; a hostile organisation name could run one on a funder's laptop.
Such text cells are prefixed with an apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import json

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a formula-looking text cell with ``'``; leave everything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers cannot run as formulas."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):  # categories are text too
            out[col] = out[col].astype(object)
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel on Chinese Windows shows Chinese), neutralised."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def export_text(frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` as the command line's exports write it: ``csv`` (formula-looking cells
    neutralised) or ``json`` (a list of records; unknown values are null)."""
    if fmt == "csv":
        return safe_frame(frame).to_csv(index=False)
    if fmt == "json":
        records = [{k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                        else v) for k, v in rec.items()}
                   for rec in frame.astype(object).to_dict("records")]
        return json.dumps(records, ensure_ascii=False, indent=2, default=str)
    raise ValueError("fmt must be 'csv' or 'json'")
