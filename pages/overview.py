"""The Overview, the app's default page: the model's card, its totals, and the per-layer table with
slide-ready downloads."""

from __future__ import annotations

import functools

import pyarrow as pa
import streamlit as st

import vizcore
from vizcore import formats
from vizcore.formats import human_bytes, human_count
from webapp.caching import derived
from webapp.chrome import current_analysis, default_depth, file_name, setup
from webapp.url_state import (
    DEPTHS,
    escaped,
    init_from_url,
    quoted,
    remember,
    report,
    shared_params,
    show_url_problems,
    sync_url,
    url_value,
)
from webapp.widgets import download, layer_column_config, show_working

setup(reads=("depth", "layer"))
result = current_analysis()
card = result.card
if card is None:  # an uploaded file: no card, only what the file says
    st.title(escaped(file_name(st.session_state["model"])))
    st.markdown(f"An uploaded ONNX file, shared by its link as **{result.model}**.")
else:
    st.title(f"{card.name}")
    st.markdown(f"**{card.family}** ({card.year}) · *{card.paper}*  \n{card.ilsvrc}  \n{card.key_idea}")
for note in result.notes:
    st.caption(note)

t = result.totals
cols = st.columns(4)
cols[0].metric(
    "Parameters",
    f"{t.params:,}",
    help=f"published: {card.published_params:,}" if card and card.published_params else None,
)
cols[1].metric(
    "MACs",
    human_count(t.macs),
    help=f"{t.macs:,}; torchvision publishes {card.published_gmacs} GFLOPS (multiply-adds)"
    if card and card.published_gmacs
    else f"{t.macs:,}",
)
cols[2].metric("FLOPs", human_count(t.flops), help=f"{t.flops:,}")
cols[3].metric(
    "Activation memory", human_bytes(t.activation_bytes), help=f"{t.activation_bytes:,} bytes of {result.dtype}"
)
if card and card.acc1 is not None:
    st.caption(f"ImageNet accuracy with torchvision's {card.weights}: top-1 {card.acc1}%, top-5 {card.acc5}%.")
with st.popover("How these are counted"):
    st.markdown(
        "\n\n".join(f"**{name}**: {text}" for name, text in vizcore.CONVENTIONS.items())
        + f"\n\nInput {vizcore.format_shape(result.input_shape)} {result.dtype}, traced on `{result.traced_on}`; device `{result.device}`."
    )

init_from_url("overview_depth", "depth", default_depth(result))
depth_choice = st.selectbox(
    "Depth", DEPTHS, key="overview_depth", help="Merge the layers inside each block below this depth into one row."
)
depth = None if depth_choice == "all" else int(depth_choice)
remember("overview_depth")


def layer_table(analysis: vizcore.Analysis, depth: int | None) -> pa.Table:
    """The table as Arrow, which the browser reads as it is (a DataFrame is converted on every rerun)."""
    return pa.table(formats.column_values(analysis.rows(depth)))


table = derived(layer_table, result, depth)
groups = result.groups(depth)  # one per row of the table, in the same order
wanted = url_value("layer")
if wanted and "overview_rows" not in st.session_state:  # a link to a layer's working: select its row
    names = [name for name, _ in groups]
    if wanted in names:
        st.session_state["overview_rows"] = {"selection": {"rows": [names.index(wanted)], "columns": []}}
    else:
        inside = any(n.name == wanted for n in result.layers)
        where = ", only inside a block: add depth=all to the URL" if inside else ""
        report("layer", wanted, f"{result.model}'s table at depth {depth_choice} has no row {quoted(wanted)}{where}")
        show_url_problems()
chosen = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(table), 640),
    column_config=layer_column_config(),
    key="overview_rows",
    on_select="rerun",
    selection_mode="single-row",
).selection.rows
selected = ""
if chosen and chosen[0] < len(groups):
    name, members = groups[chosen[0]]
    selected = name
    if len(members) == 1 and members[0].name == name:
        show_working(result, name, members[0].call, key="overview_see_it_move")
    else:
        st.caption(
            escaped(f"{name} is a block of {len(members)} layers: set the depth to all to see each layer's working.")
        )
else:
    st.caption("Select a row to see how its figures are worked out.")
sync_url({**shared_params(), "depth": depth_choice, "layer": selected})
stem = f"{result.model}_{vizcore.format_shape(result.input_shape)}" + (f"_depth{depth}" if depth else "")
# computed when clicked, not on every rerun
for column, fmt in zip(st.columns(3), ("csv", "markdown", "latex"), strict=True):
    download(column, fmt, functools.partial(formats.SUMMARY_FORMATS[fmt], result, depth), stem)
