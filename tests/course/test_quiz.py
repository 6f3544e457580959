"""Questions from a model's exact numbers: answers are the traced figures, every mistake is the engine's
rule re-run with one change, and the figures below are worked by hand from the papers' layer settings."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from torch import nn

import vizcore
from vizcore.course import quiz
from vizcore.course.answers import AnswerError, parse_answer, parse_number, same
from vizcore.engine.analysis import Analysis
from vizcore.engine.arithmetic import work, working_text
from vizcore.engine.node import Node

MODELS = (
    "lenet5",
    "alexnet",
    "vgg16",
    "resnet18",
    "resnext50_32x4d",
    "alexnet2012",
    "mobilenet_v2",
    "googlenet",
    "efficientnet_b0",  # squeeze-excitation: a gate broadcast onto the map (one receptive-field rule for both)
    "densenet121",  # many blocks in one module: asked by their join
)


@cache
def analysed(model: str) -> Analysis:
    return vizcore.analyze(model, device="cpu")


def mistakes(model: str, layer: str, kind: str) -> dict[str, quiz.Answer]:
    a = analysed(model)
    return {m.mistake: m.answer for m in quiz.layer_mistakes(a, a.layer(layer), kind)}


def _traced(a: Analysis, node: Node, kind: str) -> quiz.Answer:
    """The tracer's own record of a figure (not the worked arithmetic's)."""
    if kind == "shape":
        return list(node.output_shape)
    if kind == "receptive field":
        return node.receptive_field[0] if len(set(node.receptive_field)) == 1 else list(node.receptive_field)
    return {"params": node.params, "macs": node.macs, "memory": node.output_bytes}[kind]


NAMES = {v.mistake for v in quiz.VARIANTS} | {"left out the projection shortcut"}


@pytest.mark.parametrize("model", MODELS)
def test_every_answer_is_the_traced_figure_and_every_mistake_a_named_variant(model: str) -> None:
    a = analysed(model)
    questions = quiz.quiz(a, seed=7, count=40)
    assert len({(q.kind, q.layer) for q in questions}) == len(questions)
    for q in questions:
        if q.kind == "block":
            assert q.answer == a.block(q.layer).params
        else:
            assert q.answer == _traced(a, a.layer(q.layer), q.kind)
            assert q.working == working_text(work(a, q.layer))
        answers = [q.answer, *(m.answer for m in q.mistakes)]
        assert len({json.dumps(x) for x in answers}) == len(answers)  # no variant equal to the answer or another
        for m in q.mistakes:
            assert m.mistake in NAMES
            assert quiz.check(q, quiz.shown(m.answer)).mistake == m.mistake
        assert quiz.check(q, quiz.shown(q.answer)).correct


def test_hand_worked_alexnet_conv1() -> None:
    """11x11 conv, 64, stride 4, padding 2 on 224x224: floor((224 − 11 + 4) / 4) + 1 = 55."""
    found = mistakes("alexnet", "features.0", "memory")
    assert analysed("alexnet").layer("features.0").output_bytes == 64 * 55 * 55 * 4
    assert found["forgot the padding"] == 64 * 54 * 54 * 4  # floor(213 / 4) + 1 = 54
    assert found["forgot the stride (slid the window one pixel at a time)"] == 64 * 218 * 218 * 4
    assert found["rounded up (ceiling) where the rule rounds down (floor)"] == 64 * 56 * 56 * 4  # ceil(54.25) + 1
    assert found["used the input's channels for the output's"] == 3 * 55 * 55 * 4
    assert found["gave the number of values, not bytes (forgot the bytes per value)"] == 64 * 55 * 55
    params = mistakes("alexnet", "features.0", "params")
    assert params == {
        "forgot the bias (one per output channel)": 11 * 11 * 3 * 64,
        "used the input's channels for the output's": 11 * 11 * 3 * 3 + 3,
    }


def test_hand_worked_vgg16_and_lenet5() -> None:
    a = analysed("vgg16")
    q = quiz.layer_question(a, a.layer("features.0"), "params", "t")
    assert q.answer == 1792
    assert quiz.check(q, "1,728").mistake == "forgot the bias (one per output channel)"
    macs = mistakes("vgg16", "features.2", "macs")  # 3x3 conv 64 -> 64 at 224x224, padding 1
    assert analysed("vgg16").layer("features.2").macs == 64 * 224 * 224 * 64 * 9
    assert macs["forgot the padding"] == 64 * 222 * 222 * 64 * 9
    assert macs["counted FLOPs (2 per multiply-add) as MACs"] == 2 * 64 * 224 * 224 * 64 * 9
    assert macs["counted each weight once, not once per output position"] == 64 * 64 * 9
    # LeNet-5's C5 (5x5 kernel) after S4 (field 16, jump 4): 16 + (5 − 1)·4 = 32
    rf = mistakes("lenet5", "c5", "receptive field")
    assert analysed("lenet5").layer("c5").receptive_field == (32, 32)
    assert rf["forgot to multiply K − 1 by the effective stride of the layers before"] == 16 + 4 * 1
    assert rf["added K·j_in instead of (K − 1)·j_in"] == 16 + 5 * 4


def test_grouped_and_depthwise() -> None:
    """ResNeXt's 3x3 conv, 128 channels in 32 groups of 4; MobileNetV2's first 3x3 depthwise, 32 channels."""
    assert mistakes("resnext50_32x4d", "layer1.0.conv2", "params") == {
        "ignored the groups (every filter seeing all input channels)": 3 * 3 * 128 * 128
    }
    assert analysed("resnext50_32x4d").layer("layer1.0.conv2").params == 3 * 3 * 4 * 128
    dw = analysed("mobilenet_v2").layer("features.1.conv.0.0")
    assert (dw.groups, dw.params, dw.macs) == (32, 288, 32 * 112 * 112 * 9)
    found = mistakes("mobilenet_v2", "features.1.conv.0.0", "macs")
    assert found["ignored the groups (every filter seeing all input channels)"] == 32 * 112 * 112 * 9 * 32
    # AlexNet 2012's conv2 in two groups (two GPUs): 5x5x48x256 + 256
    found = mistakes("alexnet2012", "features.conv2", "params")
    assert found["ignored the groups (every filter seeing all input channels)"] == 5 * 5 * 96 * 256 + 256


def test_ceil_mode_pooling_and_blocks() -> None:
    """GoogLeNet's maxpool1 rounds up: ceil((112 − 3) / 2) + 1 = 56; floor gives 55."""
    shape = mistakes("googlenet", "maxpool1", "shape")
    assert shape["rounded down (floor) where this layer rounds up (ceil_mode)"] == [1, 64, 55, 55]
    a = analysed("resnet18")
    q = quiz.block_question(a, a.block("layer2.0"), "b")
    conv1, conv2, shortcut, norms = 3 * 3 * 64 * 128, 3 * 3 * 128 * 128, 64 * 128, 3 * 2 * 128
    assert q.answer == conv1 + conv2 + shortcut + norms == 230_144
    found = {m.mistake: m.answer for m in q.mistakes}
    assert found["left out the projection shortcut"] == conv1 + conv2 + 2 * 2 * 128
    assert found["left out the norm layers' γ and β"] == conv1 + conv2 + shortcut


