"""Practice in Chromium: homework by link (the seed's first question), a wrong answer named by its
mistake with the working, the next question, and the same link giving the same questions again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

import vizcore
from tests.support.browser import require_chromium
from vizcore.course import quiz

require_chromium()

TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    yield p
    context.close()


def answer(page: Page, text: str) -> None:
    box = page.get_by_label("Your answer")
    box.fill(text)
    page.get_by_role("button", name="Check").click()


def test_practice_by_link(page: Page, base_url: str) -> None:
    questions = quiz.quiz(vizcore.analyze("resnet18", device="cpu"), 11, 20)
    first, second = questions[0], questions[1]
    page.goto(f"{base_url}/practice?model=resnet18&seed=11")
    expect(page.get_by_role("heading", name=first.question)).to_be_visible()
    wrong = first.mistakes[0] if first.mistakes else None
    answer(page, quiz.shown(wrong.answer) if wrong else "1")
    expected = f"is what you get if you {wrong.mistake}" if wrong else f"the answer is {quiz.shown(first.answer)}"
    expect(page.get_by_test_id("stAlert").filter(has_text=expected)).to_be_visible()
    expect(page.get_by_test_id("stCode")).to_contain_text(first.working.splitlines()[1].strip())
    page.get_by_role("button", name="Next question").click()
    expect(page.get_by_role("heading", name=second.question)).to_be_visible()
    answer(page, "<b>" + "9" * 300)
    expect(page.get_by_test_id("stAlert").filter(has_text="is not a number")).to_be_visible()
    answer(page, quiz.shown(second.answer))
    expect(page.get_by_test_id("stAlert").filter(has_text=f"Right: {quiz.shown(second.answer)}.")).to_be_visible()
    assert "seed=11" in page.url
    page.goto(f"{base_url}/practice?model=resnet18&seed=11")  # the same link, the same first question
    expect(page.get_by_role("heading", name=first.question)).to_be_visible()
