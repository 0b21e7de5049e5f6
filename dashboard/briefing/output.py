"""One briefing in one format, to a file or as text: what the CLI (and the app) call."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from dashboard.access import query
from dashboard.briefing.mapimage import brief_map
from dashboard.briefing.pdf import render_pdf
from dashboard.briefing.render import render_html, render_markdown
from data_loaders import store

FORMATS = ("json", "md", "html", "pdf")


def map_file_for(out: str | Path) -> Path:
    """Where the Markdown briefing's map goes: beside it, ``brief.md`` → ``brief.map.png``."""
    out = Path(out)
    return out.with_name(out.stem + ".map.png")


def write_brief(brief: dict, fmt: str, lang: str = "zh", out: str | Path | None = None) -> str | None:
    """Render ``brief`` (from build_brief) as ``fmt`` and write it to ``out``.

    Without ``out`` the text is returned instead (json, md, html; a PDF needs a file).
    Markdown written to a file gets the map as a PNG beside it, referenced by a relative
    link; printed Markdown has no map. HTML and PDF embed the map.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if fmt == "pdf" and out is None:
        raise ValueError("a PDF needs an output file")
    if fmt == "json":
        text = json.dumps(brief, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "md":
        map_name = None
        if out is not None:
            png = map_file_for(out)
            png.parent.mkdir(parents=True, exist_ok=True)
            png.write_bytes(brief_map(brief, lang))
            map_name = png.name
        text = render_markdown(brief, lang, map_file=map_name)
    else:
        png = brief_map(brief, lang)
        text = render_html(brief, lang, map_png=png)
        if fmt == "pdf":
            render_pdf(text, out)
            return None
    if out is None:
        return text
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text, encoding="utf-8")
    return None


def known_brief(con, scope, lang: str, region: str | None, known_at: datetime | None) -> dict:
    """The briefing from the store as it is, or as it was known at ``known_at`` (its
    subtitle then says so)."""
    from dashboard.briefing.content import build_brief

    if known_at is None:
        return build_brief(con, scope, lang, region)
    known = store.as_known_at(con, known_at)
    try:
        brief = build_brief(known, scope, lang, region)
    finally:
        known.close()
    brief["known_at"] = known_at.strftime("%Y-%m-%d %H:%M")
    return brief


@query("facility", name="briefing.brief_page")
def brief_page(con, scope, lang: str = "zh", region: str | None = None,
               known_at: datetime | None = None) -> tuple[dict, str]:
    """The briefing (:func:`dashboard.briefing.build_brief`) and its printable page with
    the map embedded: what the Briefing page shows and offers as downloads. With
    ``known_at`` (UTC), the briefing from only what the store had recorded by then."""

    brief = known_brief(con, scope, lang, region, known_at)
    return brief, render_html(brief, lang, map_png=brief_map(brief, lang))
