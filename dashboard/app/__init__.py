"""The Streamlit app: the frame, the one cached edge, each page's render(view), tables and
components (the only part of dashboard/ that imports streamlit)."""
