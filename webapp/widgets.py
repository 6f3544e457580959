"""Pieces several pages draw: the block pages' opening and picker, the diagram viewer with its
downloads, a layer's worked arithmetic, and dataframe column settings."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

import vizcore
from vizcore.engine import arithmetic
from vizcore.engine.blocks import Block
from vizcore.formats import APP_COLUMNS, FILE_TYPES, LAYER_COLUMNS
from webapp.caching import derived, rendered
from webapp.chrome import current_analysis, setup, use_model
from webapp.url_state import escaped, init_from_url, remember, shared_params, sync_url

ROOT = Path(__file__).resolve().parents[1]


def number_columns(counts: Iterable[str] = (), formats: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``st.dataframe`` column settings: ``counts`` with thousands separators, ``formats`` printf-style."""
    config: dict[str, Any] = {c: st.column_config.NumberColumn(format="localized") for c in counts}
    config.update({c: st.column_config.NumberColumn(format=f) for c, f in (formats or {}).items()})
    return config


def block_caption(block: Block, blocks: list[Block]) -> str:
    """A block's module name for a picker, with its join where several blocks share the module (nested splits)."""
    shared = sum(b.name == block.name for b in blocks) > 1
    return f"{block.name or '(model)'} [{block.join}]" if shared else block.name or "(model)"


def block_page(kind: str, title: str, examples: tuple[str, ...]) -> tuple[vizcore.Analysis, list[Block]]:
    """The opening of a block page: setup, the analysis, the title, and the model's blocks of ``kind``
    (where it has none: say so, offer models that do, and stop)."""
    setup(reads=("block",))
    result = current_analysis()
    st.title(f"{result.model}: {title}")
    blocks = [b for b in result.blocks if b.kind == kind]
    if blocks:
        return result, blocks
    join = "a concatenation" if kind == "branch" else "an addition"
    st.info(f"{result.model} has no {kind} blocks: no fork in its graph meets again in {join}. Try one of these:")
    for column, name in zip(st.columns(len(examples)), examples, strict=True):
        column.button(name, on_click=use_model, args=(name,), key=f"try_{name}")
    sync_url(shared_params())
    st.stop()


def choose_block(blocks: list[Block], key: str) -> Block:
    """A block picker seeded from ``?block=`` (a module or join name); an unknown name is reported."""
    joins = [b.join for b in blocks]

    def parse(value: str) -> str | None:
        return next((b.join for b in blocks if value in (b.join, b.name)), None)

    init_from_url(key, "block", joins[0], parse)
    if st.session_state[key] not in joins:  # the model changed under a remembered choice
        st.session_state[key] = joins[0]
    labels = {b.join: block_caption(b, blocks) for b in blocks}
    chosen = st.selectbox("Block", joins, key=key, format_func=labels.__getitem__)
    remember(key)
    return blocks[joins.index(chosen)]


def show_working(analysis: vizcore.Analysis, layer: str, call: int = 1, *, key: str) -> None:
    """The worked arithmetic of ``layer`` (its ``call``-th run) as a table of quantity, formula and
    working; a convolution or pooling layer also gets a button to the Convolution page, set to it."""
    try:
        working = derived(arithmetic.work, analysis, layer, call)
    except vizcore.VizcoreError as exc:
        st.warning(escaped(str(exc)))
        return
    # names and ops come from the model (an uploaded file's are anyone's text): shown, never read as markdown
    shown = dataclasses.replace(
        working,
        layer=escaped(working.layer),
        label=escaped(working.label),
        op=escaped(working.op),
        notes=tuple(escaped(n) for n in working.notes),
    )
    st.markdown(arithmetic.working_markdown(shown))
    if (
        working.kind in ("conv", "pool")
        and len(working.output_shape) == 4
        and st.button(
            "See it move", key=key, icon=":material/animation:", help="The kernel sliding over this layer's input."
        )
    ):
        # the Convolution page prefers this session's last choice to its URL: make this layer that choice
        st.session_state.update(_conv_source="layer", _conv_layer=working.layer)
        for stale in ("conv_source", "conv_layer"):
            st.session_state.pop(stale, None)
        st.switch_page("pages/convolution.py", query_params={**shared_params(), "layer": working.layer})


