"""The app's pages, one script each, run by Streamlit (``app.py`` is the Overview; Streamlit lists no
``__init__.py`` as a page). What they share is in ``webapp/``."""
