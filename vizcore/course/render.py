"""A lecture table as text, Markdown, LaTeX, CSV, JSON (the CLI's --format, the page's downloads) and HTML."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Mapping

from ..formats import latex_escape
from .checker import Figure, fmt, read_deck
from .rows import LectureTable


def cell(f: Figure) -> str:
    """``slide`` where ours agrees to the slide's precision and prints the same, else ``slide → exact``."""
    exact = fmt(f.exact) + f.unit
    same = exact.replace(",", "") == f.slide.replace(",", "")
    return f.slide if same else f"{f.slide} → {exact}"


def _grid(t: LectureTable) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, rows of cells (flagged ones end in a [n] footnote mark), and the footnotes."""
    header = ["row", *t.info_columns, *t.quantities]
    notes: list[str] = []
    body = []
    for r in t.rows:
        info = dict(r.info)
        cells = [r.label, *(info.get(c, "") for c in t.info_columns)]
        by_q = {f.quantity: f for f in r.figures}
        for q in t.quantities:
            f = by_q.get(q)
            if f is None:
                cells.append("")
                continue
            text = cell(f)
            if f.differs:
                notes.append(f"[{len(notes) + 1}] {r.label}, {q}: {f.reason}")
                text += f" [{len(notes)}]"
            cells.append(text)
        body.append(cells)
    return header, body, notes


def _heading(t: LectureTable) -> str:
    return f"{t.title} — deck {t.deck} ({read_deck(t.deck)['course']}), {t.where}"


def lecture_text(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [_heading(t), t.convention, ""]
    for row in [header, *body]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if row is header:
            lines.append("  ".join("-" * w for w in widths))
    lines += [
        "",
        "Slide figure → exact figure where they differ in print; [n] marks a figure the slide cannot get by rounding:",
    ]
    return "\n".join(lines + (notes or ["(none)"])) + "\n"


def lecture_markdown(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    lines = [f"**{_heading(t)}**", "", t.convention, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return "\n".join(lines + [""] + [f"{n}  " for n in notes]) + "\n"


def lecture_latex(t: LectureTable) -> str:
    header, body, notes = _grid(t)
    lines = [
        f"% {latex_escape(_heading(t))}",
        r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        r"\hline",
        " & ".join(latex_escape(h) for h in header) + r" \\",
        r"\hline",
    ]
    for row in body:
        cells = (r"\textbf{" + latex_escape(c) + "}" if c.endswith("]") else latex_escape(c) for c in row)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines + [f"% {latex_escape(n)}" for n in notes]) + "\n"


def lecture_csv(t: LectureTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "model", "quantity", "slide", "exact", "count", "differs", "reason"])
    for r in t.rows:
        for f in r.figures:
            count = f.count if f.count is not None else ""
            writer.writerow([t.id, r.label, r.model, f.quantity, f.slide, repr(f.exact), count, f.differs, f.reason])
    return out.getvalue()


def lecture_json(t: LectureTable) -> str:
    return json.dumps(t.to_dict(), indent=2) + "\n"


FORMATS: Mapping[str, Callable[[LectureTable], str]] = {
    "table": lecture_text,
    "json": lecture_json,
    "csv": lecture_csv,
    "markdown": lecture_markdown,
    "latex": lecture_latex,
}


def lecture_html(t: LectureTable) -> str:
    """A plain HTML table for the app: flagged cells marked, their reason on hover (``title``)."""
    header = ["row", *t.info_columns, *t.quantities]
    out = [HTML_STYLE, '<table class="lecture-table"><thead><tr>']
    out += [f"<th>{html.escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    n = 0
    for r in t.rows:
        info = dict(r.info)
        out.append("<tr>" + f"<td>{html.escape(r.label)}</td>")
        out += [f"<td>{html.escape(info.get(c, ''))}</td>" for c in t.info_columns]
        by_q = {f.quantity: f for f in r.figures}
        for q in t.quantities:
            f = by_q.get(q)
            if f is None:
                out.append("<td></td>")
            elif f.differs:
                n += 1
                out.append(
                    f'<td class="differs" title="{html.escape(f.reason)}">{html.escape(cell(f))} <sup>[{n}]</sup></td>'
                )
            else:
                title = f' title="{html.escape(f.reason)}"' if f.reason else ""
                out.append(f"<td{title}>{html.escape(cell(f))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


HTML_STYLE = """
<style>
table.lecture-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.lecture-table th, table.lecture-table td { border-bottom: 1px solid rgba(128,128,128,.35); padding: .2rem .6rem; text-align: right; }
table.lecture-table th:first-child, table.lecture-table td:first-child { text-align: left; }
table.lecture-table td.differs { background: #ffd40055; font-weight: 700; cursor: help; }
</style>
"""
