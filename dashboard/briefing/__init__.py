"""The morning briefing: what changed since yesterday and what to do about it, on one page.

Plain Python (no streamlit), so the CLI, the app and tests share it:

- :func:`build_brief` (``content``): the JSON-ready content, with its ``narrative``;
- :func:`render_markdown` and :func:`render_html` (``render``): for group chats and print;
- :func:`render_pdf` (``pdf``): the HTML printed by headless chromium;
- :func:`render_map` (``mapimage``): the PNG map of the prefectures;
- :func:`write_brief` (``output``): one of the formats to a file or a string.
"""

from dashboard.briefing.content import build_brief
from dashboard.briefing.mapimage import render_map
from dashboard.briefing.output import FORMATS, write_brief
from dashboard.briefing.pdf import PdfError, render_pdf
from dashboard.briefing.render import render_html, render_markdown

__all__ = ["FORMATS", "PdfError", "build_brief", "render_html", "render_map", "render_markdown",
           "render_pdf", "write_brief"]
