"""A deterministic demo scenario: the first COVID-19 wave in Hubei, 2020-01-20 to 2020-03-31.

``build_demo`` returns the six store tables (see ``data_loaders.schema``) for a
realistic but fictional response: real prefectures, real 2020 populations and real
confirmed-case totals; fictional organisations, facilities, needs, deliveries,
grants and activity reports. The story the data tells is the one of 2020: hospitals
were flooded with donations while community needs (food, medicine for the elderly,
livelihoods, schooling) grew later and stayed open longer.

Everything is generated with vectorised numpy from one ``np.random.default_rng(seed)``,
so the same seed always gives identical frames.

Column dtypes
-------------
dates ``datetime64[s]`` (NaT when missing; DuckDB stores them as DATE), floats
``float64``, counts ``Int64``, ``designated`` ``boolean``, text pandas ``str``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from data_loaders import demo_names as nm
from data_loaders.schema import (
    CATEGORIES,
    PRIORITIES,
    TABLES,
)

DEMO_START = dt.date(2020, 1, 20)
DEMO_END = dt.date(2020, 3, 31)
N_DAYS = (DEMO_END - DEMO_START).days + 1  # 72 days, day 0 = DEMO_START

# Cumulative confirmed cases by 2020-03-31 per Hubei prefecture: public official
# figures (Hubei Provincial Health Commission daily bulletins).
CONFIRMED_BY_2020_03_31: dict[str, int] = {
    "420100": 50006,  # 武汉
    "420900": 3518,  # 孝感
    "421100": 2907,  # 黄冈
    "421000": 1580,  # 荆州
    "420700": 1394,  # 鄂州
    "421300": 1307,  # 随州
    "420600": 1175,  # 襄阳
    "420200": 1015,  # 黄石
    "420500": 931,  # 宜昌
    "420800": 928,  # 荆门
    "421200": 836,  # 咸宁
    "420300": 672,  # 十堰
    "429004": 575,  # 仙桃
    "429006": 496,  # 天门
    "422800": 252,  # 恩施
    "429005": 198,  # 潜江
    "429021": 11,  # 神农架
}

# Days (from DEMO_START) of dated events the scenario leans on.
DAY_LOCKDOWN = 3  # 2020-01-23 Wuhan lockdown
DAY_MAKESHIFT_OPEN = 16  # 2020-02-05 first makeshift hospitals open
DAY_MAKESHIFT_CLOSED = 50  # 2020-03-10 the last makeshift hospital closes
DAY_CLINICAL = 23  # 2020-02-12 clinically diagnosed cases added to the count

# Bases of organisations from outside the province (adcode, name).
OUTSIDE_BASES = (("110000", "北京市"), ("310000", "上海市"), ("440300", "深圳市"),
                 ("330100", "杭州市"), ("440100", "广州市"))

# Volumes at scale 1.
N_NEEDS = 12_500
N_ACTIVITIES = 8_000
N_GRANTS = 300
N_PARTNERS = 90
RESIDENTS_PER_COMMUNITY = 18_000
RESIDENTS_PER_HOSPITAL = 70_000
FALLBACK_POPULATION = 3_000_000  # per prefecture when the registry has no population
CASES_PER_RESIDENT_ELSEWHERE = 1.5e-5  # other provinces: roughly Guangdong's rate

FACILITY_TYPES = ("hospital", "makeshift_hospital", "quarantine_site", "community",
                  "village", "warehouse")
# Which context a facility type reports needs in: h(ospital), q(uarantine), c(ommunity).
CONTEXT_OF_TYPE = {"hospital": "h", "makeshift_hospital": "h", "quarantine_site": "q",
                   "community": "c", "village": "c", "warehouse": ""}
CONTEXTS = ("h", "q", "c")
CATEGORY_VALUES = tuple(c.value for c in CATEGORIES)


# -- regions and the epidemic curve --------------------------------------------------
@dataclass
class _Regions:
    """The prefectures of the scenario as parallel arrays (index r)."""

    adcode: list[str]
    name: list[str]
    short: list[str]
    population: np.ndarray  # float
    cases: np.ndarray  # int, cumulative confirmed by DEMO_END
    counties: list[list[tuple[str, str, str]]]  # per prefecture: (adcode, name, short)

    @property
    def n(self) -> int:
        return len(self.adcode)

    def weights(self, pop_share: float) -> np.ndarray:
        """Mix of population share and case share (how much of the response a region draws)."""
        pop = self.population / self.population.sum()
        cases = self.cases / max(self.cases.sum(), 1)
        return pop_share * pop + (1 - pop_share) * cases


def _load_regions(province: str | None, registry=None) -> _Regions:
    """Read the prefectures, populations and counties from ``geo.regions``."""
    if registry is None:
        from geo.regions import load_registry

        registry = load_registry()
    prefs = registry.prefectures(province)
    if not prefs:
        raise ValueError(f"no prefectures for province {province!r}")
    pops = np.array([p.population or np.nan for p in prefs], dtype=float)
    if np.isnan(pops).all():
        pops[:] = FALLBACK_POPULATION  # equal split when no census figures exist
    else:
        pops[np.isnan(pops)] = np.nanmedian(pops)
    real = all(p.adcode in CONFIRMED_BY_2020_03_31 for p in prefs)
    if real:
        cases = np.array([CONFIRMED_BY_2020_03_31[p.adcode] for p in prefs])
    else:
        cases = np.maximum(1, np.round(pops * CASES_PER_RESIDENT_ELSEWHERE)).astype(int)
    counties = []
    for p in prefs:
        kids = [(c.adcode, c.name, c.short) for c in registry.counties(p.adcode)]
        counties.append(kids or [(p.adcode, p.name, p.short)])  # 仙桃 etc. have none
    return _Regions([p.adcode for p in prefs], [p.name for p in prefs],
                    [p.short for p in prefs], pops, cases, counties)


def _gamma_shape(t0: float, k: float, theta: float) -> np.ndarray:
    """Day weights of a gamma-shaped curve starting at day ``t0``, summing to 1."""
    edges = np.arange(N_DAYS + 1, dtype=float) - t0
    x = np.clip(edges, 0, None)
    # Integrate the (unnormalised) density per day by the trapezoid on a fine grid.
    fine = np.linspace(0, 1, 9)[None, :]
    grid = x[:-1, None] + (x[1:] - x[:-1])[:, None] * fine
    dens = grid ** (k - 1) * np.exp(-grid / theta)
    w = np.trapezoid(dens, grid, axis=1)
    return w / w.sum()


def _integer_split(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    short = int(total - out.sum())
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _curve_matrix(regions: _Regions) -> np.ndarray:
    """Daily new confirmed cases, shape (regions, days), each row summing to its total."""
    out = np.zeros((regions.n, N_DAYS), dtype=int)
    for r, code in enumerate(regions.adcode):
        if code == "420100":
            # Wuhan was already rising before 2020-01-20 and had a long tail.
            w = _gamma_shape(-3.0, 4.0, 6.5)
        else:
            # Other prefectures peaked early February and were done by early March.
            w = _gamma_shape(0.0, 4.0, 4.5)
        if code in CONFIRMED_BY_2020_03_31:
            # 2020-02-12: clinically diagnosed cases were added in one day.
            spike = 0.2 if code == "420100" else 0.05
            w = w * (1 - spike)
            w[DAY_CLINICAL] += spike
        out[r] = _integer_split(int(regions.cases[r]), w)
    return out


def epidemic_curve(province: str | None = None, registry=None) -> pd.DataFrame:
    """Daily new confirmed cases per prefecture over the demo window.

    Hubei prefectures are scaled to their real cumulative confirmed totals by
    2020-03-31 (``CONFIRMED_BY_2020_03_31``); other provinces get totals
    proportional to population.

    Parameters
    ----------
    province : str, optional
        Province adcode; default from ``LIFELINE_PROVINCE`` (Hubei).
    registry : RegionRegistry, optional
        A loaded ``geo.regions`` registry (loaded when omitted).

    Returns
    -------
    pandas.DataFrame
        Columns ``region_adcode``, ``date`` (datetime64[s]), ``new_cases`` and
        ``cumulative``; one row per prefecture and day. ``new_cases`` sums to the
        prefecture's total exactly.
    """
    regions = _load_regions(province, registry)
    curve = _curve_matrix(regions)
    return pd.DataFrame({
        "region_adcode": pd.Series(np.repeat(regions.adcode, N_DAYS), dtype="str"),
        "date": _dates(np.tile(np.arange(N_DAYS, dtype=float), regions.n)),
        "new_cases": curve.ravel(),
        "cumulative": np.cumsum(curve, axis=1).ravel(),
    })


# -- small vectorised helpers --------------------------------------------------------
def _dates(days: np.ndarray) -> np.ndarray:
    """Day offsets (float, NaN = missing) to ``datetime64[s]`` (NaT = missing)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = ~np.isnan(days)
    start = np.datetime64(DEMO_START, "s")
    out[ok] = start + (days[ok].astype(np.int64) * 86_400).astype("timedelta64[s]")
    return out


