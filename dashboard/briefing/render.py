"""The briefing as Markdown (for group chats) and as self-contained HTML (for print and PDF).

Both take the dict of :func:`dashboard.briefing.content.build_brief` and a language;
every label comes from the catalogue (keys ``brief.*`` in dashboard/i18n/__init__.py).

- Markdown is plain: bold lines and bullet lists, no tables (most chat apps do not draw
  them) and no HTML. Characters that Markdown would turn into markup or raw HTML are
  backslash-escaped in data values.
- HTML is one file with no external reference: the CSS is inline, the map is a
  ``data:`` URI, fonts are the system's ("Noto Sans CJK SC", Debian's fonts-noto-cjk).
  Every data value goes through :func:`html.escape`: organisation and facility names
  are typed by people and may hold markup. The print CSS sets A4 with small margins;
  the lists are capped in the content so the page fits one A4 sheet, two at most.
"""

from __future__ import annotations

import base64
import html
import re

from dashboard.briefing import fmt
from dashboard.i18n import t, value_label

METHODS = "docs/METHODS.md"
SUPPLIERS_CHARS = 32  # a duplicated donation lists its suppliers up to this many characters
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text) -> str:
    """A data value for Markdown: one line, markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", fmt.clean(text))


def _h(text) -> str:
    """A value for HTML: one line, escaped (quotes too, so it is safe in attributes)."""
    return html.escape(fmt.clean(text), quote=True)


def _title(b: dict, lang: str) -> tuple[str, str]:
    place = b.get("region") or b["province"]  # a region's briefing is titled by the region
    title = t("brief.title", lang, province=place["name"] if lang == "zh" else place["name_en"])
    sub = t("brief.subtitle", lang, as_of=b["as_of"], start=b["window"]["start"],
            end=b["window"]["end"], window=b["window"]["days"])
    if b.get("known_at"):  # a briefing as it could have been written then
        sub += t("brief.known_at", lang, at=b["known_at"])
    return title, sub


def _headline_rows(b: dict, lang: str) -> list[tuple[str, str, str, str, str, str]]:
    """(label, now, day before, change, week before, change) per headline measure."""
    rows = []
    none = t("brief.no_earlier_data", lang)
    for i in b["headline"]:
        k = i["kind"]
        # A day before the data begins has no figure to compare with (not zero).
        v1, c1 = ((none, "—") if i.get("no_earlier_d1") else
                  (fmt.value(i["d1"], k, lang), fmt.change(i["change_d1"], k, lang)))
        v7, c7 = ((none, "—") if i.get("no_earlier_d7") else
                  (fmt.value(i["d7"], k, lang), fmt.change(i["change_d7"], k, lang)))
        rows.append((t(f"metric.{i['key']}", lang), fmt.value(i["value"], k, lang), v1, c1, v7, c7))
    return rows


def _partners_by_hub(partners: list[dict], lang: str, escape) -> str:
    """'Hub A: X (43 days), Y; Hub B: Z' — a hub leader looks for their own partners."""
    groups: dict[str, list[str]] = {}
    for p in partners:
        hub = escape(p["hub_name"]) if p.get("hub_name") else t("brief.no_hub", lang)
        name = escape(p["name"])
        groups.setdefault(hub, []).append(
            t("brief.partner_seen", lang, name=name, days=p["days_since_seen"])
            if p.get("days_since_seen") is not None else name)
    sep = t("brief.list_sep", lang)
    return t("brief.group_sep", lang).join(
        t("brief.partner_hub", lang, hub=hub, names=sep.join(names)) for hub, names in groups.items())


def _overlap_text(o: dict, lang: str, escape) -> str:
    """One duplicated donation: facility (region) · category · item · the quantity on top
    (in its own unit) · suppliers · dates."""
    what = [value_label("category", o["category"], lang), fmt.clean(o.get("item"))]
    if o.get("duplicated_quantity") is not None:
        quantity = f"{o['duplicated_quantity']:,.0f}" + (f" {fmt.clean(o['unit'])}" if o.get("unit") else "")
        what.append(t("brief.overlap_duplicated", lang, quantity=quantity))
    return t("brief.overlap_item", lang, facility=escape(o["facility_name"]), region=escape(o["region"]),
             what=escape(" · ".join(w for w in what if w)),
             suppliers=escape(fmt.truncate(o["suppliers"], SUPPLIERS_CHARS)),
             first=escape(o["first_date"][5:]), last=escape(o["last_date"][5:]))


def _what(d: dict, lang: str) -> str:
    """'防护用品 · 防护服 · 300 套': category, item and quantity of a delivery."""
    parts = [value_label("category", d["category"], lang) if d.get("category") else "",
             fmt.clean(d.get("item"))]
    if d.get("quantity") is not None:
        parts.append(f"{d['quantity']:,.0f}" + (f" {fmt.clean(d['unit'])}" if d.get("unit") else ""))
    return " · ".join(p for p in parts if p)


def _more(shown: int, total: int, lang: str) -> str:
    return t("brief.more_items", lang, n=total - shown) if total > shown else ""


# -- Markdown --------------------------------------------------------------------------
def render_markdown(b: dict, lang: str = "zh", map_file: str | None = None) -> str:
    """The briefing as plain Markdown; ``map_file`` (a relative path) adds the map image."""
    title, sub = _title(b, lang)
    out = [f"**{title}**", sub, "", f"**{t('brief.section.narrative', lang)}**"]
    out += [f"- {_md(s)}" for s in b["narrative"]]

    out += ["", f"**{t('brief.section.headline', lang)}**"]
    for label, v, _v1, c1, _v7, c7 in _headline_rows(b, lang):
        out.append(t("brief.md.headline", lang, label=label, value=v, d1=c1, d7=c7))

    out += ["", f"**{t('brief.section.gap_regions', lang)}**"]
    out += [t("brief.md.gap_region", lang, rank=n, name=_md(r["label"]),
              score=fmt.score(r["score"], lang), urgent=f"{r['urgent_needs']:,}",
              open=f"{r['open_needs']:,}")
            for n, r in enumerate(b["gaps"]["regions"], 1)] or [t("brief.none.gaps", lang)]

    out += ["", f"**{t('brief.section.gap_facilities', lang)}**"]
    out += [t("brief.md.gap_facility", lang, rank=n, name=_md(f["name"]), region=_md(f["region"]),
              score=fmt.score(f["score"], lang), urgent=f"{f['urgent_needs']:,}",
              open=f"{f['open_needs']:,}")
            + (t("brief.claimed", lang, who=_md(f["claimed_by"])) if f.get("claimed_by") else "")
            for n, f in enumerate(b["gaps"]["facilities"], 1)] or [t("brief.none.gaps", lang)]

    od = b["overdue_deliveries"]
    out += ["", "**" + t("brief.section.overdue_n", lang, n=f"{od['count']:,}") + "**"]
    out += [t("brief.md.overdue", lang, days=d["days_overdue"], region=_md(d["region"]),
              facility=_md(d["facility_name"]), what=_md(_what(d, lang)),
              carrier=_md(d["carrier_name"]) if d["carrier_name"] else t("brief.no_carrier", lang))
            for d in od["top"]] or [t("brief.none.overdue", lang)]
    if more := _more(len(od["top"]), od["count"], lang):
        out.append(more)

    p = b["partners"]
    out += ["", f"**{t('brief.section.partners', lang)}**"]
    if not p["silent"] and not p["overdue"]:
        out.append(t("brief.none.partners", lang))
    for cls in ("overdue", "silent"):
        if p[cls]:
            head = t(f"brief.partners.{cls}", lang, n=p["counts"][cls], days=p["overdue_after_days"])
            out.append(f"- {head}{t('brief.colon', lang)}{_partners_by_hub(p[cls], lang, _md)}"
                       f"{_more(len(p[cls]), p['counts'][cls], lang)}")
    out += [f"- {_md(line)}" for line in reporting_lines(b, lang)]

    ov = b["overlaps"]
    out += ["", f"**{t('brief.section.overlaps', lang, window=b['window']['days'])}**"]
    out += ["- " + _overlap_text(o, lang, _md) for o in ov["top"]] or [t("brief.none.overlaps", lang)]
    if more := _more(len(ov["top"]), ov["count"], lang):
        out.append(more)

    if map_file:
        out += ["", f"![{t('brief.map.alt', lang)}]({map_file})"]
    out += ["", t("brief.footer", lang, methods=METHODS)]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 10mm 11mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", sans-serif;
       font-size: 8.2pt; line-height: 1.28; color: #1a1a1a; margin: 0; }
h1 { font-size: 14pt; margin: 0; }
.sub { color: #555; margin: 1mm 0 2mm; }
h2 { font-size: 9.6pt; margin: 2.4mm 0 1mm; padding-bottom: 0.4mm; border-bottom: 1px solid #c9c9c9; }
.top { display: grid; grid-template-columns: minmax(0, 1fr) 94mm; gap: 4mm; align-items: start; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 4mm; }
ul { margin: 0; padding-left: 4.5mm; }
li { margin: 0.3mm 0; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.5mm 1.2mm; border-bottom: 1px solid #e3e3e3; text-align: left;
         vertical-align: top; }
th { font-weight: 700; background: #f3f3f3; vertical-align: bottom; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.headline td:first-child { white-space: nowrap; }
.date { font-weight: 400; color: #666; font-size: 7.2pt; }
.worse { color: #b3261e; } .better { color: #00695c; }
.none { color: #555; font-style: italic; margin: 0.5mm 0; }
.more { color: #555; margin: 0.5mm 0 0; }
.map { margin-top: 2mm; }
.map img { width: 100%; display: block; }
.map .cap { color: #555; font-size: 7.2pt; }
ul.narrative li { font-size: 8.8pt; }
footer { margin-top: 2mm; color: #666; font-size: 7.2pt; }
table, tr, li { break-inside: avoid; }
h2 { break-after: avoid; }
/* On a phone's screen (the app's preview, an HTML file opened on a phone) the columns
   stack, the text grows to a readable size and a wide table scrolls inside its own box.
   Print keeps the A4 layout above. */
@media screen and (max-width: 640px) {
  body { font-size: 10.5pt; line-height: 1.4; }
  h1 { font-size: 16pt; }
  h2 { font-size: 11.5pt; }
  .top, .pair { grid-template-columns: minmax(0, 1fr); gap: 0; }
  .date, .map .cap, footer { font-size: 9pt; }
  ul.narrative li { font-size: 10.5pt; }
}
@media screen { .tw { max-width: 100%; overflow-x: auto; } img { max-width: 100%; } }
"""


