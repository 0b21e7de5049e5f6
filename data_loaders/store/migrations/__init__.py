"""The store's schema versions: numbered SQL files, applied in order, each once.

``NNNN_name.sql`` holds the statements that take a store from version NNNN-1 to NNNN,
written in SQL both engines read (DuckDB and PostgreSQL); where they cannot agree, a file
``NNNN_name.<dialect>.sql`` replaces the shared one for that engine. A file is frozen once
released: a later change is a new file. The version a store has reached is kept in its
``lifeline_schema`` table; a store without one predates versioning and is at version 0
(version 1's statements are safe on it, which is how it is brought up to date).

A store newer than this code is refused (:class:`StoreTooNew`): its tables may mean what
this code does not know, and writing to it could lose what a newer release recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FOLDER = Path(__file__).parent
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(duckdb|postgres))?\.sql$")
VERSION_TABLE = "lifeline_schema"


class StoreTooNew(RuntimeError):
    """The store was made or upgraded by a newer Lifeline than this one."""

    def __init__(self, found: int, known: int):
        super().__init__(f"this store has schema version {found}, made by a newer Lifeline; "
                         f"this one knows versions up to {known}. Update Lifeline before "
                         "opening it (nothing was read or written)")
        self.found, self.known = found, known


@dataclass(frozen=True)
class Migration:
    """One numbered step: its version, name and file."""

    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements, comments removed, in order."""
        text = "\n".join(line for line in self.path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("--"))
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", text) if s.strip()]


def migrations(dialect: str = "duckdb") -> list[Migration]:
    """Every step for ``dialect`` (``duckdb`` or ``postgres``), in order."""
    steps: dict[int, Migration] = {}
    for path in sorted(FOLDER.glob("*.sql")):
        found = _FILE.match(path.name)
        if not found:
            raise ValueError(f"migration file {path.name} is not named NNNN_name[.dialect].sql")
        number, name, only = int(found[1]), found[2], found[3]
        if only and only != dialect:
            continue
        if number in steps and not only:
            continue  # the dialect's own file, sorted first, replaces the shared one
        steps[number] = Migration(number, name, path)
    numbers = sorted(steps)
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migration versions must run 1, 2, 3 … without gaps: {numbers}")
    return [steps[n] for n in numbers]


LATEST = len(migrations())


def version(con) -> int:
    """The schema version the store behind ``con`` has reached (0: before versioning)."""
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
        "AND table_schema = current_schema() AND table_catalog = current_database()",
        [VERSION_TABLE]).fetchone()[0]
    if not present:
        return 0
    return con.execute(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}").fetchone()[0]


def check(found: int, latest: int = LATEST) -> None:
    """Refuse a store newer than this code."""
    if found > latest:
        raise StoreTooNew(found, latest)


def migrate(con, dialect: str = "duckdb") -> list[int]:
    """Bring the store behind ``con`` to the latest version; returns the versions applied.

    Each step is one transaction with its version row: a step that fails leaves the store
    at the version before it, and the error is raised.
    """
    steps = migrations(dialect)
    if dialect == "postgres":  # app servers starting together: one migrates, the others wait
        from data_loaders.store.postgres import WRITE_LOCK

        con.execute("SELECT pg_advisory_lock(?)", [WRITE_LOCK])
        try:
            return _apply(con, steps)
        finally:
            con.execute("SELECT pg_advisory_unlock(?)", [WRITE_LOCK])
    return _apply(con, steps)


def _apply(con, steps: list[Migration]) -> list[int]:
    current = version(con)
    check(current, len(steps))
    applied = []
    for step in steps[current:]:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY "
                        "KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
            for statement in step.statements():
                con.execute(statement)
            con.execute(f"INSERT INTO {VERSION_TABLE} VALUES (?, ?, ?)",
                        [step.version, step.name, datetime.now(UTC).replace(tzinfo=None)])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        applied.append(step.version)
    return applied
