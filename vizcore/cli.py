"""``python -m vizcore``: the same numbers as the app, in a terminal.

Bad input answers with one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import formats
from .analysis import analyze
from .errors import VizcoreError
from .shapes import parse_shape
from .zoo import get_card, list_models

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"depth {text!r} must be a whole number of 1 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m vizcore", description="Build, trace and count the cost of classic CNNs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("models", help="list every model in the zoo, grouped by family")
    for name, help_text in (
        ("summary", "per-layer shapes, params, MACs and memory"),
        ("graph", "the data-flow graph"),
        ("blocks", "branch (fork -> concat) and residual (fork -> add) blocks"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("model", help="a zoo name, e.g. resnet50 (see `models`)")
        cmd.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW, e.g. 3x224x224 (default: the model's own)")
        cmd.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")
    summary = sub.choices["summary"]
    summary.add_argument("--format", choices=sorted(formats.SUMMARY_FORMATS), default="table")
    summary.add_argument("--depth", type=_depth, default=None, help="merge layers below this depth into their block")
    summary.add_argument("--timings", action="store_true", help="also time every layer on the device")
    sub.choices["graph"].add_argument("--format", choices=["dot", "json"], default="dot")
    sub.choices["blocks"].add_argument("--format", choices=["table", "json"], default="table")
    return parser


def _models() -> str:
    lines, family = [], None
    for name in list_models():
        card = get_card(name)
        if card.family != family:
            family = card.family
            lines.append(f"\n{family} ({card.year})")
        published = f"{card.published_params:,} params, {card.published_gmacs} GMACs" if card.published_params else ""
        lines.append(f"  {name:<22} {'x'.join(map(str, card.input_size)):<12} {published}")
    return "\n".join(lines).lstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "models":
            sys.stdout.write(_models())
            return 0
        shape = parse_shape(args.input) if args.input else None
        result = analyze(args.model, shape, args.device, timings=getattr(args, "timings", False))
        if args.command == "summary":
            text = formats.SUMMARY_FORMATS[args.format](result, args.depth)
        elif args.command == "blocks":
            text = (
                formats.blocks_table(result)
                if args.format == "table"
                else json.dumps([b.to_dict() for b in result.blocks], indent=2)
            )
        else:
            text = formats.dot(result) if args.format == "dot" else json.dumps(result.graph(), indent=2) + "\n"
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    except VizcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `| head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
