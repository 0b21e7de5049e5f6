"""Families in difficulty, in aggregate: what the lead organisation, funders and
researchers see of the assessment rounds (issue 17). No function here returns a row per
household; each returns counts of households, with the small-cell suppression of the
research exports (dashboard.analytics.suppression) applied before anything is filtered.

- :func:`area_shares`: per round, area and region, the households assessed on the area
  and those with the need at the tool's serious level (2: moderate or severe) or above;
- :func:`area_shift`: the same for the whole network in two rounds, side by side (the
  shift from protection and information to livelihood and schooling);
- :func:`indicators`: per round, each indicator's share with its denominator (the
  households asked: those that answered, narrowed by the indicator's ``among``).

A count of households from 1 to k−1 is published as ``"<k"``, and a cell that would let
a reader work one out by subtraction from the network's total as ``"x"``; a share is
published only when both its counts are. Definitions: docs/METHODS.md, "Families in
difficulty".
"""

from __future__ import annotations

import pandas as pd

from dashboard.access import query
from dashboard.analytics import suppression
from data_loaders.households import tool as assessment_tool

# The area a household's region counts in: its province, or its prefecture.
_AREA_OF = {"province": "left(h.region_adcode, 2) || '0000'",
            "prefecture": "left(h.region_adcode, 4) || '00'"}
LEVELS = tuple(_AREA_OF)
NETWORK = "all"  # the region of a row that counts the whole network


def _share(numerator, denominator) -> float | None:
    """numerator ÷ denominator when both are published counts, else None."""
    if isinstance(numerator, (int, float)) and isinstance(denominator, (int, float)) and denominator:
        return float(numerator) / float(denominator)
    return None


def _counted(con, questions: list[str], serious: int, level: str) -> pd.DataFrame:
    """Households assessed on each question and those at ``serious`` or above, per round
    and area of ``level``, with the network's totals as region ``"all"``."""
    area = _AREA_OF[level]
    frame = con.execute(
        f"""
        WITH answered AS (
            SELECT a.round_id, q.question_id, {area} AS region, q.answer
            FROM household_answers q
            JOIN household_assessments a ON a.assessment_key = q.assessment_key
            JOIN households h ON h.household_key = a.household_key
            WHERE list_contains($questions, q.question_id)
        )
        SELECT round_id, question_id, coalesce(region, $network) AS region,
               count(*) AS households, count(*) FILTER (WHERE answer >= $serious) AS with_need
        FROM answered
        GROUP BY GROUPING SETS ((round_id, question_id, region), (round_id, question_id))
        ORDER BY round_id, question_id, region
        """,
        {"questions": questions, "serious": serious, "network": NETWORK},
    ).df()
    for col in ("households", "with_need"):
        frame[col] = frame[col].astype("int64")
    return frame


def _suppressed(frame: pd.DataFrame, counts: list[str], groups: list[str],
                threshold: int | None) -> pd.DataFrame:
    """``counts`` of households suppressed: the network's rows are each group's public
    total, the regions' rows its cells (secondary suppression keeps the total from
    revealing a hidden region)."""
    threshold = threshold or suppression.policy_threshold()
    regions = frame[frame["region"] != NETWORK]
    network = frame[frame["region"] == NETWORK]
    published, _ = suppression.suppress(regions, counts, [groups], threshold)
    # A network row is a group of its own: its total is itself, so only primary
    # suppression applies to it.
    totals, _ = suppression.suppress(network, counts, [groups], threshold)
    return pd.concat([totals, published]).sort_values([*groups, "region"], kind="stable",
                                                        ignore_index=True)


@query("suppressed")
def area_shares(con, level: str = "province", region: str | None = None,
                threshold: int | None = None) -> pd.DataFrame:
    """Per round, need area and region (``level``: province or prefecture; ``"all"`` for
    the whole network): households assessed on the area, households with the need at the
    tool's serious level or above, and the share. Suppressed before ``region`` (one
    region's rows and the network's) is kept. Columns: round_id, area, region,
    households, with_need, share. Rounds, areas (in the tool's order), regions sorted."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {LEVELS}")
    tool = assessment_tool.configured()
    areas = [a.id for a in tool.areas]
    frame = _counted(con, areas, tool.serious, level)
    frame = _suppressed(frame, ["households", "with_need"], ["round_id", "question_id"], threshold)
    frame = frame.rename(columns={"question_id": "area"})
    frame["share"] = [_share(n, d) for n, d in zip(frame["with_need"], frame["households"])]
    if region is not None:
        frame = frame[frame["region"].isin([region, NETWORK])]
    order = {a: i for i, a in enumerate(areas)}
    return frame.sort_values(["round_id", "area", "region"], key=lambda s: s.map(order)
                             if s.name == "area" else s, kind="stable", ignore_index=True)


@query("suppressed")
def area_shift(con, first: str, second: str, threshold: int | None = None) -> pd.DataFrame:
    """For the whole network, each need area's share of households at the serious level
    in round ``first`` and in round ``second``, and the change in percentage points
    (None where a share is suppressed or a round lacks the area). Columns: area,
    households_first, with_need_first, share_first, households_second, with_need_second,
    share_second, change_points. Areas in the tool's order."""
    shares = area_shares(con, threshold=threshold)
    network = shares[shares["region"] == NETWORK].set_index(["round_id", "area"])
    rows = []
    for area in [a.id for a in assessment_tool.configured().areas]:
        row = {"area": area}
        for name, round_id in (("first", first), ("second", second)):
            found = network.loc[(round_id, area)] if (round_id, area) in network.index else None
            for col in ("households", "with_need", "share"):
                row[f"{col}_{name}"] = None if found is None else found[col]
        before, after = row["share_first"], row["share_second"]
        row["change_points"] = (None if before is None or after is None or pd.isna(before)
                                or pd.isna(after) else round((after - before) * 100, 1))
        rows.append(row)
    return pd.DataFrame(rows)


