"""The service lock: one ``littrack run`` per SQLite store; on PostgreSQL a second one stands by instead of exiting.

Services on several machines may share one database (a hospital's IT runs two for resilience). One holds
the scheduler lock (a PostgreSQL advisory lock, :class:`littrack.lock.PgLock`) and schedules; the others log
whom they wait for and try again every :data:`STANDBY_POLL` seconds. When the holder dies (even by kill -9:
its connection closes and the server releases its lock) one of them takes over within that interval, catches
up missed runs and schedules. A holder that loses its own lock connection (the server restarted, the network
failed) stops itself rather than schedule without the lock; a supervisor restarts it into standby.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import ExitStack

from littrack.config.model import StoreConfig
from littrack.errors import LockError, StoreError
from littrack.lock import SERVICE, PgLock, hold_lock, holder, service_lock_path

log = logging.getLogger("littrack.service")

STANDBY_POLL = 10.0  # seconds between tries of a standing-by service
WATCH_EVERY = 15.0  # seconds between checks that the holder's lock connection is alive
SERVICE_LOCK_WAIT = 1.0  # seconds a second `littrack run` on a SQLite store waits before giving up


def hold_service_lock(stack: ExitStack, store: StoreConfig) -> threading.Event | None:
    """Take the service lock for the life of ``stack``: SQLite refuses a second service (LockError, exit 75);
    PostgreSQL stands by until the lock is free. None if stopped while standing by; else an event that is set if
    the lock's connection is lost later (the service then stops, and the caller exits 75 for a restart)."""
    lost = threading.Event()
    if store.is_postgresql:
        lock = await_scheduler_lock(store)
        if lock is None:
            return None
        stack.enter_context(lock)
        watch(lock, lost)
        return lost
    path = service_lock_path(store.path)
    try:
        stack.enter_context(hold_lock(path, wait=SERVICE_LOCK_WAIT))
    except LockError:
        raise LockError(
            f"another `littrack run` ({holder(path)}) is already serving the store {store.path}; "
            "one service per store: stop that one first (or use `littrack status` to see what it is doing)"
        ) from None
    return lost


def await_scheduler_lock(store: StoreConfig, poll: float = STANDBY_POLL) -> PgLock | None:
    """The scheduler lock, once this process holds it; None if SIGTERM/SIGINT came while standing by."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        announced: str | None = None
        lock: PgLock | None = None
        while not stop.is_set():
            try:
                lock = lock or PgLock(store, SERVICE)
                if lock.try_once():
                    if announced:
                        log.info("taking over: the scheduler lock is free (%s no longer holds it); "
                                 "catching up and scheduling", announced)
                    return lock
                holder = lock.holder()
                if holder != announced:
                    log.info("standing by: the scheduler lock is held by %s; another `littrack run` serves "
                             "%s (trying again every %gs)", holder, store.display, poll)
                    announced = holder
            except StoreError as exc:  # the server is unreachable: keep standing by, say so
                log.warning("standing by: %s", exc)
                if lock is not None:
                    lock.close()
                lock = None
            stop.wait(poll)
        if lock is not None:
            lock.close()
        log.info("stopped while standing by")
        return None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def watch(lock: PgLock, lost: threading.Event, every: float = WATCH_EVERY) -> threading.Thread:
    """Stop this service (SIGTERM to itself, ``lost`` set) if its scheduler lock's connection is lost."""

    def run() -> None:
        while True:
            threading.Event().wait(every)
            if lock.conn.closed:
                return  # closed by us: the service is exiting
            if not lock.alive():
                log.error("lost the connection holding the scheduler lock; stopping so that no two services "
                          "schedule at once (a supervisor restart puts this one back in line)")
                lost.set()
                os.kill(os.getpid(), signal.SIGTERM)
                return

    t = threading.Thread(target=run, name="scheduler-lock-watch", daemon=True)
    t.start()
    return t
