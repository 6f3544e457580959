"""Ask the class in Chromium, in the real app's room: the teacher opens ``/?room=new`` on VGG-16 and asks;
three students join by the code (one of them stops following) and answer (one right, two with known
mistakes); the projector's count and distribution update live, the reveal shows the working and names each
mistake, the CSV holds the answers without names; a student then sees the reveal and can answer no more."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import vizcore
from tests.browser.test_rooms_browser import CODE, new_page
from tests.support.browser import require_chromium
from vizcore.course import quiz

require_chromium()

TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)
SCREENSHOT = os.environ.get("VIZCORE_ASK_SCREENSHOT")  # where to keep the projector's picture (docs/images/)


def projector(browser: Browser, contexts: list[BrowserContext], url: str) -> tuple[Page, str]:
    """The teacher's 1080p screen, in a new room on VGG-16; and the room's code."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    contexts.append(context)
    desk = context.new_page()
    desk.set_default_timeout(TIMEOUT_MS)
    desk.goto(f"{url}/?room=new&model=vgg16")
    heading = desk.get_by_role("heading", name=CODE)
    expect(heading).to_be_visible()
    found = CODE.search(heading.inner_text())
    assert found is not None
    return desk, found.group(1)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in a selectbox; a rerun of the page (the live counts) may close the open list."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    for _ in range(5):
        box.locator("input").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except PlaywrightTimeoutError:
            continue
        return
    raise AssertionError(f"could not pick {option!r} in {label!r}")


def test_a_room_is_asked_and_answers(browser: Browser, base_url: str, tmp_path: Path) -> None:
    question = quiz.quiz(vizcore.analyze("vgg16", device="cpu"), 1, 1, ("params",))[0]  # the session's first draw
    slips = question.mistakes[:2]
    assert [m.mistake for m in slips] == [
        "forgot the bias (one per output channel)",
        "used the input's channels for the output's",
    ]
    contexts: list[BrowserContext] = []
    try:
        desk, code = projector(browser, contexts, base_url)
        expect(desk.get_by_text("No question asked yet.")).to_be_visible()
        students = [new_page(browser, contexts) for _ in range(3)]
        for student in students:
            student.goto(f"{base_url}/?room={code}")
            expect(student.get_by_text(f"Room {code}: following the teacher.")).to_be_visible()
        expect(students[0].get_by_label("Your answer")).to_have_count(0)  # no question: nothing in the way
        students[2].get_by_role("button", name="Stop following").click()  # on their own: still asked
        expect(students[2].get_by_role("button", name="Rejoin")).to_be_visible()

        desk.get_by_text("Ask the class").click()
        choose(desk, "A question about", "params")
        desk.get_by_role("button", name="Ask a question").click()
        expect(desk.get_by_role("heading", name=question.question)).to_be_visible()

        answered = desk.get_by_test_id("stMetric").filter(has_text="Answered").get_by_test_id("stMetricValue")
        answers = [quiz.shown(question.answer), *(quiz.shown(m.answer) for m in slips)]
        for student, text in zip(students, answers, strict=True):
            expect(student.get_by_role("heading", name=question.question)).to_be_visible()  # pushed
            student.get_by_label("Your answer").fill(text)
            student.get_by_role("button", name="Send").click()
            expect(student.get_by_text("Your answer is in")).to_be_visible()
            expect(answered).to_have_text(str(answers.index(text) + 1))  # live
        for text in answers:
            expect(desk.get_by_text(f"{text}: 1")).to_be_visible()  # the bars, in words

        desk.get_by_role("button", name="Reveal").click()
        expect(desk.get_by_text(f"The answer: {answers[0]} parameters")).to_be_visible()
        for slip in slips:
            expect(desk.get_by_text(f"1 student answered {quiz.shown(slip.answer)}: {slip.mistake}.")).to_be_visible()
        expect(desk.get_by_test_id("stCode").last).to_contain_text(question.working.splitlines()[-3].strip())
        if SCREENSHOT:  # the room's panel and the asking form folded, as in a lecture: their titles stay
            for panel in desk.get_by_test_id("stExpander").all()[:2]:
                panel.locator("summary").click()
            desk.get_by_test_id("stExpander").first.evaluate("e => e.scrollIntoView({block: 'center'})")
            desk.wait_for_timeout(1000)
            desk.screenshot(path=SCREENSHOT)
        with desk.expect_download() as info:
            desk.get_by_role("button", name="Download the answers (CSV)").click()
        rows = list(csv.reader(info.value.path().open(encoding="utf-8")))
        assert sorted(r[1] for r in rows[1:]) == sorted(answers)
        members = [c["value"] for s in students for c in s.context.cookies() if c["name"] == "vizcore_member"]
        assert len(members) == 3 and not any(m in "".join(map(",".join, rows)) for m in members)  # no names

        late = students[1]
        expect(late.get_by_text(f"You answered {answers[1]}. Not quite:")).to_be_visible()
        expect(late.get_by_label("Your answer")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
