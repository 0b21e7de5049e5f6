"""Needs reported at facilities, following each region's epidemic curve.

Each need belongs to a context (hospital-like, quarantine site or community) whose
timing, category mix, items and beneficiaries differ; see ``names`` for the mixes.
"""

from __future__ import annotations

import numpy as np

from data_loaders.demo import names as nm
from data_loaders.demo.epidemic import _shift, _smooth
from data_loaders.demo.regions import _Regions
from data_loaders.demo.sampling import _draw, _GroupSampler, _ids, _lognormal, _pick_active
from data_loaders.demo.timeline import (
    DAY_LOCKDOWN,
    DAY_MAKESHIFT_CLOSED,
    DAY_MAKESHIFT_OPEN,
    N_DAYS,
)
from data_loaders.store.schema import CATEGORIES, PRIORITIES

# Volume at scale 1.
N_NEEDS = 12_500

# Which context a facility type reports needs in: h(ospital), q(uarantine), c(ommunity).
CONTEXT_OF_TYPE = {"hospital": "h", "makeshift_hospital": "h", "quarantine_site": "q",
                   "community": "c", "village": "c", "warehouse": ""}
CONTEXTS = ("h", "q", "c")
CATEGORY_VALUES = tuple(c.value for c in CATEGORIES)


def _need_intensity(regions: _Regions, curve: np.ndarray) -> np.ndarray:
    """Relative number of needs per (context, region, day), summing to 1.

    Hospital and quarantine needs follow the case curve a few days late (smoothed so
    the 2020-02-12 reclassification does not create a burst of needs); community
    needs ramp up with the lockdown and stay high while it lasts.
    """
    share = curve / np.maximum(curve.sum(axis=1, keepdims=True), 1)
    days = np.arange(N_DAYS)
    base = (days >= DAY_LOCKDOWN) * 0.004  # some needs every day once the crisis is on
    med = _shift(_smooth(share), 3) + base
    quar = _shift(_smooth(share, 11), 5) + base
    ramp = 1 / (1 + np.exp(-(days - 20) / 4.0))  # closed management from ~2020-02-09
    comm = np.tile(ramp, (regions.n, 1))
    outside_wuhan = np.array([c != "420100" for c in regions.adcode])
    comm[outside_wuhan, 65:] *= 0.6  # Hubei outside Wuhan reopened from 2020-03-25
    parts = []
    for shape_, share_, pop_share in ((med, 0.40, 0.2), (quar, 0.10, 0.3), (comm, 0.50, 0.6)):
        s = shape_ / shape_.sum(axis=1, keepdims=True)
        parts.append(share_ * regions.weights(pop_share)[:, None] * s)
    p = np.stack(parts)
    return p / p.sum()


