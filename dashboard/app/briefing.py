"""The Briefing page: the morning briefing previewed as it prints, and downloaded as PDF,
HTML, Markdown (for a group chat) or JSON. Everything comes from dashboard.briefing.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from dashboard.app.cache import cached
from dashboard.app.components import offer
from dashboard.app.frame import View
from dashboard.app.tables import region_name
from dashboard.briefing import render_markdown, render_pdf
from dashboard.briefing.pdf import chromium_path
from dashboard.i18n import t


def get(view: View) -> tuple[dict, str]:
    """The view's briefing (of the view's region, when one is chosen) and its HTML page."""
    return cached(view, "briefing.brief_page", view.scope, view.lang, view.region)


def pdf_bytes(html_text: str) -> bytes:
    """Print the page to PDF (called only when a person asks for the PDF)."""
    with tempfile.TemporaryDirectory(prefix="lifeline-brief-") as tmp:
        out = render_pdf(html_text, Path(tmp) / "brief.pdf")
        return out.read_bytes()


def caption(view: View) -> None:
    """What the briefing covers."""
    st.caption(t("briefing.caption", view.lang, as_of=view.as_of.isoformat(), window=view.window))
    if view.region:
        st.caption(t("briefing.region", view.lang, region=region_name(view.region, view.lang)))


def downloads(view: View, brief: dict, html_text: str) -> None:
    """Four download buttons; the PDF is printed only when its button is pressed."""
    stem = f"lifeline_brief_{view.region + '_' if view.region else ''}{view.as_of.isoformat()}_{view.lang}"
    columns = st.columns(4)
    no_chromium = chromium_path() is None  # say so now: a failure inside the download is silent
    with columns[0]:
        offer(t("briefing.download.pdf", view.lang), lambda: pdf_bytes(html_text),
              f"{stem}.pdf", "application/pdf", view, "dl_brief_pdf", type="primary",
              disabled=no_chromium,
              help=t("briefing.download.no_chromium", view.lang) if no_chromium else None)
    with columns[1]:
        offer(t("briefing.download.html", view.lang), lambda: html_text.encode("utf-8"),
              f"{stem}.html", "text/html", view, "dl_brief_html")
    with columns[2]:
        offer(t("briefing.download.md", view.lang),
              lambda: render_markdown(brief, view.lang).encode("utf-8"),
              f"{stem}.md", "text/markdown", view, "dl_brief_md")
    with columns[3]:
        offer(t("briefing.download.json", view.lang),
              lambda: json.dumps(brief, ensure_ascii=False, indent=2).encode("utf-8"),
              f"{stem}.json", "application/json", view, "dl_brief_json")
    st.caption(t("briefing.download.caption", view.lang))


def narrative(view: View, brief: dict) -> None:
    """The plain sentences, also as text to copy into a group chat."""
    st.subheader(t("briefing.narrative", view.lang))
    for sentence in brief["narrative"]:
        st.markdown(f"- {_plain(sentence)}")
    with st.expander(t("briefing.chat", view.lang)):
        st.code(render_markdown(brief, view.lang), language=None, wrap_lines=True)


def _plain(text: str) -> str:
    """Sentence text with Markdown's special characters escaped (names are data)."""
    special = "\\`*_{}[]()<>#+-.!|~$"
    return "".join("\\" + c if c in special else c for c in text)


def preview(view: View, html_text: str) -> None:
    """The page as it prints, in its own frame (its print styles stay inside). Every data
    value in it was HTML-escaped by dashboard.briefing.render, which is what makes
    embedding it safe."""
    st.subheader(t("briefing.preview", view.lang))
    st.iframe(html_text, height="content")


def render(view: View) -> None:
    """Briefing: the morning page, previewed as it prints and ready to download."""
    caption(view)
    brief, html_text = get(view)
    downloads(view, brief, html_text)
    narrative(view, brief)
    preview(view, html_text)
