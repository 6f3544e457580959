"""Dynamic batching: concurrent requests share one call, each caller gets its own row back, errors reach
every caller of the failed batch, and the model's lock is held while the batch runs."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from tests.conftest import ROOT
from vizcore.photos import images, inference
from vizcore.photos.batching import Batcher


def test_concurrent_requests_share_batches_and_each_gets_its_own_result() -> None:
    calls: list[list[int]] = []
    gate = threading.Event()

    def square(items: Sequence[int]) -> list[int]:
        gate.wait(5)  # the first batch waits until every request is queued, so the rest batch up
        calls.append(list(items))
        return [i * i for i in items]

    batcher = Batcher(square, max_batch=8, max_wait=0.05)
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(batcher.submit, i) for i in range(20)]
        gate.set()
        results = [f.result(timeout=10) for f in futures]
    batcher.close()
    assert results == [i * i for i in range(20)]
    assert sorted(i for call in calls for i in call) == list(range(20))
    assert max(len(c) for c in calls) == 8  # bounded by max_batch
    assert len(calls) < 20  # fewer calls than requests: that is the point
    assert batcher.batch_sizes == [len(c) for c in calls]


def test_an_error_reaches_every_caller_of_its_batch_and_the_batcher_carries_on() -> None:
    def picky(items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("13 is unlucky")
        return list(items)

    batcher = Batcher(picky, max_batch=4, max_wait=0.0)
    with pytest.raises(ValueError, match="unlucky"):
        batcher.submit(13)
    assert batcher.submit(7) == 7
    wrong_length = Batcher(lambda items: [], max_wait=0.0)
    with pytest.raises(RuntimeError, match="a batch of 1 gave 0 results"):
        wrong_length.submit(1)
    wrong_length.close()
    batcher.close()
    assert batcher.submit(5) == 5  # closed (a cache let it go): served alone, in the caller
    with pytest.raises(ValueError, match="unlucky"):
        batcher.submit(13)


def test_the_lock_is_held_while_a_batch_runs() -> None:
    lock = threading.RLock()
    held: list[bool] = []

    def run(items: Sequence[int]) -> list[int]:
        # another thread cannot take the lock while the batch runs
        probe = threading.Thread(target=lambda: held.append(not lock.acquire(blocking=False)))
        probe.start()
        probe.join()
        return list(items)

    batcher = Batcher(run, lock=lock, max_wait=0.0)
    assert batcher.submit(3) == 3
    batcher.close()
    assert held == [True]


def test_batched_photos_classify_as_they_do_alone() -> None:
    clf = inference.default_classifier("cpu")
    photos = [images.load_image(p) for p in sorted((ROOT / "assets" / "samples").glob("*.jpg"))[:3]]
    alone = [inference.classify(clf, photo) for photo in photos]
    batcher = Batcher(lambda images: inference.classify_batch(clf, images), max_batch=8, max_wait=0.2)
    with ThreadPoolExecutor(len(photos)) as pool:
        together = list(pool.map(batcher.submit, photos))
    batcher.close()
    for a, b in zip(alone, together, strict=True):
        assert [p.index for p in a.predictions] == [p.index for p in b.predictions]
        assert [p.prob for p in a.predictions] == pytest.approx([p.prob for p in b.predictions], abs=1e-4)
        assert torch.equal(a.input, b.input)
    assert sum(batcher.batch_sizes) == len(photos) and len(batcher.batch_sizes) < len(photos)
