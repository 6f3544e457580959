"""The floor: a one-line Streamlit app. Served from the repository root, so it runs under the app's own
.streamlit/config.toml; what a page of ours costs beyond this is our page run, the rest is Streamlit's."""

import streamlit as st

st.write("hello")
