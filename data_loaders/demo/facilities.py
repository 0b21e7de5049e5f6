"""Facilities of the scenario: how many per county, their names and attributes.

Hospitals, makeshift hospitals, quarantine sites, communities, villages and
warehouses, placed in real counties (see ``locations``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_loaders.demo import names as nm
from data_loaders.demo.locations import (
    _facility_coordinates,
    _geometries,
    _points_in,
    _sampling_geometry,
)
from data_loaders.demo.regions import _Regions
from data_loaders.demo.sampling import _ids, _lognormal

# Volumes at scale 1: residents per hospital and per community or village.
RESIDENTS_PER_COMMUNITY = 18_000
RESIDENTS_PER_HOSPITAL = 70_000

FACILITY_TYPES = ("hospital", "makeshift_hospital", "quarantine_site", "community",
                  "village", "warehouse")


def _facility_counts(rng, regions: _Regions, scale: float) -> list[dict[str, np.ndarray]]:
    """Per prefecture, per county: how many facilities of each type."""
    out = []
    for r in range(regions.n):
        pop, cases = regions.population[r], regions.cases[r]
        reach = 1.0 if regions.reach is None else float(regions.reach[r])
        kids = regions.counties[r]
        urban = np.array([name.endswith("区") and not name.endswith("林区")
                          for _, name, _ in kids])
        w = np.ones(len(kids))
        makeshift = 14 if regions.adcode[r] == "420100" else int(cases > 1000)
        totals = {
            "hospital": max(2, round(pop / RESIDENTS_PER_HOSPITAL * scale * reach)),
            "makeshift_hospital": int(round(makeshift * np.sqrt(scale))),
            "quarantine_site": max(1, round((pop / 250_000 + cases / 1000) * scale * reach)),
            "neighbourhood": max(3, round(pop / RESIDENTS_PER_COMMUNITY * scale * reach)),
            "warehouse": max(1, round(pop / 1_500_000 * scale * reach)),
        }
        counts = {}
        for kind, total in totals.items():
            weight = w * np.where(urban, 1.5, 1.0) if kind != "neighbourhood" else w
            if kind == "makeshift_hospital" and urban.any():
                weight = weight * urban  # venues in the city districts
            counts[kind] = rng.multinomial(total, weight / weight.sum())
        # Districts are mostly communities, counties mostly villages.
        hood = counts.pop("neighbourhood")
        counts["community"] = rng.binomial(hood, np.where(urban, 0.85, 0.3))
        counts["village"] = hood - counts["community"]
        out.append(counts)
    return out


def _facility_names(rng, ftype: np.ndarray, county_short: np.ndarray,
                    county_key: np.ndarray) -> np.ndarray:
    """Generic fictional names, made unique within a county by an ordinal."""
    n = len(ftype)
    stem = np.empty(n, dtype=object)
    suffix = np.empty(n, dtype=object)

    def fill(mask, stems, suffixes):
        k = int(mask.sum())
        if k:
            stem[mask] = stems[rng.integers(0, len(stems), k)]
            suffix[mask] = np.array(suffixes, dtype=object)[rng.integers(0, len(suffixes), k)]

    cs = county_short
    aus = np.array(nm.AUSPICIOUS, dtype=object)
    hosp = ftype == "hospital"
    kind = rng.random(n)
    fill(hosp & (kind < 0.55), np.array([""], dtype=object), ("医院", "中医医院", "人民医院"))
    stem[hosp & (kind < 0.55)] = cs[hosp & (kind < 0.55)] + aus[
        rng.integers(0, len(aus), int((hosp & (kind < 0.55)).sum()))]
    fill(hosp & (kind >= 0.55), nm.combos(nm.COMMUNITY_A, ("街",)), ("社区卫生服务中心",))
    m = ftype == "makeshift_hospital"
    fill(m, np.array([""], dtype=object), ("方舱医院",))
    stem[m] = cs[m] + aus[rng.integers(0, len(aus), int(m.sum()))] + \
        np.array(nm.VENUES, dtype=object)[rng.integers(0, len(nm.VENUES), int(m.sum()))]
    q = ftype == "quarantine_site"
    fill(q, np.array([""], dtype=object), ("隔离点",))
    stem[q] = cs[q] + aus[rng.integers(0, len(aus), int(q.sum()))] + \
        np.array(nm.QUARANTINE_KINDS, dtype=object)[
            rng.integers(0, len(nm.QUARANTINE_KINDS), int(q.sum()))]
    wh = ftype == "warehouse"
    fill(wh, np.array([""], dtype=object), ("中转仓", "仓库"))
    stem[wh] = cs[wh] + np.array(nm.WAREHOUSE_KINDS, dtype=object)[
        rng.integers(0, len(nm.WAREHOUSE_KINDS), int(wh.sum()))]
    fill(ftype == "community", nm.combos(nm.COMMUNITY_A, nm.COMMUNITY_B), ("社区",))
    fill(ftype == "village", nm.combos(nm.VILLAGE_PREFIXES[2:] + ("",), nm.SURNAMES, ("家",),
                                       nm.LANDFORMS), ("村",))
    base = stem + suffix
    # The k-th duplicate in a county gets an ordinal: 幸福里第二社区, 王家湾二村 ...
    dup = pd.DataFrame({"c": county_key, "b": base}).groupby(["c", "b"], sort=False).cumcount()
    dup = dup.to_numpy()
    ords = np.array([""] + [nm.chinese_ordinal(i + 1) for i in range(1, int(dup.max()) + 1)],
                    dtype=object)[dup]
    ords = np.where((dup > 0) & (ftype != "village"), "第" + ords, ords)
    return stem + ords + suffix


def _build_facilities(rng, regions: _Regions, scale: float) -> dict[str, np.ndarray]:
    """Facilities placed in real counties, with coordinates inside the county polygon."""
    counts = _facility_counts(rng, regions, scale)
    pref_geoms, county_geoms = _geometries(regions)
    cols: dict[str, list] = {k: [] for k in ("pref", "county", "cname", "cshort", "type",
                                             "lat", "lon")}
    for r, per_type in enumerate(counts):
        for c, (code, name, short) in enumerate(regions.counties[r]):
            n_c = sum(int(v[c]) for v in per_type.values())
            if not n_c:
                continue
            types = np.repeat(np.array(FACILITY_TYPES, dtype=object),
                              [int(per_type[t][c]) for t in FACILITY_TYPES])
            geom = _sampling_geometry(county_geoms.get(code), pref_geoms.get(regions.adcode[r]))
            lat, lon = _points_in(rng, geom, n_c)
            cols["pref"].append(np.full(n_c, r))
            cols["county"].append(np.full(n_c, code, dtype=object))
            cols["cname"].append(np.full(n_c, name, dtype=object))
            cols["cshort"].append(np.full(n_c, short, dtype=object))
            cols["type"].append(types)
            cols["lat"].append(lat)
            cols["lon"].append(lon)
    fac = {k: np.concatenate(v) for k, v in cols.items()}
    n = len(fac["type"])
    fac["id"] = _ids("FAC", n, 6)
    fac["name"] = _facility_names(rng, fac["type"], fac["cshort"], fac["county"])
    _facility_attributes(rng, fac, regions)
    _facility_coordinates(rng, fac)
    return fac


def _facility_attributes(rng, fac: dict, regions: _Regions) -> None:
    """Capacity (beds/rooms), designated status and need-reporting weight."""
    t = fac["type"]
    n = len(t)
    hosp = t == "hospital"
    wuhan = np.array([regions.adcode[r] == "420100" for r in fac["pref"]])
    designated = hosp & (rng.random(n) < np.where(wuhan, 0.3, 0.25))
    small = np.char.endswith(fac["name"].astype(str), "服务中心")  # community clinics
    beds = _lognormal(rng, np.where(small, 30, np.where(designated, 500, 250)), 0.6, n)
    cap = np.full(n, np.nan)
    cap[hosp] = np.maximum(10, np.round(beds[hosp], -1))
    mk = t == "makeshift_hospital"
    cap[mk] = np.round(rng.uniform(300, 2000, int(mk.sum())), -1)
    q = t == "quarantine_site"
    cap[q] = np.round(rng.uniform(40, 400, int(q.sum())))
    fac["capacity"] = cap
    fac["designated"] = np.where(hosp, designated, np.where(mk, True, None))
    # Designated hospitals and big ones raise far more needs; villages are under-reported.
    weight = np.ones(n)
    weight[hosp] = cap[hosp] / 100 * np.where(designated[hosp], 4.0, 1.0)
    weight[mk] = cap[mk] / 100
    weight[t == "village"] = 0.6
    weight[t == "warehouse"] = 0.0
    fac["weight"] = weight
