"""What partners and funders file themselves, and the hub's review of it (issue 15).

A **submission** is one record a partner or funder files on the Report page (an activity
report, a need, a delivery, a pledge, a proposed facility, or a change of status of one
of its own needs or deliveries). It is checked by the same rules as an import
(:func:`data_loaders.ingest.validation.validate`), stored as ``submitted`` in
``submissions`` and reaches the records only when the hub approves it: the approval
writes the record and marks the submission in one transaction (one change, reason
``approval``), so every approved row has a version in its history and a change that
names the submission. A returned submission carries the hub's comment; the partner files
a corrected one. A trusted partner's submissions are approved on arrival and still listed.

A partner's activity report for a period past its deadline is refused (the period is
locked) when the hub has set the partner's schedule, unless the hub reopened that period
(:func:`reopen`); the arithmetic of periods is the reporting rates' (DHIS2's expiry days).

Ownership is checked here, below every page: an organisation files only rows of its own
(:data:`OWNERS`: the column that names the organisation a row belongs to) and changes
only records that are already its own; it proposes facilities but never changes one.
Which tables a role may file is the access layer's (``dashboard.access.WRITABLE``).

Plain Python: no streamlit, no roles.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from data_loaders import store
from data_loaders.ingest.readers import RawTable
from data_loaders.ingest.validation import Problem, validate
from data_loaders.store import schema

# The column(s) naming the organisation a row belongs to: a partner files and changes
# rows whose column names it (a delivery is its own as supplier or as carrier). A
# facility belongs to no organisation: it is proposed, never changed, by a partner.
OWNERS: dict[str, tuple[str, ...]] = {
    "activities": ("org_id",),
    "needs": ("reported_by",),
    "deliveries": ("supplier_id", "carrier_id"),
    "pledges": ("org_id",),
    "grants": ("funder_id",),
    "facilities": (),
}
# What the source of a submission's problems is called (Problem.file).
SOURCE = "form"


class SubmissionRefused(PermissionError):
    """The organisation may not file this row (another's row, or a change it may not
    make); nothing was stored. ``code`` names the reason for the person's language."""

    def __init__(self, code: str, table: str, key: str, org_id: str):
        super().__init__(f"{org_id!r} may not file {table} {key!r}: {code}")
        self.code, self.table, self.key, self.org_id = code, table, key, org_id


class SubmissionInvalid(ValueError):
    """The row breaks the import's rules; ``problems`` name each field and its fix.
    Nothing was stored."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.column}: {p.code}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Filed:
    """What :func:`submit` did: the submission's id, its record's key, and its status
    (``approved`` when the organisation is trusted)."""

    submission_id: str
    record_key: str
    status: str


def new_key(table: str, org_id: str, day: date | None = None) -> str:
    """A record id for a new row filed by ``org_id``: readable in a table, unique
    without asking the store (two phones filing at once never collide)."""
    prefix = {"activities": "R", "needs": "N", "deliveries": "D", "pledges": "P",
              "facilities": "F", "grants": "G"}[table]
    stamp = (day or date.today()).strftime("%Y%m%d")
    return f"{prefix}-{org_id}-{stamp}-{uuid.uuid4().hex[:6]}"


def _clean(row: dict) -> dict[str, str]:
    """A form's values as the importer reads cells: text, blanks left out."""
    out = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        if isinstance(value, (date, datetime)):
            value = value.isoformat()[:10]
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            value = str(int(value))
        text = str(value).strip()
        if text:
            out[name] = text
    return out


def _referenced(con, table: schema.Table, row: dict[str, str],
                pending: dict[str, set[str]]) -> dict[str, set[str]]:
    """The keys of the rows ``row`` refers to that exist (stored, or ``pending``
    submissions of the same organisation): only those are looked up, so a check costs
    the same in a store of any size."""
    known: dict[str, set[str]] = {}
    for col in table.columns:
        value = row.get(col.name)
        if not col.ref or value is None:
            continue
        parent = schema.TABLES[col.ref]
        found = con.execute(f"SELECT count(*) FROM {parent.name} WHERE {parent.key} = ?",
                            [value]).fetchall()[0][0]
        if found or value in pending.get(parent.name, set()):
            known.setdefault(parent.name, set()).add(value)
    return known


