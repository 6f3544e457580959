"""vizcore explorer: the entry point, which only routes. ``st.navigation`` over ``webapp.chrome.PAGES`` picks
the page from the URL and draws the sidebar's menu once per run from one message (13 ``st.page_link``
elements in every page's run cost a tenth of a page run under load). Served by ``streamlit run serve.py``
(or ``streamlit run app.py``); the pages are in ``pages/``, the Overview in ``pages/overview.py``.

Because this script calls ``st.navigation``, Streamlit ignores its automatic discovery of ``pages/``:
PAGES is the one list of pages, in the menu's order.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

import streamlit as st

# The page's frame first: on a server still warming up (serve.py), these imports wait for torch. Once
# they are loaded, no spinner (each costs a thread and a message on every rerun).
st.set_page_config(page_title="vizcore", page_icon=":material/hub:", layout="wide")
with (
    st.spinner("Starting up: loading PyTorch and the model zoo…")
    if "webapp.widgets" not in sys.modules
    else nullcontext()
):
    from webapp import widgets  # noqa: F401  (what every page imports: torch, vizcore, plotly)
    from webapp.chrome import navigation

navigation().run()
