"""Families in difficulty: what the assessment rounds show in aggregate (issue 17), for
the lead organisation, funders and researchers. No household is ever shown: every figure
is a count of households under small-cell suppression ("<5", "x") or a share of two
published counts (dashboard.analytics.households).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analytics import suppression
from dashboard.app.cache import cached
from dashboard.app.components import assessment_tool
from dashboard.app.frame import View
from dashboard.app.tables import NAME, TEXT, Col, region_name, show_table
from dashboard.briefing import round_report
from dashboard.i18n import t
from dashboard.present import formatting
from dashboard.present.formatting import points, published_count
from dashboard.present.markup import md

NETWORK = "all"


def _share(value) -> str:
    return formatting.percent(value, 1)


def _plain(text: str) -> str:
    """A value inside a plotly figure's text, shown as itself: plotly reads a few HTML
    tags (links among them) in trace names and labels."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shift_figure(shift: pd.DataFrame, labels: dict[str, str], first: str, second: str,
                  lang: str) -> go.Figure:
    """Each need area's share in the two rounds, side by side: the areas top to bottom in
    the tool's order."""
    figure = go.Figure()
    names = [_plain(labels[a]) for a in shift["area"]]
    series = (("share_first", first, "#9ecae1"), ("share_second", second, "#08519c"))
    for column, round_id, colour in series[1:] if first == second else series:
        values = [None if pd.isna(v) else v for v in shift[column]]
        figure.add_bar(y=names, x=values, name=_plain(round_id), orientation="h",
                       marker_color=colour, textposition="outside", cliponaxis=False,
                       text=[_share(v) if v is not None else "" for v in values],
                       hovertemplate="%{y}: %{x:.1%}<extra>" + _plain(round_id) + "</extra>")
    figure.update_layout(
        barmode="group", height=80 + 46 * len(names), margin=dict(l=10, r=40, t=10, b=40),
        xaxis=dict(tickformat=".0%", range=[0, 1.12], title=t("households.chart.x", lang)),
        yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.12),
        plot_bgcolor="white")
    return figure


def render(view: View) -> None:
    """Families in difficulty: the rounds, how the needs shifted, the indicators, by region."""
    lang = view.lang
    tool = assessment_tool(lang)
    if tool is None:
        return
    rounds = cached(view, "households.round_list")
    if rounds.empty:
        st.info(t("households.none", lang))
        return
    ids = list(rounds["round_id"])
    st.caption(t("households.caption", lang, tool=md(tool.label(lang)), rounds=len(ids)))
    left, right = st.columns(2)
    first = left.selectbox(t("households.first", lang), ids, index=0, key="hh_first")
    second = right.selectbox(t("households.second", lang), ids, index=len(ids) - 1,
                             key="hh_second")
    areas = {a.id: a.label(lang) for a in tool.areas}

    st.subheader(t("households.shift.title", lang))
    shift = cached(view, "households.area_shift", first, second)
    st.caption(t("households.shift.caption", lang, serious=tool.serious))
    st.plotly_chart(_shift_figure(shift, areas, first, second, lang), width="stretch",
                    config={"displayModeBar": False})
    table = pd.DataFrame({
        "area": [areas[a] for a in shift["area"]],
        "households_first": [published_count(v) for v in shift["households_first"]],
        "share_first": [_share(v) for v in shift["share_first"]],
        "households_second": [published_count(v) for v in shift["households_second"]],
        "share_second": [_share(v) for v in shift["share_second"]],
        "change_points": [points(v, lang) for v in shift["change_points"]],
    })
    # The shares and the change first (on a phone they are what fits), then how many
    # households each share is of.
    share = {r: Col(f"share_{n}", TEXT, align="right", header=t("households.col.share", lang, round=r))
             for n, r in (("first", first), ("second", second))}
    assessed = {r: Col(f"households_{n}", TEXT, align="right",
                       header=t("households.col.assessed", lang, round=r))
                for n, r in (("first", first), ("second", second))}
    columns = [Col("area", NAME, header=t("households.col.area", lang)), share[first]]
    if second != first:  # one round chosen twice is shown once, without a change
        columns += [share[second], Col("change_points", TEXT, align="right",
                                       header=t("households.col.change", lang))]
    columns += [assessed[first]] + ([assessed[second]] if second != first else [])
    show_table(table, view, columns, key="hh_shift")

    st.subheader(t("households.indicators.title", lang, round=md(second)))
    found = cached(view, "households.indicators", second)
    indicators = {q.id: q.label(lang) for q in tool.indicators}
    show_table(pd.DataFrame({
        "indicator": [indicators[i] for i in found["indicator"]],
        "counted": [published_count(v) for v in found["counted"]],
        "asked": [published_count(v) for v in found["asked"]],
        "share": [_share(v) for v in found["share"]],
    }), view, [
        # The share next to the name: on a phone the two fit before the grid scrolls.
        Col("indicator", NAME, header=t("households.col.indicator", lang)),
        Col("share", TEXT, header=t("households.col.indicator_share", lang), align="right"),
        Col("counted", TEXT, header=t("households.col.counted", lang), align="right"),
        Col("asked", TEXT, header=t("households.col.asked", lang), align="right"),
    ], key="hh_indicators")
    st.caption(t("households.indicators.caption", lang))

    st.subheader(t("households.regions.title", lang, round=md(second)))
    levels = {"province": t("households.level.province", lang),
              "prefecture": t("households.level.prefecture", lang)}
    level = st.radio(t("households.level", lang), tuple(levels), horizontal=True,
                     format_func=levels.get, key="hh_level")
    shares = cached(view, "households.area_shares", level=level)
    shares = shares[(shares["round_id"] == second) & (shares["region"] != NETWORK)]
    if shares.empty:
        st.info(t("households.regions.none", lang))
    else:
        wide = shares.assign(cell=[_share(v) if not pd.isna(v) else published_count(n)
                                   for v, n in zip(shares["share"], shares["with_need"])])
        wide = wide.pivot(index="region", columns="area", values="cell")
        wide = wide[[a for a in areas if a in wide.columns]].reset_index()
        wide["region"] = [region_name(r, lang) for r in wide["region"]]
        show_table(wide, view, [Col("region", NAME, header=t("households.col.region", lang)),
                                *(Col(a, TEXT, header=areas[a], align="right")
                                  for a in areas if a in wide.columns)], key="hh_regions")
    _cases(view, level, levels[level])
    st.caption(t("households.suppression", lang, threshold=suppression.policy_threshold()))
    _report(view, first, second)


