"""Import: recognise files, read them in a consistent order, and write all or nothing.

The same path serves the command line (``python -m dashboard import``) and the Data
page's upload, so a file is recognised, read and checked identically in both:

1. **Recognise** each file (``recognise``): the format registry's sniffing, in the
   registry's order, as for any file; a file no format recognises needs a column
   mapping; a format may need a date the file lacks (the hospital feed).
2. **Read in stages** (``formats.STAGE_*``): organisations, then template tables, the
   feed's snapshots, the feed, then distribution sheets. The whole import is one
   transaction, and each stage is validated and written inside it before the next is
   read, so a later stage sees what an earlier one brought (the feed continues the
   snapshots' needs; a sheet's recipients match the feed's facilities).
3. **Decide**: any problem, or a file that yields nothing, rolls everything back;
   with ``accept_valid`` the valid rows stay and each rejected row is kept in the
   quarantine. A dry run does all of it and rolls back, so its report is exactly what
   the import would do.

Every raw file is kept under ``uploads/<sha256>`` beside the store so that nothing a
user handed over is lost, and every import is logged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path

import pandas as pd

from data_loaders import store
from data_loaders.ingest import formats, readers
from data_loaders.ingest.formats import ImportContext, Note, ReviewItem, date_in_path
from data_loaders.ingest.formats.template import identified
from data_loaders.ingest.readers import DEFAULT_MAX_UPLOAD_MB, max_upload_bytes  # noqa: F401 (re-exported)
from data_loaders.ingest.validation import Problem, ValidationResult, validate
from data_loaders.store import schema

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json")
NAME_MAX_CHARS = 120  # a file name longer than this is shortened (its extension kept)
# Notes that explain why a file gave nothing (the first found is the reason given).
_SKIP_NOTES = ("skipped_no_name", "sheet_skipped", "duplicate_skipped", "unknown_item_column")


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
class Recognition:
    """What a file is, found before it is read: its format and what that still needs.

    ``format`` is the registry name of the format that will read it ("" when none
    recognises it: it needs a column mapping); ``needs_date`` says the file carries no
    date of its own, and ``date_hint`` is a date found in its name or folder.
    ``problem`` is set for a file that cannot be read at all.
    """

    name: str
    format: str = ""
    stage: int = 0
    needs_date: bool = False
    date_hint: date | None = None
    problem: Problem | None = None

    @property
    def recognised(self) -> bool:
        """True when a format will read the file."""
        return bool(self.format) and self.problem is None

    @property
    def needs_mapping(self) -> bool:
        """True for a readable table whose headers no format knows."""
        return not self.format and self.problem is None


@dataclass
class ImportReport:
    """What an import found and did (or, for a dry run, would do)."""

    validation: ValidationResult
    written: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    quarantined: int = 0
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format name
    recognitions: list[Recognition] = field(default_factory=list)
    tables: list[readers.RawTable] = field(default_factory=list)  # as read, before validation
    import_id: str = ""

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, across all files."""
        return self.validation.problems

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.validation.problems

    @property
    def rows_written(self) -> int:
        """Rows written (or, in a dry run, that would be) across all tables."""
        return sum(self.written.values())


def collect_paths(paths: list[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into the table files they contain, sorted for a stable order.

    Returns the files and a problem for each path that does not exist or is a folder
    holding no file of a supported kind.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not inside:
                problems.append(Problem(str(path), None, None, None, "empty_folder",
                                        " ".join(SUPPORTED_SUFFIXES)))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), None, None, None, "missing_file"))
    return found, problems


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


def _limit(limit: int | None) -> int:
    return max_upload_bytes() if limit is None else limit


