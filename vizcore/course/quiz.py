"""Questions about a model's exact numbers, each wrong answer explained by the mistake that produces it.

A question asks for one figure of one layer (its output shape, parameters, multiply-adds, output memory,
the receptive field after it) or one block's total parameters. Its answer and its working are the
engine's worked arithmetic (``vizcore.engine.arithmetic``). Its mistakes are that same arithmetic re-run
on a changed layer: the bias dropped, the padding dropped, the groups ignored, ... (``VARIANTS``); a
variant that lands on the right answer, or on another variant's, is not offered.

The same analysis and seed give the same questions in the same order.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine.analysis import Analysis
from ..engine.arithmetic import Working, work_node, working_text
from ..engine.blocks import Block
from ..engine.node import Node
from ..engine.receptive import Field
from ..engine.receptive import fields as receptive_fields
from ..errors import VizcoreError
from ..shapes import format_shape
from .answers import MAX_ANSWER, Given, parse_answer, parse_number, same

Answer = int | list[int]
KINDS = ("shape", "params", "macs", "memory", "receptive field", "block")
MAX_SEED = 2**31 - 1
MAX_COUNT = 100
WINDOWS = ("conv", "pool")  # working kinds with a kernel that slides


class QuizError(VizcoreError, ValueError):
    """A seed, a count or a teacher's question that cannot be used."""


# -- mistakes: the engine's rule, re-run on a changed layer ---------------------------------------------
def _batch_of_one(node: Node) -> Node:
    return dataclasses.replace(
        node,
        input_shapes=tuple((1, *s[1:]) if s else s for s in node.input_shapes),
        output_shape=(1, *node.output_shape[1:]),
        output_bytes=node.output_bytes // node.output_shape[0],  # the arithmetic reads the value size from it
    )


def _input_channels_out(node: Node) -> Node:
    """Cout taken to be Cin: the output's channels (a conv) or features (a linear layer) set to the input's."""
    c_in = node.input_shapes[0][1] if node.op == "conv" else node.input_shapes[0][-1]
    out = list(node.output_shape)
    out[1 if node.op == "conv" else -1] = c_in
    return dataclasses.replace(node, output_shape=tuple(out))


def _unit_jumps(analysis: Analysis) -> Analysis:
    """Every layer's effective stride set to 1, as if the strides before did not spread the pixels apart."""
    layers = tuple(dataclasses.replace(n, effective_stride=(1,) * len(n.effective_stride)) for n in analysis.layers)
    return dataclasses.replace(analysis, layers=layers)


def _wider_window(node: Node) -> Node:
    """The kernel one wider, padded by one more so that it still fits (only its receptive field is read)."""
    return dataclasses.replace(
        node,
        kernel=tuple(k + 1 for k in node.kernel),
        padding=tuple(p + 1 for p in node.padding or (0,) * len(node.kernel)),
    )


def _same(analysis: Analysis) -> Analysis:
    return analysis


def _as_is(node: Node) -> Node:
    return node


@dataclass(frozen=True)
class Variant:
    """One mistake: the rule run on ``change(node)`` (in ``rewrite(analysis)``), reading figure ``reads``."""

    mistake: str
    kinds: frozenset[str]  # question kinds it gives a wrong answer for
    applies: Callable[[Node, str], bool]  # (layer, working kind) -> whether the mistake can be made there
    change: Callable[[Node], Node] = _as_is
    rewrite: Callable[[Analysis], Analysis] = _same
    reads: str = ""  # a different figure of the same working (FLOPs for MACs); "" reads the asked one


def _kinds(*names: str) -> frozenset[str]:
    return frozenset(names)


