"""Sections of the Funding page: duplicated donations, funding flows (Sankey and table),
funding per region against needs and population, where to direct funds (in the order
of the gap ranking every page shows), the costs per need (a hub edits them, audited)
and the what-if of a budget. Each has a caption saying what it counts; tables are drawn by
:func:`dashboard.app.tables.show_table` (names first, money in 元 or 万元, ids only in the
downloads) and downloadable.
"""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analytics import allocation, funding
from dashboard.app import cache
from dashboard.app.cache import cached, fresh
from dashboard.app.components import download
from dashboard.app.frame import View
from dashboard.app.tables import (
    COUNT,
    DATE,
    DECIMAL,
    ID,
    MONEY,
    NAME,
    REGION,
    TEXT,
    Col,
    layout,
    region_name,
    show_table,
)
from dashboard.i18n import t, value_label
from dashboard.present import formatting
from data_loaders.store import schema

SHOWN_ROWS = 2_000


def _region_name(adcode: str | None, lang: str) -> str:
    return region_name(adcode, lang, missing=t("funding.flows.unknown_region", lang))


def _special(view: View) -> dict:
    """Cells that read differently from their stored value: a grant placed in no region
    says so, and lists of names are joined as the language joins a list (the core joins
    them with "、")."""
    special = {"region_adcode": lambda a: _region_name(a, view.lang)}
    if view.lang != "zh":
        special["suppliers"] = lambda names: names.replace("、", ", ") if isinstance(names, str) else names
    return special


def _columns(view: View, columns: dict[str, str | Col]) -> list[Col]:
    """``columns`` (column → kind or Col) as Cols; a category reads as its label."""
    cols = [c if isinstance(c, Col) else Col(name, c) for name, c in columns.items()]
    return [replace(c, values=c.values or ("category" if c.column == "category" else None))
            for c in cols]


def _table(frame: pd.DataFrame, view: View, columns: dict[str, str | Col], stem: str,
           limit: int = SHOWN_ROWS, file_name: str | None = None,
           download_columns: dict[str, str | Col] | None = None) -> None:
    """Draw the first ``limit`` rows of ``frame`` as people read them and offer all of
    them as a download (names first, ids last, money in yuan), laid out only when the
    button is pressed.

    ``download_columns``: what the download holds when it differs from the screen (the
    full headers, and the columns a table leaves out to fit the page at 1440 px).
    """
    if frame.empty:  # the section says so above; an empty grid would only say "empty"
        return
    cols = _columns(view, columns)
    special = _special(view)
    shown_rows = show_table(frame.head(limit), view, cols, "funding.col", special=special)
    name = file_name or f"lifeline_{stem}_{view.as_of.isoformat()}.csv"
    if len(frame) <= limit and download_columns is None:
        download(shown_rows, name, view, key=f"dl_funding_{stem}")
        return
    every = _columns(view, download_columns or columns)
    download(lambda: layout(frame, view.lang, every, "funding.col", special=special).download,
             name, view, key=f"dl_funding_{stem}", rows=len(frame))


def _quantity(frame: pd.DataFrame, column: str) -> Col:
    """A quantity column: whole numbers with separators, or two decimals where a
    quantity has a fraction (kilograms, litres)."""
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    whole = bool(((values - values.round()).abs() < 1e-9).all())
    return Col(column, COUNT) if whole else Col(column, DECIMAL, digits=2)


def caption(view: View) -> None:
    """What the page is computed for, with the filters in force."""
    region = view.region
    suffix = t("funding.region_suffix", view.lang, name=_region_name(region, view.lang)) if region else ""
    st.caption(t("funding.caption", view.lang, as_of=view.as_of.isoformat(), region=suffix))
    if view.category or view.org_type:
        parts = [value_label(name, value, view.lang) for name, value in
                 (("category", view.category), ("org_type", view.org_type)) if value]
        st.caption(t("funding.filtered", view.lang, filters=" · ".join(parts)))


