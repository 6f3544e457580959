"""The app's pages, one script each, run by Streamlit (``overview.py`` is the default; ``app.py`` routes
to them with ``st.navigation`` over ``webapp.chrome.PAGES``). What they share is in ``webapp/``."""
