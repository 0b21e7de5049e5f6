"""What the Report page (填报) reads to offer its choices: the organisation a person files
for, the facilities of a region, the open needs a delivery or pledge can answer and the
pledges already on them (issue 15). Plain Python: every function is a registered query,
read through the gate like the other analyses.
"""

from __future__ import annotations

import pandas as pd

from dashboard.access import query

# The choices a form offers are capped: a phone cannot scroll ten thousand facilities,
# and the person narrows by region first.
MAX_CHOICES = 2000


@query("partner")
def organisations(con) -> pd.DataFrame:
    """Every organisation's id, name, type and region code (who files, and for whom)."""
    return con.execute("SELECT org_id, name, org_type, region_adcode, hub_id "
                       "FROM organizations ORDER BY org_type, name").df()


@query("facility")
def facilities_in(con, prefecture: str | None = None, org_id: str | None = None
                  ) -> pd.DataFrame:
    """Facilities a form may name: those of ``prefecture`` (a prefecture adcode), with
    the ones ``org_id`` has already reported needs or deliveries at listed first."""
    params: list = [org_id, org_id, org_id]
    where = ""
    if prefecture:
        where = "WHERE f.region_adcode = ?"
        params.append(prefecture)
    params.append(MAX_CHOICES)
    return con.execute(
        "SELECT f.facility_id, f.name, f.facility_type, f.region_adcode, f.county_adcode, "
        "(f.facility_id IN (SELECT facility_id FROM needs WHERE reported_by = ?) OR "
        " f.facility_id IN (SELECT facility_id FROM deliveries WHERE supplier_id = ? "
        "                   OR carrier_id = ?)) AS own "
        f"FROM facilities f {where} ORDER BY own DESC, f.name LIMIT ?",
        params).df()


@query("facility")
def open_needs_in(con, prefecture: str | None = None) -> pd.DataFrame:
    """Open needs (of ``prefecture``, or everywhere) with their facility, and the open
    pledges on each (who, how much, until when): what a delivery or a pledge answers,
    and what others have already claimed."""
    params: list = []
    where = "n.status = 'open'"
    if prefecture:
        where += " AND f.region_adcode = ?"
        params.append(prefecture)
    return con.execute(
        "WITH claims AS (SELECT p.need_id, string_agg(coalesce(o.name, p.org_id), '、' "
        "ORDER BY p.due_on) AS claimed_by, max(p.due_on) AS claimed_until, "
        "sum(p.quantity) AS claimed_quantity FROM pledges p LEFT JOIN organizations o "
        "ON o.org_id = p.org_id WHERE p.pledge_status = 'open' GROUP BY p.need_id) "
        "SELECT n.need_id, n.facility_id, f.name AS facility, n.category, n.item, "
        "n.quantity, n.unit, n.priority, n.reported_on, n.reported_by, c.claimed_by, "
        "c.claimed_until, c.claimed_quantity FROM needs n JOIN facilities f USING (facility_id) "
        f"LEFT JOIN claims c ON c.need_id = n.need_id WHERE {where} "
        "ORDER BY n.priority = 'urgent' DESC, n.reported_on DESC, n.need_id "
        "LIMIT ?", [*params, MAX_CHOICES]).df()


@query("facility")
def pledge_state(con, as_of, pending: bool = False) -> pd.DataFrame:
    """Every open pledge with its need, organisation and whether it is past its date at
    ``as_of`` without a delivery from the pledging organisation (``expired``): the hub is
    told, and the need is no longer shown as covered. With ``pending``, the pledges
    waiting for the hub's review too (``waiting`` true; never expired, never counted)."""
    frame = con.execute(
        "SELECT p.pledge_id, p.need_id, p.org_id, o.name AS organisation, p.quantity, "
        "p.unit, p.pledged_on, p.due_on, n.facility_id, f.name AS facility, "
        "f.region_adcode, n.item, (p.due_on < CAST(? AS DATE) AND NOT EXISTS (SELECT 1 FROM deliveries d "
        " WHERE d.need_id = p.need_id AND (d.supplier_id = p.org_id OR d.carrier_id = "
        " p.org_id) AND d.status IN ('delivered', 'in_transit'))) AS expired, "
        "false AS waiting "
        "FROM pledges p JOIN needs n USING (need_id) JOIN facilities f ON "
        "f.facility_id = n.facility_id LEFT JOIN organizations o ON o.org_id = p.org_id "
        "WHERE p.pledge_status = 'open' AND p.pledged_on <= CAST(? AS DATE) "
        "ORDER BY expired DESC, p.due_on", [as_of, as_of]).df()
    if not pending:
        return frame
    # What waits is kept as the filer typed it (JSON text): read in the analytics engine.
    waiting = con.execute(
        "SELECT s.record_key AS pledge_id, s.record->>'need_id' AS need_id, s.org_id, "
        "o.name AS organisation, TRY_CAST(s.record->>'quantity' AS DOUBLE) AS quantity, "
        "s.record->>'unit' AS unit, TRY_CAST(s.record->>'pledged_on' AS DATE) AS pledged_on, "
        "TRY_CAST(s.record->>'due_on' AS DATE) AS due_on, NULL AS facility_id, "
        "NULL AS facility, "
        "NULL AS region_adcode, NULL AS item, false AS expired, true AS waiting "
        "FROM submissions s LEFT JOIN organizations o ON o.org_id = s.org_id "
        "WHERE s.table_name = 'pledges' AND s.status = 'submitted'").df()
    return pd.concat([frame, waiting], ignore_index=True) if not waiting.empty else frame


