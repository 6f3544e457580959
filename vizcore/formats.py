"""Rendering an analysis for people: a torchinfo-like table, CSV, Markdown, LaTeX, JSON and DOT.

``dot`` is a plain data-flow dump for other tools (every traced node inside its module's cluster),
written with the shared DOT writer (dot_writer.py). Its few colours are kept here rather than in
drawing/style.py because drawing/ reads this module's number formats: importing back would make the
two import each other.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence

from . import dot_writer
from .engine.analysis import Analysis, SummaryRow
from .shapes import format_shape


def human_count(n: float, unit: str = "") -> str:
    """12,345,678 -> '12.35 M': SI prefixes, for MACs and FLOPs."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {prefix}{unit}"
    return f"{n:.0f} {unit}".rstrip()


def human_bytes(n: float) -> str:
    """802,816 -> '784 KiB', 559,872 -> '546.75 KiB': binary units, as lecture tables count memory."""
    for factor, prefix in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(n) >= factor:
            return f"{n / factor:,.2f}".rstrip("0").rstrip(".") + f" {prefix}"
    return f"{n:.0f} B"


COLUMNS = ("Layer", "Label", "Type", "Output shape", "Params", "MACs", "Memory", "RF", "Eff. stride")


def per_dim_text(values: Sequence[float]) -> str:
    """A receptive field or stride as text: ``195`` when square, ``7x1`` otherwise, ``-`` when none."""
    if not values:
        return "-"
    return str(values[0]) if len(set(values)) == 1 else "x".join(str(v) for v in values)


def _cells(row: SummaryRow) -> tuple[str, ...]:
    return (
        row.name,
        row.label,
        row.type,
        format_shape(row.output_shape),
        f"{row.params:,}",
        human_count(row.macs),
        human_bytes(row.output_bytes),
        per_dim_text(row.receptive_field),
        per_dim_text(row.effective_stride),
    )


def _totals_lines(a: Analysis) -> list[str]:
    t = a.totals
    lines = [
        f"Total params: {t.params:,}",
        f"Total MACs: {human_count(t.macs)} ({t.macs:,})",
        f"Total FLOPs: {human_count(t.flops)} ({t.flops:,}; 2 per MAC plus element-wise work)",
        f"Activation memory: {human_bytes(t.activation_bytes)} ({t.activation_bytes:,} bytes, {a.dtype})",
    ]
    if t.unused_params:
        lines.append(f"Unused params (modules that did not run): {t.unused_params:,}")
    lines.append(f"Input: {format_shape(a.input_shape)} {a.dtype}; traced on {a.traced_on}; device {a.device}")
    return lines


def table(a: Analysis, depth: int | None = None) -> str:
    summary = a.rows(depth)
    timed = any(r.time_ms is not None for r in summary)
    header = (*COLUMNS, "Time") if timed else COLUMNS
    rows = [(*_cells(r), f"{r.time_ms or 0:.3f} ms") if timed else _cells(r) for r in summary]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "=" * len(line(header))
    footer = _totals_lines(a)
    if a.forward_ms is not None:
        footer.append(f"Forward pass on {a.device}: {a.forward_ms:.3f} ms (layer times are synchronised one by one)")
    body = [
        rule,
        f"{a.model} summary",
        rule,
        line(header),
        "-" * len(rule),
        *(line(r) for r in rows),
        rule,
        *footer,
        *(f"Note: {n}" for n in a.notes),
        rule,
    ]
    return "\n".join(body)


_RF_HEADER = ["receptive_field", "effective_stride"]


def to_csv(a: Analysis, depth: int | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "type", "output_shape", "params", "macs", "flops", "output_bytes", *_RF_HEADER])
    for r in a.rows(depth):
        writer.writerow(
            [
                r.name,
                r.label,
                r.type,
                format_shape(r.output_shape),
                r.params,
                r.macs,
                r.flops,
                r.output_bytes,
                per_dim_text(r.receptive_field),
                per_dim_text(r.effective_stride),
            ]
        )
    return buffer.getvalue()


def markdown(a: Analysis, depth: int | None = None) -> str:
    def latex_escape(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * 4 + ["---:"] * 5) + "|"]
    for r in a.rows(depth):
        cells = _cells(r)
        lines.append("| " + " | ".join(latex_escape(c.strip()) for c in cells) + " |")
    t = a.totals
    lines.append(
        f"| **Total** | | | | **{t.params:,}** | **{human_count(t.macs)}** | **{human_bytes(t.activation_bytes)}** | | |"
    )
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "→": r"$\to$",
}


