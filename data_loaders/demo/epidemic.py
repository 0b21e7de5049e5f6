"""The case curve: daily new confirmed cases per prefecture, and smoothing it.

``epidemic_curve`` is public; the needs and grants of the scenario follow the same
curve (``_curve_matrix``) shifted and smoothed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_loaders.demo.regions import CONFIRMED_BY_2020_03_31, _load_regions, _Regions
from data_loaders.demo.sampling import _integer_split
from data_loaders.demo.timeline import DAY_CLINICAL, N_DAYS, _dates


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


def _smooth(x: np.ndarray, width: int = 7) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.apply_along_axis(lambda row: np.convolve(row, kernel, "same"), -1, x)


def _shift(x: np.ndarray, days: int) -> np.ndarray:
    out = np.zeros_like(x, dtype=float)
    out[:, days:] = x[:, :-days]
    return out