@query("facility")
def pending_deliveries(con) -> pd.DataFrame:
    """Deliveries a partner reported for a need that wait for the hub's review: shown
    beside the need as reported but unconfirmed, never counted as delivered."""
    return con.execute(
        "SELECT s.record_key AS delivery_id, s.record->>'need_id' AS need_id, s.org_id, "
        "o.name AS organisation, TRY_CAST(s.record->>'quantity' AS DOUBLE) AS quantity, "
        "s.record->>'unit' AS unit, s.record->>'status' AS status "
        "FROM submissions s LEFT JOIN organizations o ON o.org_id = s.org_id "
        "WHERE s.table_name = 'deliveries' AND s.status = 'submitted' "
        "AND s.record->>'need_id' IS NOT NULL ORDER BY s.submitted_at").df()


@query("facility")
def names(con, refs: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """What a person reads for the records ``refs`` names ({table: [key, ...]}): an
    organisation's or facility's name, a need's facility and item (``江汉医院 · N95口罩``)
    — never the ids themselves."""
    out: dict[str, dict[str, str]] = {}
    for table, wanted in refs.items():
        wanted = sorted({k for k in wanted if k})
        if not wanted:
            continue
        marks = ", ".join("?" for _ in wanted)
        if table == "needs":
            sql = ("SELECT n.need_id, f.name || ' · ' || coalesce(n.item, n.category) FROM "
                   f"needs n JOIN facilities f USING (facility_id) WHERE n.need_id IN ({marks})")
        elif table == "organizations":
            sql = f"SELECT org_id, name FROM organizations WHERE org_id IN ({marks})"
        elif table == "facilities":
            sql = f"SELECT facility_id, name FROM facilities WHERE facility_id IN ({marks})"
        else:
            continue
        out[table] = dict(con.execute(sql, wanted).fetchall())
    return out


# Blank rows of each sheet of the offline workbook a partner fills.
WORKBOOK_ROWS = {"needs": 10, "deliveries": 10, "pledges": 10, "facilities": 5}


@query("facility", scope="org_id")
def workbook_frames(con, org_id: str, day) -> dict[str, pd.DataFrame]:
    """What the offline workbook of ``org_id`` holds (dashboard.present.workbook writes
    it): per sheet to fill (data_loaders.ingest.submissions.WORKBOOK_SHEETS) its columns
    with the organisation and the day filled in, one activity report for ``day``; and as
    references its facilities and the open needs of its prefecture. Columns are the
    schema's names; the writer gives them their Chinese headers."""
    from data_loaders.ingest.submissions import WORKBOOK_SHEETS
    from data_loaders.store import schema

    org = con.execute("SELECT region, prefecture_adcode FROM organizations WHERE org_id = ?",
                      [org_id]).fetchall()
    region, prefecture = org[0] if org else (None, None)
    filled = {"activities": {"org_id": org_id, "reported_on": day, "region": region},
              "needs": {"reported_by": org_id, "reported_on": day},
              "deliveries": {"carrier_id": org_id},
              "pledges": {"org_id": org_id, "pledged_on": day},
              "facilities": {}}
    sheets: dict[str, pd.DataFrame] = {}
    for sheet, table in WORKBOOK_SHEETS.items():
        columns = [c.name for c in schema.TABLES[table].input_columns]
        rows = WORKBOOK_ROWS.get(table, 1)
        sheets[sheet] = pd.DataFrame([{c: filled[table].get(c) for c in columns}] * rows,
                                     columns=columns)
    sheets["参考-本机构设施"] = facilities_in(con, prefecture, org_id)[
        ["facility_id", "name", "facility_type", "own"]]
    sheets["参考-未满足需求"] = open_needs_in(con, prefecture)[
        ["need_id", "facility", "category", "item", "quantity", "unit", "priority",
         "claimed_by", "claimed_until"]]
    return sheets
