"""Spacing of E-utilities requests: one process-wide limiter per rate.

NCBI counts requests per IP (or per API key), not per client object, so every
:class:`~littrack.eutils.client.EutilsClient` in the process shares the limiter that
:func:`shared_limiter` hands out for its rate. Nothing here touches the network.
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


_registry: dict[float, RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(rate_per_second: float) -> RateLimiter:
    """The process-wide limiter for ``rate_per_second`` (created on first use)."""
    with _registry_lock:
        limiter = _registry.get(rate_per_second)
        if limiter is None:
            limiter = _registry[rate_per_second] = RateLimiter(rate_per_second)
        return limiter