def _sample_category(rng, ctx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Category per need from the context's mix, drifting from early to late."""
    cat = np.empty(len(ctx), dtype=f"U{max(map(len, CATEGORY_VALUES))}")
    t = day / (N_DAYS - 1)
    for c in CONTEXTS:
        m = ctx == c
        early, late = (np.array([mix.get(v, 0.0) for v in CATEGORY_VALUES])
                       for mix in nm.CATEGORY_MIX[c])
        cum = (1 - t[m])[:, None] * np.cumsum(early / early.sum()) + \
            t[m][:, None] * np.cumsum(late / late.sum())
        idx = (cum < rng.random(int(m.sum()))[:, None]).sum(axis=1)
        cat[m] = np.array(CATEGORY_VALUES)[np.minimum(idx, len(CATEGORY_VALUES) - 1)]
    return cat


def _sample_items(rng, ctx: np.ndarray, cat: np.ndarray) -> dict[str, np.ndarray]:
    """Item, unit, quantity and beneficiary group per (context, category)."""
    n = len(ctx)
    every = [it for items in nm.ITEMS.values() for it in items]
    out = {"item": np.full(n, "", dtype=f"U{max(len(it[0]) for it in every)}"),
           "unit": np.full(n, "", dtype=f"U{max(len(it[1]) for it in every)}"),
           "quantity": np.zeros(n), "beneficiary": np.full(n, "", dtype="U17")}
    # Communities ask for smaller lots of the same goods than hospitals.
    factor = {"h": 1.0, "q": 0.5, "c": 0.3}
    for c in CONTEXTS:
        in_ctx = ctx == c
        for category, items in nm.ITEMS.items():
            idx = np.flatnonzero(in_ctx & (cat == category))
            if not len(idx):
                continue
            fitting = [it for it in items if c in it[5]] or list(items)
            pick = rng.integers(0, len(fitting), len(idx))
            columns = zip(*fitting, strict=True)
            name, unit, median, sigma, step, _ = (np.array(col) for col in columns)
            median = median.astype(float) * (factor[c] if len(fitting) > 1 else 1.0)
            step = step.astype(float)[pick]
            raw = _lognormal(rng, median[pick], sigma.astype(float)[pick], len(idx))
            out["item"][idx] = name[pick]
            out["unit"][idx] = unit[pick]
            out["quantity"][idx] = np.maximum(step, np.round(raw / step) * step)
            groups = nm.BENEFICIARIES[c].get(category, nm.BENEFICIARIES[c]["*"])
            out["beneficiary"][idx] = _draw(rng, groups, len(idx))
    return out


POOLS = ("hospital", "makeshift_hospital", "quarantine_site", "neighbourhood")
POOL_OF_TYPE = {"hospital": 0, "makeshift_hospital": 1, "quarantine_site": 2,
                "community": 3, "village": 3, "warehouse": -1}


def _build_needs(rng, regions, curve, fac, org, scale) -> dict[str, np.ndarray]:
    """Needs reported at facilities, following each region's epidemic curve."""
    n = max(1, int(round(N_NEEDS * scale)))
    p = _need_intensity(regions, curve)
    cell = rng.choice(p.size, size=n, p=p.ravel())
    side, r, day = np.unravel_index(cell, p.shape)
    day = day.astype(float)

    # Which pool of facilities answers: makeshift hospitals take part of the hospital
    # needs while they are open.
    pool = np.array([0, 2, 3])[side]
    open_makeshift = (day >= DAY_MAKESHIFT_OPEN) & (day <= DAY_MAKESHIFT_CLOSED)
    pool[(side == 0) & open_makeshift & (rng.random(n) < 0.3)] = 1
    fac_pool = np.array([POOL_OF_TYPE[t] for t in fac["type"]])
    sampler = _GroupSampler(fac["pref"] * len(POOLS) + np.maximum(fac_pool, 0),
                            np.where(fac_pool >= 0, fac["weight"], 0.0),
                            regions.n * len(POOLS))
    facility = sampler.sample(rng, r * len(POOLS) + pool)
    for fallback in (0, 3):  # a region without that pool: its hospitals, then communities
        miss = facility < 0
        facility[miss] = sampler.sample(rng, r[miss] * len(POOLS) + fallback)

    ctx = np.array([CONTEXT_OF_TYPE[t] for t in fac["type"]])[facility]
    cat = _sample_category(rng, ctx, day)
    items = _sample_items(rng, ctx, cat)
    prio = {"h": (.30, .35, .35), "q": (.15, .30, .55), "c": (.13, .27, .60)}
    priority = np.empty(n, dtype=object)
    for c, probs in prio.items():
        m = ctx == c
        priority[m] = _draw(rng, tuple(pc.value for pc in PRIORITIES), int(m.sum()), probs)

    # Reported by a partner working in the region that day, or by the facility itself.
    reporter = _partner_on_duty(rng, org, regions, r, day)
    reporter[rng.random(n) < 0.12] = -1

    order = np.lexsort((facility, day))  # ids in reporting order
    need = {"facility": facility, "pref": r, "day": day, "ctx": ctx, "category": cat,
            "priority": priority, "reporter": reporter, **items}
    need = {k: v[order] for k, v in need.items()}
    need["id"] = _ids("NEED", n, 7)
    return need


def _partner_on_duty(rng, org, regions, pref: np.ndarray, day: np.ndarray) -> np.ndarray:
    """A non-silent partner of the region active on ``day`` (index into org), or -1."""
    is_partner = (org["org_type"] == "partner") & ~org["silent"]
    sampler = _GroupSampler(np.maximum(org["pref"], 0),
                            np.where(is_partner & (org["pref"] >= 0), org["weight"], 0.0),
                            regions.n)
    return _pick_active(rng, sampler, pref, day, org["start"], org["end"])
