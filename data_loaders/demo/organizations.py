"""Organisations of the scenario: hubs, partners, funders, carriers, government, volunteers.

Besides the ``organizations`` table columns each organisation gets hidden behaviour
(active window, silent or quiet, a heavy-tailed weight) that the needs, deliveries
and activities draw on.
"""

from __future__ import annotations

import numpy as np

from data_loaders.demo import names as nm
from data_loaders.demo.regions import _Regions
from data_loaders.demo.sampling import _draw, _ids, _integer_split, _lognormal
from data_loaders.demo.timeline import N_DAYS
from geo.config import province_of

# Bases of organisations from outside the province (adcode, name).
OUTSIDE_BASES = (("110000", "北京市"), ("310000", "上海市"), ("440300", "深圳市"),
                 ("330100", "杭州市"), ("440100", "广州市"))

# Volume at scale 1 (partners grow with sqrt(scale)).
N_PARTNERS = 90


def _unique_names(rng, stems: np.ndarray, suffixes: tuple[str, ...], n: int) -> np.ndarray:
    """``n`` distinct names stem+suffix (numbered only past the combination space)."""
    space = nm.combos(tuple(stems), suffixes)
    idx = rng.permutation(len(space))
    idx = np.resize(idx, n)
    names = space[idx]
    rounds = np.arange(n) // len(space)
    for i in np.flatnonzero(rounds):
        names[i] = f"{names[i]}{nm.chinese_ordinal(int(rounds[i]) + 1)}"
    return names


