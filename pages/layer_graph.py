"""Layer graph: the traced data flow as the papers draw it, laid out by Graphviz, collapsible by depth
and block, coloured by type or cost, vertical or horizontal."""

from __future__ import annotations

import streamlit as st

import vizcore
from vizcore import formats
from vizcore.drawing.folding import SLIDE
from vizcore.drawing.graphview import COLOR_METRICS, graph_dot, node_details
from vizcore.drawing.projector import (
    FIT,
    ROOM_1080P,
    ProjectorView,
    fit_layouts,
    fitted_svg,
    projector_graph,
    projector_view,
)
from vizcore.drawing.repeats import TIMES
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
from webapp.widgets import diagram_downloads, diagram_svg, download, show_diagram, show_working

setup(reads=("depth", "color", "orientation", "expand", "repeats"))
result = current_analysis()
st.title(f"{result.model}: layer graph, {vizcore.format_shape(result.input_shape[1:])}")


# On a projector a network opens at its own default: as deep as fits the screen whole at a readable size,
# repeated blocks folded into "x N" boxes where that is what makes it fit (vizcore.drawing.projector).
def presented(analysis: vizcore.Analysis) -> ProjectorView:
    return projector_view(analysis, ROOM_1080P, diagram_svg)  # drawn through the app's shared Graphviz cache


projector = derived(presented, result) if st.session_state.get("present") else None
depth_default = (
    default_depth(result) if projector is None else "all" if projector.depth is None else str(projector.depth)
)
init_from_url("graph_depth", "depth", depth_default)
init_from_url("graph_repeats", "repeats", bool(projector and projector.repeats))
init_from_url("graph_color", "color", "type")
# "fit": of every orientation (folded into a few row counts), the one drawn largest on the screen at hand.
# It is presentation mode's default; an orientation asked for by the URL or picked here stays.
LAYOUTS = (FIT, *ORIENTATIONS)
init_layout("graph_orientation", LAYOUTS, FIT)


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
    analysis: vizcore.Analysis, depth: int | None, expanded: tuple[str, ...], repeats: bool, color: str, layout: str
) -> dict[str, str]:
    """The DOT of the graph in ``layout``, or for "fit" in each layout worth trying (name -> DOT)."""
    graph = projector_graph(analysis, depth, repeats, expanded)
    return fit_layouts(graph, color) if layout == FIT else {layout: graph_dot(graph, color, layout)}


def expand_all() -> None:
    st.session_state.update(graph_depth="all", graph_expanded=[])


# in presentation mode the controls fold away, leaving the screen to the diagram
options = st.expander("Diagram options") if st.session_state.get("present") else st.container()
controls = options.columns([1, 1, 1, 3, 1, 1])
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
repeats = controls[5].toggle(
    f"Fold repeats ({TIMES} N)",
    key="graph_repeats",
    help="A run of identical blocks drawn as one box that says how many (a very deep network on one screen).",
)
graph = derived(projector_graph, result, depth, repeats, tuple(st.session_state["graph_expanded"]))
blocks = sorted(set(graph.collapsible) | set(st.session_state["graph_expanded"]))
controls[3].multiselect("Expand blocks", blocks, key="graph_expanded", help="Open a collapsed block one level.")
controls[4].button("Expand all", on_click=expand_all, width="stretch")
remember("graph_depth", "graph_color", "graph_orientation", "graph_expanded", "graph_repeats")
sync_url(
    {
        **shared_params(),
        "depth": depth_choice,
        "color": st.session_state["graph_color"],
        "orientation": st.session_state["graph_orientation"] if layout_chosen("graph_orientation") else "",
        "expand": ",".join(st.session_state["graph_expanded"]),
        "repeats": "1" if repeats else "",
    }
)

sources = derived(
    graph_sources,
    result,
    depth,
    tuple(st.session_state["graph_expanded"]),
    repeats,
    st.session_state["graph_color"],
    st.session_state["graph_orientation"],
)
dot = sources[fitted_svg(sources, SLIDE, diagram_svg)[0]]  # the downloads'
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
    + (
        f" A box marked {TIMES} N is N identical blocks in a row: expand its block to open the first."
        if any(n.repeats for n in graph.nodes)
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
    if node.repeats:
        st.caption(
            escaped(
                f"{len(node.repeats)} identical blocks, {node.repeats[0]} to {node.repeats[-1]}: expanding "
                f"{node.repeats[0]} opens the first and leaves the others folded."
            )
        )
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