# What to act on first: where, what, how much on top, when; the long supplier list last.
def _short(view: View, column: str, kind: str, **kwargs) -> Col:
    """A column under a short header, its full name (without a unit) as the tooltip: a
    table of many figures fits the page at 1440 px without cutting its headers."""
    full = t(f"funding.col.{column}", view.lang)
    for unit in ("（元）", " (CNY)"):
        full = full.replace(unit, "")
    return Col(column, kind, header=t(f"funding.short.{column}", view.lang), help=full, **kwargs)


def _overlap_columns(frame: pd.DataFrame, view: View) -> tuple[dict, dict]:
    """(on screen, in the download): on screen the item with its unit in one column, short
    headers, the counts of suppliers and deliveries left to the download and the list of
    suppliers last and narrow, so the facility's name has the room."""
    def quantity(column: str) -> Col:
        chosen = _quantity(frame, column)
        return _short(view, column, chosen.kind, digits=chosen.digits)

    screen = {"facility_name": NAME, "region_adcode": REGION, "category": TEXT,
              "item_unit": _short(view, "item_unit", TEXT),
              "duplicated_quantity": quantity("duplicated_quantity"),
              "total_quantity": quantity("total_quantity"),
              "first_date": _short(view, "first_date", DATE),
              "last_date": _short(view, "last_date", DATE), "suppliers": Col("suppliers", TEXT, width=160)}
    every = {"facility_name": NAME, "region_adcode": REGION, "category": TEXT, "item": TEXT,
             "unit": TEXT, "duplicated_quantity": _quantity(frame, "duplicated_quantity"),
             "total_quantity": _quantity(frame, "total_quantity"), "n_suppliers": COUNT,
             "n_deliveries": COUNT, "first_date": DATE, "last_date": DATE, "suppliers": TEXT,
             "facility_id": ID}
    return screen, every


def _item_unit(frame: pd.DataFrame, lang: str) -> list[str]:
    """"口罩（只）": an item with the unit its quantities are counted in."""
    return [t("funding.item_unit", lang, item=i, unit=u) if i and u else (i or u or "")
            for i, u in zip(frame["item"].fillna(""), frame["unit"].fillna(""))]


def overlaps(view: View) -> pd.DataFrame:
    """Duplicated donations within the look-back window, largest duplicated quantity
    first: the first funding.SHOWN_OVERLAPS on screen, all of them in the download."""
    st.subheader(t("funding.overlaps.title", view.lang))
    days = int(st.number_input(t("funding.overlaps.days", view.lang), min_value=0, max_value=365,
                               value=funding.DEFAULT_DAYS, step=1, key="funding_days",
                               help=t("funding.overlaps.days_help", view.lang)))
    frame = cached(view, "funding.overlaps", view.scope, days=days, region=view.region,
                   category=view.category)
    st.caption(t("funding.overlaps.caption", view.lang, as_of=view.as_of.isoformat(), days=days,
                  start=view.scope.start.isoformat(),
                  window=view.window))
    if frame.empty:
        st.info(t("funding.overlaps.none_in_window", view.lang, window=view.window))
    screen, every = _overlap_columns(frame, view)
    _table(frame.assign(item_unit=_item_unit(frame, view.lang)), view, screen, "overlaps",
           limit=funding.SHOWN_OVERLAPS, download_columns=every,
           file_name=f"lifeline_overlaps_{days}d_{view.as_of.isoformat()}.csv")
    if len(frame) > funding.SHOWN_OVERLAPS:
        st.caption(t("funding.overlaps.more", view.lang, shown=funding.SHOWN_OVERLAPS,
                      total=len(frame)))
    return frame


# A Sankey with a hundred labels is unreadable: the largest funders and recipients are
# drawn by name, the rest as one "other" node each (the table below lists them all).
SANKEY_TOP = 12


def _keep_largest(flows: pd.DataFrame, id_col: str, name_col: str, other: str) -> pd.DataFrame:
    totals = flows.groupby(id_col)["amount_cny"].sum().sort_values(ascending=False)
    keep = set(totals.index[:SANKEY_TOP])
    out = flows.copy()
    rest = ~out[id_col].isin(keep)
    out.loc[rest, id_col] = "__other__"
    out.loc[rest, name_col] = other
    return out


