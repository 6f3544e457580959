"""vizcore explorer (placeholder until the multipage app lands): one model's summary table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import vizcore
from vizcore.formats import human_bytes, human_count


@st.cache_data(max_entries=32, show_spinner="Tracing the model...")
def summary(model: str, shape: tuple[int, ...], depth: int | None) -> tuple[pd.DataFrame, dict[str, int]]:
    result = vizcore.analyze(model, shape, device="cpu")
    rows = pd.DataFrame(
        [
            {
                "layer": r.name,
                "type": r.type,
                "output shape": "x".join(map(str, r.output_shape)),
                "params": r.params,
                "MACs": r.macs,
                "memory (bytes)": r.output_bytes,
            }
            for r in result.rows(depth)
        ]
    )
    t = result.totals
    return rows, {"params": t.params, "macs": t.macs, "activation_bytes": t.activation_bytes}


st.set_page_config(page_title="vizcore", layout="wide")
st.title("vizcore: what a CNN costs, layer by layer")
names = vizcore.list_models()
model = st.selectbox("Model", names, index=names.index("alexnet"))
card = vizcore.get_card(model)
shape_text = st.text_input("Input (CxHxW)", value=vizcore.format_shape(card.input_size))
depth = st.slider("Depth", 1, 6, 6)
try:
    shape = vizcore.parse_shape(shape_text)
    table, totals = summary(model, shape, depth)
except vizcore.VizcoreError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"{card.family} ({card.year}) — {card.key_idea}")
cols = st.columns(3)
cols[0].metric("Parameters", f"{totals['params']:,}")
cols[1].metric("MACs", human_count(totals["macs"]))
cols[2].metric("Activation memory", human_bytes(totals["activation_bytes"]))
st.dataframe(table, hide_index=True, width="stretch")
