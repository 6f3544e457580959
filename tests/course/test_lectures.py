"""The decks' tables against the models: expected counts derived here from layer sizes, and the flags."""

from __future__ import annotations

import json

import pytest

import vizcore
from vizcore import api, cli
from vizcore.course import (
    alexnet_tables,
    checker,
    googlenet_tables,
    lectures,
    overview_tables,
    render,
    resnet_tables,
    rows,
)
from vizcore.course.lectures import LectureTable

FLOAT32 = 4


@pytest.fixture(scope="module")
def get() -> lectures.Getter:
    return lectures.memo_getter()  # one analysis per model for the whole module


@pytest.fixture(scope="module")
def tables(get: lectures.Getter) -> dict[str, LectureTable]:
    return {i: lectures.lecture_table(i, get) for i in lectures.table_ids()}


def counts(t: LectureTable, quantity: str) -> dict[str, int | None]:
    return {r.label: f.count for r in t.rows for f in r.figures if f.quantity == quantity}


def flagged(t: LectureTable) -> set[tuple[str, str]]:
    return {(r.label, f.quantity) for r, f in t.flagged}


def test_every_table_is_listed_with_its_deck() -> None:
    ids = lectures.table_ids()
    assert len(ids) == len(set(ids)) >= 12
    assert {d for _, _, d in lectures.list_tables()} == set(lectures.deck_titles())


def test_alexnet_227(tables: dict[str, LectureTable]) -> None:
    t = tables["alexnet-227"]
    conv = {  # (C_out, C_in, K, H_out)
        "conv1": (64, 3, 11, 56),
        "conv2": (192, 64, 5, 27),
        "conv3": (384, 192, 3, 13),
        "conv4": (256, 384, 3, 13),
        "conv5": (256, 256, 3, 13),
    }
    params, flop, memory = counts(t, "params (k)"), counts(t, "flop (M)"), counts(t, "memory (KB)")
    for name, (co, ci, k, h) in conv.items():
        assert params[name] == co * (ci * k * k + 1)
        assert flop[name] == co * h * h * ci * k * k
        assert memory[name] == co * h * h * FLOAT32
    assert flop["pool1"] == 64 * 27 * 27 * 3 * 3  # the slide's 0.4 MFLOP
    assert params["fc6"] == 9216 * 4096 + 4096 and flop["fc6"] == 9216 * 4096
    assert memory["flatten"] == 9216 * FLOAT32
    # conv4's 145 MFLOP is the only figure no rounding explains: 256 x 13 x 13 x 384 x 9 = 149.5 M
    assert flagged(t) == {("conv4", "flop (M)")}
    assert "149,520,384" in t.flagged[0][1].reason


def test_alexnet_vs_vgg16(tables: dict[str, LectureTable]) -> None:
    t = tables["alexnet-vs-vgg16"]
    mem = counts(t, "memory (MB)")
    alex_outputs = 64 * 56 * 56 + 192 * 27 * 27 + 384 * 169 + 256 * 169 * 2 + 4096 * 2 + 1000
    assert mem["AlexNet"] == alex_outputs * FLOAT32
    vgg_outputs = (
        2 * 64 * 224**2 + 2 * 128 * 112**2 + 3 * 256 * 56**2 + 3 * 512 * 28**2 + 3 * 512 * 14**2 + 4096 * 2 + 1000
    )
    assert mem["VGG-16"] == vgg_outputs * FLOAT32
    gflop = counts(t, "GFLOP")
    assert gflop["VGG-16"] == 15_470_264_320
    # the deck's 13.6 is VGG-16 less one 256->256 3x3 conv at 56x56
    assert round((gflop["VGG-16"] - 56 * 56 * 256 * 256 * 9) / 1e9, 1) == 13.6
    assert round((mem["VGG-16"] - 256 * 56 * 56 * FLOAT32) / 2**20, 1) == 48.7  # 48.65: the slide's 48.6
    assert flagged(t) == {
        ("VGG-16", "memory (MB)"),
        ("VGG-16", "GFLOP"),
        ("VGG-16 / AlexNet", "memory (MB)"),
        ("VGG-16 / AlexNet", "GFLOP"),
    }


