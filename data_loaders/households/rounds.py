"""One assessment round arrives as a spreadsheet: a row per household, its record (the
organisation's own id for it, the organisation, the region, who lives there), the round
and the day it was assessed, and a column per question of the network's tool (its id, or
its Chinese or English label; answers as numbers or as the scale's labels).

The import is all or nothing, and it never keeps what identifies a person:

- a column that would hold a name, a contact, an ID-card number or an address is refused
  whole, its values unread; so is a column the tool does not ask (it may hold anything);
- a cell holding a phone number, an e-mail address or an ID-card number is refused by
  row and column, and its value is never repeated in the problem list;
- a caseworker imports for their own organisation only (``org_id``).

Unlike the other imports, a refused round file is not kept (a file refused for a
person's details must not be stored with them); the problem list says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from data_loaders import store
from data_loaders.households import privacy
from data_loaders.households.tool import Tool
from data_loaders.ingest import readers, values
from data_loaders.ingest.formats import Note
from data_loaders.ingest.validation import Problem, check_columns
from data_loaders.store import schema

# Up to this many rows are written a statement each (a case update, a service); more are
# staged as one table and inserted at once (a round).
FEW_ROWS = 5
# The round file's own columns: the household record's and the assessment's.
_RECORD_TABLES = (schema.HOUSEHOLDS, schema.HOUSEHOLD_ASSESSMENTS)


@dataclass
class RoundReport:
    """What a round import did: every problem (nothing written when there is one), and
    how many households, assessments and answers it wrote."""

    problems: list[Problem] = field(default_factory=list)
    # What was understood but not read (a workbook's sheet that is not a round).
    notes: list[Note] = field(default_factory=list)
    households: int = 0
    assessments: int = 0
    answers: int = 0

    @property
    def committed(self) -> bool:
        """True when the round was written."""
        return not self.problems and self.assessments > 0


def _columns(raw: readers.RawTable, tool: Tool, problems: list[Problem]) -> dict[str, str]:
    """The question each of the file's question columns answers (header → question id);
    identifying and unknown columns go to ``problems``."""
    record = {}
    for table in _RECORD_TABLES:
        record.update(schema.header_aliases(table))
    spellings = {}
    for q in tool.questions:
        for spelling in (q.id, q.zh, q.en):
            spellings[spelling.strip().lower()] = q.id
    questions: dict[str, str] = {}
    for header in raw.frame.columns:
        text = values.clean_text(header)
        kind = privacy.identifying_header(text)
        if text.lower() in record and kind is None:
            continue
        if kind is not None:
            problems.append(Problem(raw.label, None, text, None, "identifying_column", kind))
        elif text.lower() in spellings:
            questions[header] = spellings[text.lower()]
        else:
            problems.append(Problem(raw.label, None, text, None, "unknown_round_column",
                                    ", ".join(q.id for q in tool.questions)))
    return questions


def _withhold_identifying(raw: readers.RawTable, problems: list[Problem]) -> set[tuple]:
    """A problem for every cell that holds a contact or an ID-card number (value
    withheld), and the cell emptied in ``raw`` so no later check repeats it; the cells of
    a column refused as identifying are not read. Returns the (row, column) emptied."""
    refused = {p.column for p in problems if p.code == "identifying_column"}
    emptied = set()
    for column in raw.frame.columns:
        name = values.clean_text(column)
        if name in refused:
            continue
        for index, cell in enumerate(raw.frame[column].tolist()):
            if values.is_blank(cell):
                continue
            kind = privacy.identifying_value(cell)
            if kind is not None:
                problems.append(Problem(raw.label, raw.rows[index], name, None,
                                        "identifying_value", kind))
                raw.frame.iat[index, raw.frame.columns.get_loc(column)] = None
                emptied.add((raw.rows[index], name))
    return emptied


def _answers(raw: readers.RawTable, questions: dict[str, str], tool: Tool,
             problems: list[Problem]) -> list[dict[str, int]]:
    """Each row's answers (question id → stored number); a blank cell was not asked."""
    rows: list[dict[str, int]] = [{} for _ in range(len(raw.frame))]
    for header, qid in questions.items():
        question = tool.question(qid)
        for index, cell in enumerate(raw.frame[header].tolist()):
            if values.is_blank(cell):
                continue
            answer = question.answer(values.clean_text(cell))
            if answer is None:
                allowed = ", ".join(f"{a.value} [{a.zh}]" for a in question.scale)
                problems.append(Problem(raw.label, raw.rows[index], values.clean_text(header),
                                        values.clean_text(cell), "unknown_answer", allowed))
            else:
                rows[index][qid] = answer
    return rows


