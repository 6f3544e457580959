"""A class in Chromium: a teacher's browser opens a room, students' browsers join by its code and follow
the teacher's moves (pushed, no reload), one breaks away and rejoins, and no student's move moves anyone.
The same across two replicas sharing rooms through Redis."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import require_chromium, streamlit_server
from tests.support.redis_server import redis_server

require_chromium()  # skip without Chromium, fail under CI

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)
CODE = re.compile(r"Room ([A-Z2-9]{6})")


def new_page(browser: Browser, contexts: list[BrowserContext]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def open_room(teacher: Page, url: str) -> str:
    """``/?room=new`` in the teacher's browser: the room's code, from the projector."""
    teacher.goto(f"{url}/?room=new&model=resnet18")
    heading = teacher.get_by_role("heading", name=CODE)
    expect(heading).to_be_visible()
    found = CODE.search(heading.inner_text())
    assert found is not None
    return found.group(1)


def on(page: Page, path: str, **params: str) -> None:
    """Wait until ``page`` shows ``path`` with ``params`` in its link (the follow moved it there)."""
    def there(url: str) -> bool:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        return parts.path == f"/{path}" and all(query.get(k) == v for k, v in params.items())

    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not there(page.url):
        assert time.monotonic() < deadline, f"{page.url} is not /{path} with {params}"
        page.wait_for_timeout(50)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def follow_a_lecture(browser: Browser, teacher_url: str, student_url: str) -> None:
    contexts: list[BrowserContext] = []
    try:
        teacher = new_page(browser, contexts)
        code = open_room(teacher, teacher_url)
        token_cookie = next(c for c in teacher.context.cookies() if c["name"] == "vizcore_teacher")
        assert token_cookie["httpOnly"] and token_cookie["value"].startswith(f"{code}.")
        token = token_cookie["value"].split(".", 1)[1]
        assert token not in teacher.url and token not in teacher.content()

        students = [new_page(browser, contexts) for _ in range(3)]
        for student in students:
            student.goto(f"{student_url}/?room={code.lower()}")
            on(student, "", model="resnet18", room=code)
            expect(student.get_by_text(f"Room {code}: following the teacher.")).to_be_visible()
        expect(teacher.get_by_text(re.compile(r"3 in the room · 3 following"))).to_be_visible()

        # the teacher types a link (a new page load: still the teacher, by the cookie) and the class follows
        teacher.goto(f"{teacher_url}/cost_charts?model=vgg11&group=type")
        on(teacher, "cost_charts", model="vgg11", room=code)
        expect(teacher.get_by_role("heading", name=f"Room {code}")).to_be_visible()
        for student in students:
            on(student, "cost_charts", model="vgg11", group="type", room=code)

        # one student goes their own way: they break away, nobody else moves
        students[0].get_by_test_id("stSidebar").get_by_role("link", name="Overview").click()
        expect(students[0].get_by_role("button", name="Rejoin")).to_be_visible()
        students[1].get_by_role("button", name="Stop following").click()
        expect(students[1].get_by_role("button", name="Rejoin")).to_be_visible()
        expect(teacher.get_by_text(re.compile(r"3 in the room · 1 following"))).to_be_visible()
        teacher.wait_for_timeout(1500)
        on(teacher, "cost_charts", model="vgg11")
        on(students[2], "cost_charts", model="vgg11")

        # a student who crafts the teacher's link with the room in it is still a student
        students[1].goto(f"{student_url}/layer_graph?model=alexnet&room={code}")
        expect(students[1].get_by_text(f"Room {code}: following the teacher.")).to_be_visible()
        on(students[1], "cost_charts", model="vgg11")  # ... who follows the teacher, moving no one

        # the teacher moves: followers come, the one on their own stays, and Rejoin brings them back
        teacher.get_by_test_id("stSidebar").get_by_role("link", name="Overview").click()
        on(teacher, "", model="vgg11")
        for student in (students[1], students[2]):
            on(student, "", model="vgg11")
        teacher.reload()  # a reload: still the teacher
        expect(teacher.get_by_role("heading", name=f"Room {code}")).to_be_visible()
        assert "model=vgg11" in students[0].url and "/cost_charts" not in students[0].url
        students[0].get_by_role("button", name="Rejoin").click()
        expect(students[0].get_by_text(f"Room {code}: following the teacher.")).to_be_visible()
        expect(teacher.get_by_text(re.compile(r"3 in the room · 3 following"))).to_be_visible()
    finally:
        for context in contexts:
            context.close()


def test_a_class_follows_its_teacher(browser: Browser, base_url: str) -> None:
    follow_a_lecture(browser, base_url, base_url)


@pytest.fixture(scope="module")
def replicas() -> Iterator[tuple[str, str]]:
    with redis_server() as redis_url:
        env = {"VIZCORE_REDIS_URL": redis_url}
        with streamlit_server(env=env) as first, streamlit_server(env=env) as second:
            yield first, second


def test_a_class_follows_its_teacher_across_two_replicas(browser: Browser, replicas: tuple[str, str]) -> None:
    follow_a_lecture(browser, *replicas)
