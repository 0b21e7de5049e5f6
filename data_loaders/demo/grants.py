"""Grants from foundations and companies to hubs and partners."""

from __future__ import annotations

import numpy as np

from data_loaders.demo.epidemic import _smooth
from data_loaders.demo.needs import CATEGORY_VALUES
from data_loaders.demo.sampling import _ids, _lognormal
from data_loaders.demo.timeline import N_DAYS

# Volume at scale 1 (grants grow with sqrt(scale)).
N_GRANTS = 300


def _build_grants(rng, regions, curve, org, scale) -> dict[str, np.ndarray]:
    """Grants from foundations and companies to hubs and partners.

    Start dates follow public attention (the case curve); categories lean to
    hospital supplies throughout, even as community needs grow.
    """
    n = max(1, int(round(N_GRANTS * np.sqrt(scale))))
    funders = np.flatnonzero(np.isin(org["org_type"], ("foundation", "company"))
                             & ~org["logistics"])
    funder = funders[rng.choice(len(funders), size=n,
                                p=org["weight"][funders] / org["weight"][funders].sum())]
    hubs = np.flatnonzero(org["org_type"] == "hub")
    partners = np.flatnonzero(org["org_type"] == "partner")
    to_hub = rng.random(n) < 0.35
    recipient = np.where(to_hub, hubs[rng.integers(0, len(hubs), n)],
                         partners[rng.choice(len(partners), size=n,
                                             p=org["weight"][partners]
                                             / org["weight"][partners].sum())])
    attention = _smooth(curve.sum(axis=0, keepdims=True).astype(float))[0] + 50.0
    attention[:3] = 0.0
    attention[66:] = 0.0
    start = rng.choice(N_DAYS, size=n, p=attention / attention.sum()).astype(float)
    end = start + rng.integers(30, 121, n)
    t = start / (N_DAYS - 1)
    early = {"ppe": .35, "medical_equipment": .25, "medicine": .10, "disinfection": .08,
             "food": .06, "daily_necessities": .06, "psychosocial": .03, "livelihood": .02,
             "education": .02, "other": .03}
    late = {"ppe": .25, "medical_equipment": .22, "medicine": .10, "disinfection": .06,
            "food": .08, "daily_necessities": .08, "psychosocial": .06, "livelihood": .06,
            "education": .05, "other": .04}
    cum_e = np.cumsum([early.get(v, 0) for v in CATEGORY_VALUES])
    cum_l = np.cumsum([late.get(v, 0) for v in CATEGORY_VALUES])
    cum = (1 - t)[:, None] * cum_e + t[:, None] * cum_l
    cat = np.array(CATEGORY_VALUES, dtype=object)[
        np.minimum((cum < rng.random(n)[:, None] * cum[:, -1:]).sum(1), len(CATEGORY_VALUES) - 1)]
    amount = np.round(_lognormal(rng, np.where(to_hub, 800_000, 150_000), 0.9, n), -3)
    amount = np.maximum(amount, 5_000.0)
    # The region funded: the partner's prefecture; hubs spread grants by burden.
    pref = np.where(to_hub | (org["pref"][recipient] < 0),
                    rng.choice(regions.n, size=n, p=regions.weights(0.3)),
                    org["pref"][recipient])
    order = np.lexsort((recipient, start))
    g = {"funder": funder, "recipient": recipient, "amount": amount, "category": cat,
         "pref": pref, "start": start, "end": end}
    g = {k: v[order] for k, v in g.items()}
    g["id"] = _ids("GRT", n, 5)
    return g
