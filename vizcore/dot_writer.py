"""The one Graphviz DOT writer: everything vizcore writes as DOT (the layer graph, block diagrams, the
tour's chains in vizcore/drawing, the data-flow dump in formats.py) goes through these functions, so
quoting is done in one place and a layer named ``a"b\\c`` or ``<script>`` cannot break out of its
string or its HTML-like label. It sits at the bottom of the package (it needs nothing of vizcore) so
that formats.py, below drawing/, can use it too.

Values: a ``str`` is always written as a quoted DOT string (backslashes and quotes escaped, a newline
becomes DOT's ``\\n`` line break); an ``int`` or ``float`` bare; an :class:`Html` label between ``<`` and
``>``, its text escaped when it was made (:func:`html_label`). Statements come out in the order given,
which keeps the output deterministic (a golden file can compare it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

INDENT = "  "


@dataclass(frozen=True)
class Html:
    """An HTML-like label's markup, its text already escaped: only :func:`html_label` makes one."""

    markup: str


Value = str | int | float | Html
Attrs = Mapping[str, Value]


def quote(*lines: str) -> str:
    """A quoted DOT string; several lines (or a newline inside one) become DOT's line break."""
    text = "\n".join(lines).replace("\r", "")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _runs(lines: tuple[tuple[str, float], ...]) -> str:
    return "<br/>".join(f'<font point-size="{size:g}">{escape(text)}</font>' for text, size in lines)


def html_label(*lines: tuple[str, float]) -> Html:
    """An HTML-like label of lines of text, each at its own point size: ``(text, size)``."""
    return Html(f"<{_runs(lines)}>")


def ports_label(*lines: tuple[str, float], ports: int = 0, ins: int = 0) -> Html:
    """An HTML-like label of lines of text (``(text, size)``, as :func:`html_label`) with empty cells
    ``i1``, ``i2``, ... above it (``ins``) and ``p1``, ``p2``, ... below it (``ports``). Edges attached
    to them enter or leave the box in that order, which Graphviz keeps even where clusters defeat
    ``ordering=out``. The cells stand on a diagonal, each right of and below the one before, so the
    order holds whether the graph runs top to bottom or left to right."""
    width = max(ports, ins, 1)
    text = _runs(lines)

    def diagonal(name: str, count: int) -> str:
        rows = []
        for i in range(1, count + 1):
            cells = [
                f'<td port="{name}{i}" width="4" height="1"></td>' if j == i else '<td width="4" height="1"></td>'
                for j in range(1, width + 1)
            ]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return "".join(rows)

    rows = diagonal("i", ins) + f'<tr><td colspan="{width}">{text}</td></tr>' + diagonal("p", ports)
    return Html(f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">{rows}</table>>')


def value(v: Value) -> str:
    if isinstance(v, Html):
        return v.markup
    if isinstance(v, bool):  # a bool is an int: write DOT's word for it
        return quote("true" if v else "false")
    if isinstance(v, (int, float)):
        return f"{v:g}" if isinstance(v, float) else str(v)
    return quote(v)


def attr_list(attrs: Attrs) -> str:
    """``[a=1, b="x"]``; "" when there are none."""
    if not attrs:
        return ""
    return " [" + ", ".join(f"{key}={value(v)}" for key, v in attrs.items()) + "]"


def node(name: str, attrs: Attrs | None = None) -> str:
    return f"{quote(name)}{attr_list(attrs or {})};"


def edge(tail: str, head: str, attrs: Attrs | None = None) -> str:
    return f"{quote(tail)} -> {quote(head)}{attr_list(attrs or {})};"


def settings(attrs: Attrs) -> list[str]:
    """Graph (or cluster) attributes, one statement each."""
    return [f"{key}={value(v)};" for key, v in attrs.items()]


def cluster(name: str, attrs: Attrs, body: Iterable[str]) -> list[str]:
    """A cluster subgraph (Graphviz outlines it): ``name`` gets the ``cluster_`` prefix."""
    inner = [INDENT + line for line in [*settings(attrs), *body]]
    return [f"subgraph {quote('cluster_' + name)} {{", *inner, "}"]


def digraph(
    name: str,
    graph_attrs: Attrs,
    body: Iterable[str],
    *,
    node_attrs: Attrs | None = None,
    edge_attrs: Attrs | None = None,
) -> str:
    """A whole ``digraph``: its attributes, the default node and edge attributes, then ``body``."""
    header = settings(graph_attrs)
    if node_attrs:
        header.append("node" + attr_list(node_attrs) + ";")
    if edge_attrs:
        header.append("edge" + attr_list(edge_attrs) + ";")
    lines = [INDENT + line for line in [*header, *body]]
    return "\n".join([f"digraph {quote(name)} {{", *lines, "}"]) + "\n"
