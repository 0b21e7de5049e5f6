"""Import: read files, validate them together, and write all or nothing.

The same path serves the command line (``python -m dashboard import``) and the Data
page's upload. Every raw file is kept under ``uploads/<sha256>`` beside the store so
that nothing a user handed over is lost, and every import is logged.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_loaders import readers, schema, store
from data_loaders.validation import Problem, ValidationResult, validate

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json")
DEFAULT_MAX_UPLOAD_MB = 50


def max_upload_bytes() -> int:
    """The upload size limit in bytes (``LIFELINE_MAX_UPLOAD_MB``, default 50)."""
    return int(float(os.environ.get("LIFELINE_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)) * 2**20)


@dataclass
class SourceFile:
    """The bytes of one file to import, under the name the user gave it."""

    name: str
    data: bytes

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
    """A display name without any folder part (uploads may carry ``../`` tricks)."""
    return Path(str(name).replace("\\", "/")).name or "upload"


def read_sources(files: list[SourceFile], limit: int | None = None):
    """Read every file; returns (raw tables, problems for files that could not be read)."""
    limit = max_upload_bytes() if limit is None else limit
    tables, problems = [], []
    for source in files:
        name = safe_name(source.name)
        if len(source.data) > limit:
            problems.append(Problem(name, None, None, f"{len(source.data) / 2**20:.1f} MB",
                                    "file_too_large", f"≤ {limit / 2**20:.0f} MB"))
            continue
        try:
            tables.extend(readers.read_file(name, source.data))
        except readers.ReadError as exc:
            problems.append(Problem(name, None, None, exc.detail or None, exc.code))
    return tables, problems


def import_files(con, files: list[SourceFile], dry_run: bool = False,
                 limit: int | None = None, uploads_dir: Path | None = None) -> ImportReport:
    """Validate ``files`` together and, if all is valid, write them in one transaction.

    With any problem nothing is written. With ``dry_run`` nothing is written either,
    but the report is complete (the Data page shows it before the user confirms).
    """
    raw_tables, read_problems = read_sources(files, limit)
    known = {name: store.existing_keys(con, name) for name in schema.TABLES}
    result = validate(raw_tables, known)
    result.problems[:0] = read_problems
    report = ImportReport(result)
    if not report.ok or dry_run:
        return report
    keep_raw_files(files, uploads_dir or store.database_file(con).parent / "uploads")
    import_id = uuid.uuid4().hex[:12]
    log_rows = []
    for raw in raw_tables:
        source = next(f for f in files if safe_name(f.name) == raw.source)
        log_rows.append({
            "import_id": import_id, "file_name": raw.label, "sha256": source.sha256,
            "table_name": (raw.table or schema.table_for_headers(list(raw.frame.columns))).name,
            "rows": len(raw.frame),
        })
    report.written = store.write(con, result.frames, log_rows)
    report.committed = True
    return report


def keep_raw_files(files: list[SourceFile], folder: Path) -> None:
    """Keep each file's bytes under its sha256 so an upload is never lost."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in files:
        target = folder / source.sha256
        if not target.exists():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(source.data)
            os.replace(tmp, target)


def import_paths(con, paths: list[str | os.PathLike], dry_run: bool = False) -> ImportReport:
    """Import local files and folders (the command line's entry point)."""
    files = [SourceFile(p.name, p.read_bytes()) for p in collect_paths(paths)]
    return import_files(con, files, dry_run=dry_run)


def problems_frame(report: ImportReport) -> pd.DataFrame:
    """The report's problems as a table."""
    return report.validation.problem_frame()
