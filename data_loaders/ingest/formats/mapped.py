"""Any CSV, XLSX or JSON table read through a column mapping (``data_loaders.ingest.mapping``).

Not registered: a mapping belongs to one kind of file, so it is never sniffed. The
command line's ``--mapping NAME`` and the Data page build ``MappedFormat(load_profile(NAME))``
and hand it to the importer.
"""

from __future__ import annotations

from data_loaders.ingest import readers
from data_loaders.ingest.formats import Conversion, Format, ImportContext, Note
from data_loaders.ingest.mapping import CONTACT, Mapping, map_sheet, never_reason


def read_sheets(name: str, data: bytes, header_row: int = 0) -> list[readers.RawTable]:
    """The file's tables with their headers in row ``header_row`` (0: the first row).

    Rows above the header are ignored and row numbers stay those of the sheet. JSON
    records carry their own keys, so ``header_row`` does not apply to them; a sheet too
    short to hold the header row is left out.
    """
    if not header_row or readers.sniff_format(name, data) == "json":
        return readers.read_file(name, data)
    tables = []
    for sheet, rows in readers.read_rows(name, data):
        try:
            tables.append(readers.table_from_rows(name, rows, header_row, sheet))
        except readers.ReadError:
            continue
    if not tables:
        raise readers.ReadError("empty_file", f"no sheet has a header in row {header_row + 1}")
    return tables


class MappedFormat(Format):
    """A file whose headers are translated by a ``Mapping`` into one table of the schema."""

    name = "mapped"

    def __init__(self, mapping: Mapping):
        self.mapping = mapping

    def sniff(self, name: str, data: bytes) -> bool:
        # Only ever chosen explicitly: any table would "look like" a mapped file.
        return False

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        """Read the file from the mapping's header row and apply the mapping to each of
        its tables (sheets), with the built-in rules (``mapping.map_rows``).

        A sheet sharing no header with the mapping is skipped with a note rather than
        imported as empty rows; contact columns are never read (a note counts them).
        An unusable mapping raises ``ReadError('bad_mapping')`` so the importer reports
        it against the file.
        """
        conversion = Conversion()
        mapped_headers = {h for h, target in self.mapping.columns.items() if target}
        facility_ids: set[str] = set()
        for raw in read_sheets(name, data, self.mapping.header_row):
            headers = [str(h) for h in raw.frame.columns]
            if not mapped_headers & set(headers):
                conversion.notes.append(Note("sheet_skipped", raw.label))
                continue
            try:
                tables, notes = map_sheet(raw, self.mapping)
            except ValueError as exc:
                raise readers.ReadError("bad_mapping", str(exc)) from exc
            contacts = sum(never_reason(h, self.mapping.table) == CONTACT for h in headers)
            if contacts:
                conversion.notes.append(Note("contact_columns_skipped", raw.label, count=contacts))
            conversion.notes.extend(notes)
            *derived, table = tables
            for facilities in derived:
                # Sheets of one workbook may name the same facility: emit it once, or
                # validation would see its derived id twice.
                keep = ~facilities.frame["facility_id"].isin(facility_ids)
                facility_ids.update(facilities.frame["facility_id"])
                facilities.rows = [n for n, ok in zip(facilities.rows, keep) if ok]
                facilities.frame = facilities.frame[keep].reset_index(drop=True)
                if not facilities.frame.empty:
                    conversion.tables.append(facilities)
                    conversion.notes.append(Note("facilities_derived", facilities.label,
                                                 count=len(facilities.frame)))
            conversion.tables.append(table)
        return conversion