def check(con, table_name: str, row: dict, pending: dict[str, set[str]] | None = None
          ) -> pd.DataFrame:
    """The row as it would be stored (typed, derived columns added), or
    :class:`SubmissionInvalid` naming each field that breaks the import's rules."""
    table = schema.TABLES[table_name]
    cells = _clean(row)
    frame = pd.DataFrame([cells], columns=[c.name for c in table.input_columns], dtype=object)
    result = validate([RawTable(SOURCE, frame, [1], table)],
                      known_keys=_referenced(con, table, cells, pending or {}))
    if result.problems:
        raise SubmissionInvalid(result.problems)
    return result.frames[table.name]


def _stored(con, table: schema.Table, key: str) -> dict | None:
    found = con.execute(f"SELECT * FROM {table.name} WHERE {table.key} = ?", [key]).df()
    return None if found.empty else found.iloc[0].to_dict()


def _owns(table: schema.Table, row: dict, org_id: str) -> bool:
    return any(row.get(col) == org_id for col in OWNERS.get(table.name, ()))


def _check_ownership(con, table: schema.Table, row: dict[str, str], org_id: str) -> None:
    """Refuse a row that is not ``org_id``'s, or a change of a record that is not."""
    key = row.get(table.key, "")
    if table.name not in OWNERS:
        raise SubmissionRefused("table_not_filed", table.name, key, org_id)
    stored = _stored(con, table, key) if key else None
    if table.name == "facilities":
        if stored is not None:
            raise SubmissionRefused("facility_exists", table.name, key, org_id)
        return
    if not _owns(table, row, org_id):
        raise SubmissionRefused("not_own_row", table.name, key, org_id)
    if stored is not None and not _owns(table, stored, org_id):
        raise SubmissionRefused("not_own_record", table.name, key, org_id)


def pending_keys(con, org_id: str) -> dict[str, set[str]]:
    """Keys of ``org_id``'s submissions still waiting, per table (a need may name a
    facility the same partner proposed and the hub has not confirmed yet)."""
    rows = con.execute("SELECT table_name, record_key FROM submissions WHERE org_id = ? "
                       "AND status = 'submitted'", [org_id]).fetchall()
    keys: dict[str, set[str]] = {}
    for name, key in rows:
        keys.setdefault(name, set()).add(key)
    return keys


def trusted(con, org_id: str) -> bool:
    """True when the hub trusts ``org_id`` (its submissions are approved on arrival)."""
    found = con.execute("SELECT trusted FROM partner_settings WHERE org_id = ?",
                        [org_id]).fetchall()
    return bool(found and found[0][0])


def submit(con, org_id: str, table: str, row: dict, submission_id: str | None = None,
           approve: bool = False) -> Filed:
    """File ``row`` of ``table`` for ``org_id``: checked like an import row and against
    ownership (:class:`SubmissionInvalid`, :class:`SubmissionRefused`, nothing stored),
    then kept as ``submitted``, or approved at once (one transaction) when the
    organisation is trusted or ``approve`` is given (the hub's own entries: the access
    layer lets only the hub ask for it). A ``submission_id`` already stored is not filed
    twice (a form sent again by a double tap or a retry): the first filing is returned.
    """
    schema_table = schema.TABLES[table]
    cells = _clean(row)
    if not cells.get(schema_table.key):
        cells[schema_table.key] = new_key(table, org_id)
    submission_id = submission_id or uuid.uuid4().hex
    with store.transaction(con, reason="submission", table=table, submission=submission_id):
        earlier = con.execute("SELECT record_key, status FROM submissions "
                              "WHERE submission_id = ?", [submission_id]).fetchall()
        if earlier:
            return Filed(submission_id, *earlier[0])
        _check_ownership(con, schema_table, cells, org_id)
        typed = check(con, table, cells, pending_keys(con, org_id))
        if table == "activities" and not approve:
            _check_period_open(con, org_id, typed["reported_on"].iloc[0])
        who, _ = store.actor()
        con.execute("INSERT INTO submissions (submission_id, org_id, table_name, record_key, "
                    "record, status, submitted_at, submitted_by) "
                    "VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)",
                    [submission_id, org_id, table, cells[schema_table.key],
                     json.dumps(cells, ensure_ascii=False), store.now_utc(), who])
        status = "submitted"
        if approve or trusted(con, org_id):
            _approve_one(con, submission_id, None, "trusted" if not approve else None)
            status = "approved"
    return Filed(submission_id, cells[schema_table.key], status)


def today() -> date:
    """The day a filing is made (UTC): what locks a period. Tests set it; a caller of
    :func:`submit` cannot, so no one files into a locked period by naming another day."""
    return store.now_utc().date()


