"""The upload store: content-hash ids, each opening only its own bytes, bounded in size and age."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import onnx
import pytest

from tests.support.onnx_files import tiny_onnx
from vizcore.errors import ModelFileError
from vizcore.files.uploads import UploadStore


def test_two_uploads_never_see_each_other(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    first, second = tiny_onnx(4), tiny_onnx(8)
    a, b = store.store(first), store.store(second)
    assert a == hashlib.sha256(first).hexdigest() and b == hashlib.sha256(second).hexdigest()
    assert store.open(a) == first and store.open(b) == second
    assert store.store(first) == a  # the same file, the same id, one copy
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{a}.onnx", f"{b}.onnx"])
    assert onnx.load_from_string(store.open(b)).graph.initializer[0].dims == [8, 3, 3, 3]


def test_ids_are_checked_before_any_path_is_made(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    for bad in ("../../etc/passwd", "a" * 63, "A" * 64, ""):
        with pytest.raises(ModelFileError, match="not one vizcore gave"):
            store.open(bad)
    with pytest.raises(ModelFileError, match="no longer kept"):
        store.open("0" * 64)


def test_junk_and_oversized_files_are_never_kept(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, max_file_bytes=1000)
    with pytest.raises(ModelFileError, match="not ONNX"):
        store.store(b"\x89PNG\r\n\x1a\n" + bytes(50))
    with pytest.raises(ModelFileError, match="empty"):
        store.store(b"")
    with pytest.raises(ModelFileError, match="past the upload limit of 0 MiB"):
        store.store(tiny_onnx(64))
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_the_folder_is_bounded_in_size_least_recently_used_first(tmp_path: Path) -> None:
    files = [tiny_onnx(c) for c in (4, 5, 6)]
    store = UploadStore(tmp_path, max_bytes=len(files[0]) + len(files[2]) + 10)  # room for two of the three
    ids = [store.store(files[0]), store.store(files[1])]
    old = time.time() - 100
    os.utime(tmp_path / f"{ids[0]}.onnx", (old, old))
    store.open(ids[0])  # used again: now the newest
    os.utime(tmp_path / f"{ids[1]}.onnx", (old, old))
    third = store.store(files[2])
    assert store.open(ids[0]) == files[0] and store.open(third) == files[2]
    with pytest.raises(ModelFileError, match="no longer kept"):
        store.open(ids[1])


def test_uploads_expire(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, max_age_s=3600)
    stale, fresh = store.store(tiny_onnx(4)), store.store(tiny_onnx(5))
    two_hours_ago = time.time() - 7200
    os.utime(tmp_path / f"{stale}.onnx", (two_hours_ago, two_hours_ago))
    store.prune()
    with pytest.raises(ModelFileError, match="no longer kept"):
        store.open(stale)
    assert store.open(fresh) == tiny_onnx(5)


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    store = UploadStore.from_env(
        {
            "VIZCORE_UPLOAD_DIR": str(tmp_path),
            "VIZCORE_UPLOAD_MAX_MB": "1.5",
            "VIZCORE_UPLOAD_FILE_MB": "1",
            "VIZCORE_UPLOAD_MAX_AGE_HOURS": "2",
        }
    )
    assert store == UploadStore(tmp_path, max_bytes=1572864, max_file_bytes=1048576, max_age_s=7200.0)
    with pytest.raises(ModelFileError, match="not a number"):
        UploadStore.from_env({"VIZCORE_UPLOAD_MAX_MB": "lots"})
