"""A small SVG writer for the papers' figures: rectangles, text, lines and paths, with the extent
they reach, written into one standalone document in the drawing style (style.PAPER)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from ..errors import VizcoreError
from .style import ORIENTATIONS, paper, paper_color


@dataclass
class Svg:
    """Elements of one figure and how far they reach; local to one call."""

    parts: list[str] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0

    def reach(self, x: float, y: float) -> None:
        self.width = max(self.width, x)
        self.height = max(self.height, y)

    def rect(
        self, x: float, y: float, w: float, h: float, fill: str, cls: str = "", rx: float = 4, dash: bool = False
    ) -> None:
        extra = ' stroke-dasharray="6 4"' if dash else ""
        self.parts.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" '
            f'fill="{fill}" stroke="{paper_color("stroke")}" stroke-width="1.3"{extra}/>'
        )
        self.reach(x + w, y + h)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float,
        anchor: str = "middle",
        cls: str = "",
        weight: str = "normal",
        color: str = "",
    ) -> None:
        self.parts.append(
            f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{color or paper_color("text")}">{escape(content)}</text>'
        )
        width = text_width(content, size)
        right = x + (width if anchor == "start" else width / 2 if anchor == "middle" else 0)
        self.reach(right, y + size * 0.3)

    def line(
        self, x1: float, y1: float, x2: float, y2: float, cls: str = "", arrow: bool = True, color: str = ""
    ) -> None:
        marker = ' marker-end="url(#arrow)"' if arrow else ""
        self.parts.append(
            f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{color or paper_color("stroke")}" stroke-width="1.4"{marker}/>'
        )

    def path(
        self, d: str, cls: str = "", dash: str = "", arrow: bool = True, color: str = "", fill: str = "none"
    ) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        marker = ' marker-end="url(#arrow)"' if arrow else ""
        self.parts.append(
            f'<path class="{cls}" d="{d}" fill="{fill}" stroke="{color or paper_color("stroke")}" stroke-width="1.6"{extra}{marker}/>'
        )

    def document(self, label: str, orientation: str = "vertical") -> str:
        """The standalone SVG; ``horizontal`` turns the drawing a quarter left, so a tall figure runs
        left to right and fills a 16:9 screen (its labels then read upwards)."""
        if orientation not in ORIENTATIONS:
            raise VizcoreError(f"unknown orientation {orientation!r}: choose {' or '.join(ORIENTATIONS)}.")
        m = paper("margin")
        w, h = math.ceil(self.width + m), math.ceil(self.height + m)
        parts = self.parts
        if orientation == "horizontal":
            parts = [f'<g transform="translate(0 {w}) rotate(-90)">', *parts, "</g>"]
            w, h = h, w
        return "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
                f'font-family="{paper_color("font")}" role="img" aria-label="{escape(label)}">',
                '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{paper_color("stroke")}"/></marker></defs>',
                f'<rect x="0" y="0" width="{w}" height="{h}" fill="{paper_color("background")}"/>',
                *parts,
                "</svg>",
            ]
        )


def text_width(text: str, size: float) -> float:
    """A Helvetica-like estimate, enough to keep text inside its box."""
    narrow = sum(ch in "ilj.,:;!|/()[] '1" for ch in text)
    return size * (0.56 * (len(text) - narrow) + 0.3 * narrow)


def fit_size(text: str, size: float, width: float) -> float:
    """The font size at which ``text`` fits ``width`` (never larger than ``size``)."""
    return min(size, size * (width - 10) / max(text_width(text, size), 1.0))
