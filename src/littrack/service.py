"""``littrack run``: the long-running service. APScheduler fires the same jobs as ``littrack fetch``/``digest``.

Boundary: the process's life (the service lock, or standing by for it on PostgreSQL: :mod:`littrack.standby`;
signals, config reload), when jobs run (regular slots,
missed slots, retries) and the log lines about it. *What* to run when is decided by
:mod:`littrack.schedule` (pure functions); the work is :func:`littrack.fetch.job.fetch_job` and
:func:`littrack.digest.job.digest_job`, called exactly as the one-off commands call them.

One job at a time: a single worker thread runs fetch and digest in turn, and each job also takes the
store's job lock, so a manual ``littrack fetch`` makes a scheduled job wait (then fail and be retried).

Stopping (SIGTERM/SIGINT): no new job starts; a running job gets ``STOP_WAIT`` seconds to finish. After
that ``KeyboardInterrupt`` is raised inside it: the jobs roll back their open transaction and record the
run as 'interrupted' (the next fetch repeats the window; nothing is marked sent). We chose this over
waiting for the job unboundedly because a large back-fill can take many minutes at NCBI's 3 requests/s,
while systemd (and the user at a terminal) expect an exit within seconds. If the job is stuck inside one
network call for longer than ``INTERRUPT_WAIT`` the process marks its ledger row 'interrupted' itself and
exits anyway (its open transaction dies with the process, so SQLite rolls it back).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import tzinfo
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from littrack import standby
from littrack.config import Config, load_config, require_contact_email
from littrack.errors import ConfigError, LittrackError, LockError
from littrack.schedule import missed_run, parse_schedule, resolve_timezone, retry_delay, when
from littrack.service_jobs import (
    FETCH,
    Emit,
    describe,
    job_kinds,
    job_schedule,
    last_ok,
    profile_of,
    run_digest,
    run_fetch,
)
from littrack.store import open_store
from littrack.store.runs import mark_interrupted
from littrack.store.service_state import ServiceState, mark_stopped, save_state

log = logging.getLogger(__name__)

STOP_WAIT = 5.0  # seconds a running job gets to finish after SIGTERM
INTERRUPT_WAIT = 10.0  # seconds an interrupted job gets to roll back
_IDLE_WAKE = 300.0  # the main loop wakes this often even without signals


def run_service(config_path: Path, initial: Config, load: Callable[[Path], Config] = load_config) -> None:
    """Serve until SIGTERM/SIGINT. LockError (exit 75) if another ``littrack run`` serves the same store.
    ``load`` re-reads the config on SIGHUP (the CLI's loader also teaches its log redactor the secrets)."""
    require_contact_email(initial)  # would fail every fetch; refuse to start instead
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # APScheduler logs every job submission at INFO; our own start/end lines say it better.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    abandoned = False
    with ExitStack() as stack:
        lost = standby.hold_service_lock(stack, initial.store)
        if lost is None:
            return  # stopped while standing by
        abandoned = Service(config_path, initial, load).run()
    if lost.is_set():  # exit 75, not 0: systemd's Restart=on-failure puts this service back in line
        raise LockError(f"lost the connection holding the scheduler lock of {initial.store.display}; stopped so "
                        "that no two services schedule at once (start it again to stand by or take over)")
    if abandoned:
        logging.shutdown()
        os._exit(0)  # the stuck job's thread would keep the interpreter alive; the kernel frees our locks


RUNNERS: dict[str, Callable[..., None]] = {FETCH: run_fetch, "digest": run_digest}


def _run(cfg: Config, kind: str, emit: Emit) -> None:
    """Job ``kind``: the fetch, or a profile's digest (a job whose profile left the config does nothing)."""
    if kind == FETCH:
        RUNNERS[FETCH](cfg, emit)
        return
    profile = profile_of(cfg, kind)
    if profile is None:
        log.info("%s: its profile is no longer in the config; nothing to do", kind)
        return
    RUNNERS["digest"](cfg, emit, profile=profile)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class Service:
    """The scheduler, the signal handling and the retry bookkeeping of one ``littrack run``."""

    def __init__(self, config_path: Path, cfg: Config, load: Callable[[Path], Config] = load_config) -> None:
        self.config_path, self.cfg, self.load = config_path, cfg, load
        self.pid = os.getpid()
        self.started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._guard = threading.Lock()  # cfg, _failures, _running
        self._idle = threading.Condition(self._guard)
        self._running: dict[str, int] = {}  # kind → thread ident of the worker running it
        self._failures: dict[str, int] = {}  # kind → failures in a row
        self._stopping = threading.Event()
        self._signals: list[int] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self._tz(cfg),
        )

    # -- life cycle ------------------------------------------------------------------------------

    def run(self) -> bool:
        """Serve until a stop signal. True if a stuck job had to be abandoned (the caller then exits hard)."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        try:
            cfg = self.cfg
            log.info("littrack service started (pid %d, config %s, store %s)", self.pid, self.config_path,
                     cfg.store.display)
            log.info("schedule: %s", describe(cfg))
            self.scheduler.start(paused=True)
            self._schedule(cfg)
            self._catch_up(cfg)
            self.scheduler.resume()
            self._publish()
            self._log_next()
            stop = self._wait_for_stop()
            return self._shutdown(stop)
        finally:
            if self.scheduler.running:  # start-up failed (e.g. the store cannot be read)
                self.scheduler.shutdown(wait=False)
            for s, handler in previous.items():
                signal.signal(s, handler)
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs in the main thread between bytecodes: only record it and wake the loop (no locks here).
        self._signals.append(signum)
        with suppress(BlockingIOError):
            os.write(self._wake_w, b"\0")

    def _wait_for_stop(self) -> int:
        while True:
            select.select([self._wake_r], [], [], _IDLE_WAKE)
            with suppress(BlockingIOError):
                os.read(self._wake_r, 512)
            while self._signals:
                signum = self._signals.pop(0)
                if signum == signal.SIGHUP:
                    self.reload()
                else:
                    return signum

    def _shutdown(self, signum: int) -> bool:
        self._stopping.set()
        with self._guard:
            busy = sorted(self._running)
        name = signal.Signals(signum).name
        if busy:
            log.info("%s received: stopping; waiting up to %gs for the running %s to finish", name, STOP_WAIT, busy[0])
        else:
            log.info("%s received: stopping", name)
        self.scheduler.shutdown(wait=False)  # no new submissions; queued ones see _stopping and return
        if not self._wait_idle(STOP_WAIT):
            with self._guard:
                running = dict(self._running)
            for kind, ident in running.items():
                log.warning("interrupting the running %s: it rolls back and is recorded as interrupted", kind)
                _raise_in_thread(ident, KeyboardInterrupt)
            if not self._wait_idle(INTERRUPT_WAIT):
                log.error("the running job did not stop within %gs (blocked in a network call?); exiting anyway",
                          INTERRUPT_WAIT)
                self._record_abandoned()
                return True
        try:
            with open_store(self.cfg.store.location, password=self.cfg.store.password) as store:
                mark_stopped(store, self.pid)
        except LittrackError as exc:
            log.warning("could not record the service stop in the store: %s", _one_line(exc))
        log.info("littrack service stopped")
        return False

    def _record_abandoned(self) -> None:
        """Our own stuck job holds the job lock, so no other writer can be running: its row is ours to close."""
        try:
            with open_store(self.cfg.store.location, password=self.cfg.store.password) as store:
                mark_interrupted(store)
                mark_stopped(store, self.pid)
        except LittrackError as exc:
            log.warning("could not record the interrupted run: %s (the next run will)", _one_line(exc))

    def _wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._running, timeout=timeout)

    # -- schedule ---------------------------------------------------------------------------------

    @staticmethod
    def _tz(cfg: Config) -> tzinfo:
        return resolve_timezone(cfg.schedule.timezone)

    def _schedule(self, cfg: Config) -> None:
        """(Re)create the regular jobs: fetch, and each profile's digest; pending retries keep their time. The
        jobs of a profile no longer in the config go, with their missed runs and retries."""
        tz = self._tz(cfg)
        grace = max(1, cfg.schedule.misfire_grace_minutes * 60)
        kinds = job_kinds(cfg)
        for job in self.scheduler.get_jobs():
            if job.id.removesuffix("-missed").removesuffix("-retry") not in kinds:
                log.info("%s removed (its profile left the config)", job.id)
                self.scheduler.remove_job(job.id)
        for kind in kinds:
            trigger = parse_schedule(job_schedule(cfg, kind), tz)
            self.scheduler.add_job(self.run_job, trigger, args=(kind, "scheduled"), id=kind, name=kind,
                                   replace_existing=True, misfire_grace_time=grace)

    def _catch_up(self, cfg: Config) -> None:
        """Run once each job whose last slot passed while nothing ran (within the grace period)."""
        tz = self._tz(cfg)
        now = dt.datetime.now(tz)
        grace = dt.timedelta(minutes=cfg.schedule.misfire_grace_minutes)
        kinds = job_kinds(cfg)
        with open_store(cfg.store.location, password=cfg.store.password) as store:
            last = {kind: last_ok(store, cfg, kind) for kind in kinds}
        for offset, kind in enumerate(kinds):  # fetch before the digests
            decision = missed_run(kind, parse_schedule(job_schedule(cfg, kind), tz), now, last[kind], grace)
            if decision is None:
                continue
            # A skipped slot is routine on a first start (the job never ran); a late run is worth a warning.
            log.log(logging.WARNING if decision.run_now else logging.INFO, "%s", decision.message)
            if decision.run_now:
                self.scheduler.add_job(self.run_job, DateTrigger(now + dt.timedelta(seconds=offset)),
                                       args=(kind, f"missed run of {when(decision.slot)}"), id=f"{kind}-missed",
                                       replace_existing=True, misfire_grace_time=None)

    def next_run(self, kind: str) -> dt.datetime | None:
        """The earliest pending run of ``kind``: regular, missed or retry."""
        times = []
        for job_id in (kind, f"{kind}-missed", f"{kind}-retry"):
            job = self.scheduler.get_job(job_id)
            if job is not None and job.next_run_time is not None:
                times.append(job.next_run_time)
        return min(times) if times else None

    def _log_next(self) -> None:
        log.info("%s", ", ".join(f"next {kind} at {when(self.next_run(kind))}" for kind in job_kinds(self.cfg)))

    def _publish(self) -> None:
        """Write what `littrack status` shows about this service; a failure here never stops the service."""
        with self._guard:
            cfg, failures = self.cfg, {k: n for k, n in self._failures.items() if n}
        kinds = job_kinds(cfg)
        nxt = {kind: self.next_run(kind) for kind in kinds}
        state = ServiceState(
            pid=self.pid, config=str(self.config_path), started_at=self.started_at,
            schedule={**{k: job_schedule(cfg, k) for k in kinds}, "timezone": str(self._tz(cfg))},
            next_runs={k: v.isoformat() if v else None for k, v in nxt.items()}, retries=failures,
        )
        try:
            with open_store(cfg.store.location, password=cfg.store.password) as store:
                save_state(store, state)
        except LittrackError as exc:
            log.warning("could not record the service state in the store: %s", _one_line(exc))

    # -- reload -----------------------------------------------------------------------------------

    def reload(self) -> bool:
        """Re-read the config file; keep the old config (and say why) if the new one is not usable."""
        old = self.cfg
        try:
            new = self.load(self.config_path)
            if new.store.location != old.store.location:
                raise ConfigError(f"{self.config_path}: the store changed ({old.store.display} → {new.store.display});"
                                  " restart the service to switch stores")
            require_contact_email(new)
        except LittrackError as exc:
            log.error("config reload rejected: %s; keeping the previous config", _one_line(exc))
            return False
        with self._guard:
            self.cfg = new
        self._schedule(new)
        log.info("config reloaded from %s; schedule: %s", self.config_path, describe(new))
        self._publish()
        self._log_next()
        return True

    # -- jobs -------------------------------------------------------------------------------------

    def run_job(self, kind: str, why: str) -> None:
        """Run ``kind`` now in the calling thread (the scheduler's worker), then retry or log the next runs.

        Never raises: the service outlives every job. LittrackError is logged as its one line; any other
        exception as one line at ERROR with its traceback at DEBUG.
        """
        if self._stopping.is_set():
            log.info("%s not started: the service is stopping", kind)
            return
        with self._guard:
            cfg = self.cfg
            self._running[kind] = threading.get_ident()
        started = time.monotonic()
        error: str | None = None
        interrupted = False
        log.info("%s started (%s)", kind, why)
        try:
            _run(cfg, kind, lambda line: log.info("%s [%.1fs]", line, time.monotonic() - started))
        except LittrackError as exc:
            error = _one_line(exc)
        except Exception as exc:  # a bug must not take the service down; keep the traceback for --verbose
            log.debug("%s raised an unexpected exception", kind, exc_info=True)
            error = f"unexpected {type(exc).__name__}: {_one_line(exc)}"
        except KeyboardInterrupt:
            interrupted = True
        finally:
            with self._guard:
                self._running.pop(kind, None)
                self._idle.notify_all()
        elapsed = time.monotonic() - started
        if interrupted:
            log.warning("%s interrupted by shutdown after %.1fs; recorded as interrupted, the next run repeats it",
                        kind, elapsed)
            return
        if self._stopping.is_set():
            if error:
                log.error("%s failed after %.1fs: %s", kind, elapsed, error)
            return
        self._after(kind, error, elapsed)
        self._publish()
        self._log_next()

    def _after(self, kind: str, error: str | None, elapsed: float) -> None:
        """Success clears the retry state; a failure schedules the next retry, or gives up until the next slot."""
        if error is None:
            with self._guard:
                self._failures.pop(kind, None)
            with suppress(LookupError):
                self.scheduler.remove_job(f"{kind}-retry")
            return
        with self._guard:
            failures = self._failures[kind] = self._failures.get(kind, 0) + 1
            sched = self.cfg.schedule
        job = self.scheduler.get_job(kind)
        regular = job.next_run_time if job is not None else None
        delay = retry_delay(failures, sched.retry_minutes, sched.max_retries)
        now = dt.datetime.now(self._tz(self.cfg))
        if delay is not None and (regular is None or now + delay < regular):
            self.scheduler.add_job(self.run_job, DateTrigger(now + delay),
                                   args=(kind, f"retry {failures}/{sched.max_retries}"),
                                   id=f"{kind}-retry", replace_existing=True, misfire_grace_time=None)
            log.error("%s failed after %.1fs: %s; retry %d/%d at %s", kind, elapsed, error, failures,
                      sched.max_retries, when(now + delay))
            return
        with self._guard:
            self._failures[kind] = 0  # the next regular run starts a fresh series of retries
        if delay is None:
            n = sched.max_retries
            reason = (f"gave up after {n} retr{'y' if n == 1 else 'ies'}" if n
                      else "retries are off (schedule.max_retries: 0)")
        else:
            reason = "the next scheduled run comes before a retry would"
        log.error("%s failed after %.1fs: %s; %s, next scheduled run at %s", kind, elapsed, error, reason,
                  when(regular))


def _raise_in_thread(ident: int, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in another Python thread at its next bytecode (CPython's documented C API)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc_type))
