"""The analyses: metrics and queries over the store, each registered with its level of
detail (plain Python: no streamlit)."""
