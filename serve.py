"""The app's server: ``streamlit run serve.py`` serves app.py and pages/ exactly as ``streamlit run app.py``
does, and warms up the moment the server starts instead of inside the first visitor's page run.

Streamlit 1.67's ``st.App`` is its start hook: ``streamlit run`` finds the ``app`` below and runs it
under uvicorn, calling ``lifespan`` once when the server starts. The warm-up runs in a thread so the
server answers at once: a visitor who comes during warm-up gets the page's frame (title, sidebar) and a
spinner while the same imports finish, never a blank page.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from webapp.classroom.events import ROUTES as ROOM_ROUTES


def warm_up() -> None:
    """Analyse the default model (what the first page shows), import everything the other pages use, and
    load the offline classifier, into the app's caches."""
    import vizcore  # torch, torchvision and the zoo's registry
    import webapp
    from webapp.caching import analysis_for, default_classifier
    from webapp.chrome import DEFAULT_MODEL

    analysis_for(DEFAULT_MODEL, (1, *vizcore.get_card(DEFAULT_MODEL).input_size), "auto")
    # Every module of the library and the app, with what they import (captum, timm, plotly, pandas, ...):
    # otherwise the first class to open the app waits while its pages import them, one after the other.
    for package in (vizcore, webapp):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.endswith(".__main__"):  # the CLI's entry point runs the CLI
                importlib.import_module(module.name)
    import pandas  # noqa: F401  (Streamlit's tables and charts load it on first use)

    default_classifier("auto")  # the first photo a student classifies need not wait for it either
    # Everything alive now lives as long as the server: move it out of the collector's way, so the
    # collections that still run (post-run GC is off, see .streamlit/config.toml) stay short.
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan, routes=ROOM_ROUTES)  # rooms: opening one, and its event stream
