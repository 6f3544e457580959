"""Cost charts: where the activation memory, the parameters and the FLOPs go, layer by layer; and beside
them what one training step keeps (saved activations, gradients, optimizer state) at a chosen batch."""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import streamlit as st

import vizcore
from vizcore import Analysis
from vizcore.drawing.charts import GROUPINGS, cost_chart, reading, training_chart
from vizcore.engine.training import MAX_BATCH, TrainingCost
from vizcore.formats import TRAINING_FORMATS, human_bytes
from webapp.caching import derived, shareable, training_for
from webapp.chrome import current_analysis, setup
from webapp.url_state import escaped, init_from_url, remember, shared_params, sync_url
from webapp.widgets import download, number_columns

OPTIMIZERS = {"sgd": "SGD (momentum)", "adam": "Adam"}
DOWNLOADS = ("csv", "markdown", "latex")

# A training step is measured only when asked (a link that names it, or the switch): most visitors of this
# page want the forward charts, and measuring every model they pick would cost every one of them.
asked = "batch" in st.query_params or "optimizer" in st.query_params
setup(reads=("group", "scale", "cumulative", "batch", "optimizer"))
result = current_analysis()
st.title(f"{result.model}: where the cost goes")

init_from_url("charts_group", "group", "layer")
init_from_url("charts_scale", "scale", "linear")
init_from_url("charts_cumulative", "cumulative", False)
init_from_url("charts_batch", "batch", 32)
init_from_url("charts_optimizer", "optimizer", "sgd")
forward, training = st.tabs(["Forward pass", "Training step"])
with training:
    measured = st.toggle("Measure a training step", value=asked, key="charts_training")
    knobs = st.columns([1, 1, 2])
    knobs[0].number_input("Batch", min_value=1, max_value=MAX_BATCH, step=1, key="charts_batch")
    knobs[1].segmented_control(
        "Optimizer", list(OPTIMIZERS), key="charts_optimizer", format_func=OPTIMIZERS.__getitem__
    )
batch = int(st.session_state["charts_batch"])
optimizer = st.session_state["charts_optimizer"] or "sgd"
controls = forward.columns([2, 1, 1])
controls[0].segmented_control("Group", list(GROUPINGS), key="charts_group", format_func=GROUPINGS.__getitem__)
controls[1].segmented_control("Scale", ["linear", "log"], key="charts_scale")
controls[2].toggle("Cumulative", key="charts_cumulative")
group = st.session_state["charts_group"] or "layer"
scale = st.session_state["charts_scale"] or "linear"
remember("charts_group", "charts_scale", "charts_cumulative", "charts_batch", "charts_optimizer")
sync_url(
    {
        **shared_params(),
        "group": group,
        "scale": scale,
        "cumulative": "1" if st.session_state["charts_cumulative"] else "",
        **({"batch": str(batch), "optimizer": optimizer} if measured else {}),
    }
)


def cost_chart_for(analysis: Analysis, metric: str, group: str, log: bool, cumulative: bool) -> go.Figure:
    return shareable(cost_chart(analysis, metric, group, log=log, cumulative=cumulative))


with forward:
    for metric, title in (("output_bytes", "Activation memory"), ("params", "Parameters"), ("flops", "FLOPs")):
        st.subheader(title)
        st.markdown(derived(reading, result, metric))
        st.plotly_chart(
            derived(cost_chart_for, result, metric, group, scale == "log", st.session_state["charts_cumulative"]),
            key=f"chart_{metric}",
            config={"displaylogo": False},
        )


def show_training(cost: TrainingCost) -> None:
    """The step's totals, its bytes per layer, the largest batch per card, the notes and the downloads."""
    parts = (
        ("Saved activations", cost.saved_activation_bytes),
        ("Gradients", cost.gradient_bytes),
        ("Optimizer state", cost.optimizer_bytes),
        ("Weights", cost.weight_bytes),
        ("One step total", cost.step_bytes),
    )
    for column, (label, size) in zip(st.columns(len(parts)), parts, strict=True):
        column.metric(label, human_bytes(size), help=f"{size:,} bytes")
    st.plotly_chart(training_chart(cost), key="chart_training", config={"displaylogo": False})
    st.subheader("Largest batch that fits")
    st.dataframe(
        [{"Card": f"{fit.gib} GB", "Largest batch": fit.max_batch} for fit in cost.fits],
        column_config=number_columns(("Largest batch",)),
        hide_index=True,
    )
    for note in cost.notes:
        st.caption(escaped(note))
    stem = f"{cost.analysis.model}_training_b{cost.batch}_{cost.optimizer}"
    for column, fmt in zip(st.columns(len(DOWNLOADS)), DOWNLOADS, strict=True):
        write = functools.partial(TRAINING_FORMATS[fmt], cost)
        download(column, fmt, write, stem, key=f"download_training_{fmt}", width="stretch")


with training:
    if not measured:
        st.caption("Switch on to measure what one training step keeps at this batch and optimizer.")
    else:
        try:
            with st.spinner(f"Measuring a training step of {result.model} at batch {batch}…", show_time=True):
                cost = training_for(st.session_state["model"], result.input_shape, batch, optimizer)
        except vizcore.VizcoreError as exc:
            st.error(escaped(str(exc)))
        else:
            show_training(cost)