def read_round(name: str, data: bytes, tool: Tool, known_orgs, org_id: str | None = None,
               registry=None) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of the round file ``name`` (its bytes ``data``), typed and keyed: one row
    per household with its record, its assessment and an ``answers`` dict; and every
    problem. ``known_orgs`` answers whether an organisation is in the store (a set, or
    ``store.StoredKeys``'s ``among``); ``org_id`` the only organisation allowed."""
    try:
        tables = readers.read_file(name, data)
    except readers.ReadError as error:
        return pd.DataFrame(), [Problem(name, None, None, error.detail or None, error.code)]
    return check_tables(tables, tool, known_orgs, org_id, registry)


def check_tables(tables: list[readers.RawTable], tool: Tool, known_orgs,
                 org_id: str | None = None, registry=None, notes: list[Note] | None = None
                 ) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`read_round` for tables already read (a file's sheets, or the one row of
    the assessment form). A workbook's sheet that asks no question of the tool beside one
    that does (the filling instructions, a summary) is not read: ``notes`` is told
    (``sheet_not_round``). A sheet whose headers would hold a person's details is
    refused even so: the file is not kept in the store, and the person uploading it
    should know what it holds."""
    if registry is None:
        from geo.regions import load_registry

        registry = load_registry()
    problems: list[Problem] = []
    frames = []
    # Every problem in one pass, so the file is fixed once; a refused column's cells are
    # never read, and a refused cell's value is never repeated.
    found_in = [[] for _ in tables]
    questions_in = [_columns(raw, tool, found) for raw, found in zip(tables, found_in)]
    for raw, questions, found in zip(tables, questions_in, found_in):
        if (not questions and raw.sheet and any(questions_in)
                and not any(p.code == "identifying_column" for p in found)):
            if notes is not None:
                notes.append(Note("sheet_not_round", raw.sheet, file=raw.source))
            continue
        if not questions:
            # No question of the tool at all: another kind of file (a needs list, a
            # distribution sheet), said once rather than as a problem per column and row.
            problems.extend(p for p in found if p.code == "identifying_column")
            problems.append(Problem(raw.label, None, None, None, "not_a_round_file",
                                    ", ".join(q.id for q in tool.questions)))
            continue
        problems.extend(found)
        raw = replace(raw, frame=raw.frame.astype(object))  # the file's cells stay as read
        emptied = _withhold_identifying(raw, problems)
        # The record's checks name a column by its own name, not the file's header.
        names = {alias: name for table in _RECORD_TABLES
                 for alias, name in schema.header_aliases(table).items()}
        emptied |= {(row, names[header.lower()]) for row, header in emptied
                    if header.lower() in names}
        answers = _answers(raw, questions, tool, problems)
        typed = []
        for table in _RECORD_TABLES:
            out, found, _ = check_columns(raw, table, registry)
            # A cell emptied for holding a person's details has its problem already.
            problems.extend(p for p in found if (p.row, p.column) not in emptied)
            typed.append(out)
        if any(t is None for t in typed):
            continue
        frame = pd.concat(typed, axis=1)
        frame["answers"] = answers
        frame["row"] = raw.rows
        frame["file"] = raw.label
        frames.append(frame)
    if not frames:
        return pd.DataFrame(), problems
    rows = pd.concat(frames, ignore_index=True)
    _check_rows(rows, tool, known_orgs, org_id, problems)
    return rows, problems


def _check_rows(rows: pd.DataFrame, tool: Tool, known_orgs, org_id: str | None,
                problems: list[Problem]) -> None:
    """Rules across rows: a known organisation (the caseworker's own), one row per
    household and round, at least one answer."""
    wanted = {o for o in rows["org_id"] if o}
    known = known_orgs("organizations", wanted) if callable(known_orgs) else set(known_orgs)
    seen: dict[tuple, int] = {}
    # A row whose answers were all refused has its problems already: "no answers" is
    # for a row that left every question blank.
    refused = {(p.file, p.row) for p in problems if p.code == "unknown_answer"}
    for file, row, org, household, round_id, answers in zip(
            rows["file"], rows["row"], rows["org_id"], rows["household_id"], rows["round_id"],
            rows["answers"]):
        if org and org not in known:
            problems.append(Problem(file, row, "org_id", org, "unknown_reference",
                                    "organizations"))
        elif org and org_id is not None and org != org_id:
            problems.append(Problem(file, row, "org_id", org, "other_organisation", org_id))
        key = (org, household, round_id)
        if None not in key and key in seen:
            problems.append(Problem(file, row, "household_id", household, "duplicate_id",
                                    suggestion=seen[key]))
        seen.setdefault(key, f"{file}:{row}")
        if not answers and (file, row) not in refused:
            problems.append(Problem(file, row, None, None, "no_answers",
                                    ", ".join(q.id for q in tool.questions)))
    problems.sort(key=lambda p: (p.file, p.row or 0))


def template(tool: Tool, lang: str = "zh", org_id: str | None = None) -> bytes:
    """An empty round file for ``tool``: the header row in ``lang`` (the columns' Chinese
    names, or their ids in English, which the import reads alike) and, when ``org_id`` is
    given, nothing else; UTF-8 with a BOM so Excel opens the Chinese right."""
    record = [c for t in _RECORD_TABLES for c in t.input_columns]
    headers = [c.zh if lang == "zh" else c.name for c in record]
    headers += [q.zh if lang == "zh" else q.id for q in tool.questions]
    return ("\ufeff" + ",".join(headers) + "\n").encode("utf-8")


def import_round(con, name: str, data: bytes, tool: Tool | None = None,
                 org_id: str | None = None, registry=None) -> RoundReport:
    """Read the round file and, when nothing is wrong, write its households (new or
    updated), their assessments for the round and the answers, in one transaction, and
    open a case for each household that has none (:func:`import_tables`). An assessment
    imported again for the same household and round replaces the earlier one.
    ``tool``: the network's (``tool.configured()``) unless given."""
    try:
        tables = readers.read_file(name, data)
    except readers.ReadError as error:
        return RoundReport(problems=[Problem(name, None, None, error.detail or None, error.code)])
    return import_tables(con, tables, tool, org_id, registry)


def import_tables(con, tables: list[readers.RawTable], tool: Tool | None = None,
                  org_id: str | None = None, registry=None) -> RoundReport:
    """:func:`import_round` for tables already read (the assessment form's one row)."""
    if tool is None:
        from data_loaders.households.tool import configured

        tool = configured()
    notes: list[Note] = []
    rows, problems = check_tables(tables, tool, store.StoredKeys(con).among, org_id, registry,
                                  notes)
    report = RoundReport(problems=problems, notes=notes)
    if problems or rows.empty:
        return report
    rows["assessment_key"] = rows["household_key"] + ":" + rows["round_id"]
    households = rows.drop_duplicates("household_key", keep="last")
    with store.transaction(con, reason="household_round", tool=tool.id, rows=len(rows)):
        upsert(con, schema.HOUSEHOLDS, [
            (r.household_key, r.household_id, r.org_id, r.region.name, r.region.adcode,
             _int(r.size), _bool(r.children), _bool(r.elderly), _bool(r.sick_or_disabled),
             r.migration_status) for r in households.itertuples()])
        upsert(con, schema.HOUSEHOLD_ASSESSMENTS, [
            (r.assessment_key, r.household_key, r.round_id, r.assessed_on, tool.id)
            for r in rows.itertuples()])
        keys = list(rows["assessment_key"])
        marks = ", ".join("?" * len(keys))
        con.execute(f"DELETE FROM household_answers WHERE assessment_key IN ({marks})", keys)
        answers = [(f"{r.assessment_key}:{qid}", r.assessment_key, qid, value)
                   for r in rows.itertuples() for qid, value in r.answers.items()]
        upsert(con, schema.HOUSEHOLD_ANSWERS, answers)
        _open_cases(con, rows)
    report.households, report.assessments, report.answers = (len(households), len(rows),
                                                              len(answers))
    return report


def _open_cases(con, rows: pd.DataFrame) -> None:
    """An assessment is a contact: a household without a case gets one, open from the
    day of its first assessment; an open case's last contact moves to the assessment's
    day, and a review already due moves two weeks on from it."""
    from data_loaders.households.cases import OPEN, REVIEW_DAYS, day_of

    days = rows.groupby("household_key")["assessed_on"].agg(["min", "max"])
    keys = list(days.index)
    marks = ", ".join("?" * len(keys))
    known = {r[0]: r for r in con.execute(
        "SELECT household_key, case_status, opened_on, closed_on, close_reason, "
        f"last_contact_on, next_review_on, notes, caseworker FROM household_cases "
        f"WHERE household_key IN ({marks})", keys).fetchall()}
    review = pd.Timedelta(days=REVIEW_DAYS)
    cases = []
    for key, first, last in zip(keys, days["min"], days["max"]):
        first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
        case = known.get(key)
        if case is None:
            cases.append((key, "open", first, None, None, last, last + review, None, None))
            continue
        _, status, opened, closed, reason, contact, due, notes, caseworker = case
        contact = max(d for d in (day_of(contact), last) if d is not None)
        if status in OPEN and (due is None or day_of(due) <= contact):
            due = contact + review
        cases.append((key, status, min(day_of(opened) or first, first), closed, reason,
                      contact, due, notes, caseworker))
    upsert(con, schema.HOUSEHOLD_CASES, cases)


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _bool(value) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def upsert(con, table: schema.Table, rows: list[tuple]) -> None:
    """Insert ``rows`` (every column of ``table``, in order), replacing a row of the same
    key: staged as one table and inserted in one statement (row by row, a round of 150
    households' answers took 9 s)."""
    if not rows:
        return
    columns = table.column_names
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != table.key)
    if len(rows) <= FEW_ROWS:  # a form's change: a statement per row beats staging a table
        marks = ", ".join("?" * len(columns))
        for row in rows:
            con.execute(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
                        f"ON CONFLICT ({table.key}) DO UPDATE SET {updates}", list(row))
        return
    casts = ", ".join(f"CAST({c.name} AS {schema.SQL_TYPES[c.kind]})" for c in table.columns)
    staged = pd.DataFrame(rows, columns=columns).astype(object)
    con.register("_household_rows", staged.where(staged.notna(), None))
    try:
        con.execute(f"INSERT INTO {table.name} ({names}) SELECT {casts} FROM _household_rows "
                    f"ON CONFLICT ({table.key}) DO UPDATE SET {updates}")
    finally:
        con.unregister("_household_rows")


def delete_households(con, org_id: str, household_ids: list[str]) -> int:
    """Delete the households ``household_ids`` of ``org_id`` on request: every row of them
    (the record, every round's assessment and answers, the case and its services) goes,
    in one transaction, and only how many were deleted that day stays
    (``household_deletions``). Returns how many households were deleted."""
    keys = [f"{org_id}:{h}" for h in dict.fromkeys(household_ids)]
    if not keys:
        return 0
    marks = ", ".join("?" * len(keys))
    with store.transaction(con, reason="household_deletion", households=len(keys)):
        found = con.execute(f"SELECT count(*) FROM households WHERE household_key IN ({marks})",
                            keys).fetchall()[0][0]
        con.execute("DELETE FROM household_answers WHERE assessment_key IN (SELECT assessment_key "
                    f"FROM household_assessments WHERE household_key IN ({marks}))", keys)
        for table in ("household_assessments", "household_services", "household_cases",
                      "households"):
            con.execute(f"DELETE FROM {table} WHERE household_key IN ({marks})", keys)
        if found:
            today = store.now_utc().date()
            con.execute(
                "INSERT INTO household_deletions VALUES (?, ?, ?, ?) ON CONFLICT (deletion_key) "
                "DO UPDATE SET households = household_deletions.households + excluded.households",
                [f"{org_id}:{today.isoformat()}", org_id, today, found])
    return found
