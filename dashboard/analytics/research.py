"""Research exports: tidy aggregates by prefecture × day × category, safe to share.

One row per (date, region_adcode, category) over a date range (default: the data's
whole range, ``dashboard.analytics.metrics.data_date_range``), for every prefecture of the
province and every category, also where everything is zero. Definitions are in
docs/METHODS.md, "Research exports"; in short, for day t:

- ``needs_reported``: needs reported on t (cancelled needs left out: they never count
  as open);
- ``needs_closed``: needs, not cancelled, whose ``closed_on`` is t;
- ``needs_open``: needs open at the end of t (``dashboard.analytics.metrics.OPEN_NEED`` with
  D = t), so ``needs_open(t) = needs_open(t-1) + needs_reported(t) - needs_closed(t)``;
- ``urgent_open``: the open needs of priority urgent;
- ``deliveries_delivered``, ``quantity_delivered`` (quantities as reported, units
  mixed), ``facilities_reached`` (distinct facilities): deliveries with status delivered
  and ``delivered_on`` = t, in the category of the delivery, else of the need it names;
- ``activity_reports``, ``people_served``, ``volunteers``: activity reports dated t.
  Reports carry no category, so these sit in rows of category ``"all"``, where the need
  and delivery measures are empty; in the other rows the activity measures are empty.

``people_served`` and ``volunteers`` count people and are suppressed by default
(``dashboard.analytics.suppression``: ``"<5"``, secondary ``"x"``), per day across the province's
prefectures, before any region or category filter is applied, so that two exports with
different filters or date ranges never publish a cell one of them hides.

Exports carry their provenance (``provenance``): a ``<file>.meta.json`` sidecar, and for
Parquet the same JSON in the file's key-value metadata. CSV has an HXL hashtag row under
the header. Nothing here imports streamlit; SQL takes parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from dashboard import __version__
from dashboard.access import query
from dashboard.analytics.metrics import data_date_range
from dashboard.analytics.suppression import SECONDARY_MARK, policy_threshold, primary_mark, suppress
from dashboard.present.exports import safe_frame
from data_loaders.store import schema
from geo.config import province_adcode, province_prefix
from geo.regions import load_registry

CATEGORY_ALL = "all"  # rows of measures that have no category (activity reports)
UNSPECIFIED = "unspecified"  # deliveries whose category is recorded nowhere
PARQUET_META_KEY = b"lifeline.provenance"
FORMATS = ("csv", "parquet", "json")


@dataclass(frozen=True)
class AggregateColumn:
    """A column of the aggregates export: its name, kind (schema kinds), HXL hashtag,
    and whether it counts people (and so is suppressed)."""

    name: str
    kind: str
    hxl: str
    people: bool = False


# Numeric hashtags carry +num; the suppressed ones do not, as they hold "<5" and "x".
AGGREGATE_COLUMNS: tuple[AggregateColumn, ...] = (
    AggregateColumn("date", schema.DATE, "#date"),
    AggregateColumn("region_adcode", schema.TEXT, "#adm2+code"),
    AggregateColumn("region_name_zh", schema.TEXT, "#adm2+name+i_zh"),
    AggregateColumn("region_name_en", schema.TEXT, "#adm2+name+i_en"),
    AggregateColumn("category", schema.ENUM, "#sector"),
    AggregateColumn("needs_reported", schema.INT, "#indicator+needs+reported+num"),
    AggregateColumn("needs_closed", schema.INT, "#indicator+needs+closed+num"),
    AggregateColumn("needs_open", schema.INT, "#indicator+needs+open+num"),
    AggregateColumn("urgent_open", schema.INT, "#indicator+needs+open+urgent+num"),
    AggregateColumn("deliveries_delivered", schema.INT, "#indicator+deliveries+delivered+num"),
    AggregateColumn("quantity_delivered", schema.FLOAT, "#indicator+quantity+delivered+num"),
    AggregateColumn("facilities_reached", schema.INT, "#indicator+facilities+reached+num"),
    AggregateColumn("activity_reports", schema.INT, "#indicator+reports+num"),
    AggregateColumn("people_served", schema.INT, "#reached", people=True),
    AggregateColumn("volunteers", schema.INT, "#capacity+volunteers", people=True),
)
COLUMNS = [c.name for c in AGGREGATE_COLUMNS]
NEED_MEASURES = ["needs_reported", "needs_closed", "needs_open", "urgent_open",
                 "deliveries_delivered", "quantity_delivered", "facilities_reached"]
ACTIVITY_MEASURES = ["activity_reports", "people_served", "volunteers"]
PEOPLE_COLUMNS = [c.name for c in AGGREGATE_COLUMNS if c.people]
# Totals treated as public: each day (and category) across the province's prefectures.
SUPPRESSION_GROUPS = [["date", "category"]]

_SQL = """
WITH days AS (
    SELECT CAST(generate_series AS DATE) AS date
    FROM generate_series($start::DATE, $end::DATE, INTERVAL 1 DAY)
),
regions AS (SELECT unnest($regions::VARCHAR[]) AS region_adcode),
cats AS (SELECT unnest($cats::VARCHAR[]) AS category),
nd AS (
    SELECT f.region_adcode, n.category, n.reported_on, n.closed_on,
           (n.priority = 'urgent')::INT AS urgent
    FROM needs n JOIN facilities f USING (facility_id)
    WHERE n.status <> 'cancelled' AND starts_with(f.region_adcode, $prov)
      AND n.reported_on <= $end
),
-- Open on t when reported_on <= t < closed_on: +1 on the first day in range, -1 on the
-- closing day; a running sum over the days gives the open count (work grows with
-- needs, not with needs × days).
open_events AS (
    SELECT region_adcode, category, greatest(reported_on, $start) AS date,
           1 AS d_open, urgent AS d_urgent
    FROM nd WHERE closed_on IS NULL OR (closed_on > $start AND closed_on > reported_on)
    UNION ALL
    SELECT region_adcode, category, closed_on, -1, -urgent
    FROM nd WHERE closed_on > $start AND closed_on <= $end AND closed_on > reported_on
),
open_daily AS (
    SELECT region_adcode, category, date, sum(d_open) AS d_open, sum(d_urgent) AS d_urgent
    FROM open_events GROUP BY ALL
),
reported AS (
    SELECT region_adcode, category, reported_on AS date, count(*) AS needs_reported
    FROM nd WHERE reported_on >= $start GROUP BY ALL
),
closed AS (
    SELECT region_adcode, category, closed_on AS date, count(*) AS needs_closed
    FROM nd WHERE closed_on BETWEEN $start AND $end AND closed_on >= reported_on
    GROUP BY ALL
),
delivered AS (
    SELECT f.region_adcode, coalesce(d.category, n.category, $unspecified) AS category,
           d.delivered_on AS date, count(*) AS deliveries_delivered,
           coalesce(sum(d.quantity), 0)::DOUBLE AS quantity_delivered,
           count(DISTINCT d.facility_id) AS facilities_reached
    FROM deliveries d JOIN facilities f USING (facility_id)
    LEFT JOIN needs n ON n.need_id = d.need_id
    WHERE d.status = 'delivered' AND d.delivered_on BETWEEN $start AND $end
      AND starts_with(f.region_adcode, $prov)
    GROUP BY ALL
),
activity AS (
    SELECT region_adcode, reported_on AS date, count(*) AS activity_reports,
           coalesce(sum(people_served), 0) AS people_served,
           coalesce(sum(volunteers), 0) AS volunteers
    FROM activities
    WHERE reported_on BETWEEN $start AND $end AND starts_with(region_adcode, $prov)
    GROUP BY ALL
),
by_category AS (
    SELECT g.date, g.region_adcode, g.category,
           coalesce(r.needs_reported, 0) AS needs_reported,
           coalesce(c.needs_closed, 0) AS needs_closed,
           sum(coalesce(o.d_open, 0)) OVER w AS needs_open,
           sum(coalesce(o.d_urgent, 0)) OVER w AS urgent_open,
           coalesce(d.deliveries_delivered, 0) AS deliveries_delivered,
           coalesce(d.quantity_delivered, 0)::DOUBLE AS quantity_delivered,
           coalesce(d.facilities_reached, 0) AS facilities_reached,
           NULL::BIGINT AS activity_reports, NULL::BIGINT AS people_served,
           NULL::BIGINT AS volunteers
    FROM (SELECT days.date, regions.region_adcode, cats.category FROM days, regions, cats) g
    LEFT JOIN reported r USING (region_adcode, category, date)
    LEFT JOIN closed c USING (region_adcode, category, date)
    LEFT JOIN open_daily o USING (region_adcode, category, date)
    LEFT JOIN delivered d USING (region_adcode, category, date)
    WINDOW w AS (PARTITION BY g.region_adcode, g.category ORDER BY g.date
                 ROWS UNBOUNDED PRECEDING)
),
no_category AS (
    SELECT g.date, g.region_adcode, $all AS category,
           NULL::BIGINT AS needs_reported, NULL::BIGINT AS needs_closed,
           NULL::BIGINT AS needs_open, NULL::BIGINT AS urgent_open,
           NULL::BIGINT AS deliveries_delivered, NULL::DOUBLE AS quantity_delivered,
           NULL::BIGINT AS facilities_reached,
           coalesce(a.activity_reports, 0) AS activity_reports,
           coalesce(a.people_served, 0)::BIGINT AS people_served,
           coalesce(a.volunteers, 0)::BIGINT AS volunteers
    FROM (SELECT days.date, regions.region_adcode FROM days, regions) g
    LEFT JOIN activity a USING (region_adcode, date)
)
SELECT * FROM by_category UNION ALL BY NAME SELECT * FROM no_category
"""


def _categories(con, start: date, end: date) -> list[str]:
    """The schema's categories, plus ``unspecified`` when some delivery has none."""
    cats = list(schema.NEEDS.column("category").values)
    missing = con.execute(
        """SELECT count(*) FROM deliveries d LEFT JOIN needs n ON n.need_id = d.need_id
           WHERE d.status = 'delivered' AND d.delivered_on BETWEEN $start AND $end
             AND d.category IS NULL AND n.category IS NULL""",
        {"start": start, "end": end},
    ).fetchone()[0]
    return cats + [UNSPECIFIED] if missing else cats


