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
from dataclasses import dataclass
from pathlib import PurePath

from . import dot_writer
from .engine.analysis import Analysis, SummaryRow
from .engine.diff import Diff, Item
from .engine.training import LayerTraining, TrainingCost
from .shapes import format_shape


@dataclass(frozen=True)
class FileType:
    """How a file of one format is named and served: its button's word, its extension, its MIME type."""

    label: str
    extension: str
    mime: str


# Every file the app offers and the CLI writes, by format name. LaTeX has no registered MIME type:
# application/x-tex is what Python's own mimetypes table and Apache's mime.types give .tex, the same on
# every machine (text/x-tex comes only from some Linux distributions' /etc/mime.types).
FILE_TYPES: dict[str, FileType] = {
    "csv": FileType("CSV", "csv", "text/csv"),
    "markdown": FileType("Markdown", "md", "text/markdown"),
    "latex": FileType("LaTeX", "tex", "application/x-tex"),
    "json": FileType("JSON", "json", "application/json"),
    "dot": FileType("DOT", "dot", "text/vnd.graphviz"),
    "spec": FileType("spec", "spec.txt", "text/plain"),  # the Builder's text
    "python": FileType("PyTorch source", "py", "text/x-python"),
    "svg": FileType("SVG", "svg", "image/svg+xml"),
    "png": FileType("PNG", "png", "image/png"),
    "pdf": FileType("PDF", "pdf", "application/pdf"),
    "gif": FileType("GIF", "gif", "image/gif"),
}


def file_format(path: str, allowed: Sequence[str]) -> str | None:
    """The format among ``allowed`` whose extension ``path`` ends in (any case), else None."""
    suffix = PurePath(path).suffix.lstrip(".").lower()
    return next((fmt for fmt in allowed if FILE_TYPES[fmt].extension == suffix), None)


def human_count(n: float, unit: str = "") -> str:
    """12,345,678 -> '12.35 M': SI prefixes, for MACs and FLOPs."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {prefix}{unit}"
    return f"{n:.0f} {unit}".rstrip()


def times(value: float, base: float) -> str:
    """How many times ``base`` ``value`` is, to three significant figures: ``2.26x``, ``21.7x``, ``0.0204x``
    (one decimal place would call SqueezeNet "0.0x" the parameters of AlexNet); ``-`` against nothing."""
    return f"{value / base:.3g}x" if base else "-"


def human_bytes(n: float) -> str:
    """802,816 -> '784 KiB', 559,872 -> '546.75 KiB': binary units, as lecture tables count memory."""
    for factor, prefix in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(n) >= factor:
            return f"{n / factor:,.2f}".rstrip("0").rstrip(".") + f" {prefix}"
    return f"{n:.0f} B"


def per_dim_text(values: Sequence[float]) -> str:
    """A receptive field or stride as text: ``195`` when square, ``7x1`` otherwise, ``-`` when none."""
    if not values:
        return "-"
    return str(values[0]) if len(set(values)) == 1 else "x".join(str(v) for v in values)


@dataclass(frozen=True)
class Column:
    """One column of the per-layer table, defined once (torchinfo's ColumnSettings): every view (the text
    table, CSV, Markdown, LaTeX, the app's table, the notebook) picks columns from LAYER_COLUMNS by key."""

    key: str  # the machine's name: the CSV header
    title: str  # the people's name: the text, Markdown and LaTeX tables, the app, the notebook
    exact: Callable[[SummaryRow], int | float | str]  # what CSV and the app's sortable table hold
    rounded: Callable[[SummaryRow], str] | None = None  # for reading, when it differs from the exact value
    number: bool = True  # aligned right

    def text(self, row: SummaryRow) -> str:
        """The cell of the text, Markdown and LaTeX tables."""
        return self.rounded(row) if self.rounded else str(self.exact(row))


LAYER_COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("name", "Layer", lambda r: r.name, number=False),
        Column("label", "Label", lambda r: r.label, number=False),  # the papers' words: 7x7 conv, 64, /2
        Column("type", "Type", lambda r: r.type, number=False),
        Column("output_shape", "Output shape", lambda r: format_shape(r.output_shape), number=False),
        Column("params", "Params", lambda r: r.params, lambda r: f"{r.params:,}"),
        Column("macs", "MACs", lambda r: r.macs, lambda r: human_count(r.macs)),
        Column("flops", "FLOPs", lambda r: r.flops, lambda r: human_count(r.flops)),
        Column("output_bytes", "Memory", lambda r: r.output_bytes, lambda r: human_bytes(r.output_bytes)),
        Column("output_kib", "Memory (KiB)", lambda r: r.output_bytes / 1024, lambda r: human_bytes(r.output_bytes)),
        Column("receptive_field", "RF", lambda r: per_dim_text(r.receptive_field)),
        Column("effective_stride", "Eff. stride", lambda r: per_dim_text(r.effective_stride)),
        Column("time_ms", "Time", lambda r: r.time_ms or 0.0, lambda r: f"{r.time_ms or 0:.3f} ms"),
    )
}
# The views' choices of columns, in order.
TABLE_COLUMNS = (
    "name",
    "label",
    "type",
    "output_shape",
    "params",
    "macs",
    "output_bytes",
    "receptive_field",
    "effective_stride",
)
CSV_COLUMNS = (*TABLE_COLUMNS[:6], "flops", *TABLE_COLUMNS[6:])
APP_COLUMNS = (*TABLE_COLUMNS[:6], "flops", "output_kib", *TABLE_COLUMNS[7:])
NOTEBOOK_COLUMNS = TABLE_COLUMNS[:6]