SIZES = _kinds("shape", "macs", "memory")
VARIANTS: tuple[Variant, ...] = (
    Variant(
        "forgot the bias (one per output channel)",
        _kinds("params", "block"),
        lambda n, k: k in ("conv", "linear") and n.bias,
        lambda n: dataclasses.replace(n, bias=False),
    ),
    Variant(
        "left out the norm layers' γ and β",
        _kinds("block"),
        lambda n, k: k == "norm" and n.bias,
        lambda n: dataclasses.replace(n, bias=False),
    ),
    Variant(
        "forgot the padding",
        SIZES,
        lambda n, k: k in WINDOWS and (any(n.padding) or n.padding_mode == "same"),
        lambda n: dataclasses.replace(n, padding=(0,) * len(n.kernel), padding_mode=""),
    ),
    Variant(
        "forgot the stride (slid the window one pixel at a time)",
        SIZES,
        lambda n, k: k in WINDOWS and any(s != 1 for s in n.stride or n.kernel),
        lambda n: dataclasses.replace(n, stride=(1,) * len(n.kernel)),
    ),
    Variant(
        "rounded up (ceiling) where the rule rounds down (floor)",
        SIZES,
        lambda n, k: k in WINDOWS and not n.ceil_mode,
        lambda n: dataclasses.replace(n, ceil_mode=True),
    ),
    Variant(
        "rounded down (floor) where this layer rounds up (ceil_mode)",
        SIZES,
        lambda n, k: k in WINDOWS and n.ceil_mode,
        lambda n: dataclasses.replace(n, ceil_mode=False),
    ),
    Variant(
        "ignored the groups (every filter seeing all input channels)",
        _kinds("params", "macs", "block"),
        lambda n, k: k == "conv" and n.groups > 1,
        lambda n: dataclasses.replace(n, groups=1),
    ),
    Variant(
        "used the input's channels for the output's",
        _kinds("shape", "params", "macs", "memory"),
        lambda n, k: k in ("conv", "linear"),
        _input_channels_out,
    ),
    Variant(
        "counted FLOPs (2 per multiply-add) as MACs",
        _kinds("macs"),
        lambda n, k: k in ("conv", "linear"),
        reads="flops",
    ),
    Variant(
        "counted each weight once, not once per output position",
        _kinds("macs"),
        lambda n, k: k == "conv",
        lambda n: dataclasses.replace(n, bias=False),
        reads="params",
    ),
    Variant("forgot the batch", SIZES, lambda n, k: bool(n.output_shape) and n.output_shape[0] > 1, _batch_of_one),
    Variant(
        "gave the number of values, not bytes (forgot the bytes per value)",
        _kinds("memory"),
        lambda n, k: True,
        rewrite=lambda a: dataclasses.replace(a, dtype="int8"),
    ),
    Variant(
        "forgot to multiply K − 1 by the effective stride of the layers before",
        _kinds("receptive field"),
        lambda n, k: k in WINDOWS,
        rewrite=_unit_jumps,
    ),
    Variant(
        "added K·j_in instead of (K − 1)·j_in",
        _kinds("receptive field"),
        lambda n, k: k in WINDOWS,
        _wider_window,
    ),
    Variant(
        "forgot the dilation",
        _kinds("shape", "macs", "memory", "receptive field"),
        lambda n, k: k == "conv" and any(d > 1 for d in n.dilation),
        lambda n: dataclasses.replace(n, dilation=(1,) * len(n.kernel)),
    ),
)


def graph_fields(analysis: Analysis) -> dict[int, Field | None]:
    """Every layer's receptive field, worked once for a question's many workings."""
    return receptive_fields(analysis.layers, analysis.edges, analysis.input_shape)