def sankey(flows: pd.DataFrame, view: View) -> go.Figure:
    """Funder → recipient → region, link widths in CNY."""
    flows = _keep_largest(flows, "funder_id", "funder_name",
                          t("funding.flows.other_funders", view.lang))
    flows = _keep_largest(flows, "recipient_id", "recipient_name",
                          t("funding.flows.other_recipients", view.lang))
    nodes: dict[tuple[str, str], int] = {}
    labels: list[str] = []

    def node(kind: str, key: str, label: str) -> int:
        if (kind, key) not in nodes:
            nodes[(kind, key)] = len(labels)
            # Plotly reads tags (<b>, <a href>) in labels: names are data, so escaped.
            labels.append(html.escape(str(label)))
        return nodes[(kind, key)]

    sources, targets, values = [], [], []
    first = flows.groupby(["funder_id", "funder_name", "recipient_id", "recipient_name"],
                          as_index=False)["amount_cny"].sum()
    for r in first.itertuples():
        sources.append(node("funder", r.funder_id, r.funder_name))
        targets.append(node("recipient", r.recipient_id, r.recipient_name))
        values.append(float(r.amount_cny))
    second = flows.assign(region_adcode=flows["region_adcode"].fillna("")).groupby(
        ["recipient_id", "recipient_name", "region_adcode"], as_index=False)["amount_cny"].sum()
    for r in second.itertuples():
        sources.append(node("recipient", r.recipient_id, r.recipient_name))
        targets.append(node("region", r.region_adcode,
                            _region_name(r.region_adcode or None, view.lang)))
        values.append(float(r.amount_cny))
    fig = go.Figure(go.Sankey(
        node=dict(label=labels, pad=15, thickness=14),
        link=dict(source=sources, target=targets, value=values),
        valueformat=",.0f", valuesuffix=" ¥"))
    fig.update_layout(height=560, margin=dict(l=10, r=10, t=10, b=10))
    return fig


def _money(view: View, query: str) -> pd.DataFrame:
    """Grant money by ``query`` under the view's category and funder type, of the view's
    region when one is chosen."""
    frame = cached(view, query, view.scope, category=view.category, funder_type=view.org_type)
    return frame[frame["region_adcode"] == view.region] if view.region else frame


def flows(view: View) -> pd.DataFrame:
    """The Sankey of funding flows and the same flows as a table."""
    st.subheader(t("funding.flows.title", view.lang))
    frame = _money(view, "funding.funding_flows")
    st.caption(t("funding.flows.caption", view.lang, as_of=view.as_of.isoformat())
               + t("funding.flows.largest", view.lang, n=SANKEY_TOP))
    if frame.empty:
        st.info(t("funding.flows.none", view.lang))
    else:
        st.plotly_chart(sankey(frame, view), width="stretch", config={"displayModeBar": False})
    _table(frame, view, {"funder_name": NAME, "recipient_name": NAME, "region_adcode": REGION,
                         "category": TEXT, "grants": COUNT, "amount_cny": MONEY, "funder_id": ID,
                         "recipient_id": ID}, "funding_flows")
    return frame


def by_region(view: View) -> pd.DataFrame:
    """Money per prefecture against open needs and per 10,000 residents."""
    st.subheader(t("funding.by_region.title", view.lang))
    frame = _money(view, "funding.funding_by_region")
    if frame.empty or not frame["amount_cny"].fillna(0).any():
        # A table of zeros would read as "every region got nothing" though nothing is known.
        st.info(t("funding.by_region.no_money", view.lang,
                   direct=t("funding.direct.title", view.lang)))
        return frame
    st.caption(t("funding.by_region.caption", view.lang, as_of=view.as_of.isoformat()))
    _table(frame, view, {"region_adcode": REGION, "population": COUNT, "amount_cny": MONEY,
                         "amount_per_10k": _rate("amount_per_10k"), "open_needs": COUNT,
                         "amount_per_open_need": _rate("amount_per_open_need"),
                         "adcode": Col("region_adcode", ID, header=t("funding.col.adcode", view.lang))},
           "funding_by_region")
    return frame


