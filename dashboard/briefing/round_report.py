"""A round's report on the families in difficulty (issue 17): what one assessment round
found and how it shifted from the round before, the indicators with their
denominators, the needs by province, and the cases followed (open by age, resolved and
how long it took, cash aid), as Markdown (for group chats) and as self-contained HTML
printed to PDF, Chinese first, in the style of the morning briefing.

Built only from the suppressed aggregates of dashboard.analytics.households: the
report names no household, and a count under the threshold reads "<k" (or "x") as on
the Families page. Every value from the data is escaped (the round's id and the tool's
labels are typed by people).
"""

from __future__ import annotations

import html

import pandas as pd

from dashboard.access import query
from dashboard.analytics import households as hh
from dashboard.analytics import suppression
from dashboard.briefing.render import CSS, _md
from dashboard.i18n import t
from dashboard.present import formatting
from dashboard.present.formatting import points, published_count
from data_loaders.households import tool as assessment_tool

FORMATS = ("md", "html", "pdf")


class UnknownRound(ValueError):
    """The round asked for is not in the store; ``known`` lists the ones that are."""

    def __init__(self, round_id: str, known: list[str]):
        super().__init__(f"no round {round_id!r}; the rounds: {', '.join(known) or 'none'}")
        self.round_id, self.known = round_id, known


def _plain(value):
    """A published count or share as a number (None for a hidden or missing one)."""
    if isinstance(value, (int, float)) and not pd.isna(value):
        return value.item() if hasattr(value, "item") else value
    return value if isinstance(value, str) else None


@query("suppressed", casework=True)
def build_round_report(con, round_id: str, previous: str | None = None, as_of=None,
                       threshold: int | None = None) -> dict:
    """The figures of round ``round_id`` compared with ``previous`` (the round before it
    unless named), and the cases as of ``as_of`` (the round's last day of assessment
    unless given): a dict of plain values, counts as numbers or their markers ("<k",
    "x"). Raises :class:`UnknownRound` for a round the store does not hold."""
    tool = assessment_tool.configured()
    rounds = hh.round_list(con, threshold=threshold)
    known = list(rounds["round_id"])
    for wanted in (round_id, previous):
        if wanted is not None and wanted not in known:
            raise UnknownRound(wanted, known)
    at = known.index(round_id)
    if previous is None and at > 0:
        previous = known[at - 1]
    info = rounds.iloc[at]
    as_of = as_of or max(d for d in (info["last_day"], hh.latest_casework(con)) if d)
    shift = hh.area_shift(con, previous or round_id, round_id, threshold=threshold)
    shares = hh.area_shares(con, threshold=threshold)
    shares = shares[(shares["round_id"] == round_id) & (shares["region"] != hh.NETWORK)]
    cases = hh.case_summary(con, as_of, threshold=threshold)
    ages = hh.open_case_ages(con, as_of, threshold=threshold)
    return {
        "round": round_id, "previous": previous, "tool": {"zh": tool.zh, "en": tool.en},
        "first_day": str(info["first_day"]), "last_day": str(info["last_day"]),
        "households": _plain(info["households"]), "as_of": str(pd.Timestamp(as_of).date()),
        "serious": tool.serious,
        "threshold": threshold or suppression.policy_threshold(),
        "areas": [{"id": a.id, "zh": a.zh, "en": a.en,
                   **{k: _plain(r[k]) for k in ("share_first", "share_second", "change_points",
                                                "households_second", "with_need_second")}}
                  for a, (_, r) in zip(tool.areas, shift.iterrows())],
        "indicators": [{"id": q.id, "zh": q.zh, "en": q.en,
                        **{k: _plain(r[k]) for k in ("asked", "counted", "share")}}
                       for q, (_, r) in zip(tool.indicators,
                                            hh.indicators(con, round_id,
                                                          threshold=threshold).iterrows())],
        "regions": [{"region": region, "areas": {r["area"]: _plain(r["share"])
                                                 for _, r in rows.iterrows()}}
                    for region, rows in shares.groupby("region", sort=True)],
        "cases": [{k: _plain(r[k]) for k in cases.columns} for _, r in cases.iterrows()],
        "ages": [{"band": b, "cases": _plain(n)} for b, n in zip(ages["band"], ages["cases"])],
    }


# --- shared wording ---------------------------------------------------------------

