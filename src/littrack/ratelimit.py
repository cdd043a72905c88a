"""Spacing of requests to a web API: one process-wide limiter per host (and rate).

NCBI counts requests per IP (or per API key), not per client object, so every client of one host in the
process shares the limiter that :func:`shared_limiter` hands out; the E-utilities and ClinicalTrials.gov
clients (and :mod:`littrack.http`'s retries) use it. Nothing here touches the network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces the *start* of requests at least ``1 / rate_per_second`` seconds apart. Thread-safe.

    Each caller reserves the next free slot under the lock and sleeps outside it, so a slow sleeper
    never holds up the bookkeeping of others.
    """

    def __init__(
        self,
        rate_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second}")
        self.rate_per_second = rate_per_second
        self.interval = 1.0 / rate_per_second
        self.clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = float("-inf")
        self._blocked_until = float("-inf")

    def acquire(self) -> float:
        """Wait until this caller may start a request; return the seconds waited."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next_start, self._blocked_until)
            self._next_start = start + self.interval
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def block_until(self, monotonic_time: float) -> None:
        """Start no request before ``monotonic_time`` (on this limiter's clock), e.g. after HTTP 429."""
        with self._lock:
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
