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
    init_from_url,
    plain,
    quoted,
    remember,
    report,
    shared_params,
    show_url_problems,
    sync_url,
)
from webapp.widgets import number_columns, show_working

setup(reads=("depth", "layer"))
result = current_analysis()
card = result.card
if card is None:  # an uploaded file: no card, only what the file says
    st.title(plain(file_name(st.session_state["model"])))
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

init_from_url("overview_depth", "depth", default_depth(result), lambda v: v if v in DEPTHS else None)
depth_choice = st.selectbox(
    "Depth", DEPTHS, key="overview_depth", help="Merge the layers inside each block below this depth into one row."
)
depth = None if depth_choice == "all" else int(depth_choice)
remember("overview_depth")


def layer_table(analysis: vizcore.Analysis, depth: int | None) -> pa.Table:
    """The table as Arrow, which the browser reads as it is (a DataFrame is converted on every rerun)."""
    rows = analysis.rows(depth)
    return pa.table(
        {
            "layer": [r.name for r in rows],
            "label": [r.label for r in rows],  # the papers' words: 7x7 conv, 64, /2
            "type": [r.type for r in rows],
            "output shape": [vizcore.format_shape(r.output_shape) for r in rows],
            "params": [r.params for r in rows],
            "MACs": [r.macs for r in rows],
            "FLOPs": [r.flops for r in rows],
            "memory (KiB)": [r.output_bytes / 1024 for r in rows],
            "RF": [formats.per_dim_text(r.receptive_field) for r in rows],
            "eff. stride": [formats.per_dim_text(r.effective_stride) for r in rows],
        }
    )


table = derived(layer_table, result, depth)
groups = result.groups(depth)  # one per row of the table, in the same order
wanted = st.query_params.get("layer")
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
    column_config=number_columns(("params", "MACs", "FLOPs"), {"memory (KiB)": "%.2f"}),
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
            plain(f"{name} is a block of {len(members)} layers: set the depth to all to see each layer's working.")
        )
else:
    st.caption("Select a row to see how its figures are worked out.")
sync_url({**shared_params(), "depth": depth_choice, "layer": selected})
stem = f"{result.model}_{vizcore.format_shape(result.input_shape)}" + (f"_depth{depth}" if depth else "")
# computed when clicked, not on every rerun
for column, (kind, write, ext, mime) in zip(
    st.columns(3),
    (
        ("CSV", formats.to_csv, "csv", "text/csv"),
        ("Markdown", formats.markdown, "md", "text/markdown"),
        ("LaTeX", formats.latex, "tex", "application/x-tex"),
    ),
    strict=True,
):
    column.download_button(
        f"Download {kind}", functools.partial(write, result, depth), f"{stem}.{ext}", mime, on_click="ignore"
    )
