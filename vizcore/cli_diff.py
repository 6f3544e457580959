"""``python -m vizcore diff A B``: what changed between two networks, as text, Markdown or JSON."""

from __future__ import annotations

import argparse
from typing import Any

from . import formats
from .api import diff
from .shapes import parse_shape


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    cmd = sub.add_parser("diff", help="what changed between two networks, layer by layer and block by block")
    cmd.add_argument("before", metavar="A", help="a zoo name (see `models`), a layer-list file's text or an .onnx file")
    cmd.add_argument("after", metavar="B", help="the network to compare it with, given the same ways")
    cmd.add_argument("--format", choices=list(formats.DIFF_FORMATS), default="text")
    cmd.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW for both (default: each model's own)")
    cmd.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")


def run(args: argparse.Namespace) -> str:
    shape = parse_shape(args.input) if args.input else None
    return formats.DIFF_FORMATS[args.format](diff(args.before, args.after, shape, args.device))