def recognise(source: SourceFile, fmt: str | formats.Format | None = None,
              limit: int | None = None) -> Recognition:
    """Find the format that will read ``source``, exactly as an import would.

    Parameters
    ----------
    source : SourceFile
        The file.
    fmt : str or Format, optional
        A format forced by name, or a ``Format`` object (a saved column mapping).
    limit : int, optional
        The size limit in bytes (default ``LIFELINE_MAX_UPLOAD_MB``).

    Returns
    -------
    Recognition
        With ``problem`` set for a file too large, empty or unreadable; with an empty
        ``format`` for a readable table that no format knows (it needs mapping).
    """
    name = safe_name(source.name)
    limit = _limit(limit)
    if len(source.data) > limit:
        return Recognition(name, problem=Problem(name, None, None, _size(len(source.data)),
                                                 "file_too_large", _size(limit)))
    if not source.data or not source.data.strip():
        return Recognition(name, problem=Problem(name, None, None, None, "empty_file"))
    try:
        chosen = formats.choose(name, source.data, fmt)
        if chosen.name == "template" and fmt is None:
            if not any(identified(t) is not None for t in readers.read_file(name, source.data)):
                return Recognition(name)
        needs_date = chosen.needs_date(name, source.data)
    except readers.ReadError as exc:
        return Recognition(name, problem=Problem(name, None, None, exc.detail or None, exc.code))
    except Exception as exc:  # noqa: BLE001 - no input may end in a traceback
        return Recognition(name, problem=_unexpected(name, exc))
    return Recognition(name, chosen.name, chosen.stage,
                       needs_date, date_in_path(source.path or source.name))


def _unexpected(name: str, exc: BaseException) -> Problem:
    """A file that made a reader fail in a way nobody foresaw: one line, logged in full."""
    log.warning("could not read %s", name, exc_info=exc)
    return Problem(name, None, None, type(exc).__name__, "unreadable")


@dataclass
class _Read:
    tables: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _filed(note: Note, file: str) -> Note:
    """The note with its file, and no contact left in what it quotes from the file."""
    return dataclasses.replace(note.scrubbed(), file=file)


def read_sources(files: list[SourceFile], fmt: str | formats.Format | None = None,
                 as_of: date | None = None, con=None) -> _Read:
    """Read every file through its format into template tables.

    A file that cannot be read becomes a problem naming it; the others are still read,
    so the report lists everything at once.
    """
    out = _Read()
    for source in files:
        name = safe_name(source.name)
        try:
            chosen = formats.choose(name, source.data, fmt)
            ctx = ImportContext(path=source.path or name, as_of=as_of, con=con)
            conversion = chosen.convert(name, source.data, ctx)
        except readers.ReadError as exc:
            out.problems.append(Problem(name, None, None, exc.detail or None, exc.code))
            continue
        except Exception as exc:  # noqa: BLE001 - no input may end in a traceback
            out.problems.append(_unexpected(name, exc))
            continue
        out.tables.extend(conversion.tables)
        out.review.extend(conversion.review)
        out.notes.extend(_filed(note, name) for note in conversion.notes)
    return out


class _Refused(Exception):
    """Raised inside the import's transaction to roll it back."""


