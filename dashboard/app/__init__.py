"""Streamlit components shared by the pages (the only part of dashboard/ that imports streamlit)."""
