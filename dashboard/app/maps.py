"""What the maps share on screen: the choice of colour classes and the legends.

The colours themselves come from dashboard.present.charts (one scale per metric); this module
only draws them in Streamlit, in the view's language.
"""

from __future__ import annotations

import html

import streamlit as st

from dashboard.app.frame import View, query_param, set_query_param
from dashboard.present.charts import (
    CLASS_CHOICES,
    DEFAULT_CLASSES,
    HUB_COLOUR,
    STATE_COLOURS,
    Shading,
    legend_labels,
    legend_title,
)

_REMEMBERED = "_map_classes"  # the choice, across pages that draw the control or not


def classes_control(view: View, page: str) -> str:
    """Linear or quantile colour classes: a segmented control kept in the URL as
    ``classes`` and shared by every map of the session (``page`` names the page drawing
    it: each page has its own widget, which Streamlit forgets on the other pages)."""
    # Keyed by page and language: a widget keeps its first labels, so a new language
    # needs a new one.
    key = f"classes_{page}_{view.lang}"
    if key not in st.session_state:
        wanted = st.session_state.get(_REMEMBERED) or query_param("classes", DEFAULT_CLASSES)
        st.session_state[key] = wanted if wanted in CLASS_CHOICES else DEFAULT_CLASSES
    classes = st.segmented_control(
        view.t("overview.map_classes"), CLASS_CHOICES, key=key, required=True,
        format_func=lambda c: view.t(f"overview.classes.{c}"), help=view.t("overview.classes_help"))
    if classes not in CLASS_CHOICES:
        classes = DEFAULT_CLASSES
    st.session_state[_REMEMBERED] = classes
    set_query_param("classes", classes if classes != DEFAULT_CLASSES else None)
    return classes


def _swatch(colour: str, text: str, round_: bool = False) -> str:
    shape = "border-radius:50%;" if round_ else "border-radius:2px;"
    return (f'<span style="display:inline-flex;align-items:center;gap:6px;margin:0 14px 4px 0;'
            f'white-space:nowrap"><span style="display:inline-block;width:14px;height:14px;'
            f'{shape}background:{colour};border:1px solid rgba(0,0,0,.15)"></span>'
            f"{html.escape(text)}</span>")


def _css(rgba: list[int]) -> str:
    return f"rgba({rgba[0]},{rgba[1]},{rgba[2]},{rgba[3] / 255:.2f})"


def map_legend(shading: Shading, view: View, points: bool = True) -> None:
    """The Map page's legend: what the region shading means (metric, unit, classes) and,
    with ``points``, the facility colours and the hub marker."""
    regions = "".join(_swatch(colour, text) for colour, text in legend_labels(shading, view.lang))
    parts = [f'<div style="font-weight:600;margin-bottom:4px">'
             f"{html.escape(legend_title(shading.metric, view.lang))}</div>",
             f'<div style="display:flex;flex-wrap:wrap">{regions}</div>']
    if points:
        marks = "".join(_swatch(_css(STATE_COLOURS[s]), view.t(f"map.legend.{s}"), round_=True)
                        for s in STATE_COLOURS)
        marks += _swatch(_css(HUB_COLOUR), view.t("map.legend.hub"), round_=True)
        parts += [f'<div style="font-weight:600;margin:8px 0 4px">'
                  f'{html.escape(view.t("map.legend.points"))}</div>',
                  f'<div style="display:flex;flex-wrap:wrap">{marks}</div>']
    st.html(f'<div class="lifeline-legend" style="font-size:14px;line-height:1.4">{"".join(parts)}</div>')
