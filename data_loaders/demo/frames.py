"""Assembling the schema-ordered DataFrames from the generated columns.

Dates ``datetime64[s]`` (NaT when missing), floats ``float64``, counts ``Int64``,
``designated`` ``boolean``, text pandas ``str``; columns exactly
``TABLES[name].column_names``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_loaders.demo.timeline import _dates
from data_loaders.store.schema import TABLES


def _text(values) -> pd.Series:
    """Text column as pandas ``str`` (None/NaN become missing)."""
    return pd.Series(values, dtype="str")


def _ints(values: np.ndarray) -> pd.Series:
    """Float counts (NaN = missing) as nullable Int64."""
    return pd.Series(np.round(np.asarray(values, dtype=float))).astype("Int64")


def _frame(table: str, columns: dict[str, object]) -> pd.DataFrame:
    """A frame with exactly the schema's columns, in order."""
    names = TABLES[table].column_names
    if set(columns) != set(names):
        raise AssertionError(f"{table}: columns {sorted(set(columns) ^ set(names))} mismatch")
    return pd.DataFrame({c: columns[c] for c in names})


def _org_frame(org) -> pd.DataFrame:
    return _frame("organizations", {
        "org_id": _text(org["id"]), "name": _text(org["name"]),
        "org_type": _text(org["org_type"]), "region": _text(org["region"]),
        "hub_id": _text(org["hub_id"]), "region_adcode": _text(org["region_adcode"]),
        "prefecture_adcode": _text(org["prefecture_adcode"]),
    })


def _facility_frame(fac, regions) -> pd.DataFrame:
    return _frame("facilities", {
        "facility_id": _text(fac["id"]), "name": _text(fac["name"]),
        "facility_type": _text(fac["type"]), "region": _text(fac["cname"]),
        "lat": fac["lat"], "lon": fac["lon"], "coord_system": _text(fac["system"]),
        "capacity": _ints(fac["capacity"]),
        "designated": pd.array(fac["designated"], dtype="boolean"),
        "region_adcode": _text(np.array(regions.adcode, dtype=object)[fac["pref"]]),
        "county_adcode": _text(fac["county"]),
        "map_lat": fac["map_lat"], "map_lon": fac["map_lon"],
    })


def _ref(ids, idx: np.ndarray) -> pd.Series:
    """Ids at ``idx`` (missing where idx is -1)."""
    return pd.Series(ids.take(np.asarray(idx, dtype=np.int64), allow_fill=True))


def _need_frame(need, fac, org) -> pd.DataFrame:
    return _frame("needs", {
        "need_id": _text(need["id"]), "facility_id": _text(fac["id"][need["facility"]]),
        "reported_by": _ref(org["id"], need["reporter"]),
        "reported_on": _dates(need["day"]), "category": _text(need["category"]),
        "item": _text(need["item"]), "quantity": need["quantity"].astype(float),
        "unit": _text(need["unit"]), "priority": _text(need["priority"]),
        "beneficiary_group": _text(need["beneficiary"]), "status": _text(need["status"]),
        "closed_on": _dates(need["closed"]),
    })


def _delivery_frame(dl, need, fac, org) -> pd.DataFrame:
    return _frame("deliveries", {
        "delivery_id": _text(dl["id"]), "need_id": _ref(need["id"], dl["need"]),
        "facility_id": _text(fac["id"][dl["facility"]]),
        "supplier_id": _ref(org["id"], dl["supplier"]),
        "carrier_id": _ref(org["id"], dl["carrier"]),
        "category": _text(dl["category"]), "item": _text(dl["item"]),
        "quantity": dl["quantity"].astype(float), "unit": _text(dl["unit"]),
        "dispatched_on": _dates(dl["dispatched"]), "expected_on": _dates(dl["expected"]),
        "delivered_on": _dates(dl["delivered"]), "status": _text(dl["status"]),
        # Set by the store; the demo's failed deliveries arrive failed (failed on every day).
        "failed_recorded_on": _dates(np.full(len(dl["id"]), np.nan)),
    })


def _grant_frame(g, org, regions) -> pd.DataFrame:
    code = np.array(regions.adcode, dtype=object)[g["pref"]]
    return _frame("grants", {
        "grant_id": _text(g["id"]), "funder_id": _text(org["id"][g["funder"]]),
        "recipient_id": _text(org["id"][g["recipient"]]), "amount_cny": g["amount"],
        "category": _text(g["category"]), "region": _text(code),
        "start_on": _dates(g["start"]), "end_on": _dates(g["end"]),
        "region_adcode": _text(code),
    })


def _activity_frame(a, org, regions) -> pd.DataFrame:
    return _frame("activities", {
        "report_id": _text(a["id"]), "org_id": _text(org["id"][a["org"]]),
        "reported_on": _dates(a["day"]), "region": _text(a["region"]),
        "activity_type": _text(a["type"]), "people_served": _ints(a["people"]),
        "volunteers": _ints(a["volunteers"]),
        "region_adcode": _text(np.array(regions.adcode, dtype=object)[a["pref"]]),
        # What was distributed is asked of partners filing on the Report page; the demo's
        # generated reports do not say it.
        "category": None, "item": None, "quantity": np.nan, "unit": None,
    })
