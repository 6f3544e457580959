"""The Classify page's shared results (pages.SharedResults): one computation per key whoever asks,
functions told apart by module, bounded, and never handed to another model."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from webapp.caching import SharedResults


class Model:
    """Stands for a classifier: any object that can be weakly referenced."""


def named(module: str, value: str):
    def render(owner: Model, x: int) -> str:
        return f"{value} {x}"

    render.__module__ = module
    return render


def test_functions_with_one_name_in_two_modules_are_two_functions() -> None:
    shared, model = SharedResults(8), Model()
    a, b = named("vizcore.photos.inference", "maps"), named("vizcore.photos.pictures", "grid")
    assert a.__qualname__ == b.__qualname__
    assert shared.call(a, model, "photo", 1) == "maps 1"
    assert shared.call(b, model, "photo", 1) == "grid 1"
    assert shared.call(a, model, "photo", 2) == "maps 1"  # x is the photo's input: the digest is the key


def test_thirty_sessions_asking_at_once_compute_once() -> None:
    shared, model, calls = SharedResults(8), Model(), []
    started = threading.Barrier(30)

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.2)  # long enough for every other session to arrive while it runs
        return [1, 2, 3]

    def session(_: int) -> list[int]:
        started.wait()
        return shared.get(model, ("classified", "coffee"), compute)

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(session, range(30)))
    assert len(calls) == 1 and all(r is results[0] for r in results)


def test_a_failure_is_not_kept_and_the_next_asker_computes() -> None:
    shared, model = SharedResults(8), Model()

    def fail() -> int:
        raise ValueError("no map")

    with pytest.raises(ValueError, match="no map"):
        shared.get(model, ("map",), fail)
    assert shared.get(model, ("map",), lambda: 7) == 7


def test_bounded_and_kept_only_for_the_model_that_made_it() -> None:
    shared, model = SharedResults(2), Model()
    for i in range(3):
        shared.get(model, (i,), lambda i=i: i)
    assert shared.get(model, (0,), lambda: "again") == "again"  # the oldest went
    assert shared.get(model, (2,), lambda: "again") == 2
    other = Model()
    assert shared.get(other, (2,), lambda: "other's") == "other's"
    dead = id(model)
    del model  # CPython soon gives a new model the dead one's id: it must not get the dead one's results
    fresh = next(m for m in (Model() for _ in range(10_000)) if id(m) == dead)
    assert shared.get(fresh, (2,), lambda: "fresh") == "fresh"
