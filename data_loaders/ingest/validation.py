"""Validation: check raw tables against the schema and collect every problem at once.

Validation is lazy in the pandera sense: it never stops at the first failure. Each
problem names the file, the row a person sees, the column, the value, a stable code
and, where one exists, a suggestion. Valid rows come out typed, with the derived
columns (prefecture roll-up, display coordinates) filled in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from data_loaders.ingest import values
from data_loaders.ingest.readers import RawTable
from data_loaders.store import schema


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, precise enough for a person to fix it."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    expected: str = ""
    suggestion: str = ""

    def as_dict(self) -> dict:
        """The problem as a plain dict (for tables and JSON)."""
        return asdict(self)


@dataclass
class ValidationResult:
    """Typed rows per table, the problems found, and the rows read per table."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    # Rows left out because of a problem: {table, file, row, record, problems}.
    rejected: list[dict] = field(default_factory=list)
    # Keys of the rows left out, per table (rows that refer to them go with them).
    rejected_keys: dict[str, set[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems

    def problem_frame(self) -> pd.DataFrame:
        """Problems as a DataFrame with one row each."""
        cols = ["file", "row", "column", "value", "code", "expected", "suggestion"]
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=cols)


def _short(value: object, limit: int = 80) -> str:
    text = values.clean_text(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _TableCheck:
    """Validation of one raw table; gathers problems and typed columns."""

    def __init__(self, raw: RawTable, table: schema.Table, registry):
        self.raw = raw
        self.table = table
        self.registry = registry
        self.problems: list[Problem] = []
        self.bad_rows: set[int] = set()
        self.bad_cells: set[tuple[int, str | None]] = set()

    def problem(self, index: int | None, column: str | None, value, code: str,
                expected: str = "", suggestion: str = "") -> None:
        row = self.raw.rows[index] if index is not None else None
        shown = None if value is None else _short(value)
        self.problems.append(
            Problem(self.raw.label, row, column, shown, code, expected, suggestion)
        )
        if index is not None:
            self.bad_rows.add(index)
            self.bad_cells.add((index, column))

    def headers(self) -> dict[str, str]:
        """Map the file's headers to schema columns; report missing required ones."""
        aliases = schema.header_aliases(self.table)
        mapping: dict[str, str] = {}
        for header in self.raw.frame.columns:
            name = aliases.get(values.clean_text(header).lower())
            if name and name not in mapping.values():
                mapping[header] = name
        present = set(mapping.values())
        for col in self.table.input_columns:
            if col.required and col.name not in present and col.default is None:
                self.problem(None, col.name, None, "missing_column", expected=col.zh)
        return mapping

    def run(self) -> pd.DataFrame | None:
        """Typed columns of every row, or None when the table's layout is refused."""
        mapping = self.headers()
        frame = self.raw.frame.rename(columns=mapping)
        self.cells = frame
        frame = frame.loc[:, [c for c in frame.columns if c in mapping.values()]]
        if self.shifted(frame):
            return None
        out = pd.DataFrame(index=frame.index)
        for col in self.table.input_columns:
            source = frame[col.name] if col.name in frame.columns else None
            # Object dtype keeps None as None (pandas would infer strings and NaN).
            out[col.name] = pd.Series(self.column(col, source, len(frame)),
                                      index=frame.index, dtype=object)
        if self.table.key_from:
            out[self.table.key] = [_derived_key(*parts) for parts in
                                   zip(*(out[c] for c in self.table.key_from))]
        self.rules(out)
        return out

    def _plainly_inside(self, out: pd.DataFrame, inside_mask) -> set[int]:
        """Rows whose point lies inside its region, tested in one go per region."""
        groups: dict[tuple, list[int]] = {}
        for i, (lat, lon, system, region) in enumerate(
                zip(out["lat"], out["lon"], out["coord_system"], out["region"])):
            if lat is not None and lon is not None and region is not None:
                groups.setdefault((region.adcode, system or "wgs84"), []).append(i)
        inside: set[int] = set()
        for (_, system), rows in groups.items():
            mask = inside_mask(out["lat"].iloc[rows], out["lon"].iloc[rows], system,
                               out["region"].iloc[rows[0]])
            if mask is not None:
                inside.update(i for i, ok in zip(rows, mask) if ok)
        return inside

    def shifted(self, frame: pd.DataFrame) -> bool:
        """Refuse the whole table when its columns hold what others should
        (``data_loaders.ingest.layout``): one problem per piece of evidence, no row read."""
        from data_loaders.ingest.layout import shifted_columns

        evidence = shifted_columns(frame, self.table, self.registry, self.raw.beyond_header)
        for item in evidence:
            self.problem(None, item.column or None, "、".join(item.examples) or None,
                         "columns_shifted", item.rule, f"{item.share:.0%}")
        return bool(evidence)

    def column(self, col: schema.Column, source: pd.Series | None, n: int) -> list:
        """Parse one column value by value; identical values are parsed once."""
        parsed: list = [None] * n
        if source is None:
            if col.default is not None:
                return [col.default] * n
            return parsed
        cache: dict = {}
        for i, raw in enumerate(source.tolist()):
            if values.is_blank(raw):
                if col.required and col.default is None:
                    self.problem(i, col.name, "", "required")
                parsed[i] = col.default
                continue
            key = (type(raw).__name__, str(raw))
            if key not in cache:
                cache[key] = self.parse(col, raw)
            result = cache[key]
            if isinstance(result, Problem):
                self.problem(i, col.name, raw, result.code, result.expected, result.suggestion)
            else:
                parsed[i] = result
        return parsed

    def parse(self, col: schema.Column, raw):
        """Parse one value of ``col``; returns the value or a Problem template."""
        try:
            if col.kind in (schema.TEXT,):
                return values.strip_contacts(values.clean_text(raw))
            if col.kind == schema.ID:
                return values.parse_id(raw)
            if col.kind == schema.ENUM:
                return self.enum(col, raw)
            if col.kind == schema.DATE:
                # A date far outside the response (9999-12-31) would move every page to it.
                return values.plausible_date(values.parse_date(raw))
            if col.kind in (schema.INT, schema.FLOAT):
                number = _number(col, raw)
                if col.minimum is not None and number < col.minimum:
                    raise values.ValueProblem("below_minimum", f"≥ {values.show_number(col.minimum)}")
                if col.maximum is not None and number > col.maximum:
                    raise values.ValueProblem("above_maximum", f"≤ {values.show_number(col.maximum)}")
                return number
            if col.kind == schema.BOOL:
                return values.parse_bool(raw)
            if col.kind == schema.REGION:
                return self.region(col, raw)
        except values.ValueProblem as exc:
            return Problem("", None, None, None, exc.code, exc.expected)
        raise AssertionError(f"unknown column kind {col.kind}")

    def enum(self, col: schema.Column, raw):
        text = values.clean_text(raw).lower()
        value = schema.choice_lookup(col).get(text)
        if value is None:
            allowed = ", ".join(f"{c.value} [{c.zh}]" for c in col.choices)
            raise values.ValueProblem("unknown_value", allowed)
        return value

    def region(self, col: schema.Column, raw):
        text = values.clean_text(raw)
        region = self.registry.resolve(text)
        if region is None:
            suggestions = "、".join(self.registry.suggest(text, 3))
            return Problem("", None, None, None, "unknown_region", "", suggestions)
        if col.rollup == "prefecture" and region.level == "province":
            return Problem("", None, None, None, "region_too_coarse", "prefecture / county")
        return region

    def rules(self, out: pd.DataFrame) -> None:
        """Rules across columns of one row."""
        if self.table is schema.NEEDS:
            for i, (status, closed, reported) in enumerate(
                zip(out["status"], out["closed_on"], out["reported_on"])
            ):
                if status in ("met", "cancelled") and closed is None:
                    self.problem(i, "closed_on", "", "closed_on_required")
                elif closed is not None and reported is not None and closed < reported:
                    self.problem(i, "closed_on", closed.isoformat(), "closed_before_reported",
                                 f"≥ {reported.isoformat()}")
        if self.table is schema.DELIVERIES:
            for i, (status, delivered, dispatched) in enumerate(
                zip(out["status"], out["delivered_on"], out["dispatched_on"])
            ):
                if status == "delivered" and delivered is None:
                    self.problem(i, "delivered_on", "", "delivered_on_required")
                elif delivered is not None and dispatched is not None and delivered < dispatched:
                    self.problem(i, "delivered_on", delivered.isoformat(),
                                 "delivered_before_dispatched", f"≥ {dispatched.isoformat()}")
        if self.table is schema.FACILITIES:
            for i, (lat, lon) in enumerate(zip(out["lat"], out["lon"])):
                already = (i, "lat") in self.bad_cells or (i, "lon") in self.bad_cells
                if (lat is None) != (lon is None) and not already:
                    missing = "lon" if lon is None else "lat"
                    self.problem(i, missing, "", "coordinate_pair")
            self.coordinates(out)

    def coordinates(self, out: pd.DataFrame) -> None:
        """A facility's point must lie in (or within a tolerance of) its region; a
        latitude beyond 90 that is a longitude of the region says the two are swapped.

        Points are first tested together, region by region; only those not plainly
        inside are measured one by one.
        """
        from geo.placement import inside_mask, outside_region

        inside = self._plainly_inside(out, inside_mask)
        for i, (lat, lon, system, region) in enumerate(
                zip(out["lat"], out["lon"], out["coord_system"], out["region"])):
            if i in inside:
                continue
            if region is None:
                continue
            if lat is None and lon is not None and (i, "lat") in self.bad_cells:
                raw = self.cells["lat"].iloc[i] if "lat" in self.cells else None
                try:
                    as_lon = values.parse_number(raw)
                except values.ValueProblem:
                    continue
                if -90 <= lon <= 90 and outside_region(lon, as_lon, system or "wgs84", region) is None:
                    self.problem(i, "lat", f"{as_lon:g}, {lon:g}", "coordinates_swapped", region.name)
                continue
            if lat is None or lon is None or i in self.bad_rows:
                continue
            found = outside_region(lat, lon, system or "wgs84", region)
            if found is not None:
                km, swapped = found
                self.problem(i, "lat", f"{lat:g}, {lon:g}", "outside_region",
                             region.name, "swapped" if swapped else f"{km:,.0f} km")


def _number(col: schema.Column, raw):
    """A number, or for a free-text quantity column ``1万``/``4千只`` read as one."""
    try:
        return values.parse_int(raw) if col.kind == schema.INT else values.parse_number(raw)
    except values.ValueProblem:
        if not col.free_text_quantity:
            raise
        from data_loaders.ingest.quantities import parse_quantity, split_item_quantity

        found = parse_quantity(raw)
        # Nothing read, or words besides the quantity (防护服1万): not guessed away.
        if found is None or split_item_quantity(raw) is not None:
            raise
        # 1万 multiplies: a long run of digits before it may still be too large.
        return values.check_magnitude(found[0])


def _derived_key(*parts) -> str | None:
    """Join parsed key parts (a Region counts by its adcode); None if any is missing."""
    if any(p is None for p in parts):
        return None
    return ":".join(getattr(p, "adcode", None) or (p.isoformat() if hasattr(p, "isoformat")
                                                   else str(p)) for p in parts)


def derive(table: schema.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the derived columns of valid rows and turn Region objects into adcodes."""
    frame = frame.copy()
    region_cols = [c for c in table.input_columns if c.kind == schema.REGION]
    for col in region_cols:
        regions = frame[col.name]
        if col.rollup == "prefecture":
            frame["region_adcode"] = [r.prefecture if r is not None else None for r in regions]
            if "county_adcode" in table.column_names:
                frame["county_adcode"] = [
                    r.adcode if r is not None and r.level == "county" else None for r in regions
                ]
        else:
            frame["region_adcode"] = [r.adcode if r is not None else None for r in regions]
            frame["prefecture_adcode"] = [r.prefecture if r is not None else None for r in regions]
        frame[col.name] = [r.name if r is not None else None for r in regions]
    if table is schema.FACILITIES:
        frame = _display_coordinates(frame)
    for col in table.columns:
        if col.name not in frame.columns:  # derived by the store when written
            continue
        if col.kind == schema.DATE:
            frame[col.name] = pd.to_datetime(frame[col.name]).astype("datetime64[s]")
        elif col.kind == schema.INT:
            frame[col.name] = pd.array(frame[col.name], dtype="Int64")
        elif col.kind == schema.FLOAT:
            frame[col.name] = pd.to_numeric(frame[col.name]).astype("float64")
        elif col.kind == schema.BOOL:
            frame[col.name] = pd.array(frame[col.name], dtype="boolean")
    return frame.reindex(columns=table.column_names)


def _display_coordinates(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert declared coordinates into the boundaries' system, so points sit on the map."""
    from geo.coords import to_display

    lat = pd.to_numeric(frame["lat"]).astype("float64").to_numpy()
    lon = pd.to_numeric(frame["lon"]).astype("float64").to_numpy()
    map_lat = np.full(len(frame), np.nan)
    map_lon = np.full(len(frame), np.nan)
    systems = frame["coord_system"].fillna("wgs84").to_numpy()
    for system in set(systems):
        mask = (systems == system) & ~np.isnan(lat) & ~np.isnan(lon)
        if mask.any():
            y, x = to_display(lat[mask], lon[mask], system)
            map_lat[mask], map_lon[mask] = y, x
    frame["map_lat"], frame["map_lon"] = map_lat, map_lon
    return frame


def check_columns(raw: RawTable, table: schema.Table,
                  registry) -> tuple[pd.DataFrame | None, list[Problem], set[int]]:
    """The input columns of ``table`` read from ``raw`` and typed, row by row (columns of
    other tables in the same file are left alone), every problem found, and the indexes
    of the rows that have one. None instead of the columns when the layout is refused."""
    check = _TableCheck(raw, table, registry)
    return check.run(), check.problems, check.bad_rows


def validate(raw_tables: list[RawTable], known_keys=None,
             registry=None, rejected: dict[str, set[str]] | None = None) -> ValidationResult:
    """Validate raw tables together, including references between them.

    ``known_keys`` are keys already in the store, per table (a set each, or a
    store.StoredKeys that asks the store), so a needs file may refer to facilities
    imported earlier; ``rejected`` are keys an earlier step of the same
    import left out, so rows referring to them are left out too. Returns typed frames
    of the valid rows and every problem; callers decide whether to write anything.
    """
    if registry is None:
        from geo.regions import load_registry

        registry = load_registry()
    known_keys = known_keys or {}
    result = ValidationResult()
    checked: dict[str, list[tuple[_TableCheck, pd.DataFrame]]] = {}
    for raw in raw_tables:
        table = raw.table or schema.table_for_headers(list(raw.frame.columns))
        if table is None:
            result.problems.append(Problem(raw.label, None, None, None, "unknown_table",
                                           ", ".join(schema.TABLES)))
            continue
        check = _TableCheck(raw, table, registry)
        typed = check.run()
        if typed is None:  # a layout that lies: refused whole, no row taken
            result.problems.extend(check.problems)
            result.rows_read[table.name] = result.rows_read.get(table.name, 0) + len(raw.frame)
            continue
        checked.setdefault(table.name, []).append((check, typed))
        result.rows_read[table.name] = result.rows_read.get(table.name, 0) + len(typed)
        result.sources.setdefault(table.name, []).append(raw.label)

    keys = _check_keys(checked)
    for name, items in checked.items():
        table = schema.TABLES[name]
        for check, typed in items:
            _check_references(check, typed, table, keys, known_keys, rejected or {})
    result.rejected_keys = _cascade(checked, rejected or {}, known_keys)
    for name, items in checked.items():
        table = schema.TABLES[name]
        good = []
        for check, typed in items:
            result.problems.extend(check.problems)
            keep = [i for i in range(len(typed)) if i not in check.bad_rows]
            good.append(derive(table, typed.iloc[keep]))
            result.rejected.extend(_rejected_rows(check, table))
        result.frames[name] = pd.concat(good, ignore_index=True) if good else pd.DataFrame()
    # Read in file order, row by row, as a person fixing the file would.
    result.problems.sort(key=lambda p: (p.file, p.row or 0))
    return result


def _rejected_rows(check: _TableCheck, table: schema.Table) -> list[dict]:
    """The raw cells of each rejected row, with its problems, for the quarantine."""
    by_row: dict[int, list[Problem]] = {}
    for problem in check.problems:
        if problem.row is not None:
            by_row.setdefault(problem.row, []).append(problem)
    rows = []
    for i in sorted(check.bad_rows):
        raw = check.raw.frame.iloc[i]
        # Kept for a person to fix: every cell but contacts (docs/SECURITY.md).
        record = {str(k): (None if values.is_blank(v) else values.strip_contacts(str(v)))
                  for k, v in raw.items() if not values.CONTACT_HEADER.search(str(k))}
        number = check.raw.rows[i]
        problems = [p.as_dict() for p in by_row.get(number, [])]
        for problem in problems:
            if isinstance(problem.get("value"), str):
                problem["value"] = values.strip_contacts(problem["value"])
        rows.append({"table": table.name, "file": check.raw.label, "row": number,
                     "record": record, "problems": problems})
    return rows


def _check_keys(checked) -> dict[str, set[str]]:
    """Report duplicate keys within an import; return the keys each table brings."""
    keys: dict[str, set[str]] = {}
    for name, items in checked.items():
        table = schema.TABLES[name]
        seen: dict[str, str] = {}
        for check, typed in items:
            for i, key in enumerate(typed[table.key]):
                if key is None:
                    continue
                where = f"{check.raw.label}:{check.raw.rows[i]}"
                if key in seen:
                    check.problem(i, table.key, key, "duplicate_id", suggestion=seen[key])
                else:
                    seen[key] = where
        keys[name] = set(seen)
    return keys


def _bad_keys(checked) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """Keys of rejected rows per table (a key some other row brings validly is not bad),
    and where each rejected row is (``file:row``), so its children can point at it."""
    bad: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for name, items in checked.items():
        key = schema.TABLES[name].key
        good_keys, bad_keys = set(), set()
        for check, typed in items:
            for i, value in enumerate(typed[key]):
                if value is None:
                    continue
                if i in check.bad_rows:
                    bad_keys.add(value)
                    where.setdefault((name, value), f"{check.raw.label}:{check.raw.rows[i]}")
                else:
                    good_keys.add(value)
        bad[name] = bad_keys - good_keys
    return bad, where


def _cascade(checked, earlier: dict[str, set[str]], known_keys) -> dict[str, set[str]]:
    """Leave out every row whose parent was left out (a need whose facility was
    rejected, a delivery whose need was), until nothing changes.

    A parent already in the store keeps its children valid: only a parent that this
    import brings, and rejects, takes them along. Returns the rejected keys per table.
    """
    while True:
        bad, where = _bad_keys(checked)
        for name, keys in earlier.items():
            bad[name] = bad.get(name, set()) | keys
        changed = False
        for name, items in checked.items():
            for col in schema.TABLES[name].input_columns:
                rejected = bad.get(col.ref, set()) if col.ref else set()
                gone = rejected - _stored(known_keys, col.ref, rejected) if rejected else set()
                if not gone:
                    continue
                for check, typed in items:
                    for i, value in enumerate(typed[col.name]):
                        if value in gone and i not in check.bad_rows:
                            check.problem(i, col.name, value, "parent_rejected", col.ref,
                                          where.get((col.ref, value), ""))
                            changed = True
        if not changed:
            return bad


def _stored(known_keys, name: str, values) -> set:
    """Which of ``values`` the store holds as keys of table ``name``: ``known_keys`` is a
    set of keys per table, or asks the store for these values only (store.StoredKeys)."""
    if hasattr(known_keys, "among"):
        return known_keys.among(name, values)
    return set(values) & known_keys.get(name, set())


def _check_references(check, typed, table, keys, known_keys, earlier) -> None:
    """Every reference must point at a row of this import or of the store; one that
    points at a row an earlier step of the import rejected says so."""
    for col in table.input_columns:
        if not col.ref:
            continue
        here = keys.get(col.ref, set())
        stored = _stored(known_keys, col.ref,
                         {v for v in typed[col.name] if v is not None and v not in here})
        for i, value in enumerate(typed[col.name]):
            if value is not None and value not in here and value not in stored:
                code = "parent_rejected" if value in earlier.get(col.ref, ()) else "unknown_reference"
                check.problem(i, col.name, value, code, expected=col.ref)
