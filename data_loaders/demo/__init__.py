"""A deterministic demo scenario: the first COVID-19 wave in Hubei, 2020-01-20 to 2020-03-31.

``build_demo`` returns the six store tables (see ``data_loaders.store.schema``) for a
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

Modules
-------
``timeline`` the window and its dated events; ``regions`` prefectures, populations
and case totals; ``epidemic`` the case curve; ``sampling`` rng helpers and ids;
``organizations``, ``facilities`` (placed by ``locations``), ``needs``,
``deliveries``, ``grants`` and ``activities`` the generators; ``frames`` the
schema-ordered DataFrames; ``scenario`` ``build_demo``; ``names`` the word lists and
item catalogue.
"""

from __future__ import annotations

from data_loaders.demo.epidemic import epidemic_curve
from data_loaders.demo.regions import CONFIRMED_BY_2020_03_31
from data_loaders.demo.scenario import build_demo
from data_loaders.demo.timeline import DEMO_END, DEMO_START, N_DAYS

__all__ = [
    "CONFIRMED_BY_2020_03_31",
    "DEMO_END",
    "DEMO_START",
    "N_DAYS",
    "build_demo",
    "epidemic_curve",
]
