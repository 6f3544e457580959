"""Build your own CNN: a layer list edited as text, analysed on every edit (shapes, params, MACs,
receptive fields), against the model it started from; one-click what-if comparisons; the spec in the
URL; downloads as a spec and as PyTorch source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import vizcore
from vizcore.builder import export, spec
from vizcore.drawing.graphview import graph_dot, layer_graph, node_details
from vizcore.formats import column_values, human_bytes, human_count, per_dim_text, times
from webapp.chrome import setup
from webapp.components import asset_component
from webapp.url_state import escaped, init_from_url, remember, shared_params, sync_url
from webapp.widgets import download, layer_column_config, number_columns, show_diagram

BLANK = "blank"
PAUSE_MS = 120  # the box sends its text after this pause in typing
BLANK_SPEC = """# a small net for 32x32 colour images: edit any line, or add one
input 3x32x32
conv 3x3 32 pad 1
relu
maxpool 2x2/2
conv 3x3 64 pad 1
relu
maxpool 2x2/2
flatten
fc 10
"""

# Side by side, each on the same input: (question, A, B)
WHAT_IFS: dict[str, tuple[str, str]] = {
    "One 7x7 conv or three 3x3 convs?": (
        "input 64x56x56\nconv 7x7 64 pad 3\nrelu",
        "input 64x56x56\nconv 3x3 64 pad 1\nrelu\nconv 3x3 64 pad 1\nrelu\nconv 3x3 64 pad 1\nrelu",
    ),
    "AlexNet's conv1 (11x11/4) or ZFNet's (7x7/2)?": (
        "input 3x224x224\nconv 11x11/4 96 pad 2\nrelu\nmaxpool 3x3/2",
        "input 3x224x224\nconv 7x7/2 96 pad 1\nrelu\nmaxpool 3x3/2 pad 1",
    ),
    "A plain 3x3 on 256 channels or a 1x1 bottleneck?": (
        "input 256x28x28\nconv 3x3 256 pad 1\nrelu",
        "input 256x28x28\nconv 1x1 64\nrelu\nconv 3x3 64 pad 1\nrelu\nconv 1x1 256\nrelu",
    ),
    "A residual block or the same convs without the shortcut?": (
        "input 128x28x28\nresidual basic 128",
        "input 128x28x28\nconv 3x3 128 pad 1 nobias\nbn\nrelu\nconv 3x3 128 pad 1 nobias\nbn\nrelu",
    ),
    "Inception (3a) or one 3x3 conv to the same 256 channels?": (
        "input 192x28x28\ninception 64 96 128 16 32 32",
        "input 192x28x28\nconv 3x3 256 pad 1\nrelu",
    ),
}

LANGUAGE = """
One layer or block per line; blank lines and `# comments` are ignored.

| line | what it is |
|---|---|
| `input 3x224x224` | the input, CxHxW (or NxCxHxW); first |
| `conv 7x7/2 96 pad 1` | kernel, optional /stride, output channels; `pad P`, `groups G`, `dilation D`, `nobias`; `conv 1x7 128` |
| `maxpool 3x3/2 pad 1`, `avgpool 2x2/2` | pooling (`ceil` rounds up) |
| `gap`, `adaptivepool 6x6` | global average pool; pool to a fixed size |
| `flatten`, `fc 4096` | flatten the map; a fully connected layer |
| `relu`, `tanh`, `sigmoid`, `bn`, `lrn 5`, `dropout 0.5` | activations and normalisation |
| `residual basic 128/2`, `residual bottleneck 256/2` | ResNet's blocks (output channels / stride) |
| `inception 64 96 128 16 32 32` | GoogLeNet Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj |
| `fire 16 64 64`, `vgg 2 64`, `mlpconv 11x11/4 96` | SqueezeNet, a VGG stage (convs, channels), NiN |
"""


# cache_resource: every rerun gets the same object back, not a copy of it per rerun
@st.cache_resource(max_entries=64, show_spinner=False)
def analysis_of(text: str, device: str) -> vizcore.Analysis:
    """One analysis per spec text and device, shared by all sessions: never mutate what it returns. Parsed
    first, so that any text (empty, one word) is read as a layer list, never as a zoo model's name."""
    spec.parse(text)
    return vizcore.analyze(text, device=device)


@st.cache_data(max_entries=32, show_spinner=False)
def start_spec(model: str) -> str:
    return BLANK_SPEC if model == BLANK else export.spec_of(model)


@st.cache_data(max_entries=64, show_spinner=False)
def source_of(text: str) -> str:
    return export.python_source(text)


def _set_spec(text: str) -> None:
    """Replace the layer list from Python (a new start, a what-if): the box shows it on its next draw."""
    st.session_state["builder_spec"] = text
    st.session_state["builder_version"] = st.session_state.get("builder_version", 0) + 1


def _start_label(name: str) -> str:
    return "a blank net" if name == BLANK else name


def _on_start_change() -> None:
    _set_spec(start_spec(st.session_state["builder_start"]))


def _ratio(value: int, base: int, what: str, name: str) -> str:
    if base == 0:
        return f"{name} has no {what}"
    if value == base:
        return f"the same {what} as {name}"
    if abs(value / base - 1) < 0.005:  # "1x" would hide the change
        return f"{value - base:+,} {what} against {name}"
    return f"{times(value, base)} the {what} of {name}"


