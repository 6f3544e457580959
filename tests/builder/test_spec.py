"""The layer-list language: grammar, the exact examples of the issue, errors naming their line,
PyTorch source that analyses to the same numbers, and zoo models written as layer lists."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import vizcore
from vizcore.builder import export, spec

ZFNET = """
# ZFNet (Zeiler & Fergus 2013, Fig. 3)
input 3x224x224
conv 7x7/2 96 pad 1
relu
maxpool 3x3/2 pad 1
lrn 5
conv 5x5/2 256
relu
maxpool 3x3/2 pad 1
lrn 5
conv 3x3 384 pad 1
relu
conv 3x3 384 pad 1
relu
conv 3x3 256 pad 1
relu
maxpool 3x3/2
flatten
dropout 0.5
fc 4096
relu
dropout 0.5
fc 4096
relu
fc 1000
"""

RESNET18 = """input 3x224x224
conv 7x7/2 64 pad 3 nobias
bn
relu
maxpool 3x3/2 pad 1
residual basic 64
residual basic 64
residual basic 128/2
residual basic 128
residual basic 256/2
residual basic 256
residual basic 512/2
residual basic 512
gap
flatten
fc 1000
"""


def test_zfnet_as_a_list_equals_the_zoo_model() -> None:
    listed = vizcore.analyze(ZFNET, device="cpu")
    zoo = vizcore.analyze("zfnet", device="cpu")
    assert listed.totals.params == zoo.totals.params == 62_357_608
    assert listed.totals.macs == zoo.totals.macs
    assert [n.output_shape for n in listed.layers if n.op == "conv"] == [
        n.output_shape for n in zoo.layers if n.op == "conv"
    ]
    assert listed.layer("conv1").output_shape == (1, 96, 110, 110)  # (224 + 2 - 7) // 2 + 1


def test_resnet18_as_a_list_has_torchvisions_numbers() -> None:
    a = vizcore.analyze(RESNET18, device="cpu")
    assert a.totals.params == 11_689_512
    assert a.totals.macs == 1_814_073_344
    assert a.model == "spec" and a.traced_on == "meta"
    # the residual rows are seen as residual blocks, with projection shortcuts where the shape changes
    shortcuts = [b.shortcut for b in a.blocks if b.kind == "residual"]
    assert shortcuts == ["identity", "identity"] + ["projection", "identity"] * 3


def test_bottleneck_matches_torchvision() -> None:
    text = "input 64x56x56\nresidual bottleneck 256\nresidual bottleneck 512/2"
    a = vizcore.analyze(text, device="cpu")
    from torchvision.models.resnet import Bottleneck

    expected = sum(
        p.numel()
        for p in Bottleneck(
            64, 64, downsample=nn.Sequential(nn.Conv2d(64, 256, 1, bias=False), nn.BatchNorm2d(256))
        ).parameters()
    )
    expected += sum(
        p.numel()
        for p in Bottleneck(
            256,
            128,
            stride=2,
            downsample=nn.Sequential(nn.Conv2d(256, 512, 1, stride=2, bias=False), nn.BatchNorm2d(512)),
        ).parameters()
    )
    assert a.totals.params == expected
    assert a.output_shapes == ((1, 512, 28, 28),)


def test_inception_fire_vgg_mlpconv_blocks() -> None:
    a = vizcore.analyze("input 192x28x28\ninception 64 96 128 16 32 32", device="cpu")
    assert a.output_shapes == ((1, 256, 28, 28),)
    # GoogLeNet Table 1, inception (3a): 159K params
    assert a.totals.params == (192 * 64 + 64) + (192 * 96 + 96) + (96 * 9 * 128 + 128) + (192 * 16 + 16) + (
        16 * 25 * 32 + 32
    ) + (192 * 32 + 32)
    paper = vizcore.analyze("googlenet_paper", device="cpu")
    assert a.totals.params == sum(n.params for n in paper.layers if n.name.startswith("inception3a."))
    fire = vizcore.analyze("input 96x55x55\nfire 16 64 64", device="cpu")
    assert fire.output_shapes == ((1, 128, 55, 55),)
    assert fire.totals.params == (96 * 16 + 16) + (16 * 64 + 64) + (16 * 9 * 64 + 64)
    vgg = vizcore.analyze("input 3x32x32\nvgg 2 64", device="cpu")
    assert vgg.output_shapes == ((1, 64, 16, 16),)
    assert vgg.totals.params == (3 * 9 * 64 + 64) + (64 * 9 * 64 + 64)
    nin = vizcore.analyze("input 3x224x224\nmlpconv 11x11/4 96", device="cpu")
    assert nin.output_shapes == ((1, 96, 54, 54),)
    assert nin.totals.params == (3 * 121 * 96 + 96) + 2 * (96 * 96 + 96)


def test_grammar_options_comments_and_names() -> None:
    text = """
    input 2x3x32x40   # a batch of two
    conv 1x7 8 pad 0x3 nobias
    conv 3x3/2 16 groups 8 dilation 2 pad 2
    bn
    avgpool 2x2
    maxpool 3x3/2 pad 1 ceil
    gap
    flatten
    fc 10 nobias
    bn
    tanh
    sigmoid
    """
    parsed = spec.parse(text)
    assert parsed.input_shape == (2, 3, 32, 40)
    assert [x.name for x in parsed.layers] == [
        "conv1",
        "conv2",
        "bn1",
        "pool1",
        "pool2",
        "gap",
        "flatten",
        "fc1",
        "bn2",
        "tanh1",
        "sigmoid1",
    ]
    assert [x.line for x in parsed.layers][:2] == [3, 4]
    assert parsed.layers[0].output_shape == (8, 32, 40)
    # dilation 2: k_eff 5; (32 + 4 - 5) // 2 + 1 = 16, (40 + 4 - 5) // 2 + 1 = 20
    assert parsed.layers[1].output_shape == (16, 16, 20)
    assert parsed.layers[3].output_shape == (16, 8, 10)
    assert parsed.layers[4].output_shape == (16, 5, 6)  # ceil mode: ceil((8 + 2 - 3) / 2) + 1, ceil(9 / 2) + 1
    model = vizcore.build(text)
    out = model(torch.zeros(2, 3, 32, 40))
    assert out.shape == (2, 10)
    with torch.no_grad():
        x = torch.zeros(2, 3, 32, 40)
        for layer in parsed.layers:
            x = getattr(model, layer.name)(x)
            assert tuple(x.shape[1:]) == layer.output_shape, layer.text
    assert isinstance(model.conv2, nn.Conv2d) and model.conv2.groups == 8 and model.conv2.dilation == (2, 2)
    assert model.conv1.bias is None and isinstance(model.bn2, nn.BatchNorm1d)
    a = vizcore.analyze(text, device="cpu")
    assert a.layer("conv1").receptive_field == (1, 7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "input 3x14x14\nconv 3x3 64\nconv 5x5 256\nconv 5x5/2 256\nconv 5x5 64",
            "line 5: conv 5x5 64 needs at least 5x5 input, but line 4 leaves 256x2x2.",
        ),
        ("input 3x32x32\n\nconw 3x3 6", 'line 3: unknown layer "conw"; did you mean conv?'),
        ("input 3x32x32\nconv 3x3", "line 2: conv 3x3 needs its output channels, e.g. conv 3x3 64."),
        ("input 3x32x32\nconv 3x3 -4", "line 2: conv 3x3 -4 has output channels -4: it must be 1 or more."),
        ("input 3x32x32\nconv 3x3 64 groups 2", "3 input and 64 output channels must both divide into 2 groups"),
        ("input 3x32x32\nfc 10", 'line 2: fc 10 needs a flat input, but the input is 3x32x32: add "flatten"'),
        (
            "input 3x32x32\nflatten\nresidual basic 64",
            "line 3: residual basic 64 needs a CxHxW map, but line 2 leaves 3072",
        ),
        ("input 3x32x32\nresidual bottleneck 250", "a bottleneck's must divide by 4"),
        (
            "input 3x8x8\nmaxpool 2x2/2\nmaxpool 2x2/2\nmaxpool 2x2/2\nmaxpool 2x2/2",
            "line 5: maxpool 2x2/2 needs at least 2x2 input, but line 4 leaves 3x1x1.",
        ),
        (
            "input 3x32x32\nconv 9x9 4 pad 1\nconv 30x30 4 pad 1",
            "needs at least 28x28 input with pad 1, but line 2 leaves 4x26x26",
        ),
        ("conv 3x3 4", "line 1: the spec must start with its input"),
        ("# nothing", "the spec is empty"),
        ("input 3x32x32", "the spec has no layers yet"),
        ("input 3x32x32\nconv 3x3 4000000", "more than the limit of 1,000,000"),
        ("input 3x200000x3\nrelu", "more than the limit of 100,000 pixels a side"),
        (
            "input 3x32x32\nconv 3x3 4 foo 3",
            'has "foo", which conv does not take (it takes: pad, groups, dilation, nobias)',
        ),
        ("input 3x32x32\ndropout 1.5", "the drop probability is a number from 0"),
        ("input 3x32x32\ninception 1 2 3", "needs 6 numbers"),
        ("input 3x32x32\nconv 3x3 4\ninput 3x32x32", "line 3: a second input line"),
        ("input 3x32x32\nconv __import__('os') 4", "where the kernel should be"),
        ("input 3x32x32\n" + "relu\n" * 2001, f"more than {spec.MAX_LAYERS:,} layers, the limit"),
        ("input 64x8x8\n" + "residual bottleneck 64\n" * 400, "line 335: the net passes 4,000 layers"),
        ("input 1024x3x100000x100000\nconv 3x3 1000000 pad 1", "makes an output of 1.0e+19 elements"),
        ("input 1000x100000x100000\nconv 100000x100000 1000000", "makes a weight of 1.0e+19 elements"),
    ],
)
def test_mistakes_are_one_sentence_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(vizcore.SpecError) as caught:
        vizcore.analyze(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_huge_nets_run_on_meta_or_are_refused() -> None:
    a = vizcore.analyze("input 3x100000x100000\nconv 3x3 1000000 pad 1\nrelu\ngap\nflatten\nfc 1000000", device="cpu")
    assert a.traced_on == "meta"
    assert a.totals.params == (3 * 9 * 1_000_000 + 1_000_000) + (1_000_000 * 1_000_000 + 1_000_000)
    assert a.layer("conv1").macs == 100_000 * 100_000 * 1_000_000 * 27
    with pytest.raises(vizcore.SpecError, match="build it on device='meta'"):
        vizcore.build("input 3x32x32\nflatten\nfc 1000000")  # 3 billion parameters, not allocated
    assert sum(p.numel() for p in vizcore.build("input 3x32x32\nflatten\nfc 1000000", device="meta").parameters())


def _load(source: str, path: Path) -> type[nn.Module]:
    path.write_text(source)
    module_spec = importlib.util.spec_from_file_location("exported_net", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    net: type[nn.Module] = module.Net
    return net


@pytest.mark.parametrize(
    "text",
    [
        ZFNET,
        RESNET18,
        "input 3x64x64\nvgg 2 32\nfire 8 16 16\nmlpconv 3x3 32 pad 1\n"
        "inception 8 8 16 4 8 8\nresidual bottleneck 64/2\nconv 1x3 8 pad 0x1 groups 8 nobias"
        "\ngap\nflatten\nfc 10\nbn\ndropout 0.2\ntanh",
    ],
)
def test_python_source_is_standalone_and_analyses_the_same(text: str, tmp_path: Path) -> None:
    source = export.python_source(text)
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "import torch", "from torch import nn"]
    assert "class Net(nn.Module):" in source and "self.conv1 = nn.Conv2d(" in source
    path = tmp_path / "net.py"
    net = _load(source, path)
    shape = spec.parse(text).input_shape
    ours, theirs = vizcore.analyze(text, device="cpu"), vizcore.analyze(net(), shape, device="cpu")
    assert (theirs.totals.params, theirs.totals.macs) == (ours.totals.params, ours.totals.macs)
    assert [n.name for n in theirs.layers] == [n.name for n in ours.layers]
    # and it runs on its own, in a fresh interpreter with no vizcore on the path
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"torch.Size({list(ours.output_shapes[0])})"


@pytest.mark.parametrize(
    "model",
    [
        "lenet5",
        "alexnet",
        "alexnet2012",
        "zfnet",
        "nin",
        "vgg16",
        "vgg11_bn",
        "resnet18",
        "resnet50",
        "squeezenet1_1",
        "googlenet_paper",
        "plain34",
    ],
)
def test_chain_like_zoo_models_export_to_a_spec(model: str) -> None:
    text = export.spec_of(model)
    a, b = vizcore.analyze(model, device="cpu"), vizcore.analyze(text, device="cpu")
    assert (a.totals.params, a.totals.macs) == (b.totals.params, b.totals.macs)
    assert text.startswith(f"input {vizcore.format_shape(a.card.input_size)}\n")


def test_export_lines_read_like_the_issue() -> None:
    assert export.spec_of("resnet18") == RESNET18
    zf = export.spec_of("zfnet")
    assert "conv 7x7/2 96 pad 1\nrelu\nmaxpool 3x3/2 pad 1\nlrn 5\n" in zf
    assert "inception 64 96 128 16 32 32\n" in export.spec_of("googlenet_paper")


@pytest.mark.parametrize(
    ("model", "why"),
    [
        ("googlenet", "inception3a.branch2.0.conv (Conv2d) branches off the main line"),
        ("mobilenet_v2", "(ReLU6) has no line in the layer list"),
        ("resnet50_v1", "branches off the main line"),
    ],
)
def test_models_that_are_not_chains_say_where(model: str, why: str) -> None:
    with pytest.raises(vizcore.VizcoreError, match=r"cannot be written as a layer list") as caught:
        export.spec_of(model)
    assert why in str(caught.value)


def test_cli_build(cli, tmp_path: Path) -> None:
    path = tmp_path / "zf.spec"
    path.write_text(ZFNET)
    done = cli("build", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["totals"]["params"] == 62_357_608
    pool = next(x for x in data["layers"] if x["name"] == "pool3")
    # 7 (j 2); pool 11 (j 4); conv 5/2 27 (j 8); pool 43 (j 16); three 3x3: 139; pool 171 (j 32)
    assert (pool["receptive_field"], pool["effective_stride"]) == (171, 32)
    done = cli("build", str(path), "--input", "3x227x227")
    assert done.returncode == 0 and "Input: 1x3x227x227" in done.stdout
    done = cli("build", str(path), "--format", "python")
    assert done.returncode == 0 and "class Net(nn.Module):" in done.stdout
    done = cli("build", "--from", "resnet18", "--format", "spec")
    assert done.stdout == RESNET18
    path.write_text("input 3x14x14\nconv 3x3 64\nconv 5x5 256\nconv 5x5/2 256\nconv 5x5 64\n")
    done = cli("build", str(path))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "error: line 5: conv 5x5 64 needs at least 5x5 input, but line 4 leaves 256x2x2.\n"
    done = cli("build", str(tmp_path / "missing.spec"))
    assert done.returncode == 1 and "cannot read" in done.stderr and "Traceback" not in done.stderr
    done = cli("build", "--from", "googlenet")
    assert done.returncode == 1 and "cannot be written as a layer list" in done.stderr


def test_links_round_trip_and_refuse_damage_and_bombs() -> None:
    token = spec.to_link(ZFNET)
    assert token is not None and len(token) < len(ZFNET) and spec.from_link(token) == ZFNET
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    with pytest.raises(vizcore.SpecError, match="damaged"):
        spec.from_link(token[: len(token) // 2])
    with pytest.raises(vizcore.SpecError, match="not a packed spec"):
        spec.from_link("abc$def")
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"relu\n" * 500_000, 9)).decode().rstrip("=")
    assert len(bomb) <= spec.MAX_LINK
    with pytest.raises(vizcore.SpecError, match="more than 200,000 characters"):
        spec.from_link(bomb)
    assert spec.to_link("input 3x32x32\n" + "".join(f"conv 3x3 {i} pad 1\n" for i in range(1, 2000))) is None
