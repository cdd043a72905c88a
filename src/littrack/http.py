"""The retry mechanism both web clients share (NCBI E-utilities, ClinicalTrials.gov).

:class:`Retrier` runs one request function up to ``1 + max_retries`` times behind a rate limiter, with
exponential backoff and jitter, honouring ``Retry-After``. :func:`send` performs one HTTP attempt and sorts
the outcome: transport faults, 429 and 5xx raise :class:`Retryable`; anything else is returned for the
client to judge. Each client keeps only what is its own: URLs, parameters, body validation, wording.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import requests

from littrack.errors import LittrackError
from littrack.ratelimit import RateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRY_AFTER = 120.0  # honour Retry-After, but never park a scheduled job for longer
TRANSPORT_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class Retryable(Exception):
    """An attempt failed in a way worth retrying; ``reason`` ends up in the final error line."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110); capped at :data:`MAX_RETRY_AFTER`."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def send(
    session: requests.Session,
    method: str,
    url: str,
    params: Mapping[str, str],
    *,
    timeout: float,
    limiter: RateLimiter,
    unsendable: Callable[[str], LittrackError],
) -> requests.Response:
    """One attempt. GET sends ``params`` in the query string, POST as a form body (long queries, ID lists)."""
    try:
        if method == "GET":
            resp = session.get(url, params=params, timeout=timeout)
        else:
            resp = session.post(url, data=params, timeout=timeout)
    except requests.Timeout:
        raise Retryable(f"no reply within {timeout:g}s") from None
    except TRANSPORT_ERRORS as exc:
        raise Retryable(f"connection dropped ({type(exc).__name__})") from None
    except requests.RequestException as exc:
        raise unsendable(str(exc)) from None
    if resp.status_code == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        if wait is not None:
            limiter.block_for(wait)  # every request in the process waits, not just this one
        raise Retryable("HTTP 429 (rate limit exceeded)", retry_after=wait)
    if resp.status_code >= 500:
        raise Retryable(f"HTTP {resp.status_code}")
    return resp


class Retrier:
    """Bounded retries with exponential backoff and jitter; counts every attempt in ``attempts_made``."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retries: int,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], object] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.attempts_made = 0

    def backoff(self, attempt: int) -> float:
        """Full-ish jitter: between half and all of ``base * 2^(attempt-1)``, capped."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + self._rng.random() / 2)

    def run(self, attempt: Callable[[], T], *, label: str, give_up: Callable[[str, int], LittrackError]) -> T:
        """Call ``attempt`` until it returns; :class:`Retryable` failures are retried, the last one becomes
        ``give_up(reason, attempts)``. Other exceptions pass through at once."""
        attempts = self.max_retries + 1
        for n in range(1, attempts + 1):
            with self.limiter.request():  # the limiter learns when the reply came back, not only the start
                with self._lock:
                    self.attempts_made += 1
                try:
                    return attempt()
                except Retryable as failure:
                    reason, retry_after = failure.reason, failure.retry_after
            if n == attempts:
                raise give_up(reason, attempts) from None
            delay = retry_after if retry_after is not None else self.backoff(n)
            # INFO, not WARNING: a retry that then succeeds is routine; the final failure is reported once.
            log.info("%s attempt %d/%d failed (%s); retrying in %.1fs", label, n, attempts, reason, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
