"""Data values inside Markdown: shown as the text they are, never as markup.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.info``/``warning``/``error``/
``success`` and widget labels as Markdown (with its own extensions: ``$math$``,
``:red[colour]``, ``:material/icon:``). Names, file names and other values typed by
people may hold ``**bold**``, ``[x](javascript:alert(1))`` or ``<img src=x ...>``: before
such a value is put into Markdown it goes through :func:`md`, which backslash-escapes
every character Markdown or Streamlit could read as markup and flattens it to one line.
Plain Python (no streamlit), so the pages and the tests share it.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones that start or end markup (emphasis, links, images, code, HTML, headings, lists,
# tables, math, Streamlit's :directives:).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&\"'])")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as Markdown that renders exactly as the text (one line)."""
    text = "" if value is None else str(value)
    return _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))
