"""``python -m vizcore``: the same numbers as the app, in a terminal.

Bad input answers with one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import cli_diff, cli_quiz, cli_visualize, formats
from .api import analyze, training_cost
from .cli_types import at_least_one
from .drawing.figures import FIGURE_KINDS, FigureOptions, export_figure
from .drawing.graphview import COLOR_METRICS
from .drawing.projector import FIT
from .drawing.render import RENDER_FORMATS
from .drawing.style import ORIENTATIONS
from .engine.analysis import Analysis
from .engine.training import OPTIMIZER_STATE
from .errors import VizcoreError, missing_extra
from .files import is_onnx_path
from .shapes import Shape, parse_shape
from .zoo import get_card, list_models

if TYPE_CHECKING:
    from .photos import inference

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


_depth = at_least_one("depth")
_top = at_least_one("--top")


def _parser() -> argparse.ArgumentParser:
    prog = "python -m vizcore" if sys.argv[0].endswith("__main__.py") else "vizcore"  # the installed command
    parser = _Parser(prog=prog, description="Build, trace and count the cost of classic CNNs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("models", help="list every model in the zoo, grouped by family")
    for name, help_text in (
        ("summary", "per-layer shapes, params, MACs and memory"),
        ("graph", "the data-flow graph"),
        ("blocks", "branch (fork -> concat) and residual (fork -> add) blocks"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("model", help="a zoo name, e.g. resnet50 (see `models`), or an .onnx file")
        cmd.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW, e.g. 3x224x224 (default: the model's own)")
        cmd.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")
    predict = sub.add_parser("predict", help="classify a photo with a pretrained network")
    predict.add_argument("image", help="a JPEG, PNG, GIF, BMP, TIFF or WebP file")
    predict.add_argument(
        "--model", default=None, help="a zoo name with torchvision weights (default: efficientnet_lite0, offline)"
    )
    predict.add_argument(
        "--weights", metavar="FILE", help="your own state_dict for --model (.pth, .pt or .safetensors)"
    )
    predict.add_argument("--top", type=_top, default=5, help="how many predictions (default 5)")
    predict.add_argument("--format", choices=["table", "json"], default="table")
    predict.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")
    _add_build(sub)
    _explain_parser(sub)
    cli_visualize.add_parser(sub)
    summary = sub.choices["summary"]
    summary.add_argument("--format", choices=sorted(formats.SUMMARY_FORMATS), default="table")
    summary.add_argument("--depth", type=_depth, default=None, help="merge layers below this depth into their block")
    summary.add_argument("--timings", action="store_true", help="also time every layer on the device")
    _add_training(summary)
    sub.choices["graph"].add_argument("--format", choices=["dot", "json"], default="dot")
    sub.choices["blocks"].add_argument("--format", choices=["table", "json"], default="table")
    # lecture tables: the decks' figures beside ours (vizcore/course/lectures.py)
    lecture = sub.add_parser("lecture", help="the lecture decks' tables, slide figure beside exact figure")
    lecture.add_argument("table", nargs="?", help="a table id (omit to list them)")
    lecture.add_argument("--format", choices=["table", "json", "csv", "markdown", "latex"], default="table")
    _figure_parser(sub)
    _arithmetic_parsers(sub)
    cli_quiz.add_parser(sub, at_least_one("--count"))
    cli_diff.add_parser(sub)
    return parser


# -- build: a layer list (spec) file, or a zoo model written as one -----------------------------
BUILD_FORMATS = (*sorted(formats.SUMMARY_FORMATS), "python", "spec", "dot")


def _add_build(sub: argparse._SubParsersAction[_Parser]) -> None:
    build = sub.add_parser("build", help="analyse a layer list (spec file), or write a zoo model as one")
    build.add_argument("spec", nargs="?", help="a spec file, one layer a line ('-' reads stdin)")
    build.add_argument(
        "--from", dest="from_model", metavar="MODEL", help="start from a zoo model that is a plain chain"
    )
    build.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW, replacing the spec's input line")
    build.add_argument(
        "--format", choices=BUILD_FORMATS, default="table", help="a summary, or python (PyTorch source) or spec"
    )
    build.add_argument("--depth", type=_depth, default=None, help="merge layers below this depth into their block")


def _build(args: argparse.Namespace) -> str:
    from .builder import export, spec  # the builder's modules load only for this command

    shape = parse_shape(args.input) if args.input else None
    if args.from_model:
        if args.spec:
            raise VizcoreError("give a spec file or --from MODEL, not both.")
        text = export.spec_of(args.from_model, shape)
    elif args.spec == "-":
        text = sys.stdin.read(spec.MAX_CHARS + 1)
    elif args.spec:
        try:
            with open(args.spec, encoding="utf-8") as file:
                text = file.read(spec.MAX_CHARS + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise VizcoreError(f"cannot read {args.spec} ({getattr(exc, 'strerror', None) or exc}).") from exc
    else:
        raise VizcoreError("give a spec file (one layer a line, e.g. input 3x224x224, conv 3x3 64) or --from MODEL.")
    parsed = spec.parse(text, shape)
    if args.format == "python":
        return export.python_source(parsed)
    if args.format == "spec":
        return export.spec_text(parsed)
    result = analyze(text, shape, "cpu")
    if args.format == "dot":
        return formats.dataflow_dot(result)
    return formats.SUMMARY_FORMATS[args.format](result, args.depth)


def _lecture(args: argparse.Namespace) -> str:
    from .course import lectures

    if not args.table:
        if args.format == "json":
            return json.dumps([{"id": i, "title": t, "deck": d} for i, t, d in lectures.list_tables()], indent=2) + "\n"
        return lectures.tables_index()
    return lectures.FORMATS[args.format](lectures.lecture_table(args.table))


# -- summary --training: what a training step keeps (vizcore/engine/training.py) ---------------------
def _add_training(summary: argparse.ArgumentParser) -> None:
    summary.add_argument(
        "--training", action="store_true", help="saved activations, gradients and optimizer state per layer"
    )
    summary.add_argument("--batch", type=int, default=None, help="samples per step (default: --input's N, else 1)")
    summary.add_argument("--optimizer", choices=sorted(OPTIMIZER_STATE), default=None, help="sgd (momentum) or adam")


def _training(args: argparse.Namespace) -> str:
    shape = parse_shape(args.input) if args.input else None
    batch = args.batch if args.batch is not None else shape[0] if shape and len(shape) == 4 else 1
    cost = training_cost(args.model, batch, args.optimizer or "sgd", shape)
    return formats.TRAINING_FORMATS[args.format](cost)


def _command(args: argparse.Namespace) -> str:
    """``summary`` with --training (or --batch or --optimizer) prints the training step instead."""
    if args.command == "summary" and (args.training or args.batch is not None or args.optimizer is not None):
        return "training"
    return str(args.command)


# -- figure: slide export (vizcore/drawing/figures.py) ----------------------------------------------------
def _figure_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    figure = sub.add_parser("figure", help="a diagram for slides: SVG, PNG (1920 px wide or more) or PDF")
    figure.add_argument(
        "models", nargs="*", metavar="MODEL", help="one or more zoo names or .onnx files, drawn side by side"
    )
    # convolution draws one layer's window (free settings, or MODEL --layer), not whole models
    figure.add_argument(
        "--kind", choices=[*FIGURE_KINDS, "convolution"], default="graph", help="what to draw (default graph)"
    )
    figure.add_argument("--format", choices=RENDER_FORMATS, default=None, help="default: --output's suffix, else svg")
    figure.add_argument("--output", "-o", required=True, metavar="FILE", help="where to write it")
    figure.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW (default: each model's own)")
    figure.add_argument("--depth", type=_depth, default=None, help="draw blocks below this depth as one box")
    figure.add_argument(
        "--orientation", choices=[*ORIENTATIONS, FIT], default="vertical", help="fit: the largest on a 16:9 slide"
    )
    figure.add_argument("--color", choices=list(COLOR_METRICS), default="type", help="colour boxes by type or cost")


def _figure(args: argparse.Namespace) -> str:
    if args.kind == "convolution":
        return _convolution_figure(args)
    if not args.models:
        raise VizcoreError("give one or more zoo names to draw, e.g. `figure resnet50 --output resnet50.svg`.")
    options = FigureOptions(depth=args.depth, orientation=args.orientation, color_by=args.color)
    shape = parse_shape(args.input) if args.input else None
    models = [_opened(m, shape) for m in args.models]
    path = export_figure(models, args.output, args.kind, args.format, input_shape=shape, options=options)
    return f"wrote {path}\n"


def _opened(model: str, shape: Shape | None) -> str | Analysis:
    """A MODEL argument as the figures take it: a zoo name stays a name, an ONNX file is analysed here."""
    return analyze(model, shape, "cpu") if is_onnx_path(model) else model


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


def _classifier(args: argparse.Namespace) -> inference.Classifier:
    """The network ``--model``/``--weights``/``--device`` ask for (predict, explain, visualize); an
    ``.onnx`` --model is the file with its own weights."""
    from .photos import inference  # timm and Pillow load only for the commands that classify

    name = args.model or inference.DEFAULT_MODEL
    if is_onnx_path(name):  # the file carries its own weights
        if args.weights:
            raise VizcoreError(f"{os.path.basename(name)} carries its own weights: leave out --weights.")
        return inference.load_classifier("onnx", os.path.basename(name), args.device, data=_read(name))
    if not args.weights:
        source = "default" if name == inference.DEFAULT_MODEL else "torchvision"
        return inference.load_classifier(source, name, args.device)
    data = _read(args.weights)
    return inference.load_classifier("file", name, args.device, data=data, filename=os.path.basename(args.weights))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise VizcoreError(f"cannot read {path} ({exc.strerror}).") from exc


def _predict(args: argparse.Namespace) -> str:
    from .photos import images, inference

    image = images.load_image(args.image)
    clf = _classifier(args)
    result = inference.classify(clf, image, args.top)
    predictions = [{"label": p.label, "index": p.index, "prob": p.prob} for p in result.predictions]
    if args.format == "json":
        return (
            json.dumps(
                {"model": clf.name, "weights": clf.weights, "device": str(clf.device), "predictions": predictions},
                indent=2,
            )
            + "\n"
        )
    lines = [f"{clf.name} ({clf.weights}) on {clf.device}, {result.forward_ms:.1f} ms"]
    lines += [f"{p.prob:7.2%}  {p.label} ({p.index})" for p in result.predictions]
    return "\n".join(lines) + "\n"


# -- explain: attribution maps (vizcore.photos.attribution) ------------------------------------------------
def _explain_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    explain = sub.add_parser("explain", help="an attribution map: which pixels made the network decide")
    explain.add_argument("image", help="a JPEG, PNG, GIF, BMP, TIFF or WebP file")
    explain.add_argument(
        "--method", default="gradcam", help="occlusion, gradcam, guided-backprop, saliency or integrated-gradients"
    )
    explain.add_argument(
        "--model", default=None, help="a zoo name with torchvision weights (default: efficientnet_lite0)"
    )
    explain.add_argument(
        "--weights", metavar="FILE", help="your own state_dict for --model (.pth, .pt or .safetensors)"
    )
    explain.add_argument("--target", type=int, default=None, metavar="CLASS_INDEX", help="default: the top class")
    explain.add_argument(
        "--layer", default=None, help="gradcam's convolution (default: the last with a spatial output)"
    )
    explain.add_argument("--window", type=int, default=32, help="occlusion's square, in pixels (default 32)")
    explain.add_argument("--stride", type=int, default=16, help="occlusion's step, in pixels (default 16)")
    explain.add_argument("--baseline", default="grey", help="what occlusion covers with: grey or blur")
    explain.add_argument(
        "--output",
        required=True,
        metavar="MAP.npy|MAP.png",
        help=".npy: the map at input resolution; .png: the overlay",
    )
    explain.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")


def _explain(args: argparse.Namespace) -> str:
    from .photos import attribution, images, inference, pictures

    output = Path(args.output)
    if output.suffix.lower() not in (".npy", ".png"):
        raise VizcoreError(f"--output must end in .npy (the map) or .png (the overlay), not {output.name!r}.")
    image = images.load_image(args.image)
    clf = _classifier(args)
    result = inference.classify(clf, image, top=1)
    target = result.predictions[0].index if args.target is None else args.target

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{args.method}: {done}/{total} images", end="\n" if done == total else "", file=sys.stderr)

    found = attribution.explain(
        clf,
        result.input,
        args.method,
        target,
        layer=args.layer,
        window=args.window,
        stride=args.stride,
        baseline=args.baseline,
        on_progress=progress,
    )
    try:
        if output.suffix.lower() == ".npy":
            import numpy as np

            np.save(output, found.values)
        else:
            from PIL import Image

            picture = pictures.overlay(inference.displayable(clf, result.input), found.normalised())
            Image.fromarray((picture * 255).round().astype("uint8")).save(output)
    except OSError as exc:
        raise VizcoreError(f"cannot write {args.output} ({exc.strerror or exc}).") from exc
    height, width = found.values.shape
    where = f" at {found.layer}" if found.layer else ""
    return f"{args.method}{where} for {found.label} ({target}), {height}x{width}, written to {args.output}\n{found.reading}\n"


# -- worked arithmetic of one layer, and the convolution figure (engine/arithmetic.py, drawing/convolution.py)
def _dims(text: str) -> tuple[int, ...]:
    """``3`` or ``1x7`` (height x width): an argparse type whose error names the value."""
    if not re.fullmatch(r"-?\d{1,9}(x-?\d{1,9})?", text.strip()):
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise argparse.ArgumentTypeError(f"{shown!r} must be a whole number, or two as HxW (e.g. 1x7)")
    return tuple(int(v) for v in text.strip().split("x"))


def _arithmetic_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    from .engine.arithmetic import FORMATS

    cmd = sub.add_parser("arithmetic", help="the worked arithmetic of one layer: each figure with its numbers")
    cmd.add_argument("model", help="a zoo name, e.g. alexnet (see `models`)")
    cmd.add_argument("layer", help="a layer name as `summary` prints it, e.g. features.0")
    cmd.add_argument("--format", choices=list(FORMATS), default="text")
    cmd.add_argument("--input", metavar="SHAPE", help="CxHxW or NxCxHxW, e.g. 3x227x227 (default: the model's own)")
    cmd.add_argument("--call", type=at_least_one("--call"), default=1, help="a module's 2nd, 3rd, ... run")
    figure = sub.choices["figure"]
    for name, default, help_text in (
        ("--size", None, "convolution: the input's height (or HxW)"),
        ("--kernel", "3", "convolution: kernel size (default 3)"),
        ("--stride", "1", "convolution: stride (default 1)"),
        ("--padding", "0", "convolution: zeros added on each side (default 0)"),
        ("--dilation", "1", "convolution: spacing of the kernel's taps (default 1)"),
    ):
        figure.add_argument(name, type=_dims, default=None if default is None else _dims(default), help=help_text)
    figure.add_argument("--channels", type=int, default=1, help="convolution: input and output channels")
    figure.add_argument("--groups", type=int, default=1, help="convolution: channel groups (= channels: depthwise)")
    figure.add_argument("--layer", help="convolution: draw this layer of MODEL instead (e.g. maxpool1)")


def _arithmetic(args: argparse.Namespace) -> str:
    from .engine.arithmetic import FORMATS, work

    shape = parse_shape(args.input) if args.input else None
    return FORMATS[args.format](work(analyze(args.model, shape, "cpu"), args.layer, args.call))


def _convolution_figure(args: argparse.Namespace) -> str:
    from .drawing import convolution
    from .drawing.figures import check_writable, write_atomically

    fmt = formats.file_format(args.output, ("gif", "svg"))
    if fmt is None:
        shown = Path(args.output).suffix.lower() or args.output
        raise VizcoreError(f"a convolution figure is a .gif (animated) or a .svg (every position), not {shown!r}.")
    if args.layer:
        if len(args.models) != 1:
            raise VizcoreError(
                "--layer draws one layer of one model: give one zoo name, e.g. `figure googlenet --layer maxpool1`."
            )
        shape = parse_shape(args.input) if args.input else None
        drawn = convolution.from_layer(analyze(args.models[0], shape, "cpu"), args.layer)
    elif args.models:
        raise VizcoreError(f"to draw a layer of {args.models[0]}, name it with --layer (e.g. --layer maxpool1).")
    elif args.size is None:
        raise VizcoreError("give --size (and --kernel, --stride, --padding, --dilation), or MODEL --layer NAME.")
    else:
        drawn = convolution.settings(
            args.size, args.kernel, args.stride, args.padding, args.dilation, args.channels, args.groups
        )
    target = check_writable(args.output)
    write_atomically(target, convolution.gif(drawn) if fmt == "gif" else convolution.svg(drawn).encode("utf-8"))
    frames = f", {len(convolution.frame_positions(drawn))} frames" if fmt == "gif" else ""
    return f"wrote {target}: output {drawn.output[0]}x{drawn.output[1]}{frames}\n"


# commands that print what one function returns (summary, graph and blocks share an analysis below)
_TEXT_COMMANDS: dict[str, Callable[[argparse.Namespace], str]] = {
    "build": _build,
    "lecture": _lecture,
    "predict": _predict,
    "figure": _figure,
    "explain": _explain,
    "visualize": lambda args: cli_visualize.run(args, _classifier),
    "training": _training,
    "arithmetic": _arithmetic,
    "quiz": cli_quiz.run,
    "diff": cli_diff.run,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "models":
            sys.stdout.write(_models())
            return 0
        if _command(args) in _TEXT_COMMANDS:
            text = _TEXT_COMMANDS[_command(args)](args)
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
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
            text = formats.dataflow_dot(result) if args.format == "dot" else json.dumps(result.graph(), indent=2) + "\n"
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    except VizcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # a package of an extra that is not installed
        print(f"error: {missing_extra(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `| head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