@query("suppressed")
def indicators(con, round_id: str, threshold: int | None = None) -> pd.DataFrame:
    """Each indicator of the tool in round ``round_id`` for the whole network: the
    households asked (those that answered it, narrowed by its ``among``: yes to another
    indicator, or a household with a member of that kind), those counted (an answer in
    its ``counts``) and the share. Columns: indicator, asked, counted, share; in the
    tool's order."""
    tool = assessment_tool.configured()
    answers = con.execute(
        """
        SELECT a.household_key, q.question_id, q.answer, h.children, h.elderly,
               h.sick_or_disabled
        FROM household_answers q
        JOIN household_assessments a ON a.assessment_key = q.assessment_key
        JOIN households h ON h.household_key = a.household_key
        WHERE a.round_id = $round
        ORDER BY a.household_key, q.question_id
        """, {"round": round_id}).df()
    by_question = {qid: rows.set_index("household_key") for qid, rows in
                   answers.groupby("question_id")}
    flags = answers.drop_duplicates("household_key").set_index("household_key")
    rows = []
    for indicator in tool.indicators:
        given = by_question.get(indicator.id, pd.DataFrame(columns=["answer"]))
        asked = given.index
        if indicator.among and indicator.among.startswith("household."):
            flag = indicator.among.removeprefix("household.")
            with_flag = flags.index[flags[flag].fillna(False).astype(bool)]
            asked = asked.intersection(with_flag)
        elif indicator.among:
            parent = by_question.get(indicator.among, pd.DataFrame(columns=["answer"]))
            asked = asked.intersection(parent.index[parent["answer"] == 1])
        counted = int(given.loc[asked, "answer"].isin(indicator.counts).sum()) if len(asked) else 0
        rows.append({"indicator": indicator.id, "asked": len(asked), "counted": counted})
    frame = pd.DataFrame(rows, columns=["indicator", "asked", "counted"])
    threshold = threshold or suppression.policy_threshold()
    # Each indicator is a group of its own: no published total links two of them.
    published, _ = suppression.suppress(frame, ["asked", "counted"], [["indicator"]], threshold)
    published["share"] = [_share(n, d) for n, d in zip(published["counted"], published["asked"])]
    return published


