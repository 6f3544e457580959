"""Compare: two or more models side by side, and accuracy against cost (Canziani et al.)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import vizcore
from vizcore.drawing.diffgraph import box_details, box_text, boxes, diff_dot
from vizcore.engine.diff import Diff, match
from vizcore.formats import DIFF_COLUMNS, diff_rows, human_bytes, human_count, times
from webapp.caching import analysis_for, bubble_chart, derived, is_upload, upload_input
from webapp.chrome import model_choices, model_label, setup
from webapp.url_state import escaped, init_from_url, quoted, remember, shared_params, sync_url
from webapp.widgets import baseline, diagram_columns, number_columns, show_diagram

setup(reads=("models", "diff"))
st.title("Compare models")
# the zoo, the session's uploads, and uploads a shared link brought to this page
names = list(
    dict.fromkeys([*model_choices(), *(m for m in st.session_state.get("_compare_models", []) if is_upload(m))])
)


def own_shape(name: str) -> tuple[int, ...]:
    """Each model at the input it was made for (an upload: the input its file declares)."""
    return upload_input(name) if is_upload(name) else (1, *vizcore.get_card(name).input_size)


def known_models(wanted: list[str]) -> list[str] | None:
    """The zoo models and kept uploads named in the URL; the others are reported and left out."""
    names.extend(m for m in wanted if is_upload(m) and m not in names and kept(m))
    unknown = [m for m in wanted if m not in names]
    if unknown:
        left_out = ", ".join(quoted(m) for m in unknown[:5]) + (" and others" if len(unknown) > 5 else "")
        st.warning(escaped(f"Not in the zoo, left out of ?models: {left_out}."))
    return [m for m in wanted if m in names] or None


def kept(name: str) -> bool:
    try:
        upload_input(name)
    except vizcore.VizcoreError:
        return False
    return True


model = st.session_state["model"]  # the model the user came with belongs in the comparison
init_from_url(
    "compare_models", "models", ["alexnet", model] if model != "alexnet" else ["alexnet", "vgg16"], known_models
)
chosen = st.multiselect("Models (the first is the baseline)", names, key="compare_models", format_func=model_label)
remember("compare_models")


def two_models(pair: list[str]) -> list[str] | None:
    """?diff=before,after: two models among the chosen ones (else the page says so and uses the first two)."""
    return pair if len(pair) == 2 and all(m in chosen for m in pair) else None


init_from_url("compare_pair", "diff", chosen[:2], two_models)
sync_url({**shared_params(), "models": ",".join(chosen), "diff": ",".join(st.session_state["compare_pair"])})
if len(chosen) < 2:
    st.info("Pick at least two models to compare.")
    st.stop()

results = {}
progress = st.progress(0.0, text="Tracing…")
for i, name in enumerate(chosen):
    progress.progress(i / len(chosen), text=f"Tracing {model_label(name)}…")
    try:
        results[name] = analysis_for(name, own_shape(name), st.session_state.get("device", "auto"))
    except vizcore.VizcoreError as exc:
        st.error(escaped(f"{model_label(name)}: {exc}"))
progress.empty()
base_name = baseline(chosen, results)
if len(results) < 2 or base_name is None:
    st.stop()
base = results[base_name]
if base_name != chosen[0]:
    st.caption(f"{model_label(chosen[0])} could not be traced, so {base.model} is the baseline.")
table = pd.DataFrame(
    [
        {
            "model": r.model,
            "family": r.card.family if r.card else "",
            "year": r.card.year if r.card else None,
            "input": vizcore.format_shape(r.input_shape[1:]),
            "params": r.totals.params,
            "GMACs": r.totals.macs / 1e9,
            "GFLOPs": r.totals.flops / 1e9,
            "activation memory": human_bytes(r.totals.activation_bytes),
            "params x": r.totals.params / base.totals.params,
            "MACs x": r.totals.macs / base.totals.macs,
            "top-1 %": r.card.acc1 if r.card else None,
        }
        for name, r in results.items()
    ]
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config=number_columns(
        ("params",), {"GMACs": "%.3f", "GFLOPs": "%.3f", "params x": "%.2fx", "MACs x": "%.1fx"}
    ),
)
for name, r in results.items():
    if name == base_name:
        continue
    st.markdown(
        f"**{r.model}** has **{times(r.totals.params, base.totals.params)}** the parameters of {base.model} "
        f"and **{times(r.totals.macs, base.totals.macs)}** its multiply-adds."
    )
st.subheader("Accuracy against cost")
st.plotly_chart(
    bubble_chart(tuple((n, r.totals.macs / 1e9, r.totals.params) for n, r in results.items() if r.card)),
    key="compare_bubbles",
)
st.caption(
    "Bubble area is the parameter count, colour the year; accuracy is torchvision's published ImageNet top-1 (models without one are in the table only)."
)


# -- What changed: two of the chosen models matched layer by layer (vizcore.diff) --------------------------
def matched(before: vizcore.Analysis, after: str, shape: tuple[int, ...], device: str) -> Diff:
    return match(before, analysis_for(after, shape, device))


st.subheader("What changed")
options = list(results)
pair = [m for m in st.session_state["compare_pair"] if m in options]
for key, value in zip(
    ("compare_before", "compare_after"), [*pair, *(m for m in options if m not in pair)], strict=False
):
    if st.session_state.get(key) not in options:
        st.session_state[key] = value
left, right = st.columns(2)
before = left.selectbox("Before", options, key="compare_before", format_func=model_label)
after = right.selectbox("After", options, key="compare_after", format_func=model_label)
st.session_state["compare_pair"] = [before, after]
remember("compare_pair")
sync_url({**shared_params(), "models": ",".join(chosen), "diff": f"{before},{after}"})
device = st.session_state.get("device", "auto")
d = derived(matched, results[before], after, own_shape(after), device)
for note in d.notes:
    st.caption(escaped(note))
if d.identical:
    st.stop()
graph_side, table_side = diagram_columns()
with graph_side:
    picked = show_diagram(
        diff_dot(d),
        key="compare_diff",
        title=f"{d.before.model} -> {d.after.model}",
        details=box_details(d),
        height=900 if st.session_state.get("present") else 640,  # far down the page: its own screenful
    )
    shown = boxes(d)
    if picked and picked.removeprefix("node").isdigit() and int(picked[4:]) < len(shown):
        st.info(escaped(box_text(shown[int(picked[4:])])))
    else:
        st.caption("Added green, removed red, changed amber (before over -> after); click a box for its costs.")
with table_side:
    a, b = d.before.totals, d.after.totals
    st.markdown(
        f"**{len(d.added)}** added, **{len(d.removed)}** removed, **{len(d.changed)}** changed: "
        f"params **{b.params - a.params:+,}**, MACs **{'+' if b.macs > a.macs else ''}{human_count(b.macs - a.macs)}**, "
        f"activation memory **{'+' if b.activation_bytes > a.activation_bytes else ''}{human_bytes(b.activation_bytes - a.activation_bytes)}**"
    )
    changes = pd.DataFrame(diff_rows(d), columns=list(DIFF_COLUMNS))
    chosen_row = st.dataframe(
        changes, hide_index=True, width="stretch", key="compare_changes", on_select="rerun", selection_mode="single-row"
    )
    rows = chosen_row.selection.rows if chosen_row else []
    if rows:
        row = changes.iloc[rows[0]]
        st.info(
            escaped(
                f"{row['Change'].strip()}: {row['Before'] or '(none)'} -> {row['After'] or '(none)'}; {row['What changed']}"
            )
        )
