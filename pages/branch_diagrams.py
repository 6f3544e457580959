"""Branch diagrams: an inception-style block's parallel branches, what its 1x1 reductions save, and
GoogLeNet against the paper's Table 1."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import vizcore
from vizcore.course.lectures import googlenet_table
from vizcore.drawing.diagrams import Saving, branch_dot, reduction_savings
from vizcore.formats import human_count
from webapp.caching import analysis_for, derived, shareable
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


def branch_bars(analysis: vizcore.Analysis, join: str) -> go.Figure:
    """Each branch's share of its block's params and MACs (one figure per block, shared by every session)."""
    block = next(b for b in analysis.blocks if b.join == join)
    names = [f"branch {i}" for i in range(1, len(block.branches) + 1)]
    fig = go.Figure(
        [
            go.Bar(
                name=label,
                x=names,
                y=[100 * v / max(total, 1) for v in values],
                customdata=values,
                hovertemplate=f"%{{x}}: %{{customdata:,}} {label} (%{{y:.1f}}%)<extra></extra>",
            )
            for label, values, total in (
                ("params", [b.params for b in block.branches], block.params),
                ("MACs", [b.macs for b in block.branches], block.macs),
            )
        ]
    )
    fig.update_layout(
        barmode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": "% of the block"},
        legend={"orientation": "h", "y": 1.1},
    )
    return shareable(fig)


def branch_dot_of(analysis: vizcore.Analysis, join: str) -> str:
    """The block's diagram as DOT, by its join's name (hashable, so ``derived`` shares it)."""
    return branch_dot(analysis, next(b for b in analysis.blocks if b.join == join))


def savings_of(analysis: vizcore.Analysis, join: str) -> list[Saving]:
    """What the block's 1x1 reductions save, by its join's name."""
    return reduction_savings(analysis, next(b for b in analysis.blocks if b.join == join))


result, blocks = block_page("branch", "branch blocks", ("googlenet", "inception_v3", "squeezenet1_1"))
block = choose_block(blocks, "branch_block")
sync_url({**shared_params(), "block": block.join})
left, right = diagram_columns()
with left:
    dot = derived(branch_dot_of, result, block.join)
    show_diagram(dot, key="branch_view", title=f"branch block {block.name}")
    diagram_downloads(dot, f"{result.model}_{block.name or 'model'}_branches")
with right:
    st.markdown(
        f"**{block_caption(block, blocks)}** takes {vizcore.format_shape(block.input_shape[1:])} from `{block.fork}` and "
        f"concatenates {len(block.branches)} branches into {vizcore.format_shape(block.output_shape[1:])}: "
        + " + ".join(str(b.out_channels) for b in block.branches)
        + f" = {block.output_shape[1]} channels."
    )
    st.plotly_chart(derived(branch_bars, result, block.join), key="branch_bars")
    savings = derived(savings_of, result, block.join)
    if savings:
        st.markdown(
            "**What the 1x1 reductions buy** (the same branch with its larger convolution fed the block's input directly):"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "branch": s.branch,
                        "MACs with": s.macs_with,
                        "MACs without": s.macs_without,
                        "params with": s.params_with,
                        "params without": s.params_without,
                    }
                    for s in savings
                ]
            ),
            hide_index=True,
            column_config=number_columns(("MACs with", "MACs without", "params with", "params without")),
        )
        saved = sum(s.macs_without - s.macs_with for s in savings)
        st.caption(
            f"Together they save {human_count(saved)} MACs, {100 * saved / (block.macs + saved):.0f}% of what the block would cost without them."
        )
    else:
        st.caption("No branch here reduces its channels with a 1x1 convolution before a larger one.")

if result.model in ("googlenet", "googlenet_paper"):
    st.subheader("Against the paper's Table 1")
    device = st.session_state.get("device", "auto")
    paper = analysis_for("googlenet_paper", (1, 3, 224, 224), device)
    tv = analysis_for("googlenet", (1, 3, 224, 224), device)
    rows = googlenet_table(paper, tv)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "module": r.module,
                    "Table 1 params": r.paper_params,
                    "googlenet_paper params": r.ours_params,
                    "torchvision params": r.torchvision_params,
                    "Table 1 MACs": r.paper_macs,
                    "googlenet_paper MACs": r.ours_macs,
                    "torchvision MACs": r.torchvision_macs,
                    "check": "differs by over 5%" if r.flagged else "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config=number_columns(
            (
                "Table 1 params",
                "googlenet_paper params",
                "torchvision params",
                "Table 1 MACs",
                "googlenet_paper MACs",
                "torchvision MACs",
            )
        ),
    )
    flagged = [r.module for r in rows if r.flagged]
    st.markdown(
        "`googlenet_paper` is built from the channel sizes of Table 1 itself (5x5 convolutions, no batch norm), so where its count "
        "and the printed figure disagree, the printed figure is inconsistent with the table's own columns"
        + (f": **{', '.join(flagged)}**." if flagged else ".")
        + " torchvision's variant uses 3x3 instead of 5x5 in the third branch (fewer params and MACs) and batch norm "
        "after every convolution (its convolutions have no bias)."
    )
