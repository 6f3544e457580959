"""Ask the class in Chromium: the teacher asks about VGG-16, three students answer (right, with a known
mistake, with an unknown one), the projector's count and distribution update live, the reveal shows the
working and names the mistake, the CSV holds the answers without names; a student then sees the reveal."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import vizcore
from tests.support.browser import require_chromium, streamlit_server
from vizcore.course import quiz

require_chromium()

TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def asking_url() -> Iterator[str]:
    with streamlit_server(script="tests/support/asking_app.py") as url:
        yield url


def _open(browser: Browser, url: str, width: int = 1400, height: int = 1000) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def test_teacher_asks_students_answer_reveal(browser: Browser, asking_url: str, tmp_path: Path) -> None:
    question = quiz.quiz(vizcore.analyze("vgg16", device="cpu"), 1, 1, ("params",))[0]  # the first draw
    bias = next(m for m in question.mistakes if m.mistake.startswith("forgot the bias"))
    desk = _open(browser, f"{asking_url}/?role=teacher&model=vgg16", 1920, 1080)
    expect(desk.get_by_text("No question asked yet.")).to_be_visible()
    desk.get_by_test_id("stSelectbox").filter(has_text="A question about").locator("input").click()
    desk.get_by_role("option", name="params", exact=True).click()
    desk.get_by_role("button", name="Ask a question").click()
    expect(desk.get_by_role("heading", name=question.question)).to_be_visible()
    answers = {"zq-ann": quiz.shown(question.answer), "zq-bob": quiz.shown(bias.answer), "zq-cid": "12"}
    students = {}
    for member, text in answers.items():
        laptop = _open(browser, f"{asking_url}/?member={member}")
        expect(laptop.get_by_role("heading", name=question.question)).to_be_visible()
        laptop.get_by_label("Your answer").fill(text)
        laptop.get_by_role("button", name="Send").click()
        expect(laptop.get_by_text("Your answer is in")).to_be_visible()
        students[member] = laptop
    expect(desk.get_by_test_id("stMetricValue")).to_have_text("3")  # live: no click on the projector
    expect(desk.get_by_text(f"{quiz.shown(bias.answer)}: 1")).to_be_visible()
    desk.get_by_role("button", name="Reveal").click()
    expect(desk.get_by_text(f"The answer: {quiz.shown(question.answer)} parameters")).to_be_visible()
    expect(desk.get_by_text(f"1 student answered {quiz.shown(bias.answer)}: {bias.mistake}.")).to_be_visible()
    expect(desk.get_by_test_id("stCode")).to_contain_text(question.working.splitlines()[-3].strip())
    desk.screenshot(path=str(tmp_path / "projector.png"), full_page=True)
    with desk.expect_download() as info:
        desk.get_by_role("button", name="Download the answers (CSV)").click()
    rows = list(csv.reader(info.value.path().open(encoding="utf-8")))
    assert sorted(r[1] for r in rows[1:]) == sorted(answers.values())
    assert not any(member in "".join(map(",".join, rows)) for member in answers)
    bob = students["zq-bob"]
    expect(bob.get_by_text(f"You answered {quiz.shown(bias.answer)}. Not quite:")).to_be_visible()
    expect(bob.get_by_label("Your answer")).to_have_count(0)