@query("suppressed")
def round_list(con, threshold: int | None = None) -> pd.DataFrame:
    """The assessment rounds, the earliest first: each with its first and last day of
    assessment and how many households it assessed (suppressed as every count of
    households is). Columns: round_id, first_day, last_day, households."""
    frame = con.execute(
        """
        SELECT round_id, min(assessed_on) AS first_day, max(assessed_on) AS last_day,
               count(*) AS households
        FROM household_assessments GROUP BY round_id ORDER BY first_day, round_id
        """).df()
    frame["households"] = frame["households"].astype("int64")
    for col in ("first_day", "last_day"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    published, _ = suppression.suppress(frame, ["households"], [["round_id"]],
                                        threshold or suppression.policy_threshold())
    return published


# --- cases, in aggregate -------------------------------------------------------------

# How long an open case has been open (days since it opened), in bands: the first two
# weeks, the rest of the first month, the second month, longer.
AGE_BANDS = (("0_13", 0, 13), ("14_29", 14, 29), ("30_59", 30, 59), ("60_plus", 60, None))


def _cases(con) -> pd.DataFrame:
    """Every case with its household's region: read to be counted here, never returned."""
    frame = con.execute(
        """
        SELECT h.region_adcode, c.case_status, c.opened_on, c.closed_on
        FROM household_cases c JOIN households h ON h.household_key = c.household_key
        ORDER BY c.household_key
        """).df()
    for col in ("opened_on", "closed_on"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _area(adcodes: pd.Series, level: str) -> pd.Series:
    """The province (``xx0000``) or prefecture (``xxxx00``) of each region code."""
    keep = 2 if level == "province" else 4
    return adcodes.astype(str).str[:keep] + "0" * (6 - keep)


def _per_region(frame: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """Sums of the 0/1 (or amount) ``columns`` per ``frame["region"]`` and for the
    network (region ``"all"``), regions sorted."""
    counted = pd.DataFrame({"region": frame["region"], **columns})
    regions = counted.groupby("region", sort=True).sum().reset_index()
    network = counted.drop(columns="region").sum().to_frame().T.assign(region=NETWORK)
    return pd.concat([network, regions], ignore_index=True)[["region", *columns]]


@query("suppressed", casework=True)
def case_summary(con, as_of, level: str = "province",
                 threshold: int | None = None) -> pd.DataFrame:
    """The cases as of ``as_of`` per region (``level``: province or prefecture) and for
    the network (``"all"``, first; then regions sorted): open cases (opened on or before
    ``as_of`` and not closed by then), those resolved and those closed as lost contact
    by then, the median days from opening to resolution, the households given cash aid
    by then and the yuan given. Counts of households suppressed; the median published
    only with its count of resolved cases, the yuan only with its count of households.
    Columns: region, open, resolved, lost_contact, median_days, cash_households, cash_cny."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {LEVELS}")
    day = pd.Timestamp(as_of)
    cases = _cases(con)
    cases["region"] = _area(cases["region_adcode"], level)
    opened = cases["opened_on"] <= day
    closed = cases["closed_on"].notna() & (cases["closed_on"] <= day)
    resolved = closed & (cases["case_status"] == "resolved")
    counts = _per_region(cases, {
        "open": (opened & ~closed).astype("int64"),
        "resolved": resolved.astype("int64"),
        "lost_contact": (closed & (cases["case_status"] == "lost_contact")).astype("int64")})
    days = (cases["closed_on"] - cases["opened_on"]).dt.days.where(resolved)
    medians = {r: float(d.median()) for r, d in days.groupby(cases["region"]) if d.notna().any()}
    if days.notna().any():
        medians[NETWORK] = float(days.median())
    counts["median_days"] = [medians.get(r) for r in counts["region"]]
    cash = _cash(con, day, level)
    counts = counts.merge(cash, on="region", how="left")
    counts["cash_households"] = counts["cash_households"].fillna(0).astype("int64")
    counts["cash_cny"] = counts["cash_cny"].fillna(0.0)
    published = _suppressed(counts.assign(group="cases"),
                            ["open", "resolved", "lost_contact", "cash_households"], ["group"],
                            threshold)
    # A figure about hidden households is hidden with them.
    published["median_days"] = pd.Series(
        [d if isinstance(n, (int, float)) and not pd.isna(d) else None
         for d, n in zip(published["median_days"], published["resolved"])],
        index=published.index, dtype=object)
    published["cash_cny"] = pd.Series(
        [c if isinstance(n, (int, float)) and n else None
         for c, n in zip(published["cash_cny"], published["cash_households"])],
        index=published.index, dtype=object)
    published = published.drop(columns="group")
    order = published["region"] != NETWORK
    return published.loc[order.sort_values(kind="stable").index].reset_index(drop=True)


def _cash(con, day: pd.Timestamp, level: str) -> pd.DataFrame:
    """Per region and for the network: households given cash aid by ``day`` and the
    yuan given. Columns: region, cash_households, cash_cny."""
    given = con.execute(
        """
        SELECT h.household_key, h.region_adcode, s.amount_cny, s.given_on
        FROM household_services s JOIN households h ON h.household_key = s.household_key
        WHERE s.service_kind = 'cash_aid'
        ORDER BY s.service_key
        """).df()
    given = given[pd.to_datetime(given["given_on"]) <= day]
    per_household = given.groupby(["household_key", "region_adcode"], as_index=False)[
        "amount_cny"].sum()
    per_household["region"] = _area(per_household["region_adcode"], level)
    return _per_region(per_household, {
        "cash_households": pd.Series(1, index=per_household.index, dtype="int64"),
        "cash_cny": per_household["amount_cny"].fillna(0.0).astype("float64")})


def latest_casework(con):
    """The last day anything was done on a case (a contact, a close, a service), or None:
    the day a report's cases are counted to unless it names one."""
    found = con.execute(
        "SELECT max(d) FROM (SELECT max(last_contact_on) AS d FROM household_cases "
        "UNION ALL SELECT max(closed_on) FROM household_cases "
        "UNION ALL SELECT max(given_on) FROM household_services) AS days").fetchall()
    day = found[0][0] if found else None
    return None if day is None or pd.isna(day) else pd.Timestamp(day).date()


@query("suppressed", casework=True)
def open_case_ages(con, as_of, threshold: int | None = None) -> pd.DataFrame:
    """The network's cases open on ``as_of`` by how long they have been open
    (:data:`AGE_BANDS`), the youngest band first; counts suppressed, as a group whose
    total (the open cases) is published. Columns: band, cases."""
    day = pd.Timestamp(as_of)
    cases = _cases(con)
    open_ = cases[(cases["opened_on"] <= day)
                  & ~(cases["closed_on"].notna() & (cases["closed_on"] <= day))]
    age = (day - open_["opened_on"]).dt.days
    rows = [{"band": band, "cases": int(((age >= low) & ((age <= high) if high is not None
                                                         else True)).sum())}
            for band, low, high in AGE_BANDS]
    frame = pd.DataFrame(rows, columns=["band", "cases"]).assign(group="open")
    published, _ = suppression.suppress(frame, ["cases"], [["group"]],
                                        threshold or suppression.policy_threshold())
    return published.drop(columns="group")