def import_files(con, files: list[SourceFile], dry_run: bool = False,
                 limit: int | None = None, uploads_dir: Path | None = None,
                 fmt: str | formats.Format | None = None, as_of: date | None = None,
                 accept_valid: bool = False) -> ImportReport:
    """Validate ``files`` together and, if all is valid, write them in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to the store.
    files : list of SourceFile
        The files, in any order: they are read in stages (see the module docstring).
    dry_run : bool
        Do everything, then roll back: the report says what the import would write.
    limit : int, optional
        The size limit per file in bytes.
    uploads_dir : Path, optional
        Where raw files are kept (default ``uploads/`` beside the store).
    fmt : str or Format, optional
        Force a format (by name, or a column mapping) for every file.
    as_of : date, optional
        The date of records that carry none (the hospital feed).
    accept_valid : bool
        Write the valid rows and keep each rejected row in the quarantine.

    Returns
    -------
    ImportReport
        ``committed`` is True only when rows were written for good.
    """
    report = ImportReport(ValidationResult())
    report.recognitions = [recognise(f, fmt, limit) for f in files]
    result = report.validation
    readable: list[tuple[SourceFile, Recognition]] = []
    for source, found in zip(files, report.recognitions):
        if found.problem is not None:
            result.problems.append(found.problem)
        elif found.needs_mapping:
            result.problems.append(Problem(found.name, None, None, None, "unknown_table"))
        elif found.needs_date and not (as_of or found.date_hint):
            result.problems.append(Problem(found.name, None, None, None, "needs_date"))
        else:
            readable.append((source, found))
            report.formats[found.name] = found.format
    report.import_id = uuid.uuid4().hex[:12]
    try:
        with store.transaction(con, commit=not dry_run, reason="import",
                               import_id=report.import_id,
                               files=[{"name": safe_name(f.name), "sha256": f.sha256}
                                      for f, _ in readable]):
            produced = _run_stages(con, readable, report, fmt, as_of)
            _check_something_came(readable, produced, report)
            if not report.ok and not accept_valid:
                raise _Refused
            if not (report.rows_written or report.review or result.rejected):
                raise _Refused  # nothing came of any file: never a silent success
            dangling = store.dangling_references(con, list(report.written), changed_only=True)
            if dangling:  # never expected: validation checks every reference
                result.problems.extend(Problem("", None, f"{t}.{c}", str(n), "dangling_reference", r)
                                       for t, c, r, n in dangling)
                raise _Refused
            quarantine = _quarantine_rows(report, files) if accept_valid else []
            store.write(con, {}, _log_rows(report, files), quarantine=quarantine)
            report.quarantined = len(quarantine)
            if report.review:
                from data_loaders.ingest import review

                # Lines whose name matched no facility with certainty wait for a person,
                # in the same transaction as the rest: an interrupted import leaves
                # neither half (docs/FORMATS-distribution-sheet.md).
                review.enqueue(con, report.review, report.import_id)
            if not dry_run:
                # The uploads are kept before the import commits: one that cannot be kept
                # (a full or read-only disk) stops the import, whose rows would otherwise
                # have no original to go back to.
                kept = [f for f, found in zip(files, report.recognitions)
                        if found.problem is None or found.problem.code != "file_too_large"]
                try:
                    keep_uploads(con, kept, uploads_dir)
                except OSError as exc:
                    result.problems.append(Problem(
                        "", None, None, exc.strerror or type(exc).__name__, "upload_not_kept"))
                    raise _Refused from exc
    except _Refused:
        report.committed = False
        return report
    except store.StoreNotWritten as exc:  # the commit itself failed: nothing was saved
        result.problems.append(Problem("", None, None, exc.reason, "store_not_written"))
        report.committed = False
        return report
    report.committed = not dry_run
    return report


class _Undo(Exception):
    """Raised to roll back a re-submission whose rows did not all pass."""


def resubmit(con, source: SourceFile, quarantine_ids: list[str]) -> ImportReport:
    """Import rows corrected from the quarantine and mark them re-submitted, as one change
    (reason ``resubmit``): all or nothing, and the rows stay in the quarantine unless
    every one passes (``committed`` says which)."""
    try:
        with store.transaction(con, reason="resubmit", quarantine_rows=len(quarantine_ids)):
            report = import_files(con, [source])
            if not (report.ok and report.committed):
                raise _Undo
            store.set_quarantine_status(con, quarantine_ids, "resubmitted")
    except _Undo:
        report.committed = False
    return report


def _run_stages(con, readable, report: ImportReport, fmt, as_of) -> dict[str, int]:
    """Read, validate and write each stage in turn; returns rows and review items per file."""
    result = report.validation
    produced: dict[str, int] = {}
    rejected_keys: dict[str, set[str]] = {}
    written_keys: dict[str, set] = {}
    ordered = sorted(readable, key=lambda pair: pair[1].stage)
    for _, members in groupby(ordered, key=lambda pair: pair[1].stage):
        sources = [source for source, _ in members]
        read = read_sources(sources, fmt, as_of, con)
        stage = validate(read.tables, store.StoredKeys(con), rejected=rejected_keys)
        result.problems.extend(read.problems + stage.problems)
        result.rejected.extend(stage.rejected)
        for name, n in stage.rows_read.items():
            result.rows_read[name] = result.rows_read.get(name, 0) + n
        for name, labels in stage.sources.items():
            result.sources.setdefault(name, []).extend(labels)
        for name, keys in stage.rejected_keys.items():
            rejected_keys.setdefault(name, set()).update(keys)
        for raw in read.tables:
            produced[raw.source] = produced.get(raw.source, 0) + len(raw.frame)
        for item in read.review:
            file = item.source.split("#")[0]
            produced[file] = produced.get(file, 0) + 1
        store.upsert(con, stage.frames)
        for name, frame in stage.frames.items():
            if not frame.empty:  # a row written twice (snapshots, then the feed) counts once
                written_keys.setdefault(name, set()).update(frame[schema.TABLES[name].key])
                report.written[name] = len(written_keys[name])
        report.review.extend(read.review)
        report.notes.extend(read.notes)
        report.tables.extend(read.tables)
    result.problems.sort(key=lambda p: (p.file, p.row or 0))
    return produced


