"""Residual flows: one residual block step by step, a stage's blocks in order, and what the shortcut
costs (ResNet-34 against its plain counterpart)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import vizcore
from vizcore.drawing.diagrams import flow_steps, residual_dot, stage_dot
from vizcore.formats import human_count
from webapp.caching import analysis_for
from webapp.url_state import shared_params, sync_url
from webapp.widgets import (
    block_caption,
    block_page,
    choose_block,
    diagram_columns,
    diagram_downloads,
    number_columns,
    show_diagram,
)

result, blocks = block_page("residual", "residual blocks", ("resnet50", "mobilenet_v2", "convnext_tiny"))

# in presentation mode the controls share one row, leaving the height to the diagram
controls = st.columns(2) if st.session_state.get("present") else (st.container(), st.container())
with controls[0]:
    block = choose_block(blocks, "residual_block")
steps = flow_steps(block)
step_key = f"residual_step_{block.join}"
step = controls[1].slider(
    "Step through the block",
    0,
    len(steps),
    0,
    key=step_key,
    help="0 shows the whole block; each step highlights one layer.",
)
sync_url({**shared_params(), "block": block.join})
left, right = diagram_columns()
with left:
    dot = residual_dot(result, block, steps[step - 1] if step else None)
    show_diagram(dot, key="residual_view", title=f"residual block {block.name}")
    diagram_downloads(dot, f"{result.model}_{block.name or 'model'}_residual")
with right:
    st.markdown(
        f"**{block_caption(block, blocks)}**: {vizcore.format_shape(block.input_shape[1:])} in, "
        f"{vizcore.format_shape(block.output_shape[1:])} out; **{block.shortcut}** shortcut"
        + (
            f" ({len(block.skip.layers)} layers, {block.skip.params:,} params, {human_count(block.skip.macs)} MACs)"
            if block.skip.layers
            else " (no layers: x is added back as it is)"
        )
        + (
            f", then `{block.after}` after the add."
            if block.after
            else "; nothing after the add (a linear bottleneck)."
        )
    )
    if step:
        node = result.node(steps[step - 1])
        st.metric(
            f"Step {step} of {len(steps)}: {node.name}",
            vizcore.format_shape(node.output_shape[1:]),
            help=f"{node.type}, {node.params:,} params, {node.macs:,} MACs",
        )

stage_names = list(dict.fromkeys(b.name.rsplit(".", 1)[0] for b in blocks if "." in b.name))
if stage_names:
    st.subheader("A stage, block by block")
    stage = st.selectbox(
        "Stage", stage_names, index=stage_names.index(block.name.rsplit(".", 1)[0]) if "." in block.name else 0
    )
    members = [b for b in blocks if b.name.rsplit(".", 1)[0] == stage]
    show_diagram(stage_dot(members), key="stage_view", title=f"stage {stage}")
    first, last = members[0], members[-1]
    st.caption(
        f"{stage}: {vizcore.format_shape(first.input_shape[1:])} -> {vizcore.format_shape(last.output_shape[1:])}; "
        f"projections at {', '.join(b.name for b in members if b.shortcut == 'projection') or 'none'}."
    )

st.subheader("What the shortcut costs: ResNet-34 against plain-34")
device = st.session_state.get("device", "auto")
res, plain = analysis_for("resnet34", (1, 3, 224, 224), device), analysis_for("plain34", (1, 3, 224, 224), device)
projections = [b for b in res.blocks if b.shortcut == "projection"]
st.dataframe(
    pd.DataFrame(
        [
            {
                "model": "resnet34",
                "params": res.totals.params,
                "MACs": res.totals.macs,
                "FLOPs": res.totals.flops,
                "residual blocks": len(res.blocks),
                "projections": len(projections),
            },
            {
                "model": "plain34",
                "params": plain.totals.params,
                "MACs": plain.totals.macs,
                "FLOPs": plain.totals.flops,
                "residual blocks": len(plain.blocks),
                "projections": 0,
            },
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config=number_columns(("params", "MACs", "FLOPs")),
)
st.markdown(
    f"The {len(res.blocks) - len(projections)} identity shortcuts cost no parameter and no MAC (only "
    f"{human_count(res.totals.flops - plain.totals.flops - 2 * (res.totals.macs - plain.totals.macs))} FLOPs of additions); "
    f"the {len(projections)} projections cost {res.totals.params - plain.totals.params:,} parameters and "
    f"{human_count(res.totals.macs - plain.totals.macs)} MACs ({100 * (res.totals.macs - plain.totals.macs) / plain.totals.macs:.1f}% more)."
)
