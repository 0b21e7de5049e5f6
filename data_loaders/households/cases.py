"""A case follows a household from its first assessment until its difficulty is resolved
(issue 17): its status (open, in progress, resolved, lost contact) with the day it
opened and closed and the reason, the last contact, the next review, the services given
(information, training, supplies, cash aid with its amount, a referral to another
organisation) and the caseworker's notes.

Everything here acts for one organisation (``org_id``): a household is looked up by its
organisation's own id for it, so another organisation's household is not found. The
access gate lets only that organisation's caseworkers call these
(dashboard.access: level ``household``).

A change that cannot be made is not raised: each function returns the problems found
(data_loaders.ingest.validation.Problem, shown under the form's fields), and writes
nothing when there is one. Notes are scrubbed of phone numbers, e-mail addresses and
ID-card numbers before they are stored.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data_loaders import store
from data_loaders.households import privacy, rounds
from data_loaders.households.tool import Tool
from data_loaders.ingest import readers
from data_loaders.ingest.validation import Problem
from data_loaders.store import schema

OPEN = ("open", "in_progress")
CLOSED = ("resolved", "lost_contact")
REVIEW_DAYS = 14  # the next review after a contact, unless the caseworker names a day
FORM = "form"  # the "file" a problem of a form names
MAX_NOTES = 2000  # characters of notes kept per case
MAX_AMOUNT = 1_000_000  # yuan: a larger cash aid to one family is a typo


def _values(choices) -> tuple[str, ...]:
    return tuple(c.value for c in choices)


def no_contact_days() -> int:
    """Days without contact after which an open case is flagged
    (``LIFELINE_NO_CONTACT_DAYS``, 21 unless set)."""
    try:
        return max(1, int(os.environ.get("LIFELINE_NO_CONTACT_DAYS", "21")))
    except ValueError:
        return 21


def household_key(org_id: str, household_id: str) -> str:
    """The stored key of ``org_id``'s household ``household_id``."""
    return f"{org_id}:{household_id}"


def _case(con, org_id: str, household_id: str) -> dict | None:
    """The household's case as a dict (None: no such household of ``org_id``)."""
    cursor = con.execute(
        """
        SELECT h.household_key, c.case_status, c.opened_on, c.closed_on, c.close_reason,
               c.last_contact_on, c.next_review_on, c.notes, c.caseworker
        FROM households h LEFT JOIN household_cases c ON c.household_key = h.household_key
        WHERE h.household_key = ? AND h.org_id = ?
        """, [household_key(org_id, household_id), org_id]).fetchall()
    if not cursor:
        return None
    names = ("household_key", "case_status", "opened_on", "closed_on", "close_reason",
             "last_contact_on", "next_review_on", "notes", "caseworker")
    return {name: day_of(value) if name.endswith("_on") else value
            for name, value in zip(names, cursor[0])}


def day_of(value) -> date | None:
    """A stored day as a date (None for a missing one: NaT, NaN or None)."""
    if value is None or pd.isna(value):  # NaT is a datetime too
        return None
    return pd.Timestamp(value).date()


