"""One writer per store: an advisory ``flock`` on a file beside the SQLite file.

Jobs (fetch, digest) take ``<store>.lock`` for their duration; the service also holds
``<store>.service.lock`` for its lifetime so a second ``littrack run`` is refused. The kernel releases a
lock when its process dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from littrack.errors import LockError, StoreError

# How long a one-off command waits for a running job before giving up with a clear message.
JOB_LOCK_WAIT = 10.0


def holder(path: Path) -> str:
    """'process 1234' (the pid the lock's holder wrote into it), or 'another process'."""
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"process {pid}" if pid else "another process"


@contextmanager
def hold_lock(path: Path, *, wait: float | None = 0.0, what: str = "the store", poll: float = 0.2) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, waiting up to ``wait`` seconds (None: :data:`JOB_LOCK_WAIT`);
    LockError if it is still taken."""
    wait = JOB_LOCK_WAIT if wait is None else wait
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # the config check saw a writable folder; it changed since, or the disk is read-only
        raise StoreError(
            f"cannot open the lock file {path}: {exc.strerror or exc}; the store's folder must exist and be writable"
        ) from None
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"{what} is in use by {holder(path)} (lock {path}); "
                        "wait for it to finish or stop it, then retry"
                    ) from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def job_lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


def service_lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".service.lock")