def test_batch_of_two() -> None:
    a = vizcore.analyze("alexnet", (2, 3, 224, 224), device="cpu")
    found = {m.mistake: m.answer for m in quiz.layer_mistakes(a, a.layer("features.0"), "memory")}
    assert a.layer("features.0").output_bytes == 2 * 64 * 55 * 55 * 4
    assert found["forgot the batch"] == 64 * 55 * 55 * 4


def test_onnx_file(tmp_path: Path) -> None:
    from tests.support.onnx_files import export

    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, groups=2))
    a = vizcore.analyze(export(model, tmp_path / "small.onnx", dynamo=False))
    questions = quiz.quiz(a, 3, 20)
    assert {q.kind for q in questions} >= {"shape", "params", "macs", "memory", "receptive field"}
    grouped = next(n for n in a.layers if n.groups == 2)
    assert grouped.params == 3 * 3 * 4 * 16 + 16
    found = {m.mistake: m.answer for m in quiz.layer_mistakes(a, grouped, "params")}
    assert found["ignored the groups (every filter seeing all input channels)"] == 3 * 3 * 8 * 16 + 16


def test_same_seed_same_questions_in_order() -> None:
    a = analysed("resnet18")
    first = [q.to_dict() for q in quiz.quiz(a, 42, 12)]
    assert first == [q.to_dict() for q in quiz.quiz(a, 42, 12)]
    assert first != [q.to_dict() for q in quiz.quiz(a, 43, 12)]
    assert len({q["kind"] for q in first}) == len(quiz.KINDS)  # 12 questions take every kind in turn
    assert json.loads(json.dumps(first)) == first
    assert [quiz.Question.from_dict(q).to_dict() for q in first] == first


