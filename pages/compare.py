"""Compare: two or more models side by side, and accuracy against cost (Canziani et al.)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import vizcore
from vizcore.formats import human_bytes
from webapp.caching import analysis_for, bubble_chart, is_upload, upload_input
from webapp.chrome import model_choices, model_label, setup
from webapp.url_state import init_from_url, plain, quoted, remember, shared_params, sync_url
from webapp.widgets import baseline, number_columns

setup(reads=("models",))
st.title("Compare models")
# the zoo, the session's uploads, and uploads a shared link brought to this page
names = list(
    dict.fromkeys([*model_choices(), *(m for m in st.session_state.get("_compare_models", []) if is_upload(m))])
)


def own_shape(name: str) -> tuple[int, ...]:
    """Each model at the input it was made for (an upload: the input its file declares)."""
    return upload_input(name) if is_upload(name) else (1, *vizcore.get_card(name).input_size)


def known_models(text: str) -> list[str] | None:
    """The zoo models and kept uploads named in the URL; the others are reported and left out."""
    wanted = [m for m in text.split(",") if m]
    names.extend(m for m in wanted if is_upload(m) and m not in names and kept(m))
    unknown = [m for m in wanted if m not in names]
    if unknown:
        left_out = ", ".join(quoted(m) for m in unknown[:5]) + (" and others" if len(unknown) > 5 else "")
        st.warning(plain(f"Not in the zoo, left out of ?models: {left_out}."))
    return [m for m in wanted if m in names] or None


def kept(name: str) -> bool:
    try:
        upload_input(name)
    except vizcore.VizcoreError:
        return False
    return True


model = st.session_state["model"]  # the model the user came with belongs in the comparison
init_from_url(
    "compare_models", "models", ["alexnet", model] if model != "alexnet" else ["alexnet", "vgg16"], known_models
)
chosen = st.multiselect("Models (the first is the baseline)", names, key="compare_models", format_func=model_label)
remember("compare_models")
sync_url({**shared_params(), "models": ",".join(chosen)})
if len(chosen) < 2:
    st.info("Pick at least two models to compare.")
    st.stop()

results = {}
progress = st.progress(0.0, text="Tracing…")
for i, name in enumerate(chosen):
    progress.progress(i / len(chosen), text=f"Tracing {model_label(name)}…")
    try:
        results[name] = analysis_for(name, own_shape(name), st.session_state.get("device", "auto"))
    except vizcore.VizcoreError as exc:
        st.error(plain(f"{model_label(name)}: {exc}"))
progress.empty()
base_name = baseline(chosen, results)
if len(results) < 2 or base_name is None:
    st.stop()
base = results[base_name]
if base_name != chosen[0]:
    st.caption(f"{model_label(chosen[0])} could not be traced, so {base.model} is the baseline.")
table = pd.DataFrame(
    [
        {
            "model": r.model,
            "family": r.card.family if r.card else "",
            "year": r.card.year if r.card else None,
            "input": vizcore.format_shape(r.input_shape[1:]),
            "params": r.totals.params,
            "GMACs": r.totals.macs / 1e9,
            "GFLOPs": r.totals.flops / 1e9,
            "activation memory": human_bytes(r.totals.activation_bytes),
            "params x": r.totals.params / base.totals.params,
            "MACs x": r.totals.macs / base.totals.macs,
            "top-1 %": r.card.acc1 if r.card else None,
        }
        for name, r in results.items()
    ]
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config=number_columns(
        ("params",), {"GMACs": "%.3f", "GFLOPs": "%.3f", "params x": "%.2fx", "MACs x": "%.1fx"}
    ),
)
for name, r in results.items():
    if name == base_name:
        continue
    st.markdown(
        f"**{r.model}** has **{r.totals.params / base.totals.params:.1f}x** the parameters of {base.model} "
        f"and **{r.totals.macs / base.totals.macs:.1f}x** its multiply-adds."
    )
st.subheader("Accuracy against cost")
st.plotly_chart(
    bubble_chart(tuple((n, r.totals.macs / 1e9, r.totals.params) for n, r in results.items() if r.card)),
    key="compare_bubbles",
)
st.caption(
    "Bubble area is the parameter count, colour the year; accuracy is torchvision's published ImageNet top-1 (models without one are in the table only)."
)
