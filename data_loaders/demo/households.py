"""The demo network of families in difficulty (issue 17): three fictional social-work
organisations in three provinces follow 150 households through two assessment rounds on
the default tool, late January and late February 2020. Everything is invented; the
proportions echo what the 2020 monitoring reported: needs moving from protection and
information to livelihood and schooling, most without a labour contract, few of those
with one insured by the employer, many unable to return to the city, fear common.

Written through the real round import (data_loaders.households.rounds), so the demo
passes every check a real round does.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np

from data_loaders import store
from data_loaders.households import rounds
from data_loaders.households.tool import DEFAULT_TOOL, Tool, load

# (org_id, name, region, the districts its households live in)
ORGANIZATIONS = (
    ("DEMO-SW-BJ", "京北社工服务中心（演示）", "北京市", ("朝阳区", "丰台区", "昌平区", "大兴区")),
    ("DEMO-SW-GD", "珠江社工服务中心（演示）", "广州市", ("白云区", "番禺区", "天河区", "海珠区")),
    ("DEMO-SW-JX", "赣江社工服务中心（演示）", "南昌市", ("红谷滩区", "青山湖区", "新建区")),
)
HOUSEHOLDS_PER_ORG = 50
ROUNDS = (("2020-R1", date(2020, 1, 28)), ("2020-R2", date(2020, 2, 25)))
DEMO_TODAY = date(2020, 3, 31)  # the last day of the Hubei demo: casework is done by then
# Chance that an area is at severity 2 or 3, per round: protection and information ease,
# livelihood and schooling grow.
SERIOUS = {
    "protection": (0.70, 0.25), "information": (0.60, 0.20), "livelihood": (0.35, 0.70),
    "health": (0.25, 0.30), "social_security": (0.30, 0.45), "education": (0.20, 0.60),
    "emotional": (0.50, 0.40), "self_realisation": (0.10, 0.15),
}
# Chance of a yes (health: of "good"), per round.
YES = {
    "labour_contract": (0.37, 0.37), "employer_insurance": (0.18, 0.18),
    "health_good": (0.56, 0.55), "able_to_return": (0.35, 0.60), "fear": (0.60, 0.45),
    "knows_policy": (0.35, 0.42), "income_lost": (0.70, 0.62), "online_classes": (0.55, 0.68),
}
_COLUMNS = ("household_id", "org_id", "region", "size", "children", "elderly",
            "sick_or_disabled", "migration_status", "round_id", "assessed_on")


def _households(rng: np.random.Generator) -> list[dict]:
    """Each household's record: fixed across both rounds but for its migration status."""
    made = []
    for org_id, _, _, districts in ORGANIZATIONS:
        for n in range(1, HOUSEHOLDS_PER_ORG + 1):
            children = bool(rng.random() < 0.6)
            made.append({
                "household_id": f"{org_id.rsplit('-', 1)[-1]}-{n:03d}", "org_id": org_id,
                "region": str(rng.choice(districts)),
                "size": int(rng.integers(2, 6)) + (1 if children else 0),
                "children": children, "elderly": bool(rng.random() < 0.3),
                "sick_or_disabled": bool(rng.random() < 0.15),
            })
    return made


def _severity(rng: np.random.Generator, serious: float) -> int:
    return int(rng.choice([2, 3]) if rng.random() < serious else rng.choice([0, 1]))


def round_file(rng: np.random.Generator, households: list[dict], index: int,
               tool: Tool) -> bytes:
    """Round ``index`` (0 or 1) of ``households`` as the CSV a network would import."""
    round_id, day = ROUNDS[index]
    out = io.StringIO()
    questions = [q.id for q in tool.questions]
    out.write(",".join([*_COLUMNS, *questions]) + "\n")
    for h in households:
        able = rng.random() < YES["able_to_return"][index]
        status = "in_city" if able else ("unable_to_return" if rng.random() < 0.7 else "at_home")
        answers = {area: _severity(rng, SERIOUS[area][index]) for area in SERIOUS}
        contract = rng.random() < YES["labour_contract"][index]
        for indicator, chances in YES.items():
            chance = chances[index]
            if indicator == "labour_contract":
                answers[indicator] = int(contract)
            elif indicator == "employer_insurance":
                answers[indicator] = int(rng.random() < chance) if contract else ""
            elif indicator == "online_classes":
                answers[indicator] = int(rng.random() < chance) if h["children"] else ""
            elif indicator == "health_good":
                answers[indicator] = 2 if rng.random() < chance else int(rng.choice([0, 1]))
            elif indicator == "able_to_return":
                answers[indicator] = int(able)
            else:
                answers[indicator] = int(rng.random() < chance)
        row = [h["household_id"], h["org_id"], h["region"], h["size"], int(h["children"]),
               int(h["elderly"]), int(h["sick_or_disabled"]), status, round_id, day.isoformat()]
        out.write(",".join(str(v) for v in [*row, *(answers.get(q, "") for q in questions)])
                  + "\n")
    return out.getvalue().encode("utf-8")