def test_never_asks_a_figure_a_layer_lacks() -> None:
    a = analysed("resnet18")
    with pytest.raises(quiz.QuizError, match=r"relu.*has no params"):
        quiz.layer_question(a, a.layer("relu"), "params", "x")
    asked = quiz.quiz(a, 1, 100)
    assert all(a.layer(q.layer).params for q in asked if q.kind == "params")
    assert all(a.layer(q.layer).macs for q in asked if q.kind == "macs")


@pytest.mark.parametrize("seed", ["-1", "x", "1.5", "9" * 10_000, "2147483648", ""])
def test_bad_seed_is_one_sentence(seed: str) -> None:
    with pytest.raises(quiz.QuizError, match=r"^seed .* is not a whole number from 0 to 2,147,483,647") as info:
        quiz.check_seed(seed)
    assert len(str(info.value)) < 120


@pytest.mark.parametrize(
    ("text", "kind", "target", "right"),
    [
        ("1,728", "params", 1728, True),
        ("1 728 params", "params", 1728, True),
        ("1728.0", "params", 1728, True),
        ("1.7e3", "params", 1728, True),
        ("1.7e3", "params", 1800, False),
        ("23.5k", "params", 23_464, True),
        ("23.5k", "params", 23_232, False),
        ("774,400 bytes", "memory", 774_400, True),
        ("756.25 KB", "memory", 774_400, True),
        ("0.74 MB", "memory", 774_400, True),
        ("64x56x56", "shape", [1, 64, 56, 56], True),
        ("[1, 64, 56, 56]", "shape", [1, 64, 56, 56], True),
        ("(64,56,56)", "shape", [1, 64, 56, 56], True),
        ("1 × 64 × 55 × 55", "shape", [1, 64, 56, 56], False),
        ("1000", "shape", [1, 1000], True),
        ("11x11", "receptive field", 11, True),
        ("11", "receptive field", [11, 11], True),
        ("1,003", "receptive field", 1003, True),  # ResNet-101's last layers see past the input
        ("1,003", "receptive field", [1003, 1003], True),
    ],
)
def test_answers_read_as_students_write_them(text: str, kind: str, target: quiz.Answer, right: bool) -> None:
    assert same(parse_answer(text, kind), target) is right


@pytest.mark.parametrize(
    ("text", "kind", "sentence"),
    [
        ("9" * 10_000, "params", "at most 200 characters; this one has 10,000"),
        ("9" * 150, "params", "more digits than any figure"),
        ("**1728**", "params", "is not a number"),
        ("<b>1728</b>", "params", "is not a number"),
        ("1,5", "params", "is not a number"),
        ("-3", "params", "is not a number"),
        ("x".join(["2"] * 50), "shape", "at most 8 dimensions; this one has 50"),
        ("[1, 64, 56, 'a']", "shape", "is not a shape"),
        ("", "shape", "is not a shape"),
    ],
)
def test_hostile_answers_get_one_sentence(text: str, kind: str, sentence: str) -> None:
    with pytest.raises(AnswerError, match=sentence) as info:
        parse_answer(text, kind)
    assert len(str(info.value)) < 120 and "\n" not in str(info.value)


def test_teachers_own_question() -> None:
    q = quiz.own_question("How many layers with weights does AlexNet have?", "8")
    assert (q.kind, q.answer, q.mistakes) == ("own", 8, ())
    assert quiz.check(q, "8").correct and not quiz.check(q, "7").correct
    with pytest.raises(quiz.QuizError, match="exact whole number"):
        quiz.own_question("About how many parameters?", "61M")
    with pytest.raises(AnswerError, match="is not a number"):
        quiz.own_question("Name it", "AlexNet")
    assert parse_number("61M").value == 61_000_000


def test_squeeze_excitation_fields_are_asked_and_every_mistake_can_be_written() -> None:
    """RegNet-Y's gates once gave fields of ~10^20 pixels; now every windowed layer's field is asked."""
    a = vizcore.analyze("regnet_y_400mf", device="cpu")
    assert max(max(n.receptive_field or (0,)) for n in a.layers) < 4 * 224
    windows = [n for n in a.layers if n.op in ("conv", "max_pool") and n.kernel and n.receptive_field]
    assert quiz.candidates(a)["receptive field"] == windows  # none left out for disagreeing or being huge
    for q in quiz.quiz(a, 5, 100):
        for m in q.mistakes:
            assert quiz.check(q, quiz.shown(m.answer)).mistake == m.mistake
