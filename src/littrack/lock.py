"""One writer per store: an advisory ``flock`` beside a SQLite file, a PostgreSQL advisory lock for a database.

SQLite: jobs (fetch, digest) take ``<store>.lock`` for their duration; the service also holds
``<store>.service.lock`` for its lifetime so a second ``littrack run`` is refused. The kernel releases a
lock when its process dies, so a killed run never leaves a stale lock behind.

PostgreSQL (``store.url``; littrack may run on several machines): the same two locks are session-level
``pg_try_advisory_lock`` s, each held on a connection of its own. The server releases them when that
connection ends, and a killed process's connection ends with it (a vanished machine's within about a minute,
by TCP keepalive). The holder is named by its connection's ``application_name`` (``littrack job host:pid``).
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from littrack import pg
from littrack.config.model import StoreConfig
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


# --- one API for both engines ---

JOB, SERVICE = 1, 2  # advisory lock ids, under LOCK_CLASS
LOCK_CLASS = 0x6C74  # "lt": littrack's advisory locks are (LOCK_CLASS, JOB|SERVICE)
_NAMES = {JOB: "job", SERVICE: "scheduler"}


def me() -> str:
    """``host:pid``: how a lock's holder is named to others."""
    return f"{socket.gethostname()}:{os.getpid()}"


class HeldJobLock:
    """The job lock while held. :meth:`confirm` before a step that must not happen twice (an e-mail, a delivery):
    a flock cannot be lost, but a PostgreSQL advisory lock goes with its connection (a server restart, a network
    failure, an administrator's ``pg_terminate_backend``), after which another job may already hold it."""

    def __init__(self, pg_lock: PgLock | None = None) -> None:
        self._pg_lock = pg_lock

    def confirm(self) -> None:
        """Raise :class:`LockError` if this process no longer holds the job lock."""
        if self._pg_lock is not None and not self._pg_lock.alive():
            raise LockError(
                f"lost the job lock on {pg.display_url(self._pg_lock.store.location)} (its connection closed); "
                "stopped before sending or marking anything: run again"
            )


@contextmanager
def job_lock(store: StoreConfig, *, wait: float | None = 0.0) -> Iterator[HeldJobLock]:
    """Hold the store's job lock (fetch and digest run one at a time), waiting up to ``wait`` seconds."""
    if not store.is_postgresql:
        with hold_lock(job_lock_path(store.path), wait=wait):
            yield HeldJobLock()
        return
    wait = JOB_LOCK_WAIT if wait is None else wait
    with PgLock(store, JOB) as lock:
        if not lock.acquire(wait):
            raise LockError(
                f"the store is in use by {lock.holder()} ({pg.display_url(store.location)}); "
                "wait for it to finish or stop it, then retry"
            )
        yield HeldJobLock(lock)


class PgLock:
    """A session-level advisory lock on a dedicated connection (closing it releases the lock)."""

    def __init__(self, store: StoreConfig, which: int) -> None:
        self.store, self.which = store, which
        self.conn: Any = pg.connect(
            store.location, store.password, application_name=f"littrack {_NAMES[which]} {me()}"
        )

    def try_once(self) -> bool:
        try:
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, self.which)).fetchone()
        except pg.psycopg_module().Error as exc:
            raise pg.error_for(self.store.location, exc) from None
        return bool(row[0])

    def acquire(self, wait: float, poll: float = 0.2) -> bool:
        deadline = time.monotonic() + wait
        while not self.try_once():
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)
        return True

    def holder(self) -> str:
        """``host:pid`` of the process holding this lock (from its connection's application_name)."""
        return pg_holder(self.conn, self.which) or "another littrack process"

    def alive(self) -> bool:
        """False once the lock's connection is gone (the server no longer holds the lock for us)."""
        try:
            self.conn.execute("SELECT 1")
        except Exception:
            return False
        return True

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> PgLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pg_holder(conn: Any, which: int) -> str | None:
    row = conn.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (LOCK_CLASS, which),
    ).fetchone()
    if row is None:
        return None
    name = str(row[0] or "")
    return name.rsplit(" ", 1)[-1] if name.startswith("littrack ") else (name or "another process")


def pg_waiters(conn: Any, which: int) -> list[str]:
    """``host:pid`` of each littrack process connected for this lock without holding it (standing by)."""
    rows = conn.execute(
        "SELECT a.application_name FROM pg_stat_activity a"
        " WHERE a.datname = current_database() AND a.application_name LIKE %s AND NOT EXISTS ("
        "   SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted"
        "   AND l.classid = %s AND l.objid = %s)"
        " ORDER BY a.backend_start",
        (f"littrack {_NAMES[which]} %", LOCK_CLASS, which),
    ).fetchall()
    return [str(r[0]).rsplit(" ", 1)[-1] for r in rows]


def pg_lock_held(store: StoreConfig, which: int) -> str | None:
    """The holder (``host:pid``) of the store's job or scheduler lock, or None when nobody holds it."""
    return pg_lock_state(store, which)[0]


def pg_lock_state(store: StoreConfig, which: int) -> tuple[str | None, list[str]]:
    """The holder of the store's job or scheduler lock (None: nobody) and the processes standing by for it."""
    conn = pg.connect(store.location, store.password, application_name="littrack status")
    try:
        return pg_holder(conn, which), pg_waiters(conn, which)
    finally:
        conn.close()