def latex_escape(text: str) -> str:
    """Text safe inside a LaTeX table: each special character spelled out."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def latex(a: Analysis, depth: int | None = None) -> str:
    lines = [r"\begin{tabular}{llllrrrrr}", r"\toprule", " & ".join(COLUMNS) + r" \\", r"\midrule"]
    for r in a.rows(depth):
        cells = _cells(r)
        lines.append(" & ".join(latex_escape(c.strip()) for c in cells) + r" \\")
    t = a.totals
    lines += [
        r"\midrule",
        f"Total & & & & {t.params:,} & {latex_escape(human_count(t.macs))} & {latex_escape(human_bytes(t.activation_bytes))} & & \\\\",
        r"\bottomrule",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


def to_json(a: Analysis, depth: int | None = None) -> str:
    return json.dumps(a.to_dict(), indent=2)


def _json_dim(value: float | list[float]) -> str:
    return per_dim_text(value if isinstance(value, list) else [value])


_DUMP_FILLS = {"input": "#d9f0d3", "output": "#d9f0d3", "module": "#dbe9f6", "function": "#fde0c5"}


def dot(a: Analysis) -> str:
    """Graphviz DOT of the data-flow graph, each module's layers inside nested clusters."""
    graph = a.graph()
    children: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for node in graph["nodes"]:
        label = [node["name"], node["type"], format_shape(node["shape"])]
        if node["params"] or node["macs"]:
            label.append(f"{node['params']:,} params, {human_count(node['macs'])} MACs")
        if node["kind"] != "input" and node.get("receptive_field") is not None:
            label.append(f"RF {_json_dim(node['receptive_field'])}, stride {_json_dim(node['effective_stride'])}")
        attrs = {"label": "\n".join(label), "fillcolor": _DUMP_FILLS[node["kind"]]}
        members.setdefault(node["parent"], []).append(dot_writer.node(f"n{node['id']}", attrs))
    for path in sorted(members):
        parts = path.split(".") if path else []
        for depth in range(len(parts)):
            parent, child = ".".join(parts[:depth]), ".".join(parts[: depth + 1])
            if child not in children.setdefault(parent, []):
                children[parent].append(child)

    def emit(path: str) -> list[str]:
        lines: list[str] = []
        for child in children.get(path, []):
            outline = {"label": f"{child} ({a.module_types.get(child, '')})", "style": "rounded", "color": "#999999"}
            lines += dot_writer.cluster(child, outline, emit(child))
        return lines + members.get(path, [])

    edges = [dot_writer.edge(f"n{src}", f"n{dst}") for src, dst in graph["edges"]]
    node_attrs: dot_writer.Attrs = {"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": 10}
    return dot_writer.digraph("vizcore", {"rankdir": "TB"}, [*emit(""), *edges], node_attrs=node_attrs)


def blocks_table(a: Analysis) -> str:
    """One line per block: kind, where it enters and leaves, and per branch its channels and cost."""
    if not a.blocks:
        return f"{a.model} has no branch or residual blocks: no fork in its graph meets again in a concatenation or an addition.\n"
    lines = [
        f"{a.model}: {sum(b.kind == 'branch' for b in a.blocks)} branch and {sum(b.kind == 'residual' for b in a.blocks)} residual blocks"
    ]
    for b in a.blocks:
        kind = b.kind if b.shortcut is None else f"residual, {b.shortcut} shortcut"
        lines.append(
            f"{b.name or '(model)'} [{b.join}] {kind}: {format_shape(b.input_shape)} -> {format_shape(b.output_shape)}, {b.params:,} params, {human_count(b.macs)} MACs"
        )
        for i, br in enumerate(b.branches, 1):
            path = " > ".join(name.removeprefix(b.name + ".") for name in br.layers) or "identity"
            lines.append(f"  {i}. {br.out_channels} ch, {br.params:,} params, {human_count(br.macs)} MACs: {path}")
    return "\n".join(lines) + "\n"


SUMMARY_FORMATS: dict[str, Callable[[Analysis, int | None], str]] = {
    "table": table,
    "json": to_json,
    "csv": to_csv,
    "markdown": markdown,
    "latex": latex,
}
