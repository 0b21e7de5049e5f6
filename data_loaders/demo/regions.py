"""The prefectures of the scenario: names, counties, populations and case totals.

Read from ``geo.regions``; Hubei prefectures carry their real confirmed-case totals
by 2020-03-31, other provinces get totals proportional to population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

FALLBACK_POPULATION = 3_000_000  # per prefecture when the registry has no population
CASES_PER_RESIDENT_ELSEWHERE = 1.5e-5  # other provinces: roughly Guangdong's rate
# The national scenario: outside Hubei a network reaches about one in ten of the
# hospitals and communities (the response was centred on Hubei), so the country at scale
# 1 holds about four times Hubei's facilities, not twenty-five.
REACH_ELSEWHERE = 0.1


@dataclass
class _Regions:
    """The prefectures of the scenario as parallel arrays (index r)."""

    adcode: list[str]
    name: list[str]
    short: list[str]
    population: np.ndarray  # float
    cases: np.ndarray  # int, cumulative confirmed by DEMO_END
    counties: list[list[tuple[str, str, str]]]  # per prefecture: (adcode, name, short)
    reach: np.ndarray | None = None  # float: the share of facilities the network reaches
    national: bool = False  # the whole country (31 provinces), not one province

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
    from geo.config import is_national

    if registry is None:
        from geo.regions import load_registry

        registry = load_registry()
    if is_national(province):
        return _national_regions(registry)
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


def _national_regions(registry) -> _Regions:
    """Every prefecture of the 31 mainland provinces. A prefecture without a census figure
    gets an equal share of its province's population; cases are Hubei's real totals and
    elsewhere proportional to population; outside Hubei the network reaches
    ``REACH_ELSEWHERE`` of the facilities."""
    from geo.config import NATIONAL

    prefs = [p for province in registry.areas(NATIONAL) for p in registry.prefectures(province.adcode)]
    per_province: dict[str, int] = {}
    for p in prefs:
        per_province[p.province] = per_province.get(p.province, 0) + 1
    pops = np.array([p.population or registry.get(p.province).population / per_province[p.province]
                     for p in prefs], dtype=float)
    cases = np.array([CONFIRMED_BY_2020_03_31.get(p.adcode)
                      or max(1, round(pop * CASES_PER_RESIDENT_ELSEWHERE))
                      for p, pop in zip(prefs, pops)])
    reach = np.array([1.0 if p.adcode in CONFIRMED_BY_2020_03_31 else REACH_ELSEWHERE
                      for p in prefs])
    # A name several places share is written with its parent's (张家口市桥西区,
    # 重庆市江北区), as a national network's files must: on its own it means another.
    names = [_unambiguous(p, registry.get(p.province).name, registry) for p in prefs]
    counties = [[(c.adcode, _unambiguous(c, name, registry), c.short)
                 for c in registry.counties(p.adcode)] or [(p.adcode, name, p.short)]
                for p, name in zip(prefs, names)]
    return _Regions([p.adcode for p in prefs], names,
                    [p.short for p in prefs], pops, cases, counties, reach, national=True)


def _unambiguous(region, parent_name: str, registry) -> str:
    """``region``'s name, preceded by its parent's when the name alone could mean
    another place."""
    return region.name if len(registry.candidates(region.name)) == 1 else parent_name + region.name