# -- diagrams: server-laid-out SVG in a small zoom/pan viewer (assets/svg_viewer.js) ---------------
_SVG_VIEWER = st.components.v2.component(
    "vizcore_svg_viewer",
    js=(ROOT / "assets" / "svg_viewer.js").read_text(encoding="utf-8"),
    css=(ROOT / "assets" / "svg_viewer.css").read_text(encoding="utf-8"),
)


def show_diagram(
    dot: str,
    *,
    key: str,
    title: str = "",
    details: Mapping[str, Mapping[str, str]] | None = None,
    layouts: Mapping[str, str] | None = None,
    height: int | None = None,
) -> str | None:
    """Draw ``dot`` fitted to the window (zoom, pan, click a box); returns the id of the box last
    clicked (``node5``), or None. With ``layouts`` (name -> DOT of the same diagram laid out another
    way), the browser shows whichever is drawn largest in the space it has. In presentation mode the
    diagram fills all the width and height the window has left; ``height`` (px) fixes the frame's height
    instead, for a diagram far down a page, where little of the window is left below it."""
    svgs = [{"name": name, "svg": diagram_svg(source)} for name, source in (layouts or {}).items()]
    present = bool(st.session_state.get("present"))
    result = _SVG_VIEWER(
        key=key,
        data={
            "svg": "" if svgs else diagram_svg(dot),
            "layouts": svgs,
            "key": str(hash((dot, *(layouts or {}).values(), present))),
            "title": title,
            "details": dict(details or {}),
            "fill": present,
            "max_scale": 4.0 if present else 2.5,
            **({"height": height} if height else {}),
        },
        on_selected_change=lambda: None,
    )
    selected = result.get("selected") if result else None
    return selected if isinstance(selected, str) else None


def diagram_svg(dot: str) -> str:
    """``dot`` laid out by Graphviz (cached, bounded) as SVG text to sit in a page."""
    svg = rendered(dot).decode("utf-8")
    return svg[svg.index("<svg") :]


def diagram_columns() -> tuple[Any, Any]:
    """Where a diagram and its explanation go: side by side, or in presentation mode the diagram the
    full width of the screen and the words below it (a projector needs the size)."""
    if st.session_state.get("present"):
        return st.container(), st.container()
    left, right = st.columns([3, 2])
    return left, right


def layer_column_config() -> dict[str, Any]:
    """The per-layer table's settings (vizcore.formats.APP_COLUMNS): counts with separators, KiB to 2 places."""
    counts = [LAYER_COLUMNS[key].title for key in ("params", "macs", "flops") if key in APP_COLUMNS]
    return number_columns(counts, {LAYER_COLUMNS["output_kib"].title: "%.2f"})


def download(column: Any, fmt: str, data: Any, stem: str, **options: Any) -> None:
    """A download button for ``stem`` as ``fmt``: its word, extension and MIME type from
    vizcore.formats.FILE_TYPES. ``data`` may be a function, called only when clicked."""
    kind = FILE_TYPES[fmt]
    column.download_button(
        f"Download {kind.label}",
        data,
        f"{stem}.{kind.extension}",
        kind.mime,
        on_click="ignore",  # a download needs no rerun, and a rerun could swallow the next click
        **options,
    )


def diagram_downloads(dot: str, stem: str) -> None:
    """SVG, PNG (at least 1920 px wide) and PDF of exactly the diagram on screen, drawn by Graphviz."""
    for column, fmt in zip(st.columns(3), ("svg", "png", "pdf"), strict=True):
        download(
            column, fmt, functools.partial(rendered, dot, fmt), stem, key=f"download_{stem}_{fmt}", width="stretch"
        )


def baseline(chosen: list[str], results: Mapping[str, object]) -> str | None:
    """The model the others are measured against: the first chosen one that could be traced."""
    return next((name for name in chosen if name in results), None)
