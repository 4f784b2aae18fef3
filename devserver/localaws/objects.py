"""moto keeps an S3 object's body in a file of its own on disk, open only while it is used.

moto 5.2.5 holds each object's body in a `tempfile.SpooledTemporaryFile`: in memory up to
`MOTO_S3_DEFAULT_KEY_BUFFER_SIZE` (8 MB by default), an open temporary file beyond. Under
`make run` every certificate is a PDF of about 23 KB, so a working day's certificates stayed in
the server's memory (23 MB per 1,000 dispatches, a quarter of the soak's budget). Lowering the
buffer size would move them to disk but hold one open file descriptor per object, and a day of
certificates is more objects than a process may open.

Here moto's key model (`FakeKey`) gets a `FileBody` instead: the same calls (`seek`, `truncate`,
`write`, `read`, `close`) on a file in one directory per process, opened for each call and closed
after it. Closing a body (moto does when an object is deleted, overwritten or reset) deletes its
file; the directory goes when the process exits. Nothing else about S3 changes: what moto stores
and answers (bodies, ETags, versions, copies) is the same bytes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import moto.s3.models

from devserver.localaws.patching import SetAttr

PATCHED = "jobcover_bodies_on_disk"
# The directory to make each process's body directory in (default: the system's temporary one).
DIRECTORY_VARIABLE = "JOBCOVER_LOCALAWS_S3_DIR"


class FileBody:
    """What moto uses of a `SpooledTemporaryFile`, kept in a file that is open only during a call.

    The position is the body's own, as a file object's is. Not thread-safe, like the file moto
    had: moto's key takes its own lock around reads.
    """

    def __init__(self, directory: Path) -> None:
        descriptor, name = tempfile.mkstemp(dir=directory, suffix=".body")
        os.close(descriptor)
        self.path = Path(name)
        self._position = 0
        self.closed = False

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._position = offset
        elif whence == os.SEEK_CUR:
            self._position += offset
        else:
            self._position = max(0, self.path.stat().st_size + offset)  # as an in-memory file
        return self._position

    def tell(self) -> int:
        return self._position

    def truncate(self, size: int | None = None) -> int:
        size = self._position if size is None else size
        if size < self.path.stat().st_size:  # never longer, as an in-memory file
            os.truncate(self.path, size)
        return size

    def _open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")  # as a closed file says

    def write(self, data: bytes) -> int:
        self._open()
        with self.path.open("r+b") as file:
            file.seek(self._position)
            written = file.write(data)
        self._position += written
        return written

    def read(self, size: int = -1) -> bytes:
        self._open()
        with self.path.open("rb") as file:
            file.seek(self._position)
            data = file.read(size)
        self._position += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.path.unlink(missing_ok=True)


class BodyDirectory:
    """The directory of one process's bodies: made when the first body is, removed at exit."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        if self._path is None:
            with self._lock:
                if self._path is None:
                    self._path = self._make()
        return self._path

    @staticmethod
    def _make() -> Path:
        parent = os.environ.get(DIRECTORY_VARIABLE)
        if parent:
            Path(parent).mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix="jobcover-s3-", dir=parent or None))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        return path

    def body(self, max_size: int = 0, *_args: Any, **_kwargs: Any) -> FileBody:
        """`SpooledTemporaryFile(max_size)` as moto calls it; the size does not matter on disk."""
        return FileBody(self.path)


def install_bodies_on_disk(
    set_attribute: SetAttr = setattr, directory: Path | None = None
) -> BodyDirectory | None:
    """Give moto's S3 keys `FileBody`s (moto's S3 module makes them through its `tempfile`
    name, and nothing else there uses it). Idempotent: `None` if already installed."""
    if getattr(vars(moto.s3.models)["tempfile"], PATCHED, False):
        return None
    bodies = BodyDirectory(directory)
    shim = SimpleNamespace(SpooledTemporaryFile=bodies.body, **{PATCHED: True})
    set_attribute(moto.s3.models, "tempfile", shim)
    return bodies
