"""``python -m vizcore diff A B``: the JSON holds added, removed and changed with their labels and both
totals; text and Markdown print the same items; bad input is one line on stderr and a non-zero exit."""

from __future__ import annotations

import json

import vizcore


def test_json_vgg16_to_vgg19(cli) -> None:
    done = cli("diff", "vgg16", "vgg19", "--format", "json", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert [i["label"] for i in printed["added"]] == ["3x3 conv, 256", "3x3 conv, 512", "3x3 conv, 512"]
    assert printed["removed"] == [] and printed["changed"] == []
    before, after = (vizcore.analyze(m, device="cpu").totals for m in ("vgg16", "vgg19"))
    assert printed["totals"]["before"]["params"] == before.params == 138_357_544
    assert printed["totals"]["after"]["params"] == after.params == 143_667_240
    assert (
        printed["totals"]["delta"]["macs"]
        == sum(i["delta"]["macs"] for i in printed["added"])
        == after.macs - before.macs
    )


def test_json_changed_items_carry_before_and_after(cli) -> None:
    done = cli("diff", "alexnet2012", "zfnet", "--format", "json", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    changed = [i for i in json.loads(done.stdout)["changed"] if i["convs"]]
    assert [(i["before"], i["after"]) for i in changed][:2] == [
        ("11x11 conv, 96, /4", "7x7 conv, 96, /2"),
        ("5x5 conv, 256, 2 groups", "5x5 conv, 256, /2"),
    ]
    assert changed[0]["what"] == ["kernel 11x11 -> 7x7", "stride 4 -> 2", "padding 0 -> 1"]
    assert changed[0]["receptive_field"] == [11, 7]


def test_text_and_markdown_say_a_stage_grew_once(cli) -> None:
    text = cli("diff", "resnet18", "resnet34", "--device", "cpu")
    assert text.returncode == 0, text.stderr
    assert "2 blocks added" in text.stdout and "4 x [3x3-3x3], 256" in text.stdout
    assert "resnet18 -> resnet34: 4 added, 0 removed, 0 changed" in text.stdout
    assert "Params: 11,689,512 -> 21,797,672 (+10,108,160)" in text.stdout
    md = cli("diff", "resnet18", "resnet34", "--format", "markdown", "--device", "cpu")
    assert md.returncode == 0, md.stderr
    assert "| 4 blocks added |  | 4 x [3x3-3x3], 256 |  | +4,722,688 |" in md.stdout


def test_identical_inputs_one_sentence(cli) -> None:
    done = cli("diff", "resnet18", "resnet18", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "resnet18 and resnet18 are the same network: every one of their 69 layers matches.\n"


def test_different_input_sizes_are_said(cli) -> None:
    done = cli("diff", "alexnet2012", "zfnet", "--format", "markdown", "--device", "cpu")
    assert "different inputs (3x227x227 and 3x224x224)" in done.stdout
    # one --input for both: AlexNet's classifier needs its own 227 (the first model, and why)
    same = cli("diff", "alexnet2012", "zfnet", "--input", "3x224x224", "--device", "cpu")
    assert same.returncode == 1 and same.stderr.count("\n") == 1
    assert same.stderr.startswith("error: The first model, 'alexnet2012', could not be analysed: input 3x224x224")


def test_bad_input_names_the_side_in_one_line(cli) -> None:
    done = cli("diff", "resnet18", "resnet-9000", "--device", "cpu")
    assert done.returncode == 1
    assert done.stderr.startswith("error: The second model, 'resnet-9000', could not be analysed: unknown model")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    missing = cli("diff", "resnet18")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
