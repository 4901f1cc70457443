"""Streamlit entry point: page navigation only. Run with ``make run``."""
import streamlit as st

st.set_page_config(page_title="Contact-centre WFM", page_icon=":material/support_agent:", layout="wide")

pages = [
    st.Page("ui/history.py", title="History", icon=":material/monitoring:", default=True),
    st.Page("ui/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("ui/staffing.py", title="Staffing", icon=":material/groups:"),
    st.Page("ui/schedule.py", title="Schedule", icon=":material/calendar_month:"),
    st.Page("ui/scenarios.py", title="Scenarios", icon=":material/compare_arrows:"),
]
st.navigation(pages).run()