def _ids(prefix: str, n: int, width: int) -> pd.api.extensions.ExtensionArray:
    """Readable sequential ids (``NEED-0000001``) as a pandas string array.

    A string array because building and taking from it is much faster than from
    Python objects at large scales.
    """
    numbers = pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(width)
    return (prefix + "-" + numbers).array


def _draw(rng: np.random.Generator, options: dict[str, float] | tuple, n: int,
          p=None) -> np.ndarray:
    """Draw ``n`` values from a {value: weight} dict (or options with ``p``)."""
    if isinstance(options, dict):
        p = np.array(list(options.values()), dtype=float)
        options = list(options.keys())
    p = None if p is None else np.asarray(p, float) / np.sum(p)
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _lognormal(rng: np.random.Generator, median, sigma, n: int) -> np.ndarray:
    return np.asarray(median, float) * np.exp(sigma * rng.standard_normal(n))


def _within_group_index(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within consecutive groups of the given sizes."""
    total = int(group_sizes.sum())
    starts = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    return np.arange(total) - starts


class _GroupSampler:
    """Weighted sampling of items within groups, vectorised over many queries.

    Items (e.g. facilities) carry a group (e.g. region x pool) and a weight; a query
    names a group and gets one item of it, drawn with probability ∝ weight, or -1
    when the group is empty or weightless.
    """

    def __init__(self, groups: np.ndarray, weights: np.ndarray, n_groups: int):
        self.order = np.argsort(groups, kind="stable")
        g = np.asarray(groups)[self.order]
        self.cum = np.cumsum(np.asarray(weights, float)[self.order])
        self.start = np.searchsorted(g, np.arange(n_groups), "left")
        self.end = np.searchsorted(g, np.arange(n_groups), "right")
        self.lo = np.where(self.start > 0, self.cum[np.maximum(self.start - 1, 0)], 0.0)
        self.hi = np.where(self.end > 0, self.cum[np.maximum(self.end - 1, 0)], 0.0)

    def sample(self, rng: np.random.Generator, query: np.ndarray) -> np.ndarray:
        query = np.asarray(query, dtype=np.int64)
        if len(self.cum) == 0:
            return np.full(len(query), -1)
        lo, hi = self.lo[query], self.hi[query]
        target = lo + rng.random(len(query)) * (hi - lo)
        pos = np.searchsorted(self.cum, target, "right")
        pos = np.clip(pos, self.start[query], np.maximum(self.end[query] - 1, 0))
        pos = np.clip(pos, 0, len(self.cum) - 1)
        return np.where(hi > lo, self.order[pos], -1)


def _pick_active(rng, sampler: _GroupSampler, query_groups, query_days, start, end,
                 tries: int = 8) -> np.ndarray:
    """Like ``sampler.sample`` but only items active on the query day (start ≤ day < end).

    Redraws the misses a few times; what stays unmatched gets -1.
    """
    out = np.full(len(query_groups), -1)
    todo = np.arange(len(query_groups))
    for _ in range(tries):
        pick = sampler.sample(rng, query_groups[todo])
        safe = np.maximum(pick, 0)
        day = query_days[todo]
        ok = (pick >= 0) & (start[safe] <= day) & (day < end[safe])
        out[todo[ok]] = pick[ok]
        todo = todo[~ok & (pick >= 0)]
        if not len(todo):
            break
    return out


# -- organisations -------------------------------------------------------------------
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


def _prefecture_of(code: str, registry) -> str | None:
    """Prefecture adcode of a base outside the province (a municipality → XX0100)."""
    if code.endswith("0000"):
        candidate = code[:2] + "0100"
        return candidate if candidate in registry else None
    return code[:4] + "00"


# -- facilities ----------------------------------------------------------------------
def _facility_counts(rng, regions: _Regions, scale: float) -> list[dict[str, np.ndarray]]:
    """Per prefecture, per county: how many facilities of each type."""
    out = []
    for r in range(regions.n):
        pop, cases = regions.population[r], regions.cases[r]
        kids = regions.counties[r]
        urban = np.array([name.endswith("区") and not name.endswith("林区")
                          for _, name, _ in kids])
        w = np.ones(len(kids))
        makeshift = 14 if regions.adcode[r] == "420100" else int(cases > 1000)
        totals = {
            "hospital": max(2, round(pop / RESIDENTS_PER_HOSPITAL * scale)),
            "makeshift_hospital": int(round(makeshift * np.sqrt(scale))),
            "quarantine_site": max(1, round((pop / 250_000 + cases / 1000) * scale)),
            "neighbourhood": max(3, round(pop / RESIDENTS_PER_COMMUNITY * scale)),
            "warehouse": max(1, round(pop / 1_500_000 * scale)),
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


def _sampling_geometry(county_geom, pref_geom):
    """Where a county's facilities may lie: the county clipped to its prefecture.

    Clipping keeps points inside the prefecture polygon even where the separately
    simplified county and prefecture outlines disagree by a few metres.
    """
    if county_geom is None:
        return pref_geom
    if pref_geom is None:
        return county_geom
    clipped = county_geom.intersection(pref_geom)
    return clipped if clipped.area > 0.5 * county_geom.area else county_geom


def _points_in(rng, geom, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform random (lat, lon) points inside ``geom`` by rejection sampling."""
    if geom is None or geom.is_empty:
        return np.full(n, np.nan), np.full(n, np.nan)
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    fill = max(geom.area / max((x1 - x0) * (y1 - y0), 1e-12), 0.05)
    xs, ys, got = [], [], 0
    while got < n:
        k = int((n - got) / fill * 1.3) + 16
        x = rng.uniform(x0, x1, k)
        y = rng.uniform(y0, y1, k)
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(ys)[:n], np.concatenate(xs)[:n]


def _geometries(regions: _Regions) -> tuple[dict, dict]:
    """Prefecture and county shapes (boundary system) keyed by adcode; empty if unavailable."""
    try:
        from geo.boundaries import county_features, prefecture_features
    except ImportError:  # pragma: no cover - geo is part of the app
        return {}, {}
    pref = {f["properties"]["adcode"]: shape(f["geometry"])
            for f in prefecture_features(regions.adcode[0][:2] + "0000")["features"]}
    county = {}
    for code in regions.adcode:
        for f in county_features(code)["features"]:
            county[f["properties"]["adcode"]] = shape(f["geometry"])
    return pref, county


def _coords_module():
    """``(BOUNDARY_SYSTEM, to_system)`` from geo.coords, or None when it is missing."""
    try:
        from geo.coords import BOUNDARY_SYSTEM, to_system
    except ImportError:
        return None
    return BOUNDARY_SYSTEM, to_system


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


def _facility_coordinates(rng, fac: dict) -> None:
    """Declared lat/lon (mostly gcj02, some wgs84) and map_lat/map_lon in BOUNDARY_SYSTEM.

    Points are drawn in the boundary system so the map columns are exactly the
    in-polygon points; declared wgs84 rows are converted out of it.
    """
    n = len(fac["type"])
    map_lat = np.round(fac["lat"], 6)
    map_lon = np.round(fac["lon"], 6)
    coords = _coords_module()
    boundary = coords[0] if coords else "gcj02"
    system = np.where(rng.random(n) < 0.15, "wgs84", "gcj02") if coords else \
        np.full(n, boundary)
    lat, lon = map_lat.copy(), map_lon.copy()
    if coords:
        for target in np.unique(system):
            m = system == target
            if target != boundary and m.any():
                la, lo = coords[1](map_lat[m], map_lon[m], boundary, target)
                lat[m], lon[m] = np.round(la, 6), np.round(lo, 6)
    fac.update(map_lat=map_lat, map_lon=map_lon, lat=lat, lon=lon,
               system=system.astype(object))


# -- needs ---------------------------------------------------------------------------
def _smooth(x: np.ndarray, width: int = 7) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.apply_along_axis(lambda row: np.convolve(row, kernel, "same"), -1, x)


def _shift(x: np.ndarray, days: int) -> np.ndarray:
    out = np.zeros_like(x, dtype=float)
    out[:, days:] = x[:, :-days]
    return out


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


# -- deliveries ----------------------------------------------------------------------
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


# -- grants --------------------------------------------------------------------------
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


# -- activities ----------------------------------------------------------------------
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


# -- frames --------------------------------------------------------------------------
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
    })


# -- entry point ---------------------------------------------------------------------
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
        ``organizations``, ``facilities``, ``needs``, ``deliveries``, ``grants`` and
        ``activities``, each with exactly ``TABLES[name].column_names``. Dates are
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
    return {
        "organizations": _org_frame(org),
        "facilities": _facility_frame(fac, regions),
        "needs": _need_frame(need, fac, org),
        "deliveries": _delivery_frame(dl, need, fac, org),
        "grants": _grant_frame(grants, org, regions),
        "activities": _activity_frame(acts, org, regions),
    }