def _schedule(con, org_id: str) -> tuple[int, int, date | None] | None:
    found = con.execute("SELECT every_days, grace_days, starts_on FROM partner_settings "
                        "WHERE org_id = ? AND every_days IS NOT NULL AND grace_days IS NOT NULL",
                        [org_id]).fetchall()
    return tuple(found[0]) if found else None


def locked_period(con, org_id: str, day) -> date | None:
    """The first day of the locked period ``day`` falls in for ``org_id`` (its deadline,
    the end + grace days the hub set, has passed and the hub has not reopened it), or
    None: no schedule set, the period still open, or reopened."""
    schedule = _schedule(con, org_id)
    if schedule is None:
        return None
    every, grace, starts_on = int(schedule[0]), int(schedule[1]), schedule[2]
    day = pd.Timestamp(day).date()
    if starts_on is None or day < pd.Timestamp(starts_on).date():
        return None  # before the schedule: no period
    start = pd.Timestamp(starts_on).date()
    # The same periods as dashboard.analytics.reporting_rates.period_of (tested to agree).
    first = start + timedelta(days=((day - start).days // every) * every)
    deadline = first + timedelta(days=every - 1 + grace)
    if today() <= deadline:
        return None
    reopened = con.execute("SELECT count(*) FROM reopened_periods WHERE org_id = ? AND "
                           "period_start = ?", [org_id, first]).fetchall()[0][0]
    return None if reopened else first


def _check_period_open(con, org_id: str, day) -> None:
    first = locked_period(con, org_id, day)
    if first is not None:
        raise SubmissionRefused("period_locked", "activities", first.isoformat(), org_id)


def reopen(con, org_id: str, day: date) -> date | None:
    """Reopen the locked period ``day`` falls in for ``org_id`` (the hub's decision): its
    reports are accepted again. Returns the period's first day, None when none was locked."""
    with store.transaction(con, reason="approval", partner=org_id, reopened=str(day)):
        first = locked_period(con, org_id, day)
        if first is None:
            return None
        con.execute("INSERT INTO reopened_periods VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [org_id, first, store.now_utc(), store.actor()[0]])
    return first


def _load(con, submission_id: str) -> tuple[str, str, dict, str]:
    rows = con.execute("SELECT org_id, table_name, record, status FROM submissions "
                       "WHERE submission_id = ?", [submission_id]).fetchall()
    if not rows:
        raise KeyError(f"no submission {submission_id!r}")
    found = rows[0]
    record = found[2] if isinstance(found[2], dict) else json.loads(found[2])
    return found[0], found[1], record, found[3]


def _approve_one(con, submission_id: str, edits: dict | None, comment: str | None) -> None:
    org_id, table, record, status = _load(con, submission_id)
    if status != "submitted":
        raise SubmissionRefused(f"already_{status}", table, record.get("key", ""), org_id)
    schema_table = schema.TABLES[table]
    if edits:
        record = {**record, **_clean(edits), schema_table.key: record[schema_table.key]}
        _check_ownership(con, schema_table, record, org_id)
    typed = check(con, table, record)  # pending references are not enough now
    store.upsert(con, {table: typed})
    store.note(con, "approved", {"submission": submission_id, "table": table,
                                 "key": record[schema_table.key]})
    who, _ = store.actor()
    con.execute("UPDATE submissions SET status = 'approved', record = ?, reviewed_at = ?, "
                "reviewed_by = ?, comment = ?, change_id = ? WHERE submission_id = ?",
                [json.dumps(record, ensure_ascii=False), store.now_utc(), who, comment,
                 store.change_id(con), submission_id])


# Facilities first: a need or delivery approved in the same batch may name one.
_APPROVAL_ORDER = {name: i for i, name in enumerate(schema.TABLES)}


def approve(con, submission_ids: list[str], edits: dict[str, dict] | None = None,
            comment: str | None = None) -> int:
    """Approve the submissions (each with the hub's ``edits``, if any): their records
    are written and they are marked approved, all in one change or none (a record that
    no longer passes the checks, or names a facility not yet confirmed, raises
    :class:`SubmissionInvalid` and nothing is written). Returns how many."""
    if not submission_ids:
        return 0
    tables = dict(con.execute(
        "SELECT submission_id, table_name FROM submissions WHERE submission_id IN ("
        + ", ".join("?" for _ in submission_ids) + ")", list(submission_ids)).fetchall())
    ordered = sorted(submission_ids, key=lambda s: _APPROVAL_ORDER.get(tables.get(s, ""), 99))
    with store.transaction(con, reason="approval"):
        for submission_id in ordered:
            _approve_one(con, submission_id, (edits or {}).get(submission_id), comment)
    return len(ordered)


def send_back(con, submission_ids: list[str], comment: str) -> int:
    """Return the submissions to their organisation with the hub's ``comment`` (which
    the partner sees); nothing reaches the records. Returns how many."""
    if not comment or not comment.strip():
        raise ValueError("a returned submission says why: give a comment")
    with store.transaction(con, reason="approval"):
        who, _ = store.actor()
        for submission_id in submission_ids:
            org_id, table, record, status = _load(con, submission_id)
            if status != "submitted":
                raise SubmissionRefused(f"already_{status}", table, "", org_id)
            con.execute("UPDATE submissions SET status = 'returned', reviewed_at = ?, "
                        "reviewed_by = ?, comment = ? WHERE submission_id = ?",
                        [store.now_utc(), who, comment.strip(), submission_id])
            store.note(con, "returned", {"submission": submission_id, "table": table})
    return len(submission_ids)


def listing(con, org_id: str | None = None, status: str | None = None,
            limit: int = 500) -> pd.DataFrame:
    """Submissions, newest first: one organisation's (``org_id``) or all, of one
    ``status`` or any. The submitter's address is not included: pages never show it."""
    where, params = [], []
    if org_id is not None:
        where.append("org_id = ?")
        params.append(org_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    sql = ("SELECT submission_id, org_id, table_name, record_key, record, status, "
           "submitted_at, reviewed_at, comment, change_id FROM submissions"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY submitted_at DESC, submission_id LIMIT ?")
    frame = con.execute(sql, [*params, int(limit)]).df()
    frame["record"] = [r if isinstance(r, dict) else json.loads(r) for r in frame["record"]]
    return frame


def differences(con, table: str, record: dict) -> list[tuple[str, object, object]]:
    """(column, stored value, filed value) for each input column the submission would
    change; every filled column of a new record."""
    schema_table = schema.TABLES[table]
    stored = _stored(con, schema_table, record.get(schema_table.key, "")) or {}
    named: dict[str, set[str]] = {}
    for name, value in _refs(schema_table, record):  # a supplier and a carrier: both
        named.setdefault(name, set()).add(value)
    try:
        filed = check(con, table, record, named)
        filed_row = filed.iloc[0].to_dict()
    except SubmissionInvalid:
        filed_row = record
    out = []
    for col in schema_table.input_columns:
        new, old = filed_row.get(col.name), stored.get(col.name)
        if _blank(new) and _blank(old):
            continue
        if _blank(old) or _blank(new) or str(_plain(new)) != str(_plain(old)):
            out.append((col.name, None if _blank(old) else _plain(old),
                        None if _blank(new) else _plain(new)))
    return out


def _refs(table: schema.Table, record: dict):
    return [(schema.TABLES[c.ref].name, record[c.name]) for c in table.columns
            if c.ref and record.get(c.name)]


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def settings(con) -> pd.DataFrame:
    """Each partner's reporting schedule and trust, as the hub set them."""
    return con.execute("SELECT org_id, trusted, every_days, grace_days, starts_on "
                       "FROM partner_settings ORDER BY org_id").df()


def set_partner(con, org_id: str, trusted: bool | None = None, every_days: int | None = None,
                grace_days: int | None = None, starts_on: date | None = None) -> None:
    """Set a partner's trust and reporting schedule (the values not given are kept)."""
    if every_days is not None and int(every_days) < 1:
        raise ValueError("a reporting period is at least one day")
    if grace_days is not None and int(grace_days) < 0:
        raise ValueError("grace days cannot be negative")
    with store.transaction(con, reason="approval", partner=org_id):
        if con.execute("SELECT count(*) FROM organizations WHERE org_id = ?",
                       [org_id]).fetchall()[0][0] == 0:
            raise KeyError(f"no organisation {org_id!r}")
        now = store.now_utc()
        old = con.execute("SELECT trusted, every_days, grace_days, starts_on FROM "
                          "partner_settings WHERE org_id = ?", [org_id]).fetchall()
        old = old[0] if old else (False, None, None, None)
        values = [org_id, old[0] if trusted is None else bool(trusted),
                  old[1] if every_days is None else int(every_days),
                  old[2] if grace_days is None else int(grace_days),
                  old[3] if starts_on is None else starts_on, now, store.actor()[0]]
        con.execute("INSERT INTO partner_settings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                    "(org_id) DO UPDATE SET trusted = excluded.trusted, every_days = "
                    "excluded.every_days, grace_days = excluded.grace_days, starts_on = "
                    "excluded.starts_on, updated_at = excluded.updated_at, updated_by = "
                    "excluded.updated_by", values)


def own(con, org_id: str, limit: int = 200) -> pd.DataFrame:
    """``org_id``'s own submissions, newest first, with the hub's comments."""
    return listing(con, org_id=org_id, limit=limit)


def own_records(con, org_id: str, table: str, open_only: bool = True) -> pd.DataFrame:
    """The stored records of ``table`` that are ``org_id``'s own (the needs and deliveries
    whose status it may update), newest first; ``open_only`` leaves out closed ones."""
    schema_table = schema.TABLES[table]
    owners = OWNERS.get(table, ())
    if not owners:
        return pd.DataFrame(columns=schema_table.column_names)
    where = " OR ".join(f"{col} = ?" for col in owners)
    still_open = {"needs": " AND status = 'open'",
                  "deliveries": " AND status IN ('planned', 'in_transit')",
                  "pledges": " AND pledge_status = 'open'"}.get(table, "") if open_only else ""
    sql = (f"SELECT * FROM {table} WHERE ({where})" + still_open
           + f" ORDER BY {schema_table.key} DESC LIMIT 500")
    return con.execute(sql, [org_id] * len(owners)).df()


# The sheets of the offline workbook a partner fills, and the table each files; the
# workbook's other sheets (its facilities, the open needs, how to fill it) are read-only
# references and never filed.
WORKBOOK_SHEETS = {"活动报告": "activities", "需求": "needs", "配送": "deliveries",
                   "认领": "pledges", "新设施": "facilities"}
# Cells the workbook fills in before the partner sees it: a row holding nothing else is
# one the partner left blank, not a report of nothing.
PREFILLED = {"report_id", "org_id", "reported_on", "region", "reported_by", "carrier_id",
             "pledged_on"}


def submit_workbook(con, org_id: str, source, tables: frozenset[str] | set[str]) -> list[Filed]:
    """File every filled row of the offline workbook ``source`` (a SourceFile) for
    ``org_id``: each through the same checks as a form, all or nothing — one problem
    anywhere (named by sheet, row and column) and nothing is filed
    (:class:`SubmissionInvalid`). Only the sheets of :data:`WORKBOOK_SHEETS` whose table is
    in ``tables`` (what the role files; the gate checks them) are read. The same file sent
    again files nothing new."""
    from data_loaders.ingest.importer import read_sources

    read = read_sources([source])
    sheets = [raw for raw in read.tables if WORKBOOK_SHEETS.get(raw.sheet or "") in tables]
    problems = list(read.problems)
    filed: list[Filed] = []
    with store.transaction(con, reason="submission", workbook=source.name):
        for raw in sheets:
            table = schema.TABLES[WORKBOOK_SHEETS[raw.sheet]]
            aliases = schema.header_aliases(table)
            for number, (_, cells) in zip(raw.rows, raw.frame.iterrows()):
                row = {aliases[str(h).strip().lower()]: v for h, v in cells.items()
                       if str(h).strip().lower() in aliases}
                row = _clean(row)
                if not set(row) - PREFILLED:
                    continue  # left blank
                try:
                    # One id per file, sheet and row: the same workbook sent twice (a
                    # second press, a retry) files each row once.
                    filed.append(submit(con, org_id, table.name, row, submission_id=(
                        f"wb-{source.sha256[:16]}-{table.name}-{number}")))
                except SubmissionInvalid as invalid:
                    problems += [Problem(f"{source.name}:{raw.sheet}", number, p.column, p.value,
                                         p.code, p.expected, p.suggestion)
                                 for p in invalid.problems]
                except SubmissionRefused as refused:
                    column = (OWNERS[table.name][0] if refused.code == "not_own_row"
                              and OWNERS.get(table.name) else table.key)
                    problems.append(Problem(f"{source.name}:{raw.sheet}", number, column,
                                            row.get(column), f"refused_{refused.code}"))
        if problems:
            raise SubmissionInvalid(problems)
        if not filed:
            raise SubmissionInvalid([Problem(source.name, None, None, None, "nothing_in_file")])
    return filed
