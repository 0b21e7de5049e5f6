"""``build_demo``: run the generators in order on one rng and assemble the frames.

The order of the calls below fixes the order of the random draws: changing it
changes every frame of a given seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_loaders.demo.activities import _build_activities
from data_loaders.demo.deliveries import _build_deliveries, _close_needs
from data_loaders.demo.epidemic import _curve_matrix, epidemic_curve
from data_loaders.demo.facilities import _build_facilities
from data_loaders.demo.frames import (
    _activity_frame,
    _delivery_frame,
    _facility_frame,
    _grant_frame,
    _need_frame,
    _org_frame,
)
from data_loaders.demo.grants import _build_grants
from data_loaders.demo.needs import _build_needs
from data_loaders.demo.organizations import _build_orgs
from data_loaders.demo.regions import _load_regions


def build_demo(seed: int = 7, scale: float = 1.0,
               province: str | None = None) -> dict[str, pd.DataFrame]:
    """Build the demo scenario: the first COVID-19 wave, 2020-01-20 to 2020-03-31.

    Parameters
    ----------
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives identical frames.
    scale : float
        Multiplies the volumes of facilities, needs, deliveries and activities.
        Partners and grants grow with ``sqrt(scale)``; hubs, funders, carriers,
        regions and populations do not change.
    province : str, optional
        Province adcode; default from ``LIFELINE_PROVINCE`` (Hubei, 420000). Outside
        Hubei case totals are proportional to population.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``organizations``, ``facilities``, ``needs``, ``deliveries``, ``grants``,
        ``activities`` and ``case_counts``, each with exactly ``TABLES[name].column_names``. Dates are
        ``datetime64[s]`` (NaT when missing), counts ``Int64``, ``designated``
        ``boolean``, text pandas ``str``.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    from geo.regions import load_registry

    registry = load_registry()
    rng = np.random.default_rng(seed)
    regions = _load_regions(province, registry)
    curve = _curve_matrix(regions)
    org = _build_orgs(rng, regions, scale, registry)
    fac = _build_facilities(rng, regions, scale)
    need = _build_needs(rng, regions, curve, fac, org, scale)
    dl = _build_deliveries(rng, regions, curve, fac, org, need, scale)
    _close_needs(rng, need, dl)
    grants = _build_grants(rng, regions, curve, org, scale)
    acts = _build_activities(rng, regions, org, scale)
    frames = {
        "organizations": _org_frame(org),
        "facilities": _facility_frame(fac, regions),
        "needs": _need_frame(need, fac, org),
        "deliveries": _delivery_frame(dl, need, fac, org),
        "grants": _grant_frame(grants, org, regions),
        "activities": _activity_frame(acts, org, regions),
        "case_counts": _case_frame(province, registry),
    }
    frames["pledges"] = _pledge_frame(frames["needs"], frames["organizations"], seed)
    return frames


def _pledge_frame(needs: pd.DataFrame, orgs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Pledges (认领) by foundations and companies on one in twenty of the urgent needs
    still open, each due three days after it was made, two days after the need.

    Drawn from their own generator, so adding them changed none of the other frames.
    """
    from data_loaders.store.schema import PLEDGES

    rng = np.random.default_rng(seed + 15)
    donors = orgs.loc[orgs["org_type"].isin(["foundation", "company"]), "org_id"].to_numpy()
    wanted = needs[(needs["status"] == "open") & (needs["priority"] == "urgent")]
    chosen = wanted.iloc[np.flatnonzero(rng.random(len(wanted)) < 0.05)]
    if chosen.empty or len(donors) == 0:
        return pd.DataFrame({c.name: pd.Series(dtype=object) for c in PLEDGES.columns})[
            PLEDGES.column_names]
    pledged = pd.to_datetime(chosen["reported_on"]) + pd.Timedelta(days=2)
    frame = pd.DataFrame({
        "pledge_id": [f"PLG-{i:05d}" for i in range(1, len(chosen) + 1)],
        "need_id": chosen["need_id"].to_numpy(),
        "org_id": rng.choice(donors, len(chosen)),
        "quantity": np.ceil(chosen["quantity"].to_numpy(dtype=float) / 2),
        "unit": chosen["unit"].to_numpy(),
        "pledged_on": pledged.dt.date.to_numpy(),
        "due_on": (pledged + pd.Timedelta(days=3)).dt.date.to_numpy(),
        "pledge_status": "open",
    })
    for column in ("pledged_on", "due_on"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame[PLEDGES.column_names]


def _case_frame(province: str | None, registry) -> pd.DataFrame:
    """Daily cumulative confirmed cases per region, from the same curve the needs follow.

    Drawn without the rng, so adding it changed none of the other frames.
    """
    from data_loaders.store.schema import CASE_COUNTS

    curve = epidemic_curve(province, registry)
    dates = pd.to_datetime(curve["date"]).astype("datetime64[s]")
    frame = pd.DataFrame({
        "case_id": curve["region_adcode"] + ":" + dates.dt.strftime("%Y-%m-%d"),
        "date": dates,
        "region": curve["region_adcode"],
        "confirmed_cum": pd.array(curve["cumulative"], dtype="Int64"),
        "cured_cum": pd.array([None] * len(curve), dtype="Int64"),
        "dead_cum": pd.array([None] * len(curve), dtype="Int64"),
        "new_confirmed": pd.array(curve["new_cases"], dtype="Int64"),
        "region_adcode": curve["region_adcode"],
    })
    return frame[CASE_COUNTS.column_names]
