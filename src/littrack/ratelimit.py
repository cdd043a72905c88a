"""Spacing of requests to a web API: one process-wide limiter per host (and rate).

NCBI counts requests per IP (or per API key), not per client object, so every client of one host in the
process shares the limiter that :func:`shared_limiter` hands out; the E-utilities and ClinicalTrials.gov
clients (and :mod:`littrack.http`'s retries) use it. Nothing here touches the network.

What the server counts is requests *arriving* within any sliding second, and we cannot see arrivals, only
when we sent a request and when its reply came back. Network delay varies, so spacing the starts 1/rate
apart is not enough: a slow request followed by quick ones puts rate + 1 arrivals into one second (NCBI then
answers 429). A request arrives before its reply does, so the limiter lets the (N+1)-th request start only
when the N-th before it has *finished* more than a second (plus a margin) ago: N = the requests allowed per
second. Starts are still spaced 1/rate apart, so requests are spread evenly rather than sent in bursts.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

WINDOW = 1.0  # NCBI's limits are per second
MARGIN = 0.1  # seconds on top of the window: two machines' clocks and the server's counter are not exact


@dataclass
class _Slot:
    start: float
    end: float | None = None  # None while the request is in flight


class RateLimiter:
    """At most ``rate_per_second`` requests arrive at the server in any second. Thread-safe.

    Use :meth:`request` around each HTTP attempt (it must know when the reply came back). Each caller
    reserves its start under the lock and sleeps outside it, so a slow sleeper never holds up the others.
    """

    def __init__(
        self,
        rate_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        margin: float = MARGIN,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second}")
        self.rate_per_second = rate_per_second
        self.interval = 1.0 / rate_per_second
        self.per_window = max(1, math.floor(rate_per_second + 1e-9))
        self.window = WINDOW + margin
        self.clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._recent: collections.deque[_Slot] = collections.deque()  # the last per_window requests
        self._floor = float("-inf")  # latest end among the requests older than those
        self._next_start = float("-inf")
        self._blocked_until = float("-inf")

    @contextmanager
    def request(self) -> Iterator[float]:
        """Wait until a request may start, yield the seconds waited, and note when it ended."""
        slot, waited = self._reserve()
        try:
            yield waited
        finally:
            with self._cond:
                slot.end = max(self.clock(), slot.start)
                self._cond.notify_all()

    def _reserve(self) -> tuple[_Slot, float]:
        with self._cond:
            while len(self._recent) >= self.per_window:
                oldest = self._recent[0]
                if oldest.end is None:  # in flight in another thread: its arrival is unknown until it ends
                    self._cond.wait()
                    continue
                self._floor = max(self._floor, oldest.end)
                self._recent.popleft()
            now = self.clock()
            start = max(now, self._next_start, self._blocked_until, self._floor + self.window)
            slot = _Slot(start)
            self._recent.append(slot)
            self._next_start = start + self.interval
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return slot, max(wait, 0.0)

    def block_until(self, monotonic_time: float) -> None:
        """Start no request before ``monotonic_time`` (on this limiter's clock), e.g. after HTTP 429."""
        with self._cond:
            self._blocked_until = max(self._blocked_until, monotonic_time)

    def block_for(self, seconds: float) -> None:
        """Start no request for the next ``seconds``."""
        self.block_until(self.clock() + seconds)


_registry: dict[tuple[str, float], RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(rate_per_second: float, host: str = "") -> RateLimiter:
    """The process-wide limiter for ``host`` at ``rate_per_second`` (created on first use).

    Keyed by host so two services never share a budget; and by rate, because a reloaded config may add an
    API key (3 → 10 requests/s for NCBI).
    """
    key = (host.lower(), rate_per_second)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(rate_per_second)
        return limiter