def _last_field(result: vizcore.Analysis) -> str:
    """The field of the last feature map that is still a map (before a global pool makes it 1x1)."""
    spatial = [n for n in result.layers if len(n.output_shape) == len(result.input_shape) and n.receptive_field]
    if not spatial:
        return "-"
    maps = [n for n in spatial if any(d > 1 for d in n.output_shape[2:])]
    last = (maps or spatial)[-1]
    return f"{per_dim_text(last.receptive_field)} px, stride {per_dim_text(last.effective_stride)}"


setup(reads=("from", "spec"))
device = st.session_state.get("device", "auto")
st.title("Build your own CNN")
st.caption(
    "Write a network one layer a line; every edit re-analyses it as you type: "
    "shapes, parameters, multiply-adds, memory and receptive fields, against the model you started from."
)
choices = [BLANK, *export.CHAIN_MODELS]
init_from_url("builder_start", "from", "alexnet", lambda v: v if v in choices else None)
init_from_url("builder_spec", "spec", start_spec(st.session_state["builder_start"]))

left, right = st.columns([2, 3])
with left:
    start = st.selectbox(
        "Start from", choices, key="builder_start", format_func=_start_label, on_change=_on_start_change
    )
    typed = asset_component("vizcore_spec_editor", "spec_editor")(
        key="builder_editor",
        data={
            "text": st.session_state["builder_spec"],
            "version": st.session_state.setdefault("builder_version", 0),
            "label": "Layer list",
            "height": 520,
            "pause_ms": PAUSE_MS,
        },
        on_edit_change=lambda: None,
    )
    edit = typed.get("edit") if typed else None
    if (
        isinstance(edit, dict)
        and isinstance(edit.get("text"), str)
        and edit.get("at") != st.session_state.get("builder_edit_at")
    ):
        st.session_state["builder_edit_at"] = edit.get("at")  # a new edit in the box, not one applied before
        st.session_state["builder_spec"] = edit["text"][: spec.MAX_CHARS + 1]
    text = st.session_state["builder_spec"]
    with st.expander("The layer-list language"):
        st.markdown(LANGUAGE)
remember("builder_start", "builder_spec")
token = spec.to_link(text)
sync_url({**shared_params(), "from": start, **({"spec": token} if token else {})})

with right:
    try:
        result = analysis_of(text, device)
    except vizcore.VizcoreError as exc:
        st.error(escaped(str(exc)))
        st.caption("Fix that line and the numbers come back; the language is in the box on the left.")
        st.stop()
    base = analysis_of(start_spec(start), device)
    t, b = result.totals, base.totals
    name = _start_label(start)
    # each figure beside the starting network's: (label, value, comparison, help)
    figures = (
        ("Parameters", f"{t.params:,}", _ratio(t.params, b.params, "params", name), None),
        ("MACs", human_count(t.macs), _ratio(t.macs, b.macs, "MACs", name), f"{t.macs:,}"),
        (
            "Activation memory",
            human_bytes(t.activation_bytes),
            _ratio(t.activation_bytes, b.activation_bytes, "memory", name),
            None,
        ),
        (
            "Receptive field of the last map",
            _last_field(result),
            f"{name}: {_last_field(base)}",
            "Input pixels one pixel of the last feature map sees, and how far apart its pixels are on the input.",
        ),
    )
    for column, (label, value, delta, explained) in zip(st.columns(2) + st.columns(2), figures, strict=True):
        column.metric(label, value, delta, delta_color="off", delta_arrow="off", help=explained)
    st.caption(
        f"Output {vizcore.format_shape(result.output_shapes[0])}; {len(result.layers)} layers; "
        f"input {vizcore.format_shape(result.input_shape)}, traced on {result.traced_on}, run on {result.device}."
    )
    if token is None:
        st.caption(f"This spec is too long for a link (over {spec.MAX_LINK:,} packed characters): download it.")
    downloads = st.columns(2)
    download(downloads[0], "spec", text, "net")
    download(downloads[1], "python", source_of(text), "net")
    inside = st.toggle("Show the layers inside blocks", key="builder_inside")
    graph = layer_graph(result, None if inside else 1)
    show_diagram(graph_dot(graph), key="builder_graph", title="your net", details=node_details(graph))

parsed = spec.parse(text)
rows = result.rows(None if inside else 1)
st.dataframe(
    pd.DataFrame({"Line": [parsed.layer(r.name).line for r in rows], **column_values(rows)}),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(rows), 560),
    column_config=layer_column_config(),
    key="builder_table",
)

st.subheader("What if…")
question = st.pills("Compare, side by side on the same input", list(WHAT_IFS), key="builder_whatif")
if question:
    variants = WHAT_IFS[question]
    analyses = [analysis_of(v, device) for v in variants]
    table = pd.DataFrame(
        {
            "": ["A", "B"],
            "spec": [" · ".join(line for line in v.splitlines()[1:]) for v in variants],
            "output": [vizcore.format_shape(a.output_shapes[0]) for a in analyses],
            "params": [a.totals.params for a in analyses],
            "MACs": [a.totals.macs for a in analyses],
            "receptive field": [_last_field(a) for a in analyses],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=number_columns(("params", "MACs")),
        key="builder_whatif_table",
    )
    a, b_ = (x.totals for x in analyses)
    st.markdown(
        f"B has **{times(b_.params, a.params)}** the parameters and **{times(b_.macs, a.macs)}** "
        f"the MACs of A, input {vizcore.format_shape(analyses[0].input_shape[1:])}."
    )
    cols = st.columns(2)
    cols[0].button("Edit A in the builder", on_click=_set_spec, args=(variants[0],), key="builder_edit_a")
    cols[1].button("Edit B in the builder", on_click=_set_spec, args=(variants[1],), key="builder_edit_b")
