"""A class's answers counted by meaning, each wrong one labelled with the mistake that produces it, and
written as CSV without names."""

from __future__ import annotations

import csv
import io

import vizcore
from vizcore.course import poll, quiz


def _vgg_conv1() -> quiz.Question:
    a = vizcore.analyze("vgg16", device="cpu")
    return quiz.layer_question(a, a.layer("features.0"), "params", "q")  # 3x3x3x64 + 64 = 1,792


def test_tally_groups_by_meaning_and_labels_mistakes() -> None:
    q = _vgg_conv1()
    given = {"a": "1792", "b": "1,792", "c": "1.792e3", "d": "1728", "e": "1 728", "f": "**", "g": "2000", "h": "1.8k"}
    groups = poll.tally(q, given)
    assert groups == [
        poll.Group("1,792", 4, True, ""),  # "1.8k" rounds from 1,792 too
        poll.Group("1,728", 2, False, "forgot the bias (one per output channel)"),
        poll.Group("2,000", 1, False, ""),
        poll.Group(poll.UNREADABLE, 1, False, ""),
    ]


def test_order_does_not_give_the_answer_away() -> None:
    q = _vgg_conv1()
    assert [g.answer for g in poll.tally(q, {"a": "1728", "b": "1792"})] == ["1,728", "1,792"]


def test_csv_is_anonymous_and_safe_in_a_spreadsheet() -> None:
    q = _vgg_conv1()
    text = poll.answers_csv(q, {"zed@school": "1,728", "yolanda": '=HYPERLINK("x")', "cid": "1792"})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["question", "answer", "read as", "right", "mistake"]
    assert "zed" not in text and "yolanda" not in text
    assert [r[1:] for r in rows[1:]] == [
        ["1,728", "1,728", "no", "forgot the bias (one per output channel)"],
        ["1792", "1,792", "yes", ""],
        ['\'=HYPERLINK("x")', poll.UNREADABLE, "no", ""],
    ]
