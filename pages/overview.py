"""Overview: headline numbers, the choropleth of the regions, and the ranked table."""

from datetime import timedelta

import streamlit as st

from dashboard.charts import MAP_METRICS, choropleth
from dashboard.ui import data
from dashboard.ui.components import download, headline_cards, region_table
from dashboard.ui.frame import current_view, query_param, set_query_param
from dashboard.ui.maps import classes_control
from dashboard.ui.viewport import column_width
from geo.boundaries import prefecture_features

view = current_view()
st.title(view.t("overview.title"))
if not view.has_data:
    st.info(view.t("overview.empty"))
    st.stop()

st.caption(view.t("overview.caption", as_of=view.as_of.isoformat(), window=view.window))
summary = data.region_summary(view.key, view.as_of, view.window)
now = data.totals(view.key, view.as_of, view.window)
before = data.totals(view.key, view.as_of - timedelta(days=1), view.window)
headline_cards(now, before, view)

# Keyed by language: a selectbox keeps its first labels, so a new language needs a new one.
metric_key = f"metric_{view.lang}"
if metric_key not in st.session_state:
    wanted = query_param("metric", "open_needs")
    st.session_state[metric_key] = wanted if wanted in MAP_METRICS else "open_needs"
pick_metric, pick_classes = st.columns([3, 2], vertical_alignment="bottom")
metric = pick_metric.selectbox(view.t("overview.map_metric"), MAP_METRICS, key=metric_key,
                               format_func=lambda m: view.t(f"metric.{m}"))
with pick_classes:
    classes = classes_control(view, "overview")
set_query_param("metric", metric if metric != "open_needs" else None)

label = view.t(f"metric.{metric}")
features = prefecture_features()
width = column_width("overview", default=820)
st.plotly_chart(choropleth(summary, features, metric, view.lang, classes, width_px=width),
                width="stretch", config={"displayModeBar": False})
st.caption(view.t("overview.map_caption", metric=label))

st.subheader(view.t("overview.table_title", metric=label))
shown = region_table(summary, metric, view)
download(shown, f"lifeline_regions_{view.as_of.isoformat()}.csv", view, key="dl_regions")