def _later(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


# --- what a caseworker reads -------------------------------------------------------

def busiest_organisation(con) -> str | None:
    """The organisation that follows the most households (the benchmark measures the
    Casework page as its caseworker); None when no organisation follows any. Not a
    registered query: it names an organisation, never a household, and no page calls it."""
    found = con.execute("SELECT org_id FROM households GROUP BY org_id "
                        "ORDER BY count(*) DESC, org_id LIMIT 1").fetchall()
    return found[0][0] if found else None


def caseload(con, org_id: str, today: date, no_contact: int | None = None) -> pd.DataFrame:
    """Every household ``org_id`` follows with its case: the ones to act on first (an
    open case due for review or without contact for ``no_contact`` days), then the other
    open cases by their next review, then the closed ones. Columns: household_id,
    region_adcode, size, children, elderly, sick_or_disabled, migration_status,
    case_status, opened_on, closed_on, last_contact_on, next_review_on, caseworker (the
    sign-in of who follows it, or None), rounds (how many assessed it), services,
    cash_cny, days_since_contact, due, no_contact. Never the notes (:func:`case_detail`
    has them)."""
    no_contact = no_contact or no_contact_days()
    frame = con.execute(
        """
        SELECT h.household_id, h.region_adcode, h.size, h.children, h.elderly,
               h.sick_or_disabled, h.migration_status, c.case_status, c.opened_on,
               c.closed_on, c.last_contact_on, c.next_review_on, c.caseworker,
               (SELECT count(*) FROM household_assessments a
                WHERE a.household_key = h.household_key) AS rounds,
               (SELECT count(*) FROM household_services s
                WHERE s.household_key = h.household_key) AS services,
               (SELECT coalesce(sum(s.amount_cny), 0) FROM household_services s
                WHERE s.household_key = h.household_key AND s.service_kind = 'cash_aid')
                   AS cash_cny
        FROM households h LEFT JOIN household_cases c ON c.household_key = h.household_key
        WHERE h.org_id = ?
        ORDER BY h.household_id
        """, [org_id]).df()
    for col in ("opened_on", "closed_on", "last_contact_on", "next_review_on"):
        # Days as dates (None when there is none): a datetime column would read NaT.
        frame[col] = pd.Series([day_of(v) for v in frame[col]], index=frame.index, dtype=object)
    for col in ("rounds", "services"):
        frame[col] = frame[col].astype("int64")
    frame["caseworker"] = pd.Series([None if pd.isna(c) else c for c in frame["caseworker"]],
                                    index=frame.index, dtype=object)
    frame["cash_cny"] = frame["cash_cny"].astype("float64")
    is_open = frame["case_status"].isin(OPEN)
    since = [(today - (last or opened)).days if (last or opened) else None
             for last, opened in zip(frame["last_contact_on"], frame["opened_on"])]
    frame["days_since_contact"] = pd.array(since, dtype="Int64")
    frame["due"] = is_open & np.array([d is not None and d <= today
                                       for d in frame["next_review_on"]], dtype=bool)
    frame["no_contact"] = is_open & np.array([s is not None and s >= no_contact for s in since],
                                             dtype=bool)
    order = pd.DataFrame({
        "first": ~(frame["due"] | frame["no_contact"]), "closed": ~is_open,
        "review": [d or date.max for d in frame["next_review_on"]],
        "id": frame["household_id"]})
    return frame.loc[order.sort_values(["first", "closed", "review", "id"]).index] \
        .reset_index(drop=True)


def organisations(con, org_id: str) -> pd.DataFrame:
    """The organisations a caseworker of ``org_id`` names: its own (first) and those it
    may refer a household to. Columns: org_id, name; the others by name."""
    return con.execute(
        "SELECT org_id, name FROM organizations ORDER BY org_id <> ?, name, org_id",
        [org_id]).df()


def case_detail(con, org_id: str, household_id: str) -> dict | None:
    """One household of ``org_id``: ``record`` (its household row), ``case`` (the case,
    notes included), ``services`` (a frame, the latest first) and ``answers`` (a frame
    of round_id, assessed_on, question_id, answer; rounds in order). None when
    ``org_id`` follows no such household."""
    case = _case(con, org_id, household_id)
    if case is None:
        return None
    key = case["household_key"]
    record = con.execute(
        "SELECT household_id, region, region_adcode, size, children, elderly, "
        "sick_or_disabled, migration_status FROM households WHERE household_key = ?",
        [key]).df().iloc[0].to_dict()
    services = con.execute(
        "SELECT given_on, service_kind, amount_cny, referred_to FROM household_services "
        "WHERE household_key = ? ORDER BY given_on DESC, service_key", [key]).df()
    answers = con.execute(
        """
        SELECT a.round_id, a.assessed_on, q.question_id, q.answer
        FROM household_assessments a
        JOIN household_answers q ON q.assessment_key = a.assessment_key
        WHERE a.household_key = ? ORDER BY a.assessed_on, a.round_id, q.question_id
        """, [key]).df()
    return {"record": record, "case": case, "services": services, "answers": answers}


# --- what a caseworker changes -----------------------------------------------------

@dataclass(frozen=True)
class AssessmentForm:
    """One household's assessment as entered on the form: its record (as the round file
    has it: household_id, region, size, children, elderly, sick_or_disabled,
    migration_status), the round, the day and the answers (question id → number)."""

    record: dict
    round_id: str
    assessed_on: date
    answers: dict[str, int]


def save_assessment(con, org_id: str, form: AssessmentForm,
                    tool: Tool | None = None) -> rounds.RoundReport:
    """Write one assessment entered on the form, checked by every rule of a round file
    (a form is a round of one row): identifying values refused, answers on the tool's
    scales, the region known. Opens the household's case if it has none."""
    if tool is None:
        from data_loaders.households.tool import configured

        tool = configured()
    # Every question is a column, a blank one unanswered: a form with no answer is "no
    # answers", as a round file's row is.
    cells = {**{k: v for k, v in form.record.items() if k != "org_id"}, "org_id": org_id,
             "round_id": form.round_id, "assessed_on": form.assessed_on.isoformat(),
             **{q.id: form.answers.get(q.id) for q in tool.questions}}
    frame = pd.DataFrame([{k: (None if v is None else str(int(v)) if isinstance(v, bool)
                               else str(v)) for k, v in cells.items()}])
    raw = readers.RawTable(FORM, frame, [1])
    return rounds.import_tables(con, [raw], tool, org_id)


def update_case(con, org_id: str, household_id: str, status: str, on: date,
                next_review_on: date | None = None, close_reason: str | None = None,
                notes: str | None = None, today: date | None = None,
                caseworker: str | None = None) -> list[Problem]:
    """Set the case of ``org_id``'s household to ``status`` as of ``on`` (the contact's
    day, or the day it closed). An open case gets ``next_review_on`` (``on`` + 14 days
    unless given); closing (resolved, lost contact) needs ``close_reason`` and clears
    the review; re-opening clears the close. ``notes`` (scrubbed) replace the case's
    notes when given; ``caseworker`` (a sign-in) takes the case over when given.
    Returns the problems (nothing written when there is one)."""
    case, problems = _checked(con, org_id, household_id, "case_status", status,
                              schema.CASE_STATUSES, "last_contact_on", on, today)
    reason = (close_reason or "").strip() or None
    if status in CLOSED and reason is None:
        problems.append(Problem(FORM, None, "close_reason", None, "close_reason_missing"))
    if status in OPEN:
        next_review_on = next_review_on or on + timedelta(days=REVIEW_DAYS)
        if next_review_on < on:
            problems.append(Problem(FORM, None, "next_review_on", next_review_on.isoformat(),
                                    "review_before_contact", on.isoformat()))
    if problems:
        return problems
    closing = status in CLOSED
    # Losing contact is not a contact: the last one stays what it was.
    contact = case["last_contact_on"] if status == "lost_contact" else \
        _later(case["last_contact_on"], on)
    kept = case["notes"] if notes is None else privacy.scrub(notes.strip()[:MAX_NOTES]) or None
    with store.transaction(con, reason="household_case"):
        rounds.upsert(con, schema.HOUSEHOLD_CASES, [(
            case["household_key"], status, case["opened_on"] or on,
            on if closing else None, reason if closing else None, contact,
            None if closing else next_review_on, kept, caseworker or case["caseworker"])])
    return []


def add_service(con, org_id: str, household_id: str, given_on: date, kind: str,
                amount_cny: float | None = None, referred_to: str | None = None,
                today: date | None = None, caseworker: str | None = None) -> list[Problem]:
    """Record a service given to ``org_id``'s household: its day and kind; cash aid
    needs its amount in yuan, a referral the organisation referred to (a known one,
    not ``org_id``). A service is a contact: the case's last contact moves to
    ``given_on``, an open case is in progress, and a review already past moves 14 days
    on; a case no one follows is taken by ``caseworker`` (a sign-in). Returns the
    problems (nothing written when there is one)."""
    case, problems = _checked(con, org_id, household_id, "service_kind", kind,
                              schema.SERVICE_KINDS, "given_on", given_on, today)
    if kind == "cash_aid" and not (amount_cny and amount_cny > 0):
        problems.append(Problem(FORM, None, "amount_cny", amount_cny, "cash_amount_missing"))
    if amount_cny is not None and amount_cny < 0:
        problems.append(Problem(FORM, None, "amount_cny", amount_cny, "below_minimum", "0"))
    elif amount_cny is not None and amount_cny > MAX_AMOUNT:
        problems.append(Problem(FORM, None, "amount_cny", amount_cny, "above_maximum",
                                f"{MAX_AMOUNT:,}"))
    referred = (referred_to or "").strip() or None
    if kind == "referral":
        if referred is None or referred == org_id:
            problems.append(Problem(FORM, None, "referred_to", referred, "referral_missing"))
        elif not store.StoredKeys(con).among("organizations", {referred}):
            problems.append(Problem(FORM, None, "referred_to", referred, "unknown_reference",
                                    "organizations"))
    if problems:
        return problems
    key = case["household_key"]
    status = "in_progress" if case["case_status"] in (None, "open") else case["case_status"]
    review = case["next_review_on"]
    if status in OPEN and (review is None or review <= given_on):
        review = given_on + timedelta(days=REVIEW_DAYS)
    with store.transaction(con, reason="household_service"):
        rounds.upsert(con, schema.HOUSEHOLD_SERVICES, [(
            f"{key}:{uuid.uuid4().hex[:12]}", key, given_on, kind,
            float(amount_cny) if amount_cny else None,
            referred if kind == "referral" else None)])
        rounds.upsert(con, schema.HOUSEHOLD_CASES, [(
            key, status, case["opened_on"] or given_on, case["closed_on"],
            case["close_reason"], _later(case["last_contact_on"], given_on), review,
            case["notes"], case["caseworker"] or caseworker)])
    return []


def _checked(con, org_id: str, household_id: str, column: str, value: str, choices,
             day_column: str, day: date, today: date | None) -> tuple[dict | None, list[Problem]]:
    """The household's case and the problems every change shares: an unknown household
    (another organisation's is not found), a value not among ``choices``, a day after
    ``today`` (today unless given) or before the case opened."""
    today = today or store.now_utc().date()
    case = _case(con, org_id, household_id)
    problems = [] if case is not None else [
        Problem(FORM, None, "household_id", household_id, "unknown_household")]
    if value not in _values(choices):
        problems.append(Problem(FORM, None, column, value, "unknown_value",
                                ", ".join(_values(choices))))
    return case, problems + _day_problems(day_column, day, case, today)


def _day_problems(column: str, day: date, case: dict | None, today: date) -> list[Problem]:
    """A day after today, or before the case opened, is a typo."""
    if day > today:
        return [Problem(FORM, None, column, day.isoformat(), "future_date", today.isoformat())]
    opened = case and case["opened_on"]
    if opened and day < opened:
        return [Problem(FORM, None, column, day.isoformat(), "before_opened", opened.isoformat())]
    return []
