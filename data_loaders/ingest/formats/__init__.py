"""Source formats: every kind of file a hub really has, turned into template tables.

A format reads one file and returns template-shaped raw tables (``RawTable`` with the
schema's column names), which then go through the same validation and the same
all-or-nothing import as a template file. Nothing format-specific reaches the store
except through those tables, plus two side channels a format may fill:

- ``review``: proposed matches a person must confirm (fuzzy recipient names);
- ``notes``: what the format understood but did not turn into rows, as ``Note``s with a
  stable code (a remark kept as text, records skipped for want of a name), so the
  person importing reads "121 records had no name and were skipped", not a count of
  anonymous lines.

Formats are chosen from ``REGISTRY`` by ``sniff`` (content first), or by name with
``--format NAME``. The template format comes last: it accepts any table file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from data_loaders.ingest.readers import RawTable


@dataclass
class ImportContext:
    """What a format may know besides the file's bytes.

    ``path`` is the file's path as given (folder names may carry a date, as in
    ``fe_2020-02-19/wuhanshi.json``); ``as_of`` is the ``--as-of`` date; ``con`` is a
    connection to the store (read only by convention), for matching against what is
    already known.
    """

    path: str = ""
    as_of: date | None = None
    con: object = None

    def dated(self) -> date | None:
        """``as_of``, else a date in the path (``2020-02-19``, ``20200219``), else None."""
        return self.as_of or date_in_path(self.path)


def date_in_path(path: str) -> date | None:
    """A date written in a file or folder name (``fe_2020-02-19/x.json``, ``20200219.csv``)."""
    match = re.search(r"(20\d\d)[-_.]?(\d\d)[-_.]?(\d\d)", path or "")
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    return None


@dataclass
class ReviewItem:
    """A proposed match that a person must confirm before it counts."""

    source: str  # file the name came from
    row: int | None
    raw_name: str  # the name as written
    proposed_id: str | None  # the facility (or organisation) proposed
    proposed_name: str | None
    confidence: float  # 0..1, from the documented matching rule
    kind: str = "facility"


@dataclass(frozen=True)
class Note:
    """Something a format understood but did not turn into rows.

    ``code`` is stable and says what happened (``remark_kept``, ``skipped_no_name``);
    the catalogue turns it into a sentence (``note.<code>``) with the total ``count``.
    ``where`` names the record (a facility's name, a sheet) and ``detail`` holds the
    text concerned (the remark kept, the unknown item); both are data, not prose, so
    the sentence around them can be translated. ``file`` is filled by the importer.
    """

    code: str
    where: str = ""
    detail: str = ""
    count: int = 1
    file: str = ""

    def scrubbed(self) -> Note:
        """The note without a contact in what it quotes from the file."""
        from data_loaders.ingest.values import strip_contacts

        return replace(self, where=strip_contacts(self.where), detail=strip_contacts(self.detail))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.where, self.detail) if p]
        return f"{self.code}: " + " · ".join(parts) if parts else self.code


def note_counts(notes: list[Note]) -> dict[str, int]:
    """Total count per note code, in the order codes first appear."""
    counts: dict[str, int] = {}
    for note in notes:
        counts[note.code] = counts.get(note.code, 0) + note.count
    return counts


@dataclass
class Conversion:
    """What a format made of one file."""

    tables: list[RawTable] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


# The order in which files of one import are read and written, so that each step finds
# what an earlier one brought: organisations first, then tables in the template (which
# may hold facilities), the feed's daily snapshots before the feed itself (whose needs
# continue the snapshots' open needs), and distribution sheets last (their recipients
# are matched against the facilities the others wrote).
STAGE_ORGANISATIONS, STAGE_TABLES, STAGE_SNAPSHOTS, STAGE_FEED, STAGE_MATCHED = 10, 20, 30, 40, 50


class Format:
    """A source format. Subclasses set ``name`` (its label is the catalogue's
    ``format.<name>``) and implement ``sniff`` and ``convert``."""

    name = "abstract"
    stage = STAGE_TABLES

    def sniff(self, name: str, data: bytes) -> bool:
        """True when the bytes look like this format (cheap: read the start only)."""
        raise NotImplementedError

    def needs_date(self, name: str, data: bytes) -> bool:
        """True when the file carries no date of its own, so the person importing it
        must say which day it describes (the hospital feed's snapshots)."""
        return False

    def convert(self, name: str, data: bytes, ctx: ImportContext) -> Conversion:
        """Turn the file into template tables; raise ReadError for an unreadable file."""
        raise NotImplementedError


REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add a format to the registry (in order: earlier formats are sniffed first)."""
    REGISTRY[fmt.name] = fmt
    return fmt


def choose(name: str, data: bytes, requested: str | Format | None = None) -> Format:
    """The format for a file: the one requested (by name, or a Format such as a saved
    column mapping), else the first whose sniff says yes."""
    _load_builtin()
    if isinstance(requested, Format):
        return requested
    if requested:
        if requested not in REGISTRY:
            raise KeyError(requested)
        return REGISTRY[requested]
    for fmt in REGISTRY.values():
        if fmt.name != "template" and fmt.sniff(name, data):
            return fmt
    return REGISTRY["template"]


_loaded = False


def _load_builtin() -> None:
    """Import the built-in formats once (each registers itself on import), then put
    the registry in ``BUILTIN`` order whatever was imported first elsewhere."""
    global _loaded
    if _loaded:
        return
    import importlib

    for module in BUILTIN:
        importlib.import_module(f"data_loaders.ingest.formats.{module}")
    ordered = {fmt.name: fmt for fmt in sorted(REGISTRY.values(),
                                               key=lambda f: _ORDER.get(f.name, len(_ORDER)))}
    REGISTRY.clear()
    REGISTRY.update(ordered)
    _loaded = True


# Specific formats first; the template accepts anything tabular and so comes last.
BUILTIN = (
    "hxl",
    "org_directory",
    "distribution_sheet",
    "hospital_feed",
    "hospital_history",
    "template",
)
_ORDER = {name: i for i, name in enumerate(BUILTIN)}
