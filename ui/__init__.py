"""Streamlit pages (one script per page) and the helpers they share."""
