"""Import: read files, validate them together, and write all or nothing.

The same path serves the command line (``python -m dashboard import``) and the Data
page's upload. Every raw file is kept under ``uploads/<sha256>`` beside the store so
that nothing a user handed over is lost, and every import is logged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from data_loaders import formats, readers, schema, store, values
from data_loaders.formats import ImportContext, Note, ReviewItem
from data_loaders.readers import DEFAULT_MAX_UPLOAD_MB, max_upload_bytes  # noqa: F401 (re-exported)
from data_loaders.validation import Problem, ValidationResult, validate

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json")
NAME_MAX_CHARS = 120  # a file name longer than this is shortened (its extension kept)


@dataclass
class SourceFile:
    """The bytes of one file to import, under the name the user gave it."""

    name: str
    data: bytes
    path: str = ""  # as given on the command line: folder names may carry a date

    @property
    def sha256(self) -> str:
        """The fingerprint that identifies the file in the import log."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ImportReport:
    """What an import found and did."""

    validation: ValidationResult
    written: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    quarantined: int = 0
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format name
    import_id: str = ""

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, across all files."""
        return self.validation.problems

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.validation.problems


def collect_paths(paths: list[str | os.PathLike]) -> list[Path]:
    """Expand folders into the table files they contain, sorted for a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*")
                       if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        else:
            found.append(path)
    return found


def safe_name(name: str) -> str:
    """The name an upload is shown and logged under: its base name only.

    An upload's name is whatever the browser sent: ``../../etc/passwd.csv``,
    ``..\\x.csv``, ``/abs/path.csv``, control characters (NUL, a right-to-left
    override that disguises the extension), or thousands of characters. Folder parts
    (``/`` and ``\\``) and control and format characters are dropped, ``.`` and ``..``
    become ``upload``, and a long name is shortened keeping its extension. The name is
    never used as a path: raw files are kept under their SHA-256.
    """
    text = "".join(c for c in str(name) if unicodedata.category(c)[0] != "C")
    base = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base.strip(".") == "":
        return "upload"
    if len(base) > NAME_MAX_CHARS:
        stem, dot, ext = base.rpartition(".")
        ext = dot + ext if stem and len(ext) <= 10 else ""
        base = base[: NAME_MAX_CHARS - len(ext) - 1] + "…" + ext
    return base


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 / 10 else f"{n / 2**10:.1f} KB"


@dataclass
class _Read:
    tables: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)


def _filed(note: Note, file: str) -> Note:
    """The note with its file, and no contact left in what it quotes from the file."""
    return dataclasses.replace(note, file=file, where=values.strip_contacts(note.where),
                               detail=values.strip_contacts(note.detail))


def read_sources(files: list[SourceFile], limit: int | None = None, fmt: str | None = None,
                 as_of: date | None = None, con=None) -> _Read:
    """Read every file through its format into template tables.

    A file that cannot be read becomes a problem naming it; the others are still read,
    so the report lists everything at once.
    """
    limit = max_upload_bytes() if limit is None else limit
    out = _Read()
    for source in files:
        name = safe_name(source.name)
        if len(source.data) > limit:
            out.problems.append(Problem(name, None, None, _size(len(source.data)),
                                        "file_too_large", _size(limit)))
            continue
        if not source.data or not source.data.strip():
            out.problems.append(Problem(name, None, None, None, "empty_file"))
            continue
        try:
            chosen = formats.choose(name, source.data, fmt)
            out.formats[name] = chosen.name
            ctx = ImportContext(path=source.path or name, as_of=as_of, con=con)
            conversion = chosen.convert(name, source.data, ctx)
        except readers.ReadError as exc:
            out.problems.append(Problem(name, None, None, exc.detail or None, exc.code))
            continue
        out.tables.extend(conversion.tables)
        out.review.extend(conversion.review)
        out.notes.extend(_filed(note, name) for note in conversion.notes)
    return out


def import_files(con, files: list[SourceFile], dry_run: bool = False,
                 limit: int | None = None, uploads_dir: Path | None = None,
                 fmt: str | None = None, as_of: date | None = None,
                 accept_valid: bool = False) -> ImportReport:
    """Validate ``files`` together and, if all is valid, write them in one transaction.

    With any problem nothing is written, unless ``accept_valid``: then the valid rows
    are written and each rejected row is kept, with its reasons, in the quarantine.
    With ``dry_run`` nothing is written either, but the report is complete (the Data
    page shows it before the user confirms). ``fmt`` forces a source format and
    ``as_of`` dates records that carry no date of their own.
    """
    read = read_sources(files, limit, fmt, as_of, con)
    known = {name: store.existing_keys(con, name) for name in schema.TABLES}
    result = validate(read.tables, known)
    result.problems[:0] = read.problems
    report = ImportReport(result, review=read.review, notes=read.notes, formats=read.formats)
    if dry_run or (not report.ok and not accept_valid):
        return report
    # A file over the limit was not read and is not kept either (even with accept_valid).
    kept = [f for f in files if len(f.data) <= (max_upload_bytes() if limit is None else limit)]
    keep_raw_files(kept, uploads_dir or store.database_file(con).parent / "uploads")
    report.import_id = uuid.uuid4().hex[:12]
    log_rows = []
    for raw in read.tables:
        source = next(f for f in files if safe_name(f.name) == raw.source)
        table = raw.table or schema.table_for_headers(list(raw.frame.columns))
        if table is None:
            continue
        log_rows.append({
            "import_id": report.import_id, "file_name": raw.label, "sha256": source.sha256,
            "table_name": table.name, "rows": len(raw.frame),
        })
    quarantine = _quarantine_rows(report) if accept_valid else []
    report.written = store.write(con, result.frames, log_rows, quarantine=quarantine)
    report.quarantined = len(quarantine)
    report.committed = True
    if report.review:
        from data_loaders import review

        # Lines whose name matched no facility with certainty wait for a person; their
        # deliveries are written only when confirmed (docs/FORMATS-distribution-sheet.md).
        review.enqueue(con, report.review, report.import_id)
    return report


def _quarantine_rows(report: ImportReport) -> list[dict]:
    """Quarantine records for rejected rows, and for files that could not be read."""
    rows = []
    for item in report.validation.rejected:
        rows.append({"table_name": item["table"], "file_name": item["file"], "row": item["row"],
                     "record": item["record"], "problems": item["problems"]})
    for problem in report.validation.problems:
        if problem.row is None:  # a whole file or sheet
            rows.append({"table_name": None, "file_name": problem.file, "row": None,
                         "record": None, "problems": [problem.as_dict()]})
    for row in rows:
        row["import_id"] = report.import_id
        row["quarantine_id"] = uuid.uuid4().hex[:16]
        row["record"] = json.dumps(row["record"], ensure_ascii=False)
        row["problems"] = json.dumps(row["problems"], ensure_ascii=False)
    return rows


def keep_raw_files(files: list[SourceFile], folder: Path) -> None:
    """Keep each file's bytes under its sha256 so an upload is never lost."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in files:
        target = folder / source.sha256
        if not target.exists():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(source.data)
            os.replace(tmp, target)


def import_paths(con, paths: list[str | os.PathLike], dry_run: bool = False, **options
                 ) -> ImportReport:
    """Import local files and folders (the command line's entry point).

    ``options`` are those of ``import_files`` (fmt, as_of, accept_valid).
    """
    files = [SourceFile(p.name, p.read_bytes(), str(p)) for p in collect_paths(paths)]
    return import_files(con, files, dry_run=dry_run, **options)


def problems_frame(report: ImportReport) -> pd.DataFrame:
    """The report's problems as a table."""
    return report.validation.problem_frame()
