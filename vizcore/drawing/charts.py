"""Cost charts (plotly) and the one-line readings beside them: pure functions from an analysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from ..engine.analysis import Analysis
from ..engine.training import TrainingCost
from ..formats import human_bytes, human_count
from ..zoo import ModelCard
from .style import CATEGORY_COLORS, CUMULATIVE

METRICS: Mapping[str, str] = {
    "output_bytes": "activation memory",
    "params": "parameters",
    "flops": "FLOPs",
    "macs": "MACs",
}
GROUPINGS: Mapping[str, str] = {"layer": "per layer", "type": "by layer type", "stage": "by stage"}

_CATEGORY_NAMES: Mapping[str, str] = {
    "conv": "convolutions",
    "linear": "linear (fully connected) layers",
    "norm": "normalisation layers",
    "activation": "activations",
    "pool": "pooling layers",
    "add": "element-wise adds",
    "concat": "concatenations",
    "attention": "attention",
    "reshape": "reshapes",
    "other": "other layers",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    category: str
    detail: str


def _value(analysis: Analysis, metric: str) -> list[int]:
    if metric == "output_bytes":
        return [n.output_bytes if n.new_memory else 0 for n in analysis.layers]
    return [int(getattr(n, metric)) for n in analysis.layers]


def bars(analysis: Analysis, metric: str, group: str = "layer") -> list[Bar]:
    """The bars of a chart: one per layer, per layer type, or per top-level stage."""
    values = _value(analysis, metric)
    if group == "layer":
        return [Bar(n.name, v, n.op_kind, n.type) for n, v in zip(analysis.layers, values, strict=True)]
    if group == "type":
        totals: dict[str, int] = {}
        for n, v in zip(analysis.layers, values, strict=True):
            totals[n.type] = totals.get(n.type, 0) + v
        first = {n.type: n for n in reversed(analysis.layers)}
        ordered = sorted(totals.items(), key=lambda kv: -kv[1])
        return [Bar(t, v, first[t].op_kind, f"{sum(n.type == t for n in analysis.layers)} layers") for t, v in ordered]
    index = {n.id: i for i, n in enumerate(analysis.layers)}
    out = []
    for key, members in analysis.groups(1):
        value = sum(values[index[m.id]] for m in members)
        single = len(members) == 1
        cat = members[0].op_kind if single else "block"
        out.append(Bar(key, value, cat, members[0].type if single else f"{len(members)} layers"))
    return out


def _format(metric: str, value: float) -> str:
    return human_bytes(value) if metric == "output_bytes" else human_count(value)


def cost_chart(
    analysis: Analysis, metric: str, group: str = "layer", *, log: bool = False, cumulative: bool = False
) -> go.Figure:
    """Bars of ``metric`` (hover shows the exact number), optionally with the cumulative share as a line."""
    data = bars(analysis, metric, group)
    total = sum(b.value for b in data) or 1
    fig = go.Figure(
        go.Bar(
            x=[b.label for b in data],
            y=[b.value for b in data],
            marker_color=[CATEGORY_COLORS.get(b.category, CATEGORY_COLORS["other"]) for b in data],
            customdata=[[b.detail, f"{b.value:,}", _format(metric, b.value), 100 * b.value / total] for b in data],
            hovertemplate="<b>%{x}</b> (%{customdata[0]})<br>%{customdata[1]} (%{customdata[2]}), %{customdata[3]:.1f}%<extra></extra>",
            name=METRICS[metric],
        )
    )
    if cumulative:
        running, shares = 0, []
        for b in data:
            running += b.value
            shares.append(100 * running / total)
        fig.add_trace(
            go.Scatter(
                x=[b.label for b in data],
                y=shares,
                yaxis="y2",
                mode="lines",
                name="cumulative %",
                line={"color": CUMULATIVE},
                hovertemplate="%{y:.1f}% up to %{x}<extra></extra>",
            )
        )
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [0, 101], "title": "cumulative %"})
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=cumulative,
        bargap=0.15,
        yaxis={"type": "log" if log else "linear", "title": METRICS[metric]},
        xaxis={"tickangle": -60, "showticklabels": len(data) <= 80},
    )
    return fig


def reading(analysis: Analysis, metric: str) -> str:
    """One line on where ``metric`` goes in this model: the kind of layer that holds most of it, and
    whether it sits early or late in the network."""
    values = _value(analysis, metric)
    total = sum(values)
    if not total:
        return f"This model has no {METRICS[metric]}."
    by_cat: dict[str, int] = {}
    for n, v in zip(analysis.layers, values, strict=True):
        cat = n.op_kind
        by_cat[cat] = by_cat.get(cat, 0) + v
    top, top_value = max(by_cat.items(), key=lambda kv: kv[1])
    # where along the network: the share held by the first and the last third of the layers
    cumulative, half_at = 0, 0
    for i, v in enumerate(values):
        cumulative += v
        if cumulative * 2 >= total:
            half_at = i
            break
    position = half_at / max(len(values) - 1, 1)
    where = "the early layers" if position < 1 / 3 else "the middle layers" if position < 2 / 3 else "the late layers"
    return (
        f"{METRICS[metric][0].upper()}{METRICS[metric][1:]}: {100 * top_value / total:.0f}% in the {_CATEGORY_NAMES.get(top, top)}; "
        f"half of it is reached by layer {half_at + 1} of {len(values)} ({analysis.layers[half_at].name}), in {where}."
    )


# What a training step keeps, as the stacked parts of each layer's bar: (field, legend name, colour).
TRAINING_PARTS: tuple[tuple[str, str, str], ...] = (
    ("saved_bytes", "saved activations", CATEGORY_COLORS["activation"]),
    ("gradient_bytes", "gradients", CATEGORY_COLORS["conv"]),
    ("optimizer_bytes", "optimizer state", CATEGORY_COLORS["linear"]),
)


def training_chart(cost: TrainingCost) -> go.Figure:
    """One stacked bar per layer: the activations it saves for backward, its gradients and its optimizer
    state at ``cost``'s batch (hover shows the exact bytes)."""
    labels = [r.name or "(forward)" for r in cost.layers]
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=[getattr(r, field) for r in cost.layers],
                name=name,
                marker_color=colour,
                customdata=[[r.type, f"{getattr(r, field):,}", human_bytes(getattr(r, field))] for r in cost.layers],
                hovertemplate=f"<b>%{{x}}</b> (%{{customdata[0]}})<br>{name}: %{{customdata[1]}} bytes (%{{customdata[2]}})<extra></extra>",
            )
            for field, name, colour in TRAINING_PARTS
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08},
        bargap=0.15,
        yaxis={"title": f"bytes at batch {cost.batch} ({cost.optimizer})"},
        xaxis={"tickangle": -60, "showticklabels": len(labels) <= 80},
    )
    return fig