def write_households(con, seed: int = 7) -> dict[str, int]:
    """Add the demo network to the store at ``con``: its three organisations and both
    rounds of its households (on the default tool, whatever the server's tool is).
    Returns rows written per kind."""
    from data_loaders.ingest.readers import read_file
    from data_loaders.ingest.validation import validate

    lines = ["org_id,name,org_type,region"] + [f"{o},{n},other,{r}" for o, n, r, _ in ORGANIZATIONS]
    checked = validate(read_file("organizations.csv", "\n".join(lines).encode("utf-8")))
    if not checked.ok:
        raise RuntimeError(f"the demo network's organisations: {checked.problems}")
    with store.transaction(con, reason="demo"):
        store.upsert(con, {"organizations": checked.frames["organizations"]})
    tool = load(DEFAULT_TOOL)
    rng = np.random.default_rng(seed)
    households = _households(rng)
    written = {"organizations": len(ORGANIZATIONS), "households": len(households),
               "assessments": 0, "answers": 0}
    for index, (round_id, _) in enumerate(ROUNDS):
        report = rounds.import_round(con, f"{round_id}.csv", round_file(rng, households, index, tool),
                                     tool)
        if not report.committed:
            raise RuntimeError(f"the demo round {round_id}: {report.problems[:3]}")
        written["assessments"] += report.assessments
        written["answers"] += report.answers
    # A month of casework as one change: a transaction per service took 5 s.
    with store.transaction(con, reason="demo"):
        written["services"], written["closed"] = _casework(con, rng, households)
    return written


# Why a demo case closed (fictional, as everything here).
_CLOSE_REASONS = ("已返城复工，收入恢复", "孩子已复课，家庭生活稳定", "已纳入当地低保",
                  "转介至当地社工站持续跟进")


def _casework(con, rng: np.random.Generator, households: list[dict]) -> tuple[int, int]:
    """A month of casework after the second round, through the real case functions:
    information for many, small cash aid for about a third, a few referrals to another
    organisation of the network, some cases resolved and a few lost contact; the rest
    open with reviews due around the demo's last day. Returns (services, cases closed)."""
    from data_loaders.households import cases

    after = ROUNDS[-1][1]
    today = DEMO_TODAY
    orgs = [o for o, *_ in ORGANIZATIONS]
    services = closed = 0
    for h in households:
        org, hid = h["org_id"], h["household_id"]

        def day(low: int, high: int):
            return after + timedelta(days=int(rng.integers(low, high)))

        given = []
        if rng.random() < 0.5:
            given.append((day(1, 10), "information", None, None))
        if rng.random() < 0.3:
            given.append((day(3, 20), "cash_aid", float(rng.integers(3, 11) * 100), None))
        if rng.random() < 0.15:
            given.append((day(5, 20), "supplies", None, None))
        if rng.random() < 0.06:
            others = [o for o in orgs if o != org]
            given.append((day(5, 25), "referral", None, str(rng.choice(others))))
        for on, kind, amount, referred in sorted(given, key=lambda g: g[0]):
            problems = cases.add_service(con, org, hid, on, kind, amount, referred, today=today)
            if problems:
                raise RuntimeError(f"the demo's services: {problems[:3]}")
            services += 1
        fate = rng.random()
        if fate < 0.22:
            problems = cases.update_case(con, org, hid, "resolved", day(20, 34),
                                         close_reason=str(rng.choice(_CLOSE_REASONS)),
                                         today=today)
            closed += 1
        elif fate < 0.27:
            problems = cases.update_case(con, org, hid, "lost_contact", day(25, 35),
                                         close_reason="电话停机，多次上门未见", today=today)
            closed += 1
        elif fate < 0.85:
            contact = day(20, 35)
            problems = cases.update_case(con, org, hid, "in_progress", contact,
                                         next_review_on=contact + timedelta(
                                             days=int(rng.integers(5, 21))), today=today)
        else:
            problems = []  # not heard from since the second round
        if problems:
            raise RuntimeError(f"the demo's cases: {problems[:3]}")
    return services, closed