def test_googlenet_stem_and_heads(tables: dict[str, LectureTable]) -> None:
    assert not flagged(tables["googlenet-stem"])  # every layer row is right
    t = tables["googlenet-stem-totals"]
    flop = counts(t, "MFLOP")
    stem = 64 * 112**2 * 3 * 49 + 64 * 56**2 * 9 + 64 * 56**2 * 64 + 192 * 56**2 * 64 * 9 + 192 * 28**2 * 9
    assert flop["GoogLeNet stem total"] == stem == 480_836_608  # the slide prints 418
    assert counts(t, "params")["GoogLeNet stem total"] == (64 * 147 + 64) + (64 * 64 + 64) + (192 * 576 + 192)
    assert counts(t, "params")["VGG-16 to 28x28"] == 1_735_488  # printed 1.1M: without conv3_3, 1,145,408
    assert {label for label, _ in flagged(t)} == {"GoogLeNet stem total", "VGG-16 to 28x28", "VGG-16 / GoogLeNet stem"}
    assert ("GoogLeNet stem total", "memory (MB)") not in flagged(t)
    head = tables["googlenet-head"]
    assert counts(head, "params (K)")["fc"] == 1024 * 1000 + 1000
    assert flagged(head) == {("fc", "memory (KB)")}  # 1000 x 4 bytes is 3.9 KB, not 0
    vgg = tables["vgg16-head"]
    assert counts(vgg, "params (K)") == {
        "fc6": 25088 * 4096 + 4096,
        "fc7": 4096 * 4096 + 4096,
        "fc8": 4096 * 1000 + 1000,
    }
    assert flagged(vgg) == {("fc6", "params (K)"), ("fc7", "params (K)"), ("fc8", "params (K)")}
    assert all("weights only" in f.reason for _, f in vgg.flagged)


def test_googlenet_table1(tables: dict[str, LectureTable]) -> None:
    t = tables["googlenet-table1"]
    ops = counts(t, "ops (M)")
    assert ops["inception (3a)"] == 28 * 28 * (192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32)
    assert {label for label, q in flagged(t) if q == "ops (M)"} == {
        "convolution 7x7/2",
        "inception (4a)",
        "inception (5a)",
    }
    # every inception module's printed params are under the count from Table 1's own columns
    assert all((m, "params (K)") in flagged(t) for m in ops if m.startswith("inception"))


def test_googlenet_table_moved_here_still_compares_three_ways() -> None:
    paper, tv = vizcore.analyze("googlenet_paper", device="cpu"), vizcore.analyze("googlenet", device="cpu")
    rows = lectures.googlenet_table(paper, tv)
    assert [r.module for r in rows if r.flagged] == ["inception4c", "inception5a"]


def test_resnets(tables: dict[str, LectureTable]) -> None:
    t = tables["resnet-table1"]
    v1, v15 = counts(t, "FLOPs (10^9), paper v1"), counts(t, "FLOPs (10^9), torchvision v1.5")
    assert v1["ResNet-18"] == v15["ResNet-18"] == 1_814_073_344
    assert v1["ResNet-50"] == 3_857_973_248 and v15["ResNet-50"] == 4_089_184_256
    # v1.5's stride moves from the 1x1 to the 3x3: the same extra in every bottleneck network
    assert v15["ResNet-50"] - v1["ResNet-50"] == v15["ResNet-152"] - v1["ResNet-152"] == 231_211_008
    assert flagged(t) == {
        ("ResNet-34", "FLOPs (10^9), paper v1"),
        ("ResNet-34", "FLOPs (10^9), torchvision v1.5"),
        ("ResNet-50", "FLOPs (10^9), paper v1"),
        ("ResNet-50", "FLOPs (10^9), torchvision v1.5"),
        ("ResNet-101", "FLOPs (10^9), torchvision v1.5"),
        ("ResNet-152", "FLOPs (10^9), torchvision v1.5"),
    }
    stages = tables["resnet-stages"]
    assert counts(stages, "stage 3 layers") == {
        "ResNet-18": 4,
        "ResNet-34": 12,
        "ResNet-50": 18,
        "ResNet-101": 69,
        "ResNet-152": 108,
    }
    assert flagged(stages) == {("ResNet-34", "GFLOP"), ("ResNet-50", "GFLOP")}  # 3.66 and 3.86, truncated


def test_alexnet_2gpu_and_recap(tables: dict[str, LectureTable]) -> None:
    t = tables["alexnet-2gpu"]
    assert counts(t, "neurons")["conv1"] == 96 * 55 * 55  # the slide (and the paper) print 253,440
    assert counts(t, "params (K)")["conv2"] == 256 * (5 * 5 * 48 + 1)  # two groups of 48 input channels
    assert ("conv1", "neurons") in flagged(t) and ("conv2", "params (K)") not in flagged(t)
    assert ("fc6", "params (M)") in flagged(t)  # 37.75 M printed as 37: truncated
    r = tables["recap"]
    assert flagged(r) == {("GoogleNet", "params")}
    assert counts(r, "params")["LeNet"] == 61_706


