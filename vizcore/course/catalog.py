"""Every lecture table by id: its title and convention (stated here once), its builder, and the doors to them.

A table's deck and slide come from the deck files (``checker``); each builder turns the slide's printed
rows into checked rows, taking every analysis from the ``get`` it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..api import analyze
from ..engine.analysis import Analysis
from ..errors import VizcoreError
from ..shapes import Shape
from . import alexnet_tables, googlenet_tables, overview_tables, resnet_tables
from .checker import SlideTable, slide_tables
from .rows import Getter, LectureTable, Row


class UnknownTableError(VizcoreError):
    """A table id that is not one of ours."""


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    convention: str
    build: Callable[[Getter, SlideTable], tuple[Row, ...]] = field(repr=False)


_KB = "KB = 1024 bytes."
TABLES = (
    TableSpec(
        "alexnet-227",
        "AlexNet layer by layer at 227x227 (memory KB, params k, MFLOP)",
        f"torchvision's AlexNet (64-192-384-256-256 filters) at 3x227x227; flop = multiply-adds; {_KB}",
        alexnet_tables.alexnet_227,
    ),
    TableSpec(
        "alexnet-vs-vgg16",
        "AlexNet vs VGG-16: total memory, params and GFLOP",
        "AlexNet at 227, VGG-16 at 224; memory = conv and fc outputs x 4 bytes, MB = 1024 x 1024 bytes; "
        "GFLOP = 10^9 multiply-adds.",
        alexnet_tables.alexnet_vs_vgg16,
    ),
    TableSpec(
        "googlenet-stem",
        "GoogLeNet's aggressive stem, layer by layer",
        f"googlenet_paper (the paper's layers) at 224; flop = multiply-adds, K x K per pooled output; {_KB}",
        googlenet_tables.googlenet_stem,
    ),
    TableSpec(
        "googlenet-stem-totals",
        "GoogLeNet's stem from 224 to 28 in total, against VGG-16's",
        "googlenet_paper and VGG-16 at 224; the stem's memory counts every row of its table (pools too), VGG-16's its "
        "conv outputs; MFLOP = 10^6 multiply-adds; MB = 1024 x 1024 bytes.",
        googlenet_tables.googlenet_stem_totals,
    ),
    TableSpec(
        "googlenet-head",
        "GoogLeNet's head: global average pooling and one linear layer",
        f"googlenet_paper at 224; flop = multiply-adds (7 x 7 per pooled output); {_KB}",
        googlenet_tables.googlenet_head,
    ),
    TableSpec(
        "vgg16-head",
        "VGG-16's head, for comparison: three big fc layers",
        f"torchvision's VGG-16 at 224; flop = multiply-adds; {_KB}",
        alexnet_tables.vgg16_head,
    ),
    TableSpec(
        "resnet-stem",
        "ResNet's stem: the same aggressive downsampling as GoogLeNet",
        "torchvision's ResNet-18 at 224 (every ResNet has this stem; its conv has no bias, 9,408 weights); "
        f"flop = multiply-adds, K x K per pooled output; {_KB}",
        resnet_tables.resnet_stem,
    ),
    TableSpec(
        "resnet-stages",
        "ResNet stage by stage: blocks, layers, GFLOP",
        "Layers per stage count the main path's convolutions (projection shortcuts are not layers here, as in the "
        "slide); GFLOP = 10^9 multiply-adds of the paper's v1 at 224. The top-5 errors are torchvision's, as "
        "printed: not computed here.",
        resnet_tables.resnet_stages,
    ),
    TableSpec(
        "resnet-table1",
        "ResNet, Table 1 of the paper: output sizes and FLOPs, 18 to 152 layers",
        "The paper's FLOPs are multiply-adds at 224; v1 = resnet{50,101,152}_v1 (stride in the first 1x1), "
        "v1.5 = torchvision's.",
        resnet_tables.resnet_table1,
    ),
    TableSpec(
        "alexnet-2gpu",
        "AlexNet as trained on two GPUs: parameters and neurons per layer",
        "alexnet2012 (96-256-384-384-256 filters, conv2/4/5 split into two groups) at 227; K = 1000, M = 10^6; "
        "neurons = output elements.",
        alexnet_tables.alexnet_2gpu,
    ),
    TableSpec(
        "popular-cnns",
        "AlexNet, VGG-16, VGG-19: layers and parameters",
        "torchvision's models at 224; params with biases.",
        overview_tables.popular_cnns,
    ),
    TableSpec(
        "fc-sizes",
        "Why the big fc layers had to go: their sizes",
        "The deck's own AlexNet (Dive into Deep Learning: one input channel at 224) is built here and traced; "
        "params with biases unless the slide's formula leaves them out; ~412MB is decimal megabytes.",
        overview_tables.fc_sizes,
    ),
    TableSpec(
        "googlenet-table1",
        "GoogLeNet, Table 1 of the paper: params and ops per layer",
        "googlenet_paper, built from Table 1's own columns (5x5 convolutions, biases, no batch norm) at 224; "
        "ops = multiply-adds.",
        googlenet_tables.googlenet_table1,
    ),
    TableSpec(
        "recap",
        "The architectures at a glance: year, authors, error, parameters",
        "Params: LeNet-5 in thousands, the others in millions; ResNet row = ResNet-152 (v1). Error rates are the "
        "ILSVRC top-5 figures as printed: published results, not computed here (see the ILSVRC chart for sources).",
        overview_tables.recap,
    ),
    TableSpec(
        "cifar-resnets",
        "ResNets on CIFAR-10: layers and parameters (He et al. Table 6)",
        "Built here from the paper's recipe (6n + 2 layers of 16/32/64 channels, parameter-free shortcuts) at "
        "3x32x32 and traced; layers = convolutions + the fc layer.",
        resnet_tables.cifar_resnets,
    ),
    TableSpec(
        "architecture-notes",
        "Parameter counts quoted on the architecture slides",
        "MM = million; params with biases; AlexNet = the paper's two-GPU network, GoogLeNet = the paper's layers.",
        overview_tables.architecture_notes,
    ),
)


def memo_getter() -> Getter:
    """A getter that analyses each (model, shape) once on the CPU: for the CLI and tests (the app passes its own)."""
    memo: dict[tuple[str, Shape], Analysis] = {}

    def fetch(model: str, shape: Shape) -> Analysis:
        if (model, shape) not in memo:
            memo[(model, shape)] = analyze(model, shape, device="cpu")
        return memo[(model, shape)]

    return fetch


def list_tables() -> list[tuple[str, str, str]]:
    """(id, title, deck) of every table, in deck order."""
    slides = slide_tables()
    return [(t.id, t.title, slides[t.id].deck) for t in TABLES]


def table_ids() -> list[str]:
    return [t.id for t in TABLES]


def check_table_id(table_id: str) -> str:
    if table_id not in table_ids():
        raise UnknownTableError(f"there is no lecture table {table_id!r}; the tables are: {', '.join(table_ids())}.")
    return table_id


def lecture_table(table_id: str, get: Getter | None = None) -> LectureTable:
    """Build one table; ``get(model, shape)`` supplies analyses (pass a cached one in an app)."""
    check_table_id(table_id)
    spec = next(t for t in TABLES if t.id == table_id)
    slide = slide_tables()[table_id]
    rows = spec.build(get if get is not None else memo_getter(), slide)
    return LectureTable(spec.id, spec.title, slide.deck, slide.slide, spec.convention, rows)


def tables_index() -> str:
    """What ``python -m vizcore lecture`` prints: id, deck and title of every table."""
    width = max(len(i) for i in table_ids())
    return "\n".join(f"{i:<{width}}  deck {d}  {title}" for i, title, d in list_tables()) + "\n"