def compare_bubbles(cards: Sequence[ModelCard], gmacs: Mapping[str, float], params: Mapping[str, int]) -> go.Figure:
    """Top-1 accuracy against GMACs, bubble area for parameters (Canziani et al.'s chart); models
    without a published accuracy are left out (they are in the table)."""
    shown = [c for c in cards if c.acc1 is not None]
    biggest = max((params[c.name] for c in shown), default=1)
    fig = go.Figure(
        go.Scatter(
            x=[gmacs[c.name] for c in shown],
            y=[c.acc1 for c in shown],
            mode="markers+text",
            text=[c.name for c in shown],
            textposition="top center",
            marker={
                "size": [params[c.name] for c in shown],
                "sizemode": "area",
                "sizeref": 2.0 * biggest / 60**2,
                "sizemin": 4,
                "color": [c.year for c in shown],
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": "year"}, "tickformat": "d", "dtick": 1},  # whole years, each once
            },
            customdata=[[f"{params[c.name]:,}", c.year] for c in shown],
            hovertemplate="<b>%{text}</b> (%{customdata[1]})<br>%{x:.3f} GMACs, top-1 %{y:.2f}%<br>%{customdata[0]} params<extra></extra>",
        )
    )
    fig.update_layout(
        height=480,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": "GMACs (log)", "type": "log"},
        yaxis={"title": "ImageNet top-1 accuracy (%)"},
    )
    return fig
