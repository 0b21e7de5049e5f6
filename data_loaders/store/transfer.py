"""Moving a whole store to another: a hub's DuckDB file into PostgreSQL, or back.

Everything moves: the records and every version of them, the changes (who, when, why),
the import log, the quarantine, the review queue, the confirmed names, the costs per
need and the households followed (with their rounds and cases), in one transaction on
the destination, which must be empty. The change numbers are kept, so a record's
history reads the same on both sides.
"""

from __future__ import annotations

from data_loaders import store
from data_loaders.store import derived, schema

# In the order they are written: the changes before the versions that name them.
TABLES = ("changes", *(f"{name}_history" for name in schema.TABLES), *schema.TABLES,
          "imports", "quarantine", "review_queue", "name_aliases", "need_costs", "submissions",
          "partner_settings", "reopened_periods", *schema.HOUSEHOLD_TABLES)


class NotEmpty(ValueError):
    """The destination already holds data: moving into it would mix two stores."""


def _columns(con, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema() ORDER BY ordinal_position", [table]).fetchall()]


def _quoted(name: str) -> str:
    return f'"{name}"'


def copy_store(source, destination, uploads: list[tuple[str, str, bytes]] = (),
               profiles: list[tuple[str, str]] = ()) -> dict[str, int]:
    """Copy every table of the store behind ``source`` (a connection the analytics read:
    a file, or a PostgreSQL store's replica) into the empty store behind ``destination``
    (a writable connection of either engine), and the ``uploads`` (sha256, file name,
    bytes) and mapping ``profiles`` (name, JSON) to where the destination keeps them;
    returns rows copied per table. Nothing is written unless everything is (NotEmpty
    when the destination holds data)."""
    held = sum(store.row_counts(destination).values())
    held += destination.execute("SELECT count(*) FROM changes").fetchone()[0]
    if held:
        raise NotEmpty("the destination already holds data; move a store into an empty one")
    copied: dict[str, int] = {}
    with store.transaction(destination, record=False):
        destination.execute("DELETE FROM need_costs")  # the seeded ones; the source's come
        for table in TABLES:
            frame = source.execute(f"SELECT * FROM {table}").df()
            copied[table] = len(frame)
            if frame.empty:
                continue
            columns = _columns(destination, table)
            destination.register("_moved", frame[[c for c, _ in columns]])
            names = ", ".join(_quoted(c) for c, _ in columns)
            casts = ", ".join(f"CAST({_quoted(c)} AS {kind}) " for c, kind in columns)
            destination.execute(f"INSERT INTO {table} ({names}) SELECT {casts} FROM _moved")
            destination.unregister("_moved")
        latest = destination.execute("SELECT coalesce(max(change_id), 0) FROM changes"
                                     ).fetchone()[0]
        _continue_sequence(destination, latest)
        if store.dialect(destination) == "duckdb":
            derived.note_all(destination)  # a file store derives its tables from the records
        if uploads:
            store.keep_uploads(destination, list(uploads))
        copied["uploads"] = len(uploads)
        _keep_profiles(destination, profiles)
        copied["mapping_profiles"] = len(profiles)
    return copied


def _continue_sequence(con, latest: int) -> None:
    """The next change is numbered after the last one copied."""
    if store.dialect(con) == "postgres":
        con.execute("SELECT setval('change_seq', ?, true)", [max(latest, 1)])
        return
    con.execute("DROP SEQUENCE change_seq")
    con.execute(f"CREATE SEQUENCE change_seq START {int(latest) + 1}")


def read_uploads(location) -> list[tuple[str, str, bytes]]:
    """The uploads a store keeps: (sha256, file name, bytes), from the folder beside a
    file (named from the import log where it can be) or a PostgreSQL store's table."""
    if store.is_shared(location):
        con = store.connect(location, missing="raise")
        try:
            return [(sha, name, bytes(data)) for sha, name, data in
                    con.execute("SELECT sha256, file_name, data FROM uploads").fetchall()]
        finally:
            con.close()
    folder = store.db_path(location).parent / "uploads"
    if not folder.is_dir():
        return []
    con = store.connect(location, read_only=True, missing="raise")
    try:
        names = dict(con.execute("SELECT sha256, min(file_name) FROM imports GROUP BY sha256"
                                 ).fetchall())
    finally:
        con.close()
    return [(path.name, names.get(path.name) or path.name, path.read_bytes())
            for path in sorted(folder.iterdir()) if path.is_file() and len(path.name) == 64]


def read_profiles(location) -> list[tuple[str, str]]:
    """The column-mapping profiles a store keeps: (name, JSON text)."""
    if store.is_shared(location):
        con = store.connect(location, missing="raise")
        try:
            return [(n, text) for n, text in con.execute(
                "SELECT name, profile FROM mapping_profiles ORDER BY name").fetchall()]
        finally:
            con.close()
    folder = store.profiles_dir(location)
    return [(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def _keep_profiles(con, profiles: list[tuple[str, str]]) -> None:
    """Write profiles where the store behind ``con`` keeps them (its table, or files)."""
    if store.dialect(con) == "postgres":
        con.executemany("INSERT INTO mapping_profiles VALUES (?, ?, ?, ?) ON CONFLICT (name) "
                        "DO NOTHING", [[n, text, store.now_utc(), None] for n, text in profiles])
        return
    folder = store.database_file(con).parent / "mappings"
    for name, text in profiles:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / f"{name}.json").exists():
            (folder / f"{name}.json").write_text(text, encoding="utf-8")
