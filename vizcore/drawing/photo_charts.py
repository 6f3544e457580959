"""The Classify page's charts, as pure functions from plain numbers to plotly figures: the top-5
probabilities, an attribution map over the photo, and where a forward pass spends its time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go


def top_classes(labels: Sequence[str], probs: Sequence[float], font_px: int = 0) -> go.Figure:
    """Horizontal bars of the predicted classes' probabilities (in %), the most likely on top; with
    ``font_px``, every word at least that large (a projector: the answer is what the room came to see)."""
    fig = go.Figure(
        go.Bar(
            x=[p * 100 for p in probs][::-1],
            y=list(labels)[::-1],
            orientation="h",
            text=[f"{p:.1%}" for p in probs][::-1],
            textposition="auto",
            hovertemplate="%{y}: %{x:.2f}%<extra></extra>",
        )
    )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": "probability (%)", "range": [0, 100]},
        title={"text": f"Top {len(labels)}: {labels[0]} ({probs[0]:.1%})"},
    )
    if font_px:
        fig.update_layout(
            height=round(font_px * (2.0 * len(labels) + 4.5)),
            margin={"l": 10, "r": 10, "t": round(font_px * 2), "b": 10},
            font={"size": font_px},
            title={"font": {"size": round(font_px * 1.2)}},
            xaxis={"title": {"text": "probability (%)", "font": {"size": font_px}}, "tickfont": {"size": font_px}},
            yaxis={"tickfont": {"size": font_px}},
            uniformtext={"minsize": font_px, "mode": "show"},
        )
        fig.update_traces(textfont={"size": font_px})
    return fig


def attribution_map(picture: np.ndarray, values: np.ndarray, title: str, units: str) -> go.Figure:
    """``values`` (HxW, its positive part) as a heat map over ``picture`` (HxWx3 in [0, 1]), coloured
    from 0 to its maximum, with a colour bar in ``units``."""
    fig = go.Figure(go.Image(z=(picture * 255).round(), hoverinfo="skip"))
    fig.add_trace(
        go.Heatmap(
            z=values.clip(0, None),
            zmin=0,
            zmax=max(float(values.max()), 1e-12),
            colorscale="Jet",
            opacity=0.45,
            colorbar={"title": {"text": units, "side": "right"}},
            hovertemplate="x %{x}, y %{y}: %{z:.3g}<extra></extra>",
        )
    )
    fig.update_layout(
        width=460,
        height=380,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        title={"text": title},
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


def layer_times(times: Sequence[tuple[str, str, float]], device: str, top: int = 25) -> go.Figure:
    """The ``top`` slowest layers of ``(name, type, ms)`` timings, slowest first."""
    slowest = sorted(times, key=lambda t: -t[2])[:top]
    fig = go.Figure(
        go.Bar(x=[t[0] for t in slowest], y=[t[2] for t in slowest], hovertemplate="%{x}: %{y:.3f} ms<extra></extra>")
    )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"title": f"ms on {device}"},
        xaxis={"tickangle": -60},
    )
    return fig
