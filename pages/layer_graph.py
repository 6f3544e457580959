"""Layer graph: the traced data flow as the papers draw it, laid out by Graphviz, collapsible by depth
and block, coloured by type or cost, vertical or horizontal."""

from __future__ import annotations

import streamlit as st

import vizcore
from vizcore import formats
from vizcore.drawing.graphview import COLOR_METRICS, fold_choices, graph_dot, layer_graph, node_details
from vizcore.drawing.style import ORIENTATIONS
from vizcore.formats import human_bytes, human_count, per_dim_text
from webapp.caching import derived
from webapp.chrome import current_analysis, default_depth, setup
from webapp.url_state import (
    DEPTHS,
    choose_layout,
    escaped,
    init_from_url,
    init_layout,
    layout_chosen,
    remember,
    shared_params,
    sync_url,
)
from webapp.widgets import diagram_downloads, download, largest_on_a_slide, show_diagram, show_working

setup(reads=("depth", "color", "orientation", "expand"))
result = current_analysis()
st.title(f"{result.model}: layer graph, {vizcore.format_shape(result.input_shape[1:])}")

init_from_url("graph_depth", "depth", default_depth(result))
init_from_url("graph_color", "color", "type")
# "fit": of every orientation (folded into a few row counts), the one drawn largest on the screen at hand.
# It is presentation mode's default; an orientation asked for by the URL or picked here stays.
LAYOUTS = ("fit", *ORIENTATIONS)
init_layout("graph_orientation", LAYOUTS, "fit")


def known_blocks(wanted: list[str]) -> list[str] | None:
    """The blocks named in ``?expand=`` that this model has; the others are reported and left out."""
    unknown = [b for b in wanted if b not in result.module_types]
    if unknown:
        names = ", ".join(repr(b) for b in unknown[:5]) + (" and others" if len(unknown) > 5 else "")
        verb = "is not a block" if len(unknown) == 1 else "are not blocks"
        st.warning(escaped(f"?expand: {names} {verb} of {result.model}, so the graph opens without it."))
    return [b for b in wanted if b in result.module_types] or ([] if unknown else None)


init_from_url("graph_expanded", "expand", [], known_blocks)


def graph_sources(
    analysis: vizcore.Analysis, depth: int | None, expanded: tuple[str, ...], color: str, orientation: str
) -> dict[str, str]:
    """The DOT of the graph in ``orientation``, or for "fit" in each layout worth trying (name -> DOT)."""
    graph = layer_graph(analysis, depth, expanded)
    if orientation != "fit":
        return {orientation: graph_dot(graph, color, orientation)}
    layouts = {name: graph_dot(graph, color, name) for name in ("vertical", "horizontal")}
    for rows in fold_choices(graph):
        layouts[f"folded into {rows} rows"] = graph_dot(graph, color, "folded", rows=rows)
    return layouts


def expand_all() -> None:
    st.session_state.update(graph_depth="all", graph_expanded=[])


# in presentation mode the controls fold away, leaving the screen to the diagram
options = st.expander("Diagram options") if st.session_state.get("present") else st.container()
controls = options.columns([1, 1, 1, 3, 1])
depth_choice = controls[0].selectbox(
    "Depth", DEPTHS, key="graph_depth", help="Blocks deeper than this are drawn as one box."
)
controls[1].selectbox("Colour by", list(COLOR_METRICS), key="graph_color", format_func=COLOR_METRICS.__getitem__)
controls[2].selectbox(
    "Orientation",
    LAYOUTS,
    key="graph_orientation",
    format_func=lambda o: "fit the screen" if o == "fit" else o,
    on_change=choose_layout,
    args=("graph_orientation",),
    help="Folded: the chain cut into rows that snake across a wide screen. Fit the screen: whichever "
    "layout draws the labels largest on this screen (presentation mode's default).",
)
depth = None if depth_choice == "all" else int(depth_choice)
graph = derived(layer_graph, result, depth, tuple(st.session_state["graph_expanded"]))
blocks = sorted(set(graph.collapsible) | set(st.session_state["graph_expanded"]))
controls[3].multiselect("Expand blocks", blocks, key="graph_expanded", help="Open a collapsed block one level.")
controls[4].button("Expand all", on_click=expand_all, width="stretch")
remember("graph_depth", "graph_color", "graph_orientation", "graph_expanded")
sync_url(
    {
        **shared_params(),
        "depth": depth_choice,
        "color": st.session_state["graph_color"],
        "orientation": st.session_state["graph_orientation"] if layout_chosen("graph_orientation") else "",
        "expand": ",".join(st.session_state["graph_expanded"]),
    }
)

sources = derived(
    graph_sources,
    result,
    depth,
    tuple(st.session_state["graph_expanded"]),
    st.session_state["graph_color"],
    st.session_state["graph_orientation"],
)
dot = sources[largest_on_a_slide(sources)] if len(sources) > 1 else next(iter(sources.values()))  # the downloads'
picked = show_diagram(
    dot,
    key="graph_view",
    title=f"layer graph of {result.model}",
    details=node_details(graph),
    layouts=sources if len(sources) > 1 else None,
)
st.caption(
    f"{len(graph.nodes)} boxes for {len(result.layers)} layers (norms, activations and reshapes are drawn inside "
    "the box they follow); dashed outlines are branch modules. Double-click fits it to the window."
    + (
        f" Dense connectivity: {graph.hidden} edges into concatenations that another path already implies "
        "are left out (every layer of a dense block feeds every later one)."
        if graph.hidden
        else ""
    )
)

by_id = {f"node{n.id}": n for n in graph.nodes}
if picked in by_id:
    node = by_id[picked]
    st.subheader(f"{node.name}: {node.label}")
    info = st.columns(5)
    info[0].metric("Type", node.type)
    info[1].metric("Output", vizcore.format_shape(node.shape))
    info[2].metric("Params", f"{node.params:,}")
    info[3].metric("MACs", human_count(node.macs), help=f"{node.macs:,}")
    info[4].metric("Memory", human_bytes(node.output_bytes))
    if node.receptive_field:
        st.caption(
            f"Receptive field: {per_dim_text(node.receptive_field)} input pixels, "
            f"effective stride {per_dim_text(node.effective_stride)}."
        )
    if node.folded:
        st.caption(f"Drawn in this box: {', '.join(node.folded)}.")
    if not node.collapsed:
        # a module run twice is drawn as two boxes of one name: the n-th is its n-th run
        call = 1 + sum(n.name == node.name and not n.collapsed for n in graph.nodes[: node.id])
        show_working(result, node.name, call, key="graph_see_it_move")
    else:
        st.button(
            f"Expand {node.name} ({node.layers} layers)",
            on_click=lambda name=node.name: st.session_state.update(
                graph_expanded=[*st.session_state["graph_expanded"], name]
            ),
        )

diagram_downloads(dot, f"{result.model}_graph")
extra = st.columns(2)
download(extra[0], "dot", dot, f"{result.model}_graph")
download(extra[1], "json", derived(formats.summary_json, result), result.model)
