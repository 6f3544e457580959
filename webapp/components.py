"""The app's own browser components (a script and a stylesheet in ``assets/``), registered once per server."""

from __future__ import annotations

from typing import Any

import streamlit as st

from webapp.widgets import ROOT


@st.cache_resource
def asset_component(name: str, asset: str) -> Any:
    """The component ``name`` made of ``assets/<asset>.js`` and ``assets/<asset>.css``."""
    folder = ROOT / "assets"
    return st.components.v2.component(
        name,
        js=(folder / f"{asset}.js").read_text(encoding="utf-8"),
        css=(folder / f"{asset}.css").read_text(encoding="utf-8"),
    )