def resolve_range(con, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """``start``/``end``, each defaulting to the data's first/latest date.

    Raises ValueError when the store holds no dated data and a bound is missing, or
    when start is after end.
    """
    if start is None or end is None:
        first, last = data_date_range(con)
        start = start or first
        end = end or last
    if start is None or end is None:
        raise ValueError("the database holds no dated data; give --start and --end")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    return start, end


@query("raw")
def aggregates(con, start: date | None = None, end: date | None = None,
               region: str | None = None, category: str | None = None,
               province: str | None = None) -> pd.DataFrame:
    """The unsuppressed aggregates (for hubs; researchers get ``research_aggregates``).

    One row per day in [start, end] × prefecture of the province × category (the
    schema's categories, then ``"all"`` for the activity measures), in that order,
    with the columns of ``COLUMNS``. ``region`` (a prefecture adcode) and ``category``
    keep only those rows; the numbers do not depend on the filters.
    """
    start, end = resolve_range(con, start, end)
    province = province or province_adcode()
    registry = load_registry()
    prefectures = registry.prefectures(province)
    cats = _categories(con, start, end)
    frame = con.execute(_SQL, {
        "start": start, "end": end, "prov": province_prefix(province),
        "regions": [r.adcode for r in prefectures], "cats": cats,
        "unspecified": UNSPECIFIED, "all": CATEGORY_ALL,
    }).df()
    names = pd.DataFrame({"region_adcode": [r.adcode for r in prefectures],
                          "region_name_zh": [r.name for r in prefectures],
                          "region_name_en": [r.name_en for r in prefectures]})
    frame = frame.merge(names, on="region_adcode", how="left")
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    order = {c: i for i, c in enumerate([*cats, CATEGORY_ALL])}
    frame = frame.sort_values(["date", "region_adcode", "category"],
                              key=lambda s: s.map(order) if s.name == "category" else s)
    for col in COLUMNS:
        kind = next(c.kind for c in AGGREGATE_COLUMNS if c.name == col)
        if kind == schema.INT:
            frame[col] = frame[col].astype("Int64")
    frame = frame[COLUMNS].reset_index(drop=True)
    return _filter(frame, region, category)


def _filter(frame: pd.DataFrame, region: str | None, category: str | None) -> pd.DataFrame:
    if region is not None:
        frame = frame[frame["region_adcode"] == region]
    if category is not None:
        frame = frame[frame["category"] == category]
    return frame.reset_index(drop=True)


@query("suppressed")
def research_aggregates(con, start: date | None = None, end: date | None = None,
                        region: str | None = None, category: str | None = None,
                        threshold: int | None = None) -> tuple[pd.DataFrame, dict]:
    """The aggregates as researchers get them: suppressed, with their provenance.

    ``threshold`` None (every caller in the app): the configured policy
    (:func:`dashboard.analytics.suppression.policy_threshold`); tests pass one to check the rule.

    Suppression runs on the whole province and every category before the filters, so a
    filtered export shows exactly the cells of the unfiltered one. Returns the frame
    and the provenance dict (see ``provenance``).
    """
    threshold = policy_threshold() if threshold is None else threshold
    start, end = resolve_range(con, start, end)
    full = aggregates(con, start, end)
    published, _ = suppress(full, PEOPLE_COLUMNS, SUPPRESSION_GROUPS, threshold)
    frame = _filter(published, region, category)
    hidden = sum(int(frame[c].isin([primary_mark(threshold), SECONDARY_MARK]).sum())
                 for c in PEOPLE_COLUMNS)
    meta = provenance(con, start=start, end=end, region=region, category=category,
                      threshold=threshold, cells_suppressed=hidden, rows=len(frame))
    return frame, meta


def import_log(con) -> list[dict]:
    """Every import the store was built from: file name, SHA-256, table, rows, time."""
    rows = con.execute(
        "SELECT import_id, file_name, sha256, table_name, rows, imported_at FROM imports "
        "ORDER BY imported_at, file_name, table_name"
    ).fetchall()
    keys = ("import_id", "file_name", "sha256", "table_name", "rows", "imported_at")
    return [dict(zip(keys, row)) | {"imported_at": row[5].isoformat(timespec="seconds")
                                    if row[5] else None} for row in rows]


def _plain(value):
    """JSON-ready values: dates as ISO text, numpy numbers as Python numbers."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def provenance(con, **params) -> dict:
    """Where an export comes from, JSON-ready.

    Always: ``dataset``, ``app_version``, ``generated_at`` (UTC; the only field that
    changes when the same export is made again), ``province``, ``imports`` (the import
    log: file names, SHA-256, tables, rows, times) and ``methods``. From ``params``:
    ``start``/``end`` (the window; ``as_of`` is ``end``), ``region``/``category``
    (the filters), ``threshold`` (with the suppression rule), ``cells_suppressed``,
    ``rows``, and anything else given, as is.
    """
    params = {k: _plain(v) for k, v in params.items()}
    meta: dict = {
        "dataset": params.pop("dataset", "lifeline.aggregates"),
        "app_version": __version__,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "province": province_adcode(),
    }
    if "end" in params or "as_of" in params:
        meta["as_of"] = params.pop("as_of", params.get("end"))
    if "start" in params or "end" in params:
        meta["window"] = {"start": params.pop("start", None), "end": params.pop("end", None)}
    meta["filters"] = {"region_adcode": params.pop("region", None),
                       "category": params.pop("category", None)}
    if "threshold" in params:
        threshold = int(params.pop("threshold"))
        meta["suppression"] = {
            "threshold": threshold,
            "columns": PEOPLE_COLUMNS,
            "primary_marker": primary_mark(threshold),
            "secondary_marker": SECONDARY_MARK,
            "zero": "published as 0 (a true zero)",
            "rule": (f"counts 1..{threshold - 1} are published as {primary_mark(threshold)}; "
                     "where a cell could be recovered from the published cells and the "
                     "day's province total, further cells are published as "
                     f"{SECONDARY_MARK}"),
            "groups": SUPPRESSION_GROUPS,
            "cells_suppressed": params.pop("cells_suppressed", None),
        }
    meta.update(params)
    meta["imports"] = import_log(con)
    meta["methods"] = "docs/METHODS.md#research-exports"
    return meta


def hxl_row(columns: list[str]) -> list[str]:
    """The HXL hashtags of the aggregate columns (empty for unknown columns)."""
    tags = {c.name: c.hxl for c in AGGREGATE_COLUMNS}
    return [tags.get(c, "") for c in columns]


def to_csv_text(frame: pd.DataFrame) -> str:
    """CSV with the HXL hashtag row directly under the header; formula-safe cells."""
    body = safe_frame(frame)
    tags = pd.DataFrame([hxl_row(list(frame.columns))], columns=body.columns)
    return pd.concat([tags, body.astype(object)], ignore_index=True).to_csv(index=False)


def to_json_text(frame: pd.DataFrame, meta: dict) -> str:
    """``{"meta": provenance, "data": [records]}``; empty cells are null."""
    records = [{k: (None if v is None or v is pd.NA or v != v else _plain(v))
                for k, v in row.items()} for row in frame.to_dict("records")]
    return json.dumps({"meta": meta, "data": records}, ensure_ascii=False, indent=1) + "\n"


def write_parquet(frame: pd.DataFrame, meta: dict, path: str | Path) -> None:
    """Parquet with the provenance JSON in the file's key-value metadata.

    Suppressed columns are text ("12", "<5", "x"); dates are Parquet dates.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = frame.copy()
    for col in PEOPLE_COLUMNS:
        if col in out:
            out[col] = out[col].map(lambda v: None if v is None else str(v)).astype("string")
    table = pa.Table.from_pandas(out, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[PARQUET_META_KEY] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(metadata), str(path))


def read_parquet_provenance(path: str | Path) -> dict:
    """The provenance stored in a Parquet export's key-value metadata."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(str(path)).metadata or {}
    return json.loads(metadata[PARQUET_META_KEY].decode("utf-8"))


def sidecar_path(out: str | Path) -> Path:
    """``aggregates.csv`` → ``aggregates.csv.meta.json``."""
    out = Path(out)
    return out.with_name(out.name + ".meta.json")


def write_export(frame: pd.DataFrame, meta: dict, fmt: str, out: str | Path) -> Path:
    """Write ``frame`` to ``out`` in ``fmt`` and its provenance beside it.

    CSV is UTF-8 with a BOM (Excel on Chinese Windows reads it). Returns the sidecar
    path.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    meta = meta | {"format": fmt, "file": Path(out).name}
    if fmt == "parquet":
        write_parquet(frame, meta, out)
    elif fmt == "csv":
        Path(out).write_text(to_csv_text(frame), encoding="utf-8-sig")
    else:
        Path(out).write_text(to_json_text(frame, meta), encoding="utf-8")
    side = sidecar_path(out)
    side.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return side
