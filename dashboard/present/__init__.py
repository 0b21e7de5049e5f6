"""How numbers, tables and figures read: formats, charts, the network picture, safe
exports and markup (plain Python: no streamlit)."""
