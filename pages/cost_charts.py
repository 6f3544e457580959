"""Cost charts: where the activation memory, the parameters and the FLOPs go, layer by layer."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from vizcore import Analysis
from vizcore.drawing.charts import GROUPINGS, cost_chart, reading
from webapp.caching import derived
from webapp.chrome import current_analysis, setup
from webapp.url_state import init_from_url, remember, shared_params, sync_url

setup(reads=("group", "scale", "cumulative"))
result = current_analysis()
st.title(f"{result.model}: where the cost goes")

init_from_url("charts_group", "group", "layer", lambda v: v if v in GROUPINGS else None)
init_from_url("charts_scale", "scale", "linear", lambda v: v if v in ("linear", "log") else None)
init_from_url("charts_cumulative", "cumulative", False, lambda v: v in ("1", "true"))
controls = st.columns([2, 1, 1])
controls[0].segmented_control("Group", list(GROUPINGS), key="charts_group", format_func=GROUPINGS.__getitem__)
controls[1].segmented_control("Scale", ["linear", "log"], key="charts_scale")
controls[2].toggle("Cumulative", key="charts_cumulative")
group = st.session_state["charts_group"] or "layer"
scale = st.session_state["charts_scale"] or "linear"
remember("charts_group", "charts_scale", "charts_cumulative")
sync_url(
    {
        **shared_params(),
        "group": group,
        "scale": scale,
        "cumulative": "1" if st.session_state["charts_cumulative"] else "",
    }
)


def cost_chart_for(analysis: Analysis, metric: str, group: str, log: bool, cumulative: bool) -> go.Figure:
    return cost_chart(analysis, metric, group, log=log, cumulative=cumulative)


for metric, title in (("output_bytes", "Activation memory"), ("params", "Parameters"), ("flops", "FLOPs")):
    st.subheader(title)
    st.markdown(derived(reading, result, metric))
    st.plotly_chart(
        derived(cost_chart_for, result, metric, group, scale == "log", st.session_state["charts_cumulative"]),
        key=f"chart_{metric}",
        config={"displaylogo": False},
    )
