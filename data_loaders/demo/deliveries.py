"""Deliveries answering needs, their supply chain and schedule, and closing the needs.

Hospitals were served quickly and generously in 2020 (plus unsolicited donations);
community needs waited longer, and third-party logistics ran late.
"""

from __future__ import annotations

import numpy as np

from data_loaders.demo.needs import _need_intensity, _partner_on_duty, _sample_items
from data_loaders.demo.sampling import (
    _draw,
    _GroupSampler,
    _ids,
    _lognormal,
    _within_group_index,
)
from data_loaders.demo.timeline import N_DAYS


def _build_deliveries(rng, regions, curve, fac, org, need, scale) -> dict[str, np.ndarray]:
    """Deliveries answering needs (plus unsolicited donations to hospitals)."""
    ctx = need["ctx"]
    # Hospitals are served more often, more times and with more than they asked for.
    served = rng.random(len(ctx)) < np.select([ctx == "h", ctx == "q"], [0.92, 0.8], 0.55)
    k = np.where(served, 1 + rng.poisson(np.select([ctx == "h", ctx == "q"], [0.7, 0.3],
                                                   0.25)), 0)
    owner = np.repeat(np.arange(len(ctx)), k)
    j = _within_group_index(k)
    coverage = _lognormal(rng, np.select([ctx == "h", ctx == "q"], [1.15, 1.0], 0.85),
                          0.35, len(ctx))
    share = rng.gamma(2.0, 1.0, len(owner))
    share_sum = np.bincount(owner, weights=share, minlength=len(ctx))
    qty = need["quantity"][owner] * coverage[owner] * share / share_sum[owner]
    step = np.where(need["quantity"][owner] >= 100, 10.0, 1.0)
    qty = np.maximum(1.0, np.round(qty / step) * step)

    # Dispatch lag after reporting: quick for hospitals, slow for communities; later
    # deliveries of the same need follow after further gaps.
    first_lag = 1 + rng.gamma(2.0, np.select([ctx == "h", ctx == "q"], [1.0, 1.5], 3.0))
    gaps = np.where(j == 0, first_lag[owner], rng.gamma(1.5, 2.5, len(owner)))
    running = np.cumsum(gaps)
    lag = running - np.repeat((running - gaps)[(np.cumsum(k) - k)[k > 0]], k[k > 0])
    dispatch = need["day"][owner] + np.maximum(1, np.round(lag))

    linked = {"need": owner, "facility": need["facility"][owner], "ctx": ctx[owner],
              "category": need["category"][owner], "item": need["item"][owner],
              "unit": need["unit"][owner], "quantity": qty, "dispatch": dispatch}
    extra = _unsolicited(rng, regions, curve, fac, int(round(0.12 * len(owner))))
    dl = {key: np.concatenate([linked[key], extra[key]]) for key in linked}
    _assign_supply_chain(rng, dl, fac, org, regions)
    _schedule(rng, dl, org)

    keep = ~np.isnan(dl.pop("drop_if_nan"))
    dl = {key: v[keep] for key, v in dl.items()}
    first = np.where(np.isnan(dl["dispatched"]), dl["expected"], dl["dispatched"])
    order = np.lexsort((dl["facility"], first))
    dl = {key: v[order] for key, v in dl.items()}
    dl["id"] = _ids("DLV", len(order), 7)
    return dl


def _unsolicited(rng, regions, curve, fac, n: int) -> dict[str, np.ndarray]:
    """Donations sent to hospitals without a recorded need (common in early 2020)."""
    p = _need_intensity(regions, curve)[0]
    r, day = np.unravel_index(rng.choice(p.size, size=n, p=(p / p.sum()).ravel()), p.shape)
    hosp = np.isin(fac["type"], ("hospital", "makeshift_hospital"))
    sampler = _GroupSampler(fac["pref"], np.where(hosp, fac["weight"], 0.0), regions.n)
    facility = sampler.sample(rng, r)
    ok = facility >= 0
    facility, day = facility[ok], day[ok].astype(float)
    cat = _draw(rng, {"ppe": .5, "medical_equipment": .2, "disinfection": .15,
                      "medicine": .1, "food": .05}, len(facility)).astype(str)
    ctx = np.full(len(facility), "h")
    items = _sample_items(rng, ctx, cat)
    return {"need": np.full(len(facility), -1), "facility": facility, "ctx": ctx,
            "category": cat, "item": items["item"], "unit": items["unit"],
            "quantity": items["quantity"], "dispatch": day}