def _table(headers: list[tuple[str, bool]], rows: list[list[tuple[str, bool]]], css: str = "") -> str:
    """An HTML table; each header and cell is (already escaped text, numeric?)."""
    head = "".join(f'<th class="n">{h}</th>' if n else f"<th>{h}</th>" for h, n in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if n else f"<td>{c}</td>" for c, n in row) + "</tr>"
        for row in rows)
    # In a box of its own: on a narrow screen a wide table scrolls there, not the page.
    return (f'<div class="tw"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _change_cell(text: str, key: str, delta) -> str:
    """A change, red when it is worse and green when better for measure ``key`` (a fall
    in coverage is worse, a fall in open needs better: dashboard.present.formatting.MEASURES)."""
    cls = {"worse": "worse", "better": "better"}.get(fmt.verdict(key, delta), "")
    return f'<span class="{cls}">{html.escape(text)}</span>' if cls else html.escape(text)


def _section(title: str, body: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{body}</section>"


def _none(key: str, lang: str) -> str:
    return f'<p class="none">{html.escape(t(key, lang))}</p>'


def _more_html(shown: int, total: int, lang: str) -> str:
    text = _more(shown, total, lang)
    return f'<p class="more">{html.escape(text)}</p>' if text else ""


def _headline_html(b: dict, lang: str) -> str:
    e = html.escape

    def dated(key: str, day: str) -> str:
        return f'{e(t(key, lang))}<br><span class="date">{e(day[5:])}</span>'

    return _table(
        [(e(t("brief.col.measure", lang)), False), (dated("brief.col.today", b["as_of"]), True),
         (dated("brief.col.d1", b["compared"]["d1"]), True), (e(t("brief.col.change", lang)), True),
         (dated("brief.col.d7", b["compared"]["d7"]), True), (e(t("brief.col.change", lang)), True)],
        [[(e(label), False), (f"<b>{e(v)}</b>", True), (e(v1), True),
          (_change_cell(c1, i["key"], i["change_d1"]), True),
          (e(v7), True), (_change_cell(c7, i["key"], i["change_d7"]), True)]
         for i, (label, v, v1, c1, v7, c7) in zip(b["headline"], _headline_rows(b, lang))],
        css="headline")


def _gaps_html(b: dict, lang: str) -> str:
    e = html.escape
    regions, facilities = b["gaps"]["regions"], b["gaps"]["facilities"]
    by_region = _table(
        [("#", True), (e(t("brief.col.region", lang)), False), (e(t("brief.col.score", lang)), True),
         (e(t("brief.col.urgent", lang)), True), (e(t("brief.col.open", lang)), True)],
        [[(str(n), True), (_h(r["label"]), False), (e(fmt.score(r["score"], lang)), True),
          (f"{r['urgent_needs']:,}", True), (f"{r['open_needs']:,}", True)]
         for n, r in enumerate(regions, 1)]) if regions else _none("brief.none.gaps", lang)
    by_facility = _table(
        [("#", True), (e(t("brief.col.facility", lang)), False), (e(t("brief.col.region", lang)), False),
         (e(t("brief.col.score", lang)), True), (e(t("brief.col.urgent", lang)), True)],
        [[(str(n), True), (_h(f["name"]) + (e(t("brief.claimed_mark", lang))
                                             if f.get("claimed_by") else ""), False),
          (_h(f["region"]), False),
          (e(fmt.score(f["score"], lang)), True), (f"{f['urgent_needs']:,}", True)]
         for n, f in enumerate(facilities, 1)]) if facilities else _none("brief.none.gaps", lang)
    return (f'<div class="pair">{_section(t("brief.section.gap_regions", lang), by_region)}'
            f'{_section(t("brief.section.gap_facilities", lang), by_facility)}</div>'
            f'<p class="more">{e(t("brief.score_note", lang))}</p>')


def _overdue_html(b: dict, lang: str) -> str:
    e = html.escape
    od = b["overdue_deliveries"]
    body = _table(
        [(e(t("brief.col.days_overdue", lang)), True), (e(t("brief.col.region", lang)), False),
         (e(t("brief.col.facility", lang)), False), (e(t("brief.col.what", lang)), False),
         (e(t("brief.col.carrier", lang)), False)],
        [[(str(d["days_overdue"]), True), (_h(d["region"]), False), (_h(d["facility_name"]), False),
          (_h(_what(d, lang)), False),
          (_h(d["carrier_name"]) if d["carrier_name"] else e(t("brief.no_carrier", lang)), False)]
         for d in od["top"]]) if od["top"] else _none("brief.none.overdue", lang)
    body += _more_html(len(od["top"]), od["count"], lang)
    return _section(t("brief.section.overdue_n", lang, n=f"{od['count']:,}"), body)


def _partners_html(b: dict, lang: str) -> str:
    e = html.escape
    p = b["partners"]
    items = []
    for cls in ("overdue", "silent"):
        if p[cls]:
            head = e(t(f"brief.partners.{cls}", lang, n=p["counts"][cls], days=p["overdue_after_days"]))
            items.append(f"<li><b>{head}</b>{e(t('brief.colon', lang))}{_partners_by_hub(p[cls], lang, _h)}"
                         f"{e(_more(len(p[cls]), p['counts'][cls], lang))}</li>")
    items += [f"<li>{e(line)}</li>" for line in reporting_lines(b, lang)]
    body = f"<ul>{''.join(items)}</ul>" if items else _none("brief.none.partners", lang)
    return _section(t("brief.section.partners", lang), body)


def reporting_lines(b: dict, lang: str) -> list[str]:
    """The partners' reporting rate, who is not reporting lately and where most of them
    are, and the pledges past their date without a delivery (plain text)."""
    lines = []
    r = b.get("reporting") or {}
    if r.get("expected"):
        line = t("brief.reporting.rate", lang, rate=f"{r['received'] / r['expected']:.0%}",
                 received=f"{r['received']:,}", expected=f"{r['expected']:,}",
                 silent=f"{r['silent']:,}", partners=f"{r['partners']:,}")
        if r.get("top_region") and r["silent"]:
            line += t("brief.reporting.where", lang, n=r["top_region"]["n"],
                      region=r["top_region"]["name"])
        else:
            line += t("brief.reporting.end", lang)
        lines.append(line)
    pledges = b.get("pledges") or {}
    for p in pledges.get("lapsed", []):
        amount = "" if p["quantity"] is None else f"{p['quantity']:,.0f}{p['unit'] or ''}"
        lines.append(t("brief.pledge.lapsed", lang, who=p["organisation"], until=p["due_on"],
                       facility=p["facility"] or "", what=f"{p['item'] or ''}{amount}"))
    if len(pledges.get("lapsed", [])) < pledges.get("lapsed_count", 0):
        lines.append(_more(len(pledges["lapsed"]), pledges["lapsed_count"], lang).strip())
    return lines


def _overlaps_html(b: dict, lang: str) -> str:
    ov = b["overlaps"]
    body = ("<ul>" + "".join(f"<li>{_overlap_text(o, lang, _h)}</li>" for o in ov["top"])
            + "</ul>") if ov["top"] else _none("brief.none.overlaps", lang)
    body += _more_html(len(ov["top"]), ov["count"], lang)
    return _section(t("brief.section.overlaps", lang, window=b["window"]["days"]), body)


def render_html(b: dict, lang: str = "zh", map_png: bytes | None = None,
                map_metric: str = "open_needs") -> str:
    """The briefing as one self-contained HTML page (A4 print CSS; data values escaped).

    ``map_png`` (from :func:`dashboard.briefing.mapimage.render_map` of ``map_metric``)
    is embedded as a data: URI; without it the page has no map.
    """
    e = html.escape
    title, sub = _title(b, lang)
    narrative = ('<ul class="narrative">' + "".join(f"<li>{_h(s)}</li>" for s in b["narrative"])
                 + "</ul>")
    figure = ""
    if map_png:
        data = base64.b64encode(map_png).decode("ascii")
        caption = (t("brief.map.caption_county", lang, metric=t(f"brief.map.{map_metric}", lang),
                     region=b["region"]["name"] if lang == "zh" else b["region"]["name_en"])
                   if b.get("region") else
                   t("brief.map.caption", lang, metric=t(f"brief.map.{map_metric}", lang)))
        figure = (f'<div class="map"><img alt="{e(t("brief.map.alt", lang))}" '
                  f'src="data:image/png;base64,{data}"/><div class="cap">{e(caption)}</div></div>')
    body = (
        f'<header><h1>{e(title)}</h1><p class="sub">{e(sub)}</p></header>'
        f'<div class="top">{_section(t("brief.section.narrative", lang), narrative)}{figure}</div>'
        + _section(t("brief.section.headline", lang), _headline_html(b, lang))
        + _gaps_html(b, lang)
        + _overdue_html(b, lang)
        + f'<div class="pair">{_partners_html(b, lang)}{_overlaps_html(b, lang)}</div>'
        + f"<footer>{e(t('brief.footer', lang, methods=METHODS))}</footer>"
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)} · {e(b['as_of'])}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