def columns(keys: Sequence[str]) -> list[Column]:
    return [LAYER_COLUMNS[key] for key in keys]


def column_values(rows: Sequence[SummaryRow], keys: Sequence[str] = APP_COLUMNS) -> dict[str, list[int | float | str]]:
    """Each column's exact values by its title: a dataframe's columns (the app's sortable table)."""
    return {c.title: [c.exact(r) for r in rows] for c in columns(keys)}


def _cells(row: SummaryRow, keys: Sequence[str] = TABLE_COLUMNS) -> tuple[str, ...]:
    return tuple(c.text(row) for c in columns(keys))


def _totals_cells(a: Analysis) -> list[str]:
    """The Markdown and LaTeX tables' last row: the totals under their columns, empty elsewhere."""
    t = a.totals
    totals = {"name": "Total", "params": f"{t.params:,}", "macs": human_count(t.macs)}
    totals["output_bytes"] = human_bytes(t.activation_bytes)
    return [totals.get(key, "") for key in TABLE_COLUMNS]


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


def _boxed(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int, footer: Sequence[str]
) -> str:
    """A torchinfo-like text table: columns from ``right_from`` on are numbers, aligned right."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= right_from else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "=" * len(line(header))
    return "\n".join([rule, title, rule, line(header), "-" * len(rule), *(line(r) for r in rows), rule, *footer, rule])


def summary_table(a: Analysis, depth: int | None = None) -> str:
    summary = a.rows(depth)
    keys = (*TABLE_COLUMNS, "time_ms") if any(r.time_ms is not None for r in summary) else TABLE_COLUMNS
    header = [c.title for c in columns(keys)]
    rows = [_cells(r, keys) for r in summary]
    footer = _totals_lines(a)
    if a.forward_ms is not None:
        footer.append(f"Forward pass on {a.device}: {a.forward_ms:.3f} ms (layer times are synchronised one by one)")
    right_from = sum(not c.number for c in columns(keys))  # the text columns come first
    return _boxed(f"{a.model} summary", header, rows, right_from, [*footer, *(f"Note: {n}" for n in a.notes)])


def summary_csv(a: Analysis, depth: int | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in a.rows(depth):
        writer.writerow([c.exact(r) for c in columns(CSV_COLUMNS)])
    return buffer.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def summary_markdown(a: Analysis, depth: int | None = None) -> str:
    shown = columns(TABLE_COLUMNS)
    lines = [
        "| " + " | ".join(c.title for c in shown) + " |",
        "|" + "|".join("---:" if c.number else "---" for c in shown) + "|",
    ]
    for r in a.rows(depth):
        cells = _cells(r)
        lines.append("| " + " | ".join(_md_escape(c.strip()) for c in cells) + " |")
    lines.append("|" + "|".join(f" **{x}** " if x else " " for x in _totals_cells(a)) + "|")
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
    "|": r"\textbar{}",  # an inception block's branches (1x1 | 1x1-3x3); a bare | prints as a dash
}


def latex_escape(text: str) -> str:
    """Text safe inside a LaTeX table: each special character spelled out."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def summary_latex(a: Analysis, depth: int | None = None) -> str:
    shown = columns(TABLE_COLUMNS)
    align = "".join("r" if c.number else "l" for c in shown)
    lines = [rf"\begin{{tabular}}{{{align}}}", r"\toprule", " & ".join(c.title for c in shown) + r" \\", r"\midrule"]
    for r in a.rows(depth):
        cells = _cells(r)
        lines.append(" & ".join(latex_escape(c.strip()) for c in cells) + r" \\")
    lines += [
        r"\midrule",
        " &".join(f" {latex_escape(x)}" if x else "" for x in _totals_cells(a)).lstrip() + r" \\",
        r"\bottomrule",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


def summary_json(a: Analysis, depth: int | None = None) -> str:
    return json.dumps(a.to_dict(), indent=2)


def _json_dim(value: float | list[float]) -> str:
    return per_dim_text(value if isinstance(value, list) else [value])


_DUMP_FILLS = {"input": "#d9f0d3", "output": "#d9f0d3", "module": "#dbe9f6", "function": "#fde0c5"}


def dataflow_dot(a: Analysis) -> str:
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


# -- diff: what changed between two networks (vizcore.engine.diff) ---------------------------------------
DIFF_COLUMNS = ("Change", "Before", "After", "What changed", "Params", "MACs", "Memory", "RF")


def _signed(n: int, text: str) -> str:
    return "0" if n == 0 else ("+" if n > 0 else "") + text


def diff_cells(item: Item, indent: str = "") -> tuple[str, ...]:
    """One row of a diff: the change, both labels, what changed, the cost deltas, the receptive field."""
    params, macs, memory = (item.delta(c) for c in ("params", "macs", "activation_bytes"))
    field = ""
    if item.before and item.after and item.before.receptive_field != item.after.receptive_field:
        field = f"{per_dim_text(item.before.receptive_field)} -> {per_dim_text(item.after.receptive_field)}"
    return (
        indent + (f"{item.blocks} blocks {item.status}" if item.blocks > 1 else item.status),
        item.before.label if item.before else "",
        item.after.label if item.after else "",
        ", ".join(item.what),
        _signed(params, f"{params:,}"),
        _signed(macs, human_count(macs)),
        _signed(memory, human_bytes(memory)),
        field,
    )


def diff_rows(d: Diff) -> list[tuple[str, ...]]:
    """Every part that is not the same, in graph order; a changed block's layers under it."""
    rows: list[tuple[str, ...]] = []
    for item in d.items:
        if item.status != "same":
            rows.append(diff_cells(item))
            rows += [diff_cells(i, "  ") for i in item.inside if i.status != "same"]
    return rows


def _diff_lines(d: Diff) -> list[str]:
    a, b = d.before.totals, d.after.totals
    counts = ", ".join(f"{len(d.of(s))} {s}" for s in ("added", "removed", "changed"))
    lines = [
        f"{d.before.model} -> {d.after.model}: {counts}; {sum(i.status == 'same' for i in d.leaves())} parts the same",
        f"Params: {a.params:,} -> {b.params:,} ({_signed(b.params - a.params, f'{b.params - a.params:,}')})",
        f"MACs: {human_count(a.macs)} -> {human_count(b.macs)} ({_signed(b.macs - a.macs, human_count(b.macs - a.macs))})",
        f"Activation memory: {human_bytes(a.activation_bytes)} -> {human_bytes(b.activation_bytes)}",
    ]
    moved = d.field_changes()
    if moved:
        first, last = moved[0], moved[-1]
        assert first.before and first.after and last.before and last.after
        lines.append(
            f"Receptive field: first differs after {first.label} ({per_dim_text(first.before.receptive_field)} -> "
            f"{per_dim_text(first.after.receptive_field)}); at {last.label}, {per_dim_text(last.before.receptive_field)}"
            f" -> {per_dim_text(last.after.receptive_field)}"
        )
    return lines + [f"Note: {n}" for n in d.notes]


def diff_table(d: Diff) -> str:
    if d.identical:
        return d.notes[-1] + "\n"
    return _boxed(f"What changed: {d.before.model} -> {d.after.model}", DIFF_COLUMNS, diff_rows(d), 4, _diff_lines(d))


def diff_markdown(d: Diff) -> str:
    if d.identical:
        return d.notes[-1] + "\n"
    lines = ["| " + " | ".join(DIFF_COLUMNS) + " |", "|" + "|".join(["---"] * 4 + ["---:"] * 4) + "|"]
    lines += ["| " + " | ".join(_md_escape(c.strip()) for c in cells) + " |" for cells in diff_rows(d)]
    return "\n".join([*lines, "", *(f"- {_md_escape(line)}" for line in _diff_lines(d))]) + "\n"


def diff_json(d: Diff) -> str:
    return json.dumps(d.to_dict(), indent=2)


DIFF_FORMATS: dict[str, Callable[[Diff], str]] = {"text": diff_table, "markdown": diff_markdown, "json": diff_json}


# -- training: what one step keeps (vizcore.engine.training) ------------------------------------------
TRAINING_COLUMNS = ("Layer", "Type", "Params", "Saved for backward", "Per sample", "Gradients", "Optimizer", "Total")
_TRAINING_KEYS = (
    "name",
    "type",
    "params",
    "saved_bytes",
    "saved_per_sample",
    "gradient_bytes",
    "optimizer_bytes",
    "total_bytes",
)


def _training_cells(r: LayerTraining) -> tuple[str, ...]:
    sizes = (r.saved_bytes, r.saved_per_sample, r.gradient_bytes, r.optimizer_bytes, r.total_bytes)
    return (r.name or "(forward)", r.type, f"{r.params:,}", *(human_bytes(n) for n in sizes))


def _training_total(c: TrainingCost) -> tuple[str, ...]:
    kept = c.saved_activation_bytes + c.gradient_bytes + c.optimizer_bytes
    sizes = (c.saved_activation_bytes, c.saved_per_sample, c.gradient_bytes, c.optimizer_bytes, kept)
    return ("Total", "", f"{sum(r.params for r in c.layers):,}", *(human_bytes(n) for n in sizes))


def _training_lines(c: TrainingCost) -> list[str]:
    fits = ", ".join(f"{f.gib} GB: {f.max_batch:,}" for f in c.fits)
    return [
        f"Batch {c.batch}, {c.optimizer}, {c.analysis.dtype}, input {format_shape((c.batch, *c.analysis.input_shape[1:]))}",
        f"Saved activations: {human_bytes(c.saved_activation_bytes)} ({c.saved_activation_bytes:,} bytes)",
        f"Gradients: {human_bytes(c.gradient_bytes)} ({c.gradient_bytes:,} bytes)",
        f"Optimizer state: {human_bytes(c.optimizer_bytes)} ({c.optimizer_bytes:,} bytes)",
        f"Weights and buffers: {human_bytes(c.weight_bytes)} ({c.weight_bytes:,} bytes)",
        f"One training step keeps: {human_bytes(c.step_bytes)} ({c.step_bytes:,} bytes)",
        f"Largest batch that fits ({fits})",
    ]


def training_table(c: TrainingCost) -> str:
    rows = [*(_training_cells(r) for r in c.layers), _training_total(c)]
    footer = [*_training_lines(c), *(f"Note: {n}" for n in c.notes)]
    return _boxed(f"{c.analysis.model}: what a training step keeps", TRAINING_COLUMNS, rows, 2, footer)


def training_csv(c: TrainingCost) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_TRAINING_KEYS)
    for r in c.layers:
        writer.writerow([getattr(r, key) for key in _TRAINING_KEYS])
    return buffer.getvalue()


