import streamlit as st

st.title("Scenarios")
st.info("This page is being built. Load contact history on the History page meanwhile.")
