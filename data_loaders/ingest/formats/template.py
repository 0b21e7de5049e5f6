"""The interchange template itself: CSV, XLSX or JSON named after its tables."""

from __future__ import annotations

from data_loaders.ingest import readers
from data_loaders.ingest.formats import Conversion, Format, ImportContext, Note, register
from data_loaders.store import schema


def identified(raw: readers.RawTable) -> schema.Table | None:
    """The table a raw table fills: by its file or sheet name, else by its headers."""
    return raw.table or schema.table_for_headers(list(raw.frame.columns))


class TemplateFormat(Format):
    """Files in Lifeline's own template (docs/DATA.md)."""

    name = "template"

    def sniff(self, name: str, data: bytes) -> bool:
        return True

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        """Every table of the file; in a workbook, sheets that are no table of ours
        (instructions, a cover sheet) are set aside with a note when another sheet is."""
        tables = readers.read_file(name, data)
        known = [t for t in tables if identified(t) is not None]
        if not known or len(known) == len(tables):
            return Conversion(tables=tables)
        skipped = [Note("sheet_skipped", t.label) for t in tables if identified(t) is None]
        return Conversion(tables=known, notes=skipped)


register(TemplateFormat())