def _assign_supply_chain(rng, dl, fac, org, regions) -> None:
    """Supplier (foundation/company/hub) and carrier (partner or logistics company)."""
    n = len(dl["need"])
    ctx = dl["ctx"]
    kind = np.select([org["org_type"] == "foundation",
                      (org["org_type"] == "company") & ~org["logistics"],
                      org["org_type"] == "hub"], [0, 1, 2], -1)
    # Foundations and companies favour hospitals; hubs carry the community side.
    mix = {"h": (.5, .3, .2), "q": (.3, .2, .5), "c": (.2, .25, .55)}
    want = np.zeros(n, dtype=int)
    for c, probs in mix.items():
        m = ctx == c
        want[m] = rng.choice(3, size=int(m.sum()), p=probs)
    suppliers = _GroupSampler(np.maximum(kind, 0), np.where(kind >= 0, org["weight"], 0.0), 3)
    dl["supplier"] = suppliers.sample(rng, want)

    pref = fac["pref"][dl["facility"]]
    from_outside = org["pref"][dl["supplier"]] < 0
    p_partner = np.select([ctx == "h", ctx == "q"], [0.5, 0.6], 0.75) * \
        np.where(from_outside, 0.6, 1.0)
    carrier = np.full(n, -1)
    local = rng.random(n) < p_partner
    carrier[local] = _partner_on_duty(rng, org, regions, pref[local], dl["dispatch"][local])
    logistics = np.flatnonzero(org["logistics"])
    need_3pl = carrier < 0
    carrier[need_3pl] = logistics[rng.integers(0, len(logistics), int(need_3pl.sum()))]
    dl["carrier"] = carrier


def _schedule(rng, dl, org) -> None:
    """Expected and actual delivery days, and the status as of DEMO_END.

    Third-party logistics ran late (2-8 days past the expected day); a few
    deliveries failed; what was still on the road at DEMO_END is in transit and
    what was only planned has no dispatch date yet.
    """
    n = len(dl["need"])
    dispatch = dl["dispatch"]
    expected = dispatch + rng.integers(1, 4, n)
    third_party = org["logistics"][dl["carrier"]]
    late = third_party & (rng.random(n) < 0.8)
    slip = np.where(late, rng.integers(2, 9, n),
                    rng.choice([-1, 0, 0, 0, 1, 2], size=n))
    delivered = np.maximum(dispatch, expected + slip).astype(float)
    status = np.full(n, "delivered", dtype=object)
    failed = rng.random(n) < 0.03
    status[failed] = "failed"
    delivered[failed] = np.nan
    end = N_DAYS - 1
    on_road = (dispatch <= end) & (delivered > end)
    status[on_road] = "in_transit"
    delivered[on_road] = np.nan
    planned = dispatch > end
    status[planned] = "planned"
    delivered[planned] = np.nan
    dl["expected"] = expected.astype(float)
    dl["dispatched"] = np.where(planned, np.nan, dispatch).astype(float)
    dl["delivered"] = delivered
    dl["status"] = status
    # Only plans for the next few days are known at DEMO_END.
    dl["drop_if_nan"] = np.where(dispatch > end + 3, np.nan, 0.0)


def _close_needs(rng, need, dl) -> None:
    """Status and closed_on of each need, from what was delivered.

    A need is met on the day deliveries reach 95% of its quantity. Others are
    cancelled (a few) or met through channels the demo does not track (often for
    hospitals, rarely for communities); the rest stay open.
    """
    n = len(need["day"])
    closed = np.full(n, np.nan)
    got = (dl["need"] >= 0) & ~np.isnan(dl["delivered"])
    owner, day, qty = dl["need"][got], dl["delivered"][got], dl["quantity"][got]
    order = np.lexsort((day, owner))
    owner, day, qty = owner[order], day[order], qty[order]
    sizes = np.bincount(owner, minlength=n)
    running = np.cumsum(qty)
    before = np.repeat((running - qty)[(np.cumsum(sizes) - sizes)[sizes > 0]], sizes[sizes > 0])
    hit = running - before >= 0.95 * need["quantity"][owner]
    first_owner, first_at = np.unique(owner[hit], return_index=True)
    closed[first_owner] = day[hit][first_at]
    status = np.where(np.isnan(closed), "open", "met").astype(object)

    end = N_DAYS - 1
    still = np.isnan(closed)
    cancel = still & (rng.random(n) < 0.04)
    closed[cancel] = np.minimum(end, need["day"][cancel] + rng.integers(1, 15, int(cancel.sum())))
    status[cancel] = "cancelled"
    ctx = need["ctx"]
    elsewhere = still & ~cancel & (rng.random(n) < np.select([ctx == "h", ctx == "q"],
                                                             [0.6, 0.4], 0.15))
    when = need["day"] + 1 + np.round(rng.gamma(2.0, np.where(ctx == "c", 10.0, 5.0)))
    elsewhere &= when <= end
    closed[elsewhere] = when[elsewhere]
    status[elsewhere] = "met"
    need["status"], need["closed"] = status, closed