def _label(item: dict, lang: str) -> str:
    return item["zh"] if lang == "zh" else item["en"]


def _region(adcode: str, lang: str) -> str:
    from geo.regions import load_registry

    try:
        region = load_registry().get(adcode)
    except KeyError:
        return adcode
    return region.name if lang == "zh" else region.name_en


def _findings(r: dict, lang: str) -> list[str]:
    """The report's first lines: the largest rise and fall between the rounds, the most
    common serious need, and the cases."""
    lines = []
    moved = [a for a in r["areas"] if a["change_points"] is not None]
    if r["previous"] and moved:
        up = max(moved, key=lambda a: a["change_points"])
        down = min(moved, key=lambda a: a["change_points"])
        if up["change_points"] > 0:
            lines.append(t("round_report.rose", lang, area=_label(up, lang),
                           points=points(up["change_points"], lang), previous=r["previous"]))
        if down["change_points"] < 0:
            lines.append(t("round_report.fell", lang, area=_label(down, lang),
                           points=points(down["change_points"], lang)))
    shown = [a for a in r["areas"] if a["share_second"] is not None]
    if shown:
        top = max(shown, key=lambda a: a["share_second"])
        lines.append(t("round_report.top", lang, area=_label(top, lang),
                       share=formatting.percent(top["share_second"], 1)))
    network = next((c for c in r["cases"] if c["region"] == hh.NETWORK), None)
    if network:
        lines.append(t("round_report.cases", lang, day=r["as_of"], open=published_count(network["open"]),
                       resolved=published_count(network["resolved"]),
                       cash=formatting.money(network["cash_cny"], lang)
                       if network["cash_cny"] is not None else formatting.MISSING))
    return lines


def _title(r: dict, lang: str) -> tuple[str, str]:
    title = t("round_report.title", lang, round=r["round"])
    sub = t("round_report.subtitle", lang, tool=_label(r["tool"], lang), first=r["first_day"],
            last=r["last_day"], households=published_count(r["households"]))
    return title, sub


def _area_rows(r: dict, lang: str) -> list[list[str]]:
    return [[_label(a, lang), formatting.percent(a["share_first"], 1) if r["previous"] else "",
             formatting.percent(a["share_second"], 1), points(a["change_points"], lang)
             if r["previous"] else "", published_count(a["households_second"])] for a in r["areas"]]


def _indicator_rows(r: dict, lang: str) -> list[list[str]]:
    return [[_label(q, lang), formatting.percent(q["share"], 1), published_count(q["counted"]),
             published_count(q["asked"])] for q in r["indicators"]]


def _case_rows(r: dict, lang: str) -> list[list[str]]:
    rows = []
    for c in r["cases"]:
        name = t("round_report.network", lang) if c["region"] == hh.NETWORK else \
            _region(c["region"], lang)
        rows.append([name, published_count(c["open"]), published_count(c["resolved"]),
                     formatting.MISSING if c["median_days"] is None else f"{c['median_days']:g}",
                     published_count(c["lost_contact"]), published_count(c["cash_households"]),
                     formatting.MISSING if c["cash_cny"] is None else
                     formatting.money(c["cash_cny"], lang)])
    return rows


def _headers(kind: str, r: dict, lang: str) -> list[str]:
    if kind == "areas":
        return [t("households.col.area", lang),
                t("households.col.share", lang, round=r["previous"] or ""),
                t("households.col.share", lang, round=r["round"]),
                t("households.col.change", lang),
                t("households.col.assessed", lang, round=r["round"])]
    if kind == "indicators":
        return [t("households.col.indicator", lang), t("households.col.indicator_share", lang),
                t("households.col.counted", lang), t("households.col.asked", lang)]
    return [t("round_report.col.region", lang), *(t(f"households.cases.col.{c}", lang) for c in (
        "open", "resolved", "median_days", "lost_contact", "cash_households", "cash_cny"))]


def ages_text(ages, lang: str) -> str:
    """How long the open cases have been open, in one line: ``ages`` is (band, cases)
    pairs (dashboard.analytics.households.open_case_ages)."""
    sep = "；" if lang == "zh" else "; "
    bands = [t("households.cases.band." + band, lang) + " " + published_count(cases)
             for band, cases in ages]
    return t("households.cases.ages", lang, ages=sep.join(bands))