def _priorities_of(view: View) -> pd.DataFrame:
    """Every region × category of the province with its money still needed, at the costs
    per need in force (read each run: a hub may just have changed one; they are in the
    cache key, so an edited cost recomputes the rows), then the view's filters."""
    rows = cached(view, "allocation.priorities", view.scope,
                  costs=fresh(view, "allocation.need_costs"))
    if view.region:
        rows = rows[rows["region_adcode"] == view.region]
    if view.category:
        rows = rows[rows["category"] == view.category]
    return rows.reset_index(drop=True)


def _rate(column: str) -> Col:
    """Money per resident or per need: its unit follows its own size, not the totals'."""
    return Col(column, MONEY, rate=True)


def _yuan(column: str) -> Col:
    """A cost per need, always in 元 (CNY): the unit the hub types a new cost in below, so
    the table and the editor read the same number."""
    return Col(column, DECIMAL, digits=0)


# The rank first, then what a row is about; the region's code only in the download.
PRIORITY_COLUMNS = {"rank": COUNT, "region_adcode": REGION, "category": TEXT, "open_needs": COUNT,
                  "urgent_needs": COUNT, "uncovered_needs": Col("uncovered_needs", DECIMAL, digits=1),
                  "cost_per_need": _yuan("cost_per_need"), "estimated_cost": MONEY,
                  "active_grants": MONEY, "to_fund": MONEY, "to_fund_per_10k": _rate("to_fund_per_10k"),
                  "gap_score": DECIMAL}


def _priority_screen(view: View) -> dict[str, str | Col]:
    """The ranking on screen: short headers, and without the cost per need (the cost table
    below lists it) and the amount per 10,000 residents (both in the download), so that
    every column fits the page at 1440 px."""
    return {"rank": _short(view, "rank", COUNT), "region_adcode": REGION, "category": TEXT,
            **{c: _short(view, c, COUNT) for c in ("open_needs", "urgent_needs")},
            "uncovered_needs": _short(view, "uncovered_needs", DECIMAL, digits=1),
            **{c: _short(view, c, MONEY) for c in ("estimated_cost", "active_grants", "to_fund")},
            "gap_score": _short(view, "gap_score", DECIMAL)}


def _with_code(view: View, columns: dict[str, str | Col]) -> dict[str, str | Col]:
    """``columns`` and, last in the download only, the region's code."""
    return columns | {"adcode": Col("region_adcode", ID, header=t("funding.col.adcode", view.lang))}


def direct_funds(view: View) -> pd.DataFrame:
    """Region × category in the order of the gap ranking, with the money still needed
    and the formula beside it."""
    st.subheader(t("funding.direct.title", view.lang))
    rows = _priorities_of(view)
    st.caption(t("funding.direct.caption", view.lang, as_of=view.as_of.isoformat()))
    st.caption(view.t("funding.formula"))
    pledges = cached(view, "contributions.pledge_state", view.as_of)
    live = pledges[~pledges["expired"].astype(bool)] if not pledges.empty else pledges
    if view.region and not live.empty:
        live = live[live["region_adcode"] == view.region]
    if not live.empty:  # what others promised to send: read before sending the same
        st.caption(t("funding.direct.claimed", view.lang, n=live["need_id"].nunique(),
                     orgs=live["org_id"].nunique()))
    unplaced = cached(view, "allocation.unplaced_grants", view.scope)
    if unplaced:
        st.caption(t("funding.direct.unplaced", view.lang, amount=formatting.money(unplaced, view.lang)))
    if rows.empty:
        st.info(t("funding.direct.none", view.lang))
    _table(rows, view, _priority_screen(view), "direct_funds",
           download_columns=_with_code(view, PRIORITY_COLUMNS))
    st.caption(t("funding.direct.download_note", view.lang))
    return rows


