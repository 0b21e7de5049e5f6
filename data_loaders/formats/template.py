"""The interchange template itself: CSV, XLSX or JSON named after its tables."""

from __future__ import annotations

from data_loaders import readers
from data_loaders.formats import Conversion, Format, ImportContext, register


class TemplateFormat(Format):
    """Files in Lifeline's own template (docs/DATA.md)."""

    name = "template"
    label_zh = "模板"
    label_en = "Template"

    def sniff(self, name: str, data: bytes) -> bool:
        return True

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        return Conversion(tables=readers.read_file(name, data))


register(TemplateFormat())
