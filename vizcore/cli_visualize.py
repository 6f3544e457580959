"""``vizcore visualize``: what a channel wants (vizcore.photos.featurevis), one PNG per channel and a grid."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .cli_types import at_least_one
from .errors import VizcoreError

if TYPE_CHECKING:
    from .photos import inference

P = TypeVar("P", bound=argparse.ArgumentParser)
MAX_CHANNELS = 64  # the most images one batch holds (featurevis.MAX_IMAGES), checked before any list is built
_TERM = re.compile(r"(\d{1,9})(?:-(\d{1,9}))?")


def channel_list(text: str) -> tuple[int, ...]:
    """``0,5,9`` or ``0-15`` (or both, ``0-3,9``): an argparse type whose error names the value and the bound."""
    shown = text if len(text) <= 20 else text[:17] + "..."
    terms = text.replace(" ", "").split(",") if len(text) <= 2000 else []
    matches = [_TERM.fullmatch(t) for t in terms]
    if not terms or not all(matches):
        raise argparse.ArgumentTypeError(
            f"--channels {shown!r} must be whole numbers separated by commas, or ranges like 0-15"
        )
    spans = [(int(m[1]), int(m[2] or m[1])) for m in matches if m]
    if any(b < a for a, b in spans):
        raise argparse.ArgumentTypeError(f"--channels {shown!r} has a range that runs backwards")
    if sum(b - a + 1 for a, b in spans) > MAX_CHANNELS:
        raise argparse.ArgumentTypeError(f"--channels {shown!r} names more than {MAX_CHANNELS} channels: ask for fewer")
    return tuple(dict.fromkeys(c for a, b in spans for c in range(a, b + 1)))


def _seed(text: str) -> int:
    if not re.fullmatch(r"\d{1,19}", text.strip()) or int(text) >= 2**63:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise argparse.ArgumentTypeError(f"--seed {shown!r} must be a whole number from 0 to 2**63 - 1")
    return int(text)


def add_parser(sub: argparse._SubParsersAction[P]) -> None:
    cmd = sub.add_parser("visualize", help="what a channel wants: an image optimised to excite it (Distill 2017)")
    cmd.add_argument("--layer", required=True, help="a convolution, named as `explain --layer` takes it, or logits")
    cmd.add_argument(
        "--channels", required=True, type=channel_list, help=f"e.g. 0,5,9 or 0-15 (at most {MAX_CHANNELS})"
    )
    cmd.add_argument("--model", default=None, help="a zoo name with torchvision weights, or an .onnx file with weights")
    cmd.add_argument("--weights", metavar="FILE", help="your own state_dict for --model (.pth, .pt or .safetensors)")
    cmd.add_argument("--random", action="store_true", help="allow random weights (the images then mean nothing)")
    cmd.add_argument("--seed", type=_seed, default=0, help="the same seed gives the same images (default 0)")
    # bounds and defaults are featurevis's (checked there, in one sentence): torch is not loaded for --help
    cmd.add_argument("--steps", type=at_least_one("--steps"), default=None, help="optimisation steps (default 256)")
    cmd.add_argument("--size", type=at_least_one("--size"), default=None, help="pixels a side (default 128)")
    cmd.add_argument(
        "--diversity", type=at_least_one("--diversity"), default=1, metavar="K", help="K different images per channel"
    )
    cmd.add_argument("--output", required=True, metavar="DIR", help="where the PNGs go (made if missing)")
    cmd.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the best available)")


def run(args: argparse.Namespace, classifier: Callable[[argparse.Namespace], inference.Classifier]) -> str:
    """Write DIR/<channel>.png (DIR/<channel>-<k>.png with --diversity K) and DIR/grid.png."""
    from .photos import featurevis as fv
    from .photos import inference

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise VizcoreError(f"--output {args.output} is a file, not a folder.")
    if args.random:
        if args.weights or not args.model:
            raise VizcoreError("--random takes a zoo --model and no --weights.")
        clf = inference.random_classifier(args.model, args.device)
    else:
        clf = classifier(args)
    request = fv.Request(
        args.layer,
        args.channels,
        args.diversity,
        args.steps or fv.DEFAULT_STEPS,
        args.size or fv.DEFAULT_SIZE,
        args.seed,
    )
    fv.check_request(clf, request, allow_random=args.random)  # before minutes of work, and before writing

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and (done % 8 == 0 or done == total):
            print(f"\rstep {done}/{total}", end="\n" if done == total else "", file=sys.stderr)

    found = fv.visualise(clf, request, on_progress=progress, allow_random=args.random)
    written = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        for channel, row in zip(request.channels, found.images(), strict=True):
            for k, image in enumerate(row):
                name = f"{channel}.png" if len(row) == 1 else f"{channel}-{k}.png"
                image.save(output / name)
                written.append(name)
        pictures = [p for row in found.pictures for p in row]
        fv.to_pil(fv.grid(pictures, columns=args.diversity if args.diversity > 1 else 8)).save(output / "grid.png")
    except OSError as exc:
        raise VizcoreError(f"cannot write to {args.output} ({exc.strerror or exc}).") from exc
    warning = "" if clf.pretrained else " (random weights: these images mean nothing)"
    scores = ", ".join(f"{c}: {max(a):.3g}" for c, a in zip(request.channels, found.activations, strict=True))
    what = "logit" if request.layer == fv.LOGITS else "mean activation"
    return (
        f"{clf.name} {request.layer}, {len(written)} images of {request.size} px after {request.steps} steps, "
        f"written to {output}/ with grid.png{warning}\n{what} reached: {scores}\n"
    )