def costs(view: View) -> None:
    """The cost per need of each category: every role sees it; a hub may change one
    (checked, stored, audited)."""
    st.subheader(t("funding.costs.title", view.lang))
    st.caption(t("funding.costs.caption", view.lang))
    table = fresh(view, "allocation.cost_table")
    display = table.copy()
    # A change is dated to the minute (the hub may change a cost twice a day); a default
    # was never changed.
    display["updated_at"] = [str(v)[:16] if v is not None and v == v else "" for v in display["updated_at"]]
    display["updated_by"] = display["updated_by"].fillna(t("funding.costs.default", view.lang))
    display["reason"] = [t(f"funding.costs.reason.{c}", view.lang) for c in display["category"]]
    # What a cost stands for is read in full: its column takes the room the others leave.
    _table(display, view, {"category": NAME, "cost_per_need_cny": _yuan("cost_per_need_cny"),
                           "updated_by": TEXT, "updated_at": TEXT,
                           "reason": Col("reason", TEXT, width=440)}, "need_costs")
    if view.role != "hub":
        st.caption(t("funding.costs.read_only", view.lang))
        return
    current = dict(zip(table["category"], table["cost_per_need_cny"]))
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    with left:
        category = st.selectbox(t("funding.costs.category", view.lang), list(current),
                                key=f"cost_category_{view.lang}",
                                format_func=lambda c: value_label("category", c, view.lang))
    with middle:
        st.number_input(t("funding.costs.new_cost", view.lang), min_value=schema.MIN_COST_CNY,
                        max_value=schema.MAX_COST_CNY, value=float(current[category]), step=500.0,
                        format="%.0f", key=f"cost_value_{category}")
    with right:
        # A callback runs once, before the script draws anything: the tables above the
        # editor already show the new cost, and a rerun cannot swallow the click.
        st.button(t("funding.costs.save", view.lang), key="cost_save", on_click=_save_cost,
                  args=(view, category))
    for _category, bad, code in st.session_state.pop("_cost_problems", []):
        st.error(t(f"funding.costs.problem.{code}", view.lang, value=bad,
                    low=f"{schema.MIN_COST_CNY:,.0f}", high=f"{schema.MAX_COST_CNY:,.0f}"))
    for saved_category, before, after in st.session_state.pop("_cost_saved", []):
        st.success(t("funding.costs.saved", view.lang,
                      category=value_label("category", saved_category, view.lang),
                      before=formatting.money(before, view.lang), after=formatting.money(after, view.lang)))


def _save_cost(view: View, category: str) -> None:
    """Store the cost typed for ``category`` (the Save button's callback): checked,
    audited, and reported on the next run."""
    value = st.session_state.get(f"cost_value_{category}")
    try:
        changes = fresh(view, "allocation.save_need_costs", {category: value}, view.actor,
                        view.role)
    except allocation.CostProblem as problem:
        st.session_state["_cost_problems"] = problem.problems
        return
    st.session_state["_cost_saved"] = [(c["category"], c["before"], c["after"]) for c in changes]


