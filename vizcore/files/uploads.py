"""Uploaded model files, kept on the server by content hash so a URL can name one.

An upload is checked as ONNX before it is kept (junk never reaches the disk), written under the SHA-256
of its bytes (never under the uploader's file name), and opened again only by that id, so one session
can reach another's upload only by holding its exact hash. The folder is bounded in total size and in
age: each ``store`` first drops files past ``max_age_s``, then the least recently used ones until the
total fits ``max_bytes``. Opening an upload marks it used.

Settings, from the environment (``UploadStore.from_env``), or given directly:

- ``VIZCORE_UPLOAD_DIR``: the folder (default: ``vizcore-uploads`` in the system's temporary folder)
- ``VIZCORE_UPLOAD_MAX_MB``: the folder's total size (default 2048)
- ``VIZCORE_UPLOAD_FILE_MB``: one upload's size (default 200; a graph-only file is a few hundred KB)
- ``VIZCORE_UPLOAD_MAX_AGE_HOURS``: how long an upload is kept unused (default 168, a week)
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelFileError
from .onnxfile import parse

_ID = re.compile(r"[0-9a-f]{64}")
SUFFIX = ".onnx"


@dataclass(frozen=True)
class UploadStore:
    folder: Path
    max_bytes: int = 2048 << 20
    max_file_bytes: int = 200 << 20
    max_age_s: float = 168 * 3600.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UploadStore:
        env = os.environ if environ is None else environ
        folder = Path(env.get("VIZCORE_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "vizcore-uploads")
        try:
            return cls(
                folder,
                max_bytes=int(float(env.get("VIZCORE_UPLOAD_MAX_MB", 2048)) * 2**20),
                max_file_bytes=int(float(env.get("VIZCORE_UPLOAD_FILE_MB", 200)) * 2**20),
                max_age_s=float(env.get("VIZCORE_UPLOAD_MAX_AGE_HOURS", 168)) * 3600.0,
            )
        except ValueError as exc:
            raise ModelFileError(
                f"an upload setting is not a number ({exc}): fix the VIZCORE_UPLOAD_* variables."
            ) from exc

    def store(self, data: bytes) -> str:
        """Check ``data`` as ONNX, keep it, and return its id (the SHA-256 of its bytes, in hex)."""
        if len(data) > self.max_file_bytes:
            raise ModelFileError(
                f"the file is {len(data) / 2**20:,.1f} MiB, past the upload limit of {self.max_file_bytes / 2**20:,.0f} "
                "MiB: export the graph alone, with its weights as external data."
            )
        parse(data)  # refuses empty, truncated and non-ONNX files with their sentence
        upload_id = hashlib.sha256(data).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(upload_id)
        if path.exists():
            os.utime(path)
        else:
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)  # readers never see half a file
        self.prune(keep=upload_id)
        return upload_id

    def open(self, upload_id: str) -> bytes:
        """The bytes stored under ``upload_id``; an id that is malformed, expired or unknown is refused."""
        if not isinstance(upload_id, str) or not _ID.fullmatch(upload_id):
            raise ModelFileError("that upload id is not one vizcore gave: upload the file again.")
        path = self._path(upload_id)
        try:
            data = path.read_bytes()
            os.utime(path)
        except FileNotFoundError as exc:
            raise ModelFileError("that upload is no longer kept (uploads expire): upload the file again.") from exc
        return data

    def prune(self, keep: str = "") -> None:
        """Drop uploads past the age limit, then the least recently used until the folder fits its size."""
        now = time.time()
        entries = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # another server process pruned it
                continue
            if now - stat.st_mtime > self.max_age_s and path.stem != keep:
                path.unlink(missing_ok=True)
            else:
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            if path.stem != keep:
                path.unlink(missing_ok=True)
                total -= size

    def _path(self, upload_id: str) -> Path:
        return self.folder / f"{upload_id}{SUFFIX}"
