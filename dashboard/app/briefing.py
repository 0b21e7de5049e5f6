"""The Briefing page: the morning briefing previewed as it prints, and downloaded as PDF,
HTML, Markdown (for a group chat) or JSON. Everything comes from dashboard.briefing.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import streamlit as st

from dashboard.app.cache import cached
from dashboard.app.components import offer
from dashboard.app.frame import View
from dashboard.app.tables import region_name
from dashboard.briefing import render_markdown, render_pdf
from dashboard.briefing.pdf import chromium_path
from dashboard.i18n import t


def get(view: View, known_at: datetime | None = None) -> tuple[dict, str]:
    """The view's briefing (of the view's region, when one is chosen) and its HTML page;
    with ``known_at``, from only what had been recorded by then."""
    return cached(view, "briefing.brief_page", view.scope, view.lang, view.region, known_at)


def known_at(view: View) -> datetime | None | bool:
    """The moment chosen with "as known at" (UTC), None for everything known now, or False
    (said on the page) when nothing had been recorded by the moment chosen. A person picks
    a change ("before the import of 15:57") or a moment of their own; the default is just
    before the latest change: what the briefing said before the last import or correction."""
    if not st.toggle(t("briefing.known.toggle", view.lang), key="brief_known",
                     help=t("briefing.known.help", view.lang)):
        return None
    moments = cached(view, "store.change_moments")
    choices = [*range(len(moments) - 1, max(-1, len(moments) - 1 - KNOWN_CHOICES), -1), -1]
    chosen = st.selectbox(
        t("briefing.known.before", view.lang), choices, key="brief_known_change",
        format_func=lambda i: t("briefing.known.other", view.lang) if i < 0 else t(
            "briefing.known.change", view.lang, at=moments[i][0].strftime("%Y-%m-%d %H:%M:%S"),
            reason=t(f"record.reason.{moments[i][1]}", view.lang)))
    if chosen >= 0:
        moment = moments[chosen][0] - timedelta(microseconds=1)
    else:
        now = datetime.now(UTC)
        left, right = st.columns(2)
        day = left.date_input(t("briefing.known.day", view.lang), value=now.date(),
                              max_value=now.date(), key="brief_known_day")
        clock = right.time_input(t("briefing.known.time", view.lang), value=time(0, 0),
                                 key="brief_known_time", step=60)
        moment = datetime.combine(day, clock)
    known = sum(m <= moment for m, _ in moments)
    if not known:
        st.info(t("briefing.known.nothing", view.lang, at=moment.strftime("%Y-%m-%d %H:%M"),
                  first=moments[0][0].strftime("%Y-%m-%d %H:%M") if moments else "—"))
        return False
    st.caption(t("briefing.known.caption", view.lang, before=f"{known:,}",
                 after=f"{len(moments) - known:,}"))
    return moment


# How many of the latest changes the "as known before" list offers.
KNOWN_CHOICES = 50


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
    moment = known_at(view)
    if moment is False:
        return
    brief, html_text = get(view, moment)
    downloads(view, brief, html_text)
    narrative(view, brief)
    preview(view, html_text)
