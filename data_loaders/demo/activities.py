"""Activity reports of hubs, partners and volunteer teams, with uneven cadence."""

from __future__ import annotations

import numpy as np

from data_loaders.demo.sampling import _draw, _ids, _lognormal

# Volume at scale 1.
N_ACTIVITIES = 8_000

ACTIVITY_MIX = {
    "partner": {"distribution": .35, "disinfection": .12, "counselling": .10, "hotline": .10,
                "transport": .12, "volunteer_mobilisation": .13, "other": .08},
    "volunteer_team": {"transport": .45, "distribution": .30, "volunteer_mobilisation": .15,
                       "other": .10},
    "hub": {"volunteer_mobilisation": .30, "distribution": .30, "transport": .15,
            "hotline": .10, "counselling": .05, "other": .10},
}
# Median people served and volunteers per report, by activity type.
ACTIVITY_SIZE = {"distribution": (300, 12), "disinfection": (500, 6), "counselling": (15, 3),
                 "hotline": (60, 5), "transport": (40, 8), "volunteer_mobilisation": (80, 30),
                 "other": (50, 5)}


def _build_activities(rng, regions, org, scale) -> dict[str, np.ndarray]:
    """Activity reports with uneven cadence; silent partners never report."""
    reporting = np.flatnonzero(np.isin(org["org_type"], tuple(ACTIVITY_MIX)) & ~org["silent"])
    span = org["end"][reporting] - org["start"][reporting]
    lam = org["weight"][reporting] * span
    lam = lam * (N_ACTIVITIES * scale / lam.sum())
    counts = rng.poisson(lam)
    who = np.repeat(reporting, counts)
    n = len(who)
    day = np.floor(org["start"][who] + rng.random(n) * (org["end"][who] - org["start"][who]))

    # Hubs (and any organisation based outside) work across the province by burden.
    pref = org["pref"][who].copy()
    roaming = pref < 0
    pref[roaming] = rng.choice(regions.n, size=int(roaming.sum()), p=regions.weights(0.3))
    pref[org["org_type"][who] == "hub"] = rng.choice(
        regions.n, size=int((org["org_type"][who] == "hub").sum()), p=regions.weights(0.3))
    region = np.array(regions.name, dtype=object)[pref]
    county_level = rng.random(n) < 0.55  # many reports name the district, not the city
    for r in np.unique(pref[county_level]):
        m = county_level & (pref == r)
        names = np.array([c[1] for c in regions.counties[r]], dtype=object)
        region[m] = names[rng.integers(0, len(names), int(m.sum()))]

    kind = np.empty(n, dtype=object)
    for org_type, mix in ACTIVITY_MIX.items():
        m = org["org_type"][who] == org_type
        kind[m] = _draw(rng, mix, int(m.sum()))
    sizes = np.array([ACTIVITY_SIZE[k] for k in kind], dtype=float).reshape(-1, 2)
    people = np.maximum(1, np.round(_lognormal(rng, sizes[:, 0], 0.9, n)))
    vols = np.maximum(1, np.round(_lognormal(rng, sizes[:, 1], 0.7, n)))
    people[rng.random(n) < 0.05] = np.nan
    vols[rng.random(n) < 0.08] = np.nan
    order = np.lexsort((who, day))
    a = {"org": who, "day": day, "region": region, "pref": pref, "type": kind,
         "people": people, "volunteers": vols}
    a = {k: v[order] for k, v in a.items()}
    a["id"] = _ids("ACT", n, 7)
    return a
