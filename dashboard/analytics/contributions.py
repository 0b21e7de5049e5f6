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
    return con.execute(
        "SELECT f.facility_id, f.name, f.facility_type, f.region_adcode, f.county_adcode, "
        "(f.facility_id IN (SELECT facility_id FROM needs WHERE reported_by = ?) OR "
        " f.facility_id IN (SELECT facility_id FROM deliveries WHERE supplier_id = ? "
        "                   OR carrier_id = ?)) AS own "
        f"FROM facilities f {where} ORDER BY own DESC, f.name LIMIT {MAX_CHOICES}",
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
        "ON o.org_id = p.org_id WHERE p.status = 'open' GROUP BY p.need_id) "
        "SELECT n.need_id, n.facility_id, f.name AS facility, n.category, n.item, "
        "n.quantity, n.unit, n.priority, n.reported_on, n.reported_by, c.claimed_by, "
        "c.claimed_until, c.claimed_quantity FROM needs n JOIN facilities f USING (facility_id) "
        f"LEFT JOIN claims c ON c.need_id = n.need_id WHERE {where} "
        f"ORDER BY n.priority = 'urgent' DESC, n.reported_on DESC, n.need_id "
        f"LIMIT {MAX_CHOICES}", params).df()


@query("facility")
def pledge_state(con, as_of) -> pd.DataFrame:
    """Every open pledge with its need, organisation and whether it is past its date at
    ``as_of`` without a delivery from the pledging organisation (``expired``): the hub is
    told, and the need is no longer shown as covered."""
    return con.execute(
        "SELECT p.pledge_id, p.need_id, p.org_id, o.name AS organisation, p.quantity, "
        "p.unit, p.pledged_on, p.due_on, f.name AS facility, f.region_adcode, n.item, "
        "(p.due_on < CAST(? AS DATE) AND NOT EXISTS (SELECT 1 FROM deliveries d "
        " WHERE d.need_id = p.need_id AND (d.supplier_id = p.org_id OR d.carrier_id = "
        " p.org_id) AND d.status IN ('delivered', 'in_transit'))) AS expired "
        "FROM pledges p JOIN needs n USING (need_id) JOIN facilities f ON "
        "f.facility_id = n.facility_id LEFT JOIN organizations o ON o.org_id = p.org_id "
        "WHERE p.status = 'open' AND p.pledged_on <= CAST(? AS DATE) "
        "ORDER BY expired DESC, p.due_on", [as_of, as_of]).df()


@query("facility")
def names(con, keys: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """What a person reads for the records ``keys`` names ({table: [key, ...]}): an
    organisation's or facility's name, a need's facility and item (``江汉医院 · N95口罩``)
    — never the ids themselves."""
    out: dict[str, dict[str, str]] = {}
    for table, wanted in keys.items():
        wanted = sorted({k for k in wanted if k})
        if not wanted:
            continue
        marks = ", ".join("?" for _ in wanted)
        if table == "needs":
            sql = ("SELECT n.need_id, f.name || ' · ' || coalesce(n.item, n.category) FROM "
                   f"needs n JOIN facilities f USING (facility_id) WHERE n.need_id IN ({marks})")
        elif table in ("organizations", "facilities"):
            key = "org_id" if table == "organizations" else "facility_id"
            sql = f"SELECT {key}, name FROM {table} WHERE {key} IN ({marks})"
        else:
            continue
        out[table] = dict(con.execute(sql, wanted).fetchall())
    return out
