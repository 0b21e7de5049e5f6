"""Runtime settings for the geo package, read from environment variables.

Settings are read on every call (not at import) so tests and the dashboard can
switch province or cache location with ``monkeypatch.setenv`` / ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PROVINCE = "420000"  # Hubei: first deployment (2020 COVID-19 response)
NATIONAL = "000000"  # LIFELINE_PROVINCE for the whole country

# <repo>/geo/config.py -> <repo>
REPO_ROOT = Path(__file__).resolve().parents[1]


def province_adcode() -> str:
    """Return the configured province's 6-digit adcode.

    Returns
    -------
    str
        Value of ``LIFELINE_PROVINCE`` (default ``"420000"``, Hubei). Surrounding
        whitespace is removed and a trailing ``.0`` (spreadsheet float) is tolerated.
    """
    value = os.environ.get("LIFELINE_PROVINCE", "").strip() or DEFAULT_PROVINCE
    if value.endswith(".0"):
        value = value[:-2]
    return value


def is_national(code: str | None = None) -> bool:
    """True when ``code`` (default: the configured one) is the whole country."""
    return (code or province_adcode()) == NATIONAL


def province_of(adcode: str) -> str:
    """The adcode of the province a region's adcode lies in (``420102`` -> ``420000``)."""
    return adcode[:2] + "0000"


def province_prefix(code: str | None = None) -> str:
    """The adcode prefix every region inside ``code`` starts with (default: the
    configured province): two digits for a province, empty for the whole country.
    Adcodes nest by prefix, so ``starts_with(adcode, prefix)`` is "inside"."""
    code = code or province_adcode()
    return "" if code == NATIONAL else code[:2]


def cache_dir() -> Path:
    """Return the cache directory, creating it if needed.

    Returns
    -------
    pathlib.Path
        ``LIFELINE_CACHE`` if set, otherwise ``<repo>/data/cache``.
    """
    value = os.environ.get("LIFELINE_CACHE", "").strip()
    path = Path(value).expanduser() if value else REPO_ROOT / "data" / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
