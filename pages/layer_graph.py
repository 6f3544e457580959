"""Layer graph: the traced data flow, collapsible by depth and block, coloured by type or cost."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import vizcore
from pages import (
    DEPTHS,
    current_analysis,
    default_depth,
    derived,
    init_from_url,
    remember,
    setup,
    shared_params,
    show_url_problems,
    sync_url,
)
from vizcore import formats
from vizcore.formats import human_bytes, human_count
from vizcore.graphview import COLOR_METRICS, graph_figure, graph_svg, layer_graph

setup()
result = current_analysis()
st.title(f"{result.model}: layer graph")

init_from_url("graph_depth", "depth", default_depth(result), lambda v: v if v in DEPTHS else None)
init_from_url("graph_color", "color", "type", lambda v: v if v in COLOR_METRICS else None)
init_from_url("graph_expanded", "expand", [], lambda v: [b for b in v.split(",") if b])
show_url_problems()  # the page's own URL values, checked just above


def graph_plot(analysis: vizcore.Analysis, depth: int | None, expanded: tuple[str, ...], color: str) -> go.Figure:
    return graph_figure(layer_graph(analysis, depth, expanded), color)


def graph_download(analysis: vizcore.Analysis, depth: int | None, expanded: tuple[str, ...]) -> str:
    return graph_svg(
        layer_graph(analysis, depth, expanded), f"{analysis.model} {vizcore.format_shape(analysis.input_shape)}"
    )


def expand_all() -> None:
    st.session_state.update(graph_depth="all", graph_expanded=[])


controls = st.columns([1, 1, 3, 1])
depth_choice = controls[0].selectbox(
    "Depth", DEPTHS, key="graph_depth", help="Blocks deeper than this are drawn as one node."
)
controls[1].selectbox("Colour by", list(COLOR_METRICS), key="graph_color", format_func=COLOR_METRICS.__getitem__)
depth = None if depth_choice == "all" else int(depth_choice)
graph = derived(layer_graph, result, depth, tuple(st.session_state["graph_expanded"]))
blocks = sorted(set(graph.collapsible) | set(st.session_state["graph_expanded"]))
controls[2].multiselect("Expand blocks", blocks, key="graph_expanded", help="Open a collapsed block one level.")
controls[3].button("Expand all", on_click=expand_all, width="stretch")
remember("graph_depth", "graph_color", "graph_expanded")
sync_url(
    {
        **shared_params(),
        "depth": depth_choice,
        "color": st.session_state["graph_color"],
        "expand": ",".join(st.session_state["graph_expanded"]),
    }
)

figure = derived(graph_plot, result, depth, tuple(st.session_state["graph_expanded"]), st.session_state["graph_color"])
event = st.plotly_chart(
    figure,
    key="graph_plot",
    on_select="rerun",
    selection_mode="points",
    config={
        "scrollZoom": True,
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": f"{result.model}_graph", "scale": 2},
    },
)
st.caption(
    f"{len(graph.nodes)} nodes, {len(graph.edges)} edges. Drag to pan, scroll to zoom, double-click to see it all, click a node for its details; the camera icon saves a PNG."
)

picked = [
    p.get("customdata")
    for p in (event.selection.points if event and event.selection else [])
    if p.get("customdata") is not None
]
names = [n.name for n in graph.nodes]
chosen = st.selectbox(
    "Node", names, index=int(picked[0]) if picked else None, placeholder="Click a node, or pick one here"
)
if chosen is not None:
    node = graph.nodes[names.index(chosen)]
    st.subheader(node.name)
    info = st.columns(5)
    info[0].metric("Type", node.type)
    info[1].metric("Output", vizcore.format_shape(node.shape))
    info[2].metric("Params", f"{node.params:,}")
    info[3].metric("MACs", human_count(node.macs), help=f"{node.macs:,}")
    info[4].metric("Memory", human_bytes(node.output_bytes))
    if node.layers > 1:
        st.caption(f"A block of {node.layers} layers.")
        st.button(
            f"Expand {node.name}",
            on_click=lambda name=node.name: st.session_state.update(
                graph_expanded=[*st.session_state["graph_expanded"], name]
            ),
        )

downloads = st.columns(3)
downloads[0].download_button(
    "Download SVG",
    derived(graph_download, result, depth, tuple(st.session_state["graph_expanded"])),
    f"{result.model}_graph.svg",
    "image/svg+xml",
)
downloads[1].download_button(
    "Download DOT (all layers)", derived(formats.dot, result), f"{result.model}.dot", "text/vnd.graphviz"
)
downloads[2].download_button(
    "Download JSON", derived(formats.to_json, result), f"{result.model}.json", "application/json"
)
