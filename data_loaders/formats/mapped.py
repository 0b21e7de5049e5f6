"""Any CSV, XLSX or JSON table read through a column mapping (``data_loaders.mapping``).

Not registered: a mapping belongs to one kind of file, so it is never sniffed. The
command line's ``--mapping NAME`` and the Data page build ``MappedFormat(load_profile(NAME))``
and hand it to the importer.
"""

from __future__ import annotations

from data_loaders import readers
from data_loaders.formats import Conversion, Format, ImportContext, Note
from data_loaders.mapping import Mapping, apply_mapping, facility_table


class MappedFormat(Format):
    """A file whose headers are translated by a ``Mapping`` into one table of the schema."""

    name = "mapped"
    label_zh = "列映射"
    label_en = "Column mapping"

    def __init__(self, mapping: Mapping):
        self.mapping = mapping

    def sniff(self, name: str, data: bytes) -> bool:
        # Only ever chosen explicitly: any table would "look like" a mapped file.
        return False

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        """Read the file and apply the mapping to each of its tables (sheets).

        A sheet sharing no header with the mapping is skipped with a note rather than
        imported as empty rows. An unusable mapping raises ``ReadError('bad_mapping')``
        so the importer reports it against the file.
        """
        conversion = Conversion()
        mapped_headers = {h for h, target in self.mapping.columns.items() if target}
        facility_ids: set[str] = set()
        for raw in readers.read_file(name, data):
            if not mapped_headers & {str(h) for h in raw.frame.columns}:
                conversion.notes.append(Note("sheet_skipped", raw.label))
                continue
            try:
                facilities = facility_table(raw, self.mapping)
                table = apply_mapping(raw, self.mapping)
            except ValueError as exc:
                raise readers.ReadError("bad_mapping", str(exc)) from exc
            if facilities is not None:
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