def _build_orgs(rng, regions: _Regions, scale: float, registry) -> dict[str, np.ndarray]:
    """Organisations with their hidden behaviour (active window, propensity).

    Partners scale with sqrt(scale): a bigger scenario has more small partners, not
    more hubs, funders or carriers.
    """
    n_partners = max(regions.n, int(round(N_PARTNERS * np.sqrt(scale))))
    if regions.national:  # one partner in every prefecture, and Hubei's network besides
        n_partners = regions.n + int(round(N_PARTNERS * np.sqrt(scale)))
    burden = regions.weights(0.5)
    p_region = np.repeat(np.arange(regions.n),
                         1 + _integer_split(n_partners - regions.n, burden))
    in_wuhan = np.array([regions.adcode[r] == "420100" for r in p_region])

    stems = nm.combos(nm.ORG_PREFIXES, nm.ORG_CORES)
    rows: list[dict] = []

    def add(kind, names, pref_idx, base=None):
        for i, name in enumerate(names):
            rows.append({"org_type": kind, "name": name,
                         "pref": int(pref_idx[i]) if pref_idx is not None else -1,
                         "base": None if base is None else base[i]})

    wuhan = regions.adcode.index("420100") if "420100" in regions.adcode else 0
    add("hub", ["荆楚联合援助枢纽", "长江应急互助网络"], [wuhan, -1],
        [None, OUTSIDE_BASES[0]])
    # The whole country: every other province has a hub of its own, in its first
    # prefecture (the capital, for most), that its partners report to.
    province_hubs = _province_hubs(regions, registry) if regions.national else {}
    add("hub", [f"{registry.get(code).short}社会组织联合援助枢纽" for code in province_hubs],
        list(province_hubs.values()))
    add("partner", _unique_names(rng, stems, nm.PARTNER_SUFFIXES, n_partners), p_region)

    def donors(kind, suffixes, n, n_local):
        names = _unique_names(rng, stems, suffixes, n)
        local = rng.choice(regions.n, size=n_local, p=burden)
        far = rng.choice(len(OUTSIDE_BASES), size=n - n_local)
        add(kind, names, np.r_[local, np.full(n - n_local, -1)],
            [None] * n_local + [OUTSIDE_BASES[i] for i in far])

    donors("foundation", nm.FOUNDATION_SUFFIXES, 10, 4)
    donors("company", nm.COMPANY_SUFFIXES, 6, 2)
    n_before_logistics = len(rows)
    add("company", _unique_names(rng, np.array(nm.ORG_PREFIXES, dtype=object),
                                 nm.LOGISTICS_SUFFIXES, 3),
        [wuhan, wuhan, rng.choice(regions.n, p=burden)])
    gov_pref = np.r_[wuhan, rng.choice(regions.n, size=2, p=burden)]
    add("government", [regions.short[r] + s for r, s in
                       zip(gov_pref, _draw(rng, nm.GOVERNMENT_SUFFIXES, 3), strict=True)], gov_pref)
    vol_pref = np.r_[np.full(3, wuhan), rng.choice(regions.n, size=1, p=burden)]
    add("volunteer_team", _unique_names(rng, np.array(nm.ORG_PREFIXES, dtype=object),
                                        nm.VOLUNTEER_SUFFIXES, 4), vol_pref)

    n = len(rows)
    org = {k: np.array([row[k] for row in rows], dtype=object) for k in ("org_type", "name")}
    org["pref"] = np.array([row["pref"] for row in rows], dtype=int)
    org["logistics"] = np.zeros(n, bool)
    org["logistics"][n_before_logistics:n_before_logistics + 3] = True
    org["id"] = _ids("ORG", n, 4)
    region, region_code, pref_code = [], [], []
    for row in rows:
        if row["pref"] >= 0:
            region.append(regions.name[row["pref"]])
            region_code.append(regions.adcode[row["pref"]])
            pref_code.append(regions.adcode[row["pref"]])
        else:
            code, name = row["base"]
            region.append(name)
            region_code.append(code)
            pref_code.append(_prefecture_of(code, registry))
    org["region"] = np.array(region, dtype=object)
    org["region_adcode"] = np.array(region_code, dtype=object)
    org["prefecture_adcode"] = np.array(pref_code, dtype=object)

    # Partners report to one of the two hubs; Wuhan partners mostly to the provincial one.
    is_partner = org["org_type"] == "partner"
    hub_ids = org["id"][:2]
    p_first = np.where(in_wuhan, 0.7, 0.5)
    org["hub_id"] = np.full(n, None, dtype=object)
    org["hub_id"][is_partner] = np.where(rng.random(n_partners) < p_first,
                                         hub_ids[0], hub_ids[1])
    if province_hubs:
        hub_of = dict(zip(province_hubs, org["id"][2:2 + len(province_hubs)]))
        partners = np.flatnonzero(is_partner)
        mine = [hub_of.get(province_of(org["prefecture_adcode"][i])) for i in partners]
        org["hub_id"][partners] = [h or org["hub_id"][i] for h, i in zip(mine, partners)]

    # Reporting behaviour: silent partners never report, quiet ones stop mid-February.
    org["start"] = np.where(org["org_type"] == "hub", 0, rng.integers(2, 17, n)).astype(float)
    org["end"] = np.full(n, float(N_DAYS))
    partner_idx = np.flatnonzero(is_partner)
    shuffled = rng.permutation(partner_idx)
    n_silent = int(round(0.08 * n_partners))
    n_quiet = int(round(0.15 * n_partners))
    silent, quiet = shuffled[:n_silent], shuffled[n_silent:n_silent + n_quiet]
    org["end"][silent] = 0.0
    org["start"][silent] = 0.0
    org["end"][quiet] = rng.integers(21, 37, n_quiet)  # stop after 2020-02-10 .. 02-25
    org["silent"] = np.zeros(n, bool)
    org["silent"][silent] = True
    org["quiet"] = np.zeros(n, bool)
    org["quiet"][quiet] = True
    # How much an organisation does (and reports): heavy-tailed.
    org["weight"] = _lognormal(rng, 1.0, 0.8, n)
    return org


def _province_hubs(regions: _Regions, registry) -> dict[str, int]:
    """Each province but Hubei (whose hubs are the scenario's first two) and the index of
    its first prefecture, where its hub is based."""
    first: dict[str, int] = {}
    for r, code in enumerate(regions.adcode):
        first.setdefault(province_of(code), r)
    first.pop("420000", None)
    return first


def _prefecture_of(code: str, registry) -> str | None:
    """Prefecture adcode of a base outside the province (a municipality → XX0100)."""
    if code.endswith("0000"):
        candidate = code[:2] + "0100"
        return candidate if candidate in registry else None
    return code[:4] + "00"