def what_if(view: View, rows: pd.DataFrame) -> pd.DataFrame | None:
    """Choose a budget and categories; see the allocation, what is left and why, and
    the gap ranking move."""
    st.subheader(t("funding.whatif.title", view.lang))
    needing = rows[rows["to_fund"] > 0]
    if needing.empty:
        st.info(t("funding.direct.none", view.lang))
        return None
    total = float(needing["to_fund"].sum())
    left, middle, right = st.columns([1, 2, 1])
    with left:
        budget = float(st.number_input(t("funding.whatif.budget", view.lang), min_value=0.0,
                                       value=float(round(total / 2, -3) or 1000.0), step=10_000.0,
                                       format="%.0f", key="whatif_budget"))
    present = sorted(needing["category"].unique())
    with middle:
        chosen = st.multiselect(t("funding.whatif.categories", view.lang), present,
                                default=present, key=f"whatif_categories_{view.lang}",
                                format_func=lambda c: value_label("category", c, view.lang))
    with right:
        rule = st.radio(t("funding.whatif.rule", view.lang), allocation.RULES,
                        key=f"whatif_rule_{view.lang}",
                        format_func=lambda r: t(f"funding.whatif.rule.{r}", view.lang))
    result = allocation.allocate(rows, budget, tuple(chosen), rule)
    summary = allocation.allocation_summary(result, budget, tuple(chosen))
    money = lambda amount: formatting.money(amount, view.lang)  # noqa: E731
    st.caption(t("funding.whatif.caption", view.lang, budget=money(budget),
                  given=money(summary["allocated"]), total=money(summary["to_fund"]))
               + " " + t(f"funding.whatif.rule_help.{rule}", view.lang))
    st.markdown(what_if_message(summary, view.lang))
    ranks = allocation.ranking_change(result, view.scope)
    st.plotly_chart(_rank_figure(ranks, view), width="stretch", config={"displayModeBar": False})
    st.caption(t("funding.whatif.chart_caption", view.lang))
    _table(ranks, view, _with_code(view, {
        "region_adcode": REGION, "allocated": MONEY, "gap_before": DECIMAL, "gap_after": DECIMAL,
        "rank_before": COUNT, "rank_after": COUNT, "rank_change": COUNT}), "what_if_ranking")
    funded = result[result["allocated"] > 0]
    _table(funded, view, _with_code(view, {
        "rank": COUNT, "region_adcode": REGION, "category": TEXT, "to_fund": MONEY, "allocated": MONEY,
        "gap_score": DECIMAL, "gap_after": DECIMAL}), "what_if_allocation")
    return result


def what_if_message(summary: dict, lang: str) -> str:
    """Where the budget went: all of it, or how much stays unassigned and exactly why."""
    if summary["reason"] is None:
        return t("funding.whatif.all_assigned", lang, amount=formatting.money(summary["allocated"], lang))
    names = t("brief.list_sep", lang).join(value_label("category", c, lang)
                                            for c in summary["categories"])
    return t(f"funding.whatif.unassigned.{summary['reason']}", lang,
              amount=formatting.money(summary["unassigned"], lang), categories=names,
              to_fund=formatting.money(summary["to_fund"], lang))


def _rank_figure(ranks: pd.DataFrame, view: View) -> go.Figure:
    """Gap per million residents by region, before (the gap ranking) and after."""
    top = ranks.sort_values("rank_before").head(17)
    names = [_region_name(a, view.lang) for a in top["region_adcode"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=top["gap_before"], name=t("funding.col.gap_before", view.lang),
                marker_color="#c0504d")
    fig.add_bar(x=names, y=top["gap_after"], name=t("funding.col.gap_after", view.lang),
                marker_color="#4f81bd")
    fig.update_layout(barmode="group", height=360, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis_title=t("funding.whatif.axis", view.lang),
                      legend=dict(orientation="h", y=1.1))
    return fig


def queries_ahead(view: View) -> list[tuple[str, tuple, dict]]:
    """The page's slow queries that need nothing from each other, as its sections ask
    them: started together when the page opens (cache.ahead). The open needs at D come
    first (where to direct funds counts them: 1.2 s at Hubei 100x, which the page
    otherwise waited for after the overlaps)."""
    days = int(st.session_state.get("funding_days", funding.DEFAULT_DAYS))
    money = {"category": view.category, "funder_type": view.org_type}
    return [
        ("needs.needs_at", (view.scope,), {}),
        ("funding.overlaps", (view.scope,), {"days": days, "region": view.region,
                                             "category": view.category}),
        ("contributions.pledge_state", (view.as_of,), {}),
        ("funding.funding_by_region", (view.scope,), money),
        ("funding.funding_flows", (view.scope,), money),
    ]


def render(view: View) -> None:
    """Funding: where the money goes, and where donations overlap."""
    cache.ahead(view, *queries_ahead(view))
    caption(view)
    overlaps(view)
    flows(view)
    by_region(view)
    rows = direct_funds(view)
    costs(view)
    what_if(view, rows)