# -- questions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mistake:
    answer: Answer
    mistake: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # one of KINDS, or "own" for a teacher's question
    layer: str  # a layer's name, a block's name, or "" for a teacher's question
    question: str
    answer: Answer
    unit: str  # what the answer counts: "shape", "parameters", "MACs", "bytes", "pixels", or the teacher's
    working: str
    mistakes: tuple[Mistake, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The question as JSON data: answers as the engine's numbers (shapes as lists, memory in bytes)."""
        data = dataclasses.asdict(self)
        data["mistakes"] = list(data["mistakes"])
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Question:
        """A question as ``to_dict`` wrote it (a room keeps questions as JSON)."""
        mistakes = tuple(Mistake(m["answer"], m["mistake"]) for m in data.get("mistakes", ()))
        return Question(
            id=str(data["id"]),
            kind=str(data["kind"]),
            layer=str(data.get("layer", "")),
            question=str(data["question"]),
            answer=data["answer"],
            unit=str(data.get("unit", "")),
            working=str(data.get("working", "")),
            mistakes=mistakes,
        )


def _figure(w: Working, kind: str, reads: str = "") -> Answer:
    if reads:
        value: Any = getattr(w, reads)
    elif kind == "shape":
        value = list(w.output_shape)
    else:
        value = {"params": w.params, "block": w.params, "macs": w.macs, "memory": w.memory_bytes}.get(kind)
        if kind == "receptive field":
            field_ = list(w.receptive_field)
            value = field_[0] if len(set(field_)) == 1 else field_
    return value if isinstance(value, list) else int(value)


def _has(w: Working, node: Node, kind: str) -> bool:
    """Whether ``node`` has the figure ``kind`` asks for (a ReLU has no parameters to ask about)."""
    if kind == "shape":
        return w.kind in ("conv", "pool", "adaptive pool", "linear", "concat")
    if kind == "params":
        return w.params > 0 and node.call == 1 and w.kind in ("conv", "linear", "norm")
    if kind == "macs":
        return w.macs > 0
    if kind == "memory":
        return bool(w.kind) and node.new_memory and w.memory_bytes > 0
    if kind == "receptive field":
        return w.kind in WINDOWS and bool(w.receptive_field)
    return False


def _traced(node: Node, kind: str) -> Any:
    """The tracer's own record of the figure (the working is done again from the layer's settings)."""
    return {
        "shape": list(node.output_shape),
        "params": node.params,
        "macs": node.macs,
        "memory": node.output_bytes,
        "receptive field": list(node.receptive_field),
    }[kind]


def _asks(w: Working, node: Node, kind: str) -> bool:
    """Whether to ask about ``kind`` at ``node``: it has the figure, and its working lands on the traced one
    (where the two differ, a student shown the working would be told two answers)."""
    if not _has(w, node, kind):
        return False
    answer = _figure(w, kind)
    if kind == "receptive field":
        answer = list(w.receptive_field)
    return bool(answer == _traced(node, kind))


def _offered(right: Answer, found: Sequence[tuple[Answer, str]]) -> tuple[Mistake, ...]:
    """The variants' answers that differ from the right one and from each other (the first name stays)."""
    seen: list[Answer] = [right]
    kept = []
    for answer, mistake in found:
        if answer not in seen:
            seen.append(answer)
            kept.append(Mistake(answer, mistake))
    return tuple(kept)


def layer_mistakes(analysis: Analysis, node: Node, kind: str) -> tuple[Mistake, ...]:
    """Each variant of the rule that applies to ``node`` for ``kind``, re-run, with the answer it gives."""
    fields = graph_fields(analysis)  # the variants change one layer or the figures recorded, not the graph
    right = work_node(analysis, node, fields)
    found = []
    for v in VARIANTS:
        if kind not in v.kinds or not v.applies(node, right.kind):
            continue
        changed = v.rewrite(analysis)
        base = changed.node(node.id) if changed is not analysis else node
        try:
            found.append((_figure(work_node(changed, v.change(base), fields), kind, v.reads), v.mistake))
        except VizcoreError:  # the changed window leaves no output: nobody answers that
            continue
    return _offered(_figure(right, kind), found)


def _input_text(w: Working) -> str:
    return ", ".join(format_shape(s) for s in w.input_shapes)


def layer_question(analysis: Analysis, node: Node, kind: str, qid: str) -> Question:
    w = work_node(analysis, node)
    if not _asks(w, node, kind):
        raise QuizError(f"{node.name} ({node.label or node.op}) has no {kind} to ask about; pick another layer.")
    name = f"{node.name} ({node.label or node.op})"
    dtype = analysis.dtype.removeprefix("torch.")
    text, unit = {
        "shape": (f"What is the output shape (N×C×H×W) of {name}? Its input is {_input_text(w)}.", "shape"),
        "params": (
            f"How many parameters (weights and biases) does {name} have? Its input is {_input_text(w)}.",
            "parameters",
        ),
        "macs": (f"How many multiply-adds (MACs) does {name} do on its input of {_input_text(w)}?", "MACs"),
        "memory": (
            f"How many bytes does the output of {name} take in {dtype}? Its input is {_input_text(w)}.",
            "bytes",
        ),
        "receptive field": (
            f"What is the receptive field after {name}: how many input pixels across does one of its "
            f"output pixels see? The model's input is {format_shape(analysis.input_shape)}.",
            "pixels",
        ),
    }[kind]
    return Question(
        qid, kind, node.name, text, _figure(w, kind), unit, working_text(w), layer_mistakes(analysis, node, kind)
    )


# -- a block's total ---------------------------------------------------------------------------------
def _members(analysis: Analysis, block: Block) -> list[Node]:
    names = set(block.layers)
    first: dict[str, Node] = {}
    for n in analysis.layers:
        if n.name in names and n.call == 1:
            first.setdefault(n.name, n)
    return list(first.values())


def _block_total(analysis: Analysis, members: Sequence[Node], variant: Variant | None = None) -> int:
    total = 0
    changed = variant.rewrite(analysis) if variant else analysis
    fields = graph_fields(analysis)
    for n in members:
        w = work_node(analysis, n, fields)
        if variant and variant.applies(n, w.kind):
            w = work_node(changed, variant.change(n), fields)
        total += w.params
    return total


def block_question(analysis: Analysis, block: Block, qid: str) -> Question:
    members = _members(analysis, block)
    right = _block_total(analysis, members)
    lines = [f"{block.name or 'the model'} ({block.kind} block, {len(members)} layers): params of each layer"]
    fields = graph_fields(analysis)
    for n in members:
        w = work_node(analysis, n, fields)
        step = next((s for s in w.steps if s.quantity == "params"), None)
        if step is not None and w.params:
            lines.append(f"  {n.name}: {step.working}")
    lines.append(f"  total = {right:,}")
    found: list[tuple[Answer, str]] = [
        (_block_total(analysis, members, v), v.mistake) for v in VARIANTS if "block" in v.kinds
    ]
    skip = set(block.skip.layers) if block.kind == "residual" and block.shortcut == "projection" else set()
    if skip:
        found.append(
            (_block_total(analysis, [n for n in members if n.name not in skip]), "left out the projection shortcut")
        )
    shared = sum(1 for b in analysis.blocks if b.name == block.name) > 1  # DenseNet: one module, many joins
    where = block.join if shared or not block.name else block.name
    text = (
        f"How many parameters does the {block.kind} block {where} have in all (its {len(members)} layers, "
        f"from {format_shape(block.input_shape)} to {format_shape(block.output_shape)})?"
    )
    return Question(qid, "block", where, text, right, "parameters", "\n".join(lines) + "\n", _offered(right, found))


# -- a quiz: the same seed, the same questions ---------------------------------------------------
def check_seed(value: str | int) -> int:
    """A seed from a URL, a command line or a form: a whole number from 0 to 2,147,483,647."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,10}", text) or int(text) > MAX_SEED:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise QuizError(f"seed {shown!r} is not a whole number from 0 to {MAX_SEED:,}: e.g. 1, 42 or 2026.")
    return int(text)


def candidates(analysis: Analysis) -> dict[str, list[Node | Block]]:
    """Per kind, what a question of that kind can be about, in execution order."""
    found: dict[str, list[Node | Block]] = {k: [] for k in KINDS}
    fields = graph_fields(analysis)
    for node in analysis.layers:
        try:
            w = work_node(analysis, node, fields)
        except VizcoreError:  # a layer whose working cannot be done is not asked about
            continue
        for kind in KINDS[:-1]:
            if _asks(w, node, kind):
                found[kind].append(node)
    found["block"] = [b for b in analysis.blocks if b.params > 0]
    return found


def quiz(analysis: Analysis, seed: int, count: int = 10, kinds: Sequence[str] = KINDS) -> list[Question]:
    """``count`` questions about ``analysis``, drawn by ``seed``: kinds taken in turn (in an order the seed
    picks), each about a layer (or block) the seed picks, no question twice. Fewer when the model runs out."""
    seed = check_seed(seed)
    if not 1 <= count <= MAX_COUNT:
        raise QuizError(f"a quiz has 1 to {MAX_COUNT} questions, not {count}.")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise QuizError(f"no question kind {unknown[0]!r}: the kinds are {', '.join(KINDS)}.")
    rng = random.Random(seed)
    pools = {k: v for k, v in candidates(analysis).items() if k in kinds and v}
    for pool in pools.values():
        rng.shuffle(pool)
    order = sorted(pools, key=KINDS.index)
    rng.shuffle(order)
    questions: list[Question] = []
    while len(questions) < count and any(pools.values()):
        for kind in order:
            if len(questions) == count or not pools[kind]:
                continue
            subject = pools[kind].pop()
            qid = f"{seed}-{len(questions) + 1}"
            if isinstance(subject, Block):
                questions.append(block_question(analysis, subject, qid))
            else:
                questions.append(layer_question(analysis, subject, kind, qid))
    return questions


def own_question(text: str, answer: str, qid: str = "own") -> Question:
    """A teacher's own question with a numeric answer (no working, no known mistakes)."""
    question = " ".join(text.split())
    if not question or len(question) > 500:
        raise QuizError("a question is 1 to 500 characters of text.")
    if len(answer) > MAX_ANSWER:
        raise QuizError(f"an answer is at most {MAX_ANSWER} characters.")
    number = parse_number(answer)
    if number.step != 1 or number.value.denominator != 1:
        raise QuizError(f"the answer {answer.strip()!r} must be an exact whole number, e.g. 1728.")
    return Question(qid, "own", "", question, int(number.value), "", f"answer: {int(number.value):,}\n")


# -- checking an answer --------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    correct: bool
    mistake: str  # the mistake that gives this answer; "" when right or when no known mistake does
    sentence: str  # what to tell the student, in one sentence


def shown(answer: Answer) -> str:
    """An answer as the class sees it: 1,728 or 1×64×56×56."""
    return "×".join(map(str, answer)) if isinstance(answer, list) else f"{answer:,}"


def diagnose(question: Question, given: Given) -> Verdict:
    if same(given, question.answer):
        return Verdict(True, "", f"Right: {shown(question.answer)}.")
    for m in question.mistakes:
        if same(given, m.answer):
            return Verdict(
                False,
                m.mistake,
                f"Not quite: {shown(m.answer)} is what you get if you {m.mistake}; the answer is {shown(question.answer)}.",
            )
    return Verdict(False, "", f"Not quite: the answer is {shown(question.answer)}.")


def check(question: Question, text: str) -> Verdict:
    """A student's text checked against ``question``; raises ``AnswerError`` (one sentence) for text that
    is no number or shape."""
    return diagnose(question, parse_answer(text, question.kind))