def _ages(r: dict, lang: str) -> str:
    return ages_text(((a["band"], a["cases"]) for a in r["ages"]), lang)


def _drop_empty(headers: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Without a previous round the earlier share and the change are left out."""
    keep = [i for i in range(len(headers)) if any(row[i] for row in rows)]
    return [headers[i] for i in keep], [[row[i] for i in keep] for row in rows]


# --- Markdown ---------------------------------------------------------------------

def render_markdown(r: dict, lang: str = "zh") -> str:
    """The report as plain Markdown: bold lines and bullets (chat apps draw no tables)."""
    title, sub = _title(r, lang)
    out = [f"**{_md(title)}**", _md(sub), ""]
    out += [f"- {_md(line)}" for line in _findings(r, lang)]
    out += ["", f"**{_md(t('round_report.section.areas', lang, serious=r['serious']))}**"]
    for a in r["areas"]:
        line = (t("round_report.md.area", lang, area=_label(a, lang),
                  first=formatting.percent(a["share_first"], 1),
                  second=formatting.percent(a["share_second"], 1),
                  change=points(a["change_points"], lang)) if r["previous"] else
                t("round_report.md.area_one", lang, area=_label(a, lang),
                  second=formatting.percent(a["share_second"], 1)))
        out.append(f"- {_md(line)}")
    out += ["", f"**{_md(t('round_report.section.indicators', lang))}**"]
    for q in r["indicators"]:
        line = t("round_report.md.indicator", lang, indicator=_label(q, lang),
                 share=formatting.percent(q["share"], 1), counted=published_count(q["counted"]),
                 asked=published_count(q["asked"]))
        out.append(f"- {_md(line)}")
    out += ["", f"**{_md(t('round_report.section.cases', lang))}**"]
    headers = _headers("cases", r, lang)
    for row in _case_rows(r, lang):
        pairs = [f"{h} {v}" for h, v in zip(headers[1:], row[1:])]
        out.append(f"- {_md(row[0])}：" + "，".join(_md(p) for p in pairs) if lang == "zh" else
                   f"- {_md(row[0])}: " + "; ".join(_md(p) for p in pairs))
    out += [_md(_ages(r, lang)), "", _md(t("round_report.footer", lang, threshold=r["threshold"]))]
    return "\n".join(out) + "\n"


# --- HTML and PDF -----------------------------------------------------------------

def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i else ""}>{e(v)}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(r: dict, lang: str = "zh") -> str:
    """The report as one self-contained HTML page (the briefing's A4 print CSS)."""
    e = html.escape
    title, sub = _title(r, lang)
    parts = [f'<header><h1>{e(title)}</h1><p class="sub">{e(sub)}</p></header>',
             '<ul class="narrative">' + "".join(f"<li>{e(line)}</li>"
                                                for line in _findings(r, lang)) + "</ul>"]
    for kind, rows, key in (("areas", _area_rows(r, lang), "round_report.section.areas"),
                            ("indicators", _indicator_rows(r, lang),
                             "round_report.section.indicators"),
                            ("cases", _case_rows(r, lang), "round_report.section.cases")):
        headers, rows = _drop_empty(_headers(kind, r, lang), rows)
        extra = f'<p class="sub">{e(_ages(r, lang))}</p>' if kind == "cases" else ""
        parts.append(f"<section><h2>{e(t(key, lang, serious=r['serious']))}</h2>"
                     f"{_html_table(headers, rows)}{extra}</section>")
    parts.append(f"<footer>{e(t('round_report.footer', lang, threshold=r['threshold']))}</footer>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def write_round_report(report: dict, fmt: str, lang: str = "zh", out=None) -> str | None:
    """Render ``report`` as ``fmt`` (md, html or pdf) to ``out``, or return the text
    (md and html; a PDF needs a file)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if fmt == "pdf":
        if out is None:
            raise ValueError("a PDF needs an output file")
        from dashboard.briefing.pdf import render_pdf

        render_pdf(render_html(report, lang), out)
        return None
    text = render_markdown(report, lang) if fmt == "md" else render_html(report, lang)
    if out is None:
        return text
    from pathlib import Path

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text, encoding="utf-8")
    return None


def report_name(round_id: str, fmt: str) -> str:
    """A file name for the report: the round's id kept to letters, digits and dashes."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in round_id)[:40] or "round"
    return f"lifeline_round_{safe}.{fmt}"
