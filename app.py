"""Streamlit entry point: page navigation only. Run with ``make run``."""
import streamlit as st

st.set_page_config(page_title="Contact-centre WFM", page_icon="📞", layout="wide")

pages = [
    st.Page("ui/history.py", title="History", icon="📈", default=True),
    st.Page("ui/forecast.py", title="Forecast", icon="🔮"),
    st.Page("ui/staffing.py", title="Staffing", icon="🧮"),
    st.Page("ui/schedule.py", title="Schedule", icon="🗓️"),
    st.Page("ui/scenarios.py", title="Scenarios", icon="⚖️"),
]
st.navigation(pages).run()
