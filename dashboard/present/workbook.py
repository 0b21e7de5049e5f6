"""The offline workbook a partner fills without a connection (issue 15): its sheets to
fill, headed in Chinese as the importer reads them, its references (its facilities, the
open needs near it) and how to fill it. Written from the frames of
dashboard.analytics.contributions.workbook_frames; every cell is neutralised as in every
download (a value that looks like a formula is written as text)."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.i18n import t
from dashboard.present.exports import safe_frame
from data_loaders.ingest.submissions import WORKBOOK_SHEETS
from data_loaders.store import schema

# The reference sheets' headers, by column (the schema's own where there is one).
REFERENCE_HEADERS = ("facility_id", "name", "facility_type", "own", "need_id", "facility",
                     "category", "item", "quantity", "unit", "priority", "claimed_by",
                     "claimed_until")


def _headers(sheet: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    table = WORKBOOK_SHEETS.get(sheet)
    if table:  # a sheet to fill: the headers the importer reads (the schema's Chinese)
        return frame.rename(columns={c.name: c.zh for c in schema.TABLES[table].columns})
    return frame.rename(columns={c: t(f"workbook.col.{c}", lang) for c in frame.columns})


def offline_workbook(sheets: dict[str, pd.DataFrame], lang: str = "zh") -> bytes:
    """The workbook as .xlsx bytes: how to fill it first, then each sheet."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        guide = pd.DataFrame({t("workbook.guide", lang): [
            t(f"workbook.guide.{n}", lang) for n in range(1, 6)]})
        guide.to_excel(writer, sheet_name=t("workbook.guide_sheet", lang), index=False)
        for sheet, frame in sheets.items():
            shown = safe_frame(_headers(sheet, frame, lang))
            shown.to_excel(writer, sheet_name=sheet, index=False)
            cells = writer.sheets[sheet]
            for column in cells.columns:  # wide enough to read a Chinese header
                cells.column_dimensions[column[0].column_letter].width = 16
    return out.getvalue()