def _report(view: View, first: str, second: str) -> None:
    """The later round's report (compared with the earlier one), built when pressed."""
    from dashboard.app.briefing import pdf_bytes
    from dashboard.app.components import offer
    from dashboard.briefing.pdf import chromium_path

    lang = view.lang
    st.subheader(t("households.report.title", lang, round=md(second)))
    as_of = view.as_of or date.today()
    report = cached(view, "round_report.build_round_report", second,
                    previous=first if first != second else None, as_of=as_of)
    no_chromium = chromium_path() is None
    left, right = st.columns(2)
    with left:
        offer(t("round_report.download_pdf", lang),
              lambda: pdf_bytes(round_report.render_html(report, lang)),
              round_report.report_name(second, "pdf"), "application/pdf", view,
              "dl_round_pdf", type="primary", disabled=no_chromium,
              help=t("briefing.download.no_chromium", lang) if no_chromium else None)
    with right:
        offer(t("round_report.download_md", lang),
              lambda: round_report.render_markdown(report, lang).encode("utf-8"),
              round_report.report_name(second, "md"), "text/markdown", view, "dl_round_md")
    st.caption(t("households.report.caption", lang, day=as_of.isoformat()))


def _published(value) -> bool:
    return isinstance(value, (int, float)) and not pd.isna(value)


def _cases(view: View, level: str, level_name: str) -> None:
    """The cases in aggregate as of the sidebar's day: open by age, resolved and how
    long it took, cash aid, for the network and by region (counts suppressed)."""
    lang = view.lang
    as_of = view.as_of or date.today()
    summary = cached(view, "households.case_summary", as_of, level=level)
    st.subheader(t("households.cases.title", lang, day=as_of.isoformat()))
    network = summary[summary["region"] == NETWORK]
    if network.empty or not any(_published(network.iloc[0][c]) and network.iloc[0][c]
                                for c in ("open", "resolved", "lost_contact")):
        st.info(t("households.cases.none", lang))
        return
    row = network.iloc[0]
    cards = (("open", published_count(row["open"])), ("resolved", published_count(row["resolved"])),
             ("median_days", t("households.days", lang, n=f"{row['median_days']:g}")
              if _published(row["median_days"]) else formatting.MISSING),
             ("cash", formatting.money(row["cash_cny"], lang) if _published(row["cash_cny"])
              else formatting.MISSING))
    for column, (name, value) in zip(st.columns(len(cards)), cards):
        column.metric(t(f"households.cases.card.{name}", lang), value)
    ages = cached(view, "households.open_case_ages", as_of)
    st.caption(round_report.ages_text(zip(ages["band"], ages["cases"]), lang))
    regions = summary[summary["region"] != NETWORK]
    table = pd.DataFrame({
        "region": [region_name(r, lang) for r in regions["region"]],
        "open": [published_count(v) for v in regions["open"]],
        "resolved": [published_count(v) for v in regions["resolved"]],
        "median_days": [f"{v:g}" if _published(v) else formatting.MISSING
                        for v in regions["median_days"]],
        "lost_contact": [published_count(v) for v in regions["lost_contact"]],
        "cash_households": [published_count(v) for v in regions["cash_households"]],
        "cash_cny": [formatting.money(v, lang) if _published(v) else formatting.MISSING
                     for v in regions["cash_cny"]],
    })
    show_table(table, view, [
        Col("region", NAME, header=level_name),
        *(Col(c, TEXT, align="right", header=t(f"households.cases.col.{c}", lang))
          for c in ("open", "resolved", "median_days", "lost_contact", "cash_households",
                    "cash_cny"))], key="hh_cases")
    st.caption(t("households.cases.caption", lang))