def training_markdown(c: TrainingCost) -> str:
    lines = ["| " + " | ".join(TRAINING_COLUMNS) + " |", "|---|---|" + "---:|" * 6]
    lines += ["| " + " | ".join(_md_escape(x) for x in _training_cells(r)) + " |" for r in c.layers]
    lines.append("| " + " | ".join(f"**{x}**" if x else "" for x in _training_total(c)) + " |")
    return "\n".join(lines) + "\n"


def training_latex(c: TrainingCost) -> str:
    lines = [r"\begin{tabular}{llrrrrrr}", r"\toprule", " & ".join(TRAINING_COLUMNS) + r" \\", r"\midrule"]
    lines += [" & ".join(latex_escape(x) for x in _training_cells(r)) + r" \\" for r in c.layers]
    lines += [
        r"\midrule",
        " & ".join(latex_escape(x) for x in _training_total(c)) + r" \\",
        r"\bottomrule",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


def training_json(c: TrainingCost) -> str:
    """The summary's JSON with ``totals.training`` and, per layer, ``training``."""
    data = c.analysis.to_dict()
    data["totals"]["training"] = c.totals()
    data["training"] = c.to_dict()
    return json.dumps(data, indent=2)


TRAINING_FORMATS: dict[str, Callable[[TrainingCost], str]] = {
    "table": training_table,
    "json": training_json,
    "csv": training_csv,
    "markdown": training_markdown,
    "latex": training_latex,
}

SUMMARY_FORMATS: dict[str, Callable[[Analysis, int | None], str]] = {
    "table": summary_table,
    "json": summary_json,
    "csv": summary_csv,
    "markdown": summary_markdown,
    "latex": summary_latex,
}
