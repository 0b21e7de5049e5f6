"""Sections of the Needs page: each draws one analysis of dashboard.analytics.needs, with a caption
saying what it counts and, for tables, a CSV download. Tables go through
:func:`dashboard.app.tables.show_table`: each column says what it holds (a name, a count,
a quantity, a share, a date), so figures read with separators and per cent, dates as
dates, internal ids only in the download, and no raw column name on screen.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.analytics import needs
from dashboard.app import cache
from dashboard.app.cache import cached, kept
from dashboard.app.components import download
from dashboard.app.frame import View
from dashboard.app.tables import (
    COUNT,
    DATE,
    DECIMAL,
    ID,
    NAME,
    PERCENT,
    REGION,
    TEXT,
    Col,
    draw,
    layout,
    region_name,
)
from dashboard.i18n import t, value_label
from dashboard.present import formatting

# Enum columns whose values are shown through the schema's labels.
_VALUE_COLUMNS = {"category": "category", "priority": "priority",
                  "beneficiary_group": "beneficiary_group", "facility_type": "facility_type",
                  "need_status": "status"}
PREFIX = "needs.col"  # headers are the catalogue's needs.col.<column>

def _region_name(adcode: str, lang: str) -> str:
    return region_name(adcode, lang)


def _special(lang: str) -> dict:
    return {"link_rule": lambda v: t(f"needs.link.{v}", lang)}


def amount(column: str, values, **more) -> Col:
    """A column of quantities: whole numbers as counts (12,345), two decimals when some
    quantity has a fraction (a count would turn 2.5 吨 into 2)."""
    numbers = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").dropna()
    whole = bool((numbers == numbers.round()).all())
    return Col(column, COUNT if whole else DECIMAL, **more)


# A browser table of hundreds of thousands of rows helps nobody and costs seconds; the
# rows come urgent and oldest first, and the command line exports them all.
SHOWN_ROWS = 2_000
DOWNLOAD_ROWS = 50_000


def _table(frame: pd.DataFrame, view: View, columns: list[Col], file_stem: str,
           every: list[Col] | None = None, prepare=None, empty: str = "needs.table.empty",
           total: int | None = None, full=None, shown_for: tuple = ()) -> None:
    """Show the first SHOWN_ROWS rows of ``frame`` with ``columns`` and offer the first
    DOWNLOAD_ROWS as a CSV with ``every`` column (default: the same ones, ids last).
    ``prepare(rows, screen)`` writes the cells for the
    screen (``screen`` True) or for the file. An empty frame is said in words (the
    catalogue's ``empty``): an empty grid reads "empty" in English, and offers nothing.
    A long table may come as its first rows: ``total`` says how many there are in all,
    and ``full()`` reads the download's rows when its button is pressed. The screen's
    rows are laid out once for every session showing the same table: ``shown_for`` names
    what ``frame`` depends on besides the view's data, scope, region and language."""
    total = len(frame) if total is None else total
    if not total:
        st.info(t(empty, view.lang))
        return
    def laid_out():
        screen = frame.head(SHOWN_ROWS)  # a copy: made only when the table is laid out
        return layout(prepare(screen, True) if prepare else screen, view.lang, columns,
                      PREFIX, _VALUE_COLUMNS, _special(view.lang))

    draw(kept(view, f"needs.{file_stem}", laid_out, view.lang, view.scope, view.region, *shown_for))
    if total > SHOWN_ROWS:
        st.caption(t("needs.rows_capped", view.lang, shown=min(SHOWN_ROWS, total), total=total,
                      download=min(DOWNLOAD_ROWS, total), as_of=view.as_of.isoformat()))
    # The file is laid out only when someone presses the button.
    download(lambda: downloadable(full() if full else frame, view.lang, every or columns, prepare),
             f"lifeline_{file_stem}_{view.as_of.isoformat()}.csv", view,
             key=f"dl_needs_{file_stem}", rows=min(DOWNLOAD_ROWS, total))


def downloadable(frame: pd.DataFrame, lang: str, columns: list[Col], prepare=None) -> pd.DataFrame:
    """What a table's CSV holds: its first DOWNLOAD_ROWS rows with translated headers and
    values, figures unrounded, ids last (``prepare(rows, False)`` writes cells for a file)."""
    rows = frame.head(DOWNLOAD_ROWS)
    return layout(prepare(rows, False) if prepare else rows, lang, columns, PREFIX, _VALUE_COLUMNS,
                  _special(lang)).download


def caption(view: View) -> None:
    """What the page is computed for."""
    region = view.region
    suffix = t("needs.region_suffix", view.lang, name=_region_name(region, view.lang)) if region else ""
    st.caption(t("needs.caption", view.lang, as_of=view.as_of.isoformat(), window=view.window,
                  region=suffix))


def whole(number: float) -> str:
    """A number of needs: whole (``1,234``), or with one decimal when it is a sum of shares
    (``1.9``)."""
    return formatting.count(number) if round(number, 1).is_integer() else formatting.decimal(number, 1)


def headlines(view: View) -> dict:
    """Four cards, all counts of needs (quantities of different units are never added:
    they are totalled per item and unit under "Totals")."""
    summary = cached(view, "needs.open_summary", view.scope, region=view.region)
    cards = (
        ("needs.headline.open", formatting.count(summary["open"])),
        ("needs.headline.urgent", formatting.count(summary["urgent"])),
        ("needs.headline.uncovered", whole(summary["uncovered"])),
        ("needs.headline.unquantified", formatting.count(summary["unquantified"])),
    )
    for column, (label, value) in zip(st.columns(4), cards):
        with column:
            st.metric(t(label, view.lang), value)
    return summary


QUANTITIES = ("requested", "delivered", "in_transit", "unmet")
# The need table on screen, fitting the page at 1440 px: who and where first, what, how
# much (each quantity with its unit, right-aligned as figures are) and how long. The
# category is chosen above the table; the download adds it, the unit and the report date
# as columns of their own, the facility's type, the beneficiaries and the ids.
NEED_COLUMNS = [Col("facility_name", NAME), Col("region_adcode", REGION), Col("priority", TEXT),
                Col("item", TEXT), *(Col(c, TEXT, align="right") for c in QUANTITIES),
                Col("days_open", COUNT), Col("claimed", TEXT)]
NEED_DOWNLOAD = [*NEED_COLUMNS[:3], Col("category", TEXT), Col("item", TEXT), Col("unit", TEXT),
                 *(Col(c, TEXT) for c in QUANTITIES), Col("days_open", COUNT),
                 Col("claimed_detail", TEXT),
                 Col("reported_on", DATE),
                 Col("facility_type", TEXT), Col("beneficiary_group", TEXT),
                 Col("need_id", ID), Col("facility_id", ID)]


def need_table(view: View) -> None:
    """Every open need, urgent and oldest first, with an optional category filter."""
    st.subheader(t("needs.table.title", view.lang))
    frame = cached(view, "needs.needs_at", view.scope, region=view.region)
    categories = sorted(frame["category"].dropna().unique())
    chosen = st.selectbox(t("needs.category_filter", view.lang), [None, *categories],
                          key=f"needs_category_{view.lang}",
                          format_func=lambda c: t("needs.all", view.lang) if c is None
                          else value_label("category", c, view.lang))
    if chosen:
        frame = frame[frame["category"] == chosen]
    pledges = cached(view, "contributions.pledge_state", view.as_of, pending=True)
    unconfirmed = cached(view, "contributions.pending_deliveries")
    st.caption(t("needs.table.caption", view.lang))
    _table(frame, view, NEED_COLUMNS, "needs", NEED_DOWNLOAD, shown_for=(chosen,),
           prepare=lambda rows, screen: whole_needs(
               with_claims(rows, pledges, view.lang, unconfirmed), view.lang, screen))


def with_claims(frame: pd.DataFrame, pledges: pd.DataFrame, lang: str,
                deliveries: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` (open needs) with who pledged to cover each need and until when, so no one
    sends the same thing unknowingly: ``claimed`` for the screen (``基金会一 至02-20``, a
    pledge past its date without a delivery marked ``已过期``, one the hub has not yet
    approved ``待审核``; a delivery reported and waiting for review ``配送待确认``) and
    ``claimed_detail`` for the download (how much, the full date).

    Only the pledges and deliveries of ``frame``'s needs are read: a page passes the rows
    it shows or exports, never all the open needs."""
    out = frame.copy()
    wanted = set(out["need_id"])
    short: dict[str, list[str]] = {}
    detail: dict[str, list[str]] = {}

    def amount(r: dict) -> str:
        return "" if pd.isna(r["quantity"]) else (
            formatting.quantity(r["quantity"]) + (r["unit"] if isinstance(r["unit"], str) else ""))

    def who(r: dict) -> str:
        return r["organisation"] if isinstance(r["organisation"], str) else r["org_id"]

    if not pledges.empty:
        for r in pledges[pledges["need_id"].isin(wanted)].to_dict("records"):
            until = pd.Timestamp(r["due_on"]).date()
            state = "waiting" if r["waiting"] else "lapsed" if r["expired"] else "open"
            short.setdefault(r["need_id"], []).append(t(
                f"needs.claim.short.{state}", lang, who=who(r), until=until.strftime("%m-%d")))
            detail.setdefault(r["need_id"], []).append(t(
                f"needs.claim.{state}", lang, who=who(r), amount=amount(r),
                until=until.isoformat()))
    if deliveries is not None and not deliveries.empty:
        for r in deliveries[deliveries["need_id"].isin(wanted)].to_dict("records"):
            # A delivery reported and not yet confirmed: said, never counted.
            short.setdefault(r["need_id"], []).append(
                t("needs.claim.short.reported", lang, who=who(r)))
            detail.setdefault(r["need_id"], []).append(
                t("needs.claim.reported", lang, who=who(r), amount=amount(r)))
    out["claimed"] = ["；".join(short.get(n, ())) for n in out["need_id"]]
    out["claimed_detail"] = ["；".join(detail.get(n, ())) for n in out["need_id"]]
    return out


def whole_needs(frame: pd.DataFrame, lang: str, screen: bool = True) -> pd.DataFrame:
    """The need table's quantities for reading: a need that gave no quantity is a whole
    need — its requested cell says "not given" and its unmet cell "whole need", never 0.

    The quantity columns become text (a column holds one type), written as reported. On
    ``screen`` each carries its unit (``1,000只``: masks and suits are never one number);
    for a file they are plain (``1000``) beside the unit column.
    """
    out = frame.copy()
    missing = out["requested"].isna()
    space = "" if lang == "zh" else " "  # 600只, as Chinese writes it; 600 只 among English
    units = [("" if formatting.is_missing(u) or not str(u).strip() else space + str(u).strip())
             if screen else "" for u in out["unit"]]
    for col in QUANTITIES:
        out[col] = ["" if formatting.is_missing(v) else formatting.quantity(v, separators=screen) + u
                    for v, u in zip(out[col], units)]
    out.loc[missing, "requested"] = t("needs.not_given", lang)
    out.loc[missing, "unmet"] = t("needs.whole_need", lang)
    return out


def by_columns(frame: pd.DataFrame, dimension: str) -> list[Col]:
    """The totals table: the dimension (a region, a category, ...) first, then counts of
    needs, the uncovered needs (a sum of shares, one decimal) and their share."""
    first = Col(dimension, REGION if dimension == "region_adcode" else NAME)
    return [first, *(Col(c, COUNT) for c in ("open_needs", "urgent_needs", "quantified_needs",
                                             "unquantified_needs")),
            Col("uncovered_needs", DECIMAL, digits=1), Col("uncovered_share", PERCENT)]


def quantity_columns(frame: pd.DataFrame) -> list[Col]:
    """Quantities per item and unit: the item, its unit and category, then the number of
    needs and the quantities (never added across units)."""
    return [Col("item", NAME), Col("unit", TEXT), Col("category", TEXT), Col("open_needs", COUNT),
            *(amount(c, frame[c]) for c in ("requested", "delivered", "in_transit", "unmet", "remaining"))]


def aggregates(view: View) -> None:
    """Open needs summed by a chosen dimension."""
    st.subheader(t("needs.by.title", view.lang))
    dimension = st.selectbox(t("needs.by.dimension", view.lang), needs.DIMENSIONS,
                             key=f"needs_dimension_{view.lang}",
                             format_func=lambda d: t(f"needs.col.{d}", view.lang))
    frame = cached(view, "needs.needs_by", view.scope, region=view.region, dimension=dimension)
    st.caption(t("needs.by.caption", view.lang))
    _table(frame, view, by_columns(frame, dimension), f"needs_by_{dimension}")
    st.markdown(f"**{t('needs.quantities.title', view.lang)}**")
    st.caption(t("needs.quantities.caption", view.lang))
    quantities = cached(view, "needs.quantities_by_item", view.scope, region=view.region)
    _table(quantities, view, quantity_columns(quantities), "needs_quantities")


def _chart(view: View, name: str, build) -> None:
    """Draw the figure ``build()`` makes, made once for every session showing the same
    (plotly builds a figure slowly: a tenth of the page's work when ten people opened it
    at once). Streamlit only reads the figure, so one serves them all."""
    st.plotly_chart(kept(view, f"needs.{name}", build, view.lang, view.scope, view.region),
                    width="stretch", config={"displayModeBar": False})


def _bars(counts: pd.Series, x_label: str, view: View) -> go.Figure:
    """A bar per whole day: ``counts`` indexed by the day, sorted."""
    fig = go.Figure(go.Bar(x=counts.index, y=counts.to_numpy(), marker_color="#d9534f"))
    fig.update_layout(xaxis_title=x_label, yaxis_title=t("needs.count", view.lang),
                      height=300, margin=dict(l=10, r=10, t=10, b=10), bargap=0.05)
    return fig


FULFIL_COLUMNS = [Col("region_adcode", REGION), Col("category", TEXT), Col("needs_met", COUNT),
                  Col("median_days", DECIMAL, digits=1)]


def ageing(view: View) -> None:
    """Histogram of days open, and the median time to fulfil."""
    st.subheader(t("needs.ageing.title", view.lang))
    def bars():
        frame = cached(view, "needs.ageing", view.scope, region=view.region)
        counts = pd.Series(frame["open_needs"].to_numpy(), index=frame["days_open"].to_numpy())
        return _bars(counts, t("needs.col.days_open", view.lang), view)

    _chart(view, "ageing_chart", bars)
    st.caption(t("needs.ageing.caption", view.lang))
    fulfil = cached(view, "needs.time_to_fulfil", view.scope, region=view.region)
    st.caption(t("needs.ageing.fulfil_caption", view.lang))
    _table(fulfil, view, FULFIL_COLUMNS, "time_to_fulfil")


def gap_columns(level: str) -> list[Col]:
    """The gap ranking: rank and what is ranked first, the score it is ranked by, then the
    figures behind it (uncovered needs are a sum of shares: one decimal)."""
    counts = [Col("open_needs", COUNT), Col("urgent_needs", COUNT), Col("uncovered_needs", DECIMAL, digits=1)]
    if level == "region":
        return [Col("rank", COUNT), Col("region_adcode", REGION), Col("score_per_million", DECIMAL),
                Col("score_total", DECIMAL), *counts, Col("population", COUNT)]
    return [Col("rank", COUNT), Col("facility_name", NAME), Col("region_adcode", REGION),
            Col("facility_type", TEXT), Col("score", DECIMAL), *counts, Col("facility_id", ID)]


def gap_ranking(view: View) -> None:
    """Regions or facilities ranked by the gap score, with the formula beside it."""
    st.subheader(t("needs.gap.title", view.lang))
    level = st.radio(t("needs.gap.level", view.lang), ("region", "facility"), horizontal=True,
                     key=f"needs_gap_level_{view.lang}",
                     format_func=lambda v: t(f"needs.gap.level.{v}", view.lang))
    frame = cached(view, "needs.gap_ranking", view.scope, region=view.region, level=level)
    st.caption(t("needs.gap.caption", view.lang, formula=view.t("needs.gap.formula")))
    if level == "region":
        frame = frame.rename(columns={"score": "score_per_million"})
    _table(frame, view, gap_columns(level), f"gap_{level}")


def late_columns(frame: pd.DataFrame) -> list[Col]:
    """Late deliveries: where they went and what, when the need closed and when they came."""
    return [Col("facility_name", NAME), Col("region_adcode", REGION), Col("category", TEXT),
            Col("item", TEXT), amount("quantity", frame["quantity"]), Col("unit", TEXT),
            Col("closed_on", DATE), Col("delivered_on", DATE), Col("days_late", COUNT),
            Col("need_status", TEXT), Col("link_rule", TEXT),
            Col("delivery_id", ID), Col("need_id", ID), Col("facility_id", ID)]


def mismatch(view: View) -> None:
    """Line chart: supplies to hospitals vs needs at communities and villages; late ones."""
    st.subheader(t("needs.mismatch.title", view.lang))
    _chart(view, "mismatch_chart", lambda: _mismatch_chart(view))
    st.caption(t("needs.mismatch.caption", view.lang, window=view.window))
    st.markdown(f"**{t('needs.late.title', view.lang)}**")
    st.caption(t("needs.late.caption", view.lang))
    late = cached(view, "needs.late_deliveries_shown", view.scope, region=view.region,
                  limit=SHOWN_ROWS)
    _table(late["rows"], view, late_columns(late["rows"]), "late_deliveries",
           empty="needs.late.none", total=late["total"],
           full=lambda: cached(view, "needs.late_deliveries", view.scope, region=view.region,
                               limit=DOWNLOAD_ROWS))


def _mismatch_chart(view: View) -> go.Figure:
    """Shares by day: supplies delivered to hospitals, needs open at communities."""
    frame = cached(view, "needs.mismatch_over_time", view.scope, region=view.region)
    fig = go.Figure()
    for col, label, colour in (
        ("hospital_delivered_share", "needs.mismatch.hospital", "#1f77b4"),
        ("community_open_share", "needs.mismatch.community", "#ff7f0e"),
    ):
        fig.add_trace(go.Scatter(x=[d.isoformat() for d in frame["day"]], y=frame[col] * 100,
                                 mode="lines+markers", name=t(label, view.lang),
                                 line=dict(color=colour)))
    # Days read YYYY-MM-DD (plotly's default ticks are English month names); the legend
    # sits above the plot, clear of the ticks.
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis=dict(title=t("needs.mismatch.day", view.lang), tickformat="%Y-%m-%d"),
                      yaxis_title=t("needs.mismatch.share", view.lang) + " (%)",
                      yaxis_range=[0, 100], legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


LOGISTICS_COLUMNS = [Col("carrier_name", NAME), *(Col(c, COUNT) for c in (
    "in_transit", "planned", "overdue", "delivered_with_date", "on_time")),
    Col("on_time_rate", PERCENT), Col("carrier_id", ID)]


def logistics(view: View) -> None:
    """Per-carrier table and the histogram of delays."""
    st.subheader(t("needs.logistics.title", view.lang))
    frame = cached(view, "needs.logistics", view.scope, region=view.region).copy()
    st.caption(t("needs.logistics.caption", view.lang))
    frame["carrier_name"] = [n or t("needs.no_carrier", view.lang) for n in frame["carrier_name"]]
    _table(frame, view, LOGISTICS_COLUMNS, "logistics")
    delays = cached(view, "needs.delay_counts", view.scope, region=view.region)
    if delays.empty:  # an empty chart says nothing: say why instead
        st.info(t("needs.delay.none", view.lang))
    else:
        _chart(view, "delay_chart", lambda: _bars(delays.set_index("delay_days")["deliveries"],
                                                  t("needs.col.delay_days", view.lang), view))
    st.caption(t("needs.delay.caption", view.lang))


def projection_columns(frame: pd.DataFrame, every: bool = False) -> list[Col]:
    """The projection: where and what, what remains after what is on the way, what arrived
    in the window, the rate per day (two decimals) and the days it takes at that rate (one
    decimal, or words). ``every``: also the unmet and in-transit quantities the remainder
    comes from (the download; on screen the columns would not fit)."""
    behind = ("unmet", "in_transit") if every else ()
    return [Col("region_adcode", REGION), Col("category", TEXT), Col("item", TEXT), Col("unit", TEXT),
            Col("open_needs", COUNT),
            *(amount(c, frame[c]) for c in (*behind, "remaining", "delivered_in_window")),
            Col("rate_per_day", DECIMAL), Col("days", TEXT, align="right")]


def projection(view: View) -> None:
    """How long the remaining open quantity takes at the window's delivery rate."""
    st.subheader(t("needs.projection.title", view.lang))
    frame = cached(view, "needs.projection", view.scope, region=view.region).copy()
    never = t("needs.projection.never", view.lang)
    # Days are words where the rate is 0, so the column is text: one decimal, separated.
    frame["days"] = [formatting.decimal(d, 1, missing=never) for d in frame["days"]]
    st.caption(t("needs.projection.caption", view.lang, window=view.window))
    _table(frame, view, projection_columns(frame), "projection", projection_columns(frame, every=True))


def queries_ahead(view: View) -> list[tuple[str, tuple, dict]]:
    """The page's queries that take longest and need nothing from each other, as its
    sections ask them: started together when the page opens (cache.ahead), they run while
    the first sections draw. The open needs at D come first: most sections count them."""
    where = {"region": view.region}
    return [
        ("needs.needs_at", (view.scope,), where),
        ("needs.late_deliveries_shown", (view.scope,), {**where, "limit": SHOWN_ROWS}),
        ("needs.mismatch_over_time", (view.scope,), where),
        ("needs.logistics", (view.scope,), where),
        ("needs.time_to_fulfil", (view.scope,), where),
        ("contributions.pledge_state", (view.as_of,), {"pending": True}),
        ("needs.delay_counts", (view.scope,), where),
        ("needs.delivery_rates", (view.scope,), where),
    ]


def render(view: View) -> None:
    """Needs: what is still missing, where, for how long, and how fast it is arriving."""
    cache.ahead(view, *queries_ahead(view))
    caption(view)
    if not headlines(view)["open"]:
        st.info(view.t("needs.none"))
    need_table(view)
    aggregates(view)
    ageing(view)
    gap_ranking(view)
    mismatch(view)
    logistics(view)
    projection(view)