def test_formats_and_json_fields(tables: dict[str, LectureTable], capsys: pytest.CaptureFixture[str]) -> None:
    t = tables["alexnet-227"]
    data = json.loads(lectures.lecture_json(t))
    conv4 = next(f for f in data["figures"] if f["row"] == "conv4" and f["quantity"] == "flop (M)")
    assert (conv4["slide"], conv4["count"], conv4["differs"]) == ("145", 149_520_384, True)
    assert "145 → 149.5204 [1]" in lectures.lecture_text(t)
    assert lectures.lecture_csv(t).count("\n") == 1 + sum(len(r.figures) for r in t.rows)
    assert r"\textbf{145 $\to$ 149.5204 [1]}" in lectures.lecture_latex(t)
    assert "| conv4 |" in lectures.lecture_markdown(t)
    assert cli.main(["lecture"]) == 0 and "alexnet-227" in capsys.readouterr().out
    assert cli.main(["lecture", "--format", "json"]) == 0
    assert {
        "id": "recap",
        "title": dict((i, t) for i, t, _ in lectures.list_tables())["recap"],
        "deck": "004",
    } in json.loads(capsys.readouterr().out)
    assert cli.main(["lecture", "googlenet-head", "--format", "csv"]) == 0
    assert "googlenet-head,fc,googlenet_paper,memory (KB),0,3.90625,4000,True" in capsys.readouterr().out


def test_unknown_table_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lecture", "alexnet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "alexnet-227" in err and "recap" in err and "Traceback" not in err


def test_ilsvrc_depths_are_counted_from_the_models() -> None:
    from vizcore.course import tour

    get = lectures.memo_getter()
    depths = {
        w.model: tour.weight_depth(get(w.model, (1, *vizcore.get_card(w.model).input_size)))
        for w in tour.ILSVRC
        if w.model
    }
    # the papers' "layers": the most conv and fc layers on one path (GoogLeNet's 22 through its inception modules)
    assert depths == {"alexnet2012": 8, "zfnet": 8, "vgg19": 19, "googlenet_paper": 22, "resnet152_v1": 152}
    assert all(depths[w.model] == w.depth for w in tour.ILSVRC if w.model)
    fig = tour.ilsvrc_figure(depths, lambda m: f"./?model={m}")
    assert len(fig.data[0].y) == len(tour.ILSVRC) + 1 and fig.data[0].y[-1] == tour.HUMAN_TOP5
    assert '<a href="./?model=resnet152_v1"' in fig.data[0].text[6] and "152 layers" in fig.data[0].text[6]


def test_tour_slides_compute_what_changed() -> None:
    from vizcore.course import tour

    get = lectures.memo_getter()
    assert tour.slide_keys() == ["lenet5", "alexnet", "zfnet", "vgg", "nin", "googlenet", "resnet"]
    zf = tour.slide(2, get)
    # conv1 11x11/4 -> 7x7/2 at 96 filters: 55x55 -> 110x110, and its multiply-adds
    assert "11x11/4 → 7x7/2" in zf.changes[0] and "96x55x55 to 96x110x110" in zf.changes[0]
    assert f"{96 * 55 * 55 * 3 * 11 * 11:,} → {96 * 110 * 110 * 3 * 7 * 7:,}" in zf.changes[1]
    vgg = tour.slide(3, get)
    assert f"{3 * 9 * 256**2:,} weights against 49 x 256² = {49 * 256**2:,}" in vgg.changes[1]
    res = tour.slide(6, get)
    assert "13 identities" in res.changes[0] and "3 1x1 projections" in res.changes[0]
    projections = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256) + (256 * 512 + 2 * 512)  # 1x1 conv + batch norm
    assert f"{projections:,} more parameters" in res.changes[1]
    with pytest.raises(tour.UnknownSlideError, match="the slides are: lenet5, alexnet"):
        tour.check_slide("inception")