def _check_something_came(readable, produced: dict[str, int], report: ImportReport) -> None:
    """A file that gave no row and no line to review is a problem, with the reason its
    format noted (every record lacked a name...) or, failing that, "no records"."""
    failed = {p.file.split("#")[0] for p in report.problems if p.row is None}
    for _, found in readable:
        if produced.get(found.name) or found.name in failed:
            continue
        counts = formats.note_counts([n for n in report.notes if n.file == found.name])
        reason = next((code for code in _SKIP_NOTES if counts.get(code)), "")
        report.validation.problems.append(Problem(
            found.name, None, None, str(counts.get(reason, "")) or None, "nothing_in_file",
            reason))


def _log_rows(report: ImportReport, files: list[SourceFile]) -> list[dict]:
    """One import-log row per table read: file, fingerprint, table and rows kept."""
    sha = {safe_name(f.name): f.sha256 for f in files}
    rejected: dict[str, int] = {}
    for item in report.validation.rejected:
        rejected[item["file"]] = rejected.get(item["file"], 0) + 1
    rows = []
    for raw in report.tables:
        table = identified(raw)
        if table is None:
            continue
        rows.append({"import_id": report.import_id, "file_name": raw.label,
                     "sha256": sha.get(raw.source, ""), "table_name": table.name,
                     "rows": len(raw.frame) - rejected.get(raw.label, 0)})
    return rows


def _quarantine_rows(report: ImportReport, files: list[SourceFile]) -> list[dict]:
    """Quarantine records for rejected rows, and for files that could not be read.

    A record's id comes from the file's fingerprint and the row, so importing the same
    file again queues nothing twice (and never reopens a row someone discarded).
    """
    sha = {safe_name(f.name): f.sha256 for f in files}
    rows = []
    for item in report.validation.rejected:
        rows.append({"table_name": item["table"], "file_name": item["file"], "row": item["row"],
                     "record": item["record"], "problems": item["problems"]})
    for problem in report.validation.problems:
        if problem.row is None:  # a whole file or sheet
            rows.append({"table_name": None, "file_name": problem.file, "row": None,
                         "record": None, "problems": [problem.as_dict()]})
    for row in rows:
        fingerprint = sha.get(row["file_name"].split("#")[0], row["file_name"])
        codes = ",".join(sorted(p["code"] for p in row["problems"]))
        key = f"{fingerprint}|{row['file_name']}|{row['table_name']}|{row['row']}|{codes}"
        row["import_id"] = report.import_id
        row["quarantine_id"] = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        row["record"] = json.dumps(row["record"], ensure_ascii=False)
        row["problems"] = json.dumps(row["problems"], ensure_ascii=False)
    return rows


def keep_uploads(con, files: list[SourceFile], folder: Path | None = None) -> None:
    """Keep each file's bytes under its sha256 so an upload is never lost
    (store.keep_uploads: the store's table, or the folder beside its file)."""
    store.keep_uploads(con, [(f.sha256, safe_name(f.name), f.data) for f in files], folder)


def import_paths(con, paths: list[str | os.PathLike], dry_run: bool = False, **options
                 ) -> ImportReport:
    """Import local files and folders (the command line's entry point).

    ``options`` are those of ``import_files`` (fmt, as_of, accept_valid). A path that
    does not exist, or a folder without a table file, is a problem like any other.
    """
    found, missing = collect_paths(paths)
    files = [SourceFile(p.name, p.read_bytes(), str(p)) for p in found]
    if missing:
        report = ImportReport(ValidationResult(problems=missing))
        report.recognitions = [recognise(f, options.get("fmt")) for f in files]
        return report
    return import_files(con, files, dry_run=dry_run, **options)


def problems_frame(report: ImportReport) -> pd.DataFrame:
    """The report's problems as a table."""
    return report.validation.problem_frame()