def test_tables_added_from_the_rest_of_the_decks(tables: dict[str, LectureTable]) -> None:
    stem = tables["resnet-stem"]
    assert counts(stem, "params (k)")["conv"] == 64 * 3 * 7 * 7  # no bias: batch norm follows
    assert not flagged(stem)
    two_gpu = tables["alexnet-2gpu"]
    assert counts(two_gpu, "neurons")["input"] == 3 * 227 * 227  # the paper's 150,528 is 3 x 224 x 224
    fc = counts(two_gpu, "params (M)")["fc layers"]
    assert fc == (9216 * 4096 + 4096) + (4096 * 4096 + 4096) + (
        4096 * 1000 + 1000
    )  # 58.6 M; the slide's 57 = 37 + 16 + 4
    assert {("input", "neurons"), ("fc layers", "params (M)")} <= flagged(two_gpu)
    popular = tables["popular-cnns"]
    assert counts(popular, "conv layers") == {"AlexNet": 5, "VGG-16": 13, "VGG-19": 16}
    assert not flagged(popular)
    notes = tables["architecture-notes"]
    assert {label for label, _ in flagged(notes)} == {"GoogLeNet: '60 MM → 4 MM params'"}
    d2l = tables["fc-sizes"]
    assert counts(d2l, "params (M)")["d2l AlexNet fc6: 6400 x 4096 + 4096"] == 6400 * 4096 + 4096
    assert counts(d2l, "features")["d2l AlexNet: flatten"] == 256 * 5 * 5
    assert flagged(d2l) == {
        ("d2l AlexNet fc7: 4096 x 4096 + 4096", "params (M)"),
        ("VGG-11 fc6 in float32", "MB (10^6 bytes)"),
    }
    table1 = tables["googlenet-table1"]
    assert counts(table1, "output C")["inception (5b)"] == 384 + 384 + 128 + 128


def test_cifar_resnets(tables: dict[str, LectureTable]) -> None:
    t = tables["cifar-resnets"]

    def params(n: int) -> int:  # stem conv + bn, 3 stages of n blocks (two 3x3 convs + two bns), fc; no shortcut params
        total = 3 * 16 * 9 + 2 * 16
        c_in = 16
        for c in (16, 32, 64):
            for _ in range(n):
                total += c_in * c * 9 + c * c * 9 + 4 * c
                c_in = c
        return total + 64 * 10 + 10

    assert counts(t, "# params (M)") == {f"ResNet-{6 * n + 2}": params(n) for n in (3, 5, 7, 9, 18, 200)}
    assert counts(t, "# layers")["ResNet-1202"] == 1202
    assert not flagged(t)  # the paper's 0.27M ... 19.4M all round from these


def test_each_title_is_stated_once(tables: dict[str, LectureTable]) -> None:
    listed = {i: title for i, title, _ in lectures.list_tables()}
    assert listed == {i: t.title for i, t in tables.items()}
    assert listed["resnet-table1"] == "ResNet, Table 1 of the paper: output sizes and FLOPs, 18 to 152 layers"


def test_every_table_analyses_only_through_get(get: lectures.Getter) -> None:
    calls: dict[str, list[str]] = {}
    for table_id in lectures.table_ids():
        seen = calls.setdefault(table_id, [])

        def recording(model: str, shape: tuple[int, ...], seen: list[str] = seen) -> vizcore.Analysis:
            seen.append(model)
            return get(model, shape)

        lectures.lecture_table(table_id, recording)
    assert all(calls.values())
    # these two built and traced their own models, past the app's cache; they are zoo models now
    assert set(calls["fc-sizes"]) == {"vgg16", "vgg11", "alexnet_d2l", "googlenet_paper"}
    assert calls["cifar-resnets"] == [f"resnet{d}_cifar" for d in (20, 32, 44, 56, 110, 1202)]
    builders = (alexnet_tables, googlenet_tables, overview_tables, resnet_tables, rows, checker, render)
    assert not [m.__name__ for m in builders if any(v is api.analyze for v in vars(m).values())]


def test_course_models_are_zoo_models() -> None:
    assert vizcore.get_card("alexnet_d2l").input_size == (1, 224, 224)
    assert {f"resnet{6 * n + 2}_cifar" for n in (3, 5, 7, 9, 18, 200)} <= set(vizcore.list_models("ResNet"))
    assert vizcore.get_card("resnet110_cifar").input_size == (3, 32, 32)


def test_latex_escapes_like_the_other_exports(tables: dict[str, LectureTable]) -> None:
    latex = lectures.lecture_latex(tables["fc-sizes"])
    assert r"MB (10\textasciicircum{}6 bytes)" in latex and "10^6" not in latex
